"""Commands: close-strategy, open-strategy, demo-next-strategy."""
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from sip.core.database import intending_to_write

DEMO_STARTS, DEMO_ENDS = date(2027, 1, 1), date(2030, 12, 31)
DEMO_NOTE = "[Demo]"


def _strategy(slug: str):
    """The strategy with this address name, or a ClickException."""
    from sip.cycles.queries import find_strategy

    strategy = find_strategy(slug)
    if strategy is None:
        raise click.ClickException(f"There is no strategy {slug!r} (strategies are named by their years, "
                                   "e.g. 2022-2026).")
    return strategy


def _refused(error) -> click.ClickException:
    """A refusal of the services, its problems on standard error."""
    for problem in error.problems:
        click.echo(f"  - {problem}", err=True)
    return click.ClickException(str(error))


def echo_check(check) -> None:
    """Print what is still open in a strategy, saying what blocks its closing."""
    from sip.core.i18n import pick

    def listed(label: str, items: list[str], blocks: bool) -> None:
        mark = " (blocks closing)" if blocks else ""
        click.echo(f"{label}{mark}: {', '.join(items) if items else 'none'}")

    strategy = check.strategy
    click.echo(f"The {strategy.years} strategy ({strategy.state}):")
    listed("  Open quarters", [p.code for p in check.open_quarters], bool(check.open_quarters))
    listed("  Unsubmitted reports of open quarters",
           [f"{r.period.code} {r.body.slug} ({r.state})" for r in check.unsubmitted_reports], False)
    listed("  Pending amendments", [f"#{a.id} {a.kind} {a.code or ''} ({a.state})".replace("  ", " ")
                                    for a in check.pending_amendments], bool(check.pending_amendments))
    listed("  Unfinished activities without a carry-over decision", [a.code for a in check.undecided],
           bool(check.undecided))
    click.echo(f"  Carry-over decisions taken: {check.decided}")
    listed("  Quarters never opened (they do not block)", [p.code for p in check.never_opened], False)
    points = check.open_action_points
    click.echo(f"  Open action points (not bound to a strategy: they carry over unchanged): {len(points)}")
    for point in points[:10]:
        click.echo(f"    - {point.body.slug}, due {point.due_on.isoformat()}: {pick(point.text, 'en')}")
    if len(points) > 10:
        click.echo(f"    … and {len(points) - 10} more")


@click.command("close-strategy")
@click.argument("slug")
@click.option("--dry-run", is_flag=True, help="Only list what is still open; write nothing.")
@click.option("--notes-fr", default="", help="The closing notes in French.")
@click.option("--notes-en", default="", help="The closing notes in English.")
@with_appcontext
def close_strategy_command(slug: str, dry_run: bool, notes_fr: str, notes_en: str):
    """Close the current strategy (e.g. 2022-2026) once nothing blocks; its next plan stays a draft."""
    from sip.cycles import queries, services

    strategy = _strategy(slug)
    check = services.closing_check(strategy)
    echo_check(check)
    if dry_run:
        verdict = "nothing blocks the closing" if check.can_close else "the closing is blocked"
        click.echo(f"Dry run: {verdict}; nothing written.")
        return
    with intending_to_write():
        try:
            services.close_strategy(strategy, None, {"fr": notes_fr, "en": notes_en})
        except services.CycleError as error:
            raise _refused(error) from error
    click.echo(f"Closed the {strategy.years} strategy: it is read-only from now on, at /s/{strategy.slug}/.")
    following = queries.next_plan(strategy)
    if following is not None:
        click.echo(f"The {following.years} plan is still a draft: open it with "
                   f"`flask --app app sip open-strategy --draft {following.slug}`.")


def _import_draft(path: Path, options: dict):
    """Read a plan file and create it as a draft; row errors printed and nothing written when there are any."""
    from sip.cycles import importing, services

    result = importing.read_file(path, **options)
    for warning in result.warnings:
        click.echo(f"warning: {warning.sheet} row {warning.row}: {warning.message}")
    for error in result.errors:
        click.echo(f"{error.sheet} row {error.row}: {error.message}", err=True)
    if result.errors or not result.plan.activities:
        raise click.ClickException("Nothing imported: correct the file and run the command again.")
    with intending_to_write():
        try:
            strategy = importing.create_draft(result, None)
        except services.CycleError as error:
            raise _refused(error) from error
    click.echo(f"Imported the {strategy.years} plan as a draft ({len(result.plan.activities)} activities), "
               f"/s/{strategy.slug}/plan.")
    return strategy


def _open(strategy) -> None:
    """Open a draft, or say why not."""
    from sip.cycles import services

    with intending_to_write():
        try:
            services.open_strategy(strategy, None)
        except services.CycleError as error:
            raise _refused(error) from error
    click.echo(f"Opened the {strategy.years} strategy: it is now the current one.")


