"""Governance writes held by what they store: each refusal's message with nothing written, each write's fields and
audit entry, and the boundaries of every limit (proposals, the SAG's decision, the GLM's verification, hand-overs)."""
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from sip.core.models import AuditEntry
from sip.extensions import db
from sip.governance import history, services, signals
from sip.governance.models import ActivityRevision, Amendment, PlanVersion
from sip.governance.services import Change, GovernanceError, HandOver
from sip.plan.models import Activity, Responsibility, Strategy
from sip.plan.queries import current_strategy
from sip.reporting.models import ReportingPeriod
from sip.reporting.services import find_period, set_glm
from tests.governance.conftest import GLM_DAY, SAG_DAY, TRAINING, activity, body, dated, glm_period, output, person
from tests.test_access import snapshot

SHARED = "3.1.2.1"  # the global cluster (lead, accountable) and the training group (lead)
NEW_TEXT = {"fr": "Organiser des formations régionales en logistique humanitaire.",
            "en": "Run regional trainings in humanitarian logistics."}
LATER = date(2026, 12, 31)  # "today" when the GLM's decision is recorded


def fresh(amendment_id: int) -> Amendment:
    """The amendment, read again from the database."""
    db.session.expire_all()
    return db.session.get(Amendment, amendment_id)


def entries(action: str) -> list[AuditEntry]:
    """The audit entries of an action, oldest first."""
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def count(model) -> int:
    """How many rows the model's table holds."""
    return db.session.scalar(select(func.count()).select_from(model))


def refused(call, *args, **kwargs) -> GovernanceError:
    """Call a service that must refuse; roll back and return the refusal."""
    with pytest.raises(GovernanceError) as refusal:
        call(*args, **kwargs)
    db.session.rollback()
    return refusal.value


def proposal(world, kind: str, of: str = TRAINING, role: str = "wg_lead", rationale: str = "Because.", **change):
    """Propose a change to activity `of` (inside an app context) as a role; returns the amendment."""
    target = activity(of) if kind != "add" else None
    return services.propose(current_strategy(), Change(kind, activity=target, **change), rationale,
                            person(world, role))


@contextmanager
def caught(signal):
    """Record what a governance signal is sent: [(sender, keywords)]."""
    sent = []

    def receiver(sender, **keywords):
        sent.append((sender, keywords))

    with signal.connected_to(receiver):
        yield sent


def add_responsibility(code: str, slug: str, role: str, note=None) -> None:
    """Give a body a part in an activity directly (as the seed would have), at the end of its list."""
    found = activity(code)
    found.responsibilities.append(Responsibility(body_id=body(slug).id, role=role, note=note,
                                                 position=len(found.responsibilities)))
    db.session.commit()


def dissolve(slug: str) -> None:
    """Mark a body dissolved (as the bodies' service does, without its checks)."""
    found = body(slug)
    found.dissolved_on = date(2026, 11, 10)
    db.session.commit()
    assert not found.is_active


# --- what is stored with a proposal -------------------------------------------------------------


def test_a_proposal_stores_who_for_whom_the_cleaned_rationale_and_the_activity_as_it_was(seeded, world):
    """A rewording keeps the rationale trimmed with one kind of line break and the activity's plan fields."""
    with seeded.app_context():
        made = proposal(world, "edit_text", text=NEW_TEXT, rationale="  First line\r\nsecond line\rthird line \n")
        found = fresh(made.id)
        assert (found.kind, found.state, found.origin, found.origin_note) == ("edit_text", "proposed", "form", None)
        assert found.rationale == "First line\nsecond line\nthird line"
        assert found.proposing_body.slug == "wg-training" and found.proposed_by_id == world["wg_lead"]
        assert found.proposed_at is not None and found.activity_id == activity(TRAINING).id
        assert found.proposed_text == NEW_TEXT
        assert (found.proposed_code, found.proposed_output_id, found.retire_as, found.proposed_responsibilities) == (
            None, None, None, None)
        assert found.before == {
            "code": TRAINING, "text": activity(TRAINING).text, "output_id": output("3.1.1").id,
            "output_code": "3.1.1", "state": "active",
            "responsibilities": [{"body": "wg-training", "role": "lead", "note": None, "accountable": True}],
            "accountable": "wg-training"}


def test_a_proposal_is_audited_with_what_it_changes_and_announced_once(seeded, world):
    """The audit entry holds the actor, the rationale, the activity before and only the fields the kind uses."""
    with seeded.app_context():
        with caught(signals.amendments_proposed) as sent:
            made = proposal(world, "retire", retire_as="discontinued", rationale="Nobody funds it.")
        [entry] = entries("amendment.proposed")
        assert (entry.entity, entry.entity_id, entry.user_id, entry.rationale) == (
            "amendment", str(made.id), world["wg_lead"], "Nobody funds it.")
        assert entry.before == fresh(made.id).before and entry.before["code"] == TRAINING
        assert entry.after == {"kind": "retire", "code": TRAINING, "retire_as": "discontinued"}
        assert [(sender.id, [a.id for a in kw["amendments"]], kw["actor"].id) for sender, kw in sent] == [
            (current_strategy().id, [made.id], world["wg_lead"])]


def test_a_proposed_new_activity_is_audited_with_its_code_output_text_and_bodies(seeded, world):
    """A new activity has no "before"; its audit names the proposed code as the amendment's code."""
    with seeded.app_context():
        made = proposal(world, "add", code="3.1.1.3", output=output("3.1.1"),
                        text={"fr": " Nouvelle   activité. ", "en": ""},
                        responsibilities=[{"body": "wg-training", "role": "lead"}])
        found = fresh(made.id)
        assert (found.activity_id, found.before, found.proposing_body.slug) == (None, None, "wg-training")
        [entry] = entries("amendment.proposed")
        assert entry.before is None
        assert entry.after == {
            "kind": "add", "code": "3.1.1.3", "proposed_text": {"fr": "Nouvelle activité.", "en": ""},
            "proposed_code": "3.1.1.3", "proposed_output_id": output("3.1.1").id,
            "proposed_responsibilities": [{"body": "wg-training", "role": "lead", "note": None, "accountable": True}]}


def test_a_proposal_keeps_the_origin_and_note_it_is_given(seeded, world):
    """A proposal made from elsewhere than the form says where it comes from."""
    with seeded.app_context():
        made = services.propose(current_strategy(), Change("retire", activity=activity(TRAINING),
                                                           retire_as="completed"),
                                "Reviewed.", person(world, "secretariat"), origin="import",
                                origin_note="sip-2027.docx")
        assert (fresh(made.id).origin, fresh(made.id).origin_note) == ("import", "sip-2027.docx")


def test_a_move_stores_the_target_output_and_the_new_code(seeded, world):
    """A move with a new code (spaces trimmed) stores both; without one, only the output."""
    with seeded.app_context():
        made = proposal(world, "move", output=output("3.1.2"), code=" 3.1.2.9 ", role="secretariat")
        assert (made.proposed_output_id, made.proposed_code) == (output("3.1.2").id, "3.1.2.9")
        assert entries("amendment.proposed")[0].after == {"kind": "move", "code": TRAINING, "proposed_code": "3.1.2.9",
                                                          "proposed_output_id": output("3.1.2").id}
        other = proposal(world, "move", of="3.1.2.1", output=output("3.1.1"), role="secretariat")
        assert (other.proposed_output_id, other.proposed_code) == (output("3.1.1").id, None)


def test_a_move_under_the_same_output_with_a_new_code_is_a_change(seeded, world):
    """Renumbering within the same output is proposed; giving the code it already has counts as no new code."""
    with seeded.app_context():
        made = proposal(world, "move", output=output("3.1.1"), code="3.1.1.7")
        assert (made.proposed_output_id, made.proposed_code) == (output("3.1.1").id, "3.1.1.7")
        error = refused(services.propose, current_strategy(),
                        Change("move", activity=activity(SHARED), output=output("3.1.2"), code=SHARED), "Same.",
                        person(world, "secretariat"))
        assert error.problems == ["The activity is already under output 3.1.2; choose another output or a new code."]


def test_the_secretariat_who_also_leads_a_group_proposes_for_the_group_first(seeded, world, make_user):
    """The bodies offered are those the person leads, then the Rome support team; the first is the default."""
    both = make_user("Lead And Secretariat", bodies=[("wg-training", "lead"), ("rome-support-team", "member")])
    with seeded.app_context():
        from sip.accounts.models import User

        actor = db.session.get(User, both)
        change = Change("edit_text", activity=activity(TRAINING), text=NEW_TEXT)
        assert [b.slug for b in services.proposing_body_choices(actor, change)] == ["wg-training", "rome-support-team"]
        made = services.propose(current_strategy(), change, "Because.", actor)
        assert made.proposing_body.slug == "wg-training"
        other = services.propose(current_strategy(), Change("retire", activity=activity(TRAINING),
                                                            retire_as="completed"),
                                 "Done.", actor, proposing_body=body("rome-support-team"))
        assert other.proposing_body.slug == "rome-support-team"


def test_the_secretariat_may_propose_for_no_body_when_the_support_team_is_gone(seeded, world, make_user):
    """An admin with no membership is the secretariat: with no Rome support team, the proposal names no body."""
    admin = make_user("Admin Only", admin=True)
    with seeded.app_context():
        from sip.accounts.models import User

        rome = body("rome-support-team")
        rome.slug = "rome-team-renamed"
        db.session.commit()
        actor = db.session.get(User, admin)
        change = Change("retire", activity=activity(TRAINING), retire_as="completed")
        assert services.secretariat_body() is None
        assert services.proposing_body_choices(actor, change) == []
        made = services.propose(current_strategy(), change, "Done.", actor)
        assert (made.proposing_body_id, made.proposed_by_id) == (None, admin)


