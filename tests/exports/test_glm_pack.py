"""The GLM pack the plenary is shown (issue 17): every defect found on the demo data, checked in the PDF, the deck
and the workbook of one demo world built once for the module (the tests only read it: a test that needs a database
of its own goes to test_pack_pages, since on PostgreSQL it would replace this world's)."""
import io
import re
import zipfile
from datetime import date

import openpyxl
import pytest
from pptx import Presentation
from pypdf import PdfReader
from sqlalchemy import select

from seed.demo import create_demo_accounts
from seed.demo_pack import create_demo_pack
from seed.demo_reports import create_demo_reports
from sip import create_app
from sip.accounts.models import User
from sip.config import TestConfig
from sip.dashboards import data
from sip.dashboards.colours import STATUS_ORDER
from sip.dashboards.selection import Periods
from sip.exports import services, store
from sip.exports.sections import quarter_label
from sip.extensions import db
from sip.governance import services as governance
from sip.plan.models import STATUSES, Activity
from sip.plan.queries import current_strategy
from sip.reporting import services as reporting
from sip.reporting.models import ActivityStatus
from tests.conftest import SERVER_URL, _fresh_schema, load_real_seed

TODAY = date(2026, 11, 22)  # the upcoming GLM is November 2026's (2026-Q4), fed by 2026-Q3
UPCOMING, FEEDING, PREVIOUS = "2026-Q4", "2026-Q3", "2026-Q2"
# The window: from the previous GLM's quarter to this one, and at least the four before this one.
WINDOW = ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The real plan, the demo people, reports and GLM names, one amendment endorsed by the SAG; and every file of
    the upcoming GLM's pack in both languages, built once."""
    url = SERVER_URL or f"sqlite:///{tmp_path_factory.mktemp('pack') / 'pack.sqlite'}"
    app = create_app(TestConfig(url))
    with app.app_context():
        if SERVER_URL:
            _fresh_schema()
        else:
            db.create_all()
        load_real_seed()
        strategy = current_strategy()
        reporting.ensure_periods(strategy)
        db.session.commit()
        create_demo_accounts()
        create_demo_reports(today=TODAY)
        create_demo_pack(today=TODAY)
        admin = db.session.scalar(select(User).where(User.email == "rome.demo@example.org"))
        sag = db.session.scalar(select(User).where(User.email == "sag.demo@example.org"))
        activity = db.session.scalar(select(Activity).where(Activity.code == "1.1.1.2"))
        change = governance.Change("edit_text", activity=activity,
                                   text={"fr": "Texte révisé de la note d'orientation.",
                                         "en": "Revised text of the guidance note."})
        amendment = governance.propose(strategy, change, "The partners asked for a shorter note with examples.",
                                       admin)
        db.session.commit()
        governance.decide_sag(amendment, sag, endorse=True, note="Endorsed.")
        db.session.commit()
        files = {}
        with app.test_request_context():
            for lang in ("fr", "en"):
                choice = services.choose(strategy, None, lang, lang, today=TODAY)
                for name in services.FORMATS:
                    files[(name, lang)] = store.build_and_keep(name, strategy, choice, TODAY).content
        app.extensions["pack_files"] = files
        app.extensions["amendment"] = amendment.id
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]


def deck_texts(content: bytes) -> list[str]:
    """Every slide's text (shapes and table cells), one string per slide."""
    slides = []
    for slide in Presentation(io.BytesIO(content)).slides:
        parts = []
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
        slides.append("\n".join(parts))
    return slides


