"""Amendment services: who may propose what, the state machine, and what applying each kind does to the plan."""
import copy
from datetime import date

import pytest
from sqlalchemy import func, select

from sip.core.models import AuditEntry
from sip.extensions import db
from sip.governance import history, permissions, services
from sip.governance.models import ActivityRevision, Amendment, PlanVersion
from sip.governance.services import Change, GovernanceError
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from sip.reporting import statuses
from sip.reporting.services import find_period, reportable_activities, set_glm
from tests.governance.conftest import GLM_DAY, TRAINING, activity, body, glm_period, output, person
from tests.test_access import snapshot

NEW_TEXT = {"fr": "Organiser des formations régionales en logistique humanitaire.",
            "en": "Run regional trainings in humanitarian logistics."}


def amendment(amendment_id: int) -> Amendment:
    """The amendment, fresh from the database."""
    db.session.expire_all()
    return db.session.get(Amendment, amendment_id)


def actions() -> list[str]:
    """The audit trail's actions, oldest first."""
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- proposing ----------------------------------------------------------------------------------


def test_a_lead_proposes_a_rewording_that_waits_for_the_sag(seeded, world, propose):
    made = propose("edit_text", text=NEW_TEXT)
    with seeded.app_context():
        found = amendment(made)
        assert (found.state, found.kind, found.activity.code) == ("proposed", "edit_text", TRAINING)
        assert found.proposing_body.slug == "wg-training" and found.proposed_by_id == world["wg_lead"]
        assert found.before["text"]["fr"].startswith("Mettre en place des plateformes de formation en ligne")
        assert activity(TRAINING).text["fr"] == found.before["text"]["fr"]  # the plan waits for the GLM
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "amendment.proposed"))
        assert entry.user_id == world["wg_lead"] and entry.rationale == "Clearer wording agreed in the group."


@pytest.mark.parametrize("rationale", ["", "   \n "])
def test_a_proposal_without_a_rationale_is_refused_and_changes_nothing(seeded, world, rationale):
    with seeded.app_context():
        before = snapshot()
        with pytest.raises(GovernanceError) as refusal:
            services.propose(current_strategy(), Change("edit_text", activity=activity(TRAINING), text=NEW_TEXT),
                             rationale, person(world, "wg_lead"))
        db.session.rollback()
        assert "a rationale is required" in " ".join(refusal.value.problems)
        assert snapshot() == before


@pytest.mark.parametrize("role,allowed", [("wg_lead", True), ("secretariat", True), ("other_lead", False),
                                          ("wg_member", False), ("sag", False), ("viewer", False)])
def test_who_may_propose_a_change_to_a_training_activity(seeded, world, role, allowed):
    with seeded.app_context():
        assert permissions.can_propose_change(person(world, role), activity(TRAINING)) is allowed


@pytest.mark.parametrize("role,allowed", [("wg_lead", True), ("other_lead", True), ("secretariat", True),
                                          ("wg_member", False), ("sag", False), ("viewer", False)])
def test_who_may_propose_a_new_activity(seeded, world, role, allowed):
    with seeded.app_context():
        assert permissions.can_propose_activity(person(world, role)) is allowed


def test_the_service_refuses_a_lead_of_another_group(seeded, world):
    with seeded.app_context():
        before = snapshot()
        with pytest.raises(GovernanceError, match="may not propose"):
            services.propose(current_strategy(), Change("edit_text", activity=activity(TRAINING), text=NEW_TEXT),
                             "Because.", person(world, "other_lead"))
        assert snapshot() == before


def test_a_lead_may_not_propose_on_behalf_of_a_body_they_do_not_lead(seeded, world):
    with seeded.app_context():
        with pytest.raises(GovernanceError, match="on behalf of this body"):
            services.propose(current_strategy(), Change("edit_text", activity=activity(TRAINING), text=NEW_TEXT),
                             "Because.", person(world, "wg_lead"), proposing_body=body("sag"))


def test_the_secretariat_proposes_on_behalf_of_the_rome_support_team(seeded, world, propose):
    made = propose("retire", role="secretariat", retire_as="discontinued")
    with seeded.app_context():
        assert amendment(made).proposing_body.slug == "rome-support-team"


