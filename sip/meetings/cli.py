"""Meetings commands for `flask --app app sip`: the overdue action point reminders."""
from datetime import date

import click
from flask.cli import with_appcontext

from sip.core.database import intending_to_write


@click.command("remind-action-points")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Act as if today were this day (YYYY-MM-DD).")
@with_appcontext
def remind_action_points_command(today):
    """Queue the reminders of overdue action points (one a day at most per action point); the worker sends them."""
    from sip.meetings.reminders import send_overdue_reminders

    with intending_to_write():
        run = send_overdue_reminders(today.date() if today else date.today())
    click.echo(f"Reminded {len(run.points)} overdue action point(s): {run.mails} e-mail(s) queued.")


def register(app) -> None:
    """Add the meetings' commands to the `sip` group."""
    from sip.cli import sip_cli

    sip_cli.add_command(remind_action_points_command)
