"""The quarterly reporting cycle in a real browser: fill, save, submit, return, resubmit, accept."""
from datetime import date

from playwright.sync_api import expect

from sip.accounts.models import Membership, User
from sip.accounts.passwords import hash_password
from sip.bodies.models import Body
from sip.extensions import db
from sip.plan.queries import current_strategy
from sip.reporting.services import ensure_periods, find_period, open_period
from tests.browser.journeys import sign_in
from tests.conftest import DEFAULT_PASSWORD

ACTIVITIES = ("3.1.1.2", "3.1.2.1")  # the training working group's activities


def add_people_and_open_quarter(app) -> None:
    """A lead of the training working group, a secretariat member, and 2026-Q4 open."""
    with app.app_context():
        bodies = {b.slug: b for b in db.session.scalars(db.select(Body))}
        lead = User(email="lead@example.org", name="Jean Dupont", language="en", password_hash=hash_password(DEFAULT_PASSWORD))
        rome = User(email="rome@example.org", name="Giulia Rossi", language="en", password_hash=hash_password(DEFAULT_PASSWORD))
        db.session.add_all([lead, rome, Membership(user=lead, body=bodies["wg-training"], role="lead"),
                            Membership(user=rome, body=bodies["rome-support-team"], role="member")])
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.commit()
        open_period(find_period(strategy, "2026-Q4"), date(2027, 1, 15), actor=None, opens_on=date(2026, 11, 1))


def review(browser, base: str, decision: str, note: str = "") -> None:
    """The secretariat, in a browser of its own, accepts or returns the report."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    sign_in(page, base, "rome@example.org")
    page.goto(f"{base}/reports/2026-Q4/wg-training")
    if note:
        page.get_by_label("Note to the group", exact=False).fill(note)
    page.get_by_role("button", name=decision).click()
    expect(page.get_by_role("status").first).to_be_visible()
    context.close()


def test_lead_reports_secretariat_returns_lead_resubmits_secretariat_accepts(live_server, live_app, browser, page):
    add_people_and_open_quarter(live_app)
    sign_in(page, live_server, "lead@example.org")
    page.get_by_role("link", name="Reports").click()
    page.locator("a[href='/reports/2026-Q4/wg-training']").first.click()
    expect(page).to_have_url(f"{live_server}/reports/2026-Q4/wg-training")

    for code in ACTIVITIES:
        page.get_by_label(f"Status ({code})").select_option("on_track")
        page.get_by_label(f"Achievements this quarter ({code})").fill(f"Two regional trainings held for {code}.")
    page.get_by_label("Summary of the quarter for the whole report").fill("A good quarter for training.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").first).to_contain_text("Draft saved.")
    expect(page.get_by_label(f"Achievements this quarter ({ACTIVITIES[0]})")).to_have_value(
        f"Two regional trainings held for {ACTIVITIES[0]}.")

    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status").first).to_contain_text("Report submitted for review.")

    review(page.context.browser, live_server, "Return to the group", note="Please add the number of people trained.")
    page.reload()
    expect(page.get_by_text("Please add the number of people trained.")).to_be_visible()
    page.get_by_label(f"Achievements this quarter ({ACTIVITIES[0]})").fill("Two regional trainings, 48 people trained.")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status").first).to_contain_text("Report submitted for review.")

    review(page.context.browser, live_server, "Accept")
    page.goto(f"{live_server}/plan/activities/{ACTIVITIES[0]}")
    expect(page.locator("dl.facts")).to_contain_text("On track")
    expect(page.get_by_text("48 people trained")).to_be_visible()
