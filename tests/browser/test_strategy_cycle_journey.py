"""Strategy cycles in a real browser: the secretariat copies the 2022–2026 plan as the 2027–2030 draft and rewords
one of its activities, decides the last unfinished activities of 2022–2026 (one continues in the new plan, one is
discontinued), sees on the close page that nothing blocks any more, closes 2022–2026 with notes in both languages and
opens 2027–2030. Every address without a strategy then shows 2027–2030; the strategy bar leads to the closed plan,
read-only; the carried activity links to its other life; the end-of-strategy report of 2022–2026 shows its tables.

The set-up leaves two activities undecided (the others are closed as completed through the services, as
tests/cycles/test_closing.py does) and closes the quarters of 2026, the tracker's first year (the quarters never
opened do not block the closing)."""
import re
from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from sip.accounts.models import Membership, User
from sip.accounts.passwords import hash_password
from sip.bodies.models import Body
from sip.cycles import queries, services
from sip.extensions import db
from sip.plan.queries import current_strategy
from sip.reporting.models import ReportingPeriod
from sip.reporting.services import close_period, ensure_periods, open_period
from tests.browser.journeys import sign_in
from tests.conftest import DEFAULT_PASSWORD

SECRETARIAT = "rome@example.org"
CARRIED = "1.1.1.2"  # continues as the same code of the copied plan
REASON = {"fr": "Le guide est publié.", "en": "The guidance is published."}
NEW_TEXT = "Map the national logistics coordination platforms, country by country."


def add_a_closing_world(app) -> str:
    """A secretariat member; the quarters of 2026 opened and closed; every unfinished activity of 2022–2026 closed
    as completed but two: CARRIED and the last one, whose code is returned."""
    with app.app_context():
        rome = User(email=SECRETARIAT, name="Giulia Rossi", language="en",
                    password_hash=hash_password(DEFAULT_PASSWORD))
        team = db.session.scalar(select(Body).where(Body.slug == "rome-support-team"))
        db.session.add_all([rome, Membership(user=rome, body=team, role="member", since=date(2024, 1, 1))])
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.commit()
        for period in db.session.scalars(select(ReportingPeriod).where(
                ReportingPeriod.strategy_id == strategy.id, ReportingPeriod.year == 2026)
                .order_by(ReportingPeriod.quarter)).all():
            opens_on = date(2026, 3 * period.quarter - 2, 1)
            open_period(period, opens_on + timedelta(days=105), actor=None, opens_on=opens_on)
            close_period(period, rome)
        unfinished = [activity for activity, _status in queries.unfinished_activities(strategy)]
        last = unfinished[-1].code
        for activity in unfinished:
            if activity.code not in (CARRIED, last):
                services.decide_carry_over(activity, "completed", rome, reason=REASON)
        return last


def activity_row(page, code: str):
    """The row of an activity (draft or carry-over table), by its code."""
    return page.locator(f'[id="activity-{code}"]')