@pytest.mark.parametrize("change,message", [
    (dict(kind="edit_text", text={"fr": "", "en": " "}), "Write the activity's text"),
    (dict(kind="retire", retire_as="finished"), "completed or discontinued"),
    (dict(kind="move", output_code="3.1.1"), "already under output 3.1.1"),
    (dict(kind="move", output_code="1.1.1", code="1.1.1.1"), "1.1.1.1 already exists"),
    (dict(kind="move", output_code="1.1.1", code="1.1"), "four numbers"),
    (dict(kind="responsibilities", responsibilities=[]), "at least one responsible body"),
    (dict(kind="responsibilities", responsibilities=[{"body": "no-such-body", "role": "lead"}]), "no body"),
    (dict(kind="responsibilities", responsibilities=[{"body": "glc", "role": "boss"}]), "Choose the role"),
    (dict(kind="responsibilities", responsibilities=[{"body": "glc", "role": "lead"}, {"body": "glc", "role": "lead"}]),
     "listed twice"),
])
def test_a_malformed_change_is_refused_with_what_to_fix_and_nothing_changes(seeded, world, change, message):
    change = copy.deepcopy(change)  # the parametrised dict is shared by every run of the test in one process
    with seeded.app_context():
        before = snapshot()
        kind = change.pop("kind")
        if "output_code" in change:
            change["output"] = output(change.pop("output_code"))
        with pytest.raises(GovernanceError) as refusal:
            services.propose(current_strategy(), Change(kind, activity=activity(TRAINING), **change), "Because.",
                             person(world, "wg_lead"))
        db.session.rollback()
        assert message in " ".join(refusal.value.problems)
        assert snapshot() == before


def test_an_unchanged_text_or_unchanged_bodies_are_refused(seeded, world):
    with seeded.app_context():
        current = activity(TRAINING)
        same_bodies = [{"body": r.body.slug, "role": r.role} for r in current.responsibilities]
        for change, message in (
            (Change("edit_text", activity=current, text=dict(current.text)),
             "The text is unchanged; change the wording to propose it."),
            (Change("responsibilities", activity=current, responsibilities=same_bodies),
             "These are the bodies already responsible, with the same accountable body; change them to propose it."),
        ):
            with pytest.raises(GovernanceError) as refusal:
                services.propose(current_strategy(), change, "Because.", person(world, "wg_lead"))
            assert refusal.value.problems == [message]  # word for word, and nothing else


def test_the_same_open_proposal_twice_is_refused(seeded, world, propose):
    first = propose("edit_text", text=NEW_TEXT)
    with seeded.app_context():
        with pytest.raises(GovernanceError) as refusal:
            services.propose(current_strategy(), Change("edit_text", activity=activity(TRAINING), text=NEW_TEXT),
                             "Again.", person(world, "wg_lead"))
        assert f"already proposed (amendment {first})" in " ".join(refusal.value.problems)


def test_a_new_activity_needs_an_output_a_free_code_a_text_and_a_body(seeded, world):
    with seeded.app_context():
        with pytest.raises(GovernanceError) as refusal:
            services.propose(current_strategy(), Change("add", code="3.1.1.2", text={"fr": "", "en": ""},
                                                         responsibilities=[]), "New work.", person(world, "wg_lead"))
        problems = " ".join(refusal.value.problems)
        for message in ("Choose the output", "3.1.1.2 already exists", "Write the activity's text",
                        "at least one responsible body"):
            assert message in problems


def test_a_completed_activity_of_the_plan_cannot_be_changed(seeded, world):
    with seeded.app_context():
        with pytest.raises(GovernanceError) as refusal:
            services.propose(current_strategy(), Change("edit_text", activity=activity("1.1.1.1"), text=NEW_TEXT),
                             "Because.", person(world, "secretariat"))
        assert "retired" in " ".join(refusal.value.problems)


# --- the SAG ------------------------------------------------------------------------------------


def test_the_sag_endorses_with_an_optional_note_and_it_is_audited(seeded, world, propose, endorse):
    made = propose()
    endorse(made, "Good idea.")
    with seeded.app_context():
        found = amendment(made)
        assert (found.state, found.sag_by_id, found.sag_note) == ("endorsed", world["sag"], "Good idea.")
        assert found.sag_at is not None
        assert actions()[-1] == "amendment.endorsed"


def test_the_sag_rejects_only_with_a_note(seeded, world, propose):
    made = propose()
    with seeded.app_context():
        before = snapshot()
        with pytest.raises(GovernanceError, match="a note is required"):
            services.decide_sag(amendment(made), person(world, "sag"), False, "  ")
        assert snapshot() == before
        services.decide_sag(amendment(made), person(world, "sag"), False, "Out of the plan's scope.")
        found = amendment(made)
        assert (found.state, found.sag_note, found.rejected_at_glm) == ("rejected", "Out of the plan's scope.", False)
        assert not permissions.can_record_glm(person(world, "secretariat"), found)