def book(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def files(world, name: str, lang: str) -> bytes:
    return world.extensions["pack_files"][(name, lang)]


def html(world, lang: str) -> str:
    """The PDF's HTML, as WeasyPrint prints it (charts left out: the text is the same)."""
    from flask_babel import force_locale

    from sip.exports.content import build_pack
    from sip.exports.pdf import render_html

    with world.test_request_context(), force_locale(lang):
        world.config["SIP_CHROMIUM"] = "/nonexistent/chromium"
        strategy = current_strategy()
        choice = services.choose(strategy, None, lang, lang, today=TODAY)
        pack = build_pack(strategy, choice.period, lang, today=TODAY, periods=choice.periods, glm=choice.glm)
        return render_html(pack)


# --- the right quarter --------------------------------------------------------------------------------------------


def test_the_export_proposes_the_upcoming_glm_fed_by_the_last_accepted_quarter(world):
    with world.app_context():
        choice = services.choose(current_strategy(), None, "en", "en", today=TODAY)
        assert (choice.code, choice.period.code) == (UPCOMING, FEEDING)
    text = " ".join(pdf_pages(files(world, "pdf", "en")))
    assert "has been accepted yet" not in text  # the old pack for the upcoming GLM said "no report accepted yet"
    assert "GLM November 2026" in text


# --- the deck's trend and the dashboards' frames ----------------------------------------------------------------


def chart_of(deck, title_start: str):
    for slide in deck.slides:
        if slide.shapes.title is not None and slide.shapes.title.text.startswith(title_start):
            return next(shape.chart for shape in slide.shapes if shape.has_chart)
    raise AssertionError(f"no slide titled {title_start}")


def test_the_deck_s_trend_has_every_status_series_with_the_dashboard_s_figures(world):
    deck = Presentation(io.BytesIO(files(world, "pptx", "en")))
    chart = chart_of(deck, "Statuses over the quarters")
    series = {s.name: list(s.values) for s in chart.plots[0].series}
    assert "At risk" in series and len(series) == len(STATUS_ORDER)
    assert list(chart.plots[0].categories) == [quarter_label(code, "en") for code in WINDOW]
    with world.app_context():
        strategy = current_strategy()
        periods = Periods.of(strategy)
        frame = data.status_over_time(strategy, [periods.find(code) for code in WINDOW])
    for status in STATUS_ORDER:
        expected = [int(frame[(frame["period"] == code) & (frame["status"] == status)]["count"].sum())
                    for code in WINDOW]
        assert series[str(STATUSES[status])] == expected, status


def test_the_deck_s_pillar_chart_matches_the_dashboard_s_counts(world):
    deck = Presentation(io.BytesIO(files(world, "pptx", "en")))
    chart = chart_of(deck, "Key figures")
    series = {s.name: list(s.values) for s in chart.plots[0].series}
    with world.app_context():
        strategy = current_strategy()
        counts = data.status_counts(data.activity_statuses(strategy, Periods.of(strategy).find(FEEDING)))
    for status in STATUS_ORDER:
        expected = [int(counts[(counts["pillar"] == n) & (counts["status"] == status)]["count"].sum())
                    for n in (1, 2, 3, 4)]
        assert series[str(STATUSES[status])] == expected, status


# --- key figures: never reported ----------------------------------------------------------------------------------


def never_reported(world) -> int:
    with world.app_context():
        period = Periods.of(current_strategy()).find(FEEDING)
        return db.session.query(ActivityStatus).filter(ActivityStatus.period_id == period.id,
                                                       ActivityStatus.update_id.is_(None)).count()


def test_the_never_reported_count_stands_beside_the_key_figures_in_every_format(world):
    count = never_reported(world)
    assert count > 0
    sentence = f"{count} activities have never been reported on"
    assert sentence in " ".join(pdf_pages(files(world, "pdf", "en"))).replace("\n", " ")
    assert any(sentence in text for text in deck_texts(files(world, "pptx", "en")))
    summary = book(files(world, "xlsx", "en"))["Summary"]
    assert ("Never reported on", count) in [(row[0], row[1]) for row in summary.iter_rows(values_only=True)]


# --- changes and amendments ---------------------------------------------------------------------------------------


def test_every_other_status_change_is_listed_before_and_after_in_the_pdf_and_the_deck(world):
    with world.app_context():
        strategy = current_strategy()
        periods = Periods.of(strategy)
        changes = data.changes_between(strategy, periods.find(FEEDING), periods.find(PREVIOUS))
    others = changes[changes["change"] == "status_change"]
    assert not others.empty
    page = html(world, "en")
    section = page[page.index('id="changes"'):page.index('id="amendments"')]
    deck = "\n".join(deck_texts(files(world, "pptx", "en")))
    for row in others.to_dict("records"):
        assert row["code"] in section
        assert f"{STATUSES[row['before']]} → {STATUSES[row['after']]}" in deck


def test_the_amendment_endorsed_by_the_sag_is_the_plenary_s_decision_item_in_every_format(world):
    number = str(world.extensions["amendment"])
    page = html(world, "en")
    section = page[page.index('id="amendments"'):page.index('id="progress"')]
    assert "Revised text of the guidance note." in section and f"<td>{number}</td>" in section
    deck = deck_texts(files(world, "pptx", "en"))
    assert any("Amendments for verification at this GLM" in t and "Revised text of the guidance note." in t
               for t in deck)
    sheet = book(files(world, "xlsx", "en"))["Amendments"]
    assert "Revised text of the guidance note." in [row[4] for row in sheet.iter_rows(values_only=True)]


# --- one window, named on every table ---------------------------------------------------------------------------


def test_the_compliance_window_is_the_same_in_the_pdf_the_deck_and_the_workbook_with_an_on_time_rate(world):
    labels = [quarter_label(code, "en") for code in WINDOW]
    page = html(world, "en")
    compliance = page[page.index('id="compliance"'):page.index('id="next-steps"')]
    headers = re.findall(r'<th scope="col" class="quarter">([^<]+)</th>', compliance)
    assert headers == labels
    assert "On-time rate per body" in compliance and "Q3\u00a02025 – Q3\u00a02026" in compliance
    deck = Presentation(io.BytesIO(files(world, "pptx", "en")))
    slide = next(s for s in deck.slides if s.shapes.title.text.startswith("Reporting compliance"))
    table = next(shape.table for shape in slide.shapes if getattr(shape, "has_table", False) and shape.has_table)
    assert [cell.text for cell in table.rows[0].cells][1:] == [*labels, "On-time rate"]
    sheet = book(files(world, "xlsx", "en"))["Compliance"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Reports delivered, Q3\u00a02025 – Q3\u00a02026"
    assert list(rows[1][1:1 + len(labels)]) == labels and rows[1][-1] == "On-time rate (%)"


# --- clean French, clean English --------------------------------------------------------------------------------


def test_the_french_pack_names_the_glm_and_the_quarters_in_french(world):
    pdf = " ".join(pdf_pages(files(world, "pdf", "fr")))
    deck = "\n".join(deck_texts(files(world, "pptx", "fr")))
    for text in (pdf, deck):
        assert "GLM novembre 2026" in text and "November" not in text
        assert "T3\u00a02026" in text
    interface = interface_text(html(world, "fr"), "en")  # what the bodies wrote in English aside
    assert "T3\u00a02026" in interface and not re.search(r"\b20\d\d-Q\d\b", interface)
    titles = [s.shapes.title.text for s in Presentation(io.BytesIO(files(world, "pptx", "fr"))).slides]
    assert not any(re.search(r"\b20\d\d-Q\d\b", title) for title in titles)


def test_the_french_deck_is_tagged_french_and_english_originals_are_marked_and_tagged_english(world):
    content = files(world, "pptx", "fr")
    archive = zipfile.ZipFile(io.BytesIO(content))
    xml = "".join(archive.read(name).decode("utf-8") for name in archive.namelist() if name.endswith(".xml"))
    assert 'lang="en-US"' not in xml and 'lang="fr-FR"' in xml
    marked = [run for slide in Presentation(io.BytesIO(content)).slides for shape in slide.shapes
              if getattr(shape, "has_table", False) and shape.has_table
              for row in shape.table.rows for cell in row.cells for p in cell.text_frame.paragraphs
              for run in p.runs if run.text.endswith("(original in English)")]
    assert marked and all(run._r.rPr.get("lang") == "en-GB" for run in marked)


def test_the_french_pdf_marks_english_texts_with_their_language(world):
    page = html(world, "fr")
    assert re.search(r'<span lang="en">[^<]+</span> <span class="original" lang="en">\(original in English\)</span>',
                     page)
    assert '<html lang="fr">' in page


def test_the_english_pack_marks_french_texts_with_their_language(world):
    with world.app_context():
        from sip.exports.sections import written
        found = written("Les groupes de travail ont remis la plupart des rapports à temps ce trimestre.", "en")
    assert found.original == "fr" and found.mark == "(original en français)"


ENGLISH_WORDS = ["Planned", "On track", "At risk", "Delayed", "Completed", "Pillar", "Quarter", "Key figures",
                 "Highlights", "Next steps", "Amendments", "continued", "Reporting", "Support requested", "None"]
FRENCH_WORDS = ["Prévue", "En bonne voie", "À risque", "En retard", "Terminée", "Pilier", "Trimestre",
                "Chiffres clés", "Prochaines étapes", "Amendements", "suite", "Soutien demandé", "Aucun"]


def interface_text(html_text: str, other: str) -> str:
    """The PDF's text without the texts the bodies wrote in the other language (marked with their lang)."""
    html_text = re.sub(rf'<span lang="{other}">.*?</span>', "", html_text, flags=re.S)
    html_text = re.sub(rf'<span class="original" lang="{other}">.*?</span>', "", html_text, flags=re.S)
    html_text = re.sub(rf'<p lang="{other}">.*?</p>', "", html_text, flags=re.S)
    html_text = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", html_text, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html_text)


@pytest.mark.parametrize(("lang", "other", "words"), [("fr", "en", ENGLISH_WORDS), ("en", "fr", FRENCH_WORDS)])
def test_the_pack_has_no_interface_word_of_the_other_language(world, lang, other, words):
    text = interface_text(html(world, lang), other)
    found = [word for word in words if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)]
    assert not found, found


# --- text worth reading -----------------------------------------------------------------------------------------


def test_main_achievements_have_no_repeated_or_empty_entry(world):
    page = html(world, "en")
    for box in re.findall(r'<div class="highlights">(.*?)</div>', page, flags=re.S):
        items = [re.sub(r"<[^>]+>", "", item).split(" ", 1)[-1].strip()
                 for item in re.findall(r"<li>(.*?)</li>", box, flags=re.S)]
        assert all(items) and len(items) == len(set(items))


def test_no_quarter_is_broken_across_lines_in_the_pdf_or_a_slide_title(world):
    text = "\n".join(pdf_pages(files(world, "pdf", "fr")))
    assert not re.search(r"20\d\d-\s*\n\s*Q\d", text) and not re.search(r"T\d\s*\n\s*20\d\d", text)
    deck = Presentation(io.BytesIO(files(world, "pptx", "fr")))
    for slide in deck.slides:
        title = slide.shapes.title.text if slide.shapes.title is not None else ""
        assert not re.search(r"20\d\d-Q\d", title), title


def test_the_pdf_has_a_sensible_page_count_and_no_page_left_nearly_blank(world):
    reader = PdfReader(io.BytesIO(files(world, "pdf", "en")))
    pages = reader.pages
    assert 15 <= len(pages) <= 45
    for number, page in enumerate(pages[1:-1], start=2):
        text = page.extract_text() or ""
        has_image = bool(page.images)
        assert has_image or len(text) >= 400, f"page {number} is nearly blank ({len(text)} characters)"


def test_the_running_header_halves_keep_to_their_own_width():
    from sip.exports.pdf import STYLESHEET

    css = STYLESHEET.read_text(encoding="utf-8")
    left = re.search(r"@top-left \{[^}]*\}", css).group(0)
    right = re.search(r"@top-right \{[^}]*\}", css).group(0)
    widths = [int(re.search(r"width: (\d+)%", box).group(1)) for box in (left, right)]
    assert sum(widths) <= 100


# --- the sections ---------------------------------------------------------------------------------------------


SECTIONS = ["Highlights", "Key figures", "What changed since the last GLM", "Amendments for verification at this GLM",
            "Progress by pillar and outcome", "Risks and delays, with the support asked of the SAG",
            "Reporting compliance", "Next steps", "Open action points"]  # the last: the last GLM's (none here)


def test_the_pdf_and_the_deck_have_every_section_a_plenary_expects(world):
    page = html(world, "en")
    for title in SECTIONS:
        assert f"<h2>{title}" in page, title
    titles = [slide.shapes.title.text for slide in Presentation(io.BytesIO(files(world, "pptx", "en"))).slides]
    for title in SECTIONS:
        if title != "Progress by pillar and outcome":  # the deck shows it as one slide per pillar
            assert any(t.startswith(title) for t in titles), title
    assert any(t.startswith("Pillar 1 · ") for t in titles)


def test_the_workbook_has_a_sheet_per_section_with_a_print_setup_and_real_dates(world):
    workbook = book(files(world, "xlsx", "en"))
    for name in ("Summary", "Key figures", "Changes", "Amendments", "Plan", "Updates", "Risks", "Compliance",
                 "Next steps", "Open action points"):
        sheet = workbook[name]
        assert sheet.page_setup.paperSize in (9, "9"), name
    updates = workbook["Updates"]
    header = [cell.value for cell in updates[1]]
    row = [cell.value for cell in updates[3]]
    assert row[header.index("No progress this quarter")] in ("Yes", "No")
    reported = updates.cell(row=3, column=header.index("Reported on") + 1)
    assert reported.is_date and updates.print_title_rows


def test_slides_never_cut_text_they_continue_on_a_new_slide(world):
    deck = Presentation(io.BytesIO(files(world, "pptx", "en")))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert any(title.endswith("(continued)") for title in titles)
    risks = "\n".join(deck_texts(files(world, "pptx", "en")))
    with world.app_context():
        strategy = current_strategy()
        at_risk = data.at_risk(strategy, Periods.of(strategy).find(FEEDING))
    for code, text in zip(at_risk["code"], at_risk["text_en"], strict=True):
        assert code in risks and text in risks  # every risk, whole, none summarised as "and N more"


# --- one click ------------------------------------------------------------------------------------------------


def test_the_semicolon_csv_opens_in_columns_in_french_excel(world):
    content = files(world, "updates_semicolon", "fr").decode("utf-8-sig")
    header, first = content.split("\r\n")[:2]
    assert header.startswith("Trimestre;Pilier;Code;") and first.count(";") == header.count(";")
    assert "#date" not in content


def test_readme_names_every_file_of_the_zip(world):
    with world.test_request_context():
        built = store.pack_zip(current_strategy(), UPCOMING, "en", today=TODAY)
    archive = zipfile.ZipFile(io.BytesIO(built.content))
    names = set(archive.namelist())
    assert len(names) == 1 + 2 * len(services.FORMATS)
    readme = archive.read("README.txt").decode("utf-8")
    for name in names - {"README.txt"}:
        assert name in readme
    assert {"sip-glm-report-2026-Q4-fr.pdf", "sip-glm-slides-2026-Q4-en.pptx", "sip-data-2026-Q4-fr.xlsx"} <= names
