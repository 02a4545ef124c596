"""Writes to accounts: logins, passwords, invitations, memberships; each write is audited."""
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale, format_date, format_timedelta
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from sip.accounts import limiter, tokens
from sip.accounts.models import (
    ORGANISATION_KINDS,
    ORGANISATION_TYPES,
    Membership,
    Organisation,
    User,
    new_session_token,
)
from sip.accounts.passwords import hash_password, needs_rehash, password_problem, verify_nobody, verify_password
from sip.bodies.models import Body
from sip.core import audit
from sip.core.database import write_intent
from sip.core import outbox
from sip.core.urls import absolute_url
from sip.core.models import utcnow
from sip.extensions import db

class AccountError(ValueError):
    """A refused account change; the message is for the user."""


def normalise_email(email: str) -> str:
    """E-mail addresses are compared trimmed and lower-cased."""
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    """The user with this e-mail address."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


# --- logging in and out -------------------------------------------------------------------------


@contextmanager
def _outside_write_transaction():
    """End any open transaction, and let the reads inside the block begin a plain (not IMMEDIATE) one.

    Argon2 takes a quarter of a second on purpose; SQLite must not hold its write lock (nor PostgreSQL an open
    transaction) meanwhile, or saves queue behind sign-ins (finding 7). The block ends its own read transaction.
    """
    db.session.commit()
    token = write_intent.set(False)
    try:
        yield
        db.session.commit()
    finally:
        write_intent.reset(token)


def wait_text(seconds: int) -> str:
    """How long to wait, in the reader's language ("30 seconds", "15 minutes")."""
    return format_timedelta(timedelta(seconds=seconds), granularity="second", threshold=1.5)


def throttled_message(seconds: int) -> str:
    """What a person whose password checks are throttled reads."""
    return _("Too many failed attempts. Wait %(wait)s, or reset your password.", wait=wait_text(seconds))


@dataclass
class LoginResult:
    """The outcome of a login: a user, or why not ("throttled", with the seconds to wait, or "invalid")."""

    user: User | None = None
    refusal: str | None = None
    retry_after: int = 0


def authenticate(email: str, password: str, ip: str | None) -> LoginResult:
    """Check a login, count it, audit it, and commit; the pair of account and address waits after failures.

    The password is verified with no transaction open; the writes come after, in a short transaction.
    """
    email = normalise_email(email)
    with _outside_write_transaction():
        decision = limiter.check("sign_in", email, ip)
        user = find_user(email) if decision.allowed else None
        user_id, known_hash, active = (user.id, user.password_hash, user.active) if user else (None, None, False)
    if not decision.allowed:
        audit.record("login.throttled", "user_account", after={"ip": ip, "wait": decision.retry_after_seconds,
                                                                "limit": decision.reason})
        db.session.commit()
        return LoginResult(refusal="throttled", retry_after=decision.retry_after_seconds)
    ok = (verify_password(known_hash, password) if user_id else verify_nobody(password)) and active
    rehashed = hash_password(password) if ok and needs_rehash(known_hash) else None
    if not ok:
        limiter.record_failure("sign_in", email, ip, user_id)
        audit.record("login.failed", "user_account", user_id, user_id=user_id)
        db.session.commit()
        return LoginResult(refusal="invalid")
    user = db.session.get(User, user_id)
    if rehashed and user.password_hash == known_hash:  # unless the password changed meanwhile
        user.password_hash = rehashed
    limiter.record_success("sign_in", email, ip, user_id)
    user.last_login_at = utcnow()
    # With a second step to come, the trail says so: "signed in" is only written when the person is in.
    action = "login.password_accepted" if _second_step_follows(user) else "login.succeeded"
    audit.record(action, "user_account", user.id, user_id=user.id)
    db.session.commit()
    return LoginResult(user=user)


def _second_step_follows(user: User) -> bool:
    """True when a right password is not enough: the person enters a code, or sets two-step sign-in up, first."""
    from sip.accounts import mfa  # mfa builds on this module

    return user.has_mfa or mfa.required_for(user)


def log_out(user: User) -> None:
    """End every session of the user (a new session token invalidates earlier cookies)."""
    user.session_token = new_session_token()
    audit.record("logout", "user_account", user.id, user_id=user.id)
    db.session.commit()


