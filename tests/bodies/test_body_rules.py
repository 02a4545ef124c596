"""The body rules (sip/bodies/permissions.py): who sees a body, forms and dissolves working groups, names a focal point."""
from datetime import date, timedelta

import pytest

from sip.bodies import permissions as rules
from tests.rule_people import body, common_bodies, common_people, someone

YESTERDAY, TOMORROW = date.today() - timedelta(days=1), date.today() + timedelta(days=1)


@pytest.fixture
def town(models):
    """The bodies and people (not saved), in an app context whose SIP_PUBLIC_PLAN the tests may change."""
    wg, team, sag = common_bodies().values()
    bodies = {
        "wg": wg, "team": team, "sag": sag,
        "dissolved_wg": body("wg-old", dissolved_on=YESTERDAY),
        "dissolving_wg": body("wg-ending", dissolved_on=TOMORROW),  # dissolved from tomorrow: still active today
        "expired_wg": body("wg-late", mandate_ends_on=YESTERDAY),  # its mandate is over, yet it is not dissolved
        "cluster": body("glc", "cluster"),
        "country": body("country-support-teams", "country_teams"),
        "dissolved_cluster": body("old-cluster", "cluster", dissolved_on=YESTERDAY),
    }
    people = {**common_people(wg, team, sag), "sag_lead": someone((sag, "lead"))}
    with models.app_context():
        yield {"app": models, "bodies": bodies, "people": people}


def check(town, rule, table, *args) -> None:
    """Every person of the town against the expected answer: True for the people named in `table`, else False."""
    wrong = {who: not expected for who, user in town["people"].items()
             if (expected := who in table) is not rule(user, *args)}
    assert wrong == {}, f"{rule.__name__}{args}: people given the wrong answer (True expected: {sorted(table)})"


SIGNED_IN = {"lead", "member", "former_lead", "sag", "sag_lead", "secretariat", "team_lead", "former_secretariat",
             "admin", "viewer"}
SECRETARIAT = {"secretariat", "team_lead", "admin"}


@pytest.mark.parametrize("which", ["wg", "team", "cluster", "dissolved_wg"])
def test_a_body_s_page_is_public_while_the_plan_is(town, monkeypatch, which):
    monkeypatch.setitem(town["app"].config, "SIP_PUBLIC_PLAN", True)
    check(town, rules.can_view_body, set(town["people"]), town["bodies"][which])


@pytest.mark.parametrize("which", ["wg", "team", "cluster", "dissolved_wg"])
def test_a_body_s_page_is_for_anyone_signed_in_when_the_plan_is_not_public(town, monkeypatch, which):
    monkeypatch.setitem(town["app"].config, "SIP_PUBLIC_PLAN", False)
    check(town, rules.can_view_body, SIGNED_IN, town["bodies"][which])


def test_only_the_secretariat_forms_working_groups(town):
    check(town, rules.can_form_groups, SECRETARIAT)


@pytest.mark.parametrize("which", ["wg", "dissolving_wg", "expired_wg"])
def test_the_secretariat_dissolves_a_working_group_still_active(town, which):
    check(town, rules.can_dissolve, SECRETARIAT, town["bodies"][which])


@pytest.mark.parametrize("which", ["dissolved_wg", "team", "sag", "cluster", "country", "dissolved_cluster"])
def test_nobody_dissolves_a_dissolved_group_nor_a_body_that_is_not_a_working_group(town, which):
    check(town, rules.can_dissolve, set(), town["bodies"][which])


@pytest.mark.parametrize("which", ["cluster", "country", "dissolved_cluster"])
def test_the_secretariat_names_the_focal_point_of_a_body_that_is_not_a_group_of_people(town, which):
    check(town, rules.can_name_focal_point, SECRETARIAT, town["bodies"][which])


@pytest.mark.parametrize("which", ["wg", "team", "sag", "dissolved_wg"])
def test_nobody_names_a_focal_point_for_a_group_of_people(town, which):
    check(town, rules.can_name_focal_point, set(), town["bodies"][which])


@pytest.mark.parametrize("which", ["wg", "team", "sag", "cluster"])
def test_members_are_seen_by_anyone_signed_in_and_managed_by_the_secretariat(town, which):
    check(town, rules.can_view_members, SIGNED_IN, town["bodies"][which])
    check(town, rules.can_manage_members, SECRETARIAT, town["bodies"][which])
