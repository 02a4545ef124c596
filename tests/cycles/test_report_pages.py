"""The end-of-strategy report as its readers get it: the page, each table's CSV, the workbook and the PDF, and who
may see them."""
import csv
import io
import shutil
import subprocess

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import select

from sip.core.i18n import LANG_SESSION_KEY
from sip.cycles import report_files
from sip.cycles.models import CarryOver
from sip.cycles.report_data import closing_report
from sip.extensions import db
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from tests.cycles.test_report_data import add_draft, close_current, strategy_demo  # noqa: F401  shared fixtures
from tests.exports.conftest import DEMO_TODAY, client_as, demo, people  # noqa: F401  the pack's fixtures

SLUG = "2022-2026"
REPORT = f"/strategies/{SLUG}/report"
FORMULA = '=HYPERLINK("http://evil.example","x")'


def headings(lang: str) -> list[str]:
    """Each table's heading in the language, as the report names them."""
    with force_locale(lang):
        report = closing_report(current_strategy(), DEMO_TODAY)
        return [part.heading for part in report_files.sections(report, lang)]


def titles(lang: str) -> tuple[str, str]:
    """The report's title and the strategy's title in the language."""
    with force_locale(lang):
        strategy = current_strategy()
        return report_files.title(), strategy.title[lang]


@pytest.fixture
def carried(strategy_demo):
    """A carry-over decision whose reason the secretariat typed as a formula."""
    with strategy_demo.app_context():
        activity = db.session.scalar(select(Activity).order_by(Activity.position).limit(1))
        db.session.add(CarryOver(from_activity_id=activity.id, decision="discontinued",
                                 reason={"fr": FORMULA, "en": FORMULA}))
        db.session.commit()
    return strategy_demo


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_page_lists_every_table_in_the_readers_language(strategy_demo, client_as, lang):
    response = client_as("viewer").get(f"{REPORT}?lang={lang}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<html lang="{lang}"' in page
    with strategy_demo.test_request_context("/"):
        wanted = headings(lang)
        title, strategy_title = titles(lang)
    assert len(wanted) == len(report_files.TABLES)
    for heading, name in zip(wanted, report_files.TABLES, strict=True):
        assert heading in page
        assert f'id="{name}"' in page
    assert title in page and strategy_title in page
    assert ("Pilier 1" if lang == "fr" else "Pillar 1") in page
    assert ("Dans les délais" if lang == "fr" else "On time") in page
    # nothing carried over yet: the table says so in a sentence
    assert 'id="carry-over-table"' not in page
    assert page.count('class="empty"') >= 1


def test_each_tables_csv_has_its_rows_in_the_readers_language(strategy_demo, client_as):
    client = client_as("viewer")
    for name in report_files.TABLES:
        response = client.get(f"{REPORT}/{name}.csv?lang=en")
        assert response.status_code == 200, name
        assert response.mimetype == "text/csv"
        assert f'filename="sip-closing-report-{SLUG}-{name}.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(client.get(f"{REPORT}/statuses.csv").data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Code", "Pillar", "Outcome", "Activity", "Status"]
    with strategy_demo.app_context():
        count = len(closing_report(current_strategy(), DEMO_TODAY).statuses)
    assert len(rows) == 1 + count
    amendments = list(csv.reader(io.StringIO(client.get(f"{REPORT}/amendments.csv").data.decode("utf-8-sig"))))
    assert amendments[1][2] == "1.3.1.2" and amendments[1][-1] == "2/0/1"


def test_a_formula_typed_in_a_carry_over_reason_is_neutralised_in_the_csv(carried, client_as):
    text = client_as("viewer").get(f"{REPORT}/carry-over.csv?lang=en").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][4] == "'" + FORMULA
    assert "Closed as discontinued" in rows[1]


def test_an_unknown_table_is_not_found(strategy_demo, client_as):
    assert client_as("viewer").get(f"{REPORT}/secrets.csv").status_code == 404