# --- the user's own account ---------------------------------------------------------------------


def update_profile(user: User, name: str, language: str | None, phone: str | None) -> None:
    """Change one's name, language and phone."""
    before = {"name": user.name, "language": user.language, "phone": bool(user.phone)}
    user.name, user.language, user.phone = name.strip(), language or None, (phone or "").strip() or None
    audit.record("account.updated", "user_account", user.id, before=before,
                 after={"name": user.name, "language": user.language, "phone": bool(user.phone)}, user_id=user.id)
    db.session.commit()


def check_new_password(user: User, password: str) -> None:
    """Refuse a weak, common or personal password with a clear message."""
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise AccountError(problem)


def _store_password(user: User, password_hash: str, before: tuple, *, action: str, actor: User | None,
                    ip: str | None = None) -> None:
    """Write a hash computed outside the transaction, ending every earlier session; refuses when the password or the
    sessions changed since they were read (a second use of the same link, or a change in another tab)."""
    user = db.session.get(User, user.id, with_for_update=True, populate_existing=True)
    if (user.password_hash, user.session_token) != before:
        db.session.rollback()
        raise AccountError(_("Your password was changed meanwhile by another request; nothing was saved."))
    user.password_hash = password_hash
    user.session_token = new_session_token()
    if action == "account.password_reset":
        limiter.clear_account(normalise_email(user.email))  # the reset link proved the mailbox: forgive failures
    elif action == "account.password_changed":
        limiter.record_success("current_password", normalise_email(user.email), ip, user.id)
    audit.record(action, "user_account", user.id, user_id=(actor or user).id)
    db.session.commit()


def set_password(user: User, password: str, *, action: str, actor: User | None = None) -> None:
    """Set a new password and end every earlier session of the user (the hash is computed with no transaction open)."""
    with _outside_write_transaction():
        check_new_password(user, password)
        before = (user.password_hash, user.session_token)
    _store_password(user, hash_password(password), before, action=action, actor=actor)


class Throttled(AccountError):
    """Too many attempts for this account or client address; nothing was checked or sent."""

    def __init__(self, message: str, retry_after: int = 0):
        super().__init__(message)
        self.retry_after = retry_after


def change_password(user: User, current: str, new: str, ip: str | None = None) -> None:
    """Change one's password after proving the current one.

    The current-password check goes through the limiter with the sign-in's counts: a wrong one is a failed check of
    the account from this address (audited as login.failed), and a throttled check is refused (Throttled) without
    verifying anything. Argon2 runs with no transaction open.
    """
    with _outside_write_transaction():
        email = normalise_email(user.email)
        decision = limiter.check("current_password", email, ip)
        before = (user.password_hash, user.session_token)
        problem = password_problem(new, email=user.email, name=user.name)
    if not decision.allowed:
        audit.record("login.throttled", "user_account", user.id, user_id=user.id,
                     after={"ip": ip, "check": "current_password", "wait": decision.retry_after_seconds})
        db.session.commit()
        raise Throttled(throttled_message(decision.retry_after_seconds), decision.retry_after_seconds)
    if not verify_password(before[0], current):
        limiter.record_failure("current_password", email, ip, user.id)
        audit.record("login.failed", "user_account", user.id, after={"check": "current_password"}, user_id=user.id)
        db.session.commit()
        raise AccountError(_("The current password is not right."))
    if problem:
        raise AccountError(problem)
    _store_password(user, hash_password(new), before, action="account.password_changed", actor=user, ip=ip)


# --- invitations and password resets ------------------------------------------------------------


def _link(endpoint: str, token: str) -> str:
    """An absolute link to an account page."""
    return absolute_url(endpoint, token=token)


