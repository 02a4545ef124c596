"""Faults: a worker killed in the middle of report submissions, the database going away and coming back, a migration
run on a populated database. Each runs on the backend of the pass (SQLite, or PostgreSQL when the suite runs on it).

"Half-written" for this schema means any of: a report whose version does not match the writes audited for it (every
write to a report bumps its version by one and records its audit entry in the same transaction); a report missing the
update of one of its activities (they are written with the report); a submitted report without its submitter, time
or a complete update; a returned report without its note.
"""
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import MetaData, Table, func, inspect, select, text

from sip import create_app
from sip.config import TestConfig
from sip.core.models import AuditEntry
from sip.extensions import db
from sip.reporting.models import ActivityUpdate, GroupReport
from sip.reporting.services import reportable_activities
from tests.conftest import SERVER_URL
from tests.hardening.servers import Browser, ReportPage, complete_report, prepare_database

REPORT_WRITES = ("report.saved", "report.submitted", "report.returned", "report.accepted")


# --- a worker killed during submissions -----------------------------------------------------------------------------


def half_written_reports(url: str) -> list[str]:
    """Every way in which a report of the database is inconsistent with its updates and its audit trail."""
    app = create_app(TestConfig(url))
    problems = []
    with app.app_context():
        audited = Counter(db.session.execute(
            select(AuditEntry.entity_id).where(AuditEntry.entity == "group_report",
                                               AuditEntry.action.in_(REPORT_WRITES))).scalars())
        for report in db.session.scalars(select(GroupReport)):
            name = f"{report.body.slug} {report.period.code}"
            if report.version != audited[str(report.id)]:
                problems.append(f"{name}: version {report.version} but {audited[str(report.id)]} audited writes")
            expected = {a.id for a in reportable_activities(report.body)}
            present = [u.activity_id for u in report.updates]
            if sorted(present) != sorted(expected):
                problems.append(f"{name}: updates for {len(present)} of {len(expected)} activities")
            if report.state == "submitted":
                if report.submitted_at is None or report.submitted_by_id is None:
                    problems.append(f"{name}: submitted without submitter or time")
                # A contribution note (the body is responsible, not accountable) has no status and may be empty.
                if any(not u.status or not (u.achievements or u.no_progress)
                       for u in report.updates if not u.contribution):
                    problems.append(f"{name}: submitted with an incomplete update")
            if report.state == "returned" and not report.review_note:
                problems.append(f"{name}: returned without a note")
        orphans = db.session.scalar(select(func.count()).select_from(ActivityUpdate).where(
            ActivityUpdate.report_id.not_in(select(GroupReport.id))))
        if orphans:
            problems.append(f"{orphans} updates without their report")
        db.session.remove()
        db.engine.dispose()
    return problems


def test_killing_workers_during_submissions_leaves_no_half_written_report(server_database, start_gunicorn):
    url = server_database("kill")
    prepared = prepare_database(url, extra_working_groups=10, activities_per_group=12)
    server = start_gunicorn(url, workers=2, threads=4, timeout=20)
    deadline = time.monotonic() + 8
    answers: Counter = Counter()
    submitted: Counter = Counter()
    lock = threading.Lock()

    def group(slug: str) -> None:
        lead, secretariat = Browser(server.url, timeout=15), Browser(server.url, timeout=15)
        while True:  # sign in, retrying while workers are being killed
            try:
                lead.sign_in(prepared.people[f"lead:{slug}"])
                secretariat.sign_in(prepared.people["secretariat"])
                break
            except AssertionError:
                if time.monotonic() > deadline:
                    return
        path = f"/reports/{prepared.period}/{slug}"
        edit = 0
        while time.monotonic() < deadline:
            page = lead.get(path)
            if page.status != 200:
                with lock:
                    answers[f"read {page.status}"] += 1
                continue
            form = ReportPage.read(page.text)
            if form.editable:
                edit += 1
                answer = lead.post(path, complete_report(form, f"Summary {edit}.", f"Achieved, edit {edit}."))
                with lock:
                    answers[f"submit {answer.status}"] += 1
                    submitted[slug] += answer.status == 302
            else:  # submitted: the secretariat returns it, so that the group can submit again
                review = ReportPage.read(secretariat.get(path).text)
                answer = secretariat.post(path + "/review", {"csrf_token": review.token, "decision": "return",
                                                             "note": f"Returned {edit}."})
                with lock:
                    answers[f"return {answer.status}"] += 1

    threads = [threading.Thread(target=group, args=(slug,)) for slug in prepared.bodies]
    for thread in threads:
        thread.start()
    kills = []
    time.sleep(1.5)
    while time.monotonic() < deadline - 1:
        killed = server.kill_worker()
        if killed:
            kills.append(killed)
        time.sleep(1.2)
    for thread in threads:
        thread.join(timeout=60)
    assert len(kills) >= 3
    assert sum(count for key, count in answers.items() if key.startswith("submit 302")) >= 5, answers
    # The server recovered by itself: the master replaced the killed workers.
    assert Browser(server.url).get("/healthz").status == 200
    assert not [key for key in answers if key.split()[1].startswith("5")], answers  # a killed worker drops, never 5xx
    server.stop()
    assert half_written_reports(url) == []
    print(f"\n[worker kills: {len(kills)}, answers: {dict(answers)}]")


