"""The report pack in a real browser: the secretariat picks a quarter and French, downloads the workbook and the PDF,
then the whole pack as one zip."""
import io
import re
import zipfile
from datetime import date

from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from seed.demo_reports import create_demo_reports
from sip.accounts.models import Membership, User
from sip.accounts.passwords import hash_password
from sip.bodies.models import Body
from sip.extensions import db
from sip.plan.queries import current_strategy
from sip.reporting.services import ensure_periods
from tests.browser.journeys import sign_in
from tests.conftest import DEFAULT_PASSWORD

SECRETARIAT = "secretariat.exports@example.org"


def add_secretariat_and_demo_reports(app) -> None:
    """A member of the Rome support team, and the demo reports (2024-Q1 … 2026-Q3; GLMs on Q2 and Q4)."""
    from seed.demo import create_demo_accounts

    with app.app_context():
        ensure_periods(current_strategy())
        db.session.commit()
        create_demo_accounts()
        create_demo_reports(today=date(2026, 11, 22))
        rome = db.session.scalar(db.select(Body).where(Body.slug == "rome-support-team"))
        person = User(email=SECRETARIAT, name="Export Tester", language="en",
                      password_hash=hash_password(DEFAULT_PASSWORD))
        db.session.add_all([person, Membership(user=person, body=rome, role="member")])
        db.session.commit()


def test_secretariat_downloads_the_workbook_and_the_pdf_in_french(live_server, live_app, page, tmp_path):
    add_secretariat_and_demo_reports(live_app)
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    sign_in(page, live_server, SECRETARIAT)
    page.get_by_role("link", name="Exports", exact=True).click()
    expect(page).to_have_url(f"{live_server}/exports")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Exports")

    page.locator("select[name=period]").select_option("2026-Q2")
    page.locator("select[name=lang]").select_option("fr")

    with page.expect_download() as workbook_download:
        page.locator('button[data-format="xlsx"]').click()
    download = workbook_download.value
    assert download.suggested_filename == "sip-data-2026-Q2-fr.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = load_workbook(saved)
    plan = [list(row) for row in book["Plan"].iter_rows(values_only=True)]
    assert plan[0][0] == "Pilier"
    assert plan[1][0] == "#activity+programme+code"  # the HXL hashtag row, as in the CSV
    assert len(plan) == 52  # the header, the hashtags and the plan's 50 activities
    assert {row[3] for row in plan[2:]} <= {"Prévue", "En bonne voie", "À risque", "En retard", "Terminée",
                                             "Abandonnée"}

    with page.expect_download(timeout=90_000) as pdf_download:
        page.locator('button[data-format="pdf"]').click(timeout=90_000)  # the form's navigation ends with the file
        # While the server draws the charts, the page says so in its status line (read out by screen readers).
        expect(page.locator("#export-status")).to_contain_text(re.compile(r"\S"))
    download = pdf_download.value
    assert download.suggested_filename == "sip-glm-report-2026-Q2-fr.pdf"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    reader = PdfReader(io.BytesIO(saved.read_bytes()))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    assert len(reader.pages) > 10
    assert "Pilier 1 · Base de partenariat" in text and "Chiffres clés" in text

    # The files were in French; the pages stay in English, as the reader chose.
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # The whole pack of that GLM in one click: every file in both languages and a README naming them.
    page.goto(f"{live_server}/exports?period=2026-Q2")
    # the list of files says which are built (the page is in English: the English files are not built yet)
    expect(page.locator("#file-states [data-file=pdf] .file-state")).to_have_attribute("data-state", "missing")
    with page.expect_download(timeout=120_000) as zip_download:
        # the link's navigation ends with the file, once the server has built every file of the pack (over 10 s on
        # a busy CI machine), as for the PDF above
        page.get_by_role("link", name="Download the whole pack (zip)").click(timeout=120_000)
    download = zip_download.value
    assert download.suggested_filename == "sip-glm-pack-2026-Q2.zip"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    archive = zipfile.ZipFile(saved)
    names = set(archive.namelist())
    assert {"README.txt", "sip-glm-report-2026-Q2-fr.pdf", "sip-glm-report-2026-Q2-en.pdf",
            "sip-glm-slides-2026-Q2-fr.pptx", "sip-data-2026-Q2-en.xlsx"} <= names
    readme = archive.read("README.txt").decode("utf-8")
    assert all(name in readme for name in names - {"README.txt"})
    assert problems == []
