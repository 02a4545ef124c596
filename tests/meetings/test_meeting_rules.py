"""The meetings rules (sip/meetings/permissions.py), rule by rule, as tables over every kind of person and object state."""
from datetime import date, datetime, timedelta, timezone

import pytest

from sip.meetings import permissions as rules
from sip.meetings.models import ActionPoint, Meeting, Minutes
from tests.rule_people import body, common_bodies, common_people, someone

OWNER_ID, DEACTIVATED_OWNER_ID = 5001, 5002
KINDS = ("glm", "sag", "wg", "other")
STATES = ("draft", "circulated", "endorsed")


@pytest.fixture
def town(models):
    """The bodies that hold meetings and one person per kind of person (not saved).

    Every rule table's kinds of person (`common_people`: the training group's lead and member, a former and a
    deactivated lead, a SAG member, the secretariat and its variants, a viewer, a signed-out visitor, no user), plus the
    training group's co-lead, another group's lead, the SAG's chair, the cluster's lead (the body of the GLM), a lead of
    a dissolved group and of one to be dissolved, and an action point's owner (and a deactivated one)."""
    yesterday = date.today() - timedelta(days=1)
    wg, team, sag = common_bodies().values()
    other = body("wg-partnerships")
    glc = body("glc", "cluster")
    gone = body("wg-gone", dissolved_on=yesterday)
    closing = body("wg-closing", dissolved_on=date.today() + timedelta(days=30))  # dissolved later: still active
    bodies = {"wg": wg, "other": other, "sag": sag, "team": team, "glc": glc, "gone": gone, "closing": closing}
    people = {
        **common_people(wg, team, sag),
        "co_lead": someone((wg, "co_lead")),
        "other_lead": someone((other, "lead"), (wg, "member")),  # leads another group, a mere member of this one
        "sag_chair": someone((sag, "lead")),
        "cluster_lead": someone((glc, "lead")),
        "gone_lead": someone((gone, "lead")),
        "closing_lead": someone((closing, "co_lead")),
        "owner": someone(user_id=OWNER_ID),
        "deactivated_owner": someone(user_id=DEACTIVATED_OWNER_ID, active=False),
    }
    return {"bodies": bodies, "people": people}


def check(town, rule, table: set, *args) -> None:
    """Every person of the town against the expected answer: True for the people named in `table`, else False."""
    wrong = {who: not expected for who, user in town["people"].items()
             if (expected := who in table) is not rule(user, *args)}
    assert wrong == {}, f"{rule.__name__}{args}: people given the wrong answer (True expected: {sorted(table)})"


def meeting(of, kind: str = "wg", *, past: bool = True, minutes: tuple[str, ...] = ()) -> Meeting:
    """A meeting of a body that began yesterday (or begins tomorrow), with revisions of minutes in these states."""
    starts = datetime.now(timezone.utc) + timedelta(days=-1 if past else 1)
    return Meeting(body=of, kind=kind, starts_at=starts,
                   minutes=[Minutes(state=state, revision=n) for n, state in enumerate(minutes, 1)])


SECRETARIAT = {"secretariat", "team_lead", "admin"}
TRAINING_LEADS = {"lead", "co_lead"}
SIGNED_IN = {"lead", "co_lead", "member", "former_lead", "other_lead", "sag_chair", "sag", "former_secretariat",
             "cluster_lead", "gone_lead", "closing_lead", "owner", "viewer"} | SECRETARIAT


# --- who leads a body, who belongs to it ---------------------------------------------------------------------------


def test_a_body_s_leads_are_its_lead_and_co_lead_today(town):
    check(town, rules.leads, TRAINING_LEADS, town["bodies"]["wg"])


def test_the_members_of_a_body_are_whoever_belongs_to_it_today_in_any_role(town):
    check(town, rules.belongs, TRAINING_LEADS | {"member", "other_lead"}, town["bodies"]["wg"])


def test_nobody_leads_or_belongs_to_no_body(town):
    check(town, rules.leads, set(), None)
    check(town, rules.belongs, set(), None)


# --- who sees meetings and who creates them ---------------------------------------------------------------------


def test_anyone_signed_in_sees_the_meetings(town):
    check(town, rules.can_view_meetings, SIGNED_IN)


def test_the_new_meeting_button_is_for_the_secretariat_and_the_leads_of_bodies_other_than_the_sag(town):
    """The button asks about no body: a lead of any body but the SAG (even of a dissolved one) gets it."""
    check(town, rules.can_create_meeting, SECRETARIAT | TRAINING_LEADS | {"other_lead", "cluster_lead", "gone_lead",
                                                                          "closing_lead"})


