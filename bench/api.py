"""Benchmark the read API's activities endpoint on the synthetic plan (default ×100: 5,000 activities), against
`/healthz` in the same run: p50/p95 latency and SQL queries per request, through the Flask test client.

Pages: `/healthz` (the floor), the first page of `/api/v1/activities` (50 activities, anonymous; kept between
requests until the data changes, as the plan page's listing is), the same page built each time, a filtered page
(`?status=at_risk&pillar=2&q=formation`), the first page read with a personal access token (the token check counts
the request and may write the audit entry of the day), and the first page again with its ETag in If-None-Match (304).
`.venv/bin/python bench/api.py [--scale 100] [--requests 200] [--warmup 20] [--postgres URL]`: prints the table and
replaces the API section of bench/RESULTS.md (between its markers).
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, bench/ is on the path but the project is not
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from sip.accounts.models import User  # noqa: E402
from sip.extensions import db  # noqa: E402

BEGIN, END = "<!-- api:begin -->", "<!-- api:end -->"
FLOOR = "/healthz"
FIRST_PAGE = "/api/v1/activities"
FILTERED = "/api/v1/activities?status=at_risk&pillar=2&q=formation"
TOKEN_PAGE = "first page, with a token"
NOT_MODIFIED = "first page, If-None-Match (304)"
BUILT = "first page, built each time (kept pages forgotten)"


def parse_args(argv):
    """The command line's options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100, help="synthetic plan = SCALE × 50 activities (default 100)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first (default 20)")
    parser.add_argument("--postgres", metavar="URL", help="also measure on this PostgreSQL database (its tables are "
                        "dropped and recreated: give a throwaway one)")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md",
                        help="results file: its API section is replaced, the rest kept")
    return parser.parse_args(argv)


def bench_token(app) -> str:
    """A token of the bench reader (a viewer), with a limit high enough for the run."""
    from sip.api.services import create_token

    app.config["SIP_API_RATE_PER_MINUTE"] = 1_000_000
    with app.app_context():
        _token, secret = create_token(db.session.scalar(select(User).where(User.email == "bench.api@example.org")),
                                      "bench", 30)
        db.session.remove()
    return secret


def measure_database(url: str, options, bench_run) -> list[dict]:
    """Load the synthetic plan at URL and time each page; a row per page."""
    app = bench_run.fresh_app(url)
    started = time.perf_counter()
    with app.app_context():
        bench_run.synthetic_loader(options.scale)
        db.session.add(User(email="bench.api@example.org", name="Bench API reader", language="en"))
        db.session.commit()
        activities = db.session.scalar(select(db.func.count()).select_from(bench_run.Activity))
        db.session.remove()
    label = f"synthetic ×{options.scale}, {activities} activities, {bench_run.database_name(url)}"
    print(f"{label}: loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    take_count = bench_run.query_counter(app)
    client = app.test_client()
    token = {"Authorization": f"Bearer {bench_token(app)}"}
    etag = client.get(FIRST_PAGE).headers["ETag"]
    pages = [
        (FLOOR, lambda: expect(client.get(FLOOR), 200)),
        (FIRST_PAGE, lambda: expect(client.get(FIRST_PAGE), 200)),
        (BUILT, lambda: built(app, client)),
        (FILTERED, lambda: expect(client.get(FILTERED), 200)),
        (TOKEN_PAGE, lambda: expect(client.get(FIRST_PAGE, headers=token), 200)),
        (NOT_MODIFIED, lambda: expect(client.get(FIRST_PAGE, headers={"If-None-Match": etag}), 304)),
    ]
    rows = []
    for page, work in pages:
        p50, p95, queries, response = bench_run.timed(work, options, take_count)
        rows.append({"page": page, "data set": label, "p50": p50, "p95": p95, "queries": queries,
                     "kb": len(response.data) / 1024, "items": _items(response)})
    floor = rows[0]["p95"]
    for row in rows:
        row["x floor"] = row["p95"] / floor
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return rows


def built(app, client):
    """The first page as the first reader after a change gets it: the kept pages forgotten first."""
    app.extensions.pop("sip_rendered_parts", None)
    return expect(client.get(FIRST_PAGE), 200)


def expect(response, status: int):
    """The response, refusing any other status (a 400 or a 401 would be timed as if it were the page)."""
    if response.status_code != status:
        raise SystemExit(f"{response.request.path} answered {response.status_code}, not {status}; nothing measured")
    return response


def _items(response) -> str:
    """How many activities a page holds, of how many."""
    if response.status_code != 200 or not response.is_json:
        return "–"
    body = response.get_json()
    return f"{len(body['items'])} of {body['total']}" if "items" in body else "–"


def queries_text(queries: list[int]) -> str:
    """The queries per request: one number when constant, else the range."""
    low, high = min(queries), max(queries)
    return str(low) if low == high else f"{low}–{high}"


def table(rows: list[dict]) -> str:
    """The rows as a Markdown table."""
    lines = ["| request | data set | p50 ms | p95 ms | p95 × /healthz | queries/request | activities | KB |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        page = r["page"] if not r["page"].startswith("/") else f"`{r['page']}`"
        lines.append(f"| {page} | {r['data set']} | {r['p50']:.2f} | {r['p95']:.2f} | {r['x floor']:.1f} "
                     f"| {queries_text(r['queries'])} | {r['items']} | {r['kb']:.1f} |")
    return "\n".join(lines)


def write_section(path: Path, rows: list[dict], options) -> None:
    """Replace the API section of the results file (appended when absent)."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = "load average {:.2f} / {:.2f}".format(*os.getloadavg()[:2])
    text = "\n".join([
        BEGIN, "## Issue 20: the read API's activities endpoint", "",
        f"Measured on {now} with `bench/api.py --scale {options.scale} --requests {options.requests} --warmup "
        f"{options.warmup}{' --postgres URL' if options.postgres else ''}` ({load}), through the Flask test client on "
        "the synthetic plan of bench/run.py. Each request: warm-up, then timed requests; \"p95 × /healthz\" divides "
        "its p95 by that of `/healthz` in the same run. The first page holds 50 activities; the API keeps it, like "
        "the plan page's listing, until the data changes (sip/core/parts.py), and \"built each time\" forgets the "
        "kept pages before each request, as the first reader after an accepted report waits; the filtered page uses "
        "the plan page's filters (status, pillar, words); with a token, each request also checks the token, counts "
        "it for the rate limit (one UPDATE and a commit) and reads its owner's memberships; with the first page's "
        "ETag in If-None-Match the answer is 304 with no body (the page is still built, to compare). The query "
        "count per request is the same whatever the plan's size (tests/api/test_resources.py asserts it).",
        "", table(rows), "", END])
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    new = pattern.sub(lambda _: text, old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Measure on SQLite (and PostgreSQL when asked), print the table, write the section."""
    import run as bench_run  # bench/run.py, beside this file

    options = parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="sip-bench-api-") as tmp:
        rows += measure_database(f"sqlite:///{tmp}/synthetic.sqlite", options, bench_run)
        if options.postgres:
            rows += measure_database(options.postgres, options, bench_run)
    print(table(rows))
    write_section(options.output, rows, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
