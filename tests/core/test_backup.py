"""`sip backup` and `sip restore`: a round trip keeps every row, a restore over data needs --yes, bad files are refused.

Run on the backend of the pass: SQLite (online backup API) or PostgreSQL (pg_dump / psql in one transaction).
"""
import hashlib
import os
import time
from datetime import date

import pytest
from sqlalchemy import delete, select, text

from seed.demo import create_demo_accounts
from seed.demo_reports import create_demo_reports
from sip import create_app
from sip.accounts.models import User
from sip.config import TestConfig
from sip.core import backup as backups
from sip.extensions import db
from sip.plan.queries import current_strategy
from sip.reporting.models import ActivityUpdate, GroupReport
from sip.reporting.services import ensure_periods
from tests.conftest import SERVER_URL, built_once, load_real_seed
from tests.hardening.servers import drop_postgres_database, postgres_bin, scratch_postgres_database

if SERVER_URL and postgres_bin() is None:
    pytest.skip("pg_dump is not installed", allow_module_level=True)  # the PostgreSQL pass without its tools


def rows_of_every_table() -> dict[str, tuple[int, str]]:
    """(count, checksum of the sorted rows) per table."""
    result = {}
    for table in db.metadata.sorted_tables:
        rows = sorted(map(repr, db.session.execute(select(table)).all()))
        result[table.name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    db.session.rollback()
    return result


def integrity_ok() -> bool:
    """SQLite's integrity and foreign-key checks; on PostgreSQL, that every foreign key still holds."""
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            return (conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
                    and conn.execute(text("PRAGMA foreign_key_check")).first() is None)
    with db.engine.connect() as conn:  # restored constraints are validated by PostgreSQL when they are created
        invalid = conn.execute(text("SELECT count(*) FROM pg_constraint WHERE NOT convalidated")).scalar()
    return invalid == 0


@pytest.fixture
def demo(app):
    """The app with the plan, its periods, the demo people and the demo reports (built once per process, then
    copied)."""
    with app.app_context():
        built_once("backup-demo", _build_demo)
        db.session.remove()
    return app


def _build_demo() -> None:
    """The plan, its periods, the demo people and reports."""
    load_real_seed()
    ensure_periods(current_strategy())
    db.session.commit()
    create_demo_accounts()
    create_demo_reports(today=date(2026, 11, 22))


@pytest.fixture
def other_database(tmp_path):
    """A second, empty database on the same backend (for restoring elsewhere)."""
    if SERVER_URL:
        url = scratch_postgres_database(SERVER_URL, f"sip_restore_{os.getpid()}")
        yield url
        drop_postgres_database(url)
    else:
        yield f"sqlite:///{tmp_path / 'other.sqlite'}"


def run(app, *args):
    """Invoke `flask sip …` on this app."""
    return app.test_cli_runner().invoke(args=["sip", *args], catch_exceptions=False)


def test_backup_then_restore_over_changed_data_gives_back_every_row(demo, tmp_path, capsys):
    path = tmp_path / "sip.backup"
    with demo.app_context():
        before = rows_of_every_table()
    started = time.monotonic()
    result = run(demo, "backup", str(path))
    backup_seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert f"{sum(count for count, _ in before.values())} rows" in result.output
    assert path.stat().st_mode & 0o777 == 0o600  # the file holds people's contact details
    with demo.app_context():  # life goes on after the backup: rows are removed and added
        db.session.execute(delete(ActivityUpdate))
        db.session.execute(delete(GroupReport))
        db.session.add(User(email="after.backup@example.org", name="After Backup"))
        db.session.commit()
    started = time.monotonic()
    result = run(demo, "restore", str(path), "--yes")
    restore_seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert "replaced" in result.output
    with demo.app_context():
        assert rows_of_every_table() == before
        assert integrity_ok()
        assert db.session.scalar(select(User).where(User.email == "after.backup@example.org")) is None
    with capsys.disabled():
        rows = sum(count for count, _ in before.values())
        print(f"\n[backup round trip on {backups.backend(demo.config['SQLALCHEMY_DATABASE_URI'])}: {rows} rows, "
              f"backup {backup_seconds:.2f} s, restore {restore_seconds:.2f} s]")


def test_restore_over_a_database_with_rows_is_refused_without_yes_and_changes_nothing(demo, tmp_path):
    path = tmp_path / "sip.backup"
    assert run(demo, "backup", str(path)).exit_code == 0
    with demo.app_context():
        db.session.add(User(email="kept@example.org", name="Kept"))
        db.session.commit()
        before = rows_of_every_table()
    result = run(demo, "restore", str(path))
    assert result.exit_code == 2
    assert "--yes" in result.output and "holds data" in result.output
    with demo.app_context():
        assert rows_of_every_table() == before


def test_restore_into_an_empty_database_needs_no_yes(demo, tmp_path, other_database):
    path = tmp_path / "sip.backup"
    assert run(demo, "backup", str(path)).exit_code == 0
    with demo.app_context():
        expected = rows_of_every_table()
    target = create_app(TestConfig(other_database))
    result = run(target, "restore", str(path))
    assert result.exit_code == 0, result.output
    assert "Restored" in result.output
    with target.app_context():
        assert rows_of_every_table() == expected
        assert integrity_ok()
        db.engine.dispose()


def test_a_file_that_is_not_a_backup_is_refused_and_the_database_is_unchanged(demo, tmp_path):
    bogus = tmp_path / "not-a-backup"
    bogus.write_bytes(b"this is not a database" * 100)
    with demo.app_context():
        before = rows_of_every_table()
    result = run(demo, "restore", str(bogus), "--yes")
    assert result.exit_code == 1
    assert "not a" in result.output and "backup" in result.output
    with demo.app_context():
        assert rows_of_every_table() == before


def test_a_truncated_backup_is_refused_and_the_database_is_unchanged(demo, tmp_path):
    path = tmp_path / "sip.backup"
    assert run(demo, "backup", str(path)).exit_code == 0
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with demo.app_context():
        before = rows_of_every_table()
    result = run(demo, "restore", str(path), "--yes")
    assert result.exit_code == 1, result.output
    assert "error:" in result.output
    with demo.app_context():
        assert rows_of_every_table() == before


def test_backup_to_a_directory_is_refused_with_a_message(demo, tmp_path):
    result = run(demo, "backup", str(tmp_path))
    assert result.exit_code != 0
    assert "directory" in result.output.lower()


def test_backup_replaces_an_older_backup_file_whole(demo, tmp_path):
    path = tmp_path / "sip.backup"
    path.write_bytes(b"old")
    assert run(demo, "backup", str(path)).exit_code == 0
    assert backups.backend(demo.config["SQLALCHEMY_DATABASE_URI"]) in ("sqlite", "postgresql")
    assert path.read_bytes()[:5] in (b"SQLit", b"PGDMP")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


@pytest.mark.skipif(not SERVER_URL, reason="pg_dump's schemas: the PostgreSQL pass")
def test_a_backup_holds_the_application_schema_and_an_older_whole_database_backup_still_restores(demo, tmp_path):
    import subprocess  # nosec B404

    from sqlalchemy import make_url

    path, older = tmp_path / "sip.backup", tmp_path / "older.backup"
    with demo.app_context():
        with db.engine.begin() as conn:  # a schema of another tool in the same database
            conn.execute(text("CREATE SCHEMA IF NOT EXISTS other_tool"))
            conn.execute(text("CREATE TABLE IF NOT EXISTS other_tool.notes (id int)"))
        expected = rows_of_every_table()
    assert run(demo, "backup", str(path)).exit_code == 0
    listing = subprocess.run([backups.pg_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True,
                             check=True).stdout  # nosec B603
    assert "other_tool" not in listing  # only the application's schema is in the file
    url = make_url(SERVER_URL)
    subprocess.run([backups.pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",  # nosec B603
                    "--exclude-schema=other_tool", "--exclude-schema=sip_*snapshot*", f"--file={older}",
                    "--host", url.host, "--port", str(url.port), "--username", url.username, url.database],
                   check=True)  # as `sip backup` made them before: every schema of the database, public implied (but
    # the test suite's own copies of built worlds)
    for source in (path, older):
        with demo.app_context():
            db.session.execute(delete(GroupReport))
            db.session.commit()
            db.session.remove()
        result = run(demo, "restore", str(source), "--yes")
        assert result.exit_code == 0, result.output
        with demo.app_context():
            assert rows_of_every_table() == expected
            assert db.session.execute(text("SELECT count(*) FROM other_tool.notes")).scalar() == 0  # left alone
            db.session.remove()
    with demo.app_context(), db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA other_tool CASCADE"))
