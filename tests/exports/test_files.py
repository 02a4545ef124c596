"""Each file of the report pack opened as its reader would (pypdf, python-pptx, openpyxl, csv) and checked against
the database: every pillar, the key figures, an achievement, the language, accepted data only, nothing personal."""
import csv
import io
import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from datetime import date

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from PIL import Image
from pptx import Presentation
from pypdf import PdfReader
from sqlalchemy import select

from sip.bodies.models import Body
from sip.exports import services
from sip.exports.content import build_pack
from sip.exports.pdf import render_html
from sip.extensions import db
from sip.plan.models import Activity, Outcome, Output, Pillar
from sip.plan.queries import current_strategy
from sip.reporting.models import ActivityStatus, ActivityUpdate, GroupReport, ReportingPeriod
from sip.reporting.queries import reporting_bodies
from sip.reporting.services import ensure_periods
from tests.exports.conftest import DEMO_TODAY, GLM_PERIOD, HIDDEN, PERSONAL, period_of

STATUS_LABELS = {
    "en": {"planned": "Planned", "on_track": "On track", "at_risk": "At risk", "delayed": "Delayed",
           "completed": "Completed", "discontinued": "Discontinued"},
    "fr": {"planned": "Prévue", "on_track": "En bonne voie", "at_risk": "À risque", "delayed": "En retard",
           "completed": "Terminée", "discontinued": "Abandonnée"},
}
PILLAR_WORD = {"en": "Pillar", "fr": "Pilier"}


def build(app, name: str, code: str, lang: str) -> bytes:
    """One file of the pack, built by the service as the download builds it."""
    with app.test_request_context("/"):
        strategy = current_strategy()
        choice = services.choose(strategy, code, lang, "en", today=DEMO_TODAY)
        return services.export(name, strategy, choice, today=DEMO_TODAY).content


def flat(text: str) -> str:
    """Text with its line breaks and runs of spaces made single spaces, and no space after a hyphen (a PDF wraps
    lines where it likes, "information-management" too)."""
    return re.sub(r"(?<=\w-) (?=\w)", "", " ".join(text.split()))


def pdf_text(content: bytes) -> list[str]:
    """The text of each page of a PDF."""
    return [flat(page.extract_text() or "") for page in PdfReader(io.BytesIO(content)).pages]


def quarter_statuses(app, code: str = GLM_PERIOD) -> dict[str, str]:
    """{activity code: status} of the plan's activities (retired ones left out) as of the quarter: their rows of the
    status table, the one truth the pack must repeat."""
    with app.app_context():
        return dict(db.session.execute(
            select(Activity.code, ActivityStatus.status)
            .join(ActivityStatus, ActivityStatus.activity_id == Activity.id)
            .where(ActivityStatus.period_id == period_of(code).id, Activity.retired_on.is_(None))).all())


def current_counts(app, code: str = GLM_PERIOD) -> Counter:
    """How many activities are in each status as of the quarter (the GLM's by default), from the status table."""
    return Counter(quarter_statuses(app, code).values())


def pillar_titles(app, lang: str) -> dict[int, str]:
    """Each pillar's title in the language, from the database."""
    with app.app_context():
        return {number: title[lang] for number, title in db.session.execute(select(Pillar.number, Pillar.title))}


def accepted_updates(app, code: str) -> list[tuple[str, str, str]]:
    """(activity code, reporting body, achievements) of the accepted updates of a quarter that report progress."""
    year, quarter = map(int, code.split("-Q"))
    with app.app_context():
        return db.session.execute(
            select(Activity.code, Body.slug, ActivityUpdate.achievements)
            .join(ActivityUpdate, ActivityUpdate.activity_id == Activity.id)
            .join(GroupReport, ActivityUpdate.report_id == GroupReport.id)
            .join(Body, GroupReport.body_id == Body.id)
            .join(ReportingPeriod, GroupReport.period_id == ReportingPeriod.id)
            .where(GroupReport.state == "accepted", ReportingPeriod.year == year, ReportingPeriod.quarter == quarter,
                   ActivityUpdate.achievements != "", ActivityUpdate.no_progress.is_(False))).all()


