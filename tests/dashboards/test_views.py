"""The dashboards through the test client: who sees them, accepted data only, filters, CSV, scripts, queries."""
import csv
import io
import json
import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from sip.bodies.models import Body
from sip.extensions import db
from sip.plan.models import Activity, Outcome, Output, Pillar, Responsibility, Strategy
from sip.reporting import services, statuses as status_table
from sip.reporting.models import ActivityUpdate, GroupReport
from tests.conftest import counting_queries, log_in
from tests.helpers import page_text

PAGES = ["/dashboards/sag", "/dashboards/glm", "/dashboards/bodies/wg-test-plan",
         "/dashboards/sag/status-by-pillar.csv"]
MEMBERSHIPS = {
    "viewer": [],
    "lead": [("wg-test-plan", "lead")],
    "sag": [("sag", "member")],
    "secretariat": [("rome-support-team", "member")],
}
STATUS_HEADER = ["Planned", "On track", "At risk", "Delayed", "Completed", "Discontinued"]


def at(day: date) -> datetime:
    """Noon UTC of a day, as a submission time."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


# --- builders -----------------------------------------------------------------------------------


@pytest.fixture
def plan(app, make_plan):
    """A hand-made plan: pillars 1 and 2, activities 1.1.1.1, 1.1.1.2, 2.1.1.1, 2.1.1.2, all led by "Test WG"
    (wg-test-plan); "Second WG" also contributes to 2.1.1.2; "Third WG" is responsible for nothing. Its 20
    quarters exist, all upcoming."""
    strategy_id = make_plan(pillars=2, outcomes=1, outputs=1, activities=2)
    with app.app_context():
        second = Body(slug="wg-second", kind="working_group", name={"fr": "Deuxième GT", "en": "Second WG"},
                      aliases=[])
        third = Body(slug="wg-third", kind="working_group", name={"fr": "Troisième GT", "en": "Third WG"},
                     aliases=[])
        db.session.add_all([second, third])
        db.session.flush()
        activity = db.session.scalar(select(Activity).where(Activity.code == "2.1.1.2"))
        db.session.add(Responsibility(activity_id=activity.id, body_id=second.id, role="contributor", position=1))
        services.ensure_periods(db.session.get(Strategy, strategy_id))
        db.session.commit()
    return app


@pytest.fixture
def open_period(plan):
    """Builder: open a quarter (from its first day) with a due date, and close it when told."""

    def do(code, due_on, *, close=False):
        with plan.app_context():
            strategy = db.session.scalar(select(Strategy))
            period = services.find_period(strategy, code)
            services.open_period(period, due_on, None, opens_on=period.starts_on)
            if close:
                services.close_period(period, None)

    return do


@pytest.fixture
def mark_glm(plan):
    """Builder: mark a quarter as the one a GLM looks at."""

    def do(code, name):
        with plan.app_context():
            services.set_glm(services.find_period(db.session.scalar(select(Strategy)), code), True, name, None)

    return do


@pytest.fixture
def make_report(plan):
    """Builder: a body's report for a quarter in a state, with updates {activity code: fields}."""

    def build(slug, code, state, updates=None, *, summary="", submitted_on=None, submitted_by=None):
        with plan.app_context():
            body = db.session.scalar(select(Body).where(Body.slug == slug))
            period = services.find_period(db.session.scalar(select(Strategy)), code)
            report = GroupReport(body=body, period=period, state=state, summary=summary,
                                 submitted_at=at(submitted_on) if submitted_on else None,
                                 submitted_by_id=submitted_by, reviewed_by_id=submitted_by)
            db.session.add(report)
            for activity_code, fields in (updates or {}).items():
                activity = db.session.scalar(select(Activity).where(Activity.code == activity_code))
                report.updates.append(ActivityUpdate(activity=activity, **fields))
            db.session.add(report)
            status_table.refresh(period.strategy_id)  # as accepting it would have
            db.session.commit()
            return report.id

    return build


@pytest.fixture
def quarters(plan, open_period, make_report):
    """2026-Q2 closed and 2026-Q3 open (both past due), with accepted, submitted and draft reports.

    Accepted statuses: 2026-Q2 1.1.1.1 on track, 1.1.1.2 at risk, 2.1.1.1 completed, 2.1.1.2 planned;
    2026-Q3 1.1.1.1 delayed, 1.1.1.2 on track, 2.1.1.1 completed, 2.1.1.2 on track. The Third WG's submitted
    report and the Second WG's draft say other things, which must never show.
    """
    open_period("2026-Q2", date(2026, 7, 15), close=True)
    open_period("2026-Q3", date(2026, 10, 15))
    make_report("wg-test-plan", "2026-Q2", "accepted", {
        "1.1.1.1": {"status": "on_track", "achievements": "Started."},
        "1.1.1.2": {"status": "at_risk", "challenges": '=HYPERLINK("http://evil.example")',
                    "support_needed": "+ staff"},
        "2.1.1.1": {"status": "completed"},
        "2.1.1.2": {"status": "planned"},
    }, summary="Q2 went well.", submitted_on=date(2026, 7, 10))
    make_report("wg-test-plan", "2026-Q3", "accepted", {
        "1.1.1.1": {"status": "delayed", "challenges": "-funding cut", "support_needed": "@finance"},
        "1.1.1.2": {"status": "on_track"},
        "2.1.1.1": {"status": "completed"},
        "2.1.1.2": {"status": "on_track"},
    }, summary="Q3: training delayed.", submitted_on=date(2026, 10, 20))
    make_report("wg-third", "2026-Q3", "submitted", {
        "1.1.1.2": {"status": "discontinued", "challenges": "SUBMITTED-ONLY CHALLENGE"},
    }, summary="SUBMITTED-ONLY SUMMARY", submitted_on=date(2026, 10, 1))
    make_report("wg-second", "2026-Q3", "draft", {
        "2.1.1.2": {"status": "discontinued", "challenges": "DRAFT-ONLY CHALLENGE"},
    }, summary="DRAFT-ONLY SUMMARY")
    return plan


