"""The plan rules (sip/plan/permissions.py): who reads the plan, public or not, and who reads a draft strategy."""
import pytest

from sip.plan import permissions as rules
from tests.rule_people import common_bodies, common_people


@pytest.fixture
def town(models):
    """The people (not saved), in an app context whose SIP_PUBLIC_PLAN the tests may change."""
    wg, team, sag = common_bodies().values()
    people = common_people(wg, team, sag)
    with models.app_context():
        yield {"app": models, "people": people}


def check(town, rule, table, *args) -> None:
    """Every person of the town against the expected answer: True for the people named in `table`, else False."""
    wrong = {who: not expected for who, user in town["people"].items()
             if (expected := who in table) is not rule(user, *args)}
    assert wrong == {}, f"{rule.__name__}{args}: people given the wrong answer (True expected: {sorted(table)})"


SIGNED_IN = {"lead", "member", "former_lead", "sag", "secretariat", "team_lead", "former_secretariat", "admin",
             "viewer"}
EVERYONE = set(SIGNED_IN) | {"deactivated_lead", "deactivated_secretariat", "deactivated_admin", "anonymous",
                             "nobody"}


def test_a_public_plan_is_read_by_everyone_even_signed_out(town, monkeypatch):
    monkeypatch.setitem(town["app"].config, "SIP_PUBLIC_PLAN", True)
    check(town, rules.can_view_plan, EVERYONE)


def test_a_plan_that_is_not_public_is_read_by_anyone_signed_in_only(town, monkeypatch):
    monkeypatch.setitem(town["app"].config, "SIP_PUBLIC_PLAN", False)
    check(town, rules.can_view_plan, SIGNED_IN)


def test_a_plan_whose_setting_is_missing_is_public(town, monkeypatch):
    monkeypatch.delitem(town["app"].config, "SIP_PUBLIC_PLAN")
    check(town, rules.can_view_plan, EVERYONE)


def test_a_setting_held_as_a_string_or_number_still_answers_true_or_false(town, monkeypatch):
    monkeypatch.setitem(town["app"].config, "SIP_PUBLIC_PLAN", "1")
    check(town, rules.can_view_plan, EVERYONE)
    monkeypatch.setitem(town["app"].config, "SIP_PUBLIC_PLAN", 0)
    check(town, rules.can_view_plan, SIGNED_IN)


@pytest.mark.parametrize("public", [True, False])
def test_a_draft_strategy_is_read_by_the_secretariat_only_public_plan_or_not(town, monkeypatch, public):
    monkeypatch.setitem(town["app"].config, "SIP_PUBLIC_PLAN", public)
    check(town, rules.can_view_drafts, {"secretariat", "team_lead", "admin"})