def test_the_secretariat_body_is_offered_once_and_only_to_the_secretariat(seeded, world):
    """A lead is offered the bodies they lead; the secretariat the Rome support team; nobody else anything."""
    with seeded.app_context():
        new = Change("add")
        assert [b.slug for b in services.proposing_body_choices(person(world, "wg_lead"), new)] == ["wg-training"]
        assert [b.slug for b in services.proposing_body_choices(person(world, "secretariat"), new)] == [
            "rome-support-team"]
        assert services.proposing_body_choices(person(world, "viewer"), new) == []
        retire = Change("retire", activity=activity(TRAINING))
        assert [b.slug for b in services.proposing_body_choices(person(world, "wg_lead"), retire)] == ["wg-training"]
        assert services.proposing_body_choices(person(world, "other_lead"), retire) == []
        assert services.proposing_body_choices(person(world, "other_lead"), Change("retire")) == []


def test_a_secretariat_member_leading_the_support_team_is_offered_it_once(seeded, world, make_user):
    """The Rome support team's lead proposing for its own activity: the team is listed once."""
    lead = make_user("Support Team Lead", bodies=[("rome-support-team", "lead")])
    with seeded.app_context():
        from sip.accounts.models import User

        actor = db.session.get(User, lead)
        assert [b.slug for b in services.proposing_body_choices(actor, Change("retire", activity=activity("1.1.1.4")))
                ] == ["rome-support-team"]


def test_a_refused_actor_writes_nothing_and_is_told_so(seeded, world):
    """Somebody who may not propose hears it, whatever else is wrong with the proposal."""
    with seeded.app_context():
        before = snapshot()
        error = refused(services.propose, current_strategy(), Change("edit_text", activity=activity(TRAINING)), "",
                        person(world, "viewer"))
        assert (str(error), error.problems) == ("You may not propose this change.", [])
        error = refused(services.propose, current_strategy(),
                        Change("edit_text", activity=activity(TRAINING), text=NEW_TEXT), "Because.",
                        person(world, "wg_lead"), proposing_body=body("glc"))
        assert str(error) == "You may not propose changes on behalf of this body."
        assert snapshot() == before


# --- what a proposal must say -------------------------------------------------------------------


def problems_of(world, change: Change, rationale: str = "Because.", role: str = "secretariat") -> list[str]:
    """The problems a refused proposal lists (nothing written: checked by the caller)."""
    error = refused(services.propose, current_strategy(), change, rationale, person(world, role))
    assert str(error) == "The proposal was not saved."
    return error.problems


def test_a_rationale_of_the_maximum_length_is_kept_and_one_more_character_is_refused(seeded, world):
    """4000 characters of rationale (once trimmed) are accepted, 4001 are not."""
    with seeded.app_context():
        before = snapshot()
        change = Change("edit_text", activity=activity(TRAINING), text=NEW_TEXT)
        assert problems_of(world, change, "x" * 4001) == ["The rationale is at most 4000 characters long."]
        assert problems_of(world, change, "  \r\n ") == ["Say why: a rationale is required."]
        assert problems_of(world, change, None) == ["Say why: a rationale is required."]
        assert snapshot() == before
        made = services.propose(current_strategy(), change, " " + "x" * 4000 + "\r\n", person(world, "secretariat"))
        assert made.rationale == "x" * 4000


def test_a_text_of_the_maximum_length_is_kept_and_one_more_character_is_refused(seeded, world):
    """2000 characters in a language are accepted (spaces collapsed first), 2001 are not, in either language."""
    with seeded.app_context():
        before = snapshot()
        for text in ({"fr": "é" * 2001, "en": "ok"}, {"fr": "ok", "en": "e" * 2001}):
            assert problems_of(world, Change("edit_text", activity=activity(TRAINING), text=text)) == [
                "The text is at most 2000 characters long."]
        assert problems_of(world, Change("edit_text", activity=activity(TRAINING), text=None)) == [
            "Write the activity's text, in French, English or both."]
        assert snapshot() == before
        made = services.propose(current_strategy(), Change("edit_text", activity=activity(TRAINING),
                                                           text={"fr": "a  \r\n b", "en": "e" * 2000}),
                                "Because.", person(world, "secretariat"))
        assert made.proposed_text == {"fr": "a b", "en": "e" * 2000}


def test_a_placeholder_typed_where_a_language_was_empty_is_a_change(seeded, world):
    """An English text where there was none is a change, even a placeholder such as "XXXX"."""
    with seeded.app_context():
        french = activity(TRAINING).text["fr"]
        activity(TRAINING).text = {"fr": french, "en": ""}
        db.session.commit()
        made = proposal(world, "edit_text", text={"fr": french, "en": "XXXX"})
        assert made.proposed_text == {"fr": french, "en": "XXXX"}


@pytest.mark.parametrize("code", ["1234.1.1.1", "1.1.1", "1.1.1.1.1", "a.1.1.1", "1.1.1.1x", "x1.1.1.1", "1..1.1",
                                  "1.1.1.1234", ""])
def test_a_malformed_code_for_a_new_activity_is_refused(seeded, world, code):
    """The code is four numbers of one to three digits, separated by dots, nothing before or after."""
    with seeded.app_context():
        before = snapshot()
        change = Change("add", output=output("3.1.1"), code=code, text=NEW_TEXT,
                        responsibilities=[{"body": "wg-training", "role": "lead"}])
        assert problems_of(world, change) == [
            "Write the code as four numbers separated by dots, for example 3.1.1.3."]
        assert snapshot() == before


def test_a_code_of_three_digit_numbers_with_spaces_around_is_accepted(seeded, world):
    """"999.999.999.999" is well formed; the spaces typed around a code are dropped."""
    with seeded.app_context():
        made = services.propose(current_strategy(), Change("add", output=output("3.1.1"), code=" 999.999.999.999 ",
                                                           text=NEW_TEXT,
                                                           responsibilities=[{"body": "wg-training", "role": "lead"}]),
                                "New.", person(world, "secretariat"))
        assert made.proposed_code == "999.999.999.999"


def next_plan_with(*codes: str) -> Strategy:
    """A draft plan after the current one, holding activities with these codes."""
    from sip.plan.models import Outcome, Output, Pillar

    plan = Strategy(code="plan-next", title={"fr": "Suivant", "en": "Next"}, starts_on=date(2027, 1, 1),
                    ends_on=date(2030, 12, 31), state="draft")
    db.session.add(plan)
    db.session.flush()
    pillar = Pillar(strategy=plan, number=1, title={"fr": "Pilier", "en": "Pillar"}, goal={"fr": "But", "en": "Goal"})
    held = Output(outcome=Outcome(pillar=pillar, code="1.1", text={"fr": "R", "en": "O"}, position=1), code="1.1.1",
                  text={"fr": "P", "en": "O"}, position=2)
    for position, code in enumerate(codes, start=3):
        held.activities.append(Activity(strategy_id=plan.id, code=code, text={"en": "Elsewhere."}, position=position))
    db.session.add(pillar)
    db.session.commit()
    return plan


def test_a_code_used_in_another_plan_is_free_in_this_one(seeded, world):
    """Codes are unique within a plan: the next plan's 3.1.1.3 and 3.1.2.9 leave them free here, until applied."""
    with seeded.app_context():
        next_plan_with("3.1.1.3", "3.1.2.9")
        added = proposal(world, "add", role="secretariat", output=output("3.1.1"), code="3.1.1.3", text=NEW_TEXT,
                         responsibilities=[{"body": "wg-training", "role": "lead"}])
        moved = proposal(world, "move", role="secretariat", output=output("3.1.2"), code="3.1.2.9")
        assert (added.proposed_code, moved.proposed_code) == ("3.1.1.3", "3.1.2.9")
        assert services.conflicts(fresh(added.id)) == [] and services.conflicts(fresh(moved.id)) == []


def test_a_taken_code_is_refused_naming_it(seeded, world):
    """A new activity or a move cannot take the code of another activity of the plan."""
    with seeded.app_context():
        before = snapshot()
        assert problems_of(world, Change("add", output=output("3.1.1"), code="3.1.2.1", text=NEW_TEXT,
                                         responsibilities=[{"body": "wg-training", "role": "lead"}])) == [
            "Activity 3.1.2.1 already exists; choose another code."]
        assert problems_of(world, Change("move", activity=activity(TRAINING), output=output("3.1.2"),
                                         code="3.1.2.1")) == ["Activity 3.1.2.1 already exists; choose another code."]
        assert snapshot() == before


def test_each_kind_refuses_what_it_cannot_do_with_one_message(seeded, world):
    """An unknown kind, a missing activity, a bad retirement, a missing output: one message each."""
    with seeded.app_context():
        before = snapshot()
        assert problems_of(world, Change("rename", activity=activity(TRAINING))) == [
            "Choose what kind of change you propose."]
        assert problems_of(world, Change("retire", activity=activity(TRAINING), retire_as=None)) == [
            "Say whether the activity is completed or discontinued."]
        assert problems_of(world, Change("move", activity=activity(TRAINING))) == [
            "Choose the output to move the activity under."]
        assert problems_of(world, Change("add", code="3.1.1.3", text=NEW_TEXT,
                                         responsibilities=[{"body": "wg-training", "role": "lead"}])) == [
            "Choose the output the new activity belongs to."]
        assert problems_of(world, Change("edit_text", activity=activity("1.1.1.1"), text=NEW_TEXT)) == [
            "Activity 1.1.1.1 is retired; retired activities are kept as they were."]
        assert snapshot() == before


def test_a_change_to_no_activity_or_to_another_plans_activity_is_refused(seeded, world):
    """The service checks the activity belongs to the plan (the form never offers another)."""
    with seeded.app_context():
        strategy = current_strategy()
        change = Change("retire", retire_as="completed")
        assert services.check_change(strategy, change) == ({}, ["Choose the activity to change."])
        elsewhere = activity(TRAINING)
        db.session.expunge(elsewhere)
        elsewhere.strategy_id = strategy.id + 1
        assert services.check_change(strategy, Change("retire", activity=elsewhere, retire_as="completed")) == (
            {}, ["Choose the activity to change."])


def test_a_move_to_an_output_of_another_plan_is_refused(seeded, world):
    """The target output must belong to this plan, for a move as for a new activity."""
    with seeded.app_context():
        strategy = current_strategy()
        foreign = output("3.1.2")
        pillar = foreign.outcome.pillar
        db.session.expunge(pillar)
        pillar.strategy_id = strategy.id + 1
        fields, problems = services.check_change(strategy, Change("move", activity=activity(TRAINING), output=foreign))
        assert (fields, problems) == ({"activity_id": activity(TRAINING).id},
                                      ["Choose the output to move the activity under."])
        fields, problems = services.check_change(strategy, Change(
            "add", output=foreign, code="3.1.2.9", text=NEW_TEXT, responsibilities=[{"body": "glc", "role": "lead"}]))
        assert problems == ["Choose the output the new activity belongs to."]
        assert fields["proposed_output_id"] == foreign.id