@pytest.fixture
def people(plan, make_user):
    """One person per role."""
    return {role: make_user(f"{role} person", bodies=bodies) for role, bodies in MEMBERSHIPS.items()}


@pytest.fixture
def viewer(plan, make_user):
    """A signed-in viewer (no membership, so no body is added to the reporting groups)."""
    client = plan.test_client()
    log_in(client, make_user("Vera Viewer"))
    client.get("/?lang=en")
    return client


def read_csv(response) -> list[list[str]]:
    """The rows of a CSV download (the byte-order mark dropped)."""
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def table_rows(html: str, table_id: str) -> list[list[str]]:
    """The visible text of each row of a table (header, body, footer), tags removed."""
    match = re.search(rf'<table[^>]*id="{table_id}"[^>]*>(.*?)</table>', html, re.S)
    assert match, f"no table {table_id}"
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells])
    return rows


def key_figures(html: str) -> dict[str, int]:
    """The key figures: {status label: count}."""
    found = re.findall(r'<div class="key-figure key-\w+"><dt>(.*?)</dt><dd>(\d+)</dd>', html, re.S)
    return {" ".join(re.sub(r"<[^>]+>", " ", label).split()): int(count) for label, count in found}


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/dashboards", *PAGES])
def test_anonymous_reader_is_sent_to_sign_in(quarters, client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", list(MEMBERSHIPS))
@pytest.mark.parametrize("path", PAGES)
def test_every_signed_in_role_sees_the_dashboards(quarters, people, role, path):
    client = quarters.test_client()
    log_in(client, people[role])
    response = client.get(path)
    assert response.status_code == 200
    if path.endswith(".csv"):  # a header and the pillars' rows, not an empty file
        assert response.mimetype == "text/csv" and len(response.get_data(as_text=True).splitlines()) > 1
    else:  # the figures' tables, not an empty shell
        assert "<table" in response.get_data(as_text=True) and "<caption" in response.get_data(as_text=True)


def test_dashboards_address_opens_the_sag_dashboard_with_its_filters(quarters, viewer):
    response = viewer.get("/dashboards?period=2026-Q2&pillar=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboards/sag?period=2026-Q2&pillar=1"


def test_menu_shows_dashboards_to_signed_in_people_only(quarters, client, viewer):
    assert "/dashboards/sag" not in client.get("/plan").get_data(as_text=True)
    assert '<a href="/dashboards/sag" >Dashboards</a>' in viewer.get("/plan").get_data(as_text=True)


def test_viewer_sees_exactly_what_the_secretariat_sees(quarters, people):
    downloads = {}
    for role in ("viewer", "secretariat"):
        client = quarters.test_client()
        log_in(client, people[role])
        client.get("/?lang=en")
        downloads[role] = [client.get(f"/dashboards/sag/{chart}.csv?period=2026-Q3").data
                           for chart in ("status-by-pillar", "at-risk", "plan")]
    assert downloads["viewer"] == downloads["secretariat"]


def test_no_name_or_email_of_anyone_appears(quarters, make_user, make_report, open_period, viewer):
    writer = make_user("Jeanne Rapporteuse", email="jeanne.rapporteuse@example.org", bodies=[("wg-third", "lead")])
    open_period("2026-Q1", date(2026, 4, 15), close=True)
    make_report("wg-third", "2026-Q1", "accepted", {"1.1.1.1": {"status": "on_track"}}, summary="Fine.",
                submitted_on=date(2026, 4, 1), submitted_by=writer)
    for path in ["/dashboards/sag?period=2026-Q1", "/dashboards/glm?period=2026-Q1",
                 "/dashboards/bodies/wg-third?period=2026-Q1", "/dashboards/sag/at-risk.csv?period=2026-Q1"]:
        text = page_text(viewer.get(path))
        assert "Jeanne" not in text and "jeanne.rapporteuse" not in text, path


# --- accepted data only -------------------------------------------------------------------------


def test_only_accepted_statuses_are_counted(quarters, viewer):
    html = page_text(viewer.get("/dashboards/sag?period=2026-Q3"))
    assert key_figures(html) == {"Activities": 4, "Planned": 0, "On track": 2, "At risk": 0, "Delayed": 1,
                                 "Completed": 1, "Discontinued": 0}


@pytest.mark.parametrize("path", ["/dashboards/sag?period=2026-Q3", "/dashboards/glm?period=2026-Q3",
                                  "/dashboards/bodies/wg-second?period=2026-Q3",
                                  "/dashboards/bodies/wg-third?period=2026-Q3",
                                  "/dashboards/sag/at-risk.csv?period=2026-Q3",
                                  "/dashboards/sag/plan.csv?period=2026-Q3"])
def test_a_draft_or_a_report_under_review_never_appears(quarters, viewer, path):
    text = page_text(viewer.get(path))
    for secret in ("DRAFT-ONLY", "SUBMITTED-ONLY"):
        assert secret not in text
    # "Discontinued" is the status only the draft and the submitted report give.
    assert 'Discontinued</span></td>' not in text and ",Discontinued" not in text
    assert key_figures(text).get("Discontinued", 0) == 0


def test_a_returned_report_does_not_count(quarters, make_report, open_period, viewer):
    open_period("2026-Q1", date(2026, 4, 15))
    make_report("wg-second", "2026-Q1", "returned", {"2.1.1.2": {"status": "delayed"}}, submitted_on=date(2026, 4, 1))
    rows = read_csv(viewer.get("/dashboards/sag/status-by-pillar.csv?period=2026-Q1"))
    assert rows[2] == ["Pillar 2", "2", "0", "0", "0", "0", "0", "2"]


# --- default period, filters --------------------------------------------------------------------


def test_default_quarter_is_the_latest_with_an_accepted_report(quarters, make_report, open_period, viewer):
    open_period("2026-Q4", date(2027, 1, 15))
    make_report("wg-third", "2026-Q4", "submitted", {"1.1.1.1": {"status": "at_risk"}}, submitted_on=date(2026, 11, 1))
    html = viewer.get("/dashboards/sag").get_data(as_text=True)
    assert '<option selected value="2026-Q3">' in html
    assert "<h1>SAG dashboard <span class=\"code\">2026-Q3</span></h1>" in html


def test_without_accepted_reports_the_default_is_the_latest_open_or_closed_quarter(plan, open_period, viewer):
    open_period("2026-Q2", date(2026, 7, 15), close=True)
    open_period("2026-Q3", date(2026, 10, 15))
    html = page_text(viewer.get("/dashboards/sag"))
    assert '<option selected value="2026-Q3">' in html
    assert ("No report has been accepted for 2026-Q3 or any quarter before it yet: the figures show the plan's own "
            "statuses.") in html


def test_quarter_without_accepted_report_says_where_the_figures_come_from(quarters, open_period, viewer):
    open_period("2026-Q4", date(2027, 1, 15))
    response = viewer.get("/dashboards/sag?period=2026-Q4")
    text = page_text(response)
    assert response.status_code == 200
    assert ("No report for 2026-Q4 has been accepted yet: the figures show each activity's status from its latest "
            "accepted report before this quarter") in text
    # The statuses are those of 2026-Q3, carried forward.
    assert key_figures(text)["Delayed"] == 1


def test_period_select_lists_every_quarter_newest_first_with_its_state(quarters, mark_glm, viewer):
    mark_glm("2026-Q2", "GLM June 2026")
    html = page_text(viewer.get("/dashboards/sag"))
    options = re.findall(r'<option (?:selected )?value="(\d{4}-Q\d)">([^<]*)</option>', html)
    assert [code for code, _ in options][:3] == ["2026-Q4", "2026-Q3", "2026-Q2"]
    assert len(options) == 20
    assert dict(options)["2026-Q2"] == "2026-Q2 · Closed · GLM: GLM June 2026"
    assert dict(options)["2026-Q3"] == "2026-Q3 · Open"


def test_changing_the_quarter_changes_the_figures(quarters, viewer):
    q2 = table_rows(viewer.get("/dashboards/sag?period=2026-Q2").get_data(as_text=True), "status-by-pillar-table")
    q3 = table_rows(viewer.get("/dashboards/sag?period=2026-Q3").get_data(as_text=True), "status-by-pillar-table")
    assert q2[1] == ["Pillar 1", "0", "1", "1", "0", "0", "0", "2"]
    assert q3[1] == ["Pillar 1", "0", "1", "0", "1", "0", "0", "2"]


def test_pillar_filter_keeps_that_pillar_only(quarters, viewer):
    html = page_text(viewer.get("/dashboards/sag?period=2026-Q3&pillar=2"))
    assert table_rows(html, "status-by-pillar-table")[1:] == [
        ["Pillar 2", "0", "1", "0", "0", "1", "0", "2"], ["All pillars", "0", "1", "0", "0", "1", "0", "2"]]
    assert [row[0] for row in table_rows(html, "plan-table")[1:]] == ["2.1.1.1", "2.1.1.2"]
    assert "No activity is at risk or delayed" in html  # 1.1.1.1, delayed, is in pillar 1
    assert '<option selected value="2">' in html


def test_body_filter_keeps_the_bodys_activities_only(quarters, viewer):
    html = page_text(viewer.get("/dashboards/sag?period=2026-Q3&body=wg-second"))
    assert [row[0] for row in table_rows(html, "plan-table")[1:]] == ["2.1.1.2"]
    assert key_figures(html)["Activities"] == 1
    assert "Second WG" in html


def test_filters_are_kept_in_the_links_to_share_and_download(quarters, viewer):
    html = viewer.get("/dashboards/sag?period=2026-Q2&pillar=1&body=wg-test-plan").get_data(as_text=True)
    assert '<a href="/dashboards/sag?period=2026-Q2&amp;pillar=1&amp;body=wg-test-plan">' in html
    assert 'href="/dashboards/sag/plan.csv?period=2026-Q2&amp;pillar=1&amp;body=wg-test-plan"' in html


@pytest.mark.parametrize("query,message", [
    ("period=2031-Q9", "“2031-Q9” is not a quarter of the plan (write it as YEAR-Qn, for example 2026-Q4); the "
                       "dashboard shows 2026-Q3."),
    ("period=2019-Q1", "“2019-Q1” is not a quarter of the plan"),
    ("period=last", "“last” is not a quarter of the plan"),
    ("pillar=9", "“9” is not a pillar of the plan; all pillars are shown."),
    ("pillar=one", "“one” is not a pillar of the plan; all pillars are shown."),
    ("body=nobody", "“nobody” is not a body of the plan; all bodies are shown."),
])
def test_bad_filter_is_refused_with_400_and_the_page_shows_the_defaults(quarters, viewer, query, message):
    response = viewer.get(f"/dashboards/sag?{query}")
    text = page_text(response)
    assert response.status_code == 400
    assert message in text
    assert 'role="alert"' in text
    assert key_figures(text)["Activities"] == 4  # still useful: the whole plan, default quarter
    assert 'aria-invalid="true"' in text


def test_lower_case_quarter_is_understood(quarters, viewer):
    response = viewer.get("/dashboards/sag?period=2026-q2")
    assert response.status_code == 200
    assert '<option selected value="2026-Q2">' in response.get_data(as_text=True)


def test_a_hostile_filter_value_is_shown_escaped(quarters, viewer):
    response = viewer.get("/dashboards/sag?body=<script>alert(1)</script>")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


@pytest.mark.parametrize("path", ["/dashboards/glm?period=nope", "/dashboards/bodies/wg-test-plan?period=nope"])
def test_bad_quarter_on_the_glm_and_body_pages_is_refused_with_400(quarters, viewer, path):
    response = viewer.get(path)
    assert response.status_code == 400
    assert "“nope” is not a quarter of the plan" in page_text(response)


def test_bad_filter_on_a_download_gets_400_with_the_message(quarters, viewer):
    response = viewer.get("/dashboards/sag/plan.csv?pillar=7")
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert "“7” is not a pillar of the plan" in response.get_data(as_text=True)


def test_unknown_chart_and_unknown_body_are_not_found(quarters, viewer):
    assert viewer.get("/dashboards/sag/everything.csv").status_code == 404
    assert viewer.get("/dashboards/bodies/no-such-body").status_code == 404


# --- CSV downloads ------------------------------------------------------------------------------


def test_status_by_pillar_csv_has_the_tables_rows(quarters, viewer):
    response = viewer.get("/dashboards/sag/status-by-pillar.csv?period=2026-Q3")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="sip-status-by-pillar-2026-Q3.csv"'
    assert read_csv(response) == [
        ["Pillar", *STATUS_HEADER, "Total"],
        ["Pillar 1", "0", "1", "0", "1", "0", "0", "2"],
        ["Pillar 2", "0", "1", "0", "0", "1", "0", "2"],
    ]


def test_status_over_time_csv_covers_eight_quarters_up_to_the_chosen_one(quarters, viewer):
    response = viewer.get("/dashboards/sag/status-over-time.csv?period=2026-Q3")
    assert response.headers["Content-Disposition"] == 'attachment; filename="sip-status-over-time-2026-Q3.csv"'
    rows = read_csv(response)
    assert rows[0] == ["Quarter", *STATUS_HEADER, "Total"]
    assert [row[0] for row in rows[1:]] == ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1",
                                            "2026-Q2", "2026-Q3"]
    assert rows[6] == ["2026-Q1", "4", "0", "0", "0", "0", "0", "4"]
    assert rows[7] == ["2026-Q2", "1", "1", "1", "0", "1", "0", "4"]
    assert rows[8] == ["2026-Q3", "0", "2", "0", "1", "1", "0", "4"]


def test_compliance_csv_says_who_reported_on_time_late_or_not_at_all(quarters, viewer):
    response = viewer.get("/dashboards/sag/compliance.csv?period=2026-Q3")
    assert response.headers["Content-Disposition"] == 'attachment; filename="sip-reporting-compliance-2026-Q3.csv"'
    rows = read_csv(response)
    assert rows[0] == ["Body", "2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    not_open = ["Not open"] * 6
    assert rows[1:] == [
        ["Second WG", *not_open, "Missing", "Overdue"],         # Q3: only a draft, past due, still open
        ["Test WG", *not_open, "On time", "Delivered late"],    # Q3 submitted on 20 October, due on the 15th
        ["Third WG", *not_open, "Missing", "On time"],   # Q3 submitted (not yet accepted) before the due date
    ]


def test_at_risk_csv_neutralises_spreadsheet_formulas(quarters, viewer):
    q2 = read_csv(viewer.get("/dashboards/sag/at-risk.csv?period=2026-Q2"))
    assert q2 == [
        ["Code", "Activity", "Status", "Responsible bodies", "Challenges", "Support requested", "Reported in"],
        ["1.1.1.2", "Activity 2", "At risk", "Test WG", "'=HYPERLINK(\"http://evil.example\")", "'+ staff", "2026-Q2"],
    ]
    q3 = read_csv(viewer.get("/dashboards/sag/at-risk.csv?period=2026-Q3"))
    assert q3[1] == ["1.1.1.1", "Activity 1", "Delayed", "Test WG", "'-funding cut", "'@finance", "2026-Q3"]


def test_plan_csv_lists_every_activity_with_its_status(quarters, viewer):
    response = viewer.get("/dashboards/sag/plan.csv?period=2026-Q3&pillar=2")
    assert response.headers["Content-Disposition"] == 'attachment; filename="sip-plan-statuses-2026-Q3-pillar-2.csv"'
    assert read_csv(response) == [
        ["Code", "Pillar", "Outcome", "Output", "Activity", "Status"],
        ["2.1.1.1", "2", "2.1", "2.1.1", "Activity 1", "Completed"],
        ["2.1.1.2", "2", "2.1", "2.1.1", "Activity 2", "On track"],
    ]


def test_csv_filename_names_the_body_filter(quarters, viewer):
    response = viewer.get("/dashboards/sag/at-risk.csv?period=2026-Q3&body=wg-test-plan")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="sip-activities-at-risk-2026-Q3-wg-test-plan.csv"')


def test_csv_is_in_the_readers_language(quarters, viewer):
    from sip.plan.models import STATUSES

    viewer.get("/?lang=fr")
    rows = read_csv(viewer.get("/dashboards/sag/plan.csv?period=2026-Q3"))
    with quarters.test_request_context("/?lang=fr"):
        on_track, completed = str(STATUSES["on_track"]), str(STATUSES["completed"])
    assert on_track != "On track"
    assert rows[3] == ["2.1.1.1", "2", "2.1", "2.1.1", "Activité 1", completed]
    assert rows[4][-1] == on_track


def test_the_tables_on_the_page_hold_the_same_figures_as_the_downloads(quarters, viewer):
    html = page_text(viewer.get("/dashboards/sag?period=2026-Q3"))
    for chart in ("status-by-pillar", "status-over-time", "compliance", "at-risk", "plan"):
        rows = table_rows(html, f"{chart}-table")
        rows = [row for row in rows if row[0] != "All pillars"]  # the page adds a total row
        downloaded = read_csv(viewer.get(f"/dashboards/sag/{chart}.csv?period=2026-Q3"))
        # The download alone prefixes text that a spreadsheet would run as a formula.
        downloaded = [[cell[1:] if re.match(r"'[=+\-@]", cell) else cell for cell in row] for row in downloaded]
        assert rows == downloaded, chart


# --- charts and scripts -------------------------------------------------------------------------


def test_each_chart_has_its_figure_as_json_a_table_with_a_caption_and_a_download(quarters, viewer):
    html = viewer.get("/dashboards/sag?period=2026-Q3").get_data(as_text=True)
    containers = re.findall(r'<div class="chart" data-chart="([\w-]+)" hidden', html)  # no role until drawn
    assert containers == ["chart-status-by-pillar", "chart-status-over-time", "chart-compliance", "chart-plan"]
    for block_id in containers:
        match = re.search(rf'<script type="application/json" id="{block_id}">(.*?)</script>', html, re.S)
        figure = json.loads(match.group(1))
        assert figure["data"] and "layout" in figure
        name = block_id.removeprefix("chart-")
        assert re.search(rf'<table class="data-table data-{name}" id="{name}-table">\s*<caption', html)
        assert f'href="/dashboards/sag/{name}.csv?period=2026-Q3" download' in html
    assert '<th scope="col">Pillar</th>' in html and '<th scope="row">Pillar 1</th>' in html


def test_chart_labels_are_in_the_readers_language(quarters, viewer):
    viewer.get("/?lang=fr")
    html = viewer.get("/dashboards/sag?period=2026-Q3").get_data(as_text=True)
    figure = json.loads(re.search(r'id="chart-status-by-pillar">(.*?)</script>', html, re.S).group(1))
    with quarters.test_request_context("/?lang=fr"):
        from sip.plan.models import STATUSES

        expected = [str(label) for label in STATUSES.values()]
    assert [trace["name"] for trace in figure["data"]] == expected


def test_dashboard_pages_load_plotly_and_charts_js_and_carry_no_inline_script(quarters, viewer):
    for path in ["/dashboards/sag?period=2026-Q3", "/dashboards/glm", "/dashboards/bodies/wg-test-plan"]:
        html = viewer.get(path).get_data(as_text=True)
        for tag in re.findall(r"<script[^>]*>", html):
            assert re.search(r' src="/(assets|static)/', tag) or 'type="application/json"' in tag, (path, tag)
        assert " onclick=" not in html and "javascript:" not in html and " onload=" not in html
    html = viewer.get("/dashboards/sag").get_data(as_text=True)
    # plotly.js is loaded by charts.js on demand, from the versioned address the script tag carries.
    assert re.search(r'<script src="/static/js/charts\.js\?v=[0-9a-f]{12}" defer data-plotly="/assets/plotly-[\w.-]+\.min\.js"', html)


def test_plotly_is_only_loaded_on_dashboard_pages(quarters, viewer):
    assert "/assets/plotly-" not in viewer.get("/plan").get_data(as_text=True)


def test_text_inside_a_figure_cannot_end_its_data_block(quarters, make_user, viewer):
    with quarters.app_context():
        db.session.add(Body(slug="wg-hostile", kind="working_group", aliases=[],
                            name={"en": "</script><script>alert(1)</script> & Co", "fr": "x"}))
        db.session.commit()
    html = viewer.get("/dashboards/sag?period=2026-Q3").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    block = re.search(r'id="chart-compliance">(.*?)</script>', html, re.S).group(1)
    names = json.loads(block)["data"][0]["y"]
    assert "</script><script>alert(1)</script> & Co" in names


def test_charts_js_draws_every_data_chart_with_plotly(app):
    from sip.config import ROOT

    script = (ROOT / "static/js/charts.js").read_text()
    assert 'querySelectorAll("[data-chart]")' in script
    assert "Plotly.newPlot(container" in script and 'getElementById("plotly-config")' in script
    assert "eval(" not in script and "new Function" not in script


# --- the GLM view -------------------------------------------------------------------------------


def test_glm_view_shows_what_changed_since_the_previous_glm(quarters, mark_glm, viewer):
    mark_glm("2026-Q1", "GLM April 2026")
    html = page_text(viewer.get("/dashboards/glm?period=2026-Q3"))
    assert "2026-Q3 compared with 2026-Q1, the quarter the previous GLM looked at." in html
    completed = re.search(r'changes-completed">(.*?)</table>', html, re.S).group(1)
    assert "2.1.1.1" in completed and "1.1.1.1" not in completed
    new_risks = re.search(r'changes-new_risk">(.*?)</table>', html, re.S).group(1)
    assert "1.1.1.1" in new_risks and "Delayed" in new_risks
    others = re.search(r'changes-status_change">(.*?)</table>', html, re.S).group(1)
    assert "1.1.1.2" in others and "2.1.1.2" in others


def test_glm_view_compares_with_the_quarter_before_when_no_earlier_glm(quarters, viewer):
    html = page_text(viewer.get("/dashboards/glm?period=2026-Q3"))
    assert "2026-Q3 compared with 2026-Q2, the quarter before (no earlier quarter is marked as a GLM's)." in html
    assert "changes-completed" not in html  # 2.1.1.1 was already completed in 2026-Q2
    new_risks = re.search(r'changes-new_risk">(.*?)</table>', html, re.S).group(1)
    assert "1.1.1.1" in new_risks


def test_glm_view_shows_each_groups_accepted_summary_only(quarters, viewer):
    html = page_text(viewer.get("/dashboards/glm?period=2026-Q3"))
    assert "Q3: training delayed." in html
    assert "Submitted on" in html
    assert "SUBMITTED-ONLY SUMMARY" not in html and "DRAFT-ONLY SUMMARY" not in html


def test_glm_view_of_a_quarter_without_accepted_report_says_so(quarters, open_period, viewer):
    open_period("2026-Q4", date(2027, 1, 15))
    html = page_text(viewer.get("/dashboards/glm?period=2026-Q4"))
    assert "No report for 2026-Q4 has been accepted yet" in html
    assert "No group's report for 2026-Q4 has been accepted yet." in html


# --- the body page ------------------------------------------------------------------------------


def test_body_page_shows_its_activities_with_status_and_its_reporting_record(quarters, viewer):
    html = page_text(viewer.get("/dashboards/bodies/wg-test-plan?period=2026-Q3"))
    assert "<h1>Test WG <span class=\"code\">2026-Q3</span></h1>" in html
    activities = re.search(r'<table class="data-table body-activities">(.*?)</table>', html, re.S).group(1)
    assert re.findall(r'activities/([\d.]+)"', activities) == ["1.1.1.1", "1.1.1.2", "2.1.1.1", "2.1.1.2"]
    assert "status-delayed" in activities
    record = re.search(r'<table class="data-table body-record">(.*?)</table>', html, re.S).group(1)
    states = re.findall(
        r'<th scope="row" class="code">(\d{4}-Q\d)</th>\s*<td><span class="compliance compliance-(\w+)"', record)
    assert states[:3] == [("2026-Q3", "late"), ("2026-Q2", "on_time"), ("2026-Q1", "not_open")]
    assert len(states) == 8


def test_body_page_says_which_activities_the_body_is_accountable_for(quarters, viewer):
    lead = page_text(viewer.get("/dashboards/bodies/wg-test-plan?period=2026-Q3"))
    assert lead.count("Accountable: its report sets the status") == 4
    second = page_text(viewer.get("/dashboards/bodies/wg-second?period=2026-Q3"))
    rows = re.search(r'<table class="data-table body-activities">(.*?)</table>', second, re.S).group(1)
    assert re.findall(r'activities/([\d.]+)"', rows) == ["2.1.1.2"]
    assert "Contributes" in rows and "Accountable: its report sets the status" not in rows


def test_body_page_of_a_body_without_reports_says_it_does_not_report(quarters, viewer):
    with quarters.app_context():
        db.session.add(Body(slug="glc", kind="cluster", name={"fr": "Cluster", "en": "Cluster"}, aliases=[]))
        db.session.commit()
    html = page_text(viewer.get("/dashboards/bodies/glc"))
    assert "This body does not present quarterly reports" in html
    assert "The plan makes this body responsible for no activity." in html


# --- speed --------------------------------------------------------------------------------------


def grow(app, pillars: int, bodies: int, quarters: list[str]) -> None:
    """Add pillars (5 outcomes × 2 outputs × 3 activities each), working groups and their accepted reports."""
    with app.app_context():
        strategy = db.session.scalar(select(Strategy))
        start = db.session.scalar(select(db.func.max(Pillar.number)).where(Pillar.strategy_id == strategy.id)) or 0
        position = 10_000 * (start + 1)
        groups = []
        for n in range(bodies):
            body = Body(slug=f"wg-grown-{start}-{n}", kind="working_group", name={"fr": f"GT {n}", "en": f"WG {n}"},
                        aliases=[])
            groups.append(body)
        db.session.add_all(groups)
        db.session.flush()
        activities = []
        for p in range(start + 1, start + 1 + pillars):
            pillar = Pillar(strategy=strategy, number=p, title={"fr": f"Pilier {p}", "en": f"Pillar {p}"},
                            goal={"fr": "But", "en": "Goal"})
            for o in range(1, 6):
                position += 1
                outcome = Outcome(pillar=pillar, code=f"{p}.{o}", text={"fr": "R", "en": "O"}, position=position)
                for u in range(1, 3):
                    position += 1
                    output = Output(outcome=outcome, code=f"{p}.{o}.{u}", text={"fr": "P", "en": "O"},
                                    position=position)
                    for a in range(1, 4):
                        position += 1
                        activity = Activity(strategy_id=strategy.id, code=f"{p}.{o}.{u}.{a}", position=position,
                                            text={"fr": f"Activité {a}", "en": f"Activity {a}"},
                                            accountable_body_id=groups[len(activities) % len(groups)].id)
                        activity.responsibilities.append(
                            Responsibility(body_id=groups[len(activities) % len(groups)].id, role="lead"))
                        output.activities.append(activity)
                        activities.append(activity)
            db.session.add(pillar)
        db.session.flush()
        statuses = ["on_track", "at_risk", "delayed", "completed", "planned"]
        for q, code in enumerate(quarters):
            period = services.find_period(strategy, code)
            for b, body in enumerate(groups):
                report = GroupReport(body=body, period=period, state="accepted", summary=f"Summary {b}",
                                     submitted_at=at(date(2026, 1, 1)))
                for i, activity in enumerate(activities):
                    if i % len(groups) == b:
                        report.updates.append(ActivityUpdate(activity=activity, status=statuses[(i + q) % 5],
                                                             challenges="Hard", support_needed="Money"))
                db.session.add(report)
        status_table.refresh(strategy.id)
        db.session.commit()


def dashboard_queries(app, client) -> int:
    """How many SQL statements the SAG dashboard runs for a signed-in reader."""
    with counting_queries(app) as count:
        response = client.get("/dashboards/sag?period=2026-Q3")
        assert response.status_code == 200
    return count()


def test_sag_dashboard_runs_the_same_few_queries_on_ten_times_more_data(quarters, viewer):
    grow(quarters, pillars=1, bodies=2, quarters=["2026-Q2", "2026-Q3"])
    small = dashboard_queries(quarters, viewer)
    grow(quarters, pillars=10, bodies=20, quarters=["2026-Q2", "2026-Q3"])
    with quarters.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Activity)) == 4 + 30 * 11
    large = dashboard_queries(quarters, viewer)
    html = page_text(viewer.get("/dashboards/sag?period=2026-Q3"))
    assert key_figures(html)["Activities"] == 4 + 30 * 11
    assert small == large
    assert large <= 20


