"""The API rules (sip/api/permissions.py): who holds tokens, reads the reference, downloads their data and erases a person's."""
import pytest

from sip.api import permissions as rules
from tests.rule_people import common_bodies, common_people, someone


@pytest.fixture
def town(models):
    """The people (not saved)."""
    wg, team, sag = common_bodies().values()
    return {"wg": wg, "people": common_people(wg, team, sag)}


def check(town, rule, table, *args) -> None:
    """Every person of the town against the expected answer: True for the people named in `table`, else False."""
    wrong = {who: not expected for who, user in town["people"].items()
             if (expected := who in table) is not rule(user, *args)}
    assert wrong == {}, f"{rule.__name__}{args}: people given the wrong answer (True expected: {sorted(table)})"


SIGNED_IN = {"lead", "member", "former_lead", "sag", "secretariat", "team_lead", "former_secretariat", "admin",
             "viewer"}
SECRETARIAT = {"secretariat", "team_lead", "admin"}


def test_anyone_signed_in_and_active_manages_their_own_tokens(town):
    check(town, rules.can_manage_tokens, SIGNED_IN)


def test_the_api_reference_is_public_even_to_the_signed_out_and_the_deactivated(town):
    check(town, rules.can_read_api_reference, set(town["people"]))


def test_anyone_signed_in_downloads_their_own_data(town):
    check(town, rules.can_view_own_data, SIGNED_IN)


def test_the_secretariat_erases_someone_else_s_personal_data(town):
    check(town, rules.can_erase_person, SECRETARIAT, someone((town["wg"], "member")))


def test_the_secretariat_erases_a_deactivated_person_s_data_too(town):
    check(town, rules.can_erase_person, SECRETARIAT, someone((town["wg"], "member"), active=False))


def test_nobody_erases_their_own_personal_data(town):
    assert {who for who, user in town["people"].items() if user and rules.can_erase_person(user, user)} == set()


def test_nobody_erases_the_data_of_no_one(town):
    check(town, rules.can_erase_person, set(), None)