def test_a_new_activity_with_no_output_stores_none_for_it_while_checking_the_rest(seeded, world):
    """With no output, the other fields are still checked and cleaned."""
    with seeded.app_context():
        fields, problems = services.check_change(current_strategy(), Change(
            "add", code=" 3.1.1.3", text={"fr": " Oui ", "en": None},
            responsibilities=[{"body": "glc", "role": "lead"}]))
        assert problems == ["Choose the output the new activity belongs to."]
        assert fields == {"proposed_output_id": None, "proposed_code": "3.1.1.3",
                          "proposed_text": {"fr": "Oui", "en": ""},
                          "proposed_responsibilities": [{"body": "glc", "role": "lead", "note": None,
                                                         "accountable": True}]}
        fields, problems = services.check_change(current_strategy(), Change(
            "add", output=output("3.1.1"), text=NEW_TEXT, responsibilities=[{"body": "glc", "role": "lead"}]))
        assert (fields["proposed_code"], problems) == (
            "", ["Write the code as four numbers separated by dots, for example 3.1.1.3."])


# --- responsible bodies -------------------------------------------------------------------------


def test_each_wrong_body_is_named_and_a_list_of_only_wrong_bodies_is_not_called_empty(seeded, world):
    """Unknown, dissolved, role-less and repeated bodies each get their message; no "name at least one" on top."""
    with seeded.app_context():
        dissolve("working-groups")
        before = snapshot()
        change = Change("responsibilities", activity=activity(TRAINING), responsibilities=[
            {"body": "no-such-body", "role": "lead"}, {"body": "working-groups", "role": "lead"},
            {"body": "glc", "role": None}, {"body": "wg-partnerships", "role": "lead"},
            {"body": "wg-partnerships", "role": "lead"}])
        assert problems_of(world, change) == [
            "There is no body “no-such-body”.",
            "Working groups is dissolved; it cannot be made responsible.",
            "Choose the role of Global Logistics Cluster.",
            "Partnerships Working Group is listed twice with the same role."]
        only_wrong = Change("responsibilities", activity=activity(TRAINING),
                            responsibilities=[{"body": "nowhere", "role": "lead"}])
        assert problems_of(world, only_wrong) == ["There is no body “nowhere”."]
        assert problems_of(world, Change("responsibilities", activity=activity(TRAINING), responsibilities=None)) == [
            "Name at least one responsible body."]
        assert snapshot() == before


def test_a_new_activity_with_a_bad_text_and_no_body_hears_both(seeded, world):
    """"Name at least one responsible body" is added even when other fields already have problems."""
    with seeded.app_context():
        assert problems_of(world, Change("add", output=output("3.1.1"), code="3.1.1.3", text={},
                                         responsibilities=[])) == [
            "Write the activity's text, in French, English or both.", "Name at least one responsible body."]


def test_the_same_body_in_two_roles_marked_twice_is_one_accountable_body_on_its_first_row(seeded, world):
    """One body marked accountable on two of its rows is not two bodies: the mark stays on its first row."""
    with seeded.app_context():
        made = proposal(world, "responsibilities", role="secretariat", responsibilities=[
            {"body": "glc", "role": "contributor"}, {"body": "wg-partnerships", "role": "lead", "accountable": True},
            {"body": "wg-partnerships", "role": "organiser", "accountable": 1}])
        assert made.proposed_responsibilities == [
            {"body": "glc", "role": "contributor", "note": None},
            {"body": "wg-partnerships", "role": "lead", "note": None, "accountable": True},
            {"body": "wg-partnerships", "role": "organiser", "note": None}]


def test_with_no_mark_the_current_accountable_body_stays_if_listed_else_the_first_lead_or_organiser(seeded, world):
    """The default accountable body: the one now (if kept), else the first lead or organiser, else the first body."""
    with seeded.app_context():
        strategy = current_strategy()

        def chosen(code, items):
            fields, problems = services.check_change(strategy, Change("responsibilities", activity=activity(code),
                                                                      responsibilities=items))
            assert problems == []
            return [(i["body"], i.get("accountable", False)) for i in fields["proposed_responsibilities"]]

        # 3.1.2.1 is accountable to the cluster, listed second here: it stays accountable
        assert chosen(SHARED, [{"body": "wg-partnerships", "role": "lead"},
                               {"body": "glc", "role": "participant"}]) == [("wg-partnerships", False), ("glc", True)]
        # the cluster is gone: the first organiser after a contributor
        assert chosen(SHARED, [{"body": "wg-partnerships", "role": "contributor"},
                               {"body": "wg-training", "role": "organiser"}, {"body": "sag", "role": "lead"}]) == [
            ("wg-partnerships", False), ("wg-training", True), ("sag", False)]
        # nobody leads or organises: the first body
        assert chosen(SHARED, [{"body": "wg-partnerships", "role": "contributor"},
                               {"body": "sag", "role": "participant"}]) == [("wg-partnerships", True), ("sag", False)]


def test_the_default_accountable_body_of_an_empty_list_is_none(app_ctx):
    """No body listed, none accountable; a list naming none marked has no accountable body."""
    assert services._default_accountable([], "glc") is None
    assert services._default_accountable([], None) is None
    assert services.accountable_of(None) is None
    assert services.accountable_of([{"body": "glc", "role": "lead"}]) is None


def test_notes_are_kept_from_the_current_rows_or_taken_from_the_proposal(seeded, world):
    """A body keeping its role keeps its note; a note given with the row wins; a new role has none."""
    with seeded.app_context():
        note = {"fr": "selon la charte", "en": "per the charter"}
        add_responsibility(TRAINING, "glc", "contributor", note)
        made = proposal(world, "responsibilities", role="secretariat", responsibilities=[
            {"body": "glc", "role": "contributor"}, {"body": "wg-training", "role": "lead", "note": {"en": "given"}},
            {"body": "glc", "role": "participant"}])
        assert made.proposed_responsibilities == [
            {"body": "glc", "role": "contributor", "note": note},
            {"body": "wg-training", "role": "lead", "note": {"en": "given"}, "accountable": True},
            {"body": "glc", "role": "participant", "note": None}]


def test_the_snapshot_marks_only_the_accountable_bodys_first_row(seeded, world):
    """An accountable body listed in two roles is marked once, on its first row; an unaccountable plan row none."""
    with seeded.app_context():
        add_responsibility(SHARED, "glc", "contributor")
        now = services.snapshot(activity(SHARED))
        assert now["responsibilities"] == [
            {"body": "glc", "role": "lead", "note": None, "accountable": True},
            {"body": "wg-training", "role": "lead", "note": None},
            {"body": "glc", "role": "contributor", "note": None}]
        assert now["accountable"] == "glc"
        assert services.responsibility_list(activity(SHARED).responsibilities) == [
            {"body": "glc", "role": "lead", "note": None}, {"body": "wg-training", "role": "lead", "note": None},
            {"body": "glc", "role": "contributor", "note": None}]
        done = services.snapshot(activity("1.1.1.1"))
        assert (done["state"], done["responsibilities"], done["accountable"]) == ("completed", [], None)


def test_the_same_bodies_in_another_order_or_another_accountable_body_are_a_change(seeded, world):
    """Only the very same rows, in order, with the same accountable body, are "no change"."""
    with seeded.app_context():
        swapped = proposal(world, "responsibilities", of=SHARED, role="secretariat", responsibilities=[
            {"body": "wg-training", "role": "lead"}, {"body": "glc", "role": "lead"}])
        assert [i["body"] for i in swapped.proposed_responsibilities] == ["wg-training", "glc"]
        other = proposal(world, "responsibilities", of=SHARED, role="secretariat", responsibilities=[
            {"body": "glc", "role": "lead"}, {"body": "wg-training", "role": "lead", "accountable": True}])
        assert services.accountable_of(other.proposed_responsibilities) == "wg-training"
        error = refused(services.propose, current_strategy(), Change("responsibilities", activity=activity(SHARED),
                                                                     responsibilities=[
                                                                         {"body": "glc", "role": "lead"},
                                                                         {"body": "wg-training", "role": "lead"}]),
                        "Same.", person(world, "secretariat"))
        assert error.problems == ["These are the bodies already responsible, with the same accountable body; change "
                                  "them to propose it."]


# --- the same change twice ----------------------------------------------------------------------


def test_an_open_duplicate_is_found_spaces_aside_and_named(seeded, world):
    """The same wording with other spaces is the same change; already_proposed finds it, propose refuses it."""
    with seeded.app_context():
        first = proposal(world, "edit_text", text=NEW_TEXT)
        spaced = {lang: "  " + value.replace(" ", "   ") + " " for lang, value in NEW_TEXT.items()}
        change = Change("edit_text", activity=activity(TRAINING), text=spaced)
        assert services.already_proposed(current_strategy(), change).id == first.id
        assert problems_of(world, change) == [f"The same change is already proposed (amendment {first.id})."]


def test_an_endorsed_amendment_is_still_open_but_a_rejected_one_is_not(seeded, world, endorse):
    """A duplicate is sought among the proposed and endorsed amendments only."""
    with seeded.app_context():
        first = proposal(world, "retire", retire_as="completed").id
    endorse(first)
    with seeded.app_context():
        change = Change("retire", activity=activity(TRAINING), retire_as="completed")
        assert services.already_proposed(current_strategy(), change).id == first
        db.session.execute(update(Amendment).where(Amendment.id == first).values(state="rejected"))
        db.session.commit()
        assert services.already_proposed(current_strategy(), change) is None
        assert proposal(world, "retire", retire_as="completed").id != first


