"""Two-step sign-in in a real browser: a secretariat member sets it up at sign-in, then signs in with a code."""
import time

import pyotp
from playwright.sync_api import expect

from sip.accounts.models import Membership, User
from sip.accounts.passwords import hash_password
from sip.bodies.models import Body
from sip.extensions import db
from tests.conftest import DEFAULT_PASSWORD


def add_secretariat_member(app) -> None:
    """Giulia, of the Rome support team, on the live server's database; two-step sign-in required as in production."""
    app.config["SIP_MFA_REQUIRED_ROLES"] = ("secretariat", "admin")
    with app.app_context():
        body = db.session.scalar(db.select(Body).where(Body.slug == "rome-support-team"))
        user = User(email="giulia@example.org", name="Giulia Rossi", language="en",
                    password_hash=hash_password(DEFAULT_PASSWORD))
        db.session.add_all([user, Membership(user=user, body=body, role="member")])
        db.session.commit()


def enter_password(page, base: str, path: str = "/login?lang=en") -> None:
    """The first step: e-mail and password."""
    page.goto(base + path)
    page.get_by_label("E-mail").fill("giulia@example.org")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def not_a_code(secret: str) -> str:
    """A 6-digit code that the app does not show around now."""
    totp = pyotp.TOTP(secret)
    valid = {totp.at(time.time() + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(code for code in ("000000", "111111", "222222", "333333", "444444", "555555") if code not in valid)


def test_a_secretariat_member_sets_up_two_step_sign_in_then_signs_in_with_a_code(live_server, live_app, page):
    add_secretariat_member(live_app)
    enter_password(page, live_server, "/login?lang=en&next=/admin/people")

    expect(page).to_have_url(f"{live_server}/login/enrol")
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    expect(page.locator("#qr svg")).to_be_visible()
    secret = page.locator("#secret").inner_text().replace(" ", "")
    page.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-step sign-in").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them — continue").click()
    expect(page).to_have_url(f"{live_server}/admin/people")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")

    enter_password(page, live_server)
    expect(page).to_have_url(f"{live_server}/login/code")
    page.get_by_label("Code", exact=True).fill(not_a_code(secret))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("This code is not right, or it has been used already.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    # the code of the next step: the one used to set up is never accepted again
    page.get_by_label("Code", exact=True).fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome, Giulia Rossi.")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("link", name="Giulia Rossi").click()
    expect(page.locator("#two-step")).to_contain_text("On since")
