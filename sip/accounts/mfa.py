"""Two-step sign-in: a time-based code (TOTP, RFC 6238) from an authenticator app, or a single-use recovery code.

Required of the roles in SIP_MFA_REQUIRED_ROLES (the secretariat and administrators by default), optional for
everyone else. The secret is shown once, at enrolment, and never again: it is not logged, exported or audited.
Every check of a code goes through the throttle (sip/accounts/limiter.py, kind "mfa", per account and address),
and every event is audited (mfa.enrolled, mfa.verified, mfa.failed, mfa.throttled, mfa.recovery_used,
mfa.recovery_regenerated, mfa.disabled, mfa.reset_by_secretariat).
"""
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

import pyotp
import segno
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import delete, func, select, update

from sip.accounts import limiter
from sip.accounts.models import RecoveryCode, User, new_session_token
from sip.accounts.permissions import can_reset_mfa, is_secretariat
from sip.accounts.services import normalise_email, wait_text
from sip.core import audit
from sip.core.models import utcnow
from sip.extensions import db

ISSUER = "SIP Tracker"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper without doubt
RECOVERY_LENGTH = 12  # 3 groups of 4: about 59 bits each
KIND = "mfa"


class MfaError(ValueError):
    """A refused two-step action; the message is for the user."""


class Throttled(MfaError):
    """Too many wrong codes for this account from this address: nothing was checked."""

    def __init__(self, retry_after: int):
        self.retry_after = max(1, int(retry_after))
        super().__init__(_("Too many wrong codes. Wait %(wait)s, then try again.", wait=wait_text(self.retry_after)))


def now() -> float:
    """The codes' clock, in seconds (tests replace it)."""
    return time.time()


def required_for(user: User) -> bool:
    """True when this person must use two-step sign-in (their role is in SIP_MFA_REQUIRED_ROLES)."""
    roles = current_app.config.get("SIP_MFA_REQUIRED_ROLES", ())
    if not roles or user is None:
        return False
    return bool(("admin" in roles and user.is_admin) or ("secretariat" in roles and is_secretariat(user)))


def needs_enrolment(user: User) -> bool:
    """True when the person must set up two-step sign-in before going anywhere."""
    return not user.has_mfa and required_for(user)


