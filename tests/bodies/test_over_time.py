"""Bodies over time: forming a working group, handing its activities over, dissolving it; its reports stay."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sip.accounts.models import Membership
from sip.bodies import services
from sip.bodies.models import Body
from sip.core.models import AuditEntry, utcnow
from sip.extensions import db
from sip.governance import services as governance
from sip.governance.models import Amendment
from sip.plan.queries import current_strategy
from sip.reporting.models import GroupReport
from sip.reporting.queries import reporting_bodies
from sip.reporting.services import find_period
from tests.governance.conftest import activity, body, client_as, person, world  # noqa: F401
from tests.governance.conftest import endorse, verify  # noqa: F401
from tests.helpers import page_text
from tests.test_access import snapshot


def group_form(**changes) -> dict:
    """What the form of a new working group posts."""
    return {"name_fr": "Groupe de travail sur les données", "name_en": "Data Working Group", "short_fr": "GT données",
            "short_en": "Data WG", "slug": "wg-data", "description_fr": "", "description_en": "Shares logistics data.",
            "terms_of_reference_url": "https://example.org/tor/wg-data.pdf", "formed_on": "2026-01-15",
            "mandate_ends_on": "2027-12-31", **changes}


# --- forming ------------------------------------------------------------------------------------


def test_the_secretariat_forms_a_working_group_with_its_leads(seeded, world):
    client = client_as(seeded, world, "secretariat")
    response = client.post("/bodies/new", data={**group_form(), "leads": [str(world["other_lead"])]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/bodies/wg-data")
    html = page_text(client.get("/bodies/wg-data?lang=en"))
    assert "The working group “Data Working Group” is formed." in html
    assert "December 31, 2027" in html and "https://example.org/tor/wg-data.pdf" in html
    with seeded.app_context():
        formed = body("wg-data")
        assert (formed.kind, formed.formed_on, formed.mandate_ends_on) == ("working_group", date(2026, 1, 15),
                                                                           date(2027, 12, 31))
        assert "GT données" in formed.aliases
        leads = db.session.scalars(select(Membership).where(Membership.body_id == formed.id)).all()
        assert [(m.user_id, m.role, m.since) for m in leads] == [(world["other_lead"], "lead", date(2026, 1, 15))]
        assert db.session.scalar(select(AuditEntry.user_id).where(AuditEntry.action == "body.formed")) == world["secretariat"]


def test_the_new_groups_lead_may_propose_a_new_activity_for_it(seeded, world):
    client_as(seeded, world, "secretariat").post("/bodies/new", data={**group_form(), "leads": [str(world["viewer"])]})
    client = client_as(seeded, world, "viewer")
    html = page_text(client.get("/amendments/new"))
    assert '<option value="wg-data">' in html or 'value="wg-data"' in html


@pytest.mark.parametrize("changes,message", [
    ({"slug": "wg-training"}, "is taken by another body"),
    ({"slug": "New"}, "lower-case letters"),
    ({"slug": "a b"}, "lower-case letters"),
    ({"name_fr": "", "name_en": ""}, "Give the group a name"),
    ({"terms_of_reference_url": "javascript:alert(1)"}, "must be a web address"),
    ({"mandate_ends_on": "2025-01-01"}, "cannot end before it starts"),
    ({"formed_on": ""}, "Give the date the mandate starts"),
])
def test_a_bad_new_group_is_refused_with_what_to_fix_and_nothing_changes(seeded, world, changes, message):
    client = client_as(seeded, world, "secretariat")
    with seeded.app_context():
        before = snapshot()
    response = client.post("/bodies/new?lang=en", data=group_form(**changes))
    assert response.status_code == 400 and message in page_text(response)
    with seeded.app_context():
        assert snapshot() == before


@pytest.mark.parametrize("role,status", [("anonymous", 302), ("viewer", 403), ("wg_lead", 403), ("sag", 403),
                                         ("secretariat", 200)])
def test_only_the_secretariat_forms_groups(seeded, world, role, status):
    client = client_as(seeded, world, role)
    assert client.get("/bodies/new").status_code == status
    with seeded.app_context():
        before = snapshot()
    if status != 200:
        assert client.post("/bodies/new", data=group_form()).status_code == status
        with seeded.app_context():
            assert snapshot() == before


def test_the_bodies_page_offers_forming_a_group_to_the_secretariat_only(seeded, world):
    assert 'href="/bodies/new"' in page_text(client_as(seeded, world, "secretariat").get("/bodies"))
    assert 'href="/bodies/new"' not in page_text(client_as(seeded, world, "wg_lead").get("/bodies"))


# --- dissolving ---------------------------------------------------------------------------------


def test_dissolving_a_group_that_holds_activities_is_refused_and_changes_nothing(seeded, world):
    client = client_as(seeded, world, "secretariat")
    with seeded.app_context():
        before = snapshot()
    response = client.post("/bodies/wg-training/dissolve?lang=en", data={"on": date.today().isoformat(), "confirm": "y"})
    html = page_text(response)
    assert response.status_code == 400 and "still holds 2 activities (3.1.1.2, 3.1.2.1)" in html
    assert 'action="/bodies/wg-training/hand-over"' in html
    with seeded.app_context():
        assert snapshot() == before


def test_the_dissolve_page_lists_what_the_group_holds_with_a_hand_over_choice(seeded, world):
    html = page_text(client_as(seeded, world, "secretariat").get("/bodies/wg-training/dissolve?lang=en"))
    assert re.findall(r'<tr data-code="([\d.]+)"', html) == ["3.1.1.2", "3.1.2.1"]
    assert 'name="to-' in html and "nobody: the other bodies carry on" in html  # 3.1.2.1 has another body


def hand_over(app, client, **choices):
    """The secretariat proposes the hand-over through the page; choices map activity codes to body slugs."""
    data = {f"to-{code}": slug for code, slug in choices.items()}
    return client.post("/bodies/wg-training/hand-over?lang=en", data={**data, "rationale": "The group's mandate ends."})


def test_the_hand_over_proposes_responsibility_changes_for_the_sag_and_the_glm(seeded, world):
    client = client_as(seeded, world, "secretariat")
    response = hand_over(seeded, client, **{"3.1.1.2": "wg-partnerships", "3.1.2.1": "-"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/bodies/wg-training/dissolve")
    with seeded.app_context():
        made = db.session.scalars(select(Amendment).order_by(Amendment.id)).all()
        assert [(a.kind, a.activity.code, a.origin, a.state) for a in made] == [
            ("responsibilities", "3.1.1.2", "hand_over", "proposed"), ("responsibilities", "3.1.2.1", "hand_over", "proposed")]
        assert [(r["body"], r["role"]) for r in made[0].proposed_responsibilities] == [("wg-partnerships", "lead")]
        assert [r["body"] for r in made[1].proposed_responsibilities] == ["glc"]
        assert made[0].proposing_body.slug == "rome-support-team"
    html = page_text(client.get("/bodies/wg-training/dissolve?lang=en"))
    assert f'href="/amendments/{made[0].id}"' in html and "hand-over amendments proposed" in html


@pytest.mark.parametrize("choices,message", [({}, "Choose, for at least one activity"),
                                             ({"3.1.1.2": "-"}, "no other body is responsible"),
                                             ({"3.1.1.2": "no-such-body"}, "choose a body from the list")])
def test_a_bad_hand_over_is_refused_and_changes_nothing(seeded, world, choices, message):
    client = client_as(seeded, world, "secretariat")
    with seeded.app_context():
        before = snapshot()
    data = {f"to-{code}": slug for code, slug in choices.items()}
    response = client.post("/bodies/wg-training/hand-over?lang=en", data={**data, "rationale": "Because."})
    assert response.status_code == 400 and message in page_text(response)
    with seeded.app_context():
        assert snapshot() == before


@pytest.mark.parametrize("role", ["wg_lead", "sag", "viewer"])
def test_only_the_secretariat_hands_over_or_dissolves(seeded, world, role):
    client = client_as(seeded, world, role)
    with seeded.app_context():
        before = snapshot()
    assert client.get("/bodies/wg-training/dissolve").status_code == 403
    assert client.post("/bodies/wg-training/dissolve", data={"on": "2026-01-01", "confirm": "y"}).status_code == 403
    assert client.post("/bodies/wg-training/hand-over", data={"rationale": "x"}).status_code == 403
    with seeded.app_context():
        assert snapshot() == before


def test_after_the_glm_verifies_the_hand_over_the_group_is_dissolved_and_its_reports_stay(seeded, world, endorse,
                                                                                          verify):
    with seeded.app_context():
        period = find_period(current_strategy(), "2026-Q2")
        db.session.add(GroupReport(body=body("wg-training"), period=period, state="accepted", summary="[Old] Done.",
                                   submitted_at=utcnow(), reviewed_at=utcnow()))
        db.session.commit()
    hand_over(seeded, client_as(seeded, world, "secretariat"), **{"3.1.1.2": "wg-partnerships", "3.1.2.1": "glc"})
    with seeded.app_context():
        ids = list(db.session.scalars(select(Amendment.id)))
    for made in ids:
        endorse(made)
        verify(made)
    client = client_as(seeded, world, "secretariat")
    response = client.post("/bodies/wg-training/dissolve", data={"on": date.today().isoformat(), "confirm": "y"})
    assert response.status_code == 302
    html = page_text(client.get("/bodies/wg-training?lang=en"))
    assert "This group was dissolved on" in html and 'href="/reports/2026-Q2/wg-training"' in html
    viewer = client_as(seeded, world, "viewer")
    assert "[Old] Done." in page_text(viewer.get("/reports/2026-Q2/wg-training"))
    with seeded.app_context():
        assert "wg-training" not in [b.slug for b in reporting_bodies()]
        assert body("wg-training").dissolved_on == date.today()


def test_a_dissolved_group_can_no_longer_be_made_responsible(seeded, world):
    with seeded.app_context():
        spare = Body(slug="wg-spare", kind="working_group", name={"fr": "GT", "en": "Spare WG"}, aliases=[],
                     formed_on=date(2024, 1, 1))
        db.session.add(spare)
        db.session.commit()
        services.dissolve_body(spare, date.today(), person(world, "secretariat"))
        with pytest.raises(governance.GovernanceError) as refusal:
            governance.propose(current_strategy(), governance.Change(
                "responsibilities", activity=activity("3.1.1.2"), responsibilities=[{"body": "wg-spare", "role": "lead"}]),
                "Because.", person(world, "secretariat"))
        assert "dissolved" in " ".join(refusal.value.problems)


@pytest.mark.parametrize("on,message", [(date.today() + timedelta(days=1), "today or a day before"),
                                        (date(2023, 12, 31), "before it was formed")])
def test_a_dissolution_date_in_the_future_or_before_the_group_was_formed_is_refused(seeded, world, on, message):
    with seeded.app_context():
        spare = Body(slug="wg-spare", kind="working_group", name={"fr": "GT", "en": "Spare WG"}, aliases=[],
                     formed_on=date(2024, 1, 1))
        db.session.add(spare)
        db.session.commit()
        with pytest.raises(services.BodyError) as refusal:
            services.dissolve_body(spare, on, person(world, "secretariat"))
        assert message in " ".join(refusal.value.problems)
        assert body("wg-spare").dissolved_on is None


def test_dissolving_needs_the_confirmation(seeded, world):
    with seeded.app_context():
        db.session.add(Body(slug="wg-spare", kind="working_group", name={"fr": "GT", "en": "Spare WG"}, aliases=[]))
        db.session.commit()
    response = client_as(seeded, world, "secretariat").post("/bodies/wg-spare/dissolve?lang=en",
                                                            data={"on": date.today().isoformat()})
    assert response.status_code == 400 and "Tick the box to confirm" in page_text(response)
