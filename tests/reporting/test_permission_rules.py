"""The reporting rules (sip/reporting/permissions.py), function by function, with the people that tell their branches
apart: the common people of tests/rule_people.py (a group's lead and member, a former and a deactivated lead, the SAG,
the secretariat with its lead, a former and a deactivated member, an admin and a deactivated admin, a viewer, a
signed-out visitor and no user at all), with a co-lead, a focal point and a deactivated focal point.

The bodies: a working group (its lead and co-lead submit, its members write), the Rome support team (no lead: any
member submits; it is also the secretariat), the SAG, the cluster (a focal point files), the country teams (the
secretariat files on their behalf) and a body that is not a group of people and has neither."""
import pytest

from sip.reporting import permissions as rules
from sip.reporting.models import GroupReport, ReportingPeriod
from tests.rule_people import body, common_bodies, common_people, someone

FOCAL_ID, FORMER_FOCAL_ID = 4001, 4002


@pytest.fixture
def town(models):
    """The bodies and people (not saved)."""
    wg, team, sag = common_bodies().values()
    bodies = {
        "wg": wg, "team": team, "sag": sag,
        "cluster": body("glc", "cluster", focal_point_id=FOCAL_ID),
        "country": body("country-support-teams", "country_teams", reported_by_secretariat=True),
        "orphan": body("unreported", "country_teams"),
        "left_focal": body("old-cluster", "cluster", focal_point_id=FORMER_FOCAL_ID),
        "wg_with_focal": body("wg-odd", focal_point_id=FOCAL_ID),  # a group of people: a focal point counts for nothing
    }
    people = {
        **common_people(wg, team, sag),
        "co_lead": someone((wg, "co_lead")),
        "focal": someone(user_id=FOCAL_ID),
        "deactivated_focal": someone(user_id=FORMER_FOCAL_ID, active=False),
    }
    return {"bodies": bodies, "people": people}


def report(state: str) -> GroupReport:
    return GroupReport(state=state)


def period(state: str = "open") -> ReportingPeriod:
    return ReportingPeriod(state=state)


def check(town, rule, table: dict, *args) -> None:
    """Every person of the town against the expected answer: True for the people named in `table`, else False."""
    wrong = {who: not expected for who, user in town["people"].items()
             if (expected := who in table) is not bool(rule(user, *args))}
    assert wrong == {}, f"{rule.__name__}{args}: people given the wrong answer (True expected: {sorted(table)})"


# --- who belongs, who leads, who is a focal point ------------------------------------------------------------


def test_a_member_of_a_body_is_whoever_belongs_to_it_today(town):
    check(town, rules.is_member_of, {"lead", "co_lead", "member"}, town["bodies"]["wg"])


def test_a_lead_of_a_body_is_its_lead_or_co_lead_today(town):
    check(town, rules.is_lead_of, {"lead", "co_lead"}, town["bodies"]["wg"])


def test_the_focal_point_is_the_person_named_by_a_body_that_is_not_a_group_of_people(town):
    check(town, rules.is_focal_point_of, {"focal"}, town["bodies"]["cluster"])


def test_a_deactivated_focal_point_is_no_longer_the_focal_point(town):
    check(town, rules.is_focal_point_of, set(), town["bodies"]["left_focal"])


def test_a_group_of_people_has_no_focal_point_even_if_one_is_named(town):
    check(town, rules.is_focal_point_of, set(), town["bodies"]["wg_with_focal"])


def test_a_body_without_a_focal_point_has_none(town):
    check(town, rules.is_focal_point_of, set(), town["bodies"]["country"])


# --- who writes and who submits ---------------------------------------------------------------------------------

FILES = {
    "wg": {"lead", "co_lead", "member"},
    "team": {"secretariat", "team_lead"},  # its members (the admin is the secretariat, not a member of the team)
    "sag": {"sag"},
    "cluster": {"focal"},
    "country": {"secretariat", "team_lead", "admin"},  # reported by the secretariat on its behalf
    "orphan": set(),
    "left_focal": set(),
    "wg_with_focal": set(),
}
SUBMITS = {**FILES, "wg": {"lead", "co_lead"}, "sag": set()}


@pytest.mark.parametrize("which", list(FILES))
def test_who_files_each_body_s_report(town, which):
    check(town, rules.files_report_for, FILES[which], town["bodies"][which])