def achievements_of(app, code: str) -> dict[str, list[str]]:
    """{activity code: [achievements of each group]} of the accepted updates of a quarter that report progress."""
    found: dict[str, list[str]] = {}
    for activity, _body, text in accepted_updates(app, code):
        found.setdefault(activity, []).append(flat(text))
    return found


def assert_nothing_personal(text: str) -> None:
    """No demo person's name, e-mail or phone in the text."""
    for personal in PERSONAL:
        assert personal not in text, personal


# --- PDF --------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def preview_dir(tmp_path_factory):
    """Where the rendered first page is kept for a person to look at (SIP_EXPORT_PREVIEW, else a temp folder)."""
    return os.environ.get("SIP_EXPORT_PREVIEW") or str(tmp_path_factory.mktemp("preview"))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_pdf_report_has_every_pillar_the_key_figures_and_the_quarter_s_achievements(demo, lang):
    pages = pdf_text(build(demo, "pdf", GLM_PERIOD, lang))
    text = " ".join(pages)
    assert len(pages) >= 10
    for number, title in pillar_titles(demo, lang).items():
        assert f"{PILLAR_WORD[lang]} {number} · {title}" in text
    counts = current_counts(demo)
    summary = next(page for page in pages if ("Key figures" if lang == "en" else "Chiffres clés") in page
                   and "....." not in page)  # the key figures' own page, not the contents
    for status, label in STATUS_LABELS[lang].items():  # each figure above its label: "38" then "Planned"
        assert re.search(rf"(?<!\d){counts[status]}\s*{re.escape(label)}", summary), (status, label)
    for code, texts in achievements_of(demo, GLM_PERIOD).items():  # the update that sets the status, and the
        for achievement in texts:  # other responsible bodies' contribution notes beside it
            assert achievement in text, code
    assert_nothing_personal(text)


def test_pdf_report_is_an_a4_document_with_page_numbers_and_a_running_header(demo):
    demo.config["SIP_CHROMIUM"] = "/nonexistent/chromium"  # the pages do not depend on the charts; faster
    content = build(demo, "pdf", GLM_PERIOD, "en")
    reader = PdfReader(io.BytesIO(content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    total = len(reader.pages)
    third = flat(reader.pages[2].extract_text())
    assert f"3 / {total}" in third
    assert "Logistics Cluster Strategy Implementation Plan 2022–2026" in third
    assert "Q2 2026 · GLM June 2026" in third  # (flat() makes the quarter's no-break space a space)
    assert reader.metadata.title.startswith("Progress report for the GLM June 2026")


def test_pdf_first_page_renders_to_png_for_a_person_to_look_at(demo, tmp_path, preview_dir):
    assert shutil.which("pdftoppm"), "pdftoppm is missing: apt-get install poppler-utils"
    source = tmp_path / "report.pdf"
    source.write_bytes(build(demo, "pdf", GLM_PERIOD, "fr"))
    target = os.path.join(preview_dir, "sip-glm-report-first-page")
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(source), target],
                   check=True)
    print(f"first page of the PDF: {target}.png")
    with Image.open(f"{target}.png") as image:
        width, height = image.size
        assert abs(height / width - 297 / 210) < 0.01
        assert image.convert("RGB").getpixel((5, 5)) == (0, 85, 127)  # the cover's colour, edge to edge
        assert len(image.convert("L").getcolors(maxcolors=256 * 256)) > 20  # text drawn, not a blank page


def test_pdf_without_chromium_says_its_charts_are_missing_and_keeps_their_tables(demo):
    demo.config["SIP_CHROMIUM"] = "/nonexistent/chromium"
    text = " ".join(pdf_text(build(demo, "pdf", GLM_PERIOD, "en")))
    assert "The charts could not be drawn on this server: Install Chromium" in text
    assert "All pillars" in text  # the status-by-pillar table is still there


