"""Steps the browser journeys share."""
from playwright.sync_api import expect

from tests.conftest import DEFAULT_PASSWORD


def sign_in(page, base: str, email: str) -> None:
    """Sign in through the login form, in English, and wait until the page says so."""
    page.goto(f"{base}/login?lang=en")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