def test_the_workbook_opens_with_a_sheet_per_table_after_the_summary(carried, client_as):
    response = client_as("viewer").get(f"{REPORT}.xlsx?lang=fr")
    assert response.status_code == 200
    assert f'filename="sip-closing-report-{SLUG}-fr.xlsx"' in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data), read_only=False)
    assert len(book.sheetnames) == 1 + len(report_files.TABLES)
    with carried.test_request_context("/"):
        wanted = [heading[:31] for heading in headings("fr")]
        title, strategy_title = titles("fr")
    assert book.sheetnames[1:] == wanted
    summary = [cell for row in book.worksheets[0].iter_rows(values_only=True) for cell in row if cell]
    assert title in summary and strategy_title in summary
    carry = book.worksheets[-1]
    reasons = [row[4] for row in carry.iter_rows(values_only=True)]
    assert FORMULA in reasons  # kept as text: a cell starting with = is never written as a formula
    assert all(cell.data_type != "f" for row in carry.iter_rows() for cell in row)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_pdf_is_a_pdf_titled_in_the_language_asked_for(strategy_demo, client_as, lang):
    client = client_as("viewer")
    response = client.get(f"{REPORT}.pdf?lang={lang}")
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF-")
    assert response.mimetype == "application/pdf"
    assert f'filename="sip-closing-report-{SLUG}-{lang}.pdf"' in response.headers["Content-Disposition"]
    text = " ".join(subprocess.run(["pdftotext", "-", "-"], input=response.data, capture_output=True,
                                   check=True).stdout.decode("utf-8").split())
    with strategy_demo.test_request_context("/"):
        title, strategy_title = titles(lang)
        _, other_title = titles("en" if lang == "fr" else "fr")
    assert title in text and " ".join(strategy_title.split()) in text
    assert " ".join(other_title.split()) not in text
    assert ("Pilier 1" if lang == "fr" else "Pillar 1") in text


def test_choosing_a_files_language_does_not_switch_the_readers_pages(strategy_demo, client_as):
    client = client_as("viewer")
    client.get(f"{REPORT}?lang=en")
    assert client.get(f"{REPORT}.xlsx?lang=fr").status_code == 200
    with client.session_transaction() as session:
        assert session[LANG_SESSION_KEY] == "en"
    assert client.get(f"{REPORT}.xlsx?lang=de").status_code == 400


def test_an_anonymous_visitor_is_asked_to_sign_in(strategy_demo, client_as):
    client = client_as("anonymous")
    for address in (REPORT, f"{REPORT}/statuses.csv", f"{REPORT}.pdf", f"{REPORT}.xlsx"):
        response = client.get(address)
        assert response.status_code == 302, address
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["viewer", "wg_member", "sag", "secretariat"])
def test_every_signed_in_reader_sees_the_report(strategy_demo, client_as, role):
    assert client_as(role).get(REPORT).status_code == 200


def test_an_unknown_or_draft_strategy_has_no_report(strategy_demo, client_as):
    with strategy_demo.app_context():
        add_draft("2027-2031")
    client = client_as("secretariat")
    assert client.get("/strategies/1999-2003/report").status_code == 404
    assert client.get("/strategies/2027-2031/report").status_code == 404
    assert client.get("/strategies/2027-2031/report.pdf").status_code == 404
    assert client.get("/strategies/2027-2031/report/statuses.csv").status_code == 404


def test_a_closed_strategys_report_is_read_in_its_own_address(strategy_demo, client_as):
    with strategy_demo.app_context():
        close_current()
    client = client_as("viewer")
    for address in (REPORT, f"/s/{SLUG}{REPORT}"):
        response = client.get(f"{address}?lang=en")
        assert response.status_code == 200, address
        assert "Each activity at the close" in response.get_data(as_text=True)
    # in the strategy's own address, each code leads to that strategy's activity; elsewhere codes are not links
    assert f'href="/s/{SLUG}/plan/activities/1.1.1.1"' in client.get(f"/s/{SLUG}{REPORT}").get_data(as_text=True)
    assert 'href="/plan/activities/1.1.1.1"' not in client.get(REPORT).get_data(as_text=True)
    assert client.get(f"/s/{SLUG}{REPORT}/statuses.csv").status_code == 200
