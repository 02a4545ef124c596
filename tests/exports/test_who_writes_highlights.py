"""Only the secretariat writes a GLM's highlights: the rule, person by person, and the exports page, where the SAG
(who may export the pack) is not offered the highlights form the secretariat is offered."""
import pytest

from sip.exports.permissions import can_edit_highlights
from tests.exports.test_pack_pages import client_as, world  # noqa: F401  world is a fixture
from tests.rule_people import ANONYMOUS, body, someone

FORM_LINK = 'href="/exports/highlights/2026-Q4"'


def people() -> dict:
    """One person per kind of reader (not saved)."""
    team = body("rome-support-team", "support_team")
    sag = body("sag", "advisory_group")
    return {
        "secretariat": someone((team, "member")),
        "secretariat_lead": someone((team, "lead")),
        "admin": someone(admin=True),  # an admin is the secretariat (sip/accounts/permissions.py is_secretariat)
        "working_group_lead": someone((body("wg-training"), "lead")),
        "sag_member": someone((sag, "member")),
        "sag_chair": someone((sag, "lead")),
        "viewer": someone(),
        "former_secretariat": someone((team, "member"), ended=True),
        "deactivated_secretariat": someone((team, "member"), active=False),
        "deactivated_admin": someone(admin=True, active=False),
        "anonymous": ANONYMOUS,
        "nobody": None,
    }


WHO = ["secretariat", "secretariat_lead", "admin", "working_group_lead", "sag_member", "sag_chair", "viewer",
       "former_secretariat", "deactivated_secretariat", "deactivated_admin", "anonymous", "nobody"]
WRITES = {"secretariat", "secretariat_lead", "admin"}


@pytest.mark.parametrize("who", WHO)
def test_only_the_secretariat_may_edit_highlights(models, who):
    assert can_edit_highlights(people()[who]) is (who in WRITES)


def test_the_sag_exports_the_pack_but_is_not_offered_the_highlights_form(seeded, world):
    sag = client_as(seeded, world, "sag")
    page = sag.get("/exports")
    assert page.status_code == 200 and FORM_LINK not in page.get_data(as_text=True)
    assert sag.get("/exports/highlights/2026-Q4").status_code == 403
    secretariat = client_as(seeded, world, "secretariat")  # the control: the same page offers it to the secretariat
    assert FORM_LINK in secretariat.get("/exports").get_data(as_text=True)
    assert secretariat.get("/exports/highlights/2026-Q4").status_code == 200