@click.command("open-strategy")
@click.argument("path", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--draft", "draft_slug", help="Open this existing draft (e.g. 2027-2030) instead of importing a file.")
@click.option("--code", help="A plan document (.txt) does not say it: the strategy's code.")
@click.option("--title-fr", help="A plan document's title in French.")
@click.option("--title-en", help="A plan document's title in English.")
@click.option("--starts-on", type=click.DateTime(["%Y-%m-%d"]), help="A plan document's first day.")
@click.option("--ends-on", type=click.DateTime(["%Y-%m-%d"]), help="A plan document's last day.")
@with_appcontext
def open_strategy_command(path, draft_slug, code, title_fr, title_en, starts_on, ends_on):
    """Import the next plan (the filled template .xlsx, or a plan document .txt) as a draft, and open it when no
    strategy is current; or open an existing draft with --draft."""
    from sip.plan.queries import current_strategy

    if bool(path) == bool(draft_slug):
        raise click.UsageError("Give either a FILE to import or --draft SLUG.")
    if draft_slug:
        strategy = _strategy(draft_slug)
    else:
        options = {"code": code, "starts_on": starts_on and starts_on.date(), "ends_on": ends_on and ends_on.date(),
                   "title": {"fr": title_fr or title_en, "en": title_en or title_fr} if title_fr or title_en else None}
        strategy = _import_draft(path, {key: value for key, value in options.items() if value})
        current = current_strategy()
        if current is not None:
            click.echo(f"The {current.years} strategy is current: the new plan stays a draft until it is closed, "
                       f"then `flask --app app sip open-strategy --draft {strategy.slug}`.")
            return
    _open(strategy)


# An illustrative next plan: a few decisions of each kind, with their reasons.
DEMO_REASONS = {
    "completed": {"fr": f"{DEMO_NOTE} L'essentiel est fait ; le suivi passe aux groupes de travail.",
                  "en": f"{DEMO_NOTE} The essential is done; the working groups take over the follow-up."},
    "discontinued": {"fr": f"{DEMO_NOTE} Remplacée par une initiative inter-clusters.",
                     "en": f"{DEMO_NOTE} Replaced by an inter-cluster initiative."},
}
DEMO_PLAN = ("continue", "continue", "continue", "merge", "merge", "completed", "discontinued")


def demo_decisions(current, draft, actor=None) -> dict[str, int]:
    """A few carry-over decisions of each kind, spread over the closing plan; returns how many of each."""
    from sip.cycles import queries, services

    unfinished = [activity for activity, _status in queries.unfinished_activities(current)]
    if not unfinished:
        return {}
    step = max(1, len(unfinished) // len(DEMO_PLAN))
    chosen = unfinished[::step][:len(DEMO_PLAN)]
    done: dict[str, int] = {}
    merge_into = None
    for activity, decision in zip(chosen, DEMO_PLAN, strict=False):  # a small plan may have fewer
        target = queries.activity_by_code(draft, activity.code) if decision == "continue" else None
        if decision == "merge":
            merge_into = merge_into or queries.activity_by_code(draft, activity.code)
            target = merge_into
        if decision in ("continue", "merge") and target is None:
            continue
        services.decide_carry_over(activity, decision, actor, to_activity=target, reason=DEMO_REASONS.get(decision))
        done[decision] = done.get(decision, 0) + 1
    return done


@click.command("demo-next-strategy")
@with_appcontext
def demo_next_strategy_command():
    """Prepare an illustrative 2027–2030 plan as a draft (a copy of the current one) with a few carry-over
    decisions of each kind; the current strategy stays current (development only)."""
    from sip.cycles import importing, queries, services
    from sip.plan.queries import current_strategy

    if current_app.config.get("SIP_ENV") == "production":
        raise click.ClickException("The demo next plan is for development only; SIP_ENV is production.")
    current = current_strategy()
    if current is None:
        raise click.ClickException("There is no current strategy to prepare the next plan of.")
    slug = f"{DEMO_STARTS.year}-{DEMO_ENDS.year}"
    if queries.find_strategy(slug) is not None:
        click.echo(f"The {slug} plan exists already; nothing changed.")
        return
    with intending_to_write():
        try:
            draft = importing.copy_strategy(current, None, DEMO_STARTS, DEMO_ENDS)
            done = demo_decisions(current, draft)
        except services.CycleError as error:
            raise _refused(error) from error
    summary = ", ".join(f"{count} {decision}" for decision, count in done.items()) or "none"
    click.echo(f"Prepared the {draft.years} plan as a draft (/s/{draft.slug}/plan); carry-over decisions: {summary}. "
               f"The {current.years} strategy stays current.")


def register(app) -> None:
    """Add the cycles commands to `flask sip`."""
    from sip.cli import sip_cli

    for command in (close_strategy_command, open_strategy_command, demo_next_strategy_command):
        sip_cli.add_command(command)