# --- large plans and long lists -----------------------------------------------------------------


def test_plan_picture_of_a_large_plan_stops_at_the_outputs_and_counts_their_activities(quarters, viewer,
                                                                                        monkeypatch):
    monkeypatch.setattr("sip.dashboards.pages.PLAN_DETAIL_LIMIT", 3)
    html = viewer.get("/dashboards/sag?period=2026-Q3").get_data(as_text=True)
    assert "too many to draw one by one" in html
    assert table_rows(html, "plan-table") == [
        ["Output", "Pillar", "Outcome", "Status of most activities", "Planned", "On track", "At risk", "Delayed",
         "Completed", "Discontinued", "Total"],
        ["1.1.1", "1", "1.1", "On track", "0", "1", "0", "1", "0", "0", "2"],
        ["2.1.1", "2", "2.1", "On track", "0", "1", "0", "0", "1", "0", "2"],
    ]
    figure = json.loads(re.search(r'<script type="application/json" id="chart-plan">(.*?)</script>', html,
                                  re.S).group(1))
    assert not [node for node in figure["data"][0]["ids"] if node.startswith("activity:")]
    # The download still lists every activity.
    assert len(read_csv(viewer.get("/dashboards/sag/plan.csv?period=2026-Q3"))) == 1 + 4


