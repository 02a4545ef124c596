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
