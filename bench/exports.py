"""Benchmark the report pack: how long each format takes to build and how big it is, through the test client.

`measure(app, label, repeat)` is what bench/run.py calls on a loaded data set. Run by hand, it loads the real plan
with the demo reports and the synthetic plan (default ×100) as bench/run.py does, and prints a Markdown table:
`.venv/bin/python bench/exports.py [--scale 100] [--repeat 5] [--formats pdf,xlsx]`.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
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
from sip.accounts.passwords import hash_password  # noqa: E402
from sip.extensions import db  # noqa: E402

BEGIN, END = "<!-- exports:begin -->", "<!-- exports:end -->"

EXPORTER_EMAIL = "bench.exporter@example.org"
EXPORTER_PASSWORD = "bench exporter: correct horse battery staple"
# (format, address): every file of the pack, for the default quarter (the latest GLM's with an accepted report).
DOWNLOADS = [
    ("pdf", "/exports/glm.pdf"),
    ("pptx", "/exports/glm.pptx"),
    ("xlsx", "/exports/sip.xlsx"),
    ("activities_csv", "/exports/activities.csv"),
    ("updates_csv", "/exports/updates.csv"),
]


def exporter_client(app):
    """A test client signed in as someone who may export (an administrator, created once per database)."""
    with app.app_context():
        if db.session.scalar(select(User).where(User.email == EXPORTER_EMAIL)) is None:
            db.session.add(User(email=EXPORTER_EMAIL, name="Bench exporter", language="en", is_admin=True,
                                password_hash=hash_password(EXPORTER_PASSWORD)))
            db.session.commit()
        db.session.remove()
    client = app.test_client()
    response = client.post("/login", data={"email": EXPORTER_EMAIL, "password": EXPORTER_PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"signing in answered {response.status_code}, not 302; nothing measured")
    return client


def percentiles(timings: list[float]) -> tuple[float, float]:
    """p50 and p95 of the timings (the value itself when there is one)."""
    if len(timings) == 1:
        return timings[0], timings[0]
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return cuts[49], cuts[94]


def forget_built_files(app) -> None:
    """Empty the folder of built files (as after a change of the data: the fingerprint moves on)."""
    import shutil

    folder = Path(app.config["SIP_EXPORTS_DIR"])
    if folder.is_dir():
        shutil.rmtree(folder)


def measure(app, label: str, repeat: int, formats: list[str] | None = None, warmup: bool = True) -> list[dict]:
    """Build each format `repeat` times (after one untimed build unless `warmup` is False: on a large plan the
    PDF takes minutes), then serve it ready; a row per format: format, data set, first (cold) ms, p50 and p95 ms of
    the builds, served ms (the ready file), bytes."""
    client = exporter_client(app)
    rows = []
    for name, path in DOWNLOADS:
        if formats and name not in formats:
            continue
        url = f"{path}?lang=en"
        first = None
        if warmup:
            client.get(url)  # imports, first queries, starting Chromium
            app.extensions.pop("sip_rendered_parts", None)  # as after a change of the data (an accepted report)
            forget_built_files(app)
            started = time.perf_counter()
            client.get(url)
            first = (time.perf_counter() - started) * 1000
        timings = []
        for _ in range(repeat):
            forget_built_files(app)  # each timed request builds the file
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}, not 200; nothing measured")
        started = time.perf_counter()
        served = client.get(url)  # built: the stored file is sent
        served_ms = (time.perf_counter() - started) * 1000
        assert served.data == response.data
        p50, p95 = percentiles(timings)
        rows.append({"format": name, "data set": label, "first ms": first, "p50 ms": round(p50, 1),
                     "p95 ms": round(p95, 1), "served ms": round(served_ms, 1), "bytes": len(response.data)})
    return rows


def floor_ms() -> float:
    """A fixed piece of pure-Python work (three million additions), timed: the machine's speed in this run, so
    that figures measured on a busy machine can be compared as a ratio to it."""
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        sum(range(3_000_000))
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def milliseconds(value: float | None) -> str:
    """A time in whole milliseconds, or a dash when it was not measured."""
    return "–" if value is None else f"{value:.0f}"


def csv_ratio(row: dict, rows: list[dict]) -> str:
    """The build p50 as a multiple of the activities CSV's on the same data set (the floor: the same pack read and
    written as plain CSV), so that runs on a busy machine compare; a dash when the CSV was not measured."""
    floor = next((r["p50 ms"] for r in rows if r["format"] == "activities_csv" and r["data set"] == row["data set"]),
                 None)
    return f"{row['p50 ms'] / floor:.1f}" if floor else "–"


def table(rows: list[dict]) -> str:
    """The rows as a Markdown table."""
    lines = ["| format | data set | first after a change, ms | build p50 ms | build p95 ms | p50 × activities CSV | "
             "ready file served, ms | bytes |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['format']} | {r['data set']} | {milliseconds(r['first ms'])} | {r['p50 ms']:.0f} | {r['p95 ms']:.0f} "
              f"| {csv_ratio(r, rows)} | {milliseconds(r.get('served ms'))} | {r['bytes']:,} |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Load the real and the synthetic data sets as bench/run.py does, measure every format, print the table."""
    import run as bench_run  # bench/run.py, beside this file

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100, help="synthetic plan = SCALE × 50 activities (default 100)")
    parser.add_argument("--repeat", type=int, default=5, help="timed builds per format (default 5)")
    parser.add_argument("--synthetic-repeat", type=int, default=1, help="timed builds per format on the synthetic plan")
    parser.add_argument("--formats", help="comma-separated formats to measure (default: all)")
    parser.add_argument("--postgres", metavar="URL", help="also measure the real data set on this PostgreSQL database "
                        "(its tables are dropped)")
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parent / "RESULTS.md",
                        help="results file: its exports section is replaced, the rest kept")
    options = parser.parse_args(argv)
    formats = options.formats.split(",") if options.formats else None
    options.floor = floor_ms()
    rows = []
    with tempfile.TemporaryDirectory(prefix="sip-bench-exports-") as tmp:
        synthetic = (f"synthetic ×{options.scale}", lambda: bench_run.synthetic_loader(options.scale),
                     options.synthetic_repeat)
        # The demo data sets first: after the synthetic plan's thousand-page PDF, a later build in the same process
        # once took 8 s instead of 2.5 (collecting what that PDF left behind).
        data_sets = [("real", bench_run.real_loader, options.repeat, f"sqlite:///{tmp}/real.sqlite")]
        if options.postgres:
            data_sets.append(("real", bench_run.real_loader, options.repeat, options.postgres))
        data_sets.append((*synthetic, f"sqlite:///{tmp}/synthetic.sqlite"))
        for name, loader, repeat, url in data_sets:
            app = bench_run.fresh_app(url)
            started = time.perf_counter()
            with app.app_context():
                loader()
                activities = db.session.scalar(select(db.func.count()).select_from(bench_run.Activity))
                db.session.remove()
            label = f"{name}, {activities} activities, {bench_run.database_name(url)}"
            print(f"{label}: loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            rows += measure(app, label, repeat, formats, warmup=name == "real")
            print(table(rows), file=sys.stderr)
            with app.app_context():
                db.engine.dispose()
    print(table(rows))
    write_section(options.output, rows, options)
    return 0


def write_section(path: Path, rows: list[dict], options) -> None:
    """Replace the exports section of the results file (between its markers; appended when absent)."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = "load average {:.2f} / {:.2f}".format(*os.getloadavg()[:2])
    floor = getattr(options, "floor", None) or floor_ms()
    text = "\n".join([
        BEGIN, "## The report pack", "",
        f"Measured on {now} with `bench/exports.py --repeat {options.repeat} --synthetic-repeat "
        f"{options.synthetic_repeat}{' --postgres URL' if options.postgres else ''}` ({load}; the floor, three "
        f"million additions in pure Python, took {floor:.0f} ms in this run): each file built through the test client "
        "as an exporter asks for it, in English, for the pack the export page proposes (the upcoming GLM's). After "
        "one untimed build (imports, starting Chromium), \"first after a change\" is one build with the built files "
        "and the process's kept parts forgotten, as after an accepted report: the PDF then draws its charts again; "
        "the build p50 and p95 are over repeated builds with the built files removed each time; \"ready file "
        "served\" is the request once the file is built (the stored file is sent); \"p50 × activities CSV\" divides the "
        "build p50 by the activities CSV's on the same data set (the same pack read and written as plain CSV), so that "
        "runs on a busy machine compare. On the synthetic plan each format is built once, with no build before it; "
        "above 400 activities the PDF and the deck summarise the plan by output.", "", table(rows), "", END])
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    new = pattern.sub(lambda _: text, old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
