"""Personal access tokens for the read API, and the record of people whose personal data was removed."""
from datetime import datetime, timezone

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sip.core.models import utcnow
from sip.extensions import db


def aware(moment: datetime | None) -> datetime | None:
    """A database time as an aware UTC time (SQLite gives naive ones back)."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class ApiToken(db.Model):
    """A person's read-only personal access token: only a SHA-256 of it is kept (the token itself is shown once).

    The token is 256 random bits, so a plain hash is enough: nothing can be guessed from it, unlike a password.
    The window columns count requests for the rate limit (one UPDATE per request, shared by every process).
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(12))  # the first characters, so that the owner tells tokens apart
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    window_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    window_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    user = relationship("User")

    def usable(self, now: datetime) -> bool:
        """True while the token is neither revoked nor expired."""
        return self.revoked_at is None and aware(self.expires_at) > now


class PersonalDataRemoval(db.Model):
    """A person whose personal data was removed: anonymised after deactivation, or erased on request.

    The account row stays (reports, comments and audit entries point at it) under the pseudonym; this row says
    when and why, without anything that identifies the person.
    """

    __tablename__ = "personal_data_removal"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    pseudonym: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(20))  # retention (deactivated too long) | request (erased on request)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
