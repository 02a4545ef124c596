"""Personal data (IASC Operational Guidance on Data Responsibility): what the app keeps about a person, a copy for
them, and its removal — by `sip anonymise` once an account has been deactivated for SIP_ANONYMISE_AFTER_DAYS, or by
the secretariat on the person's request.

Removing a person keeps their account row under a pseudonym ("Former member 17"), so that the reports they wrote,
the decisions they recorded and the audit trail still say that one and the same person acted; what identifies them
goes: name, e-mail address, phone, password and two-step secrets, recovery codes, tokens, sign-in attempts, the mail
addressed to them, the client addresses of their audit entries and the identifying values in the entries about them.
"""
import json
import re
from datetime import date, datetime, timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length
from sqlalchemy import delete, func, or_, select

from sip.accounts.models import LoginAttempt, RecoveryCode, User, new_session_token
from sip.accounts.permissions import role_names
from sip.api.models import ApiToken, PersonalDataRemoval
from sip.api.permissions import can_erase_person, can_view_own_data
from sip.core import audit
from sip.core.models import AuditEntry, OutboxMail, utcnow
from sip.extensions import db

bp = Blueprint("privacy", __name__)

REASONS = ("retention", "request")
# Columns never copied out, even to their owner: secrets, and what only serves to check them.
SECRET_COLUMNS = {"password_hash", "session_token", "totp_secret", "totp_last_step", "code_hash", "token_hash"}
IDENTIFYING_KEYS = {"email", "name", "phone", "to", "to_address", "address"}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])\+\d[\d ().-]{6,}\d")
ROWS_PER_TABLE = 10_000


class EraseForm(FlaskForm):
    """The secretariat's confirmation that a person asked to be erased, and how."""

    confirm = BooleanField(_l("Yes, erase this person's personal data: they asked for it"), validators=[DataRequired()])
    rationale = StringField(_l("How they asked"), validators=[DataRequired(), Length(max=500)])


class PrivacyError(ValueError):
    """The removal cannot be done; the message says why."""


def pseudonym(user: User) -> str:
    """The name a removed person keeps on their reports and audit entries."""
    return f"Former member {user.id}"


def removed_address(user: User) -> str:
    """The e-mail address a removed account keeps (unique, and undeliverable: .invalid is reserved)."""
    return f"removed-{user.id}@removed.invalid"


def has_removed_address(user: User) -> bool:
    """True when the account holds the address its removal gave it (no query: for templates)."""
    return bool(user.email) and user.email == removed_address(user)


def is_removed(user: User) -> bool:
    """True once a person's data has been removed."""
    return db.session.scalar(select(PersonalDataRemoval.id).where(PersonalDataRemoval.user_id == user.id)) is not None


def _scrub(value, keep: str | None = None):
    """A JSON value with e-mail addresses and phone numbers masked (except `keep`, the owner's own address)."""
    if isinstance(value, dict):
        return {key: _scrub(item, keep) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, keep) for item in value]
    if isinstance(value, str):
        masked = EMAIL.sub(lambda m: m.group(0) if keep and m.group(0).lower() == keep.lower() else "[…]", value)
        return PHONE.sub("[…]", masked)
    return value


def _forget_identity(value):
    """An audit entry's before/after about the removed person, without the values that identify them."""
    if not isinstance(value, dict):
        return value
    return {key: ("[removed]" if key in IDENTIFYING_KEYS else _scrub(item)) for key, item in value.items()}


def remove_personal_data(user: User, reason: str, *, actor: User | None = None, rationale: str | None = None) -> str:
    """Anonymise a person in the current transaction (the caller commits): their account stays under a pseudonym,
    everything that identifies them goes. Returns the pseudonym."""
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    if is_removed(user):
        raise PrivacyError(_("This person's data has already been removed."))
    old_email = user.email
    name = pseudonym(user)
    user.name, user.email, user.phone = name, removed_address(user), None
    user.password_hash = user.totp_secret = user.totp_last_step = user.mfa_enabled_at = None
    user.session_token = new_session_token()  # every session ends
    user.active = False
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.execute(delete(LoginAttempt).where(or_(LoginAttempt.user_id == user.id,
                                                      func.lower(LoginAttempt.email) == old_email.lower())))
    db.session.execute(delete(OutboxMail).where(func.lower(OutboxMail.to_address) == old_email.lower()))
    for entry in db.session.scalars(select(AuditEntry).where(or_(
            AuditEntry.user_id == user.id,
            (AuditEntry.entity == "user_account") & (AuditEntry.entity_id == str(user.id))))):
        entry.ip = None if entry.user_id == user.id else entry.ip
        if entry.entity == "user_account" and entry.entity_id == str(user.id):
            entry.before, entry.after = _forget_identity(entry.before), _forget_identity(entry.after)
    db.session.add(PersonalDataRemoval(user_id=user.id, pseudonym=name, reason=reason, at=utcnow(),
                                       by_id=actor.id if actor else None))
    audit.record("user.anonymised" if reason == "retention" else "user.erased", "user_account", user.id,
                 after={"pseudonym": name, "reason": reason}, rationale=rationale,
                 user_id=actor.id if actor else None)
    return name


def erase_on_request(actor: User, person: User, rationale: str) -> str:
    """The secretariat erases a person's personal data at their request (audited, the pseudonym kept)."""
    if not can_erase_person(actor, person):
        raise PrivacyError(_("You may not erase this person's data."))
    rationale = " ".join((rationale or "").split())
    if not rationale:
        raise PrivacyError(_("Say how the person asked (for example: e-mail of 3 March to the secretariat)."))
    name = remove_personal_data(person, "request", actor=actor, rationale=rationale[:500])
    db.session.commit()
    return name


