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
ACCOUNTABLE, SHARED = ACTIVITIES  # it sets the first one's status; the GLC sets the second's (a contribution note)


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
    page.get_by_role("link", name="Reports", exact=True).click()
    page.locator("a[href='/reports/2026-Q4/wg-training']").first.click()
    expect(page).to_have_url(f"{live_server}/reports/2026-Q4/wg-training")

    page.get_by_label(f"Status ({ACCOUNTABLE})").select_option("on_track")
    page.get_by_label(f"Achievements this quarter ({ACCOUNTABLE})").fill(
        f"Two regional trainings held for {ACCOUNTABLE}.")
    expect(page.locator(f"[id='activity-{SHARED}']")).to_contain_text(
        "Contribution (the status is set by GLC's report)")
    page.get_by_label(f"Contribution note ({SHARED})").fill("We trained the GLC's trainers.")
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


def accept_q3_with_next_steps(app) -> None:
    """The training group's 2026-Q3 report, accepted, with next steps and evidence the lead may carry forward."""
    from sip.bodies.queries import find_body
    from sip.reporting import services
    from sip.reporting.services import UpdateData

    with app.app_context():
        strategy = current_strategy()
        q3 = find_period(strategy, "2026-Q3")
        open_period(q3, date(2026, 10, 15), actor=None, opens_on=date(2026, 7, 1))
        body = find_body("wg-training")
        lead = db.session.scalar(db.select(User).where(User.email == "lead@example.org"))
        rome = db.session.scalar(db.select(User).where(User.email == "rome@example.org"))
        updates = {a.id: UpdateData(status="on_track", achievements="Q3 trainings.", next_steps="Plan the Q4 course.",
                                    evidence_links="https://example.org/q3")
                   if a.code == ACCOUNTABLE else UpdateData(achievements="Q3 help.")
                   for a in services.reportable_activities(body)}
        report = services.write_report(body, q3, lead, 0, "Q3.", updates, submit=True, confirmed=True)
        services.accept_report(report, rome)


def test_carried_text_is_marked_until_edited_and_submitting_it_unchanged_asks_to_confirm(live_server, live_app,
                                                                                          page):
    add_people_and_open_quarter(live_app)
    accept_q3_with_next_steps(live_app)
    sign_in(page, live_server, "lead@example.org")
    page.goto(f"{live_server}/reports/2026-Q4/wg-training")
    achievements = page.get_by_label(f"Achievements this quarter ({ACCOUNTABLE})")
    next_steps = page.get_by_label(f"Next steps ({ACCOUNTABLE})")
    expect(achievements).to_have_value("Q3 trainings.")
    mark_of = lambda field: page.locator(f"#{field.get_attribute('id')}-carried")  # noqa: E731
    achievements_mark, next_steps_mark = mark_of(achievements), mark_of(next_steps)
    expect(achievements_mark).to_have_text("Carried from 2026-Q3 — edit or confirm")
    expect(next_steps_mark).to_be_visible()

    achievements.fill("Three trainings, 60 people.")  # edited: its mark goes, the untouched ones stay
    expect(achievements_mark).to_have_count(0)
    expect(next_steps_mark).to_be_visible()

    page.get_by_label("Summary of the quarter for the whole report").fill("Q4.")
    page.get_by_role("button", name="Submit", exact=True).click()
    confirm = page.locator("#confirm-carried")
    expect(confirm).to_contain_text("Saved as a draft, not submitted yet.")
    expect(confirm).to_contain_text(f"{ACCOUNTABLE}: Next steps, Evidence links")
    expect(page.locator(".report-state")).to_have_text("Not due yet")  # nothing submitted yet

    confirm.get_by_role("button", name="Submit anyway").click()
    expect(page.get_by_role("status").first).to_contain_text("Report submitted for review.")
