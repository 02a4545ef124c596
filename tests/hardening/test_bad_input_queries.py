"""Every query parameter and address segment, with hostile values: never a server error, a message for every refusal,
and a GET never writes (the database is compared before and after every request)."""
from urllib.parse import quote, urlencode

from hypothesis import given
from hypothesis import strategies as st

from tests.hardening.conftest import changed_tables, examples, fingerprint_of, shows_a_message, signed_in
from tests.hardening.strategies import odd_small, value

PERIODS = ("2026-Q4", "2026-q4 ", "2025-Q1", "")
LANGS = ("fr", "en", "")


def params(fields: dict):
    """A query string: each parameter missing, once, or repeated."""
    def one(name, strategy):
        return st.one_of(st.just([]), strategy.map(lambda v: [(name, v)]),
                         st.lists(strategy, min_size=2, max_size=3).map(lambda vs: [(name, v) for v in vs]))

    return st.tuples(*[one(name, strategy) for name, strategy in fields.items()]).map(
        lambda groups: urlencode([pair for group in groups for pair in group]))


def check_get(app, client, url):
    """GET: no server error; a refusal (4xx) says why; nothing written."""
    before = fingerprint_of(app, exclude=("login_attempt",))
    response = client.get(url)
    assert response.status_code < 500, (url, response.get_data(as_text=True)[:2000])
    if response.status_code >= 400:
        assert shows_a_message(response), f"{url}: {response.status_code} without a message"
    assert changed_tables(before, fingerprint_of(app, exclude=("login_attempt",))) == [], f"GET {url} wrote"
    return response


@examples(300)
@given(query=params({"body": value("wg-training", "glc", ""), "status": value("on_track", "completed", ""),
                     "pillar": value("1", "4", ""), "q": value("préparation", "2.3.2.1", "éÉ"),
                     "page": value("1", "2", "0"), "lang": value(*LANGS)}))
def test_plan_filters(app, world, query):
    check_get(app, app.test_client(), f"/plan?{query}")


@examples(120)
@given(query=params({"period": value(*PERIODS), "pillar": value("1", "2", ""), "body": value("wg-training", ""),
                     "lang": value(*LANGS)}),
       page=st.sampled_from(["/dashboards/sag", "/dashboards/glm", "/dashboards/bodies/wg-training",
                             "/dashboards/sag/plan.csv", "/dashboards/sag/compliance.csv", "/dashboards"]))
def test_dashboard_filters(app, world, query, page):
    check_get(app, signed_in(app, world["sag"]), f"{page}?{query}")


@examples(150)
@given(query=params({"before": value(*PERIODS), "q": value("person"), "body": value("wg-training", ""),
                     "state": value("active", "inactive", ""), "page": value("1", "3"), "lang": value(*LANGS)}),
       page=st.sampled_from(["/reports", "/reports/periods", "/admin/people", "/admin/organisations",
                             "/admin/bodies/wg-training", "/reports/2026-Q4/wg-training", "/account"]),
       who=st.sampled_from(["secretariat", "wg_lead", "viewer"]))
def test_reports_and_administration_pages(app, world, query, page, who):
    check_get(app, signed_in(app, world[who]), f"{page}?{query}")


@examples(250)
@given(segment=odd_small, template=st.sampled_from([
    "/plan/activities/{}", "/bodies/{}", "/dashboards/bodies/{}", "/reports/{}/wg-training", "/reports/2026-Q4/{}",
    "/admin/bodies/{}", "/admin/people/{}", "/dashboards/sag/{}.csv", "/static/{}", "/{}",
]))
def test_address_segments(app, world, segment, template):
    check_get(app, signed_in(app, world["secretariat"]), template.format(quote(segment, safe="")))