@pytest.mark.parametrize("role", ["secretariat", "wg_lead", "viewer"])
def test_only_a_sag_member_endorses(seeded, world, propose, role):
    made = propose()
    with seeded.app_context():
        with pytest.raises(GovernanceError, match="Only a SAG member"):
            services.decide_sag(amendment(made), person(world, role), True)
        assert amendment(made).state == "proposed"


def test_a_sag_member_cannot_endorse_their_own_proposal(seeded, world, make_user):
    both = make_user("Lead And Adviser", bodies=[("wg-training", "lead"), ("sag", "member")])
    with seeded.app_context():
        from sip.accounts.models import User

        lead = db.session.get(User, both)
        made = services.propose(current_strategy(), Change("edit_text", activity=activity(TRAINING), text=NEW_TEXT),
                                "Because.", lead)
        assert not permissions.can_endorse(lead, made)
        with pytest.raises(GovernanceError):
            services.decide_sag(made, lead, True)


def test_an_endorsed_amendment_cannot_be_endorsed_again(seeded, world, propose, endorse):
    made = propose()
    endorse(made)
    with seeded.app_context():
        with pytest.raises(GovernanceError):
            services.decide_sag(amendment(made), person(world, "sag"), True)


# --- the GLM ------------------------------------------------------------------------------------


def test_a_glm_verification_applies_the_rewording_in_a_new_version(seeded, world, propose, endorse, verify):
    made = propose(text=NEW_TEXT)
    endorse(made)
    tag = verify(made)
    with seeded.app_context():
        found = amendment(made)
        assert found.state == "applied" and found.version.tag == tag == "glm-2026-11-20"
        assert (found.glm_name, found.glm_on, found.glm_recorded_by_id) == ("GLM November 2026", GLM_DAY,
                                                                           world["secretariat"])
        assert activity(TRAINING).text == NEW_TEXT
        assert "regional trainings" in activity(TRAINING).search_text
        version = found.version
        assert (version.sequence, version.effective_on, version.name["en"]) == (2, GLM_DAY, "GLM November 2026")
        assert actions()[-3:] == ["plan_version.created", "activity.amended", "amendment.verified"]


def test_verification_needs_the_sags_endorsement_first(seeded, world, propose):
    made = propose()
    with seeded.app_context():
        before = snapshot()
        with pytest.raises(GovernanceError, match="on an amendment the SAG endorsed"):
            services.record_glm(amendment(made), person(world, "secretariat"), True, glm_period(), GLM_DAY,
                                today=date(2026, 12, 31))
        assert snapshot() == before


@pytest.mark.parametrize("role", ["sag", "wg_lead", "viewer"])
def test_only_the_secretariat_records_a_glm(seeded, world, propose, endorse, role):
    made = propose()
    endorse(made)
    with seeded.app_context():
        with pytest.raises(GovernanceError, match="Only the secretariat"):
            services.record_glm(amendment(made), person(world, role), True, glm_period(), GLM_DAY,
                                today=date(2026, 12, 31))


@pytest.mark.parametrize("problem", ["future", "not_glm", "no_date"])
def test_a_glm_verification_with_a_bad_glm_or_date_changes_nothing(seeded, world, propose, endorse, problem):
    made = propose()
    endorse(made)
    with seeded.app_context():
        period = find_period(current_strategy(), "2026-Q3") if problem == "not_glm" else glm_period()
        on = {"future": date(2027, 1, 5), "not_glm": GLM_DAY, "no_date": None}[problem]
        before = snapshot()
        with pytest.raises(GovernanceError, match="Nothing was recorded"):
            services.record_glm(amendment(made), person(world, "secretariat"), True, period, on, today=date(2026, 12, 31))
        db.session.rollback()
        assert snapshot() == before


