"""Plan governance in a real browser: a lead proposes a rewording, the SAG endorses it, the secretariat records the
GLM's verification; the plan then shows the new text and the diff between versions shows the old one."""
from datetime import date

from playwright.sync_api import expect

from sip.accounts.models import Membership, User
from sip.accounts.passwords import hash_password
from sip.bodies.models import Body
from sip.extensions import db
from sip.plan.queries import current_strategy
from sip.reporting.services import ensure_periods, find_period, set_glm
from tests.browser.journeys import sign_in
from tests.conftest import DEFAULT_PASSWORD

CODE = "3.1.1.2"  # an activity of the training working group
NEW_TEXT = "Set up regional online training platforms where partners share their training materials."
OLD_WORDS = "enabling partner organisations"


def add_people_and_a_glm(app) -> None:
    """The training group's lead, a SAG member, a secretariat member, and 2026-Q4 marked as "GLM November 2026"."""
    with app.app_context():
        bodies = {b.slug: b for b in db.session.scalars(db.select(Body))}
        for email, name, slug, role in (("lead@example.org", "Jean Dupont", "wg-training", "lead"),
                                        ("sag@example.org", "Amina Diallo", "sag", "member"),
                                        ("rome@example.org", "Giulia Rossi", "rome-support-team", "member")):
            person = User(email=email, name=name, language="en", password_hash=hash_password(DEFAULT_PASSWORD))
            db.session.add_all([person, Membership(user=person, body=bodies[slug], role=role, since=date(2024, 1, 1))])
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.commit()
        set_glm(find_period(strategy, "2026-Q4"), True, "GLM November 2026", actor=None)


def as_someone_else(browser, base: str, email: str):
    """A page of a browser context of its own, signed in as `email`."""
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, email)
    return page


def fail_on_console_errors(page) -> list[str]:
    """Collect the page's console errors (a CSP refusal shows up there)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def test_a_rewording_goes_from_the_lead_through_the_sag_and_the_glm_into_the_plan(live_server, live_app, browser, page):
    add_people_and_a_glm(live_app)
    errors = fail_on_console_errors(page)

    # The lead proposes a new wording from the activity's page.
    sign_in(page, live_server, "lead@example.org")
    page.goto(f"{live_server}/plan/activities/{CODE}")
    page.get_by_role("link", name="Propose a change").click()
    page.get_by_role("link", name="Reword it").click()
    page.get_by_label("Text in English").fill(NEW_TEXT)
    page.get_by_label("Rationale: why the plan should change").fill("The group now trains partners region by region.")
    page.get_by_role("button", name="Propose this change").click()
    expect(page.get_by_role("status").first).to_contain_text("waits for the SAG's endorsement")
    amendment_url = page.url

    # The SAG finds it from the navigation and endorses it.
    sag = as_someone_else(page.context.browser, live_server, "sag@example.org")
    sag.get_by_role("link", name="Amendments").click()
    expect(sag.get_by_text("1 amendment waits for the SAG's endorsement.")).to_be_visible()
    sag.locator(f"a[href='{amendment_url.removeprefix(live_server)}']").first.click()
    expect(sag.locator("ins").first).to_contain_text("regional")
    sag.get_by_role("button", name="Endorse").click()
    expect(sag.get_by_role("status").first).to_contain_text("endorsed")
    sag.context.close()

    # The secretariat records that the GLM plenary verified it: a GLM dated before the endorsement is refused with
    # the reason and changes nothing; the GLM held since (today) applies it, and the plan changes now.
    rome = as_someone_else(page.context.browser, live_server, "rome@example.org")
    amendment = amendment_url.rstrip("/").rsplit("/", 1)[-1]
    today = date.today().isoformat()
    for held_on in ("2024-06-20", today):
        rome.goto(f"{live_server}/meetings/new")
        rome.get_by_label("Body").select_option(label="Global Logistics Cluster")
        rome.get_by_label("Kind of meeting").select_option("glm")
        rome.get_by_label("GLM (for a GLM plenary)").select_option(label="GLM November 2026 (2026-Q4)")
        rome.get_by_label("Title in English").fill("GLM November 2026")
        rome.get_by_label("Starts (local time where it is held)").fill(f"{held_on}T00:05")
        rome.get_by_label("Place").fill("Rome")
        rome.get_by_role("button", name="Schedule it").click()
        verdict = rome.locator("#verdict")
        verdict.get_by_label("Amendment").select_option(label=f"{amendment} · {CODE}")
        verdict.get_by_role("button", name="Record the verdict").click()
        if held_on != today:
            expect(rome.get_by_role("alert").first).to_contain_text(
                "a GLM held on June 20, 2024 cannot have decided on it")
    expect(rome.get_by_role("status").first).to_contain_text(f"The plan now says so, in version glm-{today}")
    rome.context.close()

    # Everyone reads the new text in the plan, and the old one in the difference between versions.
    page.goto(f"{live_server}/plan?body=wg-training")
    expect(page.get_by_text(NEW_TEXT)).to_be_visible()
    page.get_by_role("link", name="Versions of the plan").first.click()
    page.get_by_role("link", name="what it changed").click()
    reworded = page.locator(f"tr[data-code='{CODE}'][data-change='reworded']")
    expect(reworded.locator("del").first).to_contain_text(OLD_WORDS)
    expect(reworded.locator("ins").first).to_contain_text("regional")
    page.goto(f"{live_server}/plan?as_of=2023-11")
    expect(page.locator("#as-of")).to_contain_text("You are looking at the plan as of")
    expect(page.get_by_text(OLD_WORDS, exact=False).first).to_be_visible()
    assert errors == []