def test_a_change_that_differs_in_any_field_is_not_a_duplicate(seeded, world):
    """Another retirement, output, code, text, body list or accountable body is a different proposal."""
    with seeded.app_context():
        strategy = current_strategy()
        proposal(world, "retire", retire_as="completed", role="secretariat")
        proposal(world, "move", output=output("3.1.2"), role="secretariat")
        proposal(world, "edit_text", text=NEW_TEXT, role="secretariat")
        proposal(world, "responsibilities", of=SHARED, role="secretariat",
                 responsibilities=[{"body": "glc", "role": "lead"}, {"body": "sag", "role": "contributor"}])
        proposal(world, "add", code="3.1.1.3", output=output("3.1.1"), text=NEW_TEXT,
                 responsibilities=[{"body": "wg-training", "role": "lead"}], role="secretariat")
        for change in (
            Change("retire", activity=activity(TRAINING), retire_as="discontinued"),
            Change("retire", activity=activity("3.1.1.1"), retire_as="completed"),
            Change("move", activity=activity(TRAINING), output=output("3.2.1")),
            Change("move", activity=activity(TRAINING), output=output("3.1.2"), code="3.1.2.8"),
            Change("edit_text", activity=activity(TRAINING), text={**NEW_TEXT, "en": "Other."}),
            Change("edit_text", activity=activity(TRAINING), text={**NEW_TEXT, "fr": "Autre."}),
            Change("responsibilities", activity=activity(SHARED),
                   responsibilities=[{"body": "glc", "role": "lead"}, {"body": "sag", "role": "lead"}]),
            Change("responsibilities", activity=activity(SHARED),
                   responsibilities=[{"body": "glc", "role": "lead"},
                                     {"body": "sag", "role": "contributor", "accountable": True}]),
            Change("add", output=output("3.1.1"), code="3.1.1.4", text=NEW_TEXT,
                   responsibilities=[{"body": "wg-training", "role": "lead"}]),
        ):
            assert services.already_proposed(strategy, change) is None, change
        for change in (
            Change("retire", activity=activity(TRAINING), retire_as="completed"),
            Change("move", activity=activity(TRAINING), output=output("3.1.2")),
            Change("responsibilities", activity=activity(SHARED),
                   responsibilities=[{"body": "glc", "role": "lead"}, {"body": "sag", "role": "contributor"}]),
            Change("add", output=output("3.1.2"), code="3.1.1.3", text={"en": "Anything."},
                   responsibilities=[{"body": "glc", "role": "lead"}]),
        ):
            assert services.already_proposed(strategy, change) is not None, change


def test_already_proposed_says_nothing_about_a_change_with_problems(seeded, world):
    """A change that could not be proposed is never "already proposed"."""
    with seeded.app_context():
        proposal(world, "retire", retire_as="completed")
        assert services.already_proposed(current_strategy(), Change("retire", activity=activity(TRAINING))) is None
        proposal(world, "edit_text", text=NEW_TEXT)
        proposal(world, "add", output=output("3.1.1"), code="3.1.1.3", text=NEW_TEXT,
                 responsibilities=[{"body": "wg-training", "role": "lead"}])
        activity(TRAINING).text = dict(NEW_TEXT)  # the wording was changed to the proposed one meanwhile
        db.session.commit()
        for change in (Change("edit_text", activity=activity(TRAINING), text=NEW_TEXT),
                       Change("add", output=output("3.1.1"), code="3.1.1.3", text={},
                              responsibilities=[{"body": "wg-training", "role": "lead"}])):
            assert services.check_change(current_strategy(), change)[1] != []
            assert services.already_proposed(current_strategy(), change) is None


def test_a_duplicate_in_another_plan_or_of_another_kind_does_not_count(seeded, world):
    """The search stays within the plan and the kind of change."""
    with seeded.app_context():
        made = proposal(world, "add", code="3.1.1.3", output=output("3.1.1"), text=NEW_TEXT,
                        responsibilities=[{"body": "wg-training", "role": "lead"}], role="secretariat")
        change = Change("add", output=output("3.1.1"), code="3.1.1.3", text=NEW_TEXT,
                        responsibilities=[{"body": "wg-training", "role": "lead"}])
        assert services.already_proposed(current_strategy(), change).id == made.id
        made.kind = "move"
        db.session.commit()
        assert services.already_proposed(current_strategy(), change) is None
        other = Strategy(code="plan-next", title={"fr": "Suivant", "en": "Next"}, starts_on=date(2027, 1, 1),
                         ends_on=date(2030, 12, 31), state="draft")
        db.session.add(other)
        db.session.flush()
        made.kind, made.strategy_id = "add", other.id
        db.session.commit()
        assert services.already_proposed(current_strategy(), change) is None


# --- several changes at once --------------------------------------------------------------------


def test_several_changes_are_proposed_together_audited_and_announced_once(seeded, world):
    """propose_many writes each amendment with the origin, one audit entry each and one for the batch, each with the
    rationale as stored (trimmed)."""
    with seeded.app_context():
        strategy = current_strategy()
        with caught(signals.amendments_proposed) as sent:
            made = services.propose_many(strategy, [
                Change("retire", activity=activity(TRAINING), retire_as="completed"),
                Change("add", output=output("3.1.1"), code="3.1.1.3", text=NEW_TEXT,
                       responsibilities=[{"body": "wg-training", "role": "lead"}]),
            ], "  The 2027 revision.\n", person(world, "secretariat"), origin="import", origin_note="sip-2027.docx")
        ids = [a.id for a in made]
        found = [fresh(i) for i in ids]
        assert [(a.kind, a.origin, a.origin_note, a.rationale, a.proposing_body.slug) for a in found] == [
            ("retire", "import", "sip-2027.docx", "The 2027 revision.", "rome-support-team"),
            ("add", "import", "sip-2027.docx", "The 2027 revision.", "rome-support-team")]
        assert [(int(e.entity_id), e.user_id, e.rationale) for e in entries("amendment.proposed")] == [
            (i, world["secretariat"], "The 2027 revision.") for i in ids]
        [together] = entries("amendments.proposed_together")
        assert (together.entity, together.entity_id, together.user_id, together.rationale) == (
            "strategy", str(strategy.id), world["secretariat"], "The 2027 revision.")
        assert together.after == {"origin": "import", "note": "sip-2027.docx", "amendments": ids}
        assert [(s.id, [a.id for a in kw["amendments"]], kw["actor"].id) for s, kw in sent] == [
            (strategy.id, ids, world["secretariat"])]


def test_one_bad_change_among_several_creates_none_and_names_each_problem_by_code(seeded, world):
    """All or none: every problem is prefixed with the code it is about, and nothing is written."""
    with seeded.app_context():
        before = snapshot()
        error = refused(services.propose_many, current_strategy(), [
            Change("retire", activity=activity(TRAINING), retire_as="completed"),
            Change("retire", activity=activity(SHARED), retire_as="finished"),
            Change("add", output=output("3.1.1"), code="3.1.2.1", text=NEW_TEXT,
                   responsibilities=[{"body": "glc", "role": "lead"}]),
            Change("add", output=output("3.1.1"), text=NEW_TEXT, responsibilities=[{"body": "glc", "role": "lead"}]),
        ], "Revision.", person(world, "secretariat"), origin="import")
        assert str(error) == "No amendment was created."
        assert error.problems == [
            "3.1.2.1: Say whether the activity is completed or discontinued.",
            "3.1.2.1: Activity 3.1.2.1 already exists; choose another code.",
            ": Write the code as four numbers separated by dots, for example 3.1.1.3."]
        assert snapshot() == before


def test_a_refused_batch_leaves_nothing_pending_in_the_callers_session(seeded, world):
    """The amendments checked before the bad one are rolled back at once, not left for the caller to commit."""
    with seeded.app_context():
        with pytest.raises(GovernanceError):
            services.propose_many(current_strategy(), [
                Change("retire", activity=activity(TRAINING), retire_as="completed"),
                Change("retire", activity=activity(SHARED), retire_as="finished")],
                "Revision.", person(world, "secretariat"), origin="import")
        assert count(Amendment) == 0
        db.session.commit()
        assert count(Amendment) == 0


def test_a_refused_actor_among_several_changes_is_named_with_the_refusal_itself(seeded, world):
    """A refusal without a list of problems (permission) is reported by its message, prefixed with the code."""
    with seeded.app_context():
        before = snapshot()
        error = refused(services.propose_many, current_strategy(),
                        [Change("retire", activity=activity(TRAINING), retire_as="completed")], "Revision.",
                        person(world, "viewer"), origin="import")
        assert error.problems == [f"{TRAINING}: You may not propose this change."]
        error = refused(services.propose_many, current_strategy(), [], "Revision.", person(world, "secretariat"),
                        origin="import")
        assert (str(error), error.problems) == ("No amendment was created.", ["There is no change to propose."])
        assert snapshot() == before


# --- the SAG ------------------------------------------------------------------------------------


def test_an_endorsement_stores_who_when_and_the_note_and_is_audited_and_announced(seeded, world):
    """The note is cleaned; the audit entry holds the state before and after; receivers hear it once."""
    with seeded.app_context():
        made = proposal(world, "edit_text", text=NEW_TEXT)
        with caught(signals.amendment_endorsed) as endorsed, caught(signals.amendment_rejected) as rejected:
            services.decide_sag(made, person(world, "sag"), True, "  Good\r\nidea. ")
        found = fresh(made.id)
        assert (found.state, found.sag_by_id, found.sag_note) == ("endorsed", world["sag"], "Good\nidea.")
        assert found.sag_at is not None
        [entry] = entries("amendment.endorsed")
        assert (entry.entity, entry.entity_id, entry.user_id, entry.rationale, entry.before, entry.after) == (
            "amendment", str(made.id), world["sag"], "Good\nidea.", {"state": "proposed"}, {"state": "endorsed"})
        assert [(s.id, kw["actor"].id) for s, kw in endorsed] == [(made.id, world["sag"])] and rejected == []


def test_an_endorsement_without_a_note_stores_none(seeded, world):
    """An empty note (or only spaces) is no note."""
    with seeded.app_context():
        made = proposal(world, "edit_text", text=NEW_TEXT)
        services.decide_sag(made, person(world, "sag"), True, " \r\n ")
        assert fresh(made.id).sag_note is None
        assert entries("amendment.endorsed")[0].rationale is None
        other = proposal(world, "retire", retire_as="completed")
        services.decide_sag(other, person(world, "sag"), True)  # no note given at all
        assert fresh(other.id).sag_note is None
        assert entries("amendment.endorsed")[1].rationale is None


