"""The main journey through the plan in a real browser."""
from playwright.sync_api import expect


def test_reader_opens_the_plan_switches_to_english_filters_by_training_wg_and_opens_an_activity(live_server, page):
    page.goto(f"{live_server}/plan")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Pilier 1")

    page.locator("[data-lang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Pillar 1")

    page.get_by_label("Responsible body").select_option("wg-training")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(f"{live_server}/plan?body=wg-training&status=&pillar=&q=")
    links = page.locator("a[href^='/plan/activities/']")
    expect(links).to_have_count(2)

    links.first.click()
    expect(page).to_have_url(f"{live_server}/plan/activities/3.1.1.2")
    expect(page.get_by_role("heading", level=1)).to_contain_text("3.1.1.2")
    expect(page.locator("dl.facts")).to_contain_text("Training")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_language_choice_is_remembered_across_pages(live_server, page):
    page.goto(f"{live_server}/plan?lang=en")
    page.get_by_role("link", name="Bodies").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bodies")
