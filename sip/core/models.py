"""Shared model pieces: the audit trail."""
from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sip.extensions import db


def utcnow() -> datetime:
    """The current time in UTC."""
    return datetime.now(timezone.utc)


class AuditEntry(db.Model):
    """One write to the database: who, when, what, before and after."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(String(80), index=True)
    entity: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str | None] = mapped_column(String(80))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    rationale: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(45))


OUTBOX_STATES = ("queued", "sending", "sent", "failed")


class OutboxMail(db.Model):
    """An e-mail waiting to be sent, or sent: written in the transaction of the event that caused it, sent by the
    worker (sip/core/outbox.py), so that no web request waits for the mail server and no mail is lost."""

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(300))
    # A row for many people (an event told fifty): the worker's expander of this name turns it into one e-mail per
    # person, written in their language at send time, so that the event's own request writes one row, not fifty.
    expander: Mapped[str | None] = mapped_column(String(60))
    expander_args: Mapped[dict | None] = mapped_column(JSON)


class WorkerHeartbeat(db.Model):
    """The last time each background worker said it was alive (one row per worker: host and process), so that
    /healthz, /metrics and `sip doctor` can tell whether mail and the daily jobs are being run."""

    __tablename__ = "worker_heartbeat"

    worker: Mapped[str] = mapped_column(String(120), primary_key=True)  # "host:pid"
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    beat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
