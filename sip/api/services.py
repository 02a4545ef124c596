"""Personal access tokens: create, revoke, and check one on each API request (rate limit and audit of its use)."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, select, update
from sqlalchemy.orm import joinedload

from sip.api.models import ApiToken, aware
from sip.api.permissions import can_manage_tokens
from sip.core import audit
from sip.core.models import utcnow
from sip.extensions import db

PREFIX = "sip_"
NAME_MAX = 80
WINDOW = timedelta(minutes=1)


class TokenError(ValueError):
    """A token cannot be created or revoked; the message says why."""


def hash_token(token: str) -> str:
    """The SHA-256 (hex) of a token, as stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tokens_of(user) -> list[ApiToken]:
    """A person's tokens, newest first, revoked ones included (for the account page)."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def create_token(user, name: str, days: int) -> tuple[ApiToken, str]:
    """Create a read-only token for the person, valid `days` days; returns it and the secret, shown only once."""
    if not can_manage_tokens(user):
        raise TokenError(_("You may not create API tokens."))
    name = " ".join((name or "").split())
    if not name or len(name) > NAME_MAX:
        raise TokenError(_("Give the token a name of at most %(count)d characters.", count=NAME_MAX))
    longest = int(current_app.config["SIP_API_TOKEN_MAX_DAYS"])
    if not 1 <= days <= longest:
        raise TokenError(_("A token lasts from 1 to %(count)d days.", count=longest))
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, token_hash=hash_token(secret), hint=secret[:10],
                     created_at=utcnow(), expires_at=utcnow() + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    audit.record("api_token.created", "api_token", token.id, after={"name": name, "expires_at": token.expires_at.isoformat()},
                 user_id=user.id)
    db.session.commit()
    return token, secret


def revoke_token(user, token_id: int) -> ApiToken:
    """Revoke one of the person's own tokens (it stops working at once)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or not can_manage_tokens(user):
        raise TokenError(_("No such token of yours."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record("api_token.revoked", "api_token", token.id, before={"name": token.name}, user_id=user.id)
        db.session.commit()
    return token


@dataclass
class Check:
    """What a token in a request amounts to: the person, or why it is refused."""

    user_id: int | None = None
    refused: str | None = None  # "invalid" | "rate_limited"
    retry_after: int = 0


def use_token(secret: str, now: datetime | None = None) -> Check:
    """Check a token sent with an API request: unknown, revoked, expired or of a deactivated person → invalid;
    over SIP_API_RATE_PER_MINUTE requests in its current minute → rate limited. Counts the request (one UPDATE on
    the token row, shared by every process) and audits the token's first use of each day (not every request: the
    trail would drown in reads)."""
    now = now or utcnow()
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return Check(refused="invalid")
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret))
                              .options(joinedload(ApiToken.user)))
    if token is None or not token.usable(now) or token.user is None or not token.user.active:
        return Check(refused="invalid")
    limit = int(current_app.config["SIP_API_RATE_PER_MINUTE"])
    started = aware(token.window_started_at)
    first_today = token.last_used_at is None or aware(token.last_used_at).date() != now.date()
    if started is not None and now - started < WINDOW and token.window_count >= limit:
        return Check(refused="rate_limited", retry_after=max(1, int((started + WINDOW - now).total_seconds()) + 1))
    new_window = started is None or now - started >= WINDOW
    # One statement whatever the other processes do meanwhile: the count starts again or goes up by one.
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(
        window_started_at=now if new_window else ApiToken.window_started_at,
        window_count=1 if new_window else case((ApiToken.window_count < limit, ApiToken.window_count + 1),
                                               else_=ApiToken.window_count),
        last_used_at=now,
    ).execution_options(synchronize_session=False))
    if first_today:
        audit.record("api_token.used", "api_token", token.id, after={"name": token.name}, user_id=token.user_id)
    user_id = token.user_id
    db.session.commit()
    return Check(user_id=user_id)
