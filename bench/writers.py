"""Concurrent writers: N people editing, submitting and returning the same reports through gunicorn, for S seconds.

Run: `.venv/bin/python bench/writers.py --db sqlite|postgresql --writers 8 --seconds 30` (`--help` for options).

Two working groups' reports for one open quarter. Per report, one secretariat session returns every submitted report
to the group, and the other writers are the group's leads: each one reads the report, appends a marker of its own
to the summary ("w3.17;"), fills every activity, and saves it or (one time in four) submits it. A save made from an
out-of-date version must answer 409; a report being reviewed answers 403 to its group. At the end the script checks
the database: every marker of an accepted save is still in its report's summary (a save that overwrote another one
without having seen it would drop that marker: a lost update), and every accepted save has its audit entry. It
prints the figures and writes them into bench/RESULTS.md between `<!-- writers:begin -->` and `<!-- writers:end -->`.
Exit status 1 when a lost update, a server error or a "database is locked" was seen.
"""
from __future__ import annotations

import argparse
import platform
import random
import shutil
import statistics
# Only to read the git commit measured.
import subprocess  # nosec B404
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from tests.hardening.servers import (  # noqa: E402
    Browser,
    Gunicorn,
    ReportPage,
    ThrowawayPostgres,
    complete_report,
    prepare_database,
)

DEFAULT_OUTPUT = ROOT / "bench" / "RESULTS.md"
BEGIN, END = "<!-- writers:begin -->", "<!-- writers:end -->"
REPORTS = ("wg-training", "wg-partnerships")
LOCKED = "database is locked"
SAVED_NOT_SUBMITTED = "Saved, but not submitted"
SUMMARY_ROOM = 19_000  # the summary field holds 20,000 characters; a writer stops appending before that


