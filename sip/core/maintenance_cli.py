"""Commands of the sip group from this package (added by sip.cli.register): backups and restoring them."""
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

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


COMMANDS: list = [backup_command, restore_command]