def test_pdf_of_a_quarter_without_accepted_report_says_so(demo):
    demo.config["SIP_CHROMIUM"] = "/nonexistent/chromium"
    text = " ".join(pdf_text(build(demo, "pdf", "2023-Q4", "en")))  # not a GLM's: no quarter feeds it
    assert "No report for Q4 2023 has been accepted yet" in text.replace("\u00a0", " ")
    assert "No report for Q4 2023 has been accepted yet." in text.replace("\u00a0", " ")


@pytest.mark.parametrize("name", ["pptx", "xlsx"])
def test_deck_and_workbook_of_a_quarter_without_accepted_report_say_so(demo, name):
    content = build(demo, name, "2023-Q4", "en")  # not a GLM's: no quarter feeds it
    if name == "pptx":
        text = slide_texts(Presentation(io.BytesIO(content)))[0]
    else:
        text = " ".join(str(value) for row in sheet_rows(workbook(content)["Summary"]) for value in row if value)
    assert "No report for Q4 2023 has been accepted yet" in text.replace("\u00a0", " ")


def test_every_format_is_made_for_a_plan_that_no_group_has_reported_on(seeded):
    seeded.config["SIP_CHROMIUM"] = "/nonexistent/chromium"
    with seeded.app_context():
        ensure_periods(current_strategy())
        db.session.commit()
    files = {name: build(seeded, name, None, "en") for name in services.FORMATS}
    assert "planned" in files["activities_csv"].decode("utf-8-sig")
    assert len(read_csv(files["updates_csv"])) == 2  # the header and the hashtags: no update yet
    assert len(PdfReader(io.BytesIO(files["pdf"])).pages) > 5
    assert len(Presentation(io.BytesIO(files["pptx"])).slides) >= 12  # every section, "none" where empty
    assert len(sheet_rows(workbook(files["xlsx"])["Plan"])) == 52  # the header, the hashtags, 50 activities


def test_a_plan_without_quarters_has_nothing_to_export(seeded):
    with seeded.test_request_context("/"), pytest.raises(services.ExportError) as refused:
        services.choose(current_strategy(), None, "en", "en")
    assert refused.value.status == 404


# --- PowerPoint -------------------------------------------------------------------------------------------------


def slide_texts(deck) -> list[str]:
    """All the text of each slide: text frames and table cells."""
    texts = []
    for slide in deck.slides:
        parts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
        texts.append(flat(" ".join(parts)))
    return texts


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_deck_has_a_slide_per_pillar_with_an_editable_chart_of_its_statuses(demo, lang):
    deck = Presentation(io.BytesIO(build(demo, "pptx", GLM_PERIOD, lang)))
    titles = pillar_titles(demo, lang)
    slides = {slide.shapes.title.text: slide for slide in deck.slides}
    of_quarter = quarter_statuses(demo)
    with demo.app_context():
        per_pillar = Counter((number, of_quarter[code]) for number, code in db.session.execute(
            select(Pillar.number, Activity.code).join(Outcome, Outcome.pillar_id == Pillar.id)
            .join(Output, Output.outcome_id == Outcome.id).join(Activity, Activity.output_id == Output.id)
            .where(Activity.retired_on.is_(None))).all())
    counts = current_counts(demo)
    for number, title in titles.items():
        slide = slides[f"{PILLAR_WORD[lang]} {number} · {title}"]
        charts = [shape.chart for shape in slide.shapes if shape.has_chart]
        assert len(charts) == 1
        series = {s.name: int(sum(s.values)) for s in charts[0].series}
        for status, label in STATUS_LABELS[lang].items():
            assert series.get(label, 0) == per_pillar[(number, status)], (number, status)
    # The key figures slide's chart adds up, status by status, to the database's counts.
    key = next(slide for slide in deck.slides if any(shape.has_chart for shape in slide.shapes)
               and slide.shapes.title.text.startswith(("Key figures", "Chiffres clés")))
    chart = next(shape.chart for shape in key.shapes if shape.has_chart)
    by_label = {s.name: int(sum(s.values)) for s in chart.series}
    for status, label in STATUS_LABELS[lang].items():
        assert by_label.get(label, 0) == counts[status], status


