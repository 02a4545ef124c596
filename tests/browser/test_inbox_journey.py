"""The home page moves a report along, in a real browser: the lead submits from their home page, the secretariat
finds it on theirs and returns it with a note, the lead finds the note on theirs."""
from playwright.sync_api import expect

from tests.browser.journeys import sign_in
from tests.browser.test_report_journey import ACCOUNTABLE, SHARED, add_people_and_open_quarter

NOTE = "Please add the number of people trained."


def test_lead_submits_secretariat_returns_from_home_and_lead_reads_the_note_on_home(live_server, live_app, browser,
                                                                                     page):
    add_people_and_open_quarter(live_app)
    sign_in(page, live_server, "lead@example.org")
    page.goto(f"{live_server}/")
    to_file = page.locator("#home-to-file")
    expect(to_file).to_contain_text("Not started")
    to_file.get_by_role("link", name="2026-Q4").click()
    expect(page).to_have_url(f"{live_server}/reports/2026-Q4/wg-training")
    page.get_by_label(f"Status ({ACCOUNTABLE})").select_option("on_track")
    page.get_by_label(f"Achievements this quarter ({ACCOUNTABLE})").fill("Two regional trainings held.")
    page.get_by_label(f"Contribution note ({SHARED})").fill("We trained the GLC's trainers.")
    page.get_by_label("Summary of the quarter for the whole report").fill("A good quarter for training.")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status").first).to_contain_text("Report submitted for review.")
    page.goto(f"{live_server}/")
    expect(page.locator("#home-to-file")).to_contain_text("No report waits for you to submit it")

    secretariat = browser.new_context(locale="en-GB").new_page()
    sign_in(secretariat, live_server, "rome@example.org")
    secretariat.goto(f"{live_server}/")
    to_review = secretariat.locator("#home-to-review")
    expect(to_review).to_contain_text("2026-Q4")
    to_review.get_by_role("link", name="2026-Q4").click()
    expect(secretariat).to_have_url(f"{live_server}/reports/2026-Q4/wg-training#review")
    secretariat.get_by_label("Note to the group", exact=False).fill(NOTE)
    secretariat.get_by_role("button", name="Return to the group").click()
    expect(secretariat.get_by_role("status").first).to_contain_text("Report returned to the group with your note.")
    secretariat.goto(f"{live_server}/")
    expect(secretariat.locator("#home-to-review")).to_contain_text("No report waits for your review.")
    secretariat.context.close()

    page.goto(f"{live_server}/")
    to_file = page.locator("#home-to-file")
    expect(to_file).to_contain_text("Returned")
    expect(to_file).to_contain_text(NOTE)
    to_file.get_by_role("link", name="2026-Q4").click()
    expect(page).to_have_url(f"{live_server}/reports/2026-Q4/wg-training#review-note")
    expect(page.locator("#review-note")).to_contain_text(NOTE)
