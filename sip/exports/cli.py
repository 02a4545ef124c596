"""Commands of the sip group from this package (added by sip.cli.register)."""
import click

from sip.exports.availability import FORMATS, check

NAMES = {"pdf": "PDF report (/exports/glm.pdf)", "pptx": "PowerPoint deck (/exports/glm.pptx)",
         "xlsx": "Excel workbook (/exports/sip.xlsx)", "activities_csv": "Activities CSV (/exports/activities.csv)",
         "updates_csv": "Updates CSV (/exports/updates.csv)",
         "activities_semicolon": "Activities for Excel, semicolons (/exports/activities-semicolon.csv)",
         "updates_semicolon": "Updates for Excel, semicolons (/exports/updates-semicolon.csv)"}


@click.command("formats")
@click.option("--strict", is_flag=True, help="Exit with status 1 when a format is unavailable or limited.")
def formats_command(strict: bool):
    """Say which report-pack formats this server can produce, and what to install for the others."""
    states = check()
    for name in FORMATS:
        state = states[name]
        if not state.available:
            word = "unavailable"
        elif state.degraded:
            word = "available, limited"
        else:
            word = "available"
        click.echo(f"{NAMES[name]}: {word}")
        for part in state.missing + state.degraded:
            click.echo(f"  - {part.problem} {part.install}")
    complete = all(state.available and not state.degraded for state in states.values())
    click.echo("All formats are available." if complete else "The other formats work without these parts.")
    if strict and not complete:
        raise SystemExit(1)


COMMANDS: list = [formats_command]