def test_deck_shows_the_key_figures_the_achievements_and_no_one_s_details(demo):
    deck = Presentation(io.BytesIO(build(demo, "pptx", GLM_PERIOD, "en")))
    texts = slide_texts(deck)
    assert texts[0].startswith("Progress report for the GLM June 2026")
    counts = current_counts(demo)
    key_figures = next(text for slide, text in zip(deck.slides, texts, strict=True)
                       if slide.shapes.title.text.startswith("Key figures"))
    for status, label in STATUS_LABELS["en"].items():
        assert f"{counts[status]} {label}" in key_figures, status
    achievements = achievements_of(demo, GLM_PERIOD)
    pillar_texts = [text for slide, text in zip(deck.slides, texts, strict=True)
                    if slide.shapes.title.text.startswith("Pillar ")]
    shown = [code for code in achievements if any(f"{code} " in text for text in pillar_texts)]
    assert shown, "no achievement of the quarter on the pillar slides"
    for code in shown:
        assert any(achievement[:60] in text for achievement in achievements[code] for text in texts), code
    first_risk = min(code for code, status in quarter_statuses(demo).items() if status in ("at_risk", "delayed"))
    assert any(text.startswith("Risks and delays") and first_risk in text for text in texts)
    assert any(text.startswith("Reporting compliance") for text in texts)
    assert_nothing_personal(" ".join(texts))
    assert_nothing_personal(zipfile.ZipFile(io.BytesIO(build(demo, "pptx", GLM_PERIOD, "en"))).read(
        "docProps/core.xml").decode())
    assert deck.core_properties.last_modified_by == "Global Logistics Cluster"  # not the template's author


# --- Excel ------------------------------------------------------------------------------------------------------


def workbook(content: bytes):
    """The workbook opened with openpyxl."""
    return load_workbook(io.BytesIO(content))


def sheet_rows(sheet) -> list[list]:
    """The values of every row of a sheet."""
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_workbook_plan_sheet_has_every_activity_with_its_status_in_the_language(demo, lang):
    book = workbook(build(demo, "xlsx", GLM_PERIOD, lang))
    assert len(book.sheetnames) >= 10  # a sheet per section of the pack
    plan = book.worksheets[4]
    header, hashtags, *rows = sheet_rows(plan)
    # core HXL only, as in the CSV files (sip/exports/hxl.py): the plan's levels are the core's programme > activity
    assert hashtags[:4] == ["#activity+programme+code", "#activity+activity+code", f"#activity+activity+name+i_{lang}",
                            f"#status+name+i_{lang}"]
    statuses = quarter_statuses(demo)
    assert len(rows) == len(statuses)
    code_at, status_at = header.index("Code"), 3
    assert {row[code_at]: row[status_at] for row in rows} == {
        code: STATUS_LABELS[lang][status] for code, status in statuses.items()}
    assert {row[0] for row in rows} == {1, 2, 3, 4}
    assert header[0] == PILLAR_WORD[lang]


def test_workbook_updates_sheet_has_one_row_per_activity_quarter_and_group_of_accepted_reports(demo):
    book = workbook(build(demo, "xlsx", "2025-Q4", "en"))  # accepted reports of 2026 exist: they must be left out
    header, _hashtags, *rows = sheet_rows(book["Updates"])
    with demo.app_context():
        expected = set(db.session.execute(
            select(ReportingPeriod.year, ReportingPeriod.quarter, Activity.code, Body.slug)
            .join(GroupReport, GroupReport.period_id == ReportingPeriod.id)
            .join(Body, GroupReport.body_id == Body.id)
            .join(ActivityUpdate, ActivityUpdate.report_id == GroupReport.id)
            .join(Activity, ActivityUpdate.activity_id == Activity.id)
            .where(GroupReport.state == "accepted", ReportingPeriod.year * 10 + ReportingPeriod.quarter <= 20254)
        ).all())
    body = header.index("Reporting body code")
    found = [(row[0], row[2], row[body]) for row in rows]
    assert len(found) == len(set(found))  # one row per activity, quarter and reporting group
    assert set(found) == {(f"Q{q}\u00a0{y}", code, slug) for y, q, code, slug in expected}
    assert header[:4] == ["Quarter", "Pillar", "Code", "Activity"]


