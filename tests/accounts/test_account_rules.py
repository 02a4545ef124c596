"""The account rules (sip/accounts/permissions.py), function by function, as tables over the kinds of person that tell their branches apart."""
from types import SimpleNamespace

import pytest

from sip.accounts import permissions as rules
from tests.rule_people import body, common_bodies, common_people, someone


@pytest.fixture
def town(models):
    """The bodies and people (not saved): a working group, the Rome support team (the secretariat), the SAG."""
    wg, team, sag = common_bodies().values()
    other_wg = body("wg-data")
    people = {
        **common_people(wg, team, sag),
        "co_lead": someone((wg, "co_lead")),
        "other_member": someone((other_wg, "member")),
        "sag_lead": someone((sag, "lead")),
        "deactivated_sag": someone((sag, "member"), active=False),
        "all_hats": someone((team, "member"), (sag, "member"), (wg, "lead"), (other_wg, "member")),
    }
    return {"bodies": {"wg": wg, "other_wg": other_wg, "team": team, "sag": sag}, "people": people}


def check(town, rule, table, *args) -> None:
    """Every person of the town against the expected answer: True for the people named in `table`, else False."""
    wrong = {who: not expected for who, user in town["people"].items()
             if (expected := who in table) is not bool(rule(user, *args))}
    assert wrong == {}, f"{rule.__name__}{args}: people given the wrong answer (True expected: {sorted(table)})"


def answers(town, rule, *args) -> dict:
    """What the rule answers for each person of the town."""
    return {who: rule(user, *args) for who, user in town["people"].items()}


SIGNED_IN = {"lead", "co_lead", "member", "other_member", "former_lead", "sag", "sag_lead", "secretariat",
             "team_lead", "former_secretariat", "admin", "all_hats", "viewer"}
SECRETARIAT = {"secretariat", "team_lead", "admin", "all_hats"}


# --- who is signed in, and what they belong to ----------------------------------------------------------------------


def test_only_an_active_authenticated_account_is_signed_in(town):
    check(town, rules.is_signed_in, SIGNED_IN)


def test_something_that_does_not_say_it_is_authenticated_is_not_signed_in():
    assert rules.is_signed_in(SimpleNamespace(id=1, is_active=True)) is False
    assert rules.is_signed_in(SimpleNamespace(id=1, is_authenticated=False, is_active=True)) is False
    assert rules.is_signed_in(SimpleNamespace(id=1, is_authenticated=True, is_active=True)) is True  # the control


def test_the_rules_answer_true_or_false_never_a_borrowed_value():
    account = SimpleNamespace(id=1, is_authenticated=1, is_active=1)
    assert rules.is_signed_in(account) is True
    assert rules.is_signed_in(SimpleNamespace(id=1, is_authenticated=1, is_active=0)) is False
    assert rules.is_signed_in(SimpleNamespace(id=1, is_authenticated=None, is_active=1)) is False


def test_a_person_belongs_to_the_bodies_of_their_memberships_in_force_and_only_while_signed_in(town):
    assert answers(town, rules.bodies_of) == {
        "lead": {"wg-training"}, "co_lead": {"wg-training"}, "member": {"wg-training"}, "other_member": {"wg-data"},
        "former_lead": set(), "deactivated_lead": set(), "sag": {"sag"}, "sag_lead": {"sag"},
        "deactivated_sag": set(), "secretariat": {"rome-support-team"}, "team_lead": {"rome-support-team"},
        "former_secretariat": set(), "deactivated_secretariat": set(), "admin": set(), "deactivated_admin": set(),
        "all_hats": {"rome-support-team", "sag", "wg-training", "wg-data"}, "viewer": set(), "anonymous": set(),
        "nobody": set(),
    }


def test_the_bodies_a_person_leads_are_those_where_they_hold_a_lead_role(town):
    led = answers(town, rules.bodies_of, rules.LEAD_ROLES)
    assert {who: slugs for who, slugs in led.items() if slugs} == {
        "lead": {"wg-training"}, "co_lead": {"wg-training"}, "sag_lead": {"sag"}, "team_lead": {"rome-support-team"},
        "all_hats": {"wg-training"},
    }
    assert answers(town, rules.bodies_of, ("member",))["all_hats"] == {"rome-support-team", "sag", "wg-data"}


# --- the secretariat and the SAG -------------------------------------------------------------------------------------


def test_the_secretariat_is_the_support_team_today_and_the_admins_both_still_active(town):
    check(town, rules.is_secretariat, SECRETARIAT)


