"""The governance rules (sip/governance/permissions.py), rule by rule, as tables over every kind of person and state."""
from datetime import date, timedelta

import pytest

from sip.governance import permissions as rules
from sip.governance.models import AMENDMENT_STATES, Amendment
from sip.plan.models import Activity, Responsibility
from tests.rule_people import body, common_bodies, common_people, someone

PROPOSER_ID = 6001


@pytest.fixture
def town(models):
    """The bodies and one person per kind of person (not saved).

    Two working groups (training, partnerships), the SAG, the Rome support team (the secretariat), the cluster, a
    dissolved group and one to be dissolved next month. Every rule table's kinds of person (`common_people`: the
    training group's lead and member, a former and a deactivated lead, a SAG member, the secretariat and its variants,
    a viewer, a signed-out visitor, no user), plus the training group's co-lead, the other group's lead, the SAG's
    chair, the member who proposed the amendment, a former and a deactivated SAG member, the cluster's lead, the
    dissolved and the dissolving group's leads, and someone leading both groups."""
    wg, team, sag = common_bodies().values()
    other = body("wg-partnerships")
    glc = body("glc", "cluster")
    gone = body("wg-gone", dissolved_on=date.today() - timedelta(days=1))
    closing = body("wg-closing", dissolved_on=date.today() + timedelta(days=30))
    bodies = {"wg": wg, "other": other, "sag": sag, "team": team, "glc": glc, "gone": gone, "closing": closing}
    people = {
        **common_people(wg, team, sag),
        "co_lead": someone((wg, "co_lead")),
        "other_lead": someone((wg, "member"), (other, "lead")),
        "sag_chair": someone((sag, "lead")),
        "sag_proposer": someone((sag, "member"), user_id=PROPOSER_ID),
        "former_sag": someone((sag, "member"), ended=True),
        "deactivated_sag": someone((sag, "member"), active=False),
        "cluster_lead": someone((glc, "lead")),
        "gone_lead": someone((gone, "lead")),
        "closing_lead": someone((closing, "co_lead")),
        "both_leads": someone((wg, "lead"), (other, "co_lead"), (wg, "co_lead")),
    }
    return {"bodies": bodies, "people": people}


def check(town, rule, table: set, *args) -> None:
    """Every person of the town against the expected answer: True for the people named in `table`, else False."""
    wrong = {who: not expected for who, user in town["people"].items()
             if (expected := who in table) is not rule(user, *args)}
    assert wrong == {}, f"{rule.__name__}{args}: people given the wrong answer (True expected: {sorted(table)})"


def check_bodies(town, rule, table: dict, *args) -> None:
    """Every person against the slugs of the bodies the rule lists for them, in order (none for people not named)."""
    wrong = {who: slugs for who, user in town["people"].items()
             if (slugs := [b.slug for b in rule(user, *args)]) != table.get(who, [])}
    assert wrong == {}, f"{rule.__name__}{args}: people given the wrong bodies (expected: {table})"


def activity_of(*bodies) -> Activity:
    """An activity for which these bodies are responsible."""
    return Activity(code="1.1.1.1", responsibilities=[Responsibility(body_id=b.id, role="lead") for b in bodies])


SECRETARIAT = {"secretariat", "team_lead", "admin"}
SIGNED_IN = {"lead", "co_lead", "member", "former_lead", "other_lead", "sag_chair", "sag", "sag_proposer",
             "former_sag", "former_secretariat", "cluster_lead", "gone_lead", "closing_lead", "both_leads",
             "viewer"} | SECRETARIAT
EVERYONE = {"deactivated_lead", "deactivated_sag", "deactivated_secretariat", "deactivated_admin", "anonymous",
            "nobody"} | SIGNED_IN


# --- the bodies a person leads ------------------------------------------------------------------------------------

LED = {
    "lead": ["wg-training"],
    "co_lead": ["wg-training"],
    "other_lead": ["wg-partnerships"],
    "sag_chair": ["sag"],
    "team_lead": ["rome-support-team"],
    "cluster_lead": ["glc"],
    "closing_lead": ["wg-closing"],
    "both_leads": ["wg-partnerships", "wg-training"],  # by slug, each body once
}


def test_the_bodies_a_person_leads_are_the_active_ones_they_lead_or_co_lead_today_by_slug(town):
    check_bodies(town, rules.led_bodies, LED)


def test_the_bodies_led_are_listed_by_slug_whatever_the_order_of_the_memberships(town):
    b = town["bodies"]
    person = someone((b["wg"], "lead"), (b["glc"], "co_lead"), (b["other"], "lead"), (b["sag"], "lead"))
    assert [body.slug for body in rules.led_bodies(person)] == ["glc", "sag", "wg-partnerships", "wg-training"]


# --- who reads ------------------------------------------------------------------------------------------------------


def test_anyone_signed_in_reads_the_amendments(town):
    check(town, rules.can_view_amendments, SIGNED_IN)