def test_workbook_sheets_have_a_styled_header_filters_frozen_panes_and_widths(demo):
    book = workbook(build(demo, "xlsx", GLM_PERIOD, "en"))
    assert book.sheetnames[:9] == ["Summary", "Key figures", "Changes", "Amendments", "Plan", "Updates", "Risks",
                                   "Compliance", "Next steps"]
    assert book.sheetnames[-1] == "Plan changes"
    for name in ("Plan", "Updates", "Compliance", "Risks"):
        sheet = book[name]
        hxl = name in ("Plan", "Updates")  # their hashtag row, as in the CSV files, carries the filter
        header = 1 if hxl else 2  # the other tables have a caption naming their quarters above the header
        assert sheet.auto_filter.ref.startswith(f"A{header + hxl}:"), name
        assert sheet.freeze_panes.endswith(str(header + hxl + 1)), name
        if hxl:
            assert all(str(value).startswith("#") for value in sheet_rows(sheet)[1]), name
        first = sheet.cell(row=header, column=1)
        assert first.font.bold and first.fill.fgColor.rgb.endswith("00557F"), name
        assert all(8 <= dimension.width <= 62 for dimension in sheet.column_dimensions.values()), name
    compliance = sheet_rows(book["Compliance"])[1:]
    assert compliance[0][0] == "Body" and compliance[0][1] == "Q2\u00a02025" and compliance[0][5] == "Q2\u00a02026"
    with demo.app_context():  # every body that reports, in the order of /reports
        reporting = [body.name.get("en") or body.slug for body in reporting_bodies(DEMO_TODAY)]
    assert sorted(row[0] for row in compliance[1:]) == sorted(reporting)
    assert {"Partnerships Working Group", "Training Working Group", "Strategic Advisory Group"} <= set(reporting)
    risks = sheet_rows(book["Risks"])[1:]
    at_risk = {code for code, status in quarter_statuses(demo).items() if status in ("at_risk", "delayed")}
    assert at_risk and sorted(row[0] for row in risks[1:]) == sorted(at_risk)
    assert sheet_rows(book["Plan changes"])[0][0] == "The plan has not changed since its first recorded version."
    assert_nothing_personal(" ".join(str(value) for sheet in book for row in sheet_rows(sheet) for value in row))


# --- CSV --------------------------------------------------------------------------------------------------------


def read_csv(content: bytes) -> list[list[str]]:
    """A CSV file's rows (the byte-order mark dropped)."""
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_activities_csv_has_an_hxl_row_under_the_header_and_every_activity(demo, lang):
    header, hashtags, *rows = read_csv(build(demo, "activities_csv", GLM_PERIOD, lang))
    assert header[:3] == [PILLAR_WORD[lang], "Code", "Activité" if lang == "fr" else "Activity"]
    # core HXL only (sip/exports/hxl.py): the plan's levels are the core's programme > activity
    assert hashtags[:3] == ["#activity+programme+code", "#activity+activity+code", f"#activity+activity+name+i_{lang}"]
    assert {"#org+impl", "#status+code", "#date+reported"} <= set(hashtags)
    assert all(tag.startswith("#") for tag in hashtags)
    with demo.app_context():
        texts = dict(db.session.execute(select(Activity.code, Activity.text)).all())
    assert {row[1]: row[hashtags.index("#status+code")] for row in rows} == quarter_statuses(demo)
    assert {row[1]: row[2] for row in rows} == {code: text[lang] for code, text in texts.items()}


