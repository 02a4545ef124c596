"""Benchmark the read pages and the dashboards: latency and SQL queries per request, on the real plan with the demo
reports and on a plan 100× larger with generated reports.

Run: `.venv/bin/python bench/run.py` (or `make bench`); `--help` lists the options. Writes bench/RESULTS.md.
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, bench/ is on the path but the project is not
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, insert, make_url, select, text  # noqa: E402

from seed import load_json  # noqa: E402
from sip import create_app  # noqa: E402
from sip.accounts.models import User  # noqa: E402
from sip.accounts.passwords import hash_password  # noqa: E402
from sip.bodies.models import Body  # noqa: E402
from sip.config import TestConfig  # noqa: E402
from sip.core.i18n import current_language  # noqa: E402
from sip.dashboards import charts, data  # noqa: E402
from sip.dashboards.pages import PLAN_DETAIL_LIMIT  # noqa: E402
from sip.dashboards.selection import Periods  # noqa: E402
from sip.dashboards.tables import chart_labels  # noqa: E402
from sip.extensions import db  # noqa: E402
from sip.plan.models import Activity, Outcome, Output, Pillar, Responsibility, Strategy  # noqa: E402
from sip.plan.queries import current_strategy  # noqa: E402
from sip.reporting.statuses import refresh as refresh_statuses  # noqa: E402
from sip.reporting.models import ActivityUpdate, GroupReport, ReportingPeriod  # noqa: E402
from sip.plan.models import CLOSED_STATUSES  # noqa: E402
from sip.reporting.services import ensure_periods  # noqa: E402

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
SYNTHETIC_BODIES = 50  # all working groups: each one reports every quarter
SYNTHETIC_BODY = "body-07"
WORDS = ("Préparation", "Formation", "Évaluation", "Coordination", "Cartographie")
STATUSES = ("planned", "on_track", "at_risk", "delayed", "completed")

# The dashboards: measured signed in, on the quarter the demo leaves open, the last GLM's quarter, one body's page
# and one CSV download.
DEMO_TODAY = date(2026, 11, 22)  # keeps the demo's timestamps out of the future, as the tests do
DASHBOARD_PERIOD = "2026-Q3"
GLM_PERIOD = "2026-Q2"
REAL_DASHBOARD_BODY = "wg-training"
FIGURES = "SAG figures from ready DataFrames"  # the floor of the dashboards: a row of its own, not a page
READER_EMAIL = "bench.reader@example.org"
READER_PASSWORD = "bench reader: correct horse battery staple"
# The synthetic reports: 2022-Q1 … 2026-Q2 closed with an accepted report from every body, 2026-Q3 open (none
# accepted yet), 2026-Q4 upcoming; due dates, GLM quarters and review times as the demo sets them.
OPEN_PERIOD = (2026, 3)
OPENS_BEFORE_END, DUE_AFTER_END = 9, 15  # days around the quarter's last day, as in seed/demo_reports.py
GLM_MONTHS = {2: "June", 4: "November"}
LATE_EVERY = 9  # about one report in nine is submitted after the due date
INSERT_BATCH = 10_000


@dataclass
class Result:
    """The measurements of one page (or of building the dashboard figures) on one data set."""

    page: str
    dataset: str
    p50_ms: float
    p95_ms: float
    queries: list[int]
    kilobytes: float
    cold_ms: float | None = None  # dashboards: p50 of requests with the rendered parts forgotten first


@dataclass
class Loaded:
    """A data set as loaded: the pages measured anonymously, those measured signed in, and the period whose SAG
    figures give the dashboards' floor."""

    pages: list[str]
    dashboards: list[str]
    period: str = DASHBOARD_PERIOD


