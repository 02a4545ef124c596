"""Meetings in a real browser: the secretariat schedules a GLM plenary that met yesterday, records who attended (three
partners vote, a stakeholder observes), and records the plenary's vote on an endorsed amendment; a count larger than
the partners present is refused with the reason, the right one applies the amendment, and the plan's new version
carries the meeting's date."""
from datetime import date, datetime, timedelta, timezone

from playwright.sync_api import expect

from sip.accounts.models import Membership, Organisation, User
from sip.accounts.passwords import hash_password
from sip.bodies.models import Body
from sip.extensions import db
from sip.governance import services as governance
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from sip.reporting.services import ensure_periods, find_period, set_glm
from tests.browser.journeys import sign_in
from tests.conftest import DEFAULT_PASSWORD

DELEGATES = (("Ana WFP", "WFP", "partner", "UN"), ("Aïssata ALS", "ALS", "partner", "NNGO"),
             ("Hugo HLA", "HLA", "partner", "INGO"), ("Uma Uni", "Uni", "stakeholder", "academia"))


def add_a_glm_world(app) -> int:
    """A secretariat member, a SAG member, the delegates of four organisations, 2026-Q4 marked as a GLM period, and a
    rewording of 3.1.1.2 the SAG endorsed last week; the amendment's id."""
    with app.app_context():
        bodies = {b.slug: b for b in db.session.scalars(db.select(Body))}
        for email, name, slug in (("rome@example.org", "Giulia Rossi", "rome-support-team"),
                                  ("sag@example.org", "Amina Diallo", "sag")):
            person = User(email=email, name=name, language="en", password_hash=hash_password(DEFAULT_PASSWORD))
            db.session.add_all([person, Membership(user=person, body=bodies[slug], role="member",
                                                   since=date(2024, 1, 1))])
        for name, acronym, kind, type_ in DELEGATES:
            organisation = Organisation(name=f"{acronym} organisation", acronym=acronym, kind=kind, type=type_)
            db.session.add_all([organisation, User(email=f"{acronym.lower()}@example.org", name=name,
                                                   organisation=organisation)])
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.commit()
        set_glm(find_period(strategy, "2026-Q4"), True, "GLM November 2026", actor=None)
        rome = db.session.scalar(db.select(User).where(User.email == "rome@example.org"))
        target = db.session.scalar(db.select(Activity).where(Activity.code == "3.1.1.2"))
        made = governance.propose(strategy, governance.Change(
            "edit_text", activity=target, text={"en": "Train partners region by region.", "fr": "Former."}),
            "Clearer.", rome)
        governance.decide_sag(made, db.session.scalar(db.select(User).where(User.email == "sag@example.org")), True)
        made.proposed_at = made.sag_at = datetime.now(timezone.utc) - timedelta(days=7)
        db.session.commit()
        return made.id


def test_a_glm_with_attendance_verifies_an_amendment_by_vote_and_the_version_carries_its_date(
        live_server, live_app, page):
    amendment = add_a_glm_world(live_app)
    held_on = date.today() - timedelta(days=1)
    sign_in(page, live_server, "rome@example.org")

    # The secretariat schedules the plenary (it met yesterday) from the navigation.
    page.get_by_role("link", name="Meetings", exact=True).first.click()
    page.get_by_role("link", name="Schedule a meeting").click()
    page.get_by_label("Body").select_option(label="Global Logistics Cluster")
    page.get_by_label("Kind of meeting").select_option("glm")
    page.get_by_label("GLM (for a GLM plenary)").select_option(label="GLM November 2026 (2026-Q4)")
    page.get_by_label("Title in English").fill("GLM November 2026")
    page.get_by_label("Starts (local time where it is held)").fill(f"{held_on.isoformat()}T09:30")
    page.get_by_label("Place").fill("Rome")
    page.get_by_role("button", name="Schedule it").click()
    expect(page.get_by_role("status").first).to_contain_text("Meeting scheduled")

    # Who attended: three partners vote, the stakeholder observes.
    for name, acronym, *_ in DELEGATES:
        page.get_by_label("Person", exact=True).select_option(label=f"{name} ({acronym})")
        page.get_by_role("button", name="Record as present").click()
        expect(page.get_by_role("status").first).to_contain_text("Attendance recorded")
    expect(page.locator("#attendance-summary")).to_contain_text("3 partners with a vote")
    expect(page.locator("#attendance-summary")).to_contain_text("1 observer (stakeholder)")

    # Four votes from three partners are refused with the reason; nothing changes.
    verdict = page.locator("#verdict")
    verdict.get_by_label("Amendment").select_option(label=f"{amendment} · 3.1.1.2")
    verdict.get_by_label("How the plenary decided").select_option("vote")
    verdict.get_by_label("Votes for").fill("3")
    verdict.get_by_label("Votes against").fill("1")
    verdict.get_by_label("Abstaining").fill("0")
    verdict.get_by_role("button", name="Record the verdict").click()
    expect(page.get_by_role("alert").first).to_contain_text("only 3 partner organisations with a vote")

    # The right count verifies it; the plan's version is dated on the meeting's day.
    verdict = page.locator("#verdict")
    verdict.get_by_label("Amendment").select_option(label=f"{amendment} · 3.1.1.2")
    verdict.get_by_label("How the plenary decided").select_option("vote")
    verdict.get_by_label("Votes for").fill("2")
    verdict.get_by_label("Votes against").fill("0")
    verdict.get_by_label("Abstaining").fill("1")
    verdict.get_by_role("button", name="Record the verdict").click()
    expect(page.get_by_role("status").first).to_contain_text(f"in version glm-{held_on.isoformat()}")
    expect(page.locator("#decisions")).to_contain_text("verified by vote")
    page.goto(f"{live_server}/plan/versions?lang=en")
    expect(page.get_by_text(f"glm-{held_on.isoformat()}").first).to_be_visible()
    page.goto(f"{live_server}/amendments/{amendment}?lang=en")
    expect(page.locator("#timeline")).to_contain_text("Verified by the GLM plenary")
