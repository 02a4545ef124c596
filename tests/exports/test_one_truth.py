"""The report pack tells the one truth: each activity's status is the status table's, the deck's trend adds up, the
reporting words are those of /reports, and a report filed for a body is the body's, never a person's."""
import csv
import io
import re
from datetime import date

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from pptx import Presentation
from sqlalchemy import select

from sip.accounts.models import User
from sip.bodies.models import Body
from sip.bodies.services import set_reporting_focal_point
from sip.exports import services
from sip.exports.content import build_pack
from sip.exports.pdf import render_html
from sip.extensions import db
from sip.plan.models import Activity, Responsibility
from sip.plan.queries import current_strategy
from sip.reporting import services as reporting
from sip.reporting import statuses
from sip.reporting.delivery import DELIVERY_LABELS
from sip.reporting.models import ActivityStatus, GroupReport
from sip.reporting.queries import reporting_bodies
from tests.exports.conftest import period_of

TODAY = date(2026, 11, 22)


def build(app, name: str, code: str, today: date = TODAY) -> bytes:
    """One file of the pack in English, built by the service as the download builds it (the PDF without charts)."""
    app.config["SIP_CHROMIUM"] = "/nonexistent/chromium"
    with app.test_request_context("/"):
        strategy = current_strategy()
        choice = services.choose(strategy, code, "en", "en", today=today)
        return services.export(name, strategy, choice, today=today).content


def plan_sheet_statuses(content: bytes) -> dict[str, str]:
    """{activity code: status code} of the workbook's plan sheet, read by its HXL hashtags as another system would."""
    header, hashtags, *rows = load_workbook(io.BytesIO(content))["Plan"].iter_rows(values_only=True)
    code, status = hashtags.index("#activity+activity+code"), hashtags.index("#status+code")
    return {row[code]: row[status] for row in rows}


def csv_statuses(content: bytes) -> dict[str, str]:
    """{activity code: status code} of the activities CSV, read by its HXL hashtags."""
    header, hashtags, *rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
    code, status = hashtags.index("#activity+activity+code"), hashtags.index("#status+code")
    return {row[code]: row[status] for row in rows}


def table_rows(app, code: str) -> dict[str, str]:
    """{activity code: status} of the status table's rows of a quarter."""
    with app.app_context():
        return dict(db.session.execute(
            select(Activity.code, ActivityStatus.status).join(ActivityStatus, ActivityStatus.activity_id == Activity.id)
            .where(ActivityStatus.period_id == period_of(code).id)).all())


def current(app) -> dict[str, str]:
    """{activity code: current status} as `statuses.current_statuses` gives it (what the plan page shows)."""
    with app.app_context():
        codes = dict(db.session.execute(select(Activity.id, Activity.code)).all())
        return {codes[a]: c.status for a, c in statuses.current_statuses(current_strategy().id).items()}


def accept(app, report_id: int) -> None:
    """Accept a submitted report through the service, as the Rome support team does."""
    with app.app_context():
        reporting.accept_report(db.session.get(GroupReport, report_id), None)


@pytest.fixture
def q4_then_resubmitted_q3(plan, open_period, make_report):
    """The issue's case: 2026-Q4's report (1.1.1.1 on track) is accepted, then 2026-Q3's, returned and submitted
    again (1.1.1.1 at risk), is accepted after it."""
    open_period("2026-Q3", date(2026, 10, 15))
    open_period("2026-Q4", date(2027, 1, 15))
    q4 = make_report("wg-test-plan", "2026-Q4", "submitted", {
        "1.1.1.1": {"status": "on_track", "progress_pct": 60, "achievements": "Q4 ACHIEVEMENT"}},
        submitted_on=date(2026, 11, 2))
    q3 = make_report("wg-test-plan", "2026-Q3", "submitted", {
        "1.1.1.1": {"status": "at_risk", "progress_pct": 40, "achievements": "Q3 RESUBMITTED"}},
        submitted_on=date(2026, 11, 5))
    accept(plan, q4)
    accept(plan, q3)
    return plan


def test_workbook_and_csv_state_the_current_status_after_q4_then_a_resubmitted_q3(q4_then_resubmitted_q3):
    app = q4_then_resubmitted_q3
    now = current(app)
    assert now["1.1.1.1"] == "on_track"  # the latest quarter's, not the report accepted last
    assert plan_sheet_statuses(build(app, "xlsx", "2026-Q4")) == now == table_rows(app, "2026-Q4")
    assert csv_statuses(build(app, "activities_csv", "2026-Q4")) == now


