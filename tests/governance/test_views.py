"""Governance pages through the test client: amendments, proposal forms, decisions, the plan as of a version, diffs."""
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from sip.accounts.models import User
from sip.bodies.models import Body
from sip.extensions import db
from sip.governance import history, services
from sip.governance.models import Amendment, PlanVersion
from sip.plan.models import Activity, Strategy
from sip.reporting.models import ReportingPeriod
from tests.conftest import counting_queries
from tests.governance.conftest import TRAINING, activity, client_as, glm_period, output
from tests.helpers import page_text
from tests.test_access import snapshot

PROPOSE = f"/plan/activities/{TRAINING}/propose"
NEW_FR = "Mettre en place des plateformes régionales de formation en ligne."


def reword_form(**changes) -> dict:
    """What the rewording form posts."""
    return {"text_fr": NEW_FR, "text_en": "Set up regional online training platforms.",
            "rationale": "The group now works region by region.", "proposing_body": "wg-training", **changes}


def last_amendment(app) -> Amendment | None:
    """The newest amendment."""
    with app.app_context():
        return db.session.scalar(select(Amendment).order_by(Amendment.id.desc()))


def amendment_count(app) -> int:
    """How many amendments exist."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Amendment))


# --- proposing ----------------------------------------------------------------------------------


def test_the_activity_page_offers_a_lead_to_propose_a_change(seeded, world):
    html = page_text(client_as(seeded, world, "wg_lead").get(f"/plan/activities/{TRAINING}?lang=en"))
    assert f'href="{PROPOSE}"' in html and "Propose a change" in html


@pytest.mark.parametrize("role", ["anonymous", "viewer", "wg_member", "other_lead", "sag"])
def test_the_activity_page_offers_no_proposal_to_others(seeded, world, role):
    assert PROPOSE not in page_text(client_as(seeded, world, role).get(f"/plan/activities/{TRAINING}"))


@pytest.mark.parametrize("role,status", [("anonymous", 302), ("viewer", 403), ("wg_member", 403), ("other_lead", 403),
                                         ("sag", 403), ("wg_lead", 200), ("secretariat", 200)])
def test_who_may_open_the_proposal_forms(seeded, world, role, status):
    client = client_as(seeded, world, role)
    assert client.get(PROPOSE).status_code == status
    assert client.get(f"{PROPOSE}/edit_text").status_code == status


def test_an_unknown_kind_or_activity_is_404(seeded, world):
    client = client_as(seeded, world, "wg_lead")
    assert client.get(f"{PROPOSE}/delete").status_code == 404
    assert client.get("/plan/activities/9.9.9.9/propose/edit_text").status_code == 404


def test_the_rewording_form_starts_from_the_current_text(seeded, world):
    html = page_text(client_as(seeded, world, "wg_lead").get(f"{PROPOSE}/edit_text?lang=en"))
    assert "Set up online training platforms enabling partner organisations" in html
    assert 'name="csrf_token"' in html or "csrf_token" in html


def test_the_responsibilities_form_starts_from_the_current_bodies(seeded, world):
    html = page_text(client_as(seeded, world, "wg_lead").get(f"{PROPOSE}/responsibilities"))
    assert re.search(r'<select id="rows-0-body" name="rows-0-body">.*?<option selected value="wg-training">', html, re.S)


def test_a_proposal_is_saved_with_a_confirmation_and_shown(seeded, world):
    client = client_as(seeded, world, "wg_lead")
    response = client.post(f"{PROPOSE}/edit_text", data=reword_form())
    made = last_amendment(seeded)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/amendments/{made.id}")
    html = page_text(client.get(f"/amendments/{made.id}?lang=en"))
    assert f"Amendment {made.id} proposed: it now waits for the SAG's endorsement." in html
    assert "<ins>régionales</ins>" in html and "The group now works region by region." in html


def test_a_proposal_without_a_rationale_is_refused_keeps_the_text_and_changes_nothing(seeded, world):
    client = client_as(seeded, world, "wg_lead")
    with seeded.app_context():
        before = snapshot()
    response = client.post(f"{PROPOSE}/edit_text?lang=en", data=reword_form(rationale="  "))
    html = page_text(response)
    assert response.status_code == 400 and "a rationale is required" in html and NEW_FR in html
    with seeded.app_context():
        assert snapshot() == before


def test_a_service_refusal_is_shown_with_what_to_fix(seeded, world):
    client = client_as(seeded, world, "wg_lead")
    response = client.post(f"{PROPOSE}/move?lang=en", data={"output": "", "code": "", "rationale": "Tidy.",
                                                             "proposing_body": "wg-training"})
    assert response.status_code == 400 and "Choose an output" in page_text(response)
    with seeded.app_context():
        same = {"output": str(output("3.1.1").id), "code": "1.1.1.1", "rationale": "Tidy.",
                "proposing_body": "wg-training"}
    response = client.post(f"{PROPOSE}/move?lang=en", data=same)
    assert response.status_code == 400 and "Activity 1.1.1.1 already exists" in page_text(response)
    assert amendment_count(seeded) == 0


def test_a_proposal_for_a_body_the_lead_does_not_lead_is_refused(seeded, world):
    response = client_as(seeded, world, "wg_lead").post(f"{PROPOSE}/edit_text", data=reword_form(proposing_body="sag"))
    assert response.status_code == 400 and amendment_count(seeded) == 0


def test_without_the_csrf_token_nothing_is_saved(seeded, world):
    client = client_as(seeded, world, "wg_lead")
    seeded.config["WTF_CSRF_ENABLED"] = True
    with seeded.app_context():
        before = snapshot()
    response = client.post(f"{PROPOSE}/edit_text?lang=en", data=reword_form())
    assert response.status_code == 400 and "The page had expired" in page_text(response)
    with seeded.app_context():
        assert snapshot() == before


def test_a_lead_proposes_a_new_activity_under_an_output(seeded, world):
    client = client_as(seeded, world, "other_lead")
    with seeded.app_context():
        output_id = output("1.1.1").id
    form = page_text(client.get(f"/amendments/new?output={output_id}"))
    assert f'<option selected value="{output_id}">' in form
    response = client.post("/amendments/new", data={
        "output": str(output_id), "code": "1.1.1.5", "text_fr": "Une nouvelle activité.", "text_en": "",
        "rows-0-body": "wg-partnerships", "rows-0-role": "lead", "rows-1-body": "", "rows-1-role": "lead",
        "rationale": "A gap in the plan.", "proposing_body": "wg-partnerships"})
    assert response.status_code == 302
    made = last_amendment(seeded)
    assert (made.kind, made.proposed_code, made.proposed_responsibilities) == (
        "add", "1.1.1.5", [{"body": "wg-partnerships", "role": "lead", "note": None, "accountable": True}])


@pytest.mark.parametrize("role,status", [("wg_member", 403), ("sag", 403), ("viewer", 403), ("anonymous", 302)])
def test_only_leads_and_the_secretariat_propose_new_activities(seeded, world, role, status):
    assert client_as(seeded, world, role).get("/amendments/new").status_code == status


# --- the SAG and the GLM through the pages -------------------------------------------------------


def test_the_sag_endorses_from_the_amendment_page(seeded, world, propose):
    made = propose()
    client = client_as(seeded, world, "sag")
    assert "Endorse" in page_text(client.get(f"/amendments/{made}?lang=en"))
    response = client.post(f"/amendments/{made}/sag", data={"decision": "endorse", "note": "Agreed."})
    assert response.status_code == 302
    html = page_text(client.get(f"/amendments/{made}?lang=en"))
    assert f"Amendment {made} endorsed" in html and "Agreed." in html


def test_a_sag_rejection_without_a_note_is_refused_and_changes_nothing(seeded, world, propose):
    made = propose()
    client = client_as(seeded, world, "sag")
    with seeded.app_context():
        before = snapshot()
    response = client.post(f"/amendments/{made}/sag?lang=en", data={"decision": "reject", "note": ""})
    assert response.status_code == 400 and "a note is required" in page_text(response)
    with seeded.app_context():
        assert snapshot() == before


@pytest.mark.parametrize("role,status", [("anonymous", 302), ("viewer", 403), ("wg_lead", 403), ("secretariat", 403)])
def test_only_the_sag_may_post_its_decision(seeded, world, propose, role, status):
    made = propose()
    client = client_as(seeded, world, role)
    with seeded.app_context():
        before = snapshot()
    assert client.post(f"/amendments/{made}/sag", data={"decision": "endorse"}).status_code == status
    with seeded.app_context():
        assert snapshot() == before


def glm_meeting_id(app, world, on: date = date(2026, 11, 20)) -> int:
    """A GLM plenary of the November 2026 GLM held on `on`, scheduled by the secretariat; its id."""
    from tests.governance.conftest import person
    from tests.meetings.helpers import glm_meeting

    with app.app_context():
        return glm_meeting(glm_period(), on, person(world, "secretariat"), title="GLM November 2026").id


def verdict_form(made: int, **changes) -> dict:
    """What the meeting's verdict form posts: the amendment verified by consensus."""
    return {"amendment": str(made), "method": "consensus", "outcome": "verify", "note": "", **changes}


