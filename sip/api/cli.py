"""`flask --app app sip anonymise`: personal data of accounts deactivated too long ago, removed (also daily in the
worker, at SIP_ANONYMISE_CRON)."""
import click
from flask.cli import with_appcontext

from sip.core.database import intending_to_write
from sip.core.queue import periodic


@click.command("anonymise")
@click.option("--after-days", type=click.IntRange(min=1), default=None,
              help="Anonymise accounts deactivated more than this many days ago (default SIP_ANONYMISE_AFTER_DAYS).")
@with_appcontext
def anonymise_command(after_days: int | None):
    """Anonymise accounts deactivated longer than SIP_ANONYMISE_AFTER_DAYS (pseudonyms kept on reports and audit)."""
    from sip.accounts.privacy import anonymise_expired

    with intending_to_write():
        names = anonymise_expired(after_days=after_days)
    click.echo(f"{len(names)} account(s) anonymised" + (f": {', '.join(names)}." if names else "."))


@periodic(lambda config: config.get("SIP_ANONYMISE_CRON"), name="privacy.anonymise")
def anonymise_daily() -> None:
    """The worker's daily run of `sip anonymise`."""
    from sip.accounts.privacy import anonymise_expired

    with intending_to_write():
        anonymise_expired()


def register(app) -> None:
    """Add `sip anonymise` to the `sip` command group."""
    from sip.cli import sip_cli

    sip_cli.add_command(anonymise_command)