def test_a_glm_rejection_needs_a_note_and_leaves_the_plan_unchanged(seeded, world, propose, endorse):
    made = propose(text=NEW_TEXT)
    endorse(made)
    with seeded.app_context():
        with pytest.raises(GovernanceError):
            services.record_glm(amendment(made), person(world, "secretariat"), False, glm_period(), GLM_DAY, "",
                                today=date(2026, 12, 31))
        db.session.rollback()
        text_before = dict(activity(TRAINING).text)
        services.record_glm(amendment(made), person(world, "secretariat"), False, glm_period(), GLM_DAY,
                            "The plenary wants a wider rewording.", today=date(2026, 12, 31))
        found = amendment(made)
        assert (found.state, found.rejected_at_glm, found.version_id) == ("rejected", True, None)
        assert activity(TRAINING).text == text_before
        assert db.session.scalar(select(func.count()).select_from(PlanVersion)) == 1


def test_amendments_verified_at_the_same_glm_share_one_version(seeded, world, propose, endorse, verify):
    first = propose(text=NEW_TEXT)
    second = propose("retire", of="3.1.2.1", retire_as="completed")
    for made in (first, second):
        endorse(made)
    assert verify(first) == verify(second) == "glm-2026-11-20"
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(PlanVersion)) == 2
        assert {amendment(made).glm_on for made in (first, second)} == {GLM_DAY}


def test_a_second_verification_at_the_same_glm_on_another_day_is_refused_and_changes_nothing(
        seeded, world, propose, endorse, verify):
    first = propose(text=NEW_TEXT)
    second = propose("retire", of="3.1.2.1", retire_as="completed")
    for made in (first, second):
        endorse(made)
    verify(first)
    with seeded.app_context():
        before = snapshot()
        with pytest.raises(GovernanceError, match="Nothing was recorded") as refusal:
            services.record_glm(amendment(second), person(world, "secretariat"), True, glm_period(),
                                date(2026, 11, 21), today=date(2026, 12, 31))
        db.session.rollback()
        assert ("Amendments verified at “GLM November 2026” are recorded as decided on November 20, 2026 (version "
                "glm-2026-11-20); record this verification with that date") in " ".join(refusal.value.problems)
        assert snapshot() == before
        assert amendment(second).state == "endorsed"


def test_a_later_glm_makes_a_new_version_and_an_earlier_glm_can_no_longer_be_added(seeded, world, propose, endorse,
                                                                                    verify):
    first, second = propose(text=NEW_TEXT), propose("retire", of="3.1.2.1", retire_as="completed")
    endorse(first)
    endorse(second)
    verify(first)
    with seeded.app_context():
        december = find_period(current_strategy(), "2026-Q3")
        set_glm(december, True, "GLM December 2026", actor=None)
        version = services.record_glm(amendment(second), person(world, "secretariat"), True, december,
                                      date(2026, 12, 2), today=date(2026, 12, 31))
        assert (version.sequence, version.tag, version.glm_name) == (3, "glm-2026-12-02", "GLM December 2026")
    late = propose("move", output_code="3.1.2")
    endorse(late)
    with seeded.app_context():
        before = snapshot()
        with pytest.raises(GovernanceError) as refusal:
            services.record_glm(amendment(late), person(world, "secretariat"), True, glm_period(), GLM_DAY,
                                today=date(2026, 12, 31))
        db.session.rollback()
        assert "later versions exist" in " ".join(refusal.value.problems)
        assert snapshot() == before


def test_a_verification_dated_before_the_current_version_is_refused(seeded, world, propose, endorse, verify):
    first, second = propose(text=NEW_TEXT), propose("retire", of="3.1.2.1", retire_as="completed")
    endorse(first)
    endorse(second)
    verify(first)
    with seeded.app_context():
        december = find_period(current_strategy(), "2026-Q3")
        set_glm(december, True, "GLM December 2026", actor=None)
        before = snapshot()
        with pytest.raises(GovernanceError) as refusal:
            services.record_glm(amendment(second), person(world, "secretariat"), True, december, date(2026, 11, 10),
                                today=date(2026, 12, 31))
        db.session.rollback()
        assert "on or after that day" in " ".join(refusal.value.problems)
        assert snapshot() == before


def test_an_amendment_that_went_stale_cannot_be_endorsed_or_verified(seeded, world, propose, endorse, verify):
    first = propose(text=NEW_TEXT)
    stale = propose(text={"fr": "Une autre formulation.", "en": "Another wording."}, rationale="Another view.")
    endorse(first)
    endorse(stale)
    verify(first)
    with seeded.app_context():
        assert "has changed since this was proposed" in " ".join(services.conflicts(amendment(stale)))
        with pytest.raises(GovernanceError):
            services.record_glm(amendment(stale), person(world, "secretariat"), True, glm_period(), GLM_DAY,
                                today=date(2026, 12, 31))
        assert activity(TRAINING).text == NEW_TEXT