@dataclass
class Tally:
    """What the writers saw, shared by their threads (every change under the lock)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    markers: dict = field(default_factory=lambda: {slug: [] for slug in REPORTS})
    saves: Counter = field(default_factory=Counter)  # accepted saves per report (each has a report.saved entry)
    post_ms: list = field(default_factory=list)
    locked: int = 0
    errors: list = field(default_factory=list)

    def seen(self, answer, outcome: str, started: float | None = None) -> None:
        """Count one answer."""
        with self.lock:
            self.statuses[answer.status] += 1
            self.outcomes[outcome] += 1
            if LOCKED in answer.text:
                self.locked += 1
            if answer.status == 0 or answer.status >= 500:
                self.errors.append(f"{answer.status} {answer.error or answer.text[:200]}")
            if started is not None:
                self.post_ms.append((time.monotonic() - started) * 1000)


def editor(server: Gunicorn, email: str, slug: str, name: str, period: str, deadline: float, tally: Tally,
           seed: int) -> None:
    """A lead: read, append a marker, save (or submit); again until the deadline."""
    rng = random.Random(seed)
    browser = Browser(server.url)
    browser.sign_in(email)
    path = f"/reports/{period}/{slug}"
    sequence = 0
    while time.monotonic() < deadline:
        answer = browser.get(path)
        tally.seen(answer, "read")
        if answer.status != 200:
            continue
        page = ReportPage.read(answer.text)
        if not page.editable:  # submitted: waiting for the secretariat to return it
            time.sleep(0.01)
            continue
        sequence += 1
        marker = f"{name}.{sequence};"
        if len(page.summary) + len(marker) > SUMMARY_ROOM:
            tally.seen(answer, "summary full")
            return
        action = "submit" if rng.random() < 0.25 else "save"
        data = complete_report(page, page.summary + marker, f"Achieved by {name}, edit {sequence}.", action)
        started = time.monotonic()
        answer = browser.post(path, data)
        accepted = answer.status == 302 or (answer.status == 400 and SAVED_NOT_SUBMITTED in answer.text)
        outcome = {302: f"{action} accepted", 409: "conflict (409)", 403: "report under review (403)"}.get(
            answer.status, f"other {answer.status}")
        tally.seen(answer, "saved, submission refused" if accepted and answer.status == 400 else outcome, started)
        if accepted:
            with tally.lock:
                tally.markers[slug].append(marker)
                tally.saves[slug] += 1


def reviewer(server: Gunicorn, email: str, slug: str, period: str, deadline: float, tally: Tally) -> None:
    """The secretariat: return every submitted report to the group, with a note."""
    browser = Browser(server.url)
    browser.sign_in(email)
    path = f"/reports/{period}/{slug}"
    returned = 0
    while time.monotonic() < deadline:
        answer = browser.get(path)
        tally.seen(answer, "read")
        if answer.status != 200:
            continue
        page = ReportPage.read(answer.text)
        if not page.reviewable:
            time.sleep(0.01)
            continue
        returned += 1
        started = time.monotonic()
        answer = browser.post(path + "/review", {"csrf_token": page.token, "decision": "return",
                                                 "note": f"Returned by the bench ({returned})."})
        tally.seen(answer, "return accepted" if answer.status == 302 else f"return refused ({answer.status})", started)


def check_database(url: str, period: str, tally: Tally) -> dict:
    """Lost updates (markers of accepted saves missing from the summary) and saves without an audit entry."""
    from sqlalchemy import func, select

    from sip import create_app
    from sip.bodies.models import Body
    from sip.config import TestConfig
    from sip.core.models import AuditEntry
    from sip.extensions import db
    from sip.reporting.models import GroupReport

    app = create_app(TestConfig(url))
    lost, unaudited, versions = 0, 0, {}
    with app.app_context():
        for slug in REPORTS:
            report = db.session.scalar(select(GroupReport).join(Body).where(Body.slug == slug))
            summary = report.summary if report else ""
            lost += sum(1 for marker in tally.markers[slug] if marker not in summary)
            audited = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.action == "report.saved", AuditEntry.entity_id == str(report.id))) if report else 0
            unaudited += max(0, tally.saves[slug] - audited)
            versions[slug] = report.version if report else 0
        db.session.remove()
        db.engine.dispose()
    return {"lost": lost, "unaudited": unaudited, "versions": versions}


def run(database: str, writers: int, seconds: float, postgres_url: str | None = None, workers: int = 2,
        threads: int = 4) -> dict:
    """Prepare a database, start gunicorn, run the writers, check the database; the figures."""
    if writers < 2 * len(REPORTS):
        raise SystemExit(f"--writers must be at least {2 * len(REPORTS)}: one reviewer and one editor per report")
    workdir = Path(tempfile.mkdtemp(prefix="sip-writers-"))
    postgres = None
    if database == "sqlite":
        url = f"sqlite:///{workdir / 'writers.sqlite'}"
    elif postgres_url:
        url = postgres_url
    else:
        postgres = ThrowawayPostgres().init()
        url = postgres.url
    editors_per_report = (writers - len(REPORTS)) // len(REPORTS)
    extra = (writers - len(REPORTS)) % len(REPORTS)
    try:
        prepared = prepare_database(url, leads_per_body=editors_per_report + 1)
        tally = Tally()
        with Gunicorn(url, workers=workers, threads=threads, instance=workdir) as server:
            deadline = time.monotonic() + seconds
            threads_ = []
            n = 0
            for index, slug in enumerate(REPORTS):
                threads_.append(threading.Thread(target=reviewer, args=(
                    server, prepared.people["secretariat"], slug, prepared.period, deadline, tally)))
                for lead in range(editors_per_report + (1 if index < extra else 0)):
                    n += 1
                    key = f"lead:{slug}" if lead == 0 else f"lead{lead}:{slug}"
                    threads_.append(threading.Thread(target=editor, args=(
                        server, prepared.people[key], slug, f"w{n}", prepared.period, deadline, tally, n)))
            started = time.monotonic()
            for thread in threads_:
                thread.start()
            for thread in threads_:
                thread.join()
            elapsed = time.monotonic() - started
            log = server.log()
        checked = check_database(url, prepared.period, tally)
    finally:
        if postgres is not None:
            postgres.destroy()
        shutil.rmtree(workdir, ignore_errors=True)
    requests = sum(tally.statuses.values())
    accepted_saves = sum(tally.saves.values())
    return {
        "database": "SQLite" if database == "sqlite" else "PostgreSQL",
        "version": _database_version(database, postgres_url),
        "writers": writers, "seconds": round(elapsed, 1), "workers": workers, "threads": threads,
        "requests": requests, "requests_per_s": round(requests / elapsed, 1),
        "saves": accepted_saves, "submits": tally.outcomes["submit accepted"],
        "returns": tally.outcomes["return accepted"],
        "conflicts": tally.outcomes["conflict (409)"], "under_review": tally.outcomes["report under review (403)"],
        "errors": len(tally.errors), "lost": checked["lost"], "unaudited": checked["unaudited"],
        "locked": tally.locked + log.count(LOCKED),
        "post_p50_ms": round(statistics.median(tally.post_ms), 1) if tally.post_ms else 0,
        "post_p95_ms": round(statistics.quantiles(tally.post_ms, n=20)[-1], 1) if len(tally.post_ms) > 1 else 0,
        "statuses": dict(sorted(tally.statuses.items())), "outcomes": dict(tally.outcomes),
        "error_samples": tally.errors[:5], "versions": checked["versions"],
    }


def _database_version(database: str, postgres_url: str | None) -> str:
    """SQLite's library version, or the PostgreSQL binaries' major version."""
    if database == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    from tests.hardening.servers import postgres_bin

    found = postgres_bin()
    return f"PostgreSQL {found.parent.name}" if found and not postgres_url else "PostgreSQL (given URL)"


# --- the report -------------------------------------------------------------------------------------------------

COLUMNS = ("database", "writers × s", "requests", "req/s", "saves accepted", "submits", "returns", "409 conflicts",
           "403 under review", "server errors", "lost updates", "saves without audit", '"database is locked"',
           "POST p50 ms", "POST p95 ms", "measured")


def table_row(figures: dict) -> str:
    """One Markdown table row of figures."""
    cells = [figures["version"], f"{figures['writers']} × {figures['seconds']}", figures["requests"],
             figures["requests_per_s"], figures["saves"], figures["submits"], figures["returns"], figures["conflicts"],
             figures["under_review"], figures["errors"], figures["lost"], figures["unaudited"], figures["locked"],
             figures["post_p50_ms"], figures["post_p95_ms"], figures["measured"]]
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def block(rows: dict[str, str]) -> str:
    """The writers' section of RESULTS.md, with one row per database."""
    rule = "|".join(" --- " if i == 0 else " ---: " for i in range(len(COLUMNS)))
    header = "| " + " | ".join(COLUMNS) + " |\n|" + rule + "|"
    lines = [
        BEGIN,
        "## Concurrent writers",
        "",
        "`.venv/bin/python bench/writers.py --db sqlite|postgresql --writers 8 --seconds 30`: gunicorn (2 workers × 4",
        "threads) on a fresh database with the real plan; two working groups' reports for one open quarter; per report",
        "one secretariat session returning every submitted report and three leads who each read the report, append",
        "their own marker to the summary, fill every activity and save it or (one time in four) submit it. A lost update",
        "is a marker of an accepted save missing from the final summary; every accepted save must also have its",
        "`report.saved` audit entry. Server errors count answers of 500 or more and dropped connections; \"database is",
        "locked\" counts that text in answers and in gunicorn's log. Other processes share the 2-core machine.",
        "",
        header,
        *[rows[name] for name in sorted(rows)],
        END,
    ]
    return "\n".join(lines)


