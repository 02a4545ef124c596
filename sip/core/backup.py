"""Backups of the database and restoring them: SQLite's online backup, pg_dump/pg_restore for PostgreSQL.

A backup is taken while the application runs: SQLite copies a consistent snapshot page by page, pg_dump reads one
transaction snapshot. Restoring replaces every row of the target database; the CLI asks for `--yes` unless the
target holds no row at all.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
# pg_dump, pg_restore and psql are the PostgreSQL tools for this job.
import subprocess  # nosec B404
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.engine import URL, Engine

SKIPPED_TABLES = {"alembic_version"}  # bookkeeping, not data: reported as the schema version instead
PG_TIMEOUT_S = 3600


class BackupError(RuntimeError):
    """The backup or the restore could not be done; the message says why and what to do."""


@dataclass
class Summary:
    """What a backup holds or a restore left: rows per table, the schema version, the file and how long it took."""

    path: Path
    tables: dict[str, int] = field(default_factory=dict)
    schema_version: str | None = None
    seconds: float = 0.0
    size: int = 0

    @property
    def rows(self) -> int:
        """Every row of every table."""
        return sum(self.tables.values())


# --- common ---------------------------------------------------------------------------------------------------


def backend(url: str | URL) -> str:
    """ "sqlite" or "postgresql" (anything else is refused)."""
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def row_counts(engine_or_connection) -> tuple[dict[str, int], str | None]:
    """Rows per table (alembic_version left out) and the schema version, read in one transaction."""
    def read(conn) -> tuple[dict[str, int], str | None]:
        names = sorted(inspect(conn).get_table_names())
        preparer = conn.dialect.identifier_preparer
        # Table names come from the database's own catalogue, quoted: nothing from a user reaches this SQL.
        counts = {name: conn.execute(text(f"SELECT count(*) FROM {preparer.quote(name)}")).scalar_one()  # nosec B608  # noqa: S608
                  for name in names if name not in SKIPPED_TABLES}
        version = None
        if "alembic_version" in names:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return counts, version

    if isinstance(engine_or_connection, Engine):
        with engine_or_connection.connect() as conn:
            return read(conn)
    return read(engine_or_connection)


def is_empty(url: str | URL) -> bool:
    """True when the database holds no row in any table (or does not exist yet, for SQLite)."""
    if backend(url) == "sqlite":
        path = _sqlite_path(url)
        return not path.exists() or not any(_sqlite_summary(path).tables.values())
    engine = create_engine(url)
    try:
        counts, _ = row_counts(engine)
    finally:
        engine.dispose()
    return not any(counts.values())


def backup(url: str | URL, destination: str | os.PathLike) -> Summary:
    """Back the database up to `destination` (a file, written whole or not at all)."""
    destination = Path(destination)
    if destination.is_dir():
        raise BackupError(f"{destination} is a directory: give the name of the backup file")
    destination.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    summary = _sqlite_backup(url, destination) if backend(url) == "sqlite" else _pg_backup(url, destination)
    summary.seconds = time.monotonic() - started
    summary.size = destination.stat().st_size
    return summary


def restore(url: str | URL, source: str | os.PathLike) -> Summary:
    """Replace the content of the database by the backup in `source`, after checking the backup."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    started = time.monotonic()
    summary = _sqlite_restore(url, source) if backend(url) == "sqlite" else _pg_restore(url, source)
    summary.seconds = time.monotonic() - started
    summary.size = source.stat().st_size
    return summary


def _temporary_beside(destination: Path) -> Path:
    """A new temporary file in the destination's directory, so that the final rename is atomic."""
    handle, name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".partial", dir=destination.parent)
    os.close(handle)
    return Path(name)


# --- SQLite ---------------------------------------------------------------------------------------------------


def _sqlite_path(url: str | URL) -> Path:
    """The file of a SQLite URL (an in-memory database cannot be backed up)."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _sqlite_check(connection: sqlite3.Connection, what: str) -> None:
    """PRAGMA integrity_check, or BackupError."""
    try:
        result = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{what} is not a readable SQLite database ({error})") from error
    if result != ["ok"]:
        raise BackupError(f"{what} failed SQLite's integrity check: {'; '.join(result[:5])}")


def _sqlite_summary(path: Path) -> Summary:
    """Rows per table of a SQLite file, read with sqlite3 itself (an engine of this app would turn WAL on)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = sorted(row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))
        counts = {}
        for name in (name for name in names if name not in SKIPPED_TABLES):
            # A name from sqlite_master, quoted: nothing from a user reaches this SQL.
            query = 'SELECT count(*) FROM "' + name.replace('"', '""') + '"'  # nosec B608  # noqa: S608
            counts[name] = connection.execute(query).fetchone()[0]
        version = None
        if "alembic_version" in names:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            version = row[0] if row else None
    finally:
        connection.close()
    return Summary(path, counts, version)


def _sqlite_backup(url: str | URL, destination: Path) -> Summary:
    """SQLite's online backup API into a temporary file, checked, then renamed over the destination."""
    path = _sqlite_path(url)
    if not path.exists():
        raise BackupError(f"the database file {path} does not exist")
    partial = _temporary_beside(destination)
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        target = sqlite3.connect(partial)
        try:
            source.backup(target)  # a consistent snapshot even while the application writes
            target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
            _sqlite_check(target, "the new backup")
        finally:
            target.close()
            source.close()
        summary = _sqlite_summary(partial)
        partial.chmod(0o600)  # it holds people's contact details
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    summary.path = destination
    return summary


