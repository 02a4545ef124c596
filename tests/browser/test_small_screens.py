"""On a 320 px phone: no page scrolls sideways (wide tables scroll inside their own captioned box), the header folds
into a menu that opens without JavaScript, and the primary actions are on screen."""
import pytest
from playwright.sync_api import expect

from tests.field.world import ROLES, main_pages, serve_demo_world, sign_in_any_language

WIDTH = 320
# Widths come from the pages' markup and style, the same on every database: `make test` checks them in its SQLite
# pass only.
pytestmark = pytest.mark.markup

# Elements wider than the screen are allowed only inside a box that scrolls by itself and is a captioned table or
# a region around one; this returns the others, and the document's own width.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const scrollsItself = (el) => {
    for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (['auto', 'scroll'].includes(style.overflowX) && node.scrollWidth > node.clientWidth - 1) {
        const table = node.matches('table') ? node : node.querySelector('table');
        return !!(table && table.querySelector('caption'));
      }
    }
    return false;
  };
  const wide = [];
  for (const el of document.querySelectorAll('main *, header *')) {
    const box = el.getBoundingClientRect();
    if (el.checkVisibility && !el.checkVisibility()) continue;  // inside the folded menu: not drawn
    if (box.width && box.right > width + 1 && !scrollsItself(el)) {
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && el.className.baseVal === undefined ? '.' + String(el.className).split(' ').join('.') : '') + ' ' + Math.round(box.right) + 'px');
    }
  }
  return {scrollWidth: document.scrollingElement.scrollWidth, wide: wide.slice(0, 5)};
}"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The demo-like world served once for this module."""
    from tests.conftest import SERVER_URL

    url = SERVER_URL or f"sqlite:///{tmp_path_factory.mktemp('phone') / 'world.sqlite'}"
    served, stop = serve_demo_world(url)
    yield served
    stop()


def phone(browser, javascript: bool = True):
    """A 320 px wide browser context."""
    return browser.new_context(viewport={"width": WIDTH, "height": 640}, locale="fr-FR", java_script_enabled=javascript,
                               device_scale_factor=1, is_mobile=True, has_touch=True)


@pytest.mark.parametrize("role", ["anonymous", "wg_lead", "sag", "secretariat", "admin"])
def test_no_page_scrolls_sideways_at_320_px(browser, world, role, tmp_path):
    context = phone(browser)
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = {}
    try:
        if ROLES[role]:
            sign_in_any_language(page, world.base, ROLES[role])
        for path in main_pages(world.app, world.samples):
            response = page.goto(f"{world.base}{path}")
            if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
                continue
            measured = page.evaluate(OVERFLOW)
            if measured["scrollWidth"] > WIDTH or measured["wide"]:
                page.screenshot(path=str(tmp_path / f"{role}-{path.strip('/').replace('/', '_') or 'home'}.png"))
                problems[path] = measured
    finally:
        context.close()
    assert problems == {}, "\n".join(f"{path}: {measured}" for path, measured in problems.items())


def test_the_header_folds_into_a_menu_that_opens_without_javascript(browser, world):
    context = phone(browser, javascript=False)
    page = context.new_page()
    try:
        page.goto(f"{world.base}/plan")
        menu = page.locator("header details.menu")
        expect(page.get_by_role("link", name="Glossaire")).to_be_hidden()
        header = page.locator("header.site").bounding_box()
        assert header["height"] < 640 / 4  # folded: a line, not half the screen
        menu.locator("summary").click()
        expect(page.get_by_role("link", name="Glossaire")).to_be_visible()
        page.get_by_role("link", name="Glossaire").click()
        expect(page).to_have_url(f"{world.base}/plan/glossary")
    finally:
        context.close()


def test_the_leads_primary_actions_are_on_screen_at_320_px(browser, world):
    context = phone(browser)
    page = context.new_page()
    try:
        sign_in_any_language(page, world.base, ROLES["wg_lead"])
        page.goto(f"{world.base}/reports/{world.samples['period']}/wg-training")
        for name in ("Enregistrer le brouillon", "Soumettre"):
            button = page.get_by_role("button", name=name, exact=True)
            button.scroll_into_view_if_needed()
            box = button.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, name
    finally:
        context.close()