def test_the_sag_s_chair_with_a_lead_role_elsewhere_gets_the_new_meeting_button(town):
    chair = someone((town["bodies"]["sag"], "lead"), (town["bodies"]["other"], "co_lead"))
    assert rules.can_create_meeting(chair) is True
    assert rules.can_create_meeting(someone((town["bodies"]["sag"], "co_lead"))) is False


@pytest.mark.parametrize("kind", [None, "wg", "other"])
def test_a_group_s_lead_creates_the_group_s_own_meetings_but_no_other_body_s(town, kind):
    check(town, rules.can_create_meeting, SECRETARIAT | TRAINING_LEADS, town["bodies"]["wg"], kind)
    check(town, rules.can_create_meeting, SECRETARIAT | {"other_lead"}, town["bodies"]["other"], kind)


@pytest.mark.parametrize("kind", ["glm", "sag"])
def test_only_the_secretariat_creates_a_glm_plenary_or_a_sag_consultation_even_for_a_body_s_lead(town, kind):
    for which in ("wg", "sag", "glc"):
        check(town, rules.can_create_meeting, SECRETARIAT, town["bodies"][which], kind)


def test_the_sag_s_chair_may_create_a_meeting_of_the_sag_that_is_not_a_consultation(town):
    check(town, rules.can_create_meeting, SECRETARIAT | {"sag_chair"}, town["bodies"]["sag"], "other")


def test_a_dissolved_group_s_lead_creates_no_meeting_of_it_but_the_secretariat_still_may(town):
    check(town, rules.can_create_meeting, SECRETARIAT, town["bodies"]["gone"], "wg")


def test_a_group_to_be_dissolved_later_still_has_its_lead_create_its_meetings(town):
    check(town, rules.can_create_meeting, SECRETARIAT | {"closing_lead"}, town["bodies"]["closing"], "wg")


# --- who runs a meeting and writes its minutes ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("past", [True, False])
def test_the_secretariat_and_the_body_s_leads_manage_its_meetings_before_and_after_they_begin(town, kind, past):
    check(town, rules.can_manage_meeting, SECRETARIAT | TRAINING_LEADS, meeting(town["bodies"]["wg"], kind, past=past))


def test_the_sag_s_chair_manages_the_sag_s_consultations(town):
    check(town, rules.can_manage_meeting, SECRETARIAT | {"sag_chair"}, meeting(town["bodies"]["sag"], "sag"))


@pytest.mark.parametrize("kind", KINDS)
def test_minutes_are_written_by_who_manages_the_meeting_once_it_has_begun(town, kind):
    check(town, rules.can_write_minutes, SECRETARIAT | TRAINING_LEADS, meeting(town["bodies"]["wg"], kind))
    check(town, rules.can_write_minutes, set(), meeting(town["bodies"]["wg"], kind, past=False))


def test_a_meeting_that_begins_this_very_moment_has_begun(town):
    now = datetime.now(timezone.utc)
    starting = Meeting(body=town["bodies"]["wg"], kind="wg", starts_at=now)
    assert starting.is_past(now) is True
    assert rules.can_write_minutes(town["people"]["lead"], starting) is True


# --- who sees the minutes --------------------------------------------------------------------------------------------

SEES_MINUTES = {
    "draft": SECRETARIAT | TRAINING_LEADS,
    "circulated": SECRETARIAT | TRAINING_LEADS | {"member", "other_lead"},
    "endorsed": SIGNED_IN,
}


@pytest.mark.parametrize("state", STATES)
def test_who_sees_a_group_s_minutes_in_each_state(town, state):
    minutes = meeting(town["bodies"]["wg"], minutes=(state,)).current_minutes
    check(town, rules.can_view_minutes, SEES_MINUTES[state], minutes)


def test_circulated_sag_minutes_are_seen_by_the_sag_and_the_secretariat(town):
    minutes = meeting(town["bodies"]["sag"], "sag", minutes=("circulated",)).current_minutes
    check(town, rules.can_view_minutes, SECRETARIAT | {"sag_chair", "sag"}, minutes)


def test_nobody_sees_minutes_that_do_not_exist(town):
    check(town, rules.can_view_minutes, set(), None)


# --- who endorses the minutes ---------------------------------------------------------------------------------------

# Who endorses circulated minutes, by kind of meeting, for a meeting of the training group, of the SAG, of the cluster.
ENDORSES = {
    ("wg", "wg"): TRAINING_LEADS,
    ("sag", "sag"): {"sag_chair"},
    ("glm", "glc"): SECRETARIAT,
    ("other", "wg"): SECRETARIAT | TRAINING_LEADS,
    ("other", "sag"): SECRETARIAT | {"sag_chair"},
    ("other", "glc"): SECRETARIAT | {"cluster_lead"},
    # a meeting held by a body that is not its kind's: the kind decides
    ("glm", "wg"): SECRETARIAT,
    ("sag", "wg"): TRAINING_LEADS,
    ("wg", "glc"): {"cluster_lead"},
}


