"""The read API's resources on the demo world: the pages' filters and data, pages with links, ETags, problem details,
what each reader sees, and no contact data anywhere."""
import json
import re

import pytest
from sqlalchemy import select

from sip.api.schemas import EMAIL, PHONE
from sip.extensions import db
from sip.plan import queries
from sip.reporting import statuses
from sip.reporting.models import GroupReport
from tests.api.conftest import api_world, bearer  # noqa: F401
from tests.conftest import counting_queries

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def client(api_world):
    """A test client of the world's app."""
    return api_world["app"].test_client()


def get(client, path, token=None):
    """GET a path (with a token), returning the response."""
    return client.get(path, headers=bearer(token) if token else {})


def codes(response) -> list[str]:
    """The activity codes of an activities page."""
    return [item["code"] for item in response.get_json()["items"]]


# --- the plan -----------------------------------------------------------------------------------------------------


def test_strategies_list_the_loaded_plan_as_current(client):
    items = get(client, "/api/v1/strategies").get_json()["items"]
    assert [(s["code"], s["current"]) for s in items] == [("glc-sip-2022-2026", True)]
    assert set(items[0]["title"]) == {"fr", "en"}


def test_pillars_give_the_tree_of_outcomes_and_outputs(client):
    body = get(client, "/api/v1/pillars").get_json()
    assert [p["number"] for p in body["items"]] == [1, 2, 3, 4]
    outputs = [u for p in body["items"] for o in p["outcomes"] for u in o["outputs"]]
    assert len(outputs) == 20 and sum(u["activities"] for u in outputs) == 50


def test_activities_come_in_pages_with_links_to_the_others(client):
    response = get(client, "/api/v1/activities?per_page=20&page=2")
    body = response.get_json()
    assert (body["page"], body["pages"], body["total"], len(body["items"])) == (2, 3, 50, 20)
    assert body["links"]["next"] == "/api/v1/activities?page=3&per_page=20"
    assert body["links"]["prev"] == "/api/v1/activities?page=1&per_page=20"
    assert '</api/v1/activities?page=3&per_page=20>; rel="next"' in response.headers["Link"]


@pytest.mark.parametrize("filters", [
    {"status": "on_track"}, {"pillar": 2}, {"body": "wg-training"}, {"q": "formation"},
    {"status": "at_risk", "pillar": 3}, {"q": "xyz-nothing"},
])
def test_activities_filter_exactly_as_the_plan_page_does(api_world, client, filters):
    query = "&".join(f"{key}={value}" for key, value in filters.items())
    response = get(client, f"/api/v1/activities?per_page=100&{query}")
    with api_world["app"].app_context():
        strategy = queries.current_strategy()
        page = queries.plan_page(strategy, queries.PlanFilters(**filters), 1, 100)
        expected = [a.code for a in page.page.items]
        counts = page.counts
    assert codes(response) == expected
    assert response.get_json()["counts"] == counts


def test_each_activity_carries_the_status_the_status_table_gives(api_world, client):
    items = get(client, "/api/v1/activities?per_page=100").get_json()["items"]
    with api_world["app"].app_context():
        strategy = queries.current_strategy()
        current = statuses.current_statuses(strategy.id)
        by_code = {a.code: a.id for a in db.session.scalars(select(queries.Activity))}
    for item in items:
        truth = current[by_code[item["code"]]]
        assert (item["status"], item["progress_pct"], item["reported_in"]) == (
            truth.status, truth.progress_pct, truth.reported_in)


def test_activities_as_of_a_version_give_the_plan_then_without_progress(client):
    body = get(client, "/api/v1/activities?as_of=2023-11&per_page=100").get_json()
    assert body["as_of"] == "2023-11" and body["total"] == 50
    assert {item["status"] for item in body["items"]} == {None}
    assert body["counts"] == {"active": 46, "completed": 4}


@pytest.mark.parametrize("query,field", [
    ("status=finished", "status"), ("pillar=9", "pillar"), ("body=no-such-body", "body"),
    ("as_of=1999-01-01", "as_of"), ("as_of=no-such-tag", "as_of"), ("per_page=500", "per_page"), ("page=0", "page"),
    ("pillar=one", "pillar"),
])
def test_a_bad_filter_is_a_400_problem_naming_it(client, query, field):
    response = get(client, f"/api/v1/activities?{query}")
    assert response.status_code == 400 and response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == 400 and field in body["errors"]


def test_one_activity_gives_its_quarters_bodies_and_accepted_updates(api_world, client):
    body = get(client, "/api/v1/activities/1.1.1.2").get_json()
    assert body["code"] == "1.1.1.2" and body["quarters"][0]["period"] == "2026-Q4"
    assert body["responsibilities"] and any(r["accountable"] for r in body["responsibilities"])
    with api_world["app"].app_context():
        accepted = db.session.scalar(select(db.func.count()).select_from(GroupReport).where(
            GroupReport.state == "accepted"))
    assert accepted and body["updates"]
    periods = [u["period"] for u in body["updates"]]
    assert periods == sorted(periods, reverse=True)