def test_at_risk_table_is_shown_a_page_at_a_time_and_the_csv_has_every_row(quarters, make_report, viewer,
                                                                          monkeypatch):
    monkeypatch.setattr("sip.dashboards.pages.RISK_ROWS", 1)
    make_accountable(quarters, "2.1.1.2", "wg-second")
    make_report("wg-second", "2026-Q2", "accepted", {"2.1.1.2": {"status": "delayed", "challenges": "Second."}},
                submitted_on=date(2026, 7, 1))
    first = viewer.get("/dashboards/sag?period=2026-Q2").get_data(as_text=True)
    assert [row[0] for row in table_rows(first, "at-risk-table")[1:]] == ["1.1.1.2"]
    assert "Rows 1 to 1 of 2" in first
    assert 'href="/dashboards/sag?period=2026-Q2&amp;risk_page=2#at-risk" rel="next"' in first
    second = viewer.get("/dashboards/sag?period=2026-Q2&risk_page=2").get_data(as_text=True)
    assert [row[0] for row in table_rows(second, "at-risk-table")[1:]] == ["2.1.1.2"]
    assert "Rows 2 to 2 of 2" in second and 'rel="prev"' in second
    beyond = viewer.get("/dashboards/sag?period=2026-Q2&risk_page=99").get_data(as_text=True)
    assert "Rows 2 to 2 of 2" in beyond  # clamped to the last page
    assert len(read_csv(viewer.get("/dashboards/sag/at-risk.csv?period=2026-Q2"))) == 1 + 2