def test_the_secretariat_records_the_glm_at_its_meeting_and_the_plan_changes(seeded, world, propose, endorse):
    made = propose()
    endorse(made)
    meeting = glm_meeting_id(seeded, world)
    client = client_as(seeded, world, "secretariat")
    assert f"{made} · {TRAINING}" in page_text(client.get(f"/meetings/{meeting}?lang=en"))
    response = client.post(f"/meetings/{meeting}/verdicts?lang=en", data=verdict_form(made))
    assert response.status_code == 302
    assert "in version glm-2026-11-20" in page_text(client.get(response.headers["Location"]))
    html = page_text(client.get(f"/amendments/{made}?lang=en"))
    assert "Verified by the GLM plenary “GLM November 2026”" in html
    with seeded.app_context():
        assert activity(TRAINING).text["fr"] == "Organiser des formations régionales en logistique humanitaire."


@pytest.mark.parametrize("changes,message", [
    ({"method": "vote", "votes_for": "3", "votes_against": "0", "votes_abstaining": "0"},
     "only 0 partner organisations with a vote are recorded as present"),
    ({"amendment": ""}, "Choose the amendment"),
    ({"amendment": "99999"}, "Amendment"),
    ({"outcome": "reject", "note": ""}, "a note is required")])
def test_a_bad_glm_verdict_is_refused_and_changes_nothing(seeded, world, propose, endorse, changes, message):
    made = propose()
    endorse(made)
    meeting = glm_meeting_id(seeded, world)
    client = client_as(seeded, world, "secretariat")
    with seeded.app_context():
        before = snapshot()
    response = client.post(f"/meetings/{meeting}/verdicts?lang=en", data=verdict_form(made, **changes))
    assert response.status_code == 400 and message in page_text(response)
    with seeded.app_context():
        assert snapshot() == before


