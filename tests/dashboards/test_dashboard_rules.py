"""The dashboard rule (sip/dashboards/permissions.py): anyone signed in and active sees the dashboards, nobody else."""
import pytest

from sip.dashboards import permissions as rules
from tests.rule_people import ANONYMOUS, body, someone


@pytest.fixture
def people(models):
    """The people (not saved)."""
    wg = body("wg-training")
    team = body("rome-support-team", "support_team")
    sag = body("sag", "advisory_group")
    return {
        "lead": someone((wg, "lead")),
        "member": someone((wg, "member")),
        "former_lead": someone((wg, "lead"), ended=True),
        "deactivated_lead": someone((wg, "lead"), active=False),
        "sag": someone((sag, "member")),
        "secretariat": someone((team, "member")),
        "former_secretariat": someone((team, "member"), ended=True),
        "deactivated_secretariat": someone((team, "member"), active=False),
        "admin": someone(admin=True),
        "deactivated_admin": someone(admin=True, active=False),
        "viewer": someone(),
        "anonymous": ANONYMOUS,
        "nobody": None,
    }


def test_anyone_signed_in_sees_the_dashboards_but_no_deactivated_account_nor_a_signed_out_visitor(people):
    sees = {who for who, user in people.items() if rules.can_view_dashboards(user) is True}
    refused = {who for who, user in people.items() if rules.can_view_dashboards(user) is False}
    assert sees == {"lead", "member", "former_lead", "sag", "secretariat", "former_secretariat", "admin", "viewer"}
    assert refused == set(people) - sees
