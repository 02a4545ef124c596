"""Notifications in a real browser: the unread count in the header, opening an item, and the e-mail choices."""
import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from sip.accounts.models import Membership, User
from sip.accounts.passwords import hash_password
from sip.bodies.models import Body
from sip.extensions import db
from sip.inbox.models import NotificationPreference
from sip.plan.queries import current_strategy
from sip.reporting.services import ensure_periods, find_period, open_period
from tests.browser.journeys import sign_in
from tests.conftest import DEFAULT_PASSWORD


def lead_told_that_the_quarter_opened(app) -> int:
    """A lead of the training working group, then 2026-Q4 opened (which tells the lead); the lead's id."""
    with app.app_context():
        body = db.session.scalar(select(Body).where(Body.slug == "wg-training"))
        lead = User(email="lead@example.org", name="Jean Dupont", language="en",
                    password_hash=hash_password(DEFAULT_PASSWORD))
        db.session.add_all([lead, Membership(user=lead, body=body, role="lead")])
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.commit()
        open_period(find_period(strategy, "2026-Q4"), date(2027, 1, 15), actor=None, opens_on=date(2026, 11, 1))
        return lead.id


def test_a_lead_sees_the_unread_count_opens_the_item_and_stops_its_mails(live_server, live_app, page):
    lead_id = lead_told_that_the_quarter_opened(live_app)
    sign_in(page, live_server, "lead@example.org")
    header = page.locator("nav.user")
    expect(header.get_by_role("link", name=re.compile(r"Notifications\s*\(\s*1 unread\s*\)"))).to_be_visible()

    header.get_by_role("link", name=re.compile("Notifications")).click()
    expect(page).to_have_url(f"{live_server}/notifications")
    item = page.get_by_role("link", name="2026-Q4 is open for reports, due on January 15, 2027.")
    item.click()
    expect(page).to_have_url(f"{live_server}/reports")  # the reports of the quarter, to fill
    expect(header.get_by_role("link", name="Notifications", exact=True)).to_be_visible()  # nothing unread now

    page.goto(f"{live_server}/notifications")
    page.get_by_role("link", name="Choose which notifications reach you by e-mail").click()
    quarter = page.get_by_role("group", name="A quarter opens for reports")
    expect(quarter.get_by_label("At once")).to_be_checked()  # asks the lead to act: at once by default
    quarter.get_by_label("Never").check()
    page.get_by_role("group", name="A report of my group is accepted").get_by_label("At once").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_role("status")).to_have_text("Your e-mail choices are saved.")
    expect(page.get_by_role("group", name="A quarter opens for reports").get_by_label("Never")).to_be_checked()
    with live_app.app_context():
        stored = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.delivery)
                                         .where(NotificationPreference.user_id == lead_id)).all())
    assert stored["period_opened"] == "never" and stored["report_accepted"] == "instant"
