"""Page weight on a field office's connection (issue 18): what every main page costs on the wire, first and repeat
visit, in Chromium throttled to 256 kbit/s with 300 ms of latency.

Run: `.venv/bin/python bench/page_weight.py` (`--help` for options). It serves the demo-like world of the browser
tests (tests/field/world.py: the real plan, the demo people, reports, amendments, notifications) on loopback, and for
each role signs in once, then for each page of the URL map that role may read (tests/field/world.py::main_pages;
each page measured for the first role that may read it, the home page for every role):

- first visit: the browser's cache emptied (Network.clearBrowserCache), the page loaded;
- repeat visit: the same page loaded again (styles and scripts from the cache, the page itself fetched again).

For each it sums the bytes on the wire of every request of the page (`encodedDataLength`: headers and gzipped
bodies) and times DOMContentLoaded (the content is readable: tables and text need no script) and load. The SAG
dashboard is also measured with its interactive charts asked for (plotly.js loaded on demand). The floor is the
sign-in page, measured in the same run: "× floor" gives each first visit as a multiple of it. Pages over the
budget (250 KB first visit) are flagged; exit status 1 when one is, the on-demand charts row excepted.
It writes the table into bench/RESULTS.md, section "Page weight on a field connection" (replaced on each run).
"""
from __future__ import annotations

import argparse
import logging
import platform
import re
import subprocess  # nosec B404: only `git rev-parse` for the commit measured
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUDGET_KB = 250
SECTION = "## Page weight on a field connection (issue 18)"
THROTTLE = {"offline": False, "latency": 300, "downloadThroughput": 256_000 / 8, "uploadThroughput": 256_000 / 8}
CHROMIUM = "/usr/bin/chromium"


class Meter:
    """Counts the bytes of every request the page makes, through the DevTools protocol."""

    def __init__(self, page):
        self.session = page.context.new_cdp_session(page)
        self.session.send("Network.enable")
        self.session.send("Network.emulateNetworkConditions", THROTTLE)
        self.bytes = 0
        self.requests = 0
        self.session.on("Network.loadingFinished", self._finished)

    def _finished(self, event) -> None:
        self.bytes += int(event.get("encodedDataLength", 0))
        self.requests += 1

    def reset(self) -> None:
        """Start counting a new visit."""
        self.bytes = 0
        self.requests = 0

    def clear_cache(self) -> None:
        """Empty the browser's HTTP cache (a first visit)."""
        self.session.send("Network.clearBrowserCache")


def visit(page, meter: Meter, url: str) -> dict:
    """Load a page throttled; its bytes, requests and timings."""
    meter.reset()
    page.goto(url, wait_until="load", timeout=180_000)
    page.wait_for_load_state("networkidle", timeout=180_000)
    timing = page.evaluate("""() => { const n = performance.getEntriesByType('navigation')[0];
        return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd}; }""")
    return {"kb": meter.bytes / 1024, "requests": meter.requests, "dcl": timing["dcl"] / 1000,
            "load": timing["load"] / 1000}


def measure(world, roles: list[str], limit: int | None) -> list[dict]:
    """First and repeat visits of every main page, per role (each page once, the home page per role)."""
    from playwright.sync_api import sync_playwright

    from tests.field.world import ROLES, main_pages, sign_in_any_language

    pages = main_pages(world.app, world.samples)
    if limit:
        pages = pages[:limit]
    rows, seen = [], set()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"])
        # The floor: the sign-in page, anonymous.
        for role in roles:
            context = browser.new_context(locale="fr-FR", service_workers="block")
            page = context.new_page()
            if ROLES[role]:
                sign_in_any_language(page, world.base, ROLES[role])
            meter = Meter(page)
            targets = ["/login"] if role == "anonymous" else []
            targets += [p for p in pages if p == "/" or p not in seen]
            for path in dict.fromkeys(targets):
                meter.clear_cache()
                response = page.goto(f"{world.base}{path}")
                if (response is None or response.status != 200
                        or "text/html" not in response.headers.get("content-type", "")
                        or page.url.split("?")[0] != f"{world.base}{path}".split("?")[0]):
                    continue
                meter.clear_cache()
                first = visit(page, meter, f"{world.base}{path}")
                repeat = visit(page, meter, f"{world.base}{path}")
                rows.append({"role": role, "path": path, "first": first, "repeat": repeat})
                seen.add(path)
                if path.startswith("/dashboards/sag"):
                    page.locator(".chart-offer button").first.click()
                    page.wait_for_selector("[data-chart] svg.main-svg", timeout=180_000)
                    meter.reset()
                    meter.clear_cache()
                    drawn = visit(page, meter, f"{world.base}{path}")  # remembered: charts drawn on load
                    again = visit(page, meter, f"{world.base}{path}")
                    page.evaluate("() => localStorage.removeItem('sip-charts')")
                    rows.append({"role": role, "path": f"{path} (charts asked for)", "first": drawn, "repeat": again,
                                 "on_demand": True})
            context.close()
        browser.close()
    return rows