@pytest.fixture
def plan_app(models, monkeypatch):
    """The app's context, in which the plan's visibility is read from its configuration."""
    with models.app_context():
        yield lambda public: monkeypatch.setitem(models.config, "SIP_PUBLIC_PLAN", public)


def test_the_versions_of_a_public_plan_are_read_by_everyone(town, plan_app):
    plan_app(True)
    check(town, rules.can_view_versions, EVERYONE)


def test_the_versions_of_a_plan_that_is_not_public_are_read_by_anyone_signed_in(town, plan_app):
    plan_app(False)
    check(town, rules.can_view_versions, SIGNED_IN)


# --- who proposes changes ---------------------------------------------------------------------------------------


# The activity's responsible bodies → who may propose a change to it, on behalf of which bodies (besides the
# secretariat, which proposes any change on behalf of none).
PROPOSES_FOR = {
    "training": (("wg",), {"lead": ["wg-training"], "co_lead": ["wg-training"], "both_leads": ["wg-training"]}),
    "training and cluster": (("glc", "wg"), {"lead": ["wg-training"], "co_lead": ["wg-training"],
                                             "both_leads": ["wg-training"], "cluster_lead": ["glc"]}),
    "both groups": (("wg", "other"), {"lead": ["wg-training"], "co_lead": ["wg-training"],
                                      "other_lead": ["wg-partnerships"],
                                      "both_leads": ["wg-partnerships", "wg-training"]}),
    "the sag": (("sag",), {"sag_chair": ["sag"]}),
    "a dissolved group": (("gone",), {}),
    "a group dissolved next month": (("closing",), {"closing_lead": ["wg-closing"]}),
    "nobody": ((), {}),
}


@pytest.mark.parametrize("which", list(PROPOSES_FOR))
def test_a_change_is_proposed_on_behalf_of_the_responsible_bodies_the_person_leads(town, which):
    responsible, table = PROPOSES_FOR[which]
    check_bodies(town, rules.proposing_bodies_for, table, activity_of(*(town["bodies"][b] for b in responsible)))


@pytest.mark.parametrize("which", list(PROPOSES_FOR))
def test_a_change_is_proposed_by_the_secretariat_or_a_lead_of_a_responsible_body(town, which):
    responsible, table = PROPOSES_FOR[which]
    check(town, rules.can_propose_change, SECRETARIAT | set(table),
          activity_of(*(town["bodies"][b] for b in responsible)))


NEW_FOR = {
    "lead": ["wg-training"],
    "co_lead": ["wg-training"],
    "other_lead": ["wg-partnerships"],
    "sag_chair": ["sag"],
    "closing_lead": ["wg-closing"],
    "both_leads": ["wg-partnerships", "wg-training"],
}  # not the cluster's lead, nor a dissolved group's


def test_a_new_activity_is_proposed_on_behalf_of_the_working_groups_or_the_sag_the_person_leads(town):
    check_bodies(town, rules.proposing_bodies_for_new, NEW_FOR)


def test_a_new_activity_is_proposed_by_the_secretariat_or_a_lead_of_a_working_group_or_the_sag(town):
    check(town, rules.can_propose_activity, SECRETARIAT | set(NEW_FOR))


# --- who endorses and records the GLM's verdict -----------------------------------------------------------------------

SAG = {"sag_chair", "sag", "sag_proposer"}


def amendment(state: str, proposed_by_id: int | None = PROPOSER_ID) -> Amendment:
    return Amendment(state=state, proposed_by_id=proposed_by_id)


@pytest.mark.parametrize("state", list(AMENDMENT_STATES))
def test_a_sag_member_endorses_a_proposed_amendment_unless_they_proposed_it(town, state):
    check(town, rules.can_endorse, (SAG - {"sag_proposer"}) if state == "proposed" else set(), amendment(state))


def test_every_sag_member_endorses_an_amendment_nobody_is_named_as_proposing(town):
    """An imported revision's amendments (or a proposer whose account is gone) name nobody."""
    check(town, rules.can_endorse, SAG, amendment("proposed", None))


@pytest.mark.parametrize("state", list(AMENDMENT_STATES))
def test_the_secretariat_records_the_glm_s_verdict_on_an_endorsed_amendment_only(town, state):
    check(town, rules.can_record_glm, SECRETARIAT if state == "endorsed" else set(), amendment(state))


# --- the secretariat's own tasks ------------------------------------------------------------------------------------


def test_only_the_secretariat_imports_a_revision_of_the_plan(town):
    check(town, rules.can_import_revision, SECRETARIAT)


def test_only_the_secretariat_reviews_the_activities_without_an_accountable_body(town):
    check(town, rules.can_review_accountability, SECRETARIAT)


@pytest.mark.parametrize("which,active", [("wg", True), ("sag", True), ("closing", True), ("gone", False)])
def test_the_secretariat_hands_over_the_activities_of_a_body_not_yet_dissolved(town, which, active):
    check(town, rules.can_hand_over, SECRETARIAT if active else set(), town["bodies"][which])