def test_updates_csv_has_an_hxl_row_and_one_line_per_accepted_update(demo):
    header, hashtags, *rows = read_csv(build(demo, "updates_csv", GLM_PERIOD, "en"))
    assert hashtags[:3] == ["#date", "#activity+programme+code", "#activity+activity+code"]
    assert {"#org+impl", "#status+code", "#date+reported", "#description"} <= set(hashtags)
    assert len(header) == len(hashtags)
    # the core has no attribute for achievements: the texts are all #description, told apart by their heading
    column, body = header.index("Achievements"), hashtags.index("#org+impl+code")
    quarter = {(row[2], row[body], row[column]) for row in rows if row[0] == "Q2\u00a02026" and row[column]}
    assert quarter == set(accepted_updates(demo, GLM_PERIOD))
    assert_nothing_personal(" ".join(" ".join(row) for row in rows))


# --- accepted data only, nothing personal, no formula -----------------------------------------------------------


@pytest.fixture
def all_files(quarters):
    """Every file of the pack for 2026-Q3 in English, as text (the PDF built without charts, for speed)."""
    quarters.config["SIP_CHROMIUM"] = "/nonexistent/chromium"
    files = {name: build(quarters, name, "2026-Q3", "en") for name in services.FORMATS}
    deck = Presentation(io.BytesIO(files["pptx"]))
    book = workbook(files["xlsx"])
    return {
        "pdf": " ".join(pdf_text(files["pdf"])),
        "pptx": " ".join(slide_texts(deck)),
        "xlsx": " ".join(str(v) for sheet in book for row in sheet_rows(sheet) for v in row if v is not None),
        "activities_csv": files["activities_csv"].decode("utf-8-sig"),
        "updates_csv": files["updates_csv"].decode("utf-8-sig"),
    }


def test_every_file_shows_accepted_text_only_and_no_one_s_details(all_files):
    for name, text in all_files.items():
        for hidden in HIDDEN:
            assert hidden not in text, (name, hidden)
        if name in ("pdf", "pptx", "xlsx", "updates_csv"):
            assert "Q3 ACHIEVEMENT" in text, name


def test_workbook_stores_formula_like_text_as_text(quarters):
    book = workbook(build(quarters, "xlsx", "2026-Q3", "en"))
    cells = {cell.value: cell for sheet in book for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str)}
    for text in ('=HYPERLINK("http://evil.example","x")', "+ two staff", "@finance", "-funding cut; call […] or […]"):
        assert text in cells, text
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text
    with zipfile.ZipFile(io.BytesIO(build(quarters, "xlsx", "2026-Q3", "en"))) as archive:
        sheets = " ".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/"))
    assert "<f>" not in sheets  # not a single formula in the workbook


def test_csv_files_neutralise_formula_like_text(quarters):
    header, hashtags, *rows = read_csv(build(quarters, "updates_csv", "2026-Q3", "en"))
    cells = {cell for row in rows for cell in row}
    assert "'@finance" in cells and "'-funding cut; call […] or […]" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_report_html_escapes_what_groups_wrote(quarters, make_report, open_period):
    open_period("2026-Q1", date(2026, 4, 15), close=True)
    make_report("wg-second", "2026-Q1", "accepted", {"2.1.1.2": {"status": "on_track", "achievements": "<b>bold</b>"}},
                summary='<img src="file:///etc/passwd"> & <script>alert(1)</script>', submitted_on=date(2026, 4, 1))
    quarters.config["SIP_CHROMIUM"] = "/nonexistent/chromium"
    with quarters.test_request_context("/"), force_locale("en"):
        html = render_html(build_pack(current_strategy(), period_of("2026-Q1"), "en", today=DEMO_TODAY))
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt; &amp; &lt;script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script" not in html and 'src="file:' not in html
