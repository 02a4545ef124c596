"""Commands of the sip group from this package (added by sip.cli.register): backups and restoring them, the
doctor, and the lock that lets several servers run `sip setup` at once."""
import contextlib
import fcntl
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from sqlalchemy import text

from sip.core import backup as backups
from sip.extensions import db


def _database_url() -> str:
    """The URL of the app's database, password included (it goes to pg_dump through the environment)."""
    return db.engine.url.render_as_string(hide_password=False)


def _print_summary(summary: backups.Summary) -> None:
    """Rows per table, then the totals."""
    for name, count in summary.tables.items():
        click.echo(f"  {name:<28} {count:>9}")
    version = summary.schema_version or "none"
    click.echo(f"{len(summary.tables)} tables, {summary.rows} rows, schema version {version}, "
               f"{summary.size / 1024:.0f} KiB, {summary.seconds:.2f} s.")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup_command(path: str):
    """Back the database up to PATH while the application runs (SQLite online backup, or pg_dump)."""
    try:
        summary = backups.backup(_database_url(), path)
    except backups.BackupError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(f"Backed up {db.engine.url.render_as_string(hide_password=True)} to {summary.path}:")
    _print_summary(summary)


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--yes", is_flag=True, help="Replace the rows of a database that is not empty.")
def restore_command(path: str, yes: bool):
    """Replace the content of the database by the backup in PATH (refused on a database with rows, unless --yes)."""
    url = _database_url()
    shown = db.engine.url.render_as_string(hide_password=True)
    db.session.remove()
    db.engine.dispose()  # no connection of this process may hold the database while it is replaced
    try:
        empty = backups.is_empty(url)
    except Exception as error:  # noqa: BLE001
        click.echo(f"error: cannot read the target database {shown}: {error}", err=True)
        sys.exit(1)
    if not empty and not yes:
        click.echo(f"error: {shown} holds data; restoring would replace all of it. Stop the application, then run "
                   "again with --yes (or take a backup of it first with `sip backup`).", err=True)
        sys.exit(2)
    try:
        summary = backups.restore(url, path)
    except backups.BackupError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(f"Restored {summary.path} into {shown}" + (" (its previous rows are replaced):" if not empty else ":"))
    _print_summary(summary)
    head = _migration_head()
    if head and summary.schema_version != head:
        click.echo(f"The backup's schema version is {summary.schema_version}, the application's is {head}: run "
                   "`flask --app app sip setup` (or `flask --app app db upgrade`) before serving it.")


def _migration_head() -> str | None:
    """The newest migration of the application, or None when it cannot be read."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    try:
        return ScriptDirectory.from_config(config).get_current_head()
    except Exception:  # noqa: BLE001
        return None


# --- sip setup under a lock ----------------------------------------------------------------------------------------

# The key of the PostgreSQL advisory lock held by `sip setup` (any fixed number: it names the lock for the server).
SETUP_LOCK_KEY = 0x5150_5345  # "SIPSE"


@contextlib.contextmanager
def setup_lock(wait_seconds: int = 900):
    """Hold the database's setup lock for the block: a PostgreSQL advisory lock (held by its own connection), or a
    file lock beside the SQLite database. A second `sip setup` waits for the first, then finds nothing to do."""
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        with db.engine.connect() as connection:
            if not connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": SETUP_LOCK_KEY}):
                click.echo("Another `sip setup` is running on this database; waiting for it to finish…")
                connection.execute(text("SELECT set_config('lock_timeout', :ms, false)"),
                                   {"ms": str(wait_seconds * 1000)})
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SETUP_LOCK_KEY})
            connection.commit()  # the session-level lock outlives the transaction; no transaction stays open
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SETUP_LOCK_KEY})
                connection.commit()
        return
    database = url.database
    folder = Path(database).parent if database and database != ":memory:" else Path(current_app.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    name = (Path(database).name if database and database != ":memory:" else "memory") + ".setup-lock"
    with open(folder / name, "a+") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            click.echo("Another `sip setup` is running on this database; waiting for it to finish…")
            deadline = time.monotonic() + wait_seconds
            while True:
                try:
                    fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise click.ClickException("the other `sip setup` did not finish in time") from None
                    time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


# --- the doctor -------------------------------------------------------------------------------------------------------


@click.command("doctor")
@with_appcontext
@click.option("--offline", is_flag=True, help="Skip the checks that reach the mail server and the public address.")
def doctor_command(offline: bool):
    """Check this installation: settings, database, migrations, mail, base URL, worker, Chromium and pango."""
    from sip.core.doctor import FAIL, run_checks

    findings = run_checks(current_app._get_current_object(), network=not offline)
    for finding in findings:
        click.echo(finding.line())
    failed = [finding.name for finding in findings if finding.status == FAIL]
    click.echo(f"{len(findings) - len(failed)} of {len(findings)} checks passed"
               + (f"; to fix: {', '.join(failed)}." if failed else "."))
    sys.exit(1 if failed else 0)


COMMANDS: list = [backup_command, restore_command, doctor_command]
