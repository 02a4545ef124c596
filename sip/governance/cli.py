"""Governance commands of the sip group (added by sip.cli.register): turning the next revision into amendments."""
from contextlib import nullcontext
from pathlib import Path

import click
from sqlalchemy import select

from sip.core.commands import fail, registry
from sip.core.database import intending_to_write
from sip.extensions import db

COMMANDS: list = []


command = registry(COMMANDS)
_fail = fail


def _short(text: str, width: int = 70) -> str:
    """One line of at most `width` characters."""
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_import(found) -> None:
    """Print the changes a document makes, its warnings and the changes already proposed."""
    from sip.governance.importer import describe

    for change in found.changes:
        code, before, after = describe(change)
        click.echo(f"{change.kind:<17} {code:<9} {_short(before, 50)!r} -> {_short(after, 50)!r}")
    for change, amendment in found.already:
        click.echo(f"already proposed  {describe(change)[0]:<9} amendment {amendment.id} ({change.kind})")
    for warning in found.warnings:
        click.echo(f"warning: {warning}")
    for error in found.errors:
        click.echo(f"error: {error}")


@command("propose-revision")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Only print what the document changes; create nothing.")
@click.option("--as", "email", help="E-mail of the secretariat member who proposes the amendments.")
@click.option("--rationale", help="Why the plan changes (kept with every amendment).")
def propose_revision_command(path: str, dry_run: bool, email: str | None, rationale: str | None):
    """Compare a plan document (SIP text format) with the plan; without --dry-run, propose the changes as amendments."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        _fail("the document is not UTF-8 text.")
    # Writing takes SQLite's write lock from the first read, so that the comparison and the amendments agree.
    with nullcontext() if dry_run else intending_to_write():
        _propose(text, Path(path).name, dry_run, email, rationale)


def _propose(text: str, source: str, dry_run: bool, email: str | None, rationale: str | None) -> None:
    """Compare the document with the plan, print the changes and, unless a dry run, propose them."""
    from sip.accounts.models import User
    from sip.governance import importer
    from sip.governance.permissions import can_import_revision
    from sip.governance.services import GovernanceError
    from sip.plan.queries import current_strategy

    strategy = current_strategy()
    if strategy is None:
        _fail("no plan is loaded; run `flask --app app sip setup` first.")
    found = importer.compare_document(strategy, importer.read_document(text))
    print_import(found)
    if found.errors:
        _fail("the document has errors; nothing was changed.")
    click.echo(f"{len(found.changes)} change(s) to propose, {len(found.already)} already proposed.")
    if dry_run:
        click.echo("Dry run: nothing was changed.")
        return
    if not found.changes:
        click.echo("Nothing to propose.")
        return
    if not email or not rationale:
        _fail("give --as EMAIL (a secretariat member) and --rationale TEXT to create the amendments.", 2)
    actor = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if actor is None or not actor.active or not can_import_revision(actor):
        _fail(f"{email} is not an active member of the secretariat.")
    try:
        created = importer.propose_revision(strategy, found, actor, rationale, source)
    except GovernanceError as error:
        for problem in error.problems:
            click.echo(f"error: {problem}", err=True)
        _fail(str(error))
    click.echo(f"Created {len(created)} amendment(s), {created[0].id}–{created[-1].id}, for the SAG to endorse.")