def test_a_sag_rejection_is_stored_audited_and_announced_as_the_sags(seeded, world):
    """A rejection keeps its note; receivers are told the SAG rejected it."""
    with seeded.app_context():
        made = proposal(world, "edit_text", text=NEW_TEXT)
        with caught(signals.amendment_endorsed) as endorsed, caught(signals.amendment_rejected) as rejected:
            services.decide_sag(made, person(world, "sag"), False, "Out of scope.")
        found = fresh(made.id)
        assert (found.state, found.sag_by_id, found.sag_note, found.sag_at is not None) == (
            "rejected", world["sag"], "Out of scope.", True)
        [entry] = entries("amendment.rejected_by_sag")
        assert (entry.entity_id, entry.user_id, entry.rationale, entry.before, entry.after) == (
            str(made.id), world["sag"], "Out of scope.", {"state": "proposed"}, {"state": "rejected"})
        assert endorsed == [] and [(s.id, kw["actor"].id, kw["by"]) for s, kw in rejected] == [
            (made.id, world["sag"], "sag")]


def test_a_sag_note_of_the_maximum_length_is_kept_and_one_more_character_is_refused(seeded, world):
    """4000 characters of note are accepted, 4001 refused with nothing written."""
    with seeded.app_context():
        made = proposal(world, "edit_text", text=NEW_TEXT).id
        before = snapshot()
        error = refused(services.decide_sag, fresh(made), person(world, "sag"), False, "n" * 4001)
        assert (str(error), error.problems) == ("The note is at most 4000 characters long.", [])
        error = refused(services.decide_sag, fresh(made), person(world, "sag"), False, None)
        assert str(error) == "Say why the SAG rejects it: a note is required."
        assert snapshot() == before
        services.decide_sag(fresh(made), person(world, "sag"), False, "n" * 4000)
        assert fresh(made).sag_note == "n" * 4000


def test_the_sag_refusal_names_who_may_decide_and_writes_nothing(seeded, world):
    """Somebody outside the SAG hears who may decide."""
    with seeded.app_context():
        made = proposal(world, "edit_text", text=NEW_TEXT).id
        before = snapshot()
        error = refused(services.decide_sag, fresh(made), person(world, "secretariat"), True)
        assert str(error) == ("Only a SAG member who did not propose it may endorse or reject a proposed "
                              "amendment.")
        assert snapshot() == before


def test_a_stale_amendment_cannot_be_endorsed_and_the_refusal_lists_why(seeded, world):
    """The endorsement is refused with the conflicts; nothing is written."""
    with seeded.app_context():
        made = proposal(world, "edit_text", text=NEW_TEXT).id
        activity(TRAINING).text = {"fr": "Changé.", "en": "Changed."}
        db.session.commit()
        before = snapshot()
        error = refused(services.decide_sag, fresh(made), person(world, "sag"), True, "Fine.")
        assert str(error) == "This amendment can no longer be endorsed as proposed; reject it with a note."
        assert error.problems == ["The text of 3.1.1.2 has changed since this was proposed."]
        assert snapshot() == before


def test_a_decision_taken_meanwhile_is_seen_before_deciding(seeded, world):
    """The state is read again from the database: an amendment rejected meanwhile cannot be endorsed."""
    with seeded.app_context():
        made = proposal(world, "edit_text", text=NEW_TEXT)
        assert made.state == "proposed"  # loaded in this session
        db.session.execute(update(Amendment).where(Amendment.id == made.id).values(state="rejected"),
                           execution_options={"synchronize_session": False})  # another request's decision
        assert made.state == "proposed"  # what this session still holds
        with pytest.raises(GovernanceError, match="^Only a SAG member"):
            services.decide_sag(made, person(world, "sag"), True)
        assert made.state == "rejected"


def test_deciding_locks_the_amendments_row_and_for_the_glm_the_plans_row(seeded, world, endorse):
    """Two people deciding at once decide one after the other: the amendment's row (and, to change the plan, the
    plan's row) is read FOR UPDATE, by its id (the clause is left out on SQLite)."""
    from sqlalchemy import event

    locked = []

    def before_execute(conn, clause, multiparams, params, execution_options):
        if getattr(clause, "_for_update_arg", None) is not None:
            locked.append(str(clause.whereclause.compile(compile_kwargs={"literal_binds": True})))

    with seeded.app_context():
        made = proposal(world, "edit_text", text=NEW_TEXT).id
        plan = current_strategy().id
        event.listen(db.engine, "before_execute", before_execute)
        try:
            services.decide_sag(fresh(made), person(world, "sag"), True)
            assert locked == [f"amendment.id = {made}"]
            dated(seeded, made, SAG_DAY)
            locked.clear()
            services.record_glm(fresh(made), person(world, "secretariat"), False, glm_period(), GLM_DAY, "No.",
                                today=LATER)
            assert locked == [f"amendment.id = {made}"]
        finally:
            event.remove(db.engine, "before_execute", before_execute)
        second = proposal(world, "retire", retire_as="completed").id
    endorse(second)
    with seeded.app_context():
        event.listen(db.engine, "before_execute", before_execute)
        try:
            locked.clear()
            services.record_glm(fresh(second), person(world, "secretariat"), True, glm_period(), GLM_DAY, today=LATER)
            assert locked == [f"strategy.id = {plan}", f"amendment.id = {second}"]
        finally:
            event.remove(db.engine, "before_execute", before_execute)


# --- the GLM ------------------------------------------------------------------------------------


def endorsed(seeded, world, endorse, kind="edit_text", of=TRAINING, on=SAG_DAY, **change) -> int:
    """An amendment proposed by the secretariat and endorsed by the SAG on `on`; its id."""
    if kind == "edit_text" and "text" not in change:
        change["text"] = NEW_TEXT
    with seeded.app_context():
        if "output_code" in change:
            change["output"] = output(change.pop("output_code"))
        made = proposal(world, kind, of=of, role="secretariat", **change).id
    endorse(made, on=on)
    return made


def record(world, amendment_id: int, verified: bool = True, period=None, on=GLM_DAY, note=None, today=LATER):
    """The secretariat records the GLM's decision (inside an app context)."""
    return services.record_glm(fresh(amendment_id), person(world, "secretariat"), verified,
                               period if period is not None else glm_period(), on, note, today=today)


def test_a_verification_stores_the_glm_and_its_version_and_audits_every_step(seeded, world, endorse):
    """The amendment keeps who recorded what GLM on what day; the version, the activity and the decision are
    each audited; receivers hear of the verification only."""
    made = endorsed(seeded, world, endorse)
    with seeded.app_context():
        amended_before = fresh(made).before
        with caught(signals.amendment_verified) as verified, caught(signals.amendment_rejected) as rejected:
            version = record(world, made, note="  Agreed by\r\nconsensus. ")
        found = fresh(made)
        assert (found.state, found.glm_recorded_by_id, found.glm_period_id, found.glm_name, found.glm_on,
                found.glm_note, found.version_id) == (
            "applied", world["secretariat"], glm_period().id, "GLM November 2026", GLM_DAY, "Agreed by\nconsensus.",
            version.id)
        assert found.glm_recorded_at is not None
        version = db.session.get(PlanVersion, version.id)
        assert (version.strategy_id, version.sequence, version.tag, version.name, version.effective_on,
                version.glm_period_id, version.glm_name, version.created_by_id) == (
            current_strategy().id, 2, "glm-2026-11-20", {"fr": "GLM November 2026", "en": "GLM November 2026"},
            GLM_DAY, glm_period().id, "GLM November 2026", world["secretariat"])
        created = entries("plan_version.created")[-1]
        assert (created.entity, created.entity_id, created.user_id, created.after) == (
            "plan_version", str(version.id), world["secretariat"],
            {"tag": "glm-2026-11-20", "sequence": 2, "glm": "GLM November 2026", "effective_on": "2026-11-20"})
        [amended] = entries("activity.amended")
        assert (amended.entity, amended.entity_id, amended.user_id, amended.rationale, amended.before) == (
            "activity", str(activity(TRAINING).id), world["secretariat"], "Because.", amended_before)
        assert amended.after == {**services.snapshot(activity(TRAINING)), "amendment": made,
                                 "version": "glm-2026-11-20"}
        assert amended.after["text"] == NEW_TEXT
        [decision] = entries("amendment.verified")
        assert (decision.entity, decision.entity_id, decision.user_id, decision.rationale, decision.before,
                decision.after) == (
            "amendment", str(made), world["secretariat"], "Agreed by\nconsensus.", {"state": "endorsed"},
            {"state": "applied", "glm": "GLM November 2026", "on": "2026-11-20", "version": "glm-2026-11-20"})
        assert [(s.id, kw["actor"].id) for s, kw in verified] == [(made, world["secretariat"])] and rejected == []


def test_a_glm_rejection_stores_the_glm_and_the_note_and_no_version(seeded, world, endorse):
    """A rejection at the GLM changes no plan, makes no version and is announced as the GLM's."""
    made = endorsed(seeded, world, endorse)
    with seeded.app_context():
        versions, text = count(PlanVersion), dict(activity(TRAINING).text)
        with caught(signals.amendment_verified) as verified, caught(signals.amendment_rejected) as rejected:
            assert record(world, made, verified=False, note=" Too narrow. ") is None
        found = fresh(made)
        assert (found.state, found.glm_recorded_by_id, found.glm_period_id, found.glm_name, found.glm_on,
                found.glm_note, found.version_id) == (
            "rejected", world["secretariat"], glm_period().id, "GLM November 2026", GLM_DAY, "Too narrow.", None)
        assert found.glm_recorded_at is not None and found.rejected_at_glm
        assert (count(PlanVersion), activity(TRAINING).text, entries("activity.amended")) == (versions, text, [])
        [decision] = entries("amendment.rejected_by_glm")
        assert (decision.entity_id, decision.user_id, decision.rationale, decision.before, decision.after) == (
            str(made), world["secretariat"], "Too narrow.", {"state": "endorsed"},
            {"state": "rejected", "glm": "GLM November 2026", "on": "2026-11-20", "version": None})
        assert verified == [] and [(s.id, kw["actor"].id, kw["by"]) for s, kw in rejected] == [
            (made, world["secretariat"], "glm")]


