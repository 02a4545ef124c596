"""The dashboard rule (sip/dashboards/permissions.py): anyone signed in and active sees the dashboards, nobody else."""
import pytest

from sip.dashboards import permissions as rules
from tests.rule_people import common_bodies, common_people


@pytest.fixture
def people(models):
    """The people (not saved)."""
    wg, team, sag = common_bodies().values()
    return common_people(wg, team, sag)


def test_anyone_signed_in_sees_the_dashboards_but_no_deactivated_account_nor_a_signed_out_visitor(people):
    sees = {who for who, user in people.items() if rules.can_view_dashboards(user) is True}
    refused = {who for who, user in people.items() if rules.can_view_dashboards(user) is False}
    assert sees == {"lead", "member", "former_lead", "sag", "secretariat", "team_lead", "former_secretariat", "admin",
                    "viewer"}
    assert refused == set(people) - sees
