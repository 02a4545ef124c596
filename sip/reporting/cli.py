"""Reporting commands for `flask --app app sip`: periods and reminders."""
from datetime import date, datetime

import click

from sip.core.commands import fail, registry
from sip.core.database import intending_to_write
from sip.extensions import db

COMMANDS = []

DAY = click.DateTime(formats=["%Y-%m-%d"])


command = registry(COMMANDS)
_fail = fail


def _day(value: datetime | None) -> date | None:
    """A date from click's DateTime value."""
    return value.date() if value else None


def _strategy():
    """The loaded strategy, or an error saying how to load it."""
    from sip.plan.queries import current_strategy

    strategy = current_strategy()
    if strategy is None:
        _fail("no plan is loaded; run `flask --app app sip setup` first.")
    return strategy


def _period(code: str):
    """The period with this code in the loaded strategy, or an error naming the periods that exist."""
    from sip.reporting.services import ReportError, find_period, parse_period_code, strategy_quarters

    try:
        parse_period_code(code)
    except ReportError as error:
        _fail(f"“{code}”: {error}")
    strategy = _strategy()
    period = find_period(strategy, code)
    if period is None:
        quarters = strategy_quarters(strategy)
        span = f"{quarters[0][0]}-Q{quarters[0][1]} … {quarters[-1][0]}-Q{quarters[-1][1]}" if quarters else "none"
        _fail(f"there is no reporting period {code.strip().upper()} (the plan's periods: {span}; "
              "`flask --app app sip setup` creates them).")
    return period


@command("open-period")
@click.argument("code")
@click.option("--due", type=DAY, required=True, help="The day reports are due, YYYY-MM-DD.")
@click.option("--opens", type=DAY, help="The day the period opens for reports, YYYY-MM-DD (today by default).")
def open_period_command(code: str, due: datetime, opens: datetime | None):
    """Open a reporting period such as 2026-Q4 for reports due on --due; run again to move the due date."""
    from sip.reporting.services import ReportError, open_period

    with intending_to_write():
        period = _period(code)
        was_open = period.state == "open"
        # Moving the due date of an open period keeps the day it opened, unless --opens says otherwise.
        opens_on = _day(opens) or (period.opens_on if was_open else None)
        try:
            open_period(period, _day(due), actor=None, opens_on=opens_on)
        except ReportError as error:
            _fail(str(error))
        if was_open:
            click.echo(f"{period.code} was open already: reports are now due on {period.due_on.isoformat()} "
                       f"(open since {period.opens_on.isoformat()}).")
        else:
            click.echo(f"{period.code} is open: reports can be written from {period.opens_on.isoformat()} and are "
                       f"due on {period.due_on.isoformat()}.")


@command("close-period")
@click.argument("code")
def close_period_command(code: str):
    """Close an open reporting period: its reports can no longer be written or submitted."""
    from sip.reporting.services import ReportError, close_period

    with intending_to_write():
        period = _period(code)
        try:
            close_period(period, actor=None)
        except ReportError as error:
            _fail(f"{period.code} is {period.state}. {error}")
        click.echo(f"{period.code} is closed: its reports can no longer be written or submitted.")


@command("periods")
def periods_command():
    """List the reporting periods with their state, dates and GLM."""
    from sqlalchemy import select

    from sip.reporting.models import ReportingPeriod

    strategy = _strategy()
    periods = db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.strategy_id == strategy.id)
                                 .order_by(ReportingPeriod.year, ReportingPeriod.quarter)).all()
    if not periods:
        click.echo("No reporting periods; `flask --app app sip setup` creates them.")
        return
    click.echo(f"{'period':<8} {'state':<9} {'opens on':<11} {'due on':<11} GLM")
    for period in periods:
        opens = period.opens_on.isoformat() if period.opens_on else "-"
        due = period.due_on.isoformat() if period.due_on else "-"
        glm = (period.glm_name or "yes") if period.glm else ""
        click.echo(f"{period.code:<8} {period.state:<9} {opens:<11} {due:<11} {glm}".rstrip())
    counts = {state: sum(1 for p in periods if p.state == state) for state in ("open", "upcoming", "closed")}
    click.echo(", ".join(f"{number} {state}" for state, number in counts.items()) + ".")


@command("remind")
@click.option("--dry-run", is_flag=True, help="Only print who would get what; send nothing and log nothing.")
@click.option("--today", type=DAY, help="The day to act as of, YYYY-MM-DD (today by default).")
def remind_command(dry_run: bool, today: datetime | None):
    """Queue e-mails to whoever files a report due within 7 days or late, and the secretariat a summary."""
    from sip.reporting.reminders import LEAD, SUMMARY, send_reminders

    day = _day(today) or date.today()
    if dry_run:
        plan = send_reminders(day, dry_run=True)
    else:
        with intending_to_write():
            plan = send_reminders(day)
    prefix = "would send" if dry_run else "queued"
    for reminder in plan.to_send:
        click.echo(f"{prefix} {reminder.kind:<15} to {reminder.email}: {reminder.about}")
    for reminder in plan.already_sent:
        click.echo(f"already queued today {reminder.kind} to {reminder.email}: {reminder.about}")
    leads, summaries = plan.count(LEAD), plan.count(SUMMARY)
    already = len(plan.already_sent)
    text = (f"{leads} reminder{'s' * (leads != 1)} {'would be sent' if dry_run else 'queued'}, "
            f"{summaries} summar{'ies' if summaries != 1 else 'y'} to the secretariat, {already} already queued today")
    click.echo(text + (" (dry run: nothing was sent or logged)." if dry_run else
                       " (the worker sends them; `flask --app app sip outbox` shows what waits)."))