def test_a_sag_member_is_whoever_belongs_to_the_sag_today_while_active(town):
    check(town, rules.is_sag_member, {"sag", "sag_lead", "all_hats"})


def test_an_admin_flag_held_as_a_number_still_makes_the_secretariat():
    account = SimpleNamespace(id=1, is_authenticated=True, is_active=True, is_admin=1, current_memberships=list)
    assert rules.is_secretariat(account) is True


def test_the_roles_named_for_each_person(town):
    assert answers(town, rules.role_names) == {
        "lead": ["lead"], "co_lead": ["lead"], "member": ["member"], "other_member": ["member"],
        "former_lead": ["viewer"], "deactivated_lead": [], "sag": ["sag"], "sag_lead": ["sag"],
        "deactivated_sag": [], "secretariat": ["secretariat"], "team_lead": ["secretariat"],
        "former_secretariat": ["viewer"], "deactivated_secretariat": [], "admin": ["secretariat"],
        "deactivated_admin": [], "all_hats": ["secretariat", "sag", "lead", "member"], "viewer": ["viewer"],
        "anonymous": [], "nobody": [],
    }


def test_a_person_who_leads_one_group_and_is_a_member_of_another_is_named_both(town):
    wg, other = town["bodies"]["wg"], town["bodies"]["other_wg"]
    assert rules.role_names(someone((wg, "co_lead"), (other, "member"))) == ["lead", "member"]
    assert rules.role_names(someone((wg, "lead"), (other, "lead"))) == ["lead"]
    assert rules.role_names(someone((wg, "lead"), (other, "member"), ended=True)) == ["viewer"]


# --- what each may do ------------------------------------------------------------------------------------------------


def test_only_the_secretariat_administers_people(town):
    check(town, rules.can_administer, SECRETARIAT)


def test_anyone_signed_in_sees_their_own_account(town):
    check(town, rules.can_view_account, SIGNED_IN)


@pytest.mark.parametrize("which", ["wg", "team", "sag"])
def test_anyone_signed_in_sees_who_belongs_to_a_body(town, which):
    check(town, rules.can_view_members, SIGNED_IN, town["bodies"][which])


@pytest.mark.parametrize("which", ["wg", "team", "sag"])
def test_only_the_secretariat_manages_a_body_s_members(town, which):
    check(town, rules.can_manage_members, SECRETARIAT, town["bodies"][which])


def test_only_the_secretariat_reads_the_audit_trail(town):
    check(town, rules.can_view_audit_trail, SECRETARIAT)


def test_anyone_signed_in_manages_their_own_two_step_sign_in(town):
    check(town, rules.can_manage_own_mfa, SIGNED_IN)


# --- whose contact details -------------------------------------------------------------------------------------------


def test_a_group_member_s_contact_is_seen_by_the_secretariat_and_the_group_today(town):
    person = someone((town["bodies"]["wg"], "member"))
    check(town, rules.can_view_contact, SECRETARIAT | {"lead", "co_lead", "member"}, person)


def test_the_contact_of_someone_whose_membership_ended_is_the_secretariat_s_only(town):
    person = someone((town["bodies"]["wg"], "member"), ended=True)
    check(town, rules.can_view_contact, SECRETARIAT, person)


def test_the_contact_of_someone_in_no_body_is_the_secretariat_s_only(town):
    check(town, rules.can_view_contact, SECRETARIAT, someone())


def test_a_sag_member_s_contact_is_seen_by_the_sag_and_the_secretariat(town):
    person = someone((town["bodies"]["sag"], "member"))
    check(town, rules.can_view_contact, SECRETARIAT | {"sag", "sag_lead"}, person)


def test_everyone_signed_in_sees_their_own_contact(town):
    mine = {who for who, user in town["people"].items() if rules.can_view_contact(user, user)}
    assert mine == SIGNED_IN


# --- resetting someone's two-step sign-in ---------------------------------------------------------------------------


def test_the_secretariat_resets_someone_else_s_two_step_sign_in(town):
    check(town, rules.can_reset_mfa, SECRETARIAT, someone((town["bodies"]["wg"], "member")))


def test_nobody_resets_their_own_two_step_sign_in(town):
    assert {who for who, user in town["people"].items() if user and rules.can_reset_mfa(user, user)} == set()


def test_nobody_resets_the_two_step_sign_in_of_no_one(town):
    check(town, rules.can_reset_mfa, set(), None)