def recovery_codes_left(user: User) -> int:
    """How many of the person's recovery codes are still unused."""
    return db.session.scalar(select(func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


# --- enrolment ----------------------------------------------------------------------------------


@dataclass
class Enrolment:
    """What the enrolment page shows: the secret in text, the otpauth link and its QR code (inline SVG)."""

    secret: str
    uri: str
    qr_svg: Markup

    @property
    def grouped_secret(self) -> str:
        """The secret in groups of four letters, easier to type into an app by hand."""
        return " ".join(self.secret[i:i + 4] for i in range(0, len(self.secret), 4))


def new_secret() -> str:
    """A fresh random TOTP secret (160 bits, base32)."""
    return pyotp.random_base32()


def enrolment(user: User, secret: str) -> Enrolment:
    """The QR code and provisioning link of `secret` for this person, issuer "SIP Tracker"."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=4, light="#fff", title=_("QR code to scan"))
    return Enrolment(secret=secret, uri=uri, qr_svg=Markup(svg))  # noqa: S704  # nosec B704  segno's own SVG: no user text


def confirm_enrolment(user: User, secret: str, code: str, ip: str | None) -> list[str]:
    """Turn two-step sign-in on once a code from the app proves it holds `secret`; returns the recovery codes
    (shown once: only their hashes are kept)."""
    if user.has_mfa:
        raise MfaError(_("Two-step sign-in is already on for your account."))
    if not secret:
        raise MfaError(_("The set-up has expired; start again."))
    _check_throttle(user, ip)
    step = _matching_step(secret, code, None)
    if step is None:
        _failed(user, ip, "enrolment")
        raise MfaError(_("This code is not right. Check the app's clock and enter the code it shows now."))
    user.totp_secret, user.totp_last_step, user.mfa_enabled_at = secret, step, utcnow()
    codes = _new_recovery_codes(user)
    limiter.record_success(KIND, _key(user), ip, user.id)
    audit.record("mfa.enrolled", "user_account", user.id, after={"recovery_codes": len(codes)}, user_id=user.id)
    db.session.commit()
    return codes


# --- checking codes -----------------------------------------------------------------------------


def verify(user: User, entry: str, ip: str | None, *, purpose: str = "sign_in") -> str:
    """Check a code from the app or a recovery code (single use); returns "totp" or "recovery".

    Raises Throttled (nothing checked) or MfaError (a wrong, replayed or used code, counted by the throttle).
    """
    if not user.has_mfa:
        raise MfaError(_("Two-step sign-in is not on for this account."))
    _check_throttle(user, ip)
    entry = (entry or "").strip()
    digits = entry.replace(" ", "")
    if digits.isdigit() and len(digits) == 6:
        if _accept_totp(user, digits):
            limiter.record_success(KIND, _key(user), ip, user.id)
            audit.record("mfa.verified", "user_account", user.id, after={"method": "totp", "for": purpose},
                         user_id=user.id)
            db.session.commit()
            return "totp"
    elif _use_recovery_code(user, entry):
        limiter.record_success(KIND, _key(user), ip, user.id)
        audit.record("mfa.recovery_used", "user_account", user.id,
                     after={"for": purpose, "left": recovery_codes_left(user)}, user_id=user.id)
        db.session.commit()
        return "recovery"
    _failed(user, ip, purpose)
    raise MfaError(_("This code is not right, or it has been used already."))


def verify_app_code(user: User, code: str, ip: str | None, *, purpose: str) -> None:
    """Check a code from the app only (not a recovery code); raises like `verify`."""
    digits = (code or "").replace(" ", "")
    if not (digits.isdigit() and len(digits) == 6):
        if user.has_mfa:
            _check_throttle(user, ip)
            _failed(user, ip, purpose)
        raise MfaError(_("Enter the 6-digit code that your authenticator app shows now."))
    verify(user, digits, ip, purpose=purpose)


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step (now, or one step either side for clock drift) whose code is `code`, if later than
    `last_step` (a code already accepted is never accepted again)."""
    code = (code or "").replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now() // totp.interval)
    for step in (current - 1, current, current + 1):
        if (last_step is None or step > last_step) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _accept_totp(user: User, code: str) -> bool:
    """Accept an app code once: the step is recorded with a conditional UPDATE, so that two requests carrying
    the same code cannot both pass."""
    step = _matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    newer = (User.totp_last_step.is_(None)) | (User.totp_last_step < step)
    done = db.session.execute(update(User).where(User.id == user.id, newer).values(totp_last_step=step)
                              .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return False
    user.totp_last_step = step
    return True


# --- recovery codes -----------------------------------------------------------------------------


def _normalise_recovery(entry: str) -> str:
    """A recovery code as typed (any case, spaces or dashes) reduced to its characters."""
    return "".join(ch for ch in (entry or "").lower() if ch.isalnum())


def _hash_recovery(user_id: int, code: str) -> str:
    """The stored form of a recovery code: SHA-256 salted with the person (codes are random, so no slow hash)."""
    return hashlib.sha256(f"sip-recovery:{user_id}:{_normalise_recovery(code)}".encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    """Replace the person's recovery codes by RECOVERY_CODES new ones; returns them as "abcd-efgh-jkmn"."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _j in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(user.id, raw)))
    return codes


def _use_recovery_code(user: User, entry: str) -> bool:
    """Spend one unused recovery code (a conditional UPDATE: it works once, even for two requests at once)."""
    if len(_normalise_recovery(entry)) != RECOVERY_LENGTH:
        return False
    done = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_recovery(user.id, entry),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return done.rowcount == 1


def regenerate_recovery_codes(user: User, code: str, ip: str | None) -> list[str]:
    """New recovery codes (the old ones stop working), after a current code from the app; shown once."""
    if not user.has_mfa:
        raise MfaError(_("Two-step sign-in is not on for your account."))
    verify_app_code(user, code, ip, purpose="regenerate")
    codes = _new_recovery_codes(user)
    audit.record("mfa.recovery_regenerated", "user_account", user.id, after={"recovery_codes": len(codes)},
                 user_id=user.id)
    db.session.commit()
    return codes


# --- turning it off -----------------------------------------------------------------------------


def _clear(user: User) -> None:
    """Forget the person's secret and recovery codes."""
    user.totp_secret = user.totp_last_step = user.mfa_enabled_at = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def disable(user: User, code: str, ip: str | None) -> None:
    """Turn one's two-step sign-in off with a current code (or a recovery code); refused where it is required."""
    if not user.has_mfa:
        raise MfaError(_("Two-step sign-in is not on for your account."))
    if required_for(user):
        raise MfaError(_("Two-step sign-in is required for your role: it cannot be turned off."))
    verify(user, code, ip, purpose="disable")
    _clear(user)
    audit.record("mfa.disabled", "user_account", user.id, user_id=user.id)
    db.session.commit()


def reset_by_secretariat(person: User, actor: User) -> None:
    """A person lost their phone: the secretariat forgets their factor and signs them out everywhere. They enrol
    again at their next sign-in where it is required; otherwise they sign in with their password alone."""
    if not can_reset_mfa(actor, person):
        raise MfaError(_("You may not reset this person's two-step sign-in."))
    if not person.has_mfa:
        raise MfaError(_("%(name)s has no two-step sign-in to reset.", name=person.name))
    _clear(person)
    limiter.clear_codes(_key(person))
    person.session_token = new_session_token()
    audit.record("mfa.reset_by_secretariat", "user_account", person.id,
                 after={"person": person.id, "by": actor.id, "must_enrol_again": required_for(person)},
                 user_id=actor.id)
    db.session.commit()


# --- throttling ---------------------------------------------------------------------------------


def _key(user: User) -> str:
    """The throttle's account key: the normalised e-mail address, as for passwords."""
    return normalise_email(user.email)


def _check_throttle(user: User, ip: str | None) -> None:
    """Raise Throttled (audited) when this account has had too many wrong codes from this address."""
    decision = limiter.check(KIND, _key(user), ip)
    if not decision.allowed:
        audit.record("mfa.throttled", "user_account", user.id, after={"retry_after": decision.retry_after_seconds},
                     user_id=user.id)
        db.session.commit()
        raise Throttled(decision.retry_after_seconds)


def _failed(user: User, ip: str | None, purpose: str) -> None:
    """Count and audit a wrong code."""
    limiter.record_failure(KIND, _key(user), ip, user.id)
    audit.record("mfa.failed", "user_account", user.id, after={"for": purpose}, user_id=user.id)
    db.session.commit()