def test_one_activity_as_of_a_version_states_the_plan_then(client):
    body = get(client, "/api/v1/activities/1.1.1.2?as_of=2023-11").get_json()
    assert (body["code"], body["status"], body["quarters"], body["updates"]) == ("1.1.1.2", None, [], [])
    assert body["plan_state"] == "active" and body["responsibilities"]
    assert get(client, "/api/v1/activities/1.1.1.2?as_of=1999-01-01").status_code == 400


def test_an_unknown_activity_is_a_404_problem(client):
    response = get(client, "/api/v1/activities/9.9.9.9")
    assert response.status_code == 404 and response.mimetype == PROBLEM


def test_bodies_and_periods_are_listed(client):
    bodies = get(client, "/api/v1/bodies").get_json()["items"]
    assert "wg-training" in {b["slug"] for b in bodies}
    periods = get(client, "/api/v1/periods").get_json()["items"]
    assert ("2026-Q4", "open") in {(p["code"], p["state"]) for p in periods}


def test_updates_list_accepted_ones_only_newest_quarter_first(client):
    body = get(client, "/api/v1/updates?per_page=100&body=wg-training").get_json()
    assert body["items"] and {u["body"] for u in body["items"]} == {"wg-training"}
    periods = [u["period"] for u in body["items"]]
    assert periods == sorted(periods, reverse=True) and "2026-Q4" not in periods  # 2026-Q4 is not accepted yet


# --- who sees which reports ---------------------------------------------------------------------------------------


def states(client, token) -> set[str]:
    """The report states a reader's token sees."""
    return {r["state"] for r in get(client, "/api/v1/reports?per_page=100", token).get_json()["items"]}


def test_reports_need_a_token_or_a_session(client):
    response = get(client, "/api/v1/reports")
    assert response.status_code == 401 and response.mimetype == PROBLEM


def test_a_viewers_token_sees_accepted_reports_only(api_world, client):
    assert states(client, api_world["tokens"]["viewer"]) == {"accepted"}


def test_a_sag_members_token_sees_submitted_reports_but_no_other_bodys_drafts(api_world, client):
    items = get(client, "/api/v1/reports?per_page=100", api_world["tokens"]["sag"]).get_json()["items"]
    assert "submitted" in {r["state"] for r in items}
    assert {r["body"] for r in items if r["state"] == "draft"} <= {"sag"}  # its own group's drafts only


@pytest.mark.parametrize("role", ["viewer", "sag", "lead", "member", "secretariat"])
def test_a_token_sees_exactly_the_reports_its_owner_may_see(api_world, client, role):
    from sip.reporting.permissions import can_view_report
    from sip.reporting.queries import load_person

    items = get(client, "/api/v1/reports?per_page=100", api_world["tokens"][role]).get_json()["items"]
    with api_world["app"].app_context():
        person = load_person(api_world["ids"][role])
        expected = {(r.body.slug, r.period.code) for r in db.session.scalars(select(GroupReport))
                    if can_view_report(person, r.body, r)}
    assert {(r["body"], r["period"]) for r in items} == expected


def test_the_secretariats_token_sees_every_state(api_world, client):
    with api_world["app"].app_context():
        every = set(db.session.scalars(select(GroupReport.state).distinct()))
    assert states(client, api_world["tokens"]["secretariat"]) == every


def test_a_report_the_reader_may_not_see_is_refused(api_world, client):
    with api_world["app"].app_context():
        report = db.session.scalar(select(GroupReport).where(GroupReport.state == "submitted"))
        path = f"/api/v1/reports/{report.period.code}/{report.body.slug}"
    assert get(client, path, api_world["tokens"]["viewer"]).status_code == 403
    body = get(client, path, api_world["tokens"]["sag"]).get_json()
    assert body["state"] == "submitted" and body["updates"]


# --- governance ---------------------------------------------------------------------------------------------------


def test_versions_and_their_diff(client):
    versions = get(client, "/api/v1/versions").get_json()["items"]
    assert versions[-1]["tag"] == "2023-11"
    diff = get(client, "/api/v1/versions/2023-11/diff/2023-11").get_json()
    assert diff == {"from": "2023-11", "to": "2023-11", "changes": []}
    assert get(client, "/api/v1/versions/2023-11/diff/nope").status_code == 404


def test_amendments_need_a_reader_who_may_see_them(api_world, client):
    assert get(client, "/api/v1/amendments").status_code == 401
    body = get(client, "/api/v1/amendments", api_world["tokens"]["viewer"]).get_json()
    assert body["total"] == len(body["items"]) and "counts" in body


# --- HTTP conventions ---------------------------------------------------------------------------------------------


