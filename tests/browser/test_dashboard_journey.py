"""The SAG dashboard in a real browser: charts drawn by plotly.js under the CSP, the period changed with the form."""
import re
from datetime import date, datetime, timezone

from playwright.sync_api import expect

from sip.accounts.models import Membership, User
from sip.accounts.passwords import hash_password
from sip.bodies.models import Body
from sip.extensions import db
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from sip.reporting.models import ActivityUpdate, GroupReport
from sip.reporting.services import close_period, ensure_periods, find_period, open_period
from sip.reporting.statuses import refresh
from tests.browser.journeys import sign_in
from tests.conftest import DEFAULT_PASSWORD

CHARTS = ("status-by-pillar", "status-over-time", "compliance", "plan")


def add_sag_member_and_accepted_reports(app) -> None:
    """A SAG member; the training working group's accepted reports for 2026-Q2 (closed) and 2026-Q3 (open).

    3.1.1.2 is on track in 2026-Q2 and completed in 2026-Q3; 3.1.2.1 is at risk, then delayed.
    """
    with app.app_context():
        bodies = {b.slug: b for b in db.session.scalars(db.select(Body))}
        sag = User(email="sag@example.org", name="Amina Diallo", language="en",
                   password_hash=hash_password(DEFAULT_PASSWORD))
        db.session.add_all([sag, Membership(user=sag, body=bodies["sag"], role="member")])
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.commit()
        q2, q3 = find_period(strategy, "2026-Q2"), find_period(strategy, "2026-Q3")
        open_period(q2, date(2026, 7, 15), actor=None, opens_on=date(2026, 4, 1))
        close_period(q2, actor=None)
        open_period(q3, date(2026, 10, 15), actor=None, opens_on=date(2026, 7, 1))
        activities = {a.code: a for a in db.session.scalars(
            db.select(Activity).where(Activity.code.in_(["3.1.1.2", "3.1.2.1"])))}
        for period, statuses, day in ((q2, {"3.1.1.2": "on_track", "3.1.2.1": "at_risk"}, 10),
                                      (q3, {"3.1.1.2": "completed", "3.1.2.1": "delayed"}, 12)):
            submitted_at = datetime(period.due_on.year, period.due_on.month, day, tzinfo=timezone.utc)
            report = GroupReport(body=bodies["wg-training"], period=period, state="accepted",
                                 summary=f"Training, {period.code}.", submitted_at=submitted_at)
            db.session.add(report)
            for code, status in statuses.items():
                report.updates.append(ActivityUpdate(activity=activities[code], status=status,
                                                     challenges=f"Challenge of {code}"))
        refresh(strategy.id)  # the status table, as accepting the reports writes it
        db.session.commit()


def pillar_row(page, number: int):
    """The row of a pillar in the status-by-pillar table."""
    heading = page.get_by_role("rowheader", name=f"Pillar {number}", exact=True)
    return page.locator("#status-by-pillar-table tbody tr").filter(has=heading)


def test_sag_member_sees_the_charts_drawn_and_changes_the_quarter(live_server, live_app, page):
    add_sag_member_and_accepted_reports(live_app)
    problems = []

    def on_console(message) -> None:
        # CSP violations, failed loads and script errors all show as console errors or warnings.
        if message.type in ("error", "warning"):
            problems.append(f"console {message.type}: {message.text} at {message.location.get('url')}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    sign_in(page, live_server, "sag@example.org")
    page.get_by_role("link", name="Dashboards").click()
    expect(page).to_have_url(f"{live_server}/dashboards/sag")
    expect(page.get_by_role("heading", level=1)).to_have_text("SAG dashboard 2026-Q3")
    page.locator(".chart-offer button").first.click()  # plotly.js is loaded on demand, then remembered
    for chart in CHARTS:
        expect(page.locator(f'[data-chart="chart-{chart}"] svg.main-svg').first).to_be_attached()
    expect(page.locator("[data-chart] svg.main-svg").first).to_be_visible()
    # Pillar 3 in 2026-Q3: 4 planned, 1 delayed, 1 completed (of 6).
    expect(pillar_row(page, 3).locator("td")).to_have_text(["4", "0", "0", "1", "1", "0", "6"])
    expect(page.locator("#at-risk-table")).to_contain_text("3.1.2.1")
    expect(page.locator("#at-risk-table")).to_contain_text("Challenge of 3.1.2.1")

    page.get_by_role("combobox", name=re.compile(r"^Quarter")).select_option("2026-Q2")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{live_server}/dashboards/sag?period=2026-Q2&pillar=&body=")
    expect(page.get_by_role("heading", level=1)).to_have_text("SAG dashboard 2026-Q2")
    expect(pillar_row(page, 3).locator("td")).to_have_text(["4", "1", "1", "0", "0", "0", "6"])
    for chart in CHARTS:
        expect(page.locator(f'[data-chart="chart-{chart}"] svg.main-svg').first).to_be_attached()

    assert problems == []
