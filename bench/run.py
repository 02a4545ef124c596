"""Benchmark the read pages: latency and SQL queries per request, on the real plan and on a plan 100× larger.

Run: `.venv/bin/python bench/run.py` (or `make bench`); `--help` lists the options. Writes bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, bench/ is on the path but the project is not
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert, make_url, text  # noqa: E402

from seed import load_json  # noqa: E402
from sip import create_app  # noqa: E402
from sip.bodies.models import Body  # noqa: E402
from sip.config import TestConfig  # noqa: E402
from sip.extensions import db  # noqa: E402
from sip.plan.models import Activity, Outcome, Output, Pillar, Responsibility, Strategy  # noqa: E402

DEFAULT_OUTPUT = ROOT / "bench" / "RESULTS.md"
FLOOR = "/healthz"
REAL_PAGES = (
    FLOOR,
    "/plan",
    "/plan?body=wg-training",
    "/plan?q=preparation",
    "/plan/activities/2.3.2.1",
    "/bodies",
    "/bodies/glc",
)
REAL_ACTIVITIES = 50  # the seed's size; --scale multiplies it
ACTIVITIES_PER_OUTPUT = 10
OUTPUTS_PER_OUTCOME = 13
PILLARS = 4
SYNTHETIC_BODIES = 50
SYNTHETIC_BODY = "body-07"
WORDS = ("Préparation", "Formation", "Évaluation", "Coordination", "Cartographie")
KINDS = ("working_group", "support_team", "country_teams", "cluster", "advisory_group")
STATUSES = ("planned", "on_track", "at_risk", "delayed", "completed")


@dataclass
class Result:
    """The measurements of one page on one data set."""

    page: str
    dataset: str
    p50_ms: float
    p95_ms: float
    queries: list[int]
    kilobytes: float


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page first (default 20)")
    parser.add_argument("--scale", type=int, default=100, help="synthetic plan = SCALE × 50 activities (default 100)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="Markdown file to write")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database (its tables are dropped)")
    options = parser.parse_args(argv)
    if options.requests < 2 or options.warmup < 0 or options.scale < 1:
        parser.error("--requests must be at least 2, --warmup at least 0, --scale at least 1")
    return options


# --- data sets ------------------------------------------------------------------------------------------------


def fresh_app(url: str):
    """An app on this database with the current schema and no rows."""
    app = create_app(TestConfig(url))
    with app.app_context():
        if not url.startswith("sqlite"):
            db.drop_all()
        db.create_all()
    return app


def load_real_plan() -> None:
    """Load the real plan from seed/ and commit."""
    from sip.plan.services import load_seed

    load_seed(load_json("plan.json"), load_json("bodies.json"), load_json("commitments.json"), load_json("glossary.json"))
    db.session.commit()


def synthetic_bodies() -> list[dict]:
    """Rows of the synthetic plan's bodies."""
    return [
        dict(id=i + 1, slug=f"body-{i:02d}", kind=KINDS[i % len(KINDS)], aliases=[],
             name={"fr": f"Groupe {i}", "en": f"Group {i}"}, short_name={"fr": f"G{i}", "en": f"G{i}"})
        for i in range(SYNTHETIC_BODIES)
    ]


