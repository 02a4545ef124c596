"""The exports through the test client: who may export, file types and names, bad input, missing parts, the page."""
import csv
import io
import re

import pytest

from sip.exports import availability
from sip.exports.availability import Missing
from tests.helpers import page_text

DOWNLOADS = {
    "/exports/glm.pdf": ("application/pdf", "sip-glm-report", "pdf"),
    "/exports/glm.pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
                          "sip-glm-slides", "pptx"),
    "/exports/sip.xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "sip-data", "xlsx"),
    "/exports/activities.csv": ("text/csv", "sip-activities", "csv"),
    "/exports/updates.csv": ("text/csv", "sip-updates", "csv"),
}
PATHS = ["/exports", *DOWNLOADS]
REFUSED = ["viewer", "wg_member", "other_lead", "wg_lead"]
ALLOWED = ["sag", "secretariat"]


@pytest.fixture
def quick_pdf(monkeypatch):
    """The PDF built without WeasyPrint (the access rules are what is tested, not the printing)."""
    monkeypatch.setattr("sip.exports.pdf.render_pdf", lambda pack: b"%PDF-1.7 stub of " + pack.code.encode())


def read_csv(response) -> list[list[str]]:
    """The rows of a CSV download (the byte-order mark dropped)."""
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


# --- access -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_anonymous_reader_is_sent_to_sign_in(quarters, client_as, path):
    response = client_as("anonymous").get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", REFUSED)
@pytest.mark.parametrize("path", PATHS)
def test_people_who_are_neither_secretariat_nor_sag_are_refused(quarters, client_as, role, path):
    assert client_as(role).get(f"{path}?period=2026-Q3&lang=fr").status_code == 403


@pytest.mark.parametrize("role", ALLOWED)
@pytest.mark.parametrize("path", PATHS)
def test_secretariat_and_sag_members_export(quarters, client_as, quick_pdf, role, path):
    response = client_as(role).get(f"{path}?period=2026-Q3&lang=fr")
    assert response.status_code == 200
    if path in DOWNLOADS:
        assert response.headers["Content-Disposition"].startswith("attachment;")


def test_menu_shows_exports_to_the_secretariat_and_sag_members_only(quarters, client_as):
    link = '<a href="/exports"'
    assert link in client_as("secretariat").get("/plan").get_data(as_text=True)
    assert link in client_as("sag").get("/plan").get_data(as_text=True)
    assert link not in client_as("viewer").get("/plan").get_data(as_text=True)
    assert link not in client_as("wg_lead").get("/plan").get_data(as_text=True)


# --- files: type, name, language --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [p for p in DOWNLOADS if p != "/exports/glm.pdf"])
def test_each_download_has_its_type_and_a_name_saying_what_and_when(quarters, client_as, path):
    mimetype, stem, extension = DOWNLOADS[path]
    response = client_as("secretariat").get(f"{path}?period=2026-Q2&lang=fr")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["Content-Disposition"] == f'attachment; filename="{stem}-2026-Q2-fr.{extension}"'
    assert response.headers["Cache-Control"] == "private, no-store"


def test_pdf_download_is_a_pdf_named_after_its_quarter_and_language(quarters, client_as):
    response = client_as("sag").get("/exports/glm.pdf?period=2026-Q3&lang=en")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert response.headers["Content-Disposition"] == 'attachment; filename="sip-glm-report-2026-Q3-en.pdf"'


