"""0 serious and 0 critical axe violations on every main page, for every role, in French and in English.

The pages are read from the URL map (tests/field/world.py::main_pages): every GET route without arguments, and
those whose arguments have a sample in the demo-like world, so a new page is checked as soon as it exists. One
browser context per role, signed in once; English first, then French in the same context.
"""
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.field.world import ROLES, main_pages, serve_demo_world, sign_in_any_language as sign_in

BLOCKING = ("serious", "critical")
# What axe reads is the pages' markup, the same on every database: `make test` checks it in its SQLite pass only.
pytestmark = pytest.mark.markup


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The demo-like world served once for this module."""
    from tests.conftest import SERVER_URL

    url = SERVER_URL or f"sqlite:///{tmp_path_factory.mktemp('a11y') / 'world.sqlite'}"
    served, stop = serve_demo_world(url)
    yield served
    stop()


@pytest.fixture(scope="module")
def pages(world):
    """The pages to check."""
    return main_pages(world.app, world.samples)


@pytest.fixture(scope="module")
def axe():
    """axe-core (the copy axe-playwright-python ships)."""
    return Axe()


def blocking_violations(axe, page) -> list[str]:
    """Serious and critical violations on the page, one line each: rule, count, first element."""
    results = axe.run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            first = violation["nodes"][0]
            found.append(f"{violation['id']} ({violation['impact']}) × {len(violation['nodes'])}: "
                         f"{', '.join(first['target'])} {first['html'][:140]}")
    return found


# Pages an anonymous reader sees are the same for everyone but for the header (checked on every page anyway), so
# signed-in roles skip them; the home page differs by role and is always checked.
_public_pages: dict[str, set[str]] = {"en": set(), "fr": set()}


def check_pages(axe, page, base: str, paths: list[str], language: str, role: str) -> dict[str, list[str]]:
    """Open each page this person may read and collect its blocking violations (pages they are refused, sent
    away from or that are not HTML are skipped: they are checked for the roles that may read them)."""
    problems = {}
    for path in paths:
        if role != "anonymous" and path != "/" and path in _public_pages[language]:
            continue
        response = page.goto(f"{base}{path}")
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        if page.url.split("?")[0] != f"{base}{path}".split("?")[0]:
            continue  # redirected (to sign in, or to the open quarter): the target has its own turn
        if role == "anonymous":
            _public_pages[language].add(path)
        found = blocking_violations(axe, page)
        if found:
            problems[f"[{language}] {path}"] = found
    return problems


@pytest.mark.parametrize("role", list(ROLES))
def test_every_main_page_has_no_serious_or_critical_axe_violation_in_either_language(browser, world, pages, axe, role):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        if ROLES[role]:
            sign_in(page, world.base, ROLES[role])
        page.goto(f"{world.base}/?lang=en")
        problems = check_pages(axe, page, world.base, pages, "en", role)
        page.goto(f"{world.base}/?lang=fr")
        problems.update(check_pages(axe, page, world.base, pages, "fr", role))
    finally:
        context.close()
    assert problems == {}, "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in problems.items())


def test_the_pages_checked_include_every_kind_of_main_page(pages):
    for expected in ("/", "/plan", "/plan/activities/3.1.1.2", "/bodies/wg-training", "/reports", "/dashboards/sag",
                     "/login"):
        assert expected in pages
    assert not [path for path in pages if path.startswith(("/static/", "/api/")) or path.endswith(".csv")]


def test_the_sag_dashboard_with_its_charts_drawn_has_no_serious_or_critical_violation(browser, world, axe):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        sign_in(page, world.base, ROLES["sag"])
        page.goto(f"{world.base}/dashboards/sag?lang=fr")
        page.locator(".chart-offer button").first.click()
        expect(page.locator("[data-chart] svg.main-svg").first).to_be_visible()
        # No toolbar: nothing to tab into inside a chart, no link to plotly's cloud.
        assert page.locator(".modebar, .modebar-btn, a[href*='plot.ly'], a[href*='chart-studio']").count() == 0
        assert page.locator("[data-chart] a[href], [data-chart] [tabindex]:not([tabindex='-1'])").count() == 0
        assert blocking_violations(axe, page) == []
    finally:
        context.close()


def test_a_failed_form_moves_the_focus_to_its_error_summary_whose_links_focus_each_field(browser, world):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    try:
        sign_in(page, world.base, ROLES["admin"])
        page.goto(f"{world.base}/admin/people/invite?lang=en")
        page.locator("main form button[type=submit]").first.click()
        summary = page.locator("[data-error-summary]")
        expect(summary).to_be_focused()
        link = summary.locator("a").first
        target = link.get_attribute("href").lstrip("#")
        link.click()
        expect(page.locator(f"[id='{target}']")).to_be_focused()
        expect(page.locator(f"[id='{target}']")).to_have_attribute("aria-invalid", "true")
        described = page.locator(f"[id='{target}']").get_attribute("aria-describedby")
        expect(page.locator(f"[id='{described.split()[0]}']")).to_be_visible()
    finally:
        context.close()
