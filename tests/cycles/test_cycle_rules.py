"""The strategy-cycle rules (sip/cycles/permissions.py): who prepares, opens and closes strategies, who reads the closing report."""
import pytest

from sip.cycles import permissions as rules
from tests.rule_people import common_bodies, common_people, someone


@pytest.fixture
def people(models):
    """The people (not saved)."""
    wg, team, sag = common_bodies().values()
    return {
        **common_people(wg, team, sag),
        "sag_lead": someone((sag, "lead")),
    }


def check(people, rule, table) -> None:
    """Every person against the expected answer: True for the people named in `table`, else False."""
    wrong = {who: not expected for who, user in people.items() if (expected := who in table) is not rule(user)}
    assert wrong == {}, f"{rule.__name__}: people given the wrong answer (True expected: {sorted(table)})"


def test_only_the_secretariat_today_and_active_manages_the_strategies(people):
    check(people, rules.can_manage_cycles, {"secretariat", "team_lead", "admin"})


def test_anyone_signed_in_reads_the_closing_report_but_no_deactivated_or_signed_out_reader(people):
    check(people, rules.can_view_closing_report, {"lead", "member", "former_lead", "sag", "sag_lead", "secretariat",
                                                  "team_lead", "former_secretariat", "admin", "viewer"})
