"""Throttling of password checks, MFA codes, reset requests and invitation resends, shared through the database.

Password-like checks ("sign_in", "current_password", "mfa") are throttled with growing waits per pair of account and
client address, so that one person's typos never block another person, nor the same account from elsewhere:
SIP_THROTTLE_FREE_FAILURES free failures in SIP_THROTTLE_WINDOW_MINUTES, then a wait after each further failure that
doubles from SIP_THROTTLE_FIRST_DELAY_SECONDS up to SIP_THROTTLE_MAX_DELAY_SECONDS. Two ceilings sit above the pairs:
one per client address across all accounts (high enough for a shared office), and one per account across all
addresses, beyond which every try of that account waits SIP_THROTTLE_FIRST_DELAY_SECONDS (it slows an attack from
many addresses down; the owner can still get in through a reset link, and a successful reset clears the account's
failures). "sign_in" and "current_password" check the same secret, so they count together.

Quotas ("reset", "invitation") count every attempt that went ahead (`record_attempt`; refused ones are recorded
with `record_failure` and use no quota, so that a flood of refused requests never blocks the owner for longer): reset requests per target account and per client
address per hour, invitation resends per invited person per day.

The functions add rows to the current transaction and never commit: the caller commits with its audit entry.
Account keys are normalised e-mail addresses (`services.normalise_email`).
"""
import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import delete, func, select

from sip.accounts.models import LoginAttempt
from sip.core.models import utcnow
from sip.extensions import db

PASSWORD_KINDS = ("sign_in", "current_password")
CHECK_KINDS = {"sign_in": PASSWORD_KINDS, "current_password": PASSWORD_KINDS, "mfa": ("mfa",)}
QUOTA_KINDS = ("reset", "invitation")
KINDS = (*CHECK_KINDS, *QUOTA_KINDS)
KEEP = timedelta(days=2)  # rows older than the longest window (a day) serve no limit any more


@dataclass(frozen=True)
class Decision:
    """Whether an attempt may go ahead now, and otherwise how many seconds to wait (and which limit said so)."""

    allowed: bool
    retry_after_seconds: int = 0
    reason: str | None = None  # "pair", "address", "account", "quota_account" or "quota_address" when refused


def _setting(name: str) -> int:
    """A SIP_THROTTLE_* setting of the app."""
    return int(current_app.config[f"SIP_THROTTLE_{name}"])


