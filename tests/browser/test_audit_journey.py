"""The audit trail in a real browser: after a failed sign-in, the secretariat finds it, opens it and downloads it."""
import csv
import io
import re

from playwright.sync_api import expect

from sip.accounts.models import Membership, User
from sip.accounts.passwords import hash_password
from sip.bodies.models import Body
from sip.extensions import db
from tests.browser.journeys import sign_in
from tests.conftest import DEFAULT_PASSWORD

SECRETARIAT = "secretariat.audit@example.org"


def add_people(app) -> None:
    """A member of the Rome support team and a working-group lead, on the live server's database."""
    with app.app_context():
        rome = db.session.scalar(db.select(Body).where(Body.slug == "rome-support-team"))
        training = db.session.scalar(db.select(Body).where(Body.slug == "wg-training"))
        sara = User(email=SECRETARIAT, name="Sara Audit", language="en", password_hash=hash_password(DEFAULT_PASSWORD))
        lena = User(email="lena.lead@example.org", name="Lena Lead", language="en",
                    password_hash=hash_password(DEFAULT_PASSWORD))
        db.session.add_all([sara, lena, Membership(user=sara, body=rome, role="member"),
                            Membership(user=lena, body=training, role="lead")])
        db.session.commit()


def test_secretariat_finds_a_failed_sign_in_opens_it_and_downloads_it(live_server, live_app, page, browser, tmp_path):
    add_people(live_app)
    # Someone mistypes Lena's password, in another browser.
    other = browser.new_context()
    intruder = other.new_page()
    intruder.goto(f"{live_server}/login?lang=en")
    intruder.get_by_label("E-mail").fill("lena.lead@example.org")
    intruder.get_by_label("Password").fill("not her password at all")
    intruder.get_by_role("button", name="Sign in").click()
    expect(intruder.get_by_role("alert")).to_have_text("Wrong e-mail address or password.")
    other.close()

    sign_in(page, live_server, SECRETARIAT)
    page.get_by_role("link", name="Administration").click()
    page.get_by_label("Administration").get_by_role("link", name="Audit trail").click()
    expect(page).to_have_url(f"{live_server}/admin/audit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")

    page.get_by_role("link", name="Failed sign-ins").click()
    expect(page).to_have_url(f"{live_server}/admin/audit?action=login.failed")
    rows = page.locator("table.audit tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Lena Lead")
    expect(rows.first).to_contain_text("Failed sign-in")
    expect(rows.first).to_contain_text("127.0.0.1")

    rows.first.get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(rf"{live_server}/admin/audit/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Failed sign-in")
    expect(page.locator("dl")).to_contain_text("lena.lead@example.org")
    page.get_by_role("link", name="Back to the audit trail").click()

    page.get_by_role("link", name="Failed sign-ins").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download these entries (CSV)").click()
    download = download_info.value
    assert re.fullmatch(r"sip-audit-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert rows[0][:5] == ["id", "at", "person", "email", "action"]
    assert [(row[2], row[3], row[4]) for row in rows[1:]] == [("Lena Lead", "lena.lead@example.org", "login.failed")]