def test_the_pack_of_an_earlier_quarter_states_that_quarter_s_rows(q4_then_resubmitted_q3):
    app = q4_then_resubmitted_q3
    q3 = table_rows(app, "2026-Q3")
    assert q3["1.1.1.1"] == "at_risk"
    assert plan_sheet_statuses(build(app, "xlsx", "2026-Q3")) == q3
    assert csv_statuses(build(app, "activities_csv", "2026-Q3")) == q3


def test_each_activity_s_latest_update_is_the_one_that_set_its_status_in_the_quarter(q4_then_resubmitted_q3):
    app = q4_then_resubmitted_q3
    with app.test_request_context("/"), force_locale("en"):
        for code, expected in (("2026-Q4", "Q4 ACHIEVEMENT"), ("2026-Q3", "Q3 RESUBMITTED")):
            pack = build_pack(current_strategy(), period_of(code), "en", today=TODAY)
            activity = next(a for p in pack.pillars for a in p.activities if a.code == "1.1.1.1")
            row = db.session.scalar(select(ActivityStatus).where(ActivityStatus.activity_id == activity.id,
                                                                 ActivityStatus.period_id == pack.period.id))
            assert (activity.status, activity.update.status, activity.update.achievements) == (
                row.status, row.status, expected), code
            assert activity.update.progress == row.progress_pct
    header, hashtags, *rows = load_workbook(io.BytesIO(build(app, "xlsx", "2026-Q4")))["Plan"].iter_rows(
        values_only=True)
    row = next(r for r in rows if r[hashtags.index("#activity+activity+code")] == "1.1.1.1")
    # core HXL has no attribute for "quarter": that column is found by its heading, as in the CSV files
    assert (row[header.index("Reported in")], row[hashtags.index("#indicator+pct")]) == ("Q4\u00a02026", 60)


def test_the_workbook_fills_each_status_cell_with_the_colour_of_the_status_it_states(q4_then_resubmitted_q3):
    sheet = load_workbook(io.BytesIO(build(q4_then_resubmitted_q3, "xlsx", "2026-Q4")))["Plan"]
    rows = list(sheet.iter_rows())
    hashtags = [cell.value for cell in rows[1]]
    code, name = hashtags.index("#activity+activity+code"), hashtags.index("#status+name+i_en")
    fills = {row[code].value: (row[name].value, row[name].fill.fgColor.rgb[-6:]) for row in rows[2:]}
    assert fills["1.1.1.1"] == ("On track", "BFE6DC")  # on track's green, lightened
    assert fills["1.1.1.2"] == ("Planned", "DADDE0")  # planned's grey, lightened


# --- the deck's trend -------------------------------------------------------------------------------------------


def charts_of(deck, title_start: str) -> list:
    """The charts of the slide whose title starts so."""
    slide = next(s for s in deck.slides if s.shapes.title is not None and s.shapes.title.text.startswith(title_start))
    return [shape.chart for shape in slide.shapes if shape.has_chart]


STATUS_NAMES = ["Planned", "On track", "At risk", "Delayed", "Completed", "Discontinued"]


def test_the_deck_s_trend_draws_every_status_and_each_quarter_sums_to_the_plan(quarters):
    deck = Presentation(io.BytesIO(build(quarters, "pptx", "2026-Q3")))
    (chart,) = charts_of(deck, "Statuses over the quarters")
    assert [series.name for series in chart.series] == STATUS_NAMES  # at risk too, absent from the last quarter
    categories = list(chart.plots[0].categories)
    # the pack's window: the previous GLM's quarter (2026-Q2) to this one, and at least the four before this one
    assert categories == ["Q3\u00a02025", "Q4\u00a02025", "Q1\u00a02026", "Q2\u00a02026", "Q3\u00a02026"]
    for i, quarter in enumerate(categories):
        assert sum(series.values[i] for series in chart.series) == 4, quarter  # the plan's four activities
    axis = chart.value_axis
    assert axis.major_unit == 1 and axis.minimum_scale == 0 and axis.tick_labels.number_format == "0"