def _sqlite_restore(url: str | URL, source: Path) -> Summary:
    """Check the backup, then copy it page by page into the database file (same file: open connections see it)."""
    expected = _checked_sqlite_backup(source)
    path = _sqlite_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(path, timeout=30)
    try:
        backup_db.backup(target)
        target.execute("PRAGMA journal_mode = WAL")  # as the application runs it
        _sqlite_check(target, "the restored database")
    finally:
        target.close()
        backup_db.close()
    summary = _sqlite_summary(path)
    _compare(expected, summary)
    summary.path = source
    return summary


def _checked_sqlite_backup(source: Path) -> Summary:
    """The content of a SQLite backup, after its integrity check."""
    with source.open("rb") as handle:
        if handle.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{source} is not a SQLite backup")
    connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        _sqlite_check(connection, str(source))
    finally:
        connection.close()
    return _sqlite_summary(source)


def _compare(expected: Summary, restored: Summary) -> None:
    """BackupError when the restored rows differ from the backup's."""
    if expected.tables != restored.tables:
        differences = [f"{name}: {expected.tables.get(name)} → {restored.tables.get(name)}"
                       for name in sorted(set(expected.tables) | set(restored.tables))
                       if expected.tables.get(name) != restored.tables.get(name)]
        raise BackupError("the restored database differs from the backup: " + ", ".join(differences[:10]))


# --- PostgreSQL -----------------------------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """The newest /usr/lib/postgresql/*/bin/<name>, else <name> on the PATH; BackupError when there is none."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if candidates:
        return str(candidates[-1])
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _libpq(url: str | URL) -> tuple[list[str], dict]:
    """Connection options for pg_dump/pg_restore; the password goes in the environment, never on the command line."""
    url = make_url(url)
    options = ["--dbname", url.database or "postgres"]
    if url.host:
        options += ["--host", url.host]
    if url.port:
        options += ["--port", str(url.port)]
    if url.username:
        options += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return options, env


def _run_pg(command: list[str], env: dict, what: str) -> subprocess.CompletedProcess:
    """Run a PostgreSQL tool; BackupError with its message when it fails."""
    # A fixed tool with arguments built here (the URL's parts as separate arguments, no shell).
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT_S,  # nosec B603  # noqa: S603
                            check=False)
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip()[-2000:]}")
    return result


def _pg_backup(url: str | URL, destination: Path) -> Summary:
    """pg_dump (custom format) of the snapshot in which the rows were counted."""
    options, env = _libpq(url)
    partial = _temporary_beside(destination)
    engine = create_engine(url, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            # Count the rows in a snapshot and let pg_dump read that same snapshot: the counts describe the file.
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts, version = row_counts(conn)
            # The application's schema only: a restore replaces `public` and must not collide with other schemas
            # that may share the database (another tool's, or the test suite's snapshot of the seeded plan).
            _run_pg([pg_tool("pg_dump"), *options, "--format=custom", "--no-owner", "--no-privileges",
                     "--schema=public", f"--snapshot={snapshot}", f"--file={partial}"], env, "pg_dump")
            conn.rollback()
        partial.chmod(0o600)
        _run_pg([pg_tool("pg_restore"), "--list", str(partial)], env, "checking the new backup")
        partial.replace(destination)
    finally:
        engine.dispose()
        partial.unlink(missing_ok=True)
    return Summary(destination, counts, version)


def _creates_public_schema(script: Path) -> bool:
    """True when the restore script creates the public schema itself."""
    with script.open(encoding="utf-8", errors="replace") as lines:
        return any(line.strip() == "CREATE SCHEMA public;" for line in lines)


def _pg_restore(url: str | URL, source: Path) -> Summary:
    """Replace the whole schema by the backup in one transaction: on any error, the database is left as it was."""
    options, env = _libpq(url)
    with source.open("rb") as handle:
        if handle.read(5) != b"PGDMP":
            raise BackupError(f"{source} is not a PostgreSQL backup made by `sip backup` (pg_dump --format=custom)")
    with tempfile.TemporaryDirectory(prefix="sip-restore-") as work:
        script = Path(work) / "restore.sql"
        # pg_restore checks the archive while turning it into SQL; psql then runs, in one transaction, the emptying
        # of the schema (tables made since the backup, by a newer migration, go too) and the backup's SQL.
        _run_pg([pg_tool("pg_restore"), "--no-owner", "--no-privileges", f"--file={script}", str(source)], env,
                f"reading {source}")
        script.chmod(0o600)
        # Backups of the public schema alone (pg_dump --schema=public) create it themselves; older ones do not.
        creates = _creates_public_schema(script)
        _run_pg([pg_tool("psql"), *options, "--no-psqlrc", "--quiet", "--single-transaction",
                 "--set=ON_ERROR_STOP=1", "--command=DROP SCHEMA public CASCADE",
                 *([] if creates else ["--command=CREATE SCHEMA public"]), f"--file={script}"], env, "restoring")
    engine = create_engine(url)
    try:
        counts, version = row_counts(engine)
    finally:
        engine.dispose()
    return Summary(source, counts, version)