@pytest.mark.parametrize("which", list(SUBMITS))
def test_who_submits_each_body_s_report(town, which):
    check(town, rules.submits_for, SUBMITS[which], town["bodies"][which])


SIGNED_IN = {"lead", "co_lead", "member", "former_lead", "sag", "secretariat", "team_lead", "admin",
             "former_secretariat", "focal", "viewer"}


def test_anyone_signed_in_may_open_the_reports_pages(town):
    check(town, rules.can_view_reports, SIGNED_IN)


# --- who sees a report --------------------------------------------------------------------------------------------

SECRETARIAT = {"secretariat", "team_lead", "admin"}
WG_FILERS = {"lead", "co_lead", "member"}
SEES_WG_REPORT = {
    "draft": SECRETARIAT | WG_FILERS,
    "submitted": SECRETARIAT | WG_FILERS | {"sag"},
    "returned": SECRETARIAT | WG_FILERS | {"sag"},
    "accepted": SIGNED_IN,
}


@pytest.mark.parametrize("state", list(SEES_WG_REPORT))
def test_who_sees_a_group_s_report_in_each_state(town, state):
    check(town, rules.can_view_report, SEES_WG_REPORT[state], town["bodies"]["wg"], report(state))


def test_before_a_report_exists_only_the_secretariat_and_its_writers_see_its_page(town):
    check(town, rules.can_view_report, SECRETARIAT | WG_FILERS, town["bodies"]["wg"], None)


def test_a_focal_point_sees_its_body_s_draft(town):
    check(town, rules.can_view_report, SECRETARIAT | {"focal"}, town["bodies"]["cluster"], report("draft"))


# --- who writes, submits, reviews and comments -----------------------------------------------------------------


@pytest.mark.parametrize("state", [None, "draft", "returned"])
def test_the_group_s_members_write_while_the_period_is_open_and_the_report_editable(town, state):
    check(town, rules.can_edit_report, WG_FILERS, town["bodies"]["wg"], state and report(state), period())


@pytest.mark.parametrize("state", ["submitted", "accepted"])
def test_nobody_writes_a_report_past_its_draft(town, state):
    check(town, rules.can_edit_report, set(), town["bodies"]["wg"], report(state), period())


@pytest.mark.parametrize("period_state", ["upcoming", "closed"])
def test_nobody_writes_while_the_period_is_not_open(town, period_state):
    check(town, rules.can_edit_report, set(), town["bodies"]["wg"], report("draft"), period(period_state))
    check(town, rules.can_edit_report, set(), town["bodies"]["wg"], None, period(period_state))


@pytest.mark.parametrize("which", ["wg", "team", "cluster", "country", "sag"])
def test_who_submits_a_draft_while_the_period_is_open(town, which):
    check(town, rules.can_submit_report, SUBMITS[which], town["bodies"][which], report("draft"), period())


def test_nobody_submits_a_submitted_report_nor_while_the_period_is_closed(town):
    check(town, rules.can_submit_report, set(), town["bodies"]["wg"], report("submitted"), period())
    check(town, rules.can_submit_report, set(), town["bodies"]["wg"], report("draft"), period("closed"))


def test_the_secretariat_reviews_a_submitted_report_only(town):
    check(town, rules.can_review_report, SECRETARIAT, report("submitted"))
    for state in ("draft", "returned", "accepted"):
        check(town, rules.can_review_report, set(), report(state))
    check(town, rules.can_review_report, set(), None)


@pytest.mark.parametrize("state, commenters", [
    ("draft", SECRETARIAT | WG_FILERS),
    ("submitted", SECRETARIAT | WG_FILERS | {"sag"}),
    ("returned", SECRETARIAT | WG_FILERS | {"sag"}),
    ("accepted", SECRETARIAT | WG_FILERS | {"sag"}),
])
def test_who_comments_on_a_group_s_report(town, state, commenters):
    check(town, rules.can_comment, commenters, town["bodies"]["wg"], report(state))


def test_nobody_comments_on_a_report_that_does_not_exist(town):
    check(town, rules.can_comment, set(), town["bodies"]["wg"], None)


def test_internal_comments_and_periods_are_the_secretariat_s(town):
    check(town, rules.can_see_internal_comments, SECRETARIAT)
    check(town, rules.can_manage_periods, SECRETARIAT)