# --- read from the status table on every request ------------------------------------------------


def test_unchanged_data_is_served_from_the_rendered_dashboard_with_fewer_queries(quarters, viewer):
    with counting_queries(quarters) as first_count:
        first = viewer.get("/dashboards/sag?period=2026-Q3").get_data(as_text=True)
    with counting_queries(quarters) as second_count:
        second = viewer.get("/dashboards/sag?period=2026-Q3").get_data(as_text=True)
    def without_token(html: str) -> str:  # the form's CSRF token is signed with the time
        return re.sub(r'name="csrf_token" value="[^"]*"', "", html)

    assert without_token(second) == without_token(first)
    assert second_count() < first_count() <= 20


def make_accountable(app, code: str, slug: str) -> None:
    """Make a body the one accountable for an activity, its statuses rewritten (as an applied amendment does)."""
    with app.app_context():
        activity = db.session.scalar(select(Activity).where(Activity.code == code))
        activity.accountable_body_id = db.session.scalar(select(Body.id).where(Body.slug == slug))
        status_table.refresh(activity.strategy_id, [activity.id])
        db.session.commit()


def accept_third_wg_report(app) -> None:
    """Accept the Third WG's submitted 2026-Q3 report (it says 1.1.1.2 is discontinued) through the service, the
    Third WG being accountable for 1.1.1.2 by then."""
    make_accountable(app, "1.1.1.2", "wg-third")
    with app.app_context():
        report = db.session.scalar(select(GroupReport).join(Body).where(Body.slug == "wg-third"))
        services.accept_report(report, None)
        db.session.commit()