def table(rows: list[dict]) -> str:
    """The Markdown table."""
    floor = next((r["first"]["kb"] for r in rows if r["path"] == "/login"), None) or 1
    lines = ["| page | role | first visit KB | requests | readable (DOMContentLoaded) s | load s | × floor | "
             "repeat visit KB | repeat readable s | within 250 KB |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        first, repeat = r["first"], r["repeat"]
        ok = "on demand" if r.get("on_demand") else ("yes" if first["kb"] <= BUDGET_KB else "**no**")
        lines.append(f"| `{r['path']}` | {r['role']} | {first['kb']:.1f} | {first['requests']} | {first['dcl']:.2f} | "
                     f"{first['load']:.2f} | {first['kb'] / floor:.1f} | {repeat['kb']:.1f} | {repeat['dcl']:.2f} | {ok} |")
    return "\n".join(lines)


def write_results(text: str, output: Path) -> None:
    """Replace this bench's section of RESULTS.md (or append it)."""
    current = output.read_text() if output.exists() else ""
    pattern = re.compile(re.escape(SECTION) + r".*?(?=\n## |\Z)", re.S)
    current = pattern.sub("", current).rstrip() + "\n\n" if SECTION in current else current.rstrip() + "\n\n"
    output.write_text(current + text.rstrip() + "\n")


def main() -> int:
    """Measure, print and record."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", default="anonymous,wg_lead,sag,secretariat,admin,viewer,wg_member",
                        help="comma-separated roles of tests/field/world.py, in the order pages are assigned")
    parser.add_argument("--limit", type=int, help="measure only the first N pages of the URL map (a smoke run)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    from tests.field.world import serve_demo_world

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request would drown the table
    with tempfile.TemporaryDirectory() as folder:
        world, stop = serve_demo_world(f"sqlite:///{folder}/weight.sqlite")
        try:
            started = time.monotonic()
            rows = measure(world, args.roles.split(","), args.limit)
            took = time.monotonic() - started
        finally:
            stop()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT,
                            check=False).stdout.strip()
    over = [r["path"] for r in rows if not r.get("on_demand") and r["first"]["kb"] > BUDGET_KB]
    text = "\n".join([
        SECTION, "",
        f"`bench/page_weight.py`, commit {commit or '?'} (plus the working tree), {platform.machine()}, "
        f"Chromium throttled to 256 kbit/s down and up with 300 ms latency; {len(rows)} pages in {took:.0f} s. "
        "Bytes on the wire per page (headers and gzipped bodies of every request); first visit with the browser's "
        "cache emptied, repeat visit with it warm. The floor is the sign-in page. The service worker is blocked "
        "here (it adds a one-time background copy of the app shell, about 25 KB gzipped, after the first page).",
        "",
        "Before this issue the SAG dashboard's first visit was 1,488 KB (the full plotly.js, 1.4 MB gzipped, loaded "
        "on every visit). Now plotly.js is a partial bundle (bar, heatmap, sunburst, French locale: 440 KB gzipped) "
        "loaded only when the reader asks for the charts; the tables, which carry the same figures, come first.",
        "",
        table(rows), "",
        f"Pages over {BUDGET_KB} KB on a first visit: {', '.join(over) if over else 'none'}.",
    ])
    print(text)
    if not args.no_write:
        write_results(text, args.output)
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
