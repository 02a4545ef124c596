"""Command-line interface (`flask --app app sip ...`): thin wrappers over services."""
import sys

import click
from flask import Flask
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy.exc import SQLAlchemyError

from sip.core.database import intending_to_write
from sip.extensions import db

sip_cli = AppGroup("sip", help="SIP Tracker commands.")


def _print_issues(kind: str, issues) -> None:
    """Print warnings or errors one a line, with their line number and code."""
    for issue in issues:
        where = f"line {issue.line}: " if issue.line else ""
        code = f"[{issue.code}] " if issue.code else ""
        click.echo(f"{kind}: {where}{code}{issue.message}")


@sip_cli.command("setup")
@click.option("--demo", is_flag=True, help="Also create demo accounts, one per role (development only).")
def setup_command(demo: bool):
    """Migrate the database to the latest version and load the plan (safe to run again)."""
    from flask import current_app

    from seed import load_json
    from sip.plan.queries import current_strategy
    from sip.plan.services import load_seed
    from sip.reporting.services import ensure_periods

    if demo and current_app.config["SIP_ENV"] == "production":
        click.echo("error: demo accounts are for development only; SIP_ENV is production.", err=True)
        sys.exit(2)
    from sip.core.maintenance_cli import setup_lock

    with setup_lock():  # two servers running setup at once on a first deploy: one waits for the other
        upgrade()
        with intending_to_write():
            result = load_seed(load_json("plan.json"), load_json("bodies.json"), load_json("commitments.json"),
                               load_json("glossary.json"))
            periods = ensure_periods(current_strategy())
            db.session.commit()
    if result.strategy_created:
        counts = ", ".join(f"{value} {key}" for key, value in result.counts.items())
        click.echo(f"Loaded the plan: {counts}.")
    elif not result.bodies_created:
        click.echo("The plan is already loaded; nothing changed.")
    if result.bodies_created:
        click.echo(f"Created {result.bodies_created} bodies.")
    if periods:
        click.echo(f"Created {periods} reporting periods.")
    if demo:
        _create_demo_accounts()


def _create_demo_accounts() -> None:
    """Create the demo accounts and print their passwords, once; then fill the demo reports, once."""
    from datetime import date

    from seed.demo import create_demo_accounts
    from seed.demo_home import create_demo_home
    from seed.demo_inbox import create_demo_inbox
    from seed.demo_reports import create_demo_reports

    with intending_to_write():
        created = create_demo_accounts()
    if not created:
        click.echo("Demo accounts exist already (their passwords were printed when they were created).")
    else:
        click.echo("Demo accounts (these passwords are shown once; sign in at /login):")
        for role, email, password in created:
            click.echo(f"  {role:<22} {email:<38} {password}")
    with intending_to_write():
        result = create_demo_reports(today=date.today())
    if result.periods:
        click.echo(f"Demo reports: {result.reports} reports for {result.periods[0]} … {result.periods[-1]}.")
    else:
        click.echo("Demo reports exist already; nothing changed.")
    with intending_to_write():  # what each role's home page needs to show real work
        create_demo_home(today=date.today())
        create_demo_inbox(today=date.today())  # the notifications of the demo's history, dated and read
    # wave two: each domain's demo data, in dependency order (the partner register before meetings); one line each
    with intending_to_write():  # the partner register
        from seed.demo_partners import create_demo_partners
        create_demo_partners(today=date.today())
    with intending_to_write():  # meetings: GLMs, SAG consultations, group meetings, minutes, action points
        from seed.demo_meetings import create_demo_meetings
        create_demo_meetings(today=date.today())
    with intending_to_write():  # the GLM pack: GLM names in French too, the last GLM's highlights
        from seed.demo_pack import create_demo_pack
        create_demo_pack(today=date.today())
    with intending_to_write():  # API tokens, a former member due for anonymisation, one erased on request
        from seed.demo_api import create_demo_api
        create_demo_api(today=date.today())


