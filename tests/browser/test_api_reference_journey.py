"""In a real browser: a partner reads the API reference (rendered by the app, no request leaving the site), creates a
token on their account page, reads reports with it, then revokes it."""
import re

from playwright.sync_api import expect

from sip.accounts.models import User
from sip.accounts.passwords import hash_password
from sip.extensions import db
from tests.browser.journeys import sign_in
from tests.conftest import DEFAULT_PASSWORD


def add_viewer(app) -> str:
    """A partner viewer on the live server's database; returns their e-mail address."""
    with app.app_context():
        db.session.add(User(email="partner@ngo.example", name="Pat Partner", password_hash=hash_password(DEFAULT_PASSWORD),
                            language="en"))
        db.session.commit()
    return "partner@ngo.example"


def test_the_api_reference_renders_with_no_request_leaving_the_site(live_server, page):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{live_server}/plan?lang=en")
    page.get_by_role("link", name="API and open data").click()
    expect(page).to_have_url(f"{live_server}/api/v1/docs")
    expect(page.get_by_role("heading", level=1)).to_contain_text("API reference")
    expect(page.locator("#operations")).to_contain_text("GET /api/v1/activities")
    expect(page.locator("#schemas")).to_contain_text("ActivityOut")
    page.get_by_role("link", name="/api/v1/openapi.json").click()
    expect(page.locator("body")).to_contain_text(re.compile(r'"openapi":\s*"3\.1\.0"'))
    assert requests and all(url.startswith(live_server) for url in requests), [
        url for url in requests if not url.startswith(live_server)]


def test_the_reference_and_the_personal_data_page_have_no_serious_accessibility_violation(live_server, page):
    # The suite's accessibility check leaves /api/ out (tests/field/world.py): the reference page is checked here.
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    for path in ("/api/v1/docs?lang=en", "/api/v1/docs?lang=fr", "/privacy?lang=fr"):
        page.goto(f"{live_server}{path}")
        found = [(v["id"], v["nodes"][0]["html"][:120]) for v in axe.run(page).response["violations"]
                 if v["impact"] in ("serious", "critical")]
        assert found == [], path


def test_a_partner_creates_a_token_reads_reports_with_it_and_revokes_it(live_app, live_server, page):
    sign_in(page, live_server, add_viewer(live_app))
    page.goto(f"{live_server}/account")
    page.get_by_label("Name").last.fill("Partner dashboard")
    page.get_by_role("button", name="Create a token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new API token")
    secret = page.get_by_label("Token").input_value()
    assert re.fullmatch(r"sip_[\w-]{40,}", secret)

    api = page.context.request
    reports = api.get(f"{live_server}/api/v1/reports", headers={"Authorization": f"Bearer {secret}"})
    assert reports.status == 200 and reports.json()["items"] == []  # a viewer: accepted reports only (none yet)

    page.get_by_role("link", name="Back to my account").click()
    row = page.locator("#api-tokens tr", has_text="Partner dashboard")
    expect(row).to_contain_text(secret[:10])
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator(".flash-success")).to_contain_text("is revoked")
    refused = api.get(f"{live_server}/api/v1/reports", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status == 401 and refused.headers["content-type"] == "application/problem+json"