def test_a_glm_that_has_not_met_yet_cannot_verify_and_nothing_changes(seeded, world, propose, endorse):
    made = propose()
    endorse(made)
    meeting = glm_meeting_id(seeded, world, on=date(2999, 1, 1))
    client = client_as(seeded, world, "secretariat")
    with seeded.app_context():
        before = snapshot()
    assert client.post(f"/meetings/{meeting}/verdicts", data=verdict_form(made)).status_code == 403
    with seeded.app_context():
        assert snapshot() == before


def test_the_amendment_page_sends_the_secretariat_to_the_glm_meetings(seeded, world, propose, endorse):
    made = propose()
    endorse(made)
    html = page_text(client_as(seeded, world, "secretariat").get(f"/amendments/{made}?lang=en"))
    assert "Record its verdict on the meeting's page" in html and 'href="/meetings?kind=glm"' in html


def test_proposed_text_is_escaped_on_every_page(seeded, world, propose, endorse, verify):
    made = propose(text={"fr": "<script>alert('x')</script> Former.", "en": "<b>Train</b>."})
    endorse(made)
    verify(made)
    client = client_as(seeded, world, "secretariat")
    for url in (f"/amendments/{made}", "/plan/versions/diff", "/plan?as_of=glm-2026-11-20", "/plan",
                f"/plan/activities/{TRAINING}"):
        raw = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in raw and "<b>Train</b>" not in raw
        assert "&lt;script&gt;" in raw or "&lt;b&gt;Train" in raw


