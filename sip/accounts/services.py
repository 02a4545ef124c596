"""Writes to accounts: logins, passwords, invitations, memberships; each write is audited."""
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from sip.accounts import tokens
from sip.accounts.models import (
    ORGANISATION_KINDS,
    ORGANISATION_TYPES,
    LoginAttempt,
    Membership,
    Organisation,
    User,
    new_session_token,
)
from sip.accounts.passwords import hash_password, password_problem, verify_nobody, verify_password
from sip.bodies.models import Body
from sip.core import audit
from sip.core.mail import send_mail
from sip.core.urls import absolute_url
from sip.core.models import utcnow
from sip.extensions import db

THROTTLE_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)


class AccountError(ValueError):
    """A refused account change; the message is for the user."""


def normalise_email(email: str) -> str:
    """E-mail addresses are compared trimmed and lower-cased."""
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    """The user with this e-mail address."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


# --- logging in and out -------------------------------------------------------------------------


def recent_failures(email: str, ip: str | None) -> int:
    """Failed logins in the throttling window for this account or this client address."""
    since = utcnow() - THROTTLE_WINDOW
    who = or_(LoginAttempt.email == normalise_email(email), LoginAttempt.ip == ip) if ip else (
        LoginAttempt.email == normalise_email(email)
    )
    query = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.success.is_(False), LoginAttempt.at >= since, who)
    return db.session.scalar(query)


@dataclass
class LoginResult:
    """The outcome of a login: a user, or why not ("throttled" or "invalid")."""

    user: User | None = None
    refusal: str | None = None


def authenticate(email: str, password: str, ip: str | None) -> LoginResult:
    """Check a login, count it, audit it, and commit; throttled after repeated failures."""
    email = normalise_email(email)
    if recent_failures(email, ip) >= THROTTLE_FAILURES:
        audit.record("login.throttled", "user_account", after={"ip": ip})
        db.session.commit()
        return LoginResult(refusal="throttled")
    user = find_user(email)
    ok = verify_password(user.password_hash, password) if user else verify_nobody(password)
    ok = ok and user.active
    db.session.add(LoginAttempt(email=email, ip=ip, success=ok, user_id=user.id if user else None))
    if not ok:
        audit.record("login.failed", "user_account", user.id if user else None, user_id=user.id if user else None)
        db.session.commit()
        return LoginResult(refusal="invalid")
    user.last_login_at = utcnow()
    audit.record("login.succeeded", "user_account", user.id, user_id=user.id)
    db.session.commit()
    return LoginResult(user=user)


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


def set_password(user: User, password: str, *, action: str, actor: User | None = None) -> None:
    """Set a new password and end every earlier session of the user."""
    check_new_password(user, password)
    user.password_hash = hash_password(password)
    user.session_token = new_session_token()
    audit.record(action, "user_account", user.id, user_id=(actor or user).id)
    db.session.commit()


class Throttled(AccountError):
    """Too many failed password checks for this account or client address; nothing was checked."""


def change_password(user: User, current: str, new: str, ip: str | None = None) -> None:
    """Change one's password after proving the current one.

    The current-password check goes through the sign-in throttle: a wrong one counts as a failed sign-in of the
    account (a LoginAttempt, audited as login.failed), and after THROTTLE_FAILURES the check is refused
    (Throttled) without verifying anything.
    """
    if recent_failures(user.email, ip) >= THROTTLE_FAILURES:
        audit.record("login.throttled", "user_account", user.id, after={"ip": ip, "check": "current_password"},
                     user_id=user.id)
        db.session.commit()
        raise Throttled(_("Too many failed attempts. Wait %(minutes)d minutes, or reset your password.",
                          minutes=THROTTLE_WINDOW.seconds // 60))
    if not verify_password(user.password_hash, current):
        db.session.add(LoginAttempt(email=normalise_email(user.email), ip=ip, success=False, user_id=user.id))
        audit.record("login.failed", "user_account", user.id, after={"check": "current_password"}, user_id=user.id)
        db.session.commit()
        raise AccountError(_("The current password is not right."))
    set_password(user, new, action="account.password_changed")


# --- invitations and password resets ------------------------------------------------------------


def _link(endpoint: str, token: str) -> str:
    """An absolute link to an account page."""
    return absolute_url(endpoint, token=token)


def _send_in_language(user: User, subject, body) -> None:
    """Send an e-mail written in the user's language."""
    with force_locale(user.language or current_app.config["BABEL_DEFAULT_LOCALE"]):
        send_mail(user.email, subject(), body())


def send_invitation(user: User) -> None:
    """E-mail a person a single-use link to set their password."""
    link = _link("accounts.accept_invitation", tokens.make_token(user, "invite"))
    _send_in_language(
        user,
        lambda: _("You are invited to SIP Tracker"),
        lambda: _(
            "Hello %(name)s,\n\nYou have been invited to SIP Tracker, where the Logistics Cluster follows its "
            "Strategy Implementation Plan.\n\nChoose your password here (the link works once, for %(days)d days):\n%(link)s\n",
            name=user.name, link=link, days=tokens.MAX_AGE["invite"] // 86400,
        ),
    )


def request_password_reset(email: str) -> None:
    """E-mail a reset link if the address belongs to an active account (the page says the same either way)."""
    user = find_user(email)
    if user is None or not user.active:
        return
    link = _link("accounts.reset_password", tokens.make_token(user, "reset"))
    audit.record("account.reset_requested", "user_account", user.id, user_id=user.id)
    db.session.commit()
    _send_in_language(
        user,
        lambda: _("Reset your SIP Tracker password"),
        lambda: _(
            "Hello %(name)s,\n\nSomeone (probably you) asked to reset your SIP Tracker password. Choose a new one "
            "here (the link works once, for %(hours)d hours):\n%(link)s\n\nIf it was not you, ignore this e-mail.\n",
            name=user.name, link=link, hours=tokens.MAX_AGE["reset"] // 3600,
        ),
    )


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
    send_invitation(user)  # first, so that a mail server failure leaves no audit entry claiming it was sent
    audit.record("user.invitation_resent", "user_account", user.id, user_id=actor.id)
    db.session.commit()
