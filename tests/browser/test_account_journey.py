"""Signing in and out in a real browser."""
from playwright.sync_api import expect

from sip.accounts.models import Membership, User
from sip.accounts.passwords import hash_password
from sip.bodies.models import Body
from sip.extensions import db
from tests.conftest import DEFAULT_PASSWORD


def add_lead(app) -> None:
    """A lead of the training working group on the live server's database."""
    with app.app_context():
        body = db.session.scalar(db.select(Body).where(Body.slug == "wg-training"))
        user = User(email="lead@example.org", name="Jean Dupont", language="en", password_hash=hash_password(DEFAULT_PASSWORD))
        db.session.add_all([user, Membership(user=user, body=body, role="lead")])
        db.session.commit()


def test_lead_signs_in_sees_their_working_group_and_signs_out(live_server, live_app, page):
    add_lead(live_app)
    page.goto(f"{live_server}/plan?lang=en")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("E-mail").fill("lead@example.org")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{live_server}/plan?lang=en")
    expect(page.get_by_role("status")).to_contain_text("Welcome, Jean Dupont.")
    page.get_by_role("link", name="SIP Tracker", exact=True).click()
    you = page.locator("#you")
    expect(you).to_contain_text("Training Working Group")
    expect(you).to_contain_text("Lead")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    page.goto(f"{live_server}/account")
    expect(page).to_have_url(f"{live_server}/login?next=%2Faccount")


def test_a_wrong_password_shows_a_clear_message(live_server, live_app, page):
    add_lead(live_app)
    page.goto(f"{live_server}/login?lang=en")
    page.get_by_label("E-mail").fill("lead@example.org")
    page.get_by_label("Password").fill("this is not my password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail address or password.")
    expect(page.get_by_label("E-mail")).to_have_value("lead@example.org")