def test_accepting_a_report_shows_on_the_dashboard_at_once(quarters, viewer):
    assert key_figures(page_text(viewer.get("/dashboards/sag?period=2026-Q3")))["Discontinued"] == 0
    accept_third_wg_report(quarters)
    assert key_figures(page_text(viewer.get("/dashboards/sag?period=2026-Q3")))["Discontinued"] == 1


def test_each_language_gets_its_own_rendered_dashboard(quarters, viewer):
    english = viewer.get("/dashboards/sag?period=2026-Q3&lang=en").get_data(as_text=True)
    french = viewer.get("/dashboards/sag?period=2026-Q3&lang=fr").get_data(as_text=True)
    assert "Activities at risk or delayed" in english
    assert "Activities at risk or delayed" not in french


def test_glm_view_follows_an_acceptance_at_once(quarters, viewer):
    before = page_text(viewer.get("/dashboards/glm?period=2026-Q3"))
    accept_third_wg_report(quarters)
    after = page_text(viewer.get("/dashboards/glm?period=2026-Q3"))
    assert "SUBMITTED-ONLY SUMMARY" not in before and "SUBMITTED-ONLY SUMMARY" in after


def test_glm_lists_of_changes_are_shown_a_page_at_a_time(quarters, viewer, monkeypatch):
    monkeypatch.setattr("sip.dashboards.pages.CHANGE_ROWS", 1)
    first = viewer.get("/dashboards/glm?period=2026-Q3").get_data(as_text=True)
    changes = re.search(r'<table class="data-table changes changes-status_change">(.*?)</table>', first, re.S).group(1)
    assert re.findall(r'activities/([\d.]+)"', changes) == ["1.1.1.2"]
    assert "Rows 1 to 1 of 2" in first
    assert 'href="/dashboards/glm?period=2026-Q3&amp;status_change_page=2#status_change" rel="next"' in first
    second = viewer.get("/dashboards/glm?period=2026-Q3&status_change_page=2").get_data(as_text=True)
    changes = re.search(r'<table class="data-table changes changes-status_change">(.*?)</table>', second, re.S).group(1)
    assert re.findall(r'activities/([\d.]+)"', changes) == ["2.1.1.2"]
    # The key figure still counts the whole list.
    assert re.search(r'key-status_change"><dt><a href="#status_change">Other status changes</a></dt><dd>2</dd>', second)