# --- the database going away and coming back ----------------------------------------------------------------------


def _signed_in_reader(server, people) -> Browser:
    browser = Browser(server.url, timeout=20)
    browser.sign_in(people["lead:wg-training"])
    return browser


def _until(check, timeout: float = 30.0):
    """Call check() until it returns something true; that value (or the last one)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


@pytest.mark.skipif(bool(SERVER_URL), reason="the SQLite pass; the PostgreSQL pass runs the PostgreSQL version")
def test_sqlite_file_going_away_gives_503_then_recovery_without_a_restart(tmp_path, start_gunicorn):
    folder = tmp_path / "data"
    folder.mkdir()
    url = f"sqlite:///{folder / 'sip.sqlite'}"
    people = prepare_database(url).people
    server = start_gunicorn(url, workers=2, threads=2)
    reader = _signed_in_reader(server, people)
    assert reader.get("/reports").status == 200
    folder.rename(tmp_path / "moved-away")  # the disk is gone …
    for pid in server.worker_pids():  # … and the workers are recycled: the new ones cannot open the database
        server.kill_worker(pid)
    answers = []

    def outage():
        anonymous, signed_in = Browser(server.url).get("/plan?lang=en"), reader.get("/reports?lang=en")
        health = Browser(server.url).get("/healthz")
        answers.extend([anonymous.status, signed_in.status, health.status])
        return (anonymous.status, signed_in.status, health.status) == (503, 503, 503) and (anonymous, signed_in)

    seen = _until(outage)
    assert seen, f"no 503 during the outage: {answers}"
    anonymous, signed_in = seen
    assert "Service unavailable" in anonymous.text and "try again in a moment" in anonymous.text
    assert "Traceback" not in anonymous.text + signed_in.text
    assert not [status for status in answers if status >= 500 and status != 503], answers
    (tmp_path / "moved-away").rename(folder)  # the disk is back: no restart
    assert _until(lambda: reader.get("/reports").status == 200), "no recovery"
    assert Browser(server.url).get("/healthz").status == 200


@pytest.mark.skipif(not SERVER_URL, reason="the PostgreSQL pass (SIP_TEST_DATABASE_URL)")
def test_postgresql_going_away_gives_503_then_recovery_without_a_restart(throwaway_postgres, start_gunicorn):
    people = prepare_database(throwaway_postgres.url).people
    server = start_gunicorn(throwaway_postgres.url, workers=2, threads=2)
    reader = _signed_in_reader(server, people)
    assert reader.get("/reports").status == 200
    throwaway_postgres.stop()
    anonymous, signed_in = Browser(server.url).get("/plan?lang=en"), reader.get("/reports?lang=en")
    assert (anonymous.status, signed_in.status) == (503, 503)
    assert "Service unavailable" in anonymous.text and "Traceback" not in anonymous.text + signed_in.text
    health = Browser(server.url).get("/healthz")
    assert health.status == 503 and '"unreachable"' in health.text
    throwaway_postgres.start()
    assert _until(lambda: reader.get("/reports").status == 200), "no recovery"
    assert Browser(server.url).get("/plan").status == 200


# --- a migration on a populated database --------------------------------------------------------------------------


def _revisions(app) -> list[str]:
    """Every migration from the first to the head, in order (whatever the head is)."""
    from alembic.script import ScriptDirectory

    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        return [script.revision for script in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]


def _populated_source(path) -> dict[str, list[dict]]:
    """Rows of every table of a database at the head of the models, filled with the demo (people, reports …)."""
    from datetime import date

    from seed.demo import create_demo_accounts
    from seed.demo_reports import create_demo_reports
    from sip.plan.queries import current_strategy
    from sip.reporting.services import ensure_periods
    from tests.conftest import load_real_seed

    source = create_app(TestConfig(f"sqlite:///{path}"))
    with source.app_context():
        db.create_all()
        load_real_seed()
        ensure_periods(current_strategy())
        db.session.commit()
        create_demo_accounts()
        create_demo_reports(today=date(2026, 11, 22))
        rows = {table.name: [dict(row._mapping) for row in db.session.execute(select(table))]
                for table in db.metadata.sorted_tables}
        db.session.remove()
        db.engine.dispose()
    return rows


def _copy_into_new_tables(conn, rows: dict[str, list[dict]], filled: dict[str, set]) -> None:
    """Copy the source rows into every table of the target that exists now and was not filled yet: only the columns
    the table has at this revision, typed as the models type them, and no reference to a table that does not exist
    yet (such a database could not hold one: the reference is left empty, or the row out when it cannot be)."""
    reflected = MetaData()
    reflected.reflect(conn)
    for table in reflected.sorted_tables:
        if table.name in filled or table.name == "alembic_version" or not rows.get(table.name):
            continue
        if conn.execute(select(func.count()).select_from(table)).scalar():
            # The migration that made the table filled it from the earlier rows: those rows must survive too.
            filled[table.name] = set(conn.execute(select(table.c.id)).scalars()) if "id" in table.c else {0}
            continue
        model = db.metadata.tables.get(table.name)
        typed = Table(table.name, MetaData(), *[
            type(column)(column.name, model.c[column.name].type if model is not None and column.name in model.c
                         else column.type) for column in table.columns])
        dangling = {column.name for column in (model.columns if model is not None else ())
                    if column.name in typed.c and any(fk.column.table.name not in reflected.tables
                                                      for fk in column.foreign_keys)}
        present = []
        for row in rows[table.name]:
            values = {k: v for k, v in row.items() if k in typed.c}
            if any(values.get(name) is not None and not table.c[name].nullable for name in dangling):
                continue
            present.append({k: (None if k in dangling else v) for k, v in values.items()})
        if not present:
            continue
        conn.execute(typed.insert(), present)
        filled[table.name] = {row["id"] for row in present} if "id" in typed.c else {len(present)}
        if conn.dialect.name == "postgresql" and "id" in typed.c:
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                              f"(SELECT max(id) FROM \"{table.name}\"))"))


def test_migrating_a_populated_database_step_by_step_keeps_every_row(tmp_path, server_database):
    from flask_migrate import upgrade

    rows = _populated_source(tmp_path / "source.sqlite")
    target = create_app(TestConfig(server_database("migrate")))
    filled: dict[str, set] = {}
    for revision in _revisions(target):
        with target.app_context():
            upgrade(revision=revision)  # the migration runs on the rows copied at the earlier revisions
            with db.engine.begin() as conn:
                _copy_into_new_tables(conn, rows, filled)
    with target.app_context():
        names = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert names == {table.name for table in db.metadata.sorted_tables}, "the head schema is not the models'"
        lost = {}
        for name, kept in filled.items():
            table = db.metadata.tables[name]
            if "id" in table.c:
                now = set(db.session.scalars(select(table.c.id)))
                if kept - now:
                    lost[name] = sorted(kept - now)[:10]
            elif db.session.scalar(select(func.count()).select_from(table)) < next(iter(kept)):
                lost[name] = "rows"
        counts = {name: db.session.scalar(select(func.count()).select_from(db.metadata.tables[name]))
                  for name in filled}
        db.session.remove()
        db.engine.dispose()
    assert lost == {}, f"rows lost by the migrations: {lost}"
    print(f"\n[rows kept through every migration: {counts}]")
    assert len(filled) >= 10, f"only {sorted(filled)} were populated"
