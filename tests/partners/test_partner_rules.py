"""The register's rules (sip/partners/permissions.py), rule by rule, as tables over every kind of person and organisation."""
from datetime import date, timedelta

import pytest

from sip.accounts.models import Organisation
from sip.partners import permissions as rules
from sip.partners.models import FocalPoint
from tests.rule_people import ANONYMOUS, body, someone

TODAY = date.today()
YEAR_AGO, YESTERDAY, TOMORROW, NEXT_MONTH = (TODAY - timedelta(days=365), TODAY - timedelta(days=1),
                                             TODAY + timedelta(days=1), TODAY + timedelta(days=30))
FOCAL, BODY_FOCAL, FORMER_FOCAL, FUTURE_FOCAL, DEACTIVATED_FOCAL, OTHER_FOCAL = 7001, 7002, 7003, 7004, 7005, 7006
ORGANISATIONS = {  # name: (id, kind, left on)
    "partner": (8001, "partner", None),
    "left": (8002, "partner", YESTERDAY),
    "leaving_today": (8003, "partner", TODAY),
    "leaving_tomorrow": (8004, "partner", TOMORROW),
    "stakeholder": (8005, "stakeholder", None),
    "unrepresented": (8006, "partner", None),
    "other": (8007, "partner", None),
}
REPRESENTED = ("partner", "left", "leaving_today", "leaving_tomorrow", "stakeholder")


@pytest.fixture
def town(models, monkeypatch):
    """The organisations, their focal points (held in memory: the query that reads them from the database is
    replaced by one that asks the same of these, through FocalPoint.in_force) and one person per kind of person.

    Each represented organisation has a focal point for the cluster, one in a body, one whose term ended yesterday,
    one who starts next month and one whose account is deactivated; the other partner has its own focal point."""
    wg = body("wg-training")
    team = body("rome-support-team", "support_team")
    organisations = {name: Organisation(id=id_, name=name, kind=kind, left_on=left_on)
                     for name, (id_, kind, left_on) in ORGANISATIONS.items()}
    points = [FocalPoint(organisation_id=organisations["other"].id, user_id=OTHER_FOCAL, since=YEAR_AGO)]
    for name in REPRESENTED:
        of = organisations[name].id
        points += [FocalPoint(organisation_id=of, user_id=FOCAL, since=YEAR_AGO),
                   FocalPoint(organisation_id=of, user_id=BODY_FOCAL, body_id=wg.id, since=TODAY),
                   FocalPoint(organisation_id=of, user_id=FORMER_FOCAL, since=YEAR_AGO, until=YESTERDAY),
                   FocalPoint(organisation_id=of, user_id=FUTURE_FOCAL, since=NEXT_MONTH),
                   FocalPoint(organisation_id=of, user_id=DEACTIVATED_FOCAL, since=YEAR_AGO)]

    def current_focal_point_ids(organisation, on=None):
        return {p.user_id for p in points if p.organisation_id == organisation.id and p.in_force(on)}

    monkeypatch.setattr("sip.partners.queries.current_focal_point_ids", current_focal_point_ids)
    people = {
        "focal": someone(user_id=FOCAL),
        "body_focal": someone((wg, "member"), user_id=BODY_FOCAL),
        "former_focal": someone(user_id=FORMER_FOCAL),
        "future_focal": someone(user_id=FUTURE_FOCAL),
        "deactivated_focal": someone(user_id=DEACTIVATED_FOCAL, active=False),
        "other_focal": someone(user_id=OTHER_FOCAL),
        "lead": someone((wg, "lead")),
        "secretariat": someone((team, "member")),
        "admin": someone(admin=True),
        "former_secretariat": someone((team, "member"), ended=True),
        "deactivated_secretariat": someone((team, "member"), active=False),
        "viewer": someone(),
        "anonymous": ANONYMOUS,
        "nobody": None,
    }
    return {"organisations": organisations, "people": people}