# --- the amendments list ------------------------------------------------------------------------


def test_the_list_says_when_nothing_has_been_proposed(seeded, world):
    html = page_text(client_as(seeded, world, "viewer").get("/amendments?lang=en"))
    assert "No amendment has been proposed yet" in html


def test_the_list_shows_amendments_newest_first_and_filters_them(seeded, world, propose, endorse):
    first = propose()
    second = propose("retire", of="3.1.2.1", retire_as="completed")
    endorse(second)
    client = client_as(seeded, world, "viewer")
    rows = re.findall(r'data-amendment="(\d+)"', page_text(client.get("/amendments")))
    assert rows == [str(second), str(first)]
    assert re.findall(r'data-amendment="(\d+)"', page_text(client.get("/amendments?state=endorsed"))) == [str(second)]
    assert re.findall(r'data-amendment="(\d+)"', page_text(client.get("/amendments?q=3.1.1"))) == [str(first)]
    assert re.findall(r'data-amendment="(\d+)"', page_text(client.get("/amendments?kind=retire&body=wg-training"))) == [
        str(second)]
    assert "No amendment matches these filters." in page_text(client.get("/amendments?kind=add&lang=en"))


def test_the_list_tells_the_sag_and_the_secretariat_what_waits_for_them(seeded, world, propose, endorse):
    propose()
    endorse(propose("retire", of="3.1.2.1", retire_as="completed"))
    assert "1 amendment waits for the SAG's endorsement." in page_text(
        client_as(seeded, world, "sag").get("/amendments?lang=en"))
    assert "1 endorsed amendment waits for the GLM's verification." in page_text(
        client_as(seeded, world, "secretariat").get("/amendments?lang=en"))


@pytest.mark.parametrize("query", ["state=bogus", "kind=delete", "body=no-such-body"])
def test_an_invalid_filter_is_refused_with_a_message_and_ignored(seeded, world, propose, query):
    propose()
    response = client_as(seeded, world, "viewer").get(f"/amendments?{query}&lang=en")
    assert response.status_code == 400 and "this value is not valid and was ignored" in page_text(response)
    assert len(re.findall(r'data-amendment="', page_text(response))) == 1


def test_the_list_needs_signing_in(seeded, world):
    response = client_as(seeded, world, "anonymous").get("/amendments")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def add_amendments(app, world, count: int) -> None:
    """`count` more proposed amendments (rewordings of the training activity, each different)."""
    with app.app_context():
        lead = db.session.get(User, world["wg_lead"])
        strategy = db.session.scalar(select(Strategy))
        start = db.session.scalar(select(func.count()).select_from(Amendment))
        for number in range(start, start + count):
            services.propose(strategy, services.Change("edit_text", activity=activity(TRAINING),
                                                       text={"fr": f"Texte {number}", "en": ""}), "Because.", lead)


def test_the_list_is_paginated(seeded, world):
    add_amendments(seeded, world, 27)
    client = client_as(seeded, world, "viewer")
    first, second = page_text(client.get("/amendments?lang=en")), page_text(client.get("/amendments?page=2&lang=en"))
    assert len(re.findall(r'data-amendment="', first)) == 25 and len(re.findall(r'data-amendment="', second)) == 2
    assert "Page 1 of 2" in first


def test_the_list_queries_do_not_grow_with_the_number_of_amendments(seeded, world):
    client = client_as(seeded, world, "viewer")
    add_amendments(seeded, world, 2)
    with counting_queries(seeded) as few:
        assert client.get("/amendments").status_code == 200
    add_amendments(seeded, world, 23)
    with counting_queries(seeded) as many:
        assert client.get("/amendments").status_code == 200
    assert few() == many()


# --- the plan as of a version, versions and differences -----------------------------------------


@pytest.fixture
def reworded(seeded, world, propose, endorse, verify):
    """The training activity reworded at the November 2026 GLM."""
    made = propose(text={"fr": NEW_FR, "en": "Set up regional online training platforms."})
    endorse(made)
    verify(made)
    return made