def test_an_unchanged_answer_is_a_304_for_its_etag(client):
    first = get(client, "/api/v1/activities?pillar=1")
    etag = first.headers["ETag"]
    again = client.get("/api/v1/activities?pillar=1", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get("/api/v1/activities?pillar=2", headers={"If-None-Match": etag})
    assert other.status_code == 200


def test_the_etag_of_a_gzipped_answer_also_gives_a_304(client):
    first = client.get("/api/v1/activities?pillar=3", headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip" and first.headers["ETag"].endswith('-gzip"')
    again = client.get("/api/v1/activities?pillar=3",
                       headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"]


def test_an_unknown_address_or_method_under_the_api_is_a_problem(client):
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.mimetype == PROBLEM
    posted = client.post("/api/v1/activities", data={"x": "1"})
    assert posted.status_code == 405 and posted.mimetype == PROBLEM and "GET" in posted.headers["Allow"]


def test_no_route_under_the_api_accepts_a_write(api_world):
    rules = [rule for rule in api_world["app"].url_map.iter_rules() if rule.rule.startswith("/api")]
    assert rules and all(rule.methods <= {"GET", "HEAD", "OPTIONS"} for rule in rules)


def test_the_openapi_document_is_3_1_and_lists_every_api_route(api_world, client):
    spec = get(client, "/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    documented = set(spec["paths"])
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule) for rule in api_world["app"].url_map.iter_rules()
              if rule.endpoint.startswith("api.")}
    assert routes == documented


PATHS = ["/api/v1/strategies", "/api/v1/pillars", "/api/v1/activities?per_page=100", "/api/v1/activities/1.1.1.2",
         "/api/v1/bodies", "/api/v1/periods", "/api/v1/updates?per_page=100", "/api/v1/reports?per_page=100",
         "/api/v1/versions", "/api/v1/amendments", "/api/v1/iati.xml"]


def test_no_response_carries_an_email_address_or_a_phone_number(api_world, client):
    token = api_world["tokens"]["secretariat"]
    with api_world["app"].app_context():
        report = db.session.scalar(select(GroupReport).where(GroupReport.state == "draft"))
        PATHS.append(f"/api/v1/reports/{report.period.code}/{report.body.slug}")
    for path in PATHS:
        text = get(client, path, token).get_data(as_text=True)
        assert not EMAIL.search(text), path
        assert not PHONE.search(text), path
    assert "@example.org" not in json.dumps(get(client, "/api/v1/openapi.json").get_json())


def test_the_activities_page_costs_the_same_queries_whatever_its_size(api_world, client):
    counts = []
    for size in (5, 100):
        api_world["app"].extensions.pop("sip_rendered_parts", None)  # built, not taken from the kept parts
        with counting_queries(api_world["app"]) as count:
            assert get(client, f"/api/v1/activities?per_page={size}").status_code == 200
        counts.append(count())
    api_world["app"].extensions.pop("sip_rendered_parts", None)
    with counting_queries(api_world["app"]) as count:
        get(client, "/api/v1/activities?per_page=100&status=on_track&pillar=2&q=logisti")
    assert counts[0] == counts[1] <= 10
    assert count() <= counts[0] + 1  # a pillar filter checks that the pillar exists


def test_a_token_request_costs_a_constant_few_queries_more(api_world, client):
    token = api_world["tokens"]["viewer"]
    get(client, "/api/v1/activities?per_page=100")  # kept: both requests below read the same kept page
    with counting_queries(api_world["app"]) as anonymous:
        get(client, "/api/v1/activities?per_page=100")
    with counting_queries(api_world["app"]) as with_token:
        get(client, "/api/v1/activities?per_page=100", token)
    # begin, the token with its owner, the count, commit; the owner with memberships and bodies
    assert with_token() - anonymous() <= 8


def test_a_kept_activities_page_follows_the_data(api_world):
    from sip.reporting.models import ActivityStatus

    app = api_world["app"]
    client = app.test_client()
    path = "/api/v1/activities?per_page=1&pillar=1"
    before = get(client, path).get_json()["items"][0]
    new_status = "delayed" if before["status"] != "delayed" else "at_risk"
    with app.app_context():
        strategy = queries.current_strategy()
        first = db.session.scalar(select(queries.Activity).where(queries.Activity.code == before["code"]))
        row = db.session.scalar(select(ActivityStatus).where(
            ActivityStatus.activity_id == first.id, ActivityStatus.period_id == statuses.latest_period_id(strategy.id)))
        report = db.session.scalar(select(GroupReport).where(GroupReport.state == "submitted"))
        old = (row.status, report.version)
        # as accepting a report does: the status table rewritten, the report's version moved on
        row.status, report.version = new_status, report.version + 1
        db.session.commit()
        try:
            after = get(client, path).get_json()["items"][0]
        finally:
            row.status, report.version = old
            db.session.commit()
    assert after["status"] == new_status