def check(town, rule, table: set, *args) -> None:
    """Every person of the town against the expected answer: True for the people named in `table`, else False."""
    wrong = {who: not expected for who, user in town["people"].items()
             if (expected := who in table) is not rule(user, *args)}
    assert wrong == {}, f"{rule.__name__}{args}: people given the wrong answer (True expected: {sorted(table)})"


SECRETARIAT = {"secretariat", "admin"}
SIGNED_IN = {"focal", "body_focal", "former_focal", "future_focal", "other_focal", "lead", "former_secretariat",
             "viewer"} | SECRETARIAT
EVERYONE = {"deactivated_focal", "deactivated_secretariat", "anonymous", "nobody"} | SIGNED_IN


# --- reading and downloading the register ---------------------------------------------------------------------------


@pytest.fixture
def plan_app(models, monkeypatch):
    """The app's context, in which the plan's (and so the register's) visibility is read from its configuration."""
    with models.app_context():
        yield lambda public: monkeypatch.setitem(models.config, "SIP_PUBLIC_PLAN", public)


@pytest.mark.parametrize("rule", [rules.can_view_register, rules.can_export_register])
def test_the_register_and_its_files_are_public_while_the_plan_is(town, plan_app, rule):
    plan_app(True)
    check(town, rule, EVERYONE)


@pytest.mark.parametrize("rule", [rules.can_view_register, rules.can_export_register])
def test_the_register_and_its_files_are_for_anyone_signed_in_when_the_plan_is_not_public(town, plan_app, rule):
    plan_app(False)
    check(town, rule, SIGNED_IN)


def test_anyone_signed_in_sees_the_participation_figures(town):
    check(town, rules.can_view_participation_figures, SIGNED_IN)


# --- changing the register, joining -------------------------------------------------------------------------------


@pytest.mark.parametrize("rule", [rules.can_manage_register, rules.can_decide_join_requests,
                                  rules.can_follow_commitments])
def test_only_the_secretariat_changes_the_register_decides_requests_and_follows_the_commitments(town, rule):
    check(town, rule, SECRETARIAT)


def test_anyone_signed_in_may_ask_to_join(town):
    check(town, rules.can_request_to_join, SIGNED_IN)


# --- focal points and the commitments -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", REPRESENTED)
def test_an_organisation_s_focal_points_today_are_those_in_force_whose_account_is_active(town, name):
    """For the cluster or in a body; not one whose term has ended or not begun, nor one deactivated."""
    check(town, rules.is_focal_point_of, {"focal", "body_focal"}, town["organisations"][name])


def test_an_organisation_s_focal_points_are_its_own(town):
    check(town, rules.is_focal_point_of, {"other_focal"}, town["organisations"]["other"])
    check(town, rules.is_focal_point_of, set(), town["organisations"]["unrepresented"])


@pytest.mark.parametrize("on,table", [(YESTERDAY, {"focal", "former_focal"}), (NEXT_MONTH, {"focal", "body_focal",
                                                                                             "future_focal"}),
                                      (TODAY, {"focal", "body_focal"})])
def test_whether_someone_is_a_focal_point_is_asked_of_the_day_given(town, on, table):
    check(town, rules.is_focal_point_of, table, town["organisations"]["partner"], on)


ACKNOWLEDGES = {
    "partner": {"focal", "body_focal"},
    "leaving_tomorrow": {"focal", "body_focal"},  # it has not left yet
    "left": set(),
    "leaving_today": set(),
    "stakeholder": set(),  # stakeholders are not asked
    "unrepresented": set(),
    "other": {"other_focal"},
}


@pytest.mark.parametrize("name", list(ACKNOWLEDGES))
def test_a_focal_point_of_a_partner_that_has_not_left_acknowledges_the_commitments_for_it(town, name):
    check(town, rules.can_acknowledge_commitments, ACKNOWLEDGES[name], town["organisations"][name])


def test_nobody_acknowledges_the_commitments_for_no_organisation(town):
    check(town, rules.can_acknowledge_commitments, set(), None)