def test_a_glm_decision_without_a_note_stores_none(seeded, world, endorse):
    """A verification recorded with no note keeps none, in the amendment and in its audit entry."""
    made = endorsed(seeded, world, endorse)
    with seeded.app_context():
        record(world, made)
        assert fresh(made).glm_note is None
        assert entries("amendment.verified")[0].rationale is None


def test_every_problem_with_a_glm_decision_is_listed_at_once_and_nothing_is_written(seeded, world, endorse):
    """No GLM, no date, no note for a rejection: all said together; a verification is not checked further."""
    made = endorsed(seeded, world, endorse)
    with seeded.app_context():
        before = snapshot()
        for verified, note, last in ((False, "", ["Say why the GLM rejected it: a note is required."]),
                                     (True, None, [])):
            error = refused(services.record_glm, fresh(made), person(world, "secretariat"), verified, None, None,
                            note, today=LATER)
            assert str(error) == "Nothing was recorded."
            assert error.problems == ["Choose the GLM: a reporting period marked as a GLM period.",
                                      "Give the date of the GLM plenary, for example 2026-11-20."] + last
        error = refused(services.record_glm, fresh(made), person(world, "secretariat"), True, None, GLM_DAY,
                        today=LATER)
        assert error.problems == ["Choose the GLM: a reporting period marked as a GLM period."]
        error = refused(record, world, made, on=date(2027, 1, 1), note="n" * 4001)
        assert error.problems == [
            "The GLM's date cannot be in the future: record the verification once the plenary has met.",
            "The note is at most 4000 characters long."]
        assert snapshot() == before
        record(world, made, verified=False, note="n" * 4000)
        assert fresh(made).glm_note == "n" * 4000


def test_only_the_secretariat_records_and_is_told_so(seeded, world, endorse):
    """The refusal names who records a GLM's decision; nothing is written."""
    made = endorsed(seeded, world, endorse)
    with seeded.app_context():
        before = snapshot()
        error = refused(services.record_glm, fresh(made), person(world, "sag"), True, glm_period(), GLM_DAY,
                        today=LATER)
        assert (str(error), error.problems) == (
            "Only the secretariat records a GLM's decision, on an amendment the SAG endorsed.", [])
        assert snapshot() == before


def test_a_period_not_marked_as_a_glm_or_of_another_plan_is_refused(seeded, world, endorse):
    """The GLM must be a GLM period of the amendment's own plan."""
    made = endorsed(seeded, world, endorse)
    with seeded.app_context():
        other = Strategy(code="plan-next", title={"fr": "Suivant", "en": "Next"}, starts_on=date(2027, 1, 1),
                         ends_on=date(2030, 12, 31), state="draft")
        db.session.add(other)
        db.session.flush()
        foreign = ReportingPeriod(strategy_id=other.id, year=2026, quarter=4, state="upcoming", glm=True,
                                  glm_name="Another plan's GLM")
        db.session.add(foreign)
        db.session.commit()
        before = snapshot()
        for period in (foreign, find_period(current_strategy(), "2026-Q3")):
            error = refused(record, world, made, period=period)
            assert error.problems == ["Choose the GLM: a reporting period marked as a GLM period."]
        assert snapshot() == before


def test_a_glm_dated_today_without_a_today_given_is_checked_against_the_clock(seeded, world, endorse):
    """Without `today`, the GLM's date is compared with the real date: tomorrow is refused, today is not."""
    today = date.today()
    made = endorsed(seeded, world, endorse, on=today)
    with seeded.app_context():
        error = refused(record, world, made, on=today + timedelta(days=1), today=None)
        assert error.problems == [
            "The GLM's date cannot be in the future: record the verification once the plenary has met."]
        version = record(world, made, on=today, today=None)
        assert version.effective_on == today


