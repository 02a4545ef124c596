"""Recovering accounts from the server's command line, when the web pages cannot help (the first account, the mail
server down, a locked-out secretariat): `sip reset-link`, `sip resend-invitation`, `sip unlock`, `sip deactivate`.

Each is audited like the same act on the pages, with the operating-system user who ran it (the command line has
no signed-in person). `reset-link` prints its link to the terminal only (standard output): never to a log, and no
e-mail, so it works with the mail server down; the link works once, for the usual two hours.
"""
import getpass

import click

from sip.core.commands import fail, registry
from sip.core.database import intending_to_write
from sip.extensions import db

COMMANDS: list = []
command = registry(COMMANDS)


def _operator() -> dict:
    """Who ran the command, for the audit trail."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a container)
        name = "unknown"
    return {"via": "command line", "os_user": name}


def _person(email: str):
    """The account with this e-mail address, or exit 1 saying so."""
    from sip.accounts.services import find_user

    user = find_user(email)
    if user is None:
        fail(f"no account has the address {email.strip()}.")
    return user


@command("reset-link")
@click.argument("email")
def reset_link_command(email: str):
    """Print a one-time password-reset link for EMAIL on this terminal (no e-mail is sent; nothing is logged)."""
    from sip.accounts import tokens
    from sip.core import audit
    from sip.core.urls import absolute_url

    user = _person(email)
    if not user.active:
        fail(f"{user.email} is deactivated; reactivate the account on its page in Administration first.")
    with intending_to_write():
        link = absolute_url("accounts.reset_password", token=tokens.make_token(user, "reset"))
        audit.record("account.reset_link_issued", "user_account", user.id, after=_operator())
        db.session.commit()
    hours = tokens.MAX_AGE["reset"] // 3600
    click.echo(f"A password-reset link for {user.email} (works once, for {hours} hours; give it to them directly):")
    click.echo(link)


@command("resend-invitation")
@click.argument("email")
def resend_invitation_command(email: str):
    """Queue a fresh invitation for EMAIL (a person who has not chosen a password yet); the worker sends it."""
    from sip.accounts import limiter, services
    from sip.core import audit

    user = _person(email)
    if user.password_hash:
        fail(f"{user.email} has already chosen a password: use `sip reset-link {user.email}` instead.")
    if not user.active:
        fail(f"{user.email} is deactivated; reactivate the account on its page in Administration first.")
    with intending_to_write():
        services.send_invitation(user)
        limiter.record_attempt("invitation", services.normalise_email(user.email), None, user.id)
        audit.record("user.invitation_resent", "user_account", user.id, after=_operator())
        db.session.commit()
    click.echo(f"Invitation for {user.email} queued: the worker sends it (`sip outbox` shows the queue; "
               f"`sip reset-link {user.email}` gives a link at once if mail cannot get through).")


@command("unlock")
@click.argument("email")
def unlock_command(email: str):
    """Lift the sign-in wait of EMAIL: forget its failed password and two-step code attempts, from every address."""
    from sqlalchemy import func, select

    from sip.accounts import limiter, services
    from sip.accounts.models import LoginAttempt
    from sip.core import audit

    user = _person(email)
    key = services.normalise_email(user.email)
    with intending_to_write():
        failures = db.session.scalar(select(func.count()).where(
            LoginAttempt.email == key, LoginAttempt.success.is_(False),
            LoginAttempt.kind.in_((*limiter.PASSWORD_KINDS, "mfa"))))
        limiter.clear_account(key)
        audit.record("login.unlocked", "user_account", user.id, before={"failures": failures}, after=_operator())
        db.session.commit()
    click.echo(f"{user.email} may sign in again: {failures} failed attempt(s) forgotten."
               + ("" if user.active else " The account is deactivated, though: reactivate it in Administration."))


@command("deactivate")
@click.argument("email")
def deactivate_command(email: str):
    """Deactivate EMAIL: every session ends at once and the person can no longer sign in."""
    from sip.accounts.services import new_session_token
    from sip.core import audit

    user = _person(email)
    if not user.active:
        click.echo(f"{user.email} is already deactivated; nothing changed.")
        return
    with intending_to_write():
        user.active = False
        user.session_token = new_session_token()  # signed-in browsers are signed out at their next request
        audit.record("user.deactivated", "user_account", user.id, before={"active": True},
                     after={"active": False, **_operator()})
        db.session.commit()
    click.echo(f"{user.email} is deactivated and signed out everywhere.")


def register(app) -> None:
    """Add the account-recovery commands to the `sip` group."""
    from sip.cli import sip_cli

    for made in COMMANDS:
        sip_cli.add_command(made)