@dataclass
class Facts:
    """What a data set holds, for the report."""

    label: str
    activities: int
    bodies: int
    periods: int
    accepted_reports: int
    accepted_updates: int
    seconds: float


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per page (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per page first (default 20)")
    parser.add_argument("--scale", type=int, default=100, help="synthetic plan = SCALE × 50 activities (default 100)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="Markdown file to write")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database (its tables are dropped)")
    parser.add_argument("--postgres-only", action="store_true",
                        help="with --postgres, measure PostgreSQL alone (the test suite's PostgreSQL pass: its SQLite "
                             "pass has measured SQLite)")
    parser.add_argument("--dashboards-only", action="store_true",
                        help="only the synthetic data set's dashboards, their figures floor and /healthz")
    options = parser.parse_args(argv)
    if options.postgres_only and not options.postgres:
        parser.error("--postgres-only needs --postgres URL")
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
    """Load the real plan from seed/ and its reporting periods, and commit."""
    from sip.plan.services import load_seed

    load_seed(load_json("plan.json"), load_json("bodies.json"), load_json("commitments.json"), load_json("glossary.json"))
    ensure_periods(current_strategy())
    db.session.commit()


def load_demo_reports() -> None:
    """The demo people and their reports (2024-Q1 … 2026-Q3 closed, 2026-Q4 open on DEMO_TODAY), as `flask sip setup --demo` makes them."""
    from seed.demo import create_demo_accounts
    from seed.demo_reports import create_demo_reports

    create_demo_accounts()
    create_demo_reports(today=DEMO_TODAY)


def create_reader() -> None:
    """The person the dashboards are measured for: signed in, no membership (every signed-in reader sees the same
    dashboards); the same on every data set, so the rows compare."""
    db.session.add(User(email=READER_EMAIL, name="Bench reader", language="en",
                        password_hash=hash_password(READER_PASSWORD)))
    db.session.commit()


def dashboard_pages(body: str) -> list[str]:
    """The dashboard pages measured on a data set: SAG, GLM, one body, one CSV download."""
    return [f"/dashboards/sag?period={DASHBOARD_PERIOD}", f"/dashboards/glm?period={GLM_PERIOD}",
            f"/dashboards/bodies/{body}?period={DASHBOARD_PERIOD}",
            f"/dashboards/sag/compliance.csv?period={DASHBOARD_PERIOD}"]


def synthetic_bodies() -> list[dict]:
    """Rows of the synthetic plan's bodies (working groups)."""
    return [
        dict(id=i + 1, slug=f"body-{i:02d}", kind="working_group", aliases=[],
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
                                     plan_status="planned", accountable_body_id=i % SYNTHETIC_BODIES + 1,
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


def synthetic_status(activity: int, quarter: int) -> str:
    """The status an activity (index from 0) is reported in, in the quarter-th quarter (0 = 2022-Q1).

    Deterministic: planned until its start (one of the first 8 quarters), then on track with a spell at risk or
    delayed now and then, completed 6 to 18 quarters after its start; one activity in 53 is discontinued 3 quarters
    after its start.
    """
    start = activity % 8
    if quarter < start:
        return "planned"
    if activity % 53 == 0 and quarter >= start + 3:
        return "discontinued"
    if quarter >= start + 6 + (activity * 7) % 13:
        return "completed"
    trouble = (activity * 5 + quarter) % 11
    return "delayed" if trouble == 0 else "at_risk" if trouble in (1, 2) else "on_track"


def at_noon(day: date) -> datetime:
    """Noon UTC of a day."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


def prepare_periods(strategy: Strategy) -> list[ReportingPeriod]:
    """Create the strategy's 20 quarters and set them as the demo does: closed with due dates up to 2026-Q2,
    2026-Q3 open, 2026-Q4 upcoming, Q2 and Q4 looked at by a GLM. Returns the closed ones in time order."""
    ensure_periods(strategy)
    periods = db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.strategy_id == strategy.id)
                                 .order_by(ReportingPeriod.year, ReportingPeriod.quarter)).all()
    for period in periods:
        quarter = (period.year, period.quarter)
        if quarter <= OPEN_PERIOD:
            period.state = "closed" if quarter < OPEN_PERIOD else "open"
            period.opens_on = period.ends_on - timedelta(days=OPENS_BEFORE_END)
            period.due_on = period.ends_on + timedelta(days=DUE_AFTER_END)
        if period.quarter in GLM_MONTHS:
            period.glm, period.glm_name = True, f"GLM {GLM_MONTHS[period.quarter]} {period.year}"
    db.session.commit()
    return [p for p in periods if p.state == "closed"]


def synthetic_reports(closed: list[ReportingPeriod], n_activities: int) -> tuple[list[dict], list[dict], dict[int, str]]:
    """Rows of the accepted reports (every body, every closed quarter) and of their updates, and each activity's
    status after the last of them.

    Each report has one update per activity its body is responsible for (lead or contributor), as long as the
    activity is neither completed nor discontinued (the app stops asking for those): about 23 updates per
    activity over 18 quarters. Most reports are submitted up to 6 days before the due date, one in nine 3 to 17
    days after it; each is accepted 4 days after it was submitted.
    """
    responsible: dict[int, list[int]] = {}
    for row in synthetic_responsibilities(n_activities):
        responsible.setdefault(row["body_id"], []).append(row["activity_id"] - 1)
    reports, updates, final = [], [], {}
    for q, period in enumerate(closed):
        statuses = [synthetic_status(i, q) for i in range(n_activities)]
        before = [synthetic_status(i, q - 1) if q else "planned" for i in range(n_activities)]
        for body_id in range(1, SYNTHETIC_BODIES + 1):
            late = (body_id * 7 + q * 3) % LATE_EVERY == 0
            day = (period.due_on + timedelta(days=3 + (body_id + q) % 15) if late
                   else period.due_on - timedelta(days=(body_id + q) % 7))
            submitted = at_noon(day)
            report_id = len(reports) + 1
            reports.append(dict(
                id=report_id, body_id=body_id, period_id=period.id, state="accepted", version=3, demo=False,
                summary=f"Body {body_id - 1}, {period.code}: synthetic report.",
                created_at=submitted - timedelta(days=10), updated_at=submitted, submitted_at=submitted,
                reviewed_at=submitted + timedelta(days=4),
            ))
            for i in responsible.get(body_id, []):
                if before[i] in CLOSED_STATUSES:
                    continue  # completed or discontinued in an earlier quarter: no longer reported on
                status = statuses[i]
                trouble = status in ("at_risk", "delayed")
                contribution = body_id != i % SYNTHETIC_BODIES + 1  # a contributor's note: the lead sets the status
                updates.append(dict(
                    report_id=report_id, activity_id=i + 1, status=None if contribution else status,
                    progress_pct=100 if status == "completed" else min(95, 5 * max(0, q - i % 8)),
                    achievements="" if status == "planned" else f"Quarter {q + 1} of the work on this activity.",
                    challenges="Partners' staff are taken by an emergency response." if trouble else "",
                    next_steps="Continue as planned.", support_needed="A SAG decision on priorities." if trouble else "",
                    evidence_links="", no_progress=status == "planned", carried=False, carried_from_id=None,
                    contribution=contribution,
                ))
                final[i + 1] = status
    return reports, updates, final


def load_synthetic_reports() -> None:
    """Bulk-insert the synthetic plan's periods, accepted reports and updates, and write the status table from
    them (as accepting a report does)."""
    strategy = db.session.get(Strategy, 1)
    closed = prepare_periods(strategy)
    n_activities = db.session.scalar(select(func.count()).select_from(Activity))
    reports, updates, _ = synthetic_reports(closed, n_activities)
    db.session.execute(insert(GroupReport), reports)
    for start in range(0, len(updates), INSERT_BATCH):
        db.session.execute(insert(ActivityUpdate), updates[start:start + INSERT_BATCH])
    refresh_statuses(strategy.id)
    db.session.commit()


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
    """GET a page, refusing anything but 200 (a 404, or a redirect to /login, would be timed as if it were the page)."""
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}, not 200; nothing measured")
    return response


def signed_in_client(app):
    """A test client signed in as the bench reader (POST /login, as a browser does)."""
    client = app.test_client()
    response = client.post("/login", data={"email": READER_EMAIL, "password": READER_PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"signing in answered {response.status_code}, not 302; nothing measured")
    return client


def timed(work, options, take_count) -> tuple[float, float, list[int], object]:
    """Run `work` N times untimed, then M times timed; p50 and p95 in ms, the queries of each run, the last result."""
    for _ in range(options.warmup):
        work()
    gc.collect()
    timings, queries = [], []
    for _ in range(options.requests):
        take_count()
        start = time.perf_counter()
        result = work()
        timings.append((time.perf_counter() - start) * 1000)
        queries.append(take_count())
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return cuts[49], cuts[94], queries, result


COLD_REQUESTS = 5


def cold_p50(app, client, url: str) -> float:
    """A dashboard as the first reader after a change sees it: the median of a few requests, each made with the
    process's rendered parts forgotten first (sip/core/parts.py)."""
    timings = []
    for _ in range(COLD_REQUESTS):
        app.extensions.pop("sip_rendered_parts", None)
        start = time.perf_counter()
        get(client, url)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def measure(app, url: str, dataset: str, options, take_count, client=None) -> Result:
    """Warm up, then time M requests of one page and count the queries of each (anonymously unless given a
    signed-in client); for a dashboard also its cold time."""
    client = client or app.test_client()
    cold = cold_p50(app, client, url) if is_dashboard(url) else None
    p50, p95, queries, response = timed(lambda: get(client, url), options, take_count)
    return Result(url, dataset, p50, p95, queries, len(response.data) / 1024, cold)


def ready_frames(app, period_code: str) -> tuple[dict, dict[str, str], dict[str, str], str]:
    """The SAG dashboard's frames for a quarter, computed once from the database as the page computes them, with
    the chart labels, the body names and the language of the page's reader."""
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        strategy = current_strategy()
        periods = Periods.of(strategy)
        period = periods.find(period_code)
        window = periods.window(period)
        statuses = data.activity_statuses(strategy, period)
        frames = {
            "counts": data.status_counts(statuses),
            "over_time": data.status_over_time(strategy, window),
            "compliance": data.compliance(strategy, window, date.today()),
            "tree": data.plan_tree(statuses, strategy, depth="activity" if len(statuses) <= PLAN_DETAIL_LIMIT
                                   else "output"),
        }
        labels = chart_labels()
        language = current_language()
        compliance = frames["compliance"]
        body_names = dict(zip(compliance["body"], compliance[f"body_name_{'fr' if language == 'fr' else 'en'}"], strict=False))
        db.session.remove()
    return frames, labels, body_names, period_code


def sag_figures(frames: dict, labels: dict[str, str], body_names: dict[str, str], period: str) -> int:
    """The SAG dashboard's four figures from ready frames, as JSON (what the page embeds); their total length."""
    figures = [
        charts.status_by_pillar(frames["counts"], labels, f"Activities by status and pillar, {period}"),
        charts.status_trend(frames["over_time"], labels, "Statuses over the quarters"),
        charts.compliance_grid(frames["compliance"], labels, "Reporting: who delivered on time", body_names),
        charts.plan_sunburst(frames["tree"], labels, f"The plan as one picture, {period}"),
    ]
    return sum(len(figure.to_json()) for figure in figures)


def measure_figures(app, loaded: Loaded, dataset: str, options, take_count) -> Result:
    """The dashboards' floor: the SAG figures built from ready DataFrames (charts.py + to_json, no database, no
    Flask), timed over as many repetitions as a page."""
    frames, labels, body_names, period = ready_frames(app, loaded.period)
    p50, p95, queries, length = timed(lambda: sag_figures(frames, labels, body_names, period), options, take_count)
    return Result(FIGURES, dataset, p50, p95, queries, length / 1024)


def count_facts(label: str, seconds: float) -> Facts:
    """What the loaded data set holds."""
    accepted = select(GroupReport.id).where(GroupReport.state == "accepted")
    return Facts(
        label=label,
        activities=db.session.scalar(select(func.count()).select_from(Activity)),
        bodies=db.session.scalar(select(func.count()).select_from(Body)),
        periods=db.session.scalar(select(func.count()).select_from(ReportingPeriod)),
        accepted_reports=db.session.scalar(select(func.count()).select_from(accepted.subquery())),
        accepted_updates=db.session.scalar(select(func.count()).select_from(ActivityUpdate)
                                           .where(ActivityUpdate.report_id.in_(accepted))),
        seconds=seconds,
    )


def bench_dataset(url: str, name: str, loader, options) -> tuple[list[Result], Facts]:
    """Build a fresh database at URL, load a data set, and measure its pages, its dashboards and their floor."""
    app = fresh_app(url)
    started = time.perf_counter()
    with app.app_context():
        loaded: Loaded = loader()
        create_reader()
        activities = db.session.scalar(text("SELECT count(*) FROM activity"))
        label = f"{name}, {activities} activities, {database_name(url)}"
        facts = count_facts(label, time.perf_counter() - started)
    print(f"{label}: loaded in {facts.seconds:.1f} s ({facts.accepted_reports} accepted reports, "
          f"{facts.accepted_updates} accepted updates)", file=sys.stderr)
    take_count = query_counter(app)
    pages = [FLOOR] if options.dashboards_only else loaded.pages
    results = [measure(app, page, label, options, take_count) for page in pages]
    results.append(measure_figures(app, loaded, label, options, take_count))
    reader = signed_in_client(app)
    results += [measure(app, page, label, options, take_count, client=reader) for page in loaded.dashboards]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return results, facts


def real_loader() -> Loaded:
    """Load the real plan with the demo people and reports; return its pages."""
    load_real_plan()
    load_demo_reports()
    return Loaded(list(REAL_PAGES), dashboard_pages(REAL_DASHBOARD_BODY))


def synthetic_loader(scale: int) -> Loaded:
    """Load the synthetic plan and its reports; return its pages."""
    pages = load_synthetic_plan(scale)
    load_synthetic_reports()
    return Loaded(pages, dashboard_pages(SYNTHETIC_BODY))


def run(options) -> tuple[list[Result], list[Facts]]:
    """Measure every data set on SQLite, then on PostgreSQL when asked (or on PostgreSQL alone)."""
    urls = []
    with tempfile.TemporaryDirectory(prefix="sip-bench-") as tmp:
        if not options.postgres_only:
            urls.append((f"sqlite:///{tmp}/real.sqlite", f"sqlite:///{tmp}/synthetic.sqlite"))
        if options.postgres:
            urls.append((options.postgres, options.postgres))
        results, facts = [], []
        for real_url, synthetic_url in urls:
            datasets = [(real_url, "real", real_loader),
                        (synthetic_url, f"synthetic ×{options.scale}", lambda: synthetic_loader(options.scale))]
            for url, name, loader in datasets[1:] if options.dashboards_only else datasets:
                measured, held = bench_dataset(url, name, loader, options)
                results += measured
                facts.append(held)
    return results, facts


# --- reporting ------------------------------------------------------------------------------------------------


def database_name(url: str) -> str:
    """SQLite or PostgreSQL."""
    return "SQLite" if url.startswith("sqlite") else "PostgreSQL"


def queries_text(queries: list[int]) -> str:
    """Queries per request: one number when constant, else the range."""
    low, high = min(queries), max(queries)
    return str(low) if low == high else f"{low}–{high}"


def is_dashboard(page: str) -> bool:
    """A dashboard page (compared with the figures floor as well)."""
    return page.startswith("/dashboards/")


def table(results: list[Result]) -> str:
    """The results as a Markdown table; each p50 is compared with the floor of its own data set, and each
    dashboard's p50 and cold p50 also with building the SAG figures from ready DataFrames on that data set."""
    floors = {r.dataset: r.p50_ms for r in results if r.page == FLOOR}
    figures = {r.dataset: r.p50_ms for r in results if r.page == FIGURES}
    lines = [
        "| page | data set | p50 ms | p95 ms | cold p50 ms | queries/request | p50 × floor | p50 × figures "
        "| cold × figures | response KB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        page = r.page if r.page == FIGURES else f"`{r.page}`"
        compared = is_dashboard(r.page) and r.dataset in figures
        versus_figures = f"{r.p50_ms / figures[r.dataset]:.1f}" if compared else "–"
        cold_versus_figures = f"{r.cold_ms / figures[r.dataset]:.1f}" if compared and r.cold_ms is not None else "–"
        cold = f"{r.cold_ms:.1f}" if r.cold_ms is not None else "–"
        lines.append(f"| {page} | {r.dataset} | {r.p50_ms:.2f} | {r.p95_ms:.2f} | {cold} | {queries_text(r.queries)} "
                     f"| {r.p50_ms / floors[r.dataset]:.1f} | {versus_figures} | {cold_versus_figures} "
                     f"| {r.kilobytes:.1f} |")
    return "\n".join(lines)


def facts_list(facts: list[Facts]) -> list[str]:
    """What each data set held, one Markdown list item each."""
    return [f"- {f.label}: {f.bodies} bodies, {f.periods} quarters, {f.accepted_reports} accepted reports, "
            f"{f.accepted_updates} accepted activity updates; built in {f.seconds:.1f} s" for f in facts]


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


def code_version() -> str:
    """The commit measured, and whether the working tree had uncommitted changes."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"commit {commit}" + (" with uncommitted changes" if dirty else "")


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
        f"- Code: {options.code}",
        f"- Load average when the report was written: {load_average()} (other processes share the machine)",
    ]


def command_line(argv: list[str]) -> str:
    """The command that produced the results, with any database password hidden."""
    shown = [make_url(arg).render_as_string(hide_password=True) if "://" in arg else arg for arg in argv]
    return " ".join([".venv/bin/python bench/run.py", *shown])


def report(results: list[Result], facts: list[Facts], options, argv: list[str]) -> str:
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
        f"{SYNTHETIC_BODIES} working groups, 1–2 responsibilities per activity (`{SYNTHETIC_BODY}` leads or helps "
        "with 3 % of them).",
        "",
        "Dashboards (`/dashboards/…`) are measured signed in (`POST /login` first, as a reader without membership: "
        "every signed-in reader sees the same dashboards); the other pages anonymously, as before. The real data set "
        f"has the demo people and reports (`create_demo_reports(today={DEMO_TODAY.isoformat()})`: 2024-Q1 … 2026-Q3 "
        "closed with accepted reports from every accountable body, 2026-Q4 open with reports in every state, GLMs on Q2 "
        f"and Q4). The synthetic one has its 20 quarters set the same way (2022-Q1 … 2026-Q2 closed, {OPEN_PERIOD[0]}-Q{OPEN_PERIOD[1]} open, 2026-Q4 upcoming) and "
        "one accepted report per working group per closed quarter (one in nine submitted after the due date), with "
        "one update per activity the group is responsible for until the activity is completed or discontinued; "
        "statuses move deterministically over the quarters, and each activity's status per quarter is in the status table "
        f"(activity_status). The dashboards' floor, \"{FIGURES}\", is building the SAG dashboard's four figures (status "
        "by pillar, status over time, compliance grid, plan sunburst) with `charts.py` and `to_json()` from "
        "DataFrames computed once beforehand by `data.py` for the same quarter, with as many warm-up and timed "
        "repetitions as a page; \"p50 × figures\" divides each dashboard's p50 by it, \"cold × figures\" its cold "
        "p50. The dashboards read the status table; the SAG dashboard's content is kept rendered per data version, the "
        "other dashboards are built on each request; \"cold p50\" "
        f"is the median of {COLD_REQUESTS} requests made with the process's rendered parts (sip/core/parts.py) "
        "forgotten first, what the first reader after a change (an accepted report, say) waits.",
        "",
        *facts_list(facts),
        "",
        table(results),
        "",
    ])


def kept_blocks(path: Path) -> str:
    """The sections other scripts write into the results file between their markers (`<!-- name:begin -->` …
    `<!-- name:end -->`, e.g. bench/writers.py's), kept as they are."""
    if not path.exists():
        return ""
    found = re.finditer(r"(<!-- ([a-z-]+):begin -->.*?<!-- \2:end -->)", path.read_text(encoding="utf-8"), re.S)
    return "".join("\n" + match.group(1) + "\n" for match in found)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, write the results file and print the table."""
    argv = sys.argv[1:] if argv is None else list(argv)
    options = parse_args(argv)
    options.code = code_version()  # before measuring: the code imported is the code at start
    results, facts = run(options)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    text = report(results, facts, options, argv)
    options.output.write_text(text + kept_blocks(options.output), encoding="utf-8")
    print(table(results))
    print(f"\nwritten to {options.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