def test_the_plan_as_of_a_version_shows_a_banner_and_the_old_text(seeded, reworded, client):
    html = page_text(client.get("/plan?as_of=2023-11&lang=en"))
    assert "You are looking at the plan as of “November 2023 revision” (version 2023-11" in html
    assert "Set up online training platforms enabling" in html and "Set up regional online" not in html
    assert f'href="/plan/activities/{TRAINING}?as_of=2023-11"' in html
    now = page_text(client.get("/plan?lang=en"))
    assert "Set up regional online training platforms." in now and "You are looking at" not in now


def test_the_plan_as_of_a_date_uses_the_version_in_force_that_day(seeded, reworded, client):
    assert "Set up online training platforms enabling" in page_text(client.get("/plan?as_of=2026-11-19&lang=en"))
    html = page_text(client.get("/plan?as_of=2026-11-20&lang=en"))
    assert "Set up regional online training platforms." in html and "This is the current version." in html


def test_the_plan_as_of_a_version_keeps_its_filters(seeded, reworded, client):
    html = page_text(client.get("/plan?as_of=2023-11&body=wg-training&lang=en"))
    assert re.findall(r'href="/plan/activities/([\d.]+)\?as_of', html) == ["3.1.1.2", "3.1.2.1"]
    assert 'name="as_of" value="2023-11"' in html


@pytest.mark.parametrize("value,message", [("nope", "No version of the plan is tagged “nope”"),
                                           ("2024-13-01", "is not a date"), ("2020-01-01", "no record of the plan")])
def test_an_unknown_version_or_a_bad_date_is_400_with_a_message(seeded, client, value, message):
    response = client.get(f"/plan?as_of={value}&lang=en")
    assert response.status_code == 400 and message in page_text(response)
    activity_page = client.get(f"/plan/activities/{TRAINING}?as_of={value}&lang=en")
    assert activity_page.status_code == 400 and message in page_text(activity_page)


def test_an_activity_as_of_a_version_shows_its_text_then(seeded, reworded, client):
    html = page_text(client.get(f"/plan/activities/{TRAINING}?as_of=2023-11&lang=en"))
    assert "You are looking at the plan as of" in html and "Set up online training platforms enabling" in html
    assert client.get("/plan/activities/3.1.1.9?as_of=2023-11").status_code == 404


def test_the_activity_page_shows_its_history_in_the_plan(seeded, world, reworded):
    html = page_text(client_as(seeded, world, "viewer").get(f"/plan/activities/{TRAINING}?lang=en"))
    history_part = re.search(r'<section id="plan-history".*?</section>', html, re.S).group(0)
    assert re.findall(r'data-version="([^"]+)"', history_part) == ["2023-11", "glm-2026-11-20"]
    assert f'href="/amendments/{reworded}"' in history_part


def test_a_retired_activity_says_so_and_offers_no_change(seeded, world, propose, endorse, verify):
    made = propose("retire", retire_as="discontinued")
    endorse(made)
    verify(made)
    client = client_as(seeded, world, "wg_lead")
    html = page_text(client.get(f"/plan/activities/{TRAINING}?lang=en"))
    assert "Retired on November 20, 2026 as Discontinued" in html and PROPOSE not in html
    assert "retired on Nov 20, 2026" in page_text(client.get("/plan?lang=en"))
    assert "no change can be proposed" in page_text(client.get(f"{PROPOSE}?lang=en"))


def test_the_versions_page_lists_every_version_with_links(seeded, reworded, client):
    html = page_text(client.get("/plan/versions?lang=en"))
    assert re.findall(r'data-version="([^"]+)"', html) == ["glm-2026-11-20", "2023-11"]
    assert 'href="/plan/versions/diff?from=2023-11&amp;to=glm-2026-11-20"' in client.get("/plan/versions").get_data(as_text=True)
    assert 'href="/plan?as_of=2023-11"' in html
    assert "Versions of the plan" in page_text(client.get("/plan?lang=en"))


def test_the_diff_page_shows_the_old_and_the_new_words(seeded, reworded, client):
    raw = client.get("/plan/versions/diff?lang=en").get_data(as_text=True)
    assert "<ins>régionales</ins>" in raw and "<del>ligne permettant" in raw
    assert 'data-change="reworded" data-code="3.1.1.2"' in raw
    assert f'href="/amendments/{reworded}"' not in raw  # anonymous readers do not see amendments