def test_the_secretariat_closes_2022_2026_and_opens_the_copied_2027_2030_plan(live_server, live_app, page):
    discontinued = add_a_closing_world(live_app)
    sign_in(page, live_server, SECRETARIAT)
    status = page.get_by_role("status").first

    # 1. From the navigation's Strategies page, the current plan is copied as the 2027–2030 draft.
    page.get_by_role("link", name="Strategies", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Strategies")
    page.get_by_role("link", name="Open a new plan").click()
    copy = page.locator("form[action$='/strategies/new/copy']")  # the upload form has its own "First day"
    copy.get_by_label("First day").fill("2027-01-01")
    copy.get_by_label("Last day").fill("2030-12-31")
    copy.get_by_role("button", name="Copy as a draft").click()
    expect(status).to_contain_text("The current plan is copied as the 2027–2030 draft.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Draft plan 2027–2030")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Strategies").click()
    draft_row = page.get_by_role("row").filter(has_text="2030")
    expect(draft_row).to_contain_text("Draft")
    draft_row.get_by_role("link", name="Edit the draft").click()

    # 2. One activity of the draft is reworded in English.
    expect(activity_row(page, CARRIED)).to_be_visible()
    activity_row(page, CARRIED).get_by_role("link", name=f"Edit {CARRIED}").click()
    page.get_by_label("Text in English").fill(NEW_TEXT)
    page.get_by_role("button", name="Save").click()
    expect(status).to_contain_text(f"Activity {CARRIED} is saved in the draft.")
    expect(activity_row(page, CARRIED)).to_contain_text(NEW_TEXT)

    # 3. The close page says what blocks: the two undecided activities. Both are decided on the carry-over page.
    page.goto(f"{live_server}/strategies")
    page.get_by_role("link", name="Close this strategy").click()
    expect(page.locator("#blocking")).to_contain_text(
        f"Unfinished activities with no carry-over decision: {CARRIED}, {discontinued}.")
    page.get_by_role("link", name="Decide the carry-over").click()
    expect(page.locator("#carry-over-summary")).to_contain_text("2 to decide")
    row = activity_row(page, CARRIED)
    row.get_by_label("Decision").select_option("continue")
    row.get_by_label("Activity of the next plan (code), to continue or merge").fill(CARRIED)
    row.get_by_role("button", name="Save the decision").click()
    expect(status).to_contain_text(f"Decision saved for activity {CARRIED}: Continues in the next plan.")
    expect(activity_row(page, CARRIED)).to_have_attribute("data-decision", "continue")
    row = activity_row(page, discontinued)
    row.get_by_label("Decision").select_option("discontinued")
    row.get_by_label("Reason (French)").fill("Reprise par les partenaires nationaux.")
    row.get_by_label("Reason (English)").fill("Taken over by national partners.")
    row.get_by_role("button", name="Save the decision").click()
    expect(status).to_contain_text(f"Decision saved for activity {discontinued}")
    expect(page.locator("#carry-over-summary")).to_contain_text("0 to decide")

    # 4. Nothing blocks any more: the strategy is closed with notes in French and English.
    page.get_by_role("link", name="What is still open before closing").click()
    expect(page.locator("#blocking")).to_have_text("Nothing blocks the closing.")
    page.get_by_label("Closing notes (French)").fill("Bilan : la plupart des activités sont achevées.")
    page.get_by_label("Closing notes (English)").fill("Most activities are completed; one carries on.")
    page.get_by_label(re.compile("closing makes the strategy read-only")).check()
    page.get_by_role("button", name="Close the 2022–2026 strategy").click()
    expect(status).to_contain_text("The 2022–2026 strategy is closed")
    expect(page.locator("#closing-notes")).to_contain_text("Most activities are completed; one carries on.")

    # 5. The 2027–2030 plan is opened from the closed strategy's page.
    page.locator("#next-plan").get_by_role("button", name="Open the 2027–2030 plan").click()
    expect(status).to_contain_text("The 2027–2030 strategy is now the current one")

    # 6. The plain /plan is 2027–2030; the strategy bar leads to the closed 2022–2026 plan, read-only.
    page.goto(f"{live_server}/plan")
    bar = page.get_by_role("navigation", name="Strategy")
    expect(bar.locator("[aria-current]")).to_have_text("2027–2030")
    bar.get_by_role("link", name="2022–2026").click()
    expect(page).to_have_url(re.compile(r"/s/2022-2026/plan"))
    expect(page.get_by_role("navigation", name="Strategy").get_by_role("note")).to_contain_text(
        "You are reading the closed 2022–2026 strategy")

    # The carried activity's page, in the new plan, links to its life in the old one, and back.
    page.goto(f"{live_server}/plan/activities/{CARRIED}")
    expect(page.get_by_text(NEW_TEXT).first).to_be_visible()
    lives = page.locator("#other-lives")
    expect(lives).to_contain_text(f"Continues activity {CARRIED} of the 2022–2026 plan")
    lives.get_by_role("link", name=CARRIED).click()
    expect(page).to_have_url(re.compile(rf"/s/2022-2026/plan/activities/{re.escape(CARRIED)}"))
    expect(page.locator("#other-lives")).to_contain_text(f"Continues as activity {CARRIED} of the 2027–2030 plan")

    # The end-of-strategy report of 2022–2026, from the Strategies page, shows its tables.
    page.goto(f"{live_server}/strategies")
    page.get_by_role("row").filter(has_text="2026").filter(has_text="Closed") \
        .get_by_role("link", name="End-of-strategy report").click()
    expect(page).to_have_url(re.compile(r"/strategies/2022-2026/report"))
    for table in ("status-counts", "statuses", "compliance-summary", "carry-over"):
        expect(page.locator(f"section#{table} table")).to_be_visible()
    carried = page.locator("section#carry-over table")
    expect(carried.get_by_role("row").filter(has_text=CARRIED)).to_contain_text("Continues in the next plan")
    expect(carried.get_by_role("row").filter(has_text=CARRIED)).to_contain_text(NEW_TEXT)
    expect(carried.get_by_role("row").filter(has_text=discontinued)).to_contain_text("Taken over by national partners.")