def synthetic_tree(scale: int) -> dict[str, list[dict]]:
    """Rows of pillars, outcomes, outputs and activities: SCALE × 50 activities, 10 per output, 13 outputs per outcome."""
    total = REAL_ACTIVITIES * scale
    n_outputs = -(-total // ACTIVITIES_PER_OUTPUT)
    n_outcomes = -(-n_outputs // OUTPUTS_PER_OUTCOME)
    rows = {"pillar": [], "outcome": [], "output": [], "activity": []}
    rows["pillar"] = [dict(id=p, strategy_id=1, number=p, title={"fr": f"Pilier {p}", "en": f"Pillar {p}"},
                           goal={"fr": "But", "en": "Goal"}) for p in range(1, PILLARS + 1)]
    position, codes, per_pillar = 0, {}, dict.fromkeys(range(1, PILLARS + 1), 0)
    for k in range(n_outcomes):
        pillar = k * PILLARS // n_outcomes + 1
        per_pillar[pillar] += 1
        codes[k] = f"{pillar}.{per_pillar[pillar]}"
        position += 1
        rows["outcome"].append(dict(id=k + 1, pillar_id=pillar, code=codes[k], position=position,
                                    text={"fr": f"Réalisation {codes[k]}", "en": f"Outcome {codes[k]}"}))
    for j in range(n_outputs):
        outcome = j // OUTPUTS_PER_OUTCOME
        code = f"{codes[outcome]}.{j % OUTPUTS_PER_OUTCOME + 1}"
        position += 1
        rows["output"].append(dict(id=j + 1, outcome_id=outcome + 1, code=code, position=position,
                                   text={"fr": f"Produit {code}", "en": f"Output {code}"}))
    for i in range(total):
        output = rows["output"][i // ACTIVITIES_PER_OUTPUT]
        code = f"{output['code']}.{i % ACTIVITIES_PER_OUTPUT + 1}"
        word = WORDS[i % len(WORDS)]
        position += 1
        rows["activity"].append(dict(id=i + 1, strategy_id=1, output_id=output["id"], code=code, position=position,
                                     status=STATUSES[i % len(STATUSES)],
                                     text={"fr": f"{word} de l'activité {code}", "en": f"{word} for activity {code}"}))
    return rows


def synthetic_responsibilities(n_activities: int) -> list[dict]:
    """Rows of responsibilities: every activity has a lead, every other one also a contributor."""
    rows = []
    for i in range(n_activities):
        lead = i % SYNTHETIC_BODIES
        rows.append(dict(activity_id=i + 1, body_id=lead + 1, role="lead", position=0))
        if i % 2:
            rows.append(dict(activity_id=i + 1, body_id=(lead + 17) % SYNTHETIC_BODIES + 1, role="contributor", position=1))
    return rows


def load_synthetic_plan(scale: int) -> list[str]:
    """Bulk-insert a synthetic plan of SCALE × 50 activities; return its pages to measure."""
    tree = synthetic_tree(scale)
    db.session.execute(insert(Strategy), [dict(id=1, code="synthetic", title={"fr": "Plan synthétique", "en": "Synthetic plan"},
                                               starts_on=date(2022, 1, 1), ends_on=date(2026, 12, 31), sections=[])])
    db.session.execute(insert(Body), synthetic_bodies())
    for model in (Pillar, Outcome, Output, Activity):
        db.session.execute(insert(model), tree[model.__tablename__])
    db.session.execute(insert(Responsibility), synthetic_responsibilities(len(tree["activity"])))
    db.session.commit()
    middle = tree["activity"][len(tree["activity"]) // 2]["code"]
    return [FLOOR, "/plan", f"/plan?body={SYNTHETIC_BODY}", "/plan?q=preparation",
            f"/plan/activities/{middle}", "/bodies", f"/bodies/{SYNTHETIC_BODY}"]


# --- measuring ------------------------------------------------------------------------------------------------


def query_counter(app):
    """Count every SQL statement the app's engine runs; returns a callable that reads and resets the count."""
    count = [0]

    def before(conn, cursor, statement, parameters, context, executemany):
        count[0] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", before)

    def take() -> int:
        value, count[0] = count[0], 0
        return value

    return take


def get(client, url: str):
    """GET a page, refusing anything but 200 (a 404 would be timed as if it were the page)."""
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}, not 200; nothing measured")
    return response


def measure(app, url: str, dataset: str, options, take_count) -> Result:
    """Warm up, then time M requests of one page and count the queries of each."""
    client = app.test_client()
    for _ in range(options.warmup):
        get(client, url)
    gc.collect()
    timings, queries = [], []
    for _ in range(options.requests):
        take_count()
        start = time.perf_counter()
        response = get(client, url)
        timings.append((time.perf_counter() - start) * 1000)
        queries.append(take_count())
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return Result(url, dataset, cuts[49], cuts[94], queries, len(response.data) / 1024)


def bench_dataset(url: str, name: str, loader, options) -> list[Result]:
    """Build a fresh database at URL, load a data set, and measure its pages."""
    app = fresh_app(url)
    started = time.perf_counter()
    with app.app_context():
        pages = loader()
        activities = db.session.scalar(text("SELECT count(*) FROM activity"))
    label = f"{name}, {activities} activities, {database_name(url)}"
    print(f"{label}: loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    take_count = query_counter(app)
    results = [measure(app, page, label, options, take_count) for page in pages]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return results


def real_loader():
    """Load the real plan and return its pages."""
    load_real_plan()
    return list(REAL_PAGES)


def run(options) -> list[Result]:
    """Measure every data set on SQLite, then on PostgreSQL when asked."""
    urls = []
    with tempfile.TemporaryDirectory(prefix="sip-bench-") as tmp:
        urls.append((f"sqlite:///{tmp}/real.sqlite", f"sqlite:///{tmp}/synthetic.sqlite"))
        if options.postgres:
            urls.append((options.postgres, options.postgres))
        results = []
        for real_url, synthetic_url in urls:
            results += bench_dataset(real_url, "real", real_loader, options)
            results += bench_dataset(synthetic_url, f"synthetic ×{options.scale}",
                                     lambda: load_synthetic_plan(options.scale), options)
    return results


# --- reporting ------------------------------------------------------------------------------------------------


def database_name(url: str) -> str:
    """SQLite or PostgreSQL."""
    return "SQLite" if url.startswith("sqlite") else "PostgreSQL"


def queries_text(queries: list[int]) -> str:
    """Queries per request: one number when constant, else the range."""
    low, high = min(queries), max(queries)
    return str(low) if low == high else f"{low}–{high}"


def table(results: list[Result]) -> str:
    """The results as a Markdown table; each p50 is compared with the floor of its own data set."""
    floors = {r.dataset: r.p50_ms for r in results if r.page == FLOOR}
    lines = [
        "| page | data set | p50 ms | p95 ms | queries/request | p50 × floor | response KB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(f"| `{r.page}` | {r.dataset} | {r.p50_ms:.2f} | {r.p95_ms:.2f} | {queries_text(r.queries)} "
                     f"| {r.p50_ms / floors[r.dataset]:.1f} | {r.kilobytes:.1f} |")
    return "\n".join(lines)


def cpu_model() -> str:
    """The CPU model as /proc/cpuinfo names it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, or "unknown"."""
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def postgres_version(url: str) -> str:
    """The PostgreSQL server's version."""
    app = create_app(TestConfig(url))
    with app.app_context():
        version = db.session.scalar(text("SHOW server_version"))
        db.engine.dispose()
    return version


def machine(options) -> list[str]:
    """Facts about the machine and software, one Markdown list item each."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    databases = f"SQLite {sqlite3.sqlite_version} (file in {tempfile.gettempdir()}, WAL)"
    if options.postgres:
        databases += f"; PostgreSQL {postgres_version(options.postgres)}"
    return [
        f"- CPU: {cpu_model()}, {cores} cores available ({os.cpu_count()} online)",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"- Database: {databases}",
        f"- Load average when the report was written: {load_average()} (other processes share the machine)",
    ]


def command_line(argv: list[str]) -> str:
    """The command that produced the results, with any database password hidden."""
    shown = [make_url(arg).render_as_string(hide_password=True) if "://" in arg else arg for arg in argv]
    return " ".join([".venv/bin/python bench/run.py", *shown])


def report(results: list[Result], options, argv: list[str]) -> str:
    """The whole RESULTS.md text."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join([
        "# Benchmark results",
        "",
        f"Measured on {now} with `{command_line(argv)}`.",
        "",
        *machine(options),
        "",
        f"Each page: {options.warmup} warm-up requests, then {options.requests} timed requests through the Flask "
        "test client (no network, no server). Latency is per request in milliseconds; queries are counted with a "
        "`before_cursor_execute` listener; on SQLite they include the `BEGIN` that the app issues itself, so SQLite "
        "counts one more than PostgreSQL. The floor is `/healthz` (one `SELECT 1`) on the same data set. "
        f"`/plan` is measured on its first page ({TestConfig.PLAN_PAGE_SIZE} activities at most), as a user sees it. "
        f"The synthetic plan has {options.scale} × 50 activities, 10 per output, 13 outputs per outcome, 4 pillars, "
        f"{SYNTHETIC_BODIES} bodies, 1–2 responsibilities per activity (`{SYNTHETIC_BODY}` leads or helps with 3 % of them).",
        "",
        table(results),
        "",
    ])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, write the results file and print the table."""
    argv = sys.argv[1:] if argv is None else list(argv)
    options = parse_args(argv)
    results = run(options)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(report(results, options, argv), encoding="utf-8")
    print(table(results))
    print(f"\nwritten to {options.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
