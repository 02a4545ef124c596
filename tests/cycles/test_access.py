"""Who may reach the strategies page and the end-of-strategy report; and every route of the cycles domain is in one
of its access matrices (this one, the carry-over and closing pages', the import pages')."""
import pytest

from tests.cycles.test_carry_over import people  # noqa: F401
from tests.cycles.test_cycle_pages import MATRIX as CLOSING, client_as
from tests.cycles.test_import_pages import MATRIX as IMPORT
from tests.test_access import ROLES, SECRETARIAT_READ

SIGNED_IN = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)}

# (endpoint, method, path, form data, expected status per role), for tests/test_access.py's every_entry().
MATRIX = [
    ("cycles.index", "GET", "/strategies", None, SECRETARIAT_READ),
    ("cycles.report", "GET", "/strategies/2022-2026/report", None, SIGNED_IN),
    ("cycles.report_csv", "GET", "/strategies/2022-2026/report/statuses.csv", None, SIGNED_IN),
    ("cycles.report_pdf", "GET", "/strategies/2022-2026/report.pdf?lang=en", None, SIGNED_IN),
    ("cycles.report_xlsx", "GET", "/strategies/2022-2026/report.xlsx?lang=fr", None, SIGNED_IN),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method,path,data,expected", MATRIX, ids=[f"{m} {p}" for _, m, p, _, _ in MATRIX])
def test_the_report_is_for_everyone_signed_in_and_the_strategies_page_for_the_secretariat(
        seeded, people, role, endpoint, method, path, data, expected):
    response = client_as(seeded, people, role).open(path, method=method, data=data)
    assert response.status_code == expected[role]
    if role == "anonymous":
        assert "/login" in response.headers["Location"]


def test_the_strategies_page_links_each_next_step(seeded, people):
    html = client_as(seeded, people, "secretariat").get("/strategies?lang=en").get_data(as_text=True)
    for address in ("/plan", "/strategies/2022-2026/carry-over", "/strategies/2022-2026/close",
                    "/strategies/2022-2026/report", "/strategies/new"):
        assert f'href="{address}"' in html, address
    assert 'href="/strategies"' in html  # in the secretariat's navigation


def test_every_route_of_the_cycles_is_in_a_matrix(app):
    covered = {(endpoint, method) for endpoint, method, *_ in MATRIX + CLOSING + IMPORT}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("cycles."):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (rule.endpoint, method) in covered, f"{method} {rule.rule} has no access rule"