@sip_cli.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The person's name.")
@click.option("--admin", is_flag=True, help="Administers without belonging to the Rome support team.")
@click.option("--body", "body_slug", help="Slug of a body the person belongs to, e.g. wg-training.")
@click.option("--membership", type=click.Choice(["lead", "co_lead", "member"]), default="member", show_default=True)
@click.option("--language", type=click.Choice(["fr", "en"]))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input; otherwise an invitation is e-mailed.")
def create_user_command(email, name, admin, body_slug, membership, language, password_stdin):
    """Create a person; with --password-stdin they can sign in at once, otherwise they get an invitation."""
    from sip.accounts import services

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    person = services.NewPerson(email=email, name=name, language=language, is_admin=admin, body_slug=body_slug,
                                role=membership if body_slug else None)
    try:
        with intending_to_write():
            user = services.create_user(person, password=password)
            if password is None:
                services.send_invitation(user)
                db.session.commit()  # the invitation waits in the outbox for the worker
    except services.AccountError as error:
        db.session.rollback()
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    click.echo(f"Created {user.email}" + (" (invitation queued: the worker sends it)." if password is None else "."))


@sip_cli.command("check-plan")
def check_plan_command():
    """List numbering inconsistencies (warnings, exit 0) and hard errors (exit 1) in the stored plan, open activities
    with no accountable body among the errors."""
    from sip.governance.queries import unaccountable_activities
    from sip.plan.consistency import Issue
    from sip.plan.queries import current_strategy
    from sip.plan.services import check_plan

    try:
        strategy = current_strategy()
    except SQLAlchemyError:
        strategy = None
    if strategy is None:
        click.echo("error: no plan is loaded; run `flask --app app sip setup` first.", err=True)
        sys.exit(1)
    warnings, errors = check_plan(strategy)
    # No report sets the status of an open activity without an accountable body: as serious as a missing body.
    unaccountable = [Issue(0, row.activity.code, f"{row.reason_label}: propose a change of responsibilities that "
                                                 f"names the accountable body")
                     for row in unaccountable_activities(strategy)]
    _print_issues("warning", warnings)
    _print_issues("error", errors + unaccountable)
    errors += unaccountable
    click.echo(f"{len(warnings)} warning(s), {len(errors)} error(s), {len(unaccountable)} open activit"
               f"{'y' if len(unaccountable) == 1 else 'ies'} without an accountable body.")
    sys.exit(1 if errors else 0)


@sip_cli.command("import-text")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Only read the document and report what it holds.")
def import_text_command(path: str, dry_run: bool):
    """Read a plan document in the SIP text format and print what it holds and its warnings."""
    from sip.plan.reader import read_plan_file

    if not dry_run:
        click.echo("error: importing changes into the plan goes through amendments: `sip propose-revision FILE` "
                   "compares the document with the plan and proposes them; use --dry-run here to check a document.",
                   err=True)
        sys.exit(2)
    plan = read_plan_file(path)
    counts = plan.counts()
    click.echo(", ".join(f"{value} {key}" for key, value in counts.items()))
    for pillar in plan.pillars:
        click.echo(f"Pillar {pillar.number}: {pillar.title}")
        for outcome in pillar.outcomes:
            click.echo(f"  {outcome.code} {outcome.text[:70]}")
            for output in outcome.outputs:
                click.echo(f"    {output.code} {output.text[:66]}")
                for activity in output.activities:
                    bodies = ", ".join(f"{r.body} ({r.role})" for r in activity.responsibilities) or activity.status
                    click.echo(f"      {activity.code} {activity.text[:50]}… — {bodies}")
    _print_issues("warning", plan.warnings)
    _print_issues("error", plan.errors)
    sys.exit(1 if plan.errors else 0)


def register(app: Flask) -> None:
    """Add the `sip` command group (with each domain's commands) to the app's CLI."""
    from sip.core.commands import WORKER_COMMANDS as worker_commands
    from sip.core.maintenance_cli import COMMANDS as maintenance_commands
    from sip.exports.cli import COMMANDS as export_commands
    from sip.governance.cli import COMMANDS as governance_commands
    from sip.reporting.cli import COMMANDS as reporting_commands

    for command in (*reporting_commands, *governance_commands, *export_commands, *maintenance_commands,
                    *worker_commands):
        sip_cli.add_command(command)
    app.cli.add_command(sip_cli)
