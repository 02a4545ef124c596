"""A lead fills the report on a connection that drops: the text survives a reload offline, the save made offline is
sent when the connection returns, a save that crossed someone else's goes through the "both versions" page, and
signing out leaves nothing of theirs on the device."""
from playwright.sync_api import Error, expect

from tests.browser.journeys import sign_in
from tests.browser.test_report_journey import ACCOUNTABLE, add_people_and_open_quarter

REPORT = "/reports/2026-Q4/wg-training"


def open_report(page, base: str) -> None:
    """Sign in as the lead and open the report with the service worker in charge of the page."""
    sign_in(page, base, "lead@example.org")
    page.goto(f"{base}{REPORT}")
    page.evaluate("navigator.serviceWorker.ready")
    # The worker keeps a copy of the first page it did not serve; wait until it is in its cache.
    page.wait_for_function(
        "async (path) => !!(await caches.match(path, {ignoreVary: true}))", arg=REPORT, timeout=10_000)


def back_online(context, page) -> None:
    """The connection returns: the browser says so (Chromium may already have, and the page already be sending)."""
    context.set_offline(False)
    try:
        page.evaluate("() => setTimeout(() => window.dispatchEvent(new Event('online')), 0)")
    except Error:  # the page was already navigating: the queued save is on its way
        pass


def kept_keys(page) -> list[str]:
    """What this device keeps of the person: localStorage keys and Cache Storage names."""
    return page.evaluate("""async () => Object.keys(localStorage).filter(k => k.startsWith('sip-draft')
        || k.startsWith('sip-queue')).concat(await caches.keys())""")


def test_lead_types_offline_reloads_restores_the_draft_and_it_is_saved_when_back_online(live_server, live_app, browser):
    add_people_and_open_quarter(live_app)
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    achievements = page.get_by_label(f"Achievements this quarter ({ACCOUNTABLE})")
    try:
        open_report(page, live_server)
        context.set_offline(True)
        achievements.fill("Typed on the train, with no signal.")
        page.wait_for_function("() => Object.keys(localStorage).some(k => k.startsWith('sip-draft:'))")

        page.reload()  # offline: the service worker shows the copy it kept
        expect(page.get_by_role("status").filter(has_text="You are offline")).to_be_visible()
        expect(achievements).to_have_value("")
        page.get_by_role("button", name="Restore my text").click()
        expect(achievements).to_have_value("Typed on the train, with no signal.")

        page.get_by_role("button", name="Save draft").click()  # still offline: queued on the device
        expect(page.locator("#draft-queued")).to_contain_text("will be sent as soon as the connection returns")

        back_online(context, page)
        expect(page.locator(".flash-success")).to_have_text("Draft saved.")
        expect(achievements).to_have_value("Typed on the train, with no signal.")
        page.wait_for_function(
            "() => !Object.keys(localStorage).some(k => k.startsWith('sip-draft') || k.startsWith('sip-queue'))")
        assert not [key for key in kept_keys(page) if key.startswith(("sip-draft", "sip-queue"))]

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("link", name="Sign in")).to_be_visible()
        page.wait_for_function("async () => (await caches.keys()).length === 0")
        assert kept_keys(page) == []
    finally:
        context.close()


def test_a_save_queued_offline_that_crossed_another_save_opens_the_both_versions_page(live_server, live_app, browser):
    add_people_and_open_quarter(live_app)
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        open_report(page, live_server)
        context.set_offline(True)
        page.get_by_label(f"Achievements this quarter ({ACCOUNTABLE})").fill("Mine, typed offline.")
        page.get_by_role("button", name="Save draft").click()
        expect(page.locator("#draft-queued")).to_be_visible()

        # Meanwhile the lead saves from another device (its own browser context, online).
        other = browser.new_context(locale="en-GB")
        elsewhere = other.new_page()
        sign_in(elsewhere, live_server, "lead@example.org")
        elsewhere.goto(f"{live_server}{REPORT}")
        elsewhere.get_by_label(f"Achievements this quarter ({ACCOUNTABLE})").fill("Theirs, saved first.")
        elsewhere.get_by_role("button", name="Save draft").click()
        expect(elsewhere.locator(".flash-success")).to_be_visible()
        other.close()

        back_online(context, page)
        expect(page.get_by_role("heading", level=1)).to_have_text("The report changed while you were editing")
        expect(page.locator("td.theirs")).to_contain_text("Theirs, saved first.")
        expect(page.locator("td.yours")).to_contain_text("Mine, typed offline.")
    finally:
        context.close()