def write_results(path: Path, figures: dict) -> None:
    """Put this database's row into the writers' block of RESULTS.md (appended when absent), keeping the others."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    rows: dict[str, str] = {}
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        old, after = rest.split(END, 1)
        for line in old.splitlines():
            if line.startswith("| ") and not line.startswith("| database") and "---" not in line:
                rows[line.split("|")[1].strip().split()[0]] = line
    else:
        before, after = text.rstrip("\n") + "\n\n", "\n"
    rows[figures["database"]] = table_row(figures)
    path.write_text(before + block(rows) + after, encoding="utf-8")


def _commit() -> str:
    """The git commit measured (with a note when the work tree has changes)."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" + changes" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    """Run, print the figures, write them to RESULTS.md; 1 when a figure that must be 0 is not."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--writers", type=int, default=8, help="concurrent sessions in all (default 8)")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long they write (default 30)")
    parser.add_argument("--postgres-url", help="use this (emptied) PostgreSQL database instead of a throwaway server")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="Markdown file to update")
    parser.add_argument("--no-write", action="store_true", help="print the figures only")
    options = parser.parse_args(argv)
    figures = run(options.db, options.writers, options.seconds, options.postgres_url, options.workers, options.threads)
    figures["measured"] = f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {_commit()}, {platform.python_version()}"
    for key, value in figures.items():
        print(f"{key:>14}: {value}")
    if not options.no_write:
        write_results(options.output, figures)
        print(f"written to {options.output}")
    bad = figures["lost"] or figures["errors"] or figures["locked"] or figures["unaudited"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
