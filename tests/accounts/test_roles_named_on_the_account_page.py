"""The account page names the roles a person holds today: secretariat, SAG member, working-group lead or member,
or viewer when none; the SAG and the secretariat are not counted as working groups."""
import re

import pytest

from tests.conftest import log_in
from tests.helpers import page_text

SECRETARIAT = "Rome support team (secretariat)"
SAG = "SAG member"
LEAD = "Working-group lead"
MEMBER = "Working-group member"
VIEWER = "Viewer"


def roles_shown(client, app, make_user, bodies=(), admin=False) -> list[str]:
    """The role labels on the account page of a person with these memberships."""
    log_in(client, make_user(bodies=bodies, admin=admin, language="en"))
    html = page_text(client.get("/account?lang=en"))
    return re.findall(r'<span class="role">([^<]*)</span>', html)


@pytest.mark.parametrize(("bodies", "admin", "expected"), [
    ((), False, [VIEWER]),
    ((), True, [SECRETARIAT]),
    ((("rome-support-team", "member"),), False, [SECRETARIAT]),
    ((("sag", "member"),), False, [SAG]),
    ((("sag", "lead"),), False, [SAG]),  # leading the SAG is not leading a working group
    ((("wg-training", "lead"),), False, [LEAD]),
    ((("wg-training", "co_lead"),), False, [LEAD]),
    ((("wg-training", "member"),), False, [MEMBER]),
    ((("wg-training", "lead"), ("wg-data", "member")), False, [LEAD, MEMBER]),
    ((("sag", "member"), ("wg-training", "member")), False, [SAG, MEMBER]),
    ((("rome-support-team", "lead"), ("sag", "member"), ("wg-data", "lead")), False, [SECRETARIAT, SAG, LEAD]),
])
def test_the_account_page_names_each_role_held_today(app, client, make_user, bodies, admin, expected):
    assert roles_shown(client, app, make_user, bodies, admin) == expected