def deactivated_before(cutoff: datetime) -> list[User]:
    """The inactive, not yet anonymised accounts whose last deactivation (in the audit trail) is before `cutoff` and
    that were not reactivated since (two queries)."""
    last = dict(db.session.execute(
        select(AuditEntry.entity_id, func.max(AuditEntry.at))
        .where(AuditEntry.entity == "user_account", AuditEntry.action == "user.deactivated")
        .group_by(AuditEntry.entity_id)).all())
    reactivated = dict(db.session.execute(
        select(AuditEntry.entity_id, func.max(AuditEntry.at))
        .where(AuditEntry.entity == "user_account", AuditEntry.action == "user.activated")
        .group_by(AuditEntry.entity_id)).all())
    due = {int(user_id) for user_id, at in last.items()
           if user_id and user_id.isdigit() and _aware(at) < cutoff
           and (reactivated.get(user_id) is None or _aware(reactivated[user_id]) < _aware(at))}
    if not due:
        return []
    removed = select(PersonalDataRemoval.user_id)
    return list(db.session.scalars(select(User).where(User.id.in_(due), User.active.is_(False),
                                                      User.id.not_in(removed)).order_by(User.id)))


def _aware(moment: datetime) -> datetime:
    """A database time as an aware UTC time."""
    from sip.api.models import aware

    return aware(moment)


def anonymise_expired(now: datetime | None = None, after_days: int | None = None) -> list[str]:
    """Anonymise every account deactivated more than SIP_ANONYMISE_AFTER_DAYS ago; returns the pseudonyms."""
    now = now or utcnow()
    days = after_days if after_days is not None else int(current_app.config["SIP_ANONYMISE_AFTER_DAYS"])
    names = [remove_personal_data(user, "retention",
                                  rationale=f"Deactivated for more than {days} days (SIP_ANONYMISE_AFTER_DAYS).")
             for user in deactivated_before(now - timedelta(days=days))]
    db.session.commit()
    return names


# --- a copy for the person ----------------------------------------------------------------------------------------


def _plain(value):
    """A column value as JSON can say it."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def my_data(user: User) -> dict:
    """Everything the app holds about a person: their account, and every row of every table that points at them
    (memberships, reports and updates they wrote or reviewed, comments, amendments, notifications, tokens, audit
    entries of their actions …), secrets left out and other people's contact details masked. One query per table."""
    own = user.email
    account = {column.name: _plain(getattr(user, column.key)) for column in User.__table__.columns
               if column.name not in SECRET_COLUMNS}
    account["roles"] = role_names(user)
    account["organisation"] = user.organisation.name if user.organisation else None
    tables: dict[str, list] = {}
    for table in db.metadata.sorted_tables:
        columns = [column for column in table.columns
                   if any(fk.column.table.name == "user_account" for fk in column.foreign_keys)]
        if not columns or table.name == "user_account":
            continue
        query = select(table).where(or_(*(column == user.id for column in columns))).limit(ROWS_PER_TABLE)
        rows = [{key: _scrub(_plain(value), own) for key, value in row._mapping.items() if key not in SECRET_COLUMNS}
                for row in db.session.execute(query)]
        if rows:
            tables[table.name] = rows
    about = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "user_account",
                                                        AuditEntry.entity_id == str(user.id)).order_by(AuditEntry.id))
    tables["audit_entry_about_you"] = [{"at": _plain(e.at), "action": e.action, "before": _scrub(e.before, own),
                                        "after": _scrub(e.after, own)} for e in about]
    attempts = db.session.execute(select(LoginAttempt.at, LoginAttempt.kind, LoginAttempt.ip, LoginAttempt.success)
                                  .where(func.lower(LoginAttempt.email) == own.lower()))
    tables["sign_in_attempts"] = [{"at": _plain(at), "kind": kind, "ip": ip, "success": success}
                                  for at, kind, ip, success in attempts]
    return {"generated_at": utcnow().isoformat(), "account": account, "tables": tables,
            "note": "Secrets (password and two-step hashes, tokens) are never exported; other people's e-mail "
                    "addresses and phone numbers are masked."}


# --- pages --------------------------------------------------------------------------------------------------------


@bp.get("/privacy")
def notice():
    """The data-protection page: what personal data the app keeps, why, who sees it and for how long."""
    return render_template("accounts/privacy.html", after_days=current_app.config["SIP_ANONYMISE_AFTER_DAYS"],
                           token_days=current_app.config["SIP_API_TOKEN_MAX_DAYS"])


@bp.get("/account/my-data.json")
@login_required
def my_data_download():
    """Download everything the app holds about oneself, as JSON."""
    user = current_user._get_current_object()
    if not can_view_own_data(user):
        abort(403)
    body = json.dumps(my_data(user), ensure_ascii=False, indent=2, default=str)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="sip-my-data-{date.today().isoformat()}.json"'})


@bp.post("/admin/people/<int:user_id>/erase")
@login_required
def erase(user_id: int):
    """Erase a person's personal data on their request (the secretariat; audited, the pseudonym kept)."""
    person = db.session.get(User, user_id) or abort(404)
    actor = current_user._get_current_object()
    if not can_erase_person(actor, person):
        abort(403)
    form = EraseForm()
    if not form.validate_on_submit():
        flash(_("Nothing was erased: tick the confirmation and say how the person asked."), "error")
        return redirect(url_for("admin.person", user_id=person.id, _anchor="erase")), 303
    try:
        name = erase_on_request(actor, person, form.rationale.data)
    except PrivacyError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.person", user_id=person.id, _anchor="erase")), 303
    flash(_("The person's personal data is erased; their reports and audit entries now say “%(name)s”.", name=name),
          "success")
    return redirect(url_for("admin.person", user_id=person.id))