def _send_in_language(user: User, kind: str, subject, body) -> None:
    """Queue an e-mail written in the user's language in the outbox (the caller commits; the worker sends it)."""
    with force_locale(user.language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        outbox.enqueue(user.email, subject(), body(), kind=kind)


def send_invitation(user: User) -> None:
    """E-mail a person a single-use link to set their password."""
    link = _link("accounts.accept_invitation", tokens.make_token(user, "invite"))
    _send_in_language(
        user, "invitation",
        lambda: _("You are invited to SIP Tracker"),
        lambda: _(
            "Hello %(name)s,\n\nYou have been invited to SIP Tracker, where the Logistics Cluster follows its "
            "Strategy Implementation Plan.\n\nChoose your password here (the link works once, for %(days)d days):\n%(link)s\n",
            name=user.name, link=link, days=tokens.MAX_AGE["invite"] // 86400,
        ),
    )


def request_password_reset(email: str, ip: str | None = None) -> None:
    """Queue a reset link if the address belongs to an active account and the quotas allow it.

    The page says the same whatever happens, and the work is alike: every request is counted and audited; only an
    allowed request for an active account gets a token and a queued e-mail (sent by the worker, not here).
    """
    email = normalise_email(email)
    decision = limiter.check("reset", email, ip)
    user = find_user(email)
    user_id = user.id if user else None
    if not decision.allowed:
        limiter.record_failure("reset", email, ip, user_id)  # kept for the record; refused requests use no quota
        audit.record("account.reset_throttled", "user_account", user_id, user_id=user_id,
                     after={"limit": decision.reason})
        db.session.commit()
        return
    limiter.record_attempt("reset", email, ip, user_id)
    audit.record("account.reset_requested", "user_account", user_id, user_id=user_id)
    if user is None or not user.active:
        db.session.commit()
        return
    link = _link("accounts.reset_password", tokens.make_token(user, "reset"))
    _send_in_language(
        user, "password_reset",
        lambda: _("Reset your SIP Tracker password"),
        lambda: _(
            "Hello %(name)s,\n\nSomeone (probably you) asked to reset your SIP Tracker password. Choose a new one "
            "here (the link works once, for %(hours)d hours):\n%(link)s\n\nIf it was not you, ignore this e-mail.\n",
            name=user.name, link=link, hours=tokens.MAX_AGE["reset"] // 3600,
        ),
    )
    db.session.commit()  # after queueing, so that the queued e-mail and the audit entry are one transaction


# --- administration -----------------------------------------------------------------------------


@dataclass
class NewPerson:
    """What the secretariat gives to invite someone."""

    email: str
    name: str
    language: str | None = None
    organisation_id: int | None = None
    is_admin: bool = False
    body_slug: str | None = None
    role: str | None = None


def create_user(person: NewPerson, *, actor: User | None = None, password: str | None = None) -> User:
    """Create a person (with a membership when given); refuses a taken e-mail address or a weak password."""
    email = normalise_email(person.email)
    if not email or "@" not in email:
        raise AccountError(_("Give a valid e-mail address."))
    if find_user(email):
        raise AccountError(_("An account with this e-mail address already exists."))
    user = User(email=email, name=person.name.strip(), language=person.language or None,
                organisation_id=person.organisation_id, is_admin=person.is_admin, session_token=new_session_token())
    if password is not None:
        check_new_password(user, password)
        user.password_hash = hash_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", "user_account", user.id, after={"admin": user.is_admin},
                 user_id=actor.id if actor else None)
    if person.body_slug:
        try:
            add_membership(user, person.body_slug, person.role or "member", actor=actor, commit=False)
        except AccountError:
            db.session.rollback()
            raise
    db.session.commit()
    return user


def invite_user(person: NewPerson, actor: User) -> User:
    """Create a person and e-mail them an invitation."""
    user = create_user(person, actor=actor)
    send_invitation(user)
    db.session.commit()  # the invitation waits in the outbox for the worker
    return user


def set_active(user: User, active: bool, actor: User) -> None:
    """Deactivate (ending every session) or reactivate a person."""
    if user.id == actor.id and not active:
        raise AccountError(_("You cannot deactivate yourself."))
    before = {"active": user.active}
    user.active = active
    user.session_token = new_session_token()
    audit.record("user.activated" if active else "user.deactivated", "user_account", user.id,
                 before=before, after={"active": active}, user_id=actor.id)
    db.session.commit()


