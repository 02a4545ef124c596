"""Notifications, each person's e-mail choices per kind, and when each person last looked at their home page."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sip.core.models import utcnow
from sip.extensions import db

# --- notifications and preferences (E1) ---

DELIVERIES = ("instant", "digest", "never")


class Notification(db.Model):
    """Something that happened which a person should know about: shown in their list, mailed at once or in a digest.

    The message is stored as its kind and params and rendered when shown, so that each reader sees it in their own
    language; `event_key` names the event, and one event makes at most one notification per person."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "event_key", name="uq_notification_user_event"),
        # the header's unread count and the list look up one person's items. Few indexes and one foreign key: an
        # event writes a row per person it tells (50 for a submitted report), inside the submit's transaction.
        Index("ix_notification_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(40))
    event_key: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    endpoint: Mapped[str] = mapped_column(String(80))  # the page it links to: an endpoint and its arguments
    endpoint_args: Mapped[dict | None] = mapped_column(JSON)
    params: Mapped[dict | None] = mapped_column(JSON)  # what the message says, rendered in the reader's language
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # an instant mail was queued
    digested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # went out in a daily digest


class NotificationPreference(db.Model):
    """How a person wants to be told about one kind of notification by e-mail: at once, in a daily digest, or never
    (no row: the kind's default, see sip/inbox/events.py)."""

    __tablename__ = "notification_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notification_preference_user_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    delivery: Mapped[str] = mapped_column(String(10))


# --- home page visits (E2) ---


class HomeVisit(db.Model):
    """When a person last looked at their home page, and since when it lists what is new to them (one row each).

    Written by a cheap single statement when the home page is shown, and not audited: it records that a page was
    read, not a change to anyone's data that the secretariat answers for."""

    __tablename__ = "home_visit"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The visit before this run of visits: "accepted since your last visit" counts from here, so that reloading
    # the page within the hour does not empty the list the person is reading.
    since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