def test_the_day_of_the_endorsement_is_its_day_in_utc(seeded, world, endorse):
    """Endorsed at 23:30 in New York on 1 December is 2 December in UTC: a GLM on 1 December is refused."""
    made = endorsed(seeded, world, endorse)
    with seeded.app_context():
        found = fresh(made)
        found.sag_at = datetime(2026, 12, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
        with pytest.raises(GovernanceError) as refusal:
            services.record_glm(found, person(world, "secretariat"), True, glm_period(), date(2026, 12, 1),
                                today=LATER)
        db.session.rollback()
        assert refusal.value.problems == [
            "The SAG endorsed this amendment on December 2, 2026; a GLM held on December 1, 2026 cannot have decided "
            "on it. Choose the GLM that met on or after December 2, 2026, and its date."]


def test_a_stale_amendment_is_not_verified_but_may_be_rejected_at_the_glm(seeded, world, endorse):
    """A verification lists the conflicts; a rejection of the same amendment is recorded."""
    made = endorsed(seeded, world, endorse)
    with seeded.app_context():
        activity(TRAINING).text = {"fr": "Changé.", "en": "Changed."}
        db.session.commit()
        before = snapshot()
        error = refused(record, world, made)
        assert (str(error), error.problems) == ("Nothing was recorded.",
                                               ["The text of 3.1.1.2 has changed since this was proposed."])
        assert snapshot() == before
        record(world, made, verified=False, note="Overtaken.")
        assert fresh(made).state == "rejected"


def test_a_verification_at_an_earlier_glm_or_before_the_current_version_names_the_version(seeded, world, endorse):
    """After a later GLM made a version, the earlier GLM is closed; a date before the current version too."""
    first = endorsed(seeded, world, endorse)
    second = endorsed(seeded, world, endorse, "retire", of=SHARED, retire_as="completed")
    third = endorsed(seeded, world, endorse, "retire", of="3.1.2.2", retire_as="completed")
    with seeded.app_context():
        strategy = current_strategy()
        set_glm(find_period(strategy, "2026-Q3"), True, "GLM December 2026", actor=None)
        record(world, first)
        december = find_period(strategy, "2026-Q3")
        record(world, second, period=december, on=date(2026, 12, 2))
        error = refused(record, world, third)
        assert str(error) == "Nothing was recorded."
        assert error.problems == ["The GLM “GLM November 2026” made version glm-2026-11-20, and later versions "
                                  "exist; a verification at that GLM can no longer be added to the plan's history."]
        set_glm(find_period(strategy, "2026-Q2"), True, "GLM June", actor=None)
        before = snapshot()
        error = refused(record, world, third, period=find_period(strategy, "2026-Q2"), on=date(2026, 12, 1))
        assert str(error) == "Nothing was recorded."
        assert error.problems == ["The current version (glm-2026-12-02) is in force from December 2, 2026; a "
                                  "verification must be dated on or after that day."]
        error = refused(record, world, third, period=december, on=date(2026, 12, 3))
        assert error.problems == ["Amendments verified at “GLM December 2026” are recorded as decided on December 2, "
                                  "2026 (version glm-2026-12-02); record this verification with that date, or choose "
                                  "another GLM."]
        assert snapshot() == before


def test_glms_held_on_the_same_day_make_versions_tagged_apart_named_after_the_glm_or_the_quarter(
        seeded, world, endorse):
    """Two other GLMs on the day of a version: on that day is allowed, the tags get -2 and -3; an unnamed GLM's
    version is named after its quarter."""
    made = [endorsed(seeded, world, endorse),
            endorsed(seeded, world, endorse, "retire", of=SHARED, retire_as="completed"),
            endorsed(seeded, world, endorse, "retire", of="3.1.2.2", retire_as="discontinued")]
    with seeded.app_context():
        strategy = current_strategy()
        set_glm(find_period(strategy, "2026-Q3"), True, "Extraordinary GLM", actor=None)
        set_glm(find_period(strategy, "2026-Q2"), True, "", actor=None)
        first = record(world, made[0])
        second = record(world, made[1], period=find_period(strategy, "2026-Q3"))
        third = record(world, made[2], period=find_period(strategy, "2026-Q2"))
        assert [(v.tag, v.sequence, v.name["en"], v.glm_name) for v in (first, second, third)] == [
            ("glm-2026-11-20", 2, "GLM November 2026", "GLM November 2026"),
            ("glm-2026-11-20-2", 3, "Extraordinary GLM", "Extraordinary GLM"),
            ("glm-2026-11-20-3", 4, "2026-Q2", None)]
        assert fresh(made[2]).glm_name is None
        assert entries("amendment.verified")[-1].after["glm"] is None
        assert entries("plan_version.created")[-1].after == {"tag": "glm-2026-11-20-3", "sequence": 4, "glm": None,
                                                             "effective_on": "2026-11-20"}


def test_a_tag_used_by_another_plan_is_free_in_this_one(seeded, world, endorse):
    """Tags are unique within a plan: the next plan's "glm-2026-11-20" does not push this plan's to "-2"."""
    made = endorsed(seeded, world, endorse)
    with seeded.app_context():
        other = next_plan_with("1.1.1.1")
        db.session.add(PlanVersion(strategy_id=other.id, sequence=1, tag="glm-2026-11-20",
                                   name={"fr": "Autre", "en": "Other"}, effective_on=GLM_DAY))
        db.session.commit()
        assert record(world, made).tag == "glm-2026-11-20"


def test_with_no_version_recorded_the_first_verification_records_the_baseline_by_whom_and_after_it(
        seeded, world, endorse):
    """A plan with no version yet: a GLM before the baseline's day is refused; the first verification records the
    baseline (by the same person), then its own version."""
    made = endorsed(seeded, world, endorse, on=date(2023, 10, 1))
    with seeded.app_context():
        from sip.governance.models import RevisionResponsibility

        for model in (RevisionResponsibility, ActivityRevision, PlanVersion):
            db.session.execute(model.__table__.delete())
        db.session.commit()
        set_glm(find_period(current_strategy(), "2023-Q4"), True, "GLM October 2023", actor=None)
        october = find_period(current_strategy(), "2023-Q4")
        error = refused(record, world, made, period=october, on=date(2023, 10, 31))
        assert error.problems == ["The current version (2023-11) is in force from November 1, 2023; a verification "
                                  "must be dated on or after that day."]
        assert count(PlanVersion) == 0
        version = record(world, made, period=october, on=date(2023, 11, 1))
        baseline = db.session.scalar(select(PlanVersion).where(PlanVersion.sequence == 1))
        assert (baseline.tag, baseline.created_by_id) == ("2023-11", world["secretariat"])
        assert (version.tag, version.sequence) == ("glm-2023-11-01", 2)


def test_glm_periods_are_the_plans_glm_quarters_newest_first(seeded, world):
    """Only periods marked as GLMs, of this plan, by year then quarter, newest first."""
    with seeded.app_context():
        strategy = current_strategy()
        for code in ("2024-Q2", "2026-Q3", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"):
            set_glm(find_period(strategy, code), True, f"GLM {code}", actor=None)
        other = Strategy(code="plan-next", title={"fr": "Suivant", "en": "Next"}, starts_on=date(2027, 1, 1),
                         ends_on=date(2030, 12, 31), state="draft")
        db.session.add(other)
        db.session.flush()
        db.session.add(ReportingPeriod(strategy_id=other.id, year=2027, quarter=1, state="upcoming", glm=True,
                                       glm_name="Next plan's GLM"))
        db.session.commit()
        assert [p.code for p in services.glm_periods(strategy)] == ["2026-Q4", "2026-Q3", "2025-Q4", "2025-Q3", "2025-Q2",
                                                                    "2025-Q1", "2024-Q2"]


def test_the_day_the_sag_endorsed_is_its_utc_day_whatever_the_server_s_time_zone(monkeypatch):
    """The GLM date is checked against the day of the SAG's endorsement in UTC, as stored, on a server set to New York
    too: SQLite gives the moment back without its zone (already UTC), PostgreSQL with it."""
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert services._utc_day(datetime(2026, 7, 1, 23, 30)) == date(2026, 7, 1)  # naive: UTC already
        assert services._utc_day(datetime(2026, 7, 2, 1, 30, tzinfo=timezone.utc)) == date(2026, 7, 2)
        assert services._utc_day(datetime(2026, 7, 1, 22, 0, tzinfo=timezone(timedelta(hours=-4)))) == date(2026, 7, 2)
    finally:
        monkeypatch.undo()
        time.tzset()


# --- what applying each kind writes -------------------------------------------------------------


def responsibilities_of(code: str) -> list[tuple]:
    """The live activity's responsibilities as (body, role, note, position)."""
    return [(r.body.slug, r.role, r.note, r.position) for r in activity(code).responsibilities]


def test_a_discontinuation_retires_the_activity_on_the_glms_day(seeded, world, endorse):
    """The activity keeps its code and text; its plan status and retirement day change; its revision says so."""
    made = endorsed(seeded, world, endorse, "retire", retire_as="discontinued")
    with seeded.app_context():
        text = dict(activity(TRAINING).text)
        record(world, made)
        retired = activity(TRAINING)
        assert (retired.plan_status, retired.retired_on, retired.text) == ("discontinued", GLM_DAY, text)
        assert history.current_revision(retired).state == "discontinued"


def test_applying_an_amendment_rewrites_the_status_rows_of_its_own_activity_only(seeded, world, endorse):
    """The status table is refreshed for the amended activity alone, not the whole plan (whose rows stay as they are)."""
    from sip.reporting.models import ActivityStatus

    made = endorsed(seeded, world, endorse, "retire", retire_as="completed")
    with seeded.app_context():
        other = activity("3.1.2.2").id

        def rows(activity_id):
            return count(select(ActivityStatus).where(ActivityStatus.activity_id == activity_id).subquery())

        assert rows(other) > 0
        db.session.execute(ActivityStatus.__table__.delete().where(ActivityStatus.activity_id == other))
        db.session.commit()
        record(world, made)
        assert rows(other) == 0
        assert rows(activity(TRAINING).id) > 0


def test_a_move_without_a_new_code_keeps_the_code_and_goes_to_the_end_of_the_output(seeded, world, endorse):
    """The activity moves under the output, after its last activity, with the code it had."""
    made = endorsed(seeded, world, endorse, "move", output_code="3.1.2")
    with seeded.app_context():
        record(world, made)
        moved = activity(TRAINING)
        assert (moved.code, moved.output.code) == (TRAINING, "3.1.2")
        codes = list(db.session.scalars(select(Activity.code).where(Activity.strategy_id == current_strategy().id)
                                        .order_by(Activity.position)))
        assert codes[codes.index("3.1.1.1") + 1:codes.index("3.2.1.1")] == ["3.1.2.1", "3.1.2.2", TRAINING]
        revision = history.current_revision(moved)
        assert (revision.code, revision.output_id, revision.position) == (TRAINING, output("3.1.2").id,
                                                                          moved.position)


def test_renumbering_the_last_activity_of_its_output_keeps_it_right_after_the_one_before(seeded, world, endorse):
    """A new code under the same output: the activity stays last of its output, just after 3.1.1.1."""
    made = endorsed(seeded, world, endorse, "move", output_code="3.1.1", code="3.1.1.7")
    with seeded.app_context():
        record(world, made)
        moved = activity("3.1.1.7")
        assert (moved.id, moved.output.code) == (fresh(made).activity_id, "3.1.1")
        assert moved.position == activity("3.1.1.1").position + 1
        assert history.current_revision(moved).position == moved.position


def test_the_version_for_a_glm_refuses_a_date_the_history_cannot_take(seeded, world, endorse):
    """Called on its own, version_for_glm checks the date as record_glm does, and writes nothing."""
    made = endorsed(seeded, world, endorse)
    with seeded.app_context():
        record(world, made)
        strategy = current_strategy()
        set_glm(find_period(strategy, "2026-Q3"), True, "GLM December 2026", actor=None)
        before = snapshot()
        error = refused(services.version_for_glm, strategy, find_period(strategy, "2026-Q3"), date(2026, 11, 19),
                        person(world, "secretariat"))
        assert str(error) == ("The current version (glm-2026-11-20) is in force from November 20, 2026; a "
                              "verification must be dated on or after that day.")
        assert error.problems == [str(error)]
        assert snapshot() == before
        same = services.version_for_glm(strategy, glm_period(), GLM_DAY, person(world, "secretariat"))
        assert same.tag == "glm-2026-11-20"


def test_a_new_activity_is_created_planned_in_force_from_the_glm_with_its_bodies_in_order(seeded, world, endorse):
    """The added activity: the plan's, planned, added on the GLM's day, its bodies at positions 0, 1, the marked
    body accountable."""
    made = endorsed(seeded, world, endorse, "add", output_code="3.1.1", code="3.1.1.3",
                    text={"fr": "Nouvelle.", "en": "New."},
                    responsibilities=[{"body": "glc", "role": "lead"},
                                      {"body": "wg-training", "role": "contributor", "accountable": True}])
    with seeded.app_context():
        record(world, made)
        added = activity("3.1.1.3")
        assert (added.strategy_id, added.output.code, added.text, added.plan_status, added.added_on,
                added.retired_on) == (current_strategy().id, "3.1.1", {"fr": "Nouvelle.", "en": "New."}, "planned",
                                      GLM_DAY, None)
        assert responsibilities_of("3.1.1.3") == [("glc", "lead", None, 0), ("wg-training", "contributor", None, 1)]
        assert added.accountable_body.slug == "wg-training"
        assert fresh(made).activity_id == added.id
        assert entries("activity.amended")[0].entity_id == str(added.id)


def test_new_responsibilities_replace_the_old_ones_in_order_with_their_notes(seeded, world, endorse):
    """The proposed rows become the live rows, positions 0…n, notes kept, the marked body accountable."""
    note = {"fr": "pour la partie terrain", "en": "for the field part"}
    made = endorsed(seeded, world, endorse, "responsibilities", of=SHARED, responsibilities=[
        {"body": "wg-partnerships", "role": "lead", "note": note}, {"body": "glc", "role": "contributor"},
        {"body": "wg-training", "role": "lead", "accountable": True}])
    with seeded.app_context():
        record(world, made)
        assert responsibilities_of(SHARED) == [("wg-partnerships", "lead", note, 0), ("glc", "contributor", None, 1),
                                               ("wg-training", "lead", None, 2)]
        assert activity(SHARED).accountable_body.slug == "wg-training"
        assert [(r.body.slug, r.position) for r in history.current_revision(activity(SHARED)).responsibilities] == [
            ("wg-partnerships", 0), ("glc", 1), ("wg-training", 2)]


def test_an_older_proposal_with_no_mark_keeps_the_accountable_body_while_it_stays_responsible(seeded, world, endorse):
    """Stored before accountability was marked: the body accountable now stays so if it is still listed."""
    made = endorsed(seeded, world, endorse, "responsibilities", of=SHARED,
                    responsibilities=[{"body": "wg-training", "role": "lead"}, {"body": "glc", "role": "contributor"}])
    with seeded.app_context():
        found = fresh(made)
        found.proposed_responsibilities = [{"body": "wg-training", "role": "lead", "note": None},
                                           {"body": "glc", "role": "contributor", "note": None}]
        db.session.commit()
        record(world, made)
        assert responsibilities_of(SHARED) == [("wg-training", "lead", None, 0), ("glc", "contributor", None, 1)]
        assert activity(SHARED).accountable_body.slug == "glc"


# --- conflicts ----------------------------------------------------------------------------------


def test_a_new_activity_conflicts_with_its_code_taken_and_its_bodies_dissolved(seeded, world):
    """Each conflict is named: the code now taken, each proposed body dissolved since."""
    with seeded.app_context():
        made = proposal(world, "add", role="secretariat", output=output("3.1.1"), code="3.1.1.3", text=NEW_TEXT,
                        responsibilities=[{"body": "wg-training", "role": "lead"}, {"body": "glc", "role": "lead"},
                                          {"body": "wg-partnerships", "role": "contributor"}])
        assert services.conflicts(made) == []
        db.session.add(Activity(strategy_id=current_strategy().id, output=output("3.1.1"), code="3.1.1.3",
                                text={"en": "Meanwhile."}, plan_status="planned", position=500))
        dissolve("wg-training")
        dissolve("wg-partnerships")
        problems = services.conflicts(fresh(made.id))
        assert problems[0] == "Activity 3.1.1.3 exists already."
        assert sorted(problems[1:]) == [  # the dissolved bodies in the database's order
            "Partnerships Working Group has been dissolved since this was proposed.",
            "Training Working Group has been dissolved since this was proposed."]


def test_a_move_conflicts_when_the_activity_moved_or_was_renumbered_or_its_new_code_is_taken(seeded, world):
    """Moved under another output, renumbered, or the proposed code taken by another activity: each is named."""
    with seeded.app_context():
        made = proposal(world, "move", role="secretariat", output=output("3.1.2"), code="3.1.2.9").id
        assert services.conflicts(fresh(made)) == []
        moved = activity(TRAINING)
        moved.code = "3.1.2.9"  # renumbered meanwhile to the very code proposed: it takes no other's code
        db.session.commit()
        assert services.conflicts(fresh(made)) == ["Activity 3.1.2.9 has moved since this was proposed."]
        moved.code = TRAINING
        moved.output = output("3.2.1")
        db.session.commit()
        assert services.conflicts(fresh(made)) == ["Activity 3.1.1.2 has moved since this was proposed."]
        moved.output = output("3.1.1")
        activity("3.1.2.2").code = "3.1.2.9"
        db.session.commit()
        assert services.conflicts(fresh(made)) == ["Activity 3.1.2.9 exists already."]
        other = proposal(world, "move", role="secretariat", output=output("3.2.1")).id
        assert services.conflicts(fresh(other)) == []


def test_a_retired_activity_conflicts_with_that_alone(seeded, world):
    """Once retired, nothing else is checked: one message."""
    with seeded.app_context():
        made = proposal(world, "edit_text", role="secretariat", text=NEW_TEXT).id
        retired = activity(TRAINING)
        retired.text = {"en": "Changed."}
        retired.plan_status, retired.retired_on = "completed", GLM_DAY
        db.session.commit()
        assert services.conflicts(fresh(made)) == ["Activity 3.1.1.2 has been retired since this was proposed."]


def test_a_text_respaced_since_the_proposal_is_no_conflict(seeded, world):
    """The same words with other spaces are the same text."""
    with seeded.app_context():
        made = proposal(world, "edit_text", role="secretariat", text=NEW_TEXT).id
        current = activity(TRAINING)
        current.text = {lang: "  " + value.replace(" ", "  ") for lang, value in current.text.items()}
        db.session.commit()
        assert services.conflicts(fresh(made)) == []


def test_responsibilities_conflict_when_the_bodies_or_the_accountable_body_changed_or_a_body_was_dissolved(
        seeded, world):
    """Changed bodies hide a changed accountable body; a dissolved proposed body is named too."""
    with seeded.app_context():
        made = proposal(world, "responsibilities", of=SHARED, role="secretariat",
                        responsibilities=[{"body": "glc", "role": "lead"},
                                          {"body": "wg-partnerships", "role": "contributor"}]).id
        assert services.conflicts(fresh(made)) == []
        shared = activity(SHARED)
        shared.accountable_body_id = body("wg-training").id
        db.session.commit()
        assert services.conflicts(fresh(made)) == [
            "The body accountable for 3.1.2.1 has changed since this was proposed."]
        add_responsibility(SHARED, "sag", "contributor")
        dissolve("wg-partnerships")
        assert services.conflicts(fresh(made)) == [
            "The bodies responsible for 3.1.2.1 have changed since this was proposed.",
            "Partnerships Working Group has been dissolved since this was proposed."]


def test_an_older_proposal_that_kept_no_accountable_body_does_not_conflict_on_it(seeded, world):
    """A "before" without an accountable body (stored before accountability) checks the bodies only."""
    with seeded.app_context():
        made = proposal(world, "responsibilities", of=SHARED, role="secretariat",
                        responsibilities=[{"body": "glc", "role": "lead"}]).id
        found = fresh(made)
        found.before = {key: value for key, value in found.before.items() if key != "accountable"}
        activity(SHARED).accountable_body_id = body("wg-training").id
        db.session.commit()
        assert services.conflicts(fresh(made)) == []


# --- hand-over ----------------------------------------------------------------------------------


def test_a_hand_over_change_gives_the_receiver_the_part_once_with_its_note(seeded, world):
    """The receiver takes the body's rows (with their notes); a row it already holds is not listed twice."""
    with seeded.app_context():
        note = {"en": "the e-learning part"}
        add_responsibility(SHARED, "wg-training", "contributor", note)
        change = services.hand_over_change(body("wg-training"), activity(SHARED), body("glc"))
        assert (change.kind, change.activity.code) == ("responsibilities", SHARED)
        assert change.responsibilities == [{"body": "glc", "role": "lead", "note": None, "accountable": True},
                                           {"body": "glc", "role": "contributor", "note": note}]
        dropped = services.hand_over_change(body("wg-training"), activity(SHARED), None)
        assert dropped.responsibilities == [{"body": "glc", "role": "lead", "note": None, "accountable": True}]
        untouched = services.hand_over_change(body("sag"), activity(SHARED), body("wg-partnerships"))
        assert untouched.responsibilities == [
            {"body": "glc", "role": "lead", "note": None, "accountable": True},
            {"body": "wg-training", "role": "lead", "note": None},
            {"body": "wg-training", "role": "contributor", "note": note}]


def test_the_receiver_of_the_accountable_bodys_part_becomes_accountable_whatever_its_role(seeded, world):
    """The accountable body only takes part (participant): its receiver is accountable, not the first lead."""
    with seeded.app_context():
        add_responsibility(SHARED, "sag", "participant")
        activity(SHARED).accountable_body_id = body("sag").id
        db.session.commit()
        change = services.hand_over_change(body("sag"), activity(SHARED), body("wg-partnerships"))
        assert change.responsibilities == [
            {"body": "glc", "role": "lead", "note": None}, {"body": "wg-training", "role": "lead", "note": None},
            {"body": "wg-partnerships", "role": "participant", "note": None, "accountable": True}]


def test_a_hand_over_with_no_receiver_of_the_accountable_body_makes_the_first_lead_accountable(seeded, world):
    """When the accountable body leaves with nobody taking over, the first lead or organiser of the others is."""
    with seeded.app_context():
        add_responsibility(SHARED, "sag", "contributor")
        add_responsibility(SHARED, "wg-partnerships", "organiser")
        change = services.hand_over_change(body("glc"), activity(SHARED), None)
        assert change.responsibilities == [
            {"body": "wg-training", "role": "lead", "note": None, "accountable": True},
            {"body": "sag", "role": "contributor", "note": None},
            {"body": "wg-partnerships", "role": "organiser", "note": None}]
        activity(SHARED).accountable_body_id = None
        db.session.commit()
        change = services.hand_over_change(body("sag"), activity(SHARED), None)
        assert services.accountable_of(change.responsibilities) is None


def test_a_hand_over_is_proposed_by_the_secretariat_for_each_activity_with_its_origin(seeded, world):
    """Each activity gets a responsibilities amendment, from the Rome support team, noted as a hand-over."""
    with seeded.app_context():
        made = services.propose_hand_over(current_strategy(), body("wg-training"), [
            HandOver(activity(TRAINING), body("wg-partnerships")), HandOver(activity(SHARED))],
            "The mandate ends.", person(world, "secretariat"))
        found = [fresh(a.id) for a in made]
        assert [(a.kind, a.activity.code, a.origin, a.origin_note, a.rationale, a.proposing_body.slug)
                for a in found] == [
            ("responsibilities", TRAINING, "hand_over", "Hand-over before dissolving Training Working Group",
             "The mandate ends.", "rome-support-team"),
            ("responsibilities", SHARED, "hand_over", "Hand-over before dissolving Training Working Group",
             "The mandate ends.", "rome-support-team")]
        assert [services._pairs(a.proposed_responsibilities) for a in found] == [
            [("wg-partnerships", "lead")], [("glc", "lead")]]
        assert entries("amendments.proposed_together")[0].after["origin"] == "hand_over"


def test_a_hand_over_note_is_cut_to_two_hundred_characters(seeded, world):
    """The note names the body; a very long name is cut so that the note fits its column."""
    with seeded.app_context():
        long = body("wg-training")
        long.name = {"fr": "G" * 300, "en": "W" * 300}
        db.session.commit()
        [made] = services.propose_hand_over(current_strategy(), body("wg-training"),
                                            [HandOver(activity(TRAINING), body("glc"))], "Ends.",
                                            person(world, "secretariat"))
        note = fresh(made.id).origin_note
        assert note == ("Hand-over before dissolving " + "W" * 300)[:200] and len(note) == 200


def test_a_hand_over_to_the_body_itself_or_to_nobody_when_alone_is_refused_naming_each_activity(seeded, world):
    """Every activity handed over wrongly is named; nothing is written."""
    with seeded.app_context():
        before = snapshot()
        error = refused(services.propose_hand_over, current_strategy(), body("wg-training"), [
            HandOver(activity(TRAINING), body("wg-training")), HandOver(activity(TRAINING)),
            HandOver(activity(SHARED), body("glc"))], "Ends.", person(world, "secretariat"))
        assert str(error) == "No amendment was created."
        assert error.problems == ["3.1.1.2: choose another body than the one being dissolved.",
                                  "3.1.1.2: no other body is responsible for it; choose who takes it over."]
        assert snapshot() == before


def test_only_the_secretariat_hands_over_and_only_an_active_bodys_activities(seeded, world):
    """A lead, or the secretariat for a body already dissolved, is refused with the rule."""
    with seeded.app_context():
        before = snapshot()
        error = refused(services.propose_hand_over, current_strategy(), body("wg-training"),
                        [HandOver(activity(TRAINING), body("glc"))], "Ends.", person(world, "wg_lead"))
        assert (str(error), error.problems) == ("Only the secretariat hands over the activities of an active body.", [])
        assert snapshot() == before
        dissolve("wg-training")
        before = snapshot()
        error = refused(services.propose_hand_over, current_strategy(), body("wg-training"),
                        [HandOver(activity(TRAINING), body("glc"))], "Ends.", person(world, "secretariat"))
        assert str(error) == "Only the secretariat hands over the activities of an active body."
        assert snapshot() == before