# --- what each kind does to the plan -----------------------------------------------------------


def test_retiring_keeps_the_activity_and_its_history_and_drops_it_from_reports_to_fill(seeded, world, propose,
                                                                                       endorse, verify):
    made = propose("retire", retire_as="completed")
    endorse(made)
    verify(made)
    with seeded.app_context():
        retired = activity(TRAINING)
        assert (retired.plan_status, retired.retired_on, history.plan_state(retired)) == ("completed", GLM_DAY,
                                                                                         "completed")
        assert statuses.current_status(retired).status == "completed"
        assert [a.code for a in reportable_activities(body("wg-training"))] == ["3.1.2.1"]
        states = [r.state for r in db.session.scalars(select(ActivityRevision).where(
            ActivityRevision.activity_id == retired.id).order_by(ActivityRevision.id))]
        assert states == ["active", "completed"]


def test_moving_puts_the_activity_at_the_end_of_its_new_output_with_its_new_code(seeded, world, propose, endorse,
                                                                                 verify):
    made = propose("move", output_code="1.1.1", code="1.1.1.9", role="secretariat")
    endorse(made)
    verify(made)
    with seeded.app_context():
        codes = list(db.session.scalars(select(Activity.code).order_by(Activity.position)))
        assert TRAINING not in codes
        assert codes[codes.index("1.1.1.9") - 1:codes.index("1.1.1.9") + 2] == ["1.1.1.4", "1.1.1.9", "1.1.2.1"]
        assert activity("1.1.1.9").output.code == "1.1.1"
        assert len(codes) == len(set(codes)) == 50


def test_changing_responsibilities_hands_the_activity_to_another_body(seeded, world, propose, endorse, verify):
    made = propose("responsibilities", responsibilities=[{"body": "wg-partnerships", "role": "lead"}])
    endorse(made)
    verify(made)
    with seeded.app_context():
        assert [(r.body.slug, r.role) for r in activity(TRAINING).responsibilities] == [("wg-partnerships", "lead")]
        assert TRAINING in [a.code for a in reportable_activities(body("wg-partnerships"))]
        assert TRAINING not in [a.code for a in reportable_activities(body("wg-training"))]


def test_a_new_activity_is_added_at_the_end_of_its_output_with_its_bodies(seeded, world, propose, endorse, verify):
    made = propose("add", code="3.1.1.3", output_code="3.1.1", text={"fr": "Nouvelle activité.", "en": ""},
                   responsibilities=[{"body": "wg-training", "role": "lead"}, {"body": "glc", "role": "contributor"}])
    endorse(made)
    verify(made)
    with seeded.app_context():
        added = activity("3.1.1.3")
        assert amendment(made).activity_id == added.id
        assert [(r.body.slug, r.role) for r in added.responsibilities] == [("wg-training", "lead"), ("glc", "contributor")]
        codes = list(db.session.scalars(select(Activity.code).order_by(Activity.position)))
        assert codes[codes.index("3.1.1.2") + 1] == "3.1.1.3" and len(codes) == 51
        assert history.current_revision(added).version.tag == "glm-2026-11-20"


def test_every_change_to_the_plan_after_the_seed_is_traceable_to_a_proposal_an_endorsement_and_a_glm(
        seeded, world, propose, endorse, verify):
    made = [propose(text=NEW_TEXT),
            propose("responsibilities", of="3.1.2.1", responsibilities=[{"body": "glc", "role": "lead"}]),
            propose("add", code="3.1.1.3", output_code="3.1.1", text={"fr": "Nouvelle.", "en": ""},
                    responsibilities=[{"body": "wg-training", "role": "lead"}])]
    for amendment_id in made:
        endorse(amendment_id)
        verify(amendment_id)
    with seeded.app_context():
        later = db.session.scalars(select(ActivityRevision).join(ActivityRevision.version)
                                   .where(PlanVersion.sequence > 1)).all()
        assert len(later) == 3
        for revision in later:
            source = db.session.scalar(select(Amendment).where(Amendment.activity_id == revision.activity_id,
                                                               Amendment.version_id == revision.version_id))
            assert source.state == "applied" and source.rationale and source.proposed_by_id
            assert source.sag_by_id == world["sag"] and source.sag_at is not None
            assert source.glm_name == "GLM November 2026" and source.glm_on == GLM_DAY and source.glm_recorded_by_id