@pytest.mark.parametrize("kind,of", list(ENDORSES))
def test_who_endorses_circulated_minutes_for_each_kind_of_meeting(town, kind, of):
    check(town, rules.can_endorse_minutes, ENDORSES[kind, of], meeting(town["bodies"][of], kind, minutes=("circulated",)))


def test_only_the_chair_of_the_body_may_endorse_circulated_minutes_of_a_sag_consultation(town):
    """Not the secretariat, not a SAG member, not the lead of another body."""
    check(town, rules.can_endorse_minutes, {"sag_chair"}, meeting(town["bodies"]["sag"], "sag", minutes=("circulated",)))


@pytest.mark.parametrize("kind,of", list(ENDORSES))
@pytest.mark.parametrize("states", [(), ("draft",), ("endorsed",), ("circulated", "endorsed"), ("circulated", "draft")])
def test_nobody_endorses_minutes_that_are_not_circulated(town, kind, of, states):
    """No minutes, a draft, endorsed ones, or a correction not yet circulated after circulated ones."""
    check(town, rules.can_endorse_minutes, set(), meeting(town["bodies"][of], kind, minutes=states))


def test_a_circulated_correction_of_endorsed_minutes_is_endorsed_again(town):
    check(town, rules.can_endorse_minutes, TRAINING_LEADS, meeting(town["bodies"]["wg"], minutes=("endorsed", "circulated")))


# --- who records decisions and the GLM's verification -----------------------------------------------------------------

RECORDS_DECISIONS = {
    ("glm", "glc"): SECRETARIAT,
    ("glm", "wg"): SECRETARIAT,
    ("sag", "sag"): SECRETARIAT | {"sag_chair"},
    ("wg", "wg"): SECRETARIAT | TRAINING_LEADS,
    ("other", "wg"): SECRETARIAT | TRAINING_LEADS,
    ("other", "glc"): SECRETARIAT | {"cluster_lead"},
}


@pytest.mark.parametrize("kind,of", list(RECORDS_DECISIONS))
def test_who_records_a_meeting_s_decisions_once_it_has_begun(town, kind, of):
    check(town, rules.can_record_decision, RECORDS_DECISIONS[kind, of], meeting(town["bodies"][of], kind))


@pytest.mark.parametrize("kind,of", list(RECORDS_DECISIONS))
def test_nobody_records_decisions_of_a_meeting_that_has_not_begun(town, kind, of):
    check(town, rules.can_record_decision, set(), meeting(town["bodies"][of], kind, past=False))


def test_only_the_secretariat_records_the_verification_at_a_glm_that_has_begun(town):
    check(town, rules.can_record_verification, SECRETARIAT, meeting(town["bodies"]["glc"], "glm"))


@pytest.mark.parametrize("kind,of,past", [("glm", "glc", False), ("sag", "sag", True), ("wg", "wg", True),
                                         ("other", "glc", True)])
def test_nobody_records_a_verification_at_a_meeting_that_is_not_a_glm_or_has_not_begun(town, kind, of, past):
    check(town, rules.can_record_verification, set(), meeting(town["bodies"][of], kind, past=past))


# --- action points, calendars, missing minutes ----------------------------------------------------------------------


def test_an_action_point_is_updated_by_its_owner_the_body_s_leads_and_the_secretariat(town):
    point = ActionPoint(body=town["bodies"]["wg"], owner_id=OWNER_ID)
    check(town, rules.can_update_action_point, SECRETARIAT | TRAINING_LEADS | {"owner"}, point)


def test_a_deactivated_owner_no_longer_updates_their_action_point(town):
    point = ActionPoint(body=town["bodies"]["wg"], owner_id=DEACTIVATED_OWNER_ID)
    check(town, rules.can_update_action_point, SECRETARIAT | TRAINING_LEADS, point)


def test_an_action_point_without_an_owner_is_updated_by_the_body_s_leads_and_the_secretariat(town):
    point = ActionPoint(body=town["bodies"]["sag"], owner_id=None)
    check(town, rules.can_update_action_point, SECRETARIAT | {"sag_chair"}, point)


@pytest.mark.parametrize("which,leads", [("wg", TRAINING_LEADS), ("sag", {"sag_chair"}), ("team", set())])
def test_a_body_s_calendar_link_is_renewed_by_the_secretariat_or_its_leads(town, which, leads):
    check(town, rules.can_renew_body_calendar, SECRETARIAT | leads, town["bodies"][which])


def test_only_the_secretariat_is_shown_the_meetings_whose_minutes_are_missing(town):
    check(town, rules.sees_missing_minutes, SECRETARIAT)
