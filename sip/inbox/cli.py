"""Inbox commands for `flask --app app sip`: the daily digests."""
import click
from flask.cli import with_appcontext

from sip.core.database import intending_to_write


@click.command("digests")
@with_appcontext
def digests_command():
    """Queue the daily digest e-mails (one per person with new items of kinds they get in digests); the worker
    sends them. Safe to run again: an item goes out in one digest only."""
    from sip.inbox.services import send_digests

    with intending_to_write():
        count = send_digests()
    click.echo(f"Queued {count} digest e-mail(s).")


def register(app) -> None:
    """Add the inbox's commands to the `sip` group."""
    from sip.cli import sip_cli

    sip_cli.add_command(digests_command)
