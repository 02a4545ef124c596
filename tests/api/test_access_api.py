"""Who may reach the API, its reference, the token pages and the personal-data pages: every route × every role
(signed in with the browser's session, which the read API honours as the pages do; tokens: tests/api/test_tokens.py)."""
import pytest

from tests.test_access import ROLES, snapshot, test_access as _matrix_check, world  # noqa: F401

EVERYONE = dict.fromkeys(ROLES, 200)
SIGNED_IN = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)}
TOKEN_OR_SESSION = {"anonymous": 401, **dict.fromkeys(ROLES[1:], 200)}
NOT_FOUND_SIGNED_IN = {"anonymous": 401, **dict.fromkeys(ROLES[1:], 404)}

# This module's routes in tests/test_access.py's format: (endpoint, method, path, form data, status per role).
MATRIX = [
    ("api.strategies", "GET", "/api/v1/strategies", None, EVERYONE),
    ("api.pillars", "GET", "/api/v1/pillars", None, EVERYONE),
    ("api.activities", "GET", "/api/v1/activities?status=planned&pillar=1", None, EVERYONE),
    ("api.activity", "GET", "/api/v1/activities/3.1.1.2", None, EVERYONE),
    ("api.bodies", "GET", "/api/v1/bodies", None, EVERYONE),
    ("api.periods", "GET", "/api/v1/periods", None, EVERYONE),
    ("api.updates", "GET", "/api/v1/updates", None, EVERYONE),
    ("api.reports", "GET", "/api/v1/reports", None, TOKEN_OR_SESSION),
    ("api.report", "GET", "/api/v1/reports/2026-Q4/wg-training", None, NOT_FOUND_SIGNED_IN),
    ("api.versions", "GET", "/api/v1/versions", None, EVERYONE),
    ("api.version_diff", "GET", "/api/v1/versions/2023-11/diff/2023-11", None, EVERYONE),
    ("api.amendments", "GET", "/api/v1/amendments", None, TOKEN_OR_SESSION),
    ("api.amendment", "GET", "/api/v1/amendments/1", None, NOT_FOUND_SIGNED_IN),
    ("api.iati", "GET", "/api/v1/iati.xml", None, EVERYONE),
    ("api_web.openapi_json", "GET", "/api/v1/openapi.json", None, EVERYONE),
    ("api_web.index", "GET", "/api", None, dict.fromkeys(ROLES, 308)),
    ("api_web.reference", "GET", "/api/v1/docs", None, EVERYONE),
    ("api_web.create_token", "POST", "/account/tokens", {"token-name": "Partner dashboard", "token-days": "90"},
     {"anonymous": 302, **dict.fromkeys(ROLES[1:], 201)}),
    ("api_web.revoke_token", "POST", "/account/tokens/999/revoke", {}, {"anonymous": 302, **dict.fromkeys(ROLES[1:], 404)}),
    ("privacy.notice", "GET", "/privacy", None, EVERYONE),
    ("privacy.my_data_download", "GET", "/account/my-data.json", None, SIGNED_IN),
    ("privacy.erase", "POST", "/admin/people/{target}/erase", {"confirm": "y", "rationale": "Asked by e-mail"},
     {"anonymous": 302, **dict.fromkeys(ROLES[1:-1], 403), "secretariat": 302}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method,path,data,expected", MATRIX, ids=[f"{m} {p}" for _, m, p, _, _ in MATRIX])
def test_access(seeded, world, monkeypatch, role, endpoint, method, path, data, expected):
    _matrix_check(seeded, world, monkeypatch, role, endpoint, method, path, data, expected)
