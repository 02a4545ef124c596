"""Register commands for `flask --app app sip`: remind partners about the minimum commitments, import a file."""
from pathlib import Path

import click
from flask.cli import with_appcontext

from sip.core.database import intending_to_write


@click.command("remind-partners")
@with_appcontext
def remind_partners_command():
    """Queue a reminder to the focal points of every partner that has not acknowledged the minimum commitments."""
    from sip.partners.services import remind_partners
    from sip.plan.queries import current_strategy

    strategy = current_strategy()
    if strategy is None:
        raise click.ClickException("There is no plan yet.")
    with intending_to_write():
        result = remind_partners(strategy, None)
    click.echo(f"Queued {result.mails} reminder(s) to {result.organisations} partner(s).")
    if result.unreachable:
        click.echo("No focal point at: " + ", ".join(result.unreachable))


@click.command("import-register")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Only say what the file would do.")
@with_appcontext
def import_register_command(path: Path, dry_run: bool):
    """Import the register from an XLSX or CSV file (all rows or none; the same checks as the page)."""
    from sip.partners import importer, services

    try:
        preview = importer.preview(path.name, path.read_bytes())
    except importer.UnreadableFile as error:
        raise click.ClickException(str(error)) from error
    for row in preview.errors:
        click.echo(f"row {row.number}: " + " ".join(row.errors), err=True)
    if not preview.ok:
        raise click.ClickException("Nothing imported.")
    if dry_run:
        click.echo(f"{preview.count('new')} new, {preview.count('update')} update(s); nothing written (--dry-run).")
        return
    with intending_to_write():
        created, updated = services.import_rows([row.data for row in preview.rows], None)
    click.echo(f"Imported: {created} new, {updated} updated.")


def register(app) -> None:
    """Add the register's commands to the `sip` group."""
    from sip.cli import sip_cli

    sip_cli.add_command(remind_partners_command)
    sip_cli.add_command(import_register_command)