def test_every_chart_of_the_deck_has_the_six_statuses_in_order(quarters):
    deck = Presentation(io.BytesIO(build(quarters, "pptx", "2026-Q3")))
    charts = [shape.chart for slide in deck.slides for shape in slide.shapes if shape.has_chart]
    assert len(charts) == 4  # key figures, trend, two pillars
    for chart in charts:
        assert [series.name for series in chart.series] == STATUS_NAMES
        assert float(chart.value_axis.major_unit).is_integer()


@pytest.mark.parametrize("largest, step", [(1, 1), (4, 1), (10, 1), (11, 2), (20, 2), (50, 5), (101, 20),
                                           (5000, 500)])
def test_count_axes_step_in_whole_numbers_with_at_most_ten_steps(largest, step):
    from sip.exports.slides import tick_step

    assert tick_step(largest) == step


# --- the words of /reports --------------------------------------------------------------------------------------


@pytest.fixture
def a_year_of_reporting(quarters, open_period, make_report):
    """2026-Q1 closed: Test WG delivered after the due date, Second WG not at all; 2026-Q4 open, due 15 Dec."""
    open_period("2026-Q1", date(2026, 4, 15), close=True)
    make_report("wg-test-plan", "2026-Q1", "accepted", {"1.1.1.1": {"status": "on_track"}},
                submitted_on=date(2026, 4, 20))
    open_period("2026-Q4", date(2026, 12, 15))
    return quarters


def compliance_sheet(content: bytes) -> dict[str, dict[str, str]]:
    """{body: {quarter: words}} of the workbook's compliance sheet (below its caption naming the window; the
    on-time columns left out)."""
    _caption, header, *rows = load_workbook(io.BytesIO(content))["Compliance"].iter_rows(values_only=True)
    quarters = [i for i, name in enumerate(header) if re.fullmatch(r"Q\d\u00a0\d{4}", name or "")]
    return {row[0]: {header[i].replace("\u00a0", " "): row[i] for i in quarters} for row in rows}


def test_the_pack_says_where_each_report_stands_in_the_words_of_reports(a_year_of_reporting):
    app = a_year_of_reporting
    before_due = compliance_sheet(build(app, "xlsx", "2026-Q4", today=date(2026, 12, 1)))
    window = {"Q4 2025": "Not open", "Q1 2026": "Delivered late", "Q2 2026": "On time", "Q3 2026": "On time",
              "Q4 2026": "Not due yet"}
    assert {q: before_due["Test WG"][q] for q in list(window)[1:]} == dict(list(window.items())[1:])
    assert {q: before_due["Second WG"][q] for q in list(window)[1:]} == {
        "Q1 2026": "Missing", "Q2 2026": "Missing", "Q3 2026": "On time", "Q4 2026": "Not due yet"}
    after_due = compliance_sheet(build(app, "xlsx", "2026-Q4", today=date(2026, 12, 20)))
    assert after_due["Test WG"]["Q4 2026"] == after_due["Second WG"]["Q4 2026"] == "Overdue"
    words = {str(label) for label in DELIVERY_LABELS.values()}
    assert {w for body in before_due.values() for w in body.values() if w} <= words


def test_the_deck_and_the_pdf_use_the_same_words_and_define_them(a_year_of_reporting):
    app = a_year_of_reporting
    deck = Presentation(io.BytesIO(build(app, "pptx", "2026-Q4", today=date(2026, 12, 20))))
    slide = next(s for s in deck.slides if s.shapes.title.text.startswith("Reporting compliance"))
    table = next(shape.table for shape in slide.shapes if shape.has_table)
    cells = {row.cells[0].text: [cell.text for cell in row.cells][2:] for row in table.rows}
    assert cells["Body"] == ["Q1\u00a02026", "Q2\u00a02026", "Q3\u00a02026", "Q4\u00a02026", "On-time rate"]
    assert cells["Test WG"] == ["Delivered late", "On time", "On time", "Overdue", "50 %"]
    assert cells["Second WG"] == ["Missing", "Missing", "On time", "Overdue", "25 %"]
    texts = " ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
    assert ("Not due yet: before the due date" in texts and "Overdue: past the due date" in texts
            and "Missing: the quarter closed without a report" in texts)
    with app.test_request_context("/"), force_locale("en"):
        pack = build_pack(current_strategy(), period_of("2026-Q4"), "en", today=date(2026, 12, 20))
        html = render_html(pack)
        assert pack.delivery() == [("overdue", "Overdue", 2)]
    assert "Delivered late" in html and "Not due yet: before the due date" in html