def add_membership(user: User, body_slug: str, role: str, *, actor: User | None, since: date | None = None,
                   commit: bool = True) -> Membership:
    """Make a person a lead, co-lead or member of a body from `since` (today by default)."""
    body = db.session.scalar(select(Body).where(Body.slug == body_slug))
    if body is None:
        raise AccountError(_("There is no body “%(slug)s”.", slug=body_slug))
    if role not in ("lead", "co_lead", "member"):
        raise AccountError(_("Choose lead, co-lead or member."))
    since = since or date.today()
    same_body = [m for m in user.memberships if m.body_id == body.id]
    # Two memberships of one body may not overlap, and (user, body, since) is unique in the database.
    if any(m.until is None or m.until >= since for m in same_body):
        raise AccountError(_("This person already belongs to this body."))
    if any(m.since == since for m in same_body):
        raise AccountError(_("This person already had a membership of this body starting on %(day)s; "
                             "choose another start date.", day=format_date(since)))
    membership = Membership(user=user, body=body, role=role, since=since)
    db.session.add(membership)
    db.session.flush()
    audit.record("membership.added", "membership", membership.id,
                 after={"user": user.id, "body": body.slug, "role": role}, user_id=actor.id if actor else None)
    if commit:
        db.session.commit()
    return membership


def end_membership(membership: Membership, actor: User, until: date | None = None) -> None:
    """End a membership (yesterday by default, so it stops counting today)."""
    if membership.until is not None and membership.until < date.today():
        raise AccountError(_("This membership has already ended."))
    membership.until = until or (date.today() - timedelta(days=1))
    audit.record("membership.ended", "membership", membership.id, after={"until": membership.until.isoformat()},
                 user_id=actor.id)
    db.session.commit()


def create_organisation(name: str, acronym: str | None, kind: str, type_: str | None, country: str | None,
                        actor: User | None) -> Organisation:
    """Register an organisation; refuses a name already taken."""
    name = (name or "").strip()
    if not name:
        raise AccountError(_("Give the organisation's name."))
    if kind not in ORGANISATION_KINDS:
        raise AccountError(_("Choose partner or stakeholder."))
    if type_ and type_ not in ORGANISATION_TYPES:
        raise AccountError(_("Choose a type from the list."))
    if country and country.strip():  # the headquarters country, kept as its ISO code (the register's rule)
        from sip.partners.countries import resolve

        code = resolve(country)
        if code is None:
            raise AccountError(_("Unknown country “%(value)s”: give an ISO 3166 code such as ML, or a name.",
                                 value=country.strip()))
        country = code
    # SQLite's lower() folds ASCII letters only, so the exact name is compared too ("École").
    taken = or_(func.lower(Organisation.name) == name.lower(), Organisation.name == name)
    if db.session.scalar(select(Organisation).where(taken)):
        raise AccountError(_("An organisation with this name already exists."))
    organisation = Organisation(name=name, acronym=(acronym or "").strip() or None, kind=kind,
                                type=type_ or None, country=(country or "").strip() or None)
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.created", "organisation", organisation.id, after={"name": organisation.name},
                 user_id=actor.id if actor else None)
    db.session.commit()
    return organisation


def resend_invitation(user: User, actor: User) -> None:
    """E-mail a fresh invitation link to a person who has not chosen a password yet."""
    if user.password_hash:
        raise AccountError(_("This person has already chosen a password; they can reset it from the sign-in page."))
    if not user.active:
        raise AccountError(_("This person is deactivated; reactivate them before inviting them again."))
    email = normalise_email(user.email)
    decision = limiter.check("invitation", email, None)
    if not decision.allowed:
        limiter.record_failure("invitation", email, None, user.id)
        audit.record("user.invitation_refused", "user_account", user.id, user_id=actor.id,
                     after={"wait": decision.retry_after_seconds})
        db.session.commit()
        raise Throttled(_("This person has been sent %(count)d invitations in the last day, the most allowed. "
                          "Try again in %(wait)s.", count=current_app.config["SIP_THROTTLE_INVITATIONS_PER_DAY"],
                          wait=wait_text(decision.retry_after_seconds)), decision.retry_after_seconds)
    send_invitation(user)  # first, so that a mail server failure leaves no audit entry claiming it was sent
    limiter.record_attempt("invitation", email, None, user.id)
    audit.record("user.invitation_resent", "user_account", user.id, user_id=actor.id)
    db.session.commit()
