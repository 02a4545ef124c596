"""Helpers for each domain's `sip` commands: a registry that sip.cli adds to the group, and a clean failure."""
import sys

import click
from flask.cli import with_appcontext

from sip.extensions import db


def registry(commands: list):
    """A decorator `@command(name)` that makes a click command run in the app context and adds it to `commands`."""
    def command(name: str):
        def decorate(function):
            made = click.command(name)(with_appcontext(function))
            commands.append(made)
            return made
        return decorate
    return command


def fail(message: str, code: int = 1):
    """Print an error for the operator, undo anything pending, and exit with a non-zero status."""
    db.session.rollback()
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


# --- the background worker and the outbox (sip/core/queue.py, sip/core/outbox.py) ---------------------------------

WORKER_COMMANDS: list = []
_worker_command = registry(WORKER_COMMANDS)


@_worker_command("worker")
@click.option("--threads", type=click.IntRange(1, 64), help="Worker threads (SIP_WORKER_THREADS, 2 by default).")
def worker_command(threads: int | None):
    """Run the background worker in the foreground: sends the outbox, runs the periodic jobs (Ctrl-C stops it)."""
    from flask import current_app

    from sip.config import ConfigError
    from sip.core.queue import run_worker

    try:
        run_worker(current_app._get_current_object(), threads)
    except ConfigError as error:
        fail(str(error))


@click.group("outbox", invoke_without_command=True)
@click.pass_context
@with_appcontext
def outbox_group(context):
    """How many e-mails are queued, being sent, sent and failed (and the commands that act on them)."""
    if context.invoked_subcommand is not None:
        return
    from sqlalchemy import func, select

    from sip.core import outbox
    from sip.core.models import OutboxMail

    counts = outbox.counts()
    click.echo(", ".join(f"{number} {state}" for state, number in counts.items()) + ".")
    due = db.session.scalar(select(func.count()).where(OutboxMail.state == outbox.QUEUED,
                                                       OutboxMail.next_attempt_at <= outbox.utcnow()))
    oldest = db.session.scalar(select(func.min(OutboxMail.created_at)).where(OutboxMail.state == outbox.QUEUED))
    if counts[outbox.QUEUED]:
        click.echo(f"{due} due now (the rest wait for a retry); the oldest was queued at {oldest:%Y-%m-%d %H:%M} UTC.")
    if counts[outbox.FAILED]:
        click.echo("Failed e-mails are kept; once the cause is fixed, `flask --app app sip outbox retry-failed` "
                   "queues them again.")


@outbox_group.command("retry-failed")
@with_appcontext
def retry_failed_command():
    """Queue every failed e-mail again, with its attempts reset (after fixing the mail server settings)."""
    from sip.core import audit, outbox
    from sip.core.database import intending_to_write

    with intending_to_write():
        count = outbox.retry_failed()
        audit.record("outbox.retried", "outbox_mail", None, after={"count": count})
        db.session.commit()
    click.echo(f"{count} failed e-mail{'s' * (count != 1)} queued again.")


WORKER_COMMANDS.append(outbox_group)