def test_with_one_version_the_diff_page_says_nothing_changed(seeded, client):
    html = page_text(client.get("/plan/versions/diff?lang=en"))
    assert "nothing has changed yet" in html


def test_the_diff_page_refuses_an_unknown_version(seeded, client):
    response = client.get("/plan/versions/diff?from=nope&lang=en")
    assert response.status_code == 400 and "No version of the plan is tagged" in page_text(response)


def test_versions_follow_the_plans_visibility(seeded, client):
    seeded.config["SIP_PUBLIC_PLAN"] = False
    assert client.get("/plan/versions").status_code == 302
    assert client.get("/plan/versions/diff").status_code == 302


# --- query counts that do not grow with the plan ------------------------------------------------


def governed_plan(app, make_plan, make_user, retire: int, **size) -> str:
    """A synthetic plan with a baseline version and a GLM version that retired `retire` activities; returns nothing."""
    strategy_id = make_plan(**size)
    admin = make_user("Admin", admin=True)
    adviser = make_user("Adviser", bodies=[("sag", "member")])
    with app.app_context():
        strategy = db.session.get(Strategy, strategy_id)
        history.ensure_baseline(strategy)
        period = ReportingPeriod(strategy_id=strategy.id, year=2026, quarter=4, glm=True, glm_name="GLM")
        db.session.add(period)
        db.session.commit()
        secretariat, sag = db.session.get(User, admin), db.session.get(User, adviser)
        for target in db.session.scalars(select(Activity).order_by(Activity.position).limit(retire)).all():
            made = services.propose(strategy, services.Change("retire", activity=target, retire_as="completed"),
                                    "Done.", secretariat)
            services.decide_sag(made, sag, True)
            # Endorsed today, so verified today: a GLM cannot decide before the SAG endorsed.
            services.record_glm(made, secretariat, True, period, date.today())
        return db.session.scalar(select(PlanVersion.tag).order_by(PlanVersion.sequence.desc()))


def rebuild(app) -> None:
    """An empty database again."""
    with app.app_context():
        db.drop_all()
        db.create_all()


def test_the_as_of_plan_and_the_diff_queries_do_not_grow_with_the_plan(app, client, make_plan, make_user):
    app.config["PLAN_PAGE_SIZE"] = 10_000
    governed_plan(app, make_plan, make_user, retire=1, activities=2)
    with counting_queries(app) as small_plan:
        assert len(re.findall(r'href="/plan/activities/', page_text(client.get("/plan?as_of=2023-11")))) == 2
    with counting_queries(app) as small_diff:
        assert page_text(client.get("/plan/versions/diff")).count('data-change="retired"') == 1
    rebuild(app)
    governed_plan(app, make_plan, make_user, retire=12, pillars=3, outcomes=2, outputs=3, activities=4)
    with counting_queries(app) as large_plan:
        assert len(re.findall(r'href="/plan/activities/', page_text(client.get("/plan?as_of=2023-11")))) == 72
    with counting_queries(app) as large_diff:
        assert page_text(client.get("/plan/versions/diff")).count('data-change="retired"') == 12
    assert small_plan() == large_plan() <= 12
    assert small_diff() == large_diff() <= 12


def test_an_activity_with_many_bodies_gets_a_row_for_each_and_one_to_spare(seeded, world):
    with seeded.app_context():
        from sip.plan.models import Responsibility

        target = activity(TRAINING)
        for position, slug in enumerate(("glc", "sag", "wg-partnerships", "rome-support-team", "country-support-teams",
                                         "working-groups"), start=1):
            body_id = db.session.scalar(select(Body.id).where(Body.slug == slug))
            target.responsibilities.append(Responsibility(body_id=body_id, role="contributor", position=position))
        db.session.commit()
    html = page_text(client_as(seeded, world, "wg_lead").get(f"{PROPOSE}/responsibilities"))
    assert len(re.findall(r'<select id="rows-\d+-body"', html)) == 8
    selects = dict(re.findall(r'<select id="rows-(\d+)-body"[^>]*>(.*?)</select>', html, re.S))
    assert '<option selected value="working-groups">' in selects["6"] and "selected" not in selects["7"]