def test_every_reporting_body_appears_in_the_pack_s_compliance(quarters):
    sheet = compliance_sheet(build(quarters, "xlsx", "2026-Q3"))
    with quarters.app_context():
        expected = [body.name.get("en") or body.slug for body in reporting_bodies(TODAY)]
    assert sorted(sheet) == sorted(expected)


# --- filed for whom ---------------------------------------------------------------------------------------------


@pytest.fixture
def cluster_reports(quarters, make_report, make_user):
    """The global cluster is accountable for 1.1.1.2 and reports through a named focal point; the country teams'
    report is filed by the secretariat on their behalf."""
    focal = make_user("Fatou Focale", email="fatou.focale@example.org")
    with quarters.app_context():
        cluster = Body(slug="glc", kind="cluster", name={"fr": "Cluster logistique mondial",
                                                          "en": "Global Logistics Cluster"}, aliases=[])
        teams = Body(slug="country-teams", kind="country_teams", name={"fr": "Équipes pays", "en": "Country teams"},
                     aliases=[])
        db.session.add_all([cluster, teams])
        db.session.flush()
        for body, code in ((cluster, "1.1.1.2"), (teams, "2.1.1.1")):
            activity = db.session.scalar(select(Activity).where(Activity.code == code))
            db.session.add(Responsibility(activity_id=activity.id, body_id=body.id, role="lead", position=0))
            activity.accountable_body_id = body.id
        db.session.commit()
        set_reporting_focal_point(cluster, None, person=db.session.get(User, focal))
        set_reporting_focal_point(teams, None, secretariat=True)
    make_report("glc", "2026-Q3", "accepted", {"1.1.1.2": {"status": "on_track", "achievements": "FILED BY FOCAL"}},
                summary="The cluster's quarter.", submitted_on=date(2026, 10, 12), submitted_by=focal)
    make_report("country-teams", "2026-Q3", "accepted", {"2.1.1.1": {"status": "completed",
                                                                     "achievements": "FILED BY SECRETARIAT"}},
                submitted_on=date(2026, 10, 13))
    return quarters


def test_a_report_filed_for_a_body_is_the_body_s_and_names_no_one(cluster_reports):
    app = cluster_reports
    header, hashtags, *rows = csv.reader(io.StringIO(build(app, "updates_csv", "2026-Q3").decode("utf-8-sig")))
    by, achievements = hashtags.index("#org+impl"), header.index("Achievements")
    reported = {row[achievements]: row[by] for row in rows}
    assert reported["FILED BY FOCAL"] == "Global Logistics Cluster"
    assert reported["FILED BY SECRETARIAT"] == "Country teams"
    with app.test_request_context("/"), force_locale("en"):
        html = render_html(build_pack(current_strategy(), period_of("2026-Q3"), "en", today=TODAY))
    assert "Global Logistics Cluster" in html and "The cluster&#39;s quarter." in html
    assert "FILED BY FOCAL" in html  # the cluster's update is the one that sets 1.1.1.2's status
    texts = {name: text_of(name, build(app, name, "2026-Q3")) for name in services.FORMATS if name != "pdf"}
    for name, text in {**texts, "html": html}.items():
        for personal in ("Fatou", "fatou.focale", "Jeanne", "jeanne.rapporteuse"):
            assert personal not in text, (name, personal)


def text_of(name: str, content: bytes) -> str:
    """Everything a file says, as text: every cell of a workbook, every text and table of a deck and its document
    properties, a CSV file as it is."""
    if name == "xlsx":
        return " ".join(str(value) for sheet in load_workbook(io.BytesIO(content))
                        for row in sheet.iter_rows(values_only=True) for value in row if value is not None)
    if name == "pptx":
        deck = Presentation(io.BytesIO(content))
        parts = [deck.core_properties.author or "", deck.core_properties.last_modified_by or ""]
        for slide in deck.slides:
            for shape in slide.shapes:
                if shape.has_text_frame:
                    parts.append(shape.text_frame.text)
                if shape.has_table:
                    parts += [cell.text for row in shape.table.rows for cell in row.cells]
        return " ".join(parts)
    return content.decode("utf-8-sig")