def _aware(moment: datetime) -> datetime:
    """A database time as an aware UTC time (SQLite gives naive ones back)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _address_is(address: str | None):
    """The SQL condition "this client address" (an unknown address is its own pair)."""
    return LoginAttempt.ip.is_(None) if address is None else LoginAttempt.ip == address


def _nth_latest(condition, n: int) -> datetime | None:
    """The time of the n-th most recent row matching the condition, or None when there are fewer than n."""
    query = select(LoginAttempt.at).where(*condition).order_by(LoginAttempt.at.desc()).offset(n - 1).limit(1)
    moment = db.session.scalar(query)
    return _aware(moment) if moment else None


def _wait_for_ceiling(condition, ceiling: int, window: timedelta, now: datetime) -> float:
    """Seconds until fewer than `ceiling` matching rows remain in the window (0 when already fewer)."""
    moment = _nth_latest(condition, ceiling)
    return 0.0 if moment is None else (moment + window - now).total_seconds()


def _check_password_like(kind: str, account_key: str, address: str | None, now: datetime) -> list[tuple[float, str]]:
    """The waits each limit of a password-like check asks for."""
    window = timedelta(minutes=_setting("WINDOW_MINUTES"))
    failures = (LoginAttempt.kind.in_(CHECK_KINDS[kind]), LoginAttempt.success.is_(False), LoginAttempt.at >= now - window)
    waits = []
    pair = (*failures, LoginAttempt.email == account_key, _address_is(address))
    count, last = db.session.execute(select(func.count(), func.max(LoginAttempt.at)).where(*pair)).one()
    free = _setting("FREE_FAILURES")
    if count >= free and last is not None:
        delay = min(_setting("FIRST_DELAY_SECONDS") * 2 ** min(count - free, 30), _setting("MAX_DELAY_SECONDS"))
        waits.append(((_aware(last) + timedelta(seconds=delay) - now).total_seconds(), "pair"))
    if address is not None:
        waits.append((_wait_for_ceiling((*failures, LoginAttempt.ip == address), _setting("ADDRESS_FAILURES"),
                                        window, now), "address"))
    account = (*failures, LoginAttempt.email == account_key)
    if _nth_latest(account, _setting("ACCOUNT_FAILURES")) is not None:
        last = _nth_latest(account, 1)
        waits.append(((last + timedelta(seconds=_setting("FIRST_DELAY_SECONDS")) - now).total_seconds(), "account"))
    if kind == "mfa":  # codes are guessable in a way passwords are not: a daily ceiling per account
        day = timedelta(days=1)
        codes = (LoginAttempt.kind == "mfa", LoginAttempt.success.is_(False), LoginAttempt.at >= now - day,
                 LoginAttempt.email == account_key)
        waits.append((_wait_for_ceiling(codes, _setting("MFA_FAILURES_PER_DAY"), day, now), "account"))
    return waits


def _check_quota(kind: str, account_key: str, address: str | None, now: datetime) -> list[tuple[float, str]]:
    """The waits the quotas of reset requests or invitation resends ask for."""
    if kind == "reset":
        window, per_account, per_address = timedelta(hours=1), _setting("RESETS_PER_ACCOUNT"), _setting("RESETS_PER_ADDRESS")
    else:
        window, per_account, per_address = timedelta(days=1), _setting("INVITATIONS_PER_DAY"), None
    recent = (LoginAttempt.kind == kind, LoginAttempt.success.is_(True), LoginAttempt.at >= now - window)
    waits = [(_wait_for_ceiling((*recent, LoginAttempt.email == account_key), per_account, window, now), "quota_account")]
    if per_address is not None and address is not None:
        waits.append((_wait_for_ceiling((*recent, LoginAttempt.ip == address), per_address, window, now), "quota_address"))
    return waits


def check(kind: str, account_key: str, address: str | None) -> Decision:
    """May this attempt go ahead now? Reads only; records nothing."""
    if kind not in KINDS:
        raise ValueError(f"unknown throttle kind {kind!r}")
    now = utcnow()
    checker = _check_quota if kind in QUOTA_KINDS else _check_password_like
    waits = [(seconds, reason) for seconds, reason in checker(kind, account_key, address, now) if seconds > 0]
    if not waits:
        return Decision(True)
    seconds, reason = max(waits)
    return Decision(False, max(1, math.ceil(seconds)), reason)


def _add(kind: str, account_key: str, address: str | None, success: bool, user_id: int | None) -> None:
    """Add one attempt row to the current transaction."""
    if kind not in KINDS:
        raise ValueError(f"unknown throttle kind {kind!r}")
    db.session.add(LoginAttempt(kind=kind, email=account_key, ip=address, success=success, user_id=user_id,
                                at=utcnow()))


def record_failure(kind: str, account_key: str, address: str | None, user_id: int | None = None) -> None:
    """Count a failed check (a wrong password or code) against the account, the address and the pair."""
    _add(kind, account_key, address, False, user_id)


def record_success(kind: str, account_key: str, address: str | None, user_id: int | None = None) -> None:
    """Note a passed check: the pair's failures are forgiven (the account's other pairs keep theirs).

    For the quotas ("reset", "invitation") this counts one attempt, like `record_attempt`.
    """
    _add(kind, account_key, address, True, user_id)
    if kind in CHECK_KINDS:
        db.session.execute(delete(LoginAttempt).where(
            LoginAttempt.kind.in_(CHECK_KINDS[kind]), LoginAttempt.success.is_(False),
            LoginAttempt.email == account_key, _address_is(address)))
        db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - KEEP))


def record_attempt(kind: str, account_key: str, address: str | None, user_id: int | None = None) -> None:
    """Count one reset request or invitation resend against its quotas (whether or not anything was sent)."""
    _add(kind, account_key, address, True, user_id)


def clear_codes(account_key: str) -> None:
    """Forgive an account's wrong two-step codes (the secretariat reset its factor: the old one is gone)."""
    db.session.execute(delete(LoginAttempt).where(
        LoginAttempt.kind == "mfa", LoginAttempt.success.is_(False), LoginAttempt.email == account_key))


def clear_account(account_key: str) -> None:
    """Forgive every failed password and code check of an account, from every address (after a successful reset:
    whoever was trying no longer knows the password)."""
    db.session.execute(delete(LoginAttempt).where(
        LoginAttempt.kind.in_((*PASSWORD_KINDS, "mfa")), LoginAttempt.success.is_(False),
        LoginAttempt.email == account_key))