def test_without_period_and_language_the_latest_glm_quarter_and_the_page_language_are_used(quarters, client_as):
    client = client_as("secretariat")
    client.get("/plan?lang=fr")
    response = client.get("/exports/activities.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="sip-activities-2026-Q2-fr.csv"'
    assert read_csv(response)[0][0] == "Pilier"


def test_a_period_code_is_read_whatever_its_case_and_spaces(quarters, client_as):
    response = client_as("secretariat").get("/exports/activities.csv?period=%202026-q3%20&lang=en")
    assert response.headers["Content-Disposition"] == 'attachment; filename="sip-activities-2026-Q3-en.csv"'


def test_choosing_french_files_leaves_the_pages_in_the_reader_s_language(quarters, client_as):
    client = client_as("secretariat")
    client.get("/plan?lang=en")
    assert read_csv(client.get("/exports/activities.csv?period=2026-Q3&lang=fr"))[0][0] == "Pilier"
    assert '<html lang="en">' in client.get("/exports").get_data(as_text=True)


# --- bad input --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", list(DOWNLOADS))
@pytest.mark.parametrize("query, message", [
    ("period=2026-Q9&lang=fr", "“2026-Q9” is not a quarter of the plan: write it as YEAR-Qn, for example 2026-Q2."),
    ("period=last&lang=en", "“LAST” is not a quarter of the plan"),
    ("period=2026-Q2&lang=de", "“de” is not a language of the report pack: choose fr (French) or en (English)."),
])
def test_an_unknown_quarter_or_language_answers_400_saying_what_is_wrong(quarters, client_as, path, query, message):
    client = client_as("secretariat")
    client.get("/plan?lang=en")
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert message in page_text(response)


def test_an_unknown_quarter_on_the_exports_page_answers_400_and_offers_the_default(quarters, client_as):
    response = client_as("secretariat").get("/exports?period=1999-Q1&lang=en")
    assert response.status_code == 400
    text = page_text(response)
    assert "“1999-Q1” is not a quarter of the plan" in text
    assert '<option selected value="2026-Q2">' in text


def test_exports_of_an_app_without_a_plan_say_there_is_nothing_to_export(app, client_as):
    client = client_as("secretariat")
    assert client.get("/exports").status_code == 404
    response = client.get("/exports/sip.xlsx")
    assert response.status_code == 404
    assert "No plan is loaded yet" in page_text(response)


# --- missing parts ----------------------------------------------------------------------------------------------

NO_PANGO = Missing("pango", "WeasyPrint cannot start (OSError: cannot load library 'libpango-1.0-0').",
                   "Install the pango libraries (Debian or Ubuntu: apt-get install libpango-1.0-0 libpangoft2-1.0-0).")


def test_without_pango_the_pdf_answers_503_naming_what_to_install(quarters, client_as, monkeypatch):
    monkeypatch.setattr(availability, "weasyprint_problem", lambda: NO_PANGO)
    client = client_as("secretariat")
    client.get("/plan?lang=en")
    response = client.get("/exports/glm.pdf?period=2026-Q2&lang=en")
    assert response.status_code == 503
    text = page_text(response)
    assert "The PDF report cannot be made on this server." in text
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in text


def test_without_pango_the_other_formats_still_work(quarters, client_as, monkeypatch):
    monkeypatch.setattr(availability, "weasyprint_problem", lambda: NO_PANGO)
    client = client_as("secretariat")
    for path in DOWNLOADS:
        if path != "/exports/glm.pdf":
            assert client.get(f"{path}?period=2026-Q2&lang=en").status_code == 200, path


def test_exports_page_greys_out_a_format_whose_part_is_missing(quarters, client_as, monkeypatch):
    monkeypatch.setattr(availability, "weasyprint_problem", lambda: NO_PANGO)
    client = client_as("secretariat")
    client.get("/plan?lang=en")
    html = client.get("/exports").get_data(as_text=True)
    pdf = re.search(r'<section class="card export-format" id="format-pdf".*?</section>', html, re.S).group(0)
    assert '<button type="button" disabled' in pdf
    assert "Not available on this server." in pdf and "apt-get install libpango-1.0-0" in pdf
    pptx = re.search(r'<section class="card export-format" id="format-pptx".*?</section>', html, re.S).group(0)
    assert 'formaction="/exports/glm.pptx"' in pptx and "disabled" not in pptx


def test_a_missing_python_package_makes_its_format_unavailable(quarters, client_as, monkeypatch):
    real = availability.package_problem

    def no_pptx(module, package, needed_for):
        return real("no_such_module_for_the_test", package, needed_for) if module == "pptx" else None

    monkeypatch.setattr(availability, "package_problem", no_pptx)
    client = client_as("secretariat")
    client.get("/plan?lang=en")
    response = client.get("/exports/glm.pptx?period=2026-Q2&lang=en")
    assert response.status_code == 503
    assert "The Python package python-pptx is missing" in page_text(response)
    assert client.get("/exports/sip.xlsx?period=2026-Q2&lang=en").status_code == 200


def test_without_chromium_the_page_says_the_pdf_comes_without_charts(quarters, client_as, app):
    app.config["SIP_CHROMIUM"] = "/nonexistent/chromium"
    client = client_as("secretariat")
    client.get("/plan?lang=en")
    text = page_text(client.get("/exports"))
    assert "Without charts on this server:" in text
    assert "No Chromium at /nonexistent/chromium" in text and "apt-get install chromium" in text
    assert 'formaction="/exports/glm.pdf"' in text


# --- the page ---------------------------------------------------------------------------------------------------


def test_exports_page_offers_every_format_for_the_chosen_quarter_and_language(quarters, client_as):
    client = client_as("sag")
    client.get("/plan?lang=en")
    html = client.get("/exports").get_data(as_text=True)
    for path in DOWNLOADS:
        assert f'formaction="{path}"' in html
    assert '<select id="period" name="period">' in html and '<select id="lang" name="lang">' in html
    assert '<option selected value="2026-Q2">2026-Q2 · Closed · GLM: GLM June 2026</option>' in html
    assert '<option selected value="en">English</option>' in html and '<option value="fr">Français</option>' in html


def test_exports_page_warns_that_the_pdf_takes_a_few_seconds_through_a_static_script(quarters, client_as):
    client = client_as("secretariat")
    client.get("/plan?lang=en")
    html = client.get("/exports").get_data(as_text=True)
    assert '<p id="export-status" role="status" aria-live="polite"></p>' in html
    assert 'data-slow data-message="Preparing the PDF report' in html
    assert "Takes a few seconds" in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert all(body == "" for _attributes, body in scripts)  # no inline script: the CSP forbids it
    sources = [re.match(r' src="([^"?]+)', attributes).group(1) for attributes, _body in scripts]
    source = next(src for src in sources if src.endswith("/exports.js"))
    assert source == "/static/js/exports.js"
    assert "export-status" in client.get(source).get_data(as_text=True)


def test_exports_page_says_when_the_quarter_has_no_accepted_report(quarters, client_as):
    client = client_as("secretariat")
    client.get("/plan?lang=en")
    assert "No report for Q4\u00a02026 has been accepted yet" in page_text(client.get("/exports?period=2026-Q4"))
    assert "has been accepted yet" not in page_text(client.get("/exports?period=2026-Q3"))
