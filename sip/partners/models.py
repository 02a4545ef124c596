"""Who represents an organisation where, requests to join the cluster, and acknowledgements of the commitments.

The organisation itself is sip.accounts.models.Organisation (people belong to one); the register adds its countries,
website and dates there. Nothing here is ever deleted: a focal point that stops gets an end date, an organisation
that leaves keeps its focal points and acknowledgements, and a decided request keeps its decision.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sip.core.models import utcnow
from sip.extensions import db

REQUEST_STATES = {"pending": _l("Waiting for the secretariat"), "approved": _l("Approved"),
                  "declined": _l("Declined")}


class FocalPoint(db.Model):
    """A person who represents their organisation for the cluster as a whole (no body) or in one body."""

    __tablename__ = "focal_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"), index=True)  # None: the cluster as a whole
    since: Mapped[date] = mapped_column(Date, default=date.today)
    until: Mapped[date | None] = mapped_column(Date)

    organisation = relationship("Organisation")
    user = relationship("User")
    body = relationship("Body")

    def in_force(self, on: date | None = None) -> bool:
        """True when the person represents the organisation on that day (today by default)."""
        day = on or date.today()
        return self.since <= day and (self.until is None or day <= self.until)


class JoinRequest(db.Model):
    """Someone asks for their organisation (registered or not yet) to join as a partner or a stakeholder."""

    __tablename__ = "join_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))  # the organisation's name as asked (copied from a registered one)
    acronym: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    type: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    website: Mapped[str | None] = mapped_column(String(300))
    justification: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)

    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    organisation = relationship("Organisation")


class CommitmentAcknowledgement(db.Model):
    """A partner's focal point confirmed that the organisation's staff know the strategy's minimum commitments."""

    __tablename__ = "commitment_acknowledgement"
    __table_args__ = (UniqueConstraint("organisation_id", "strategy_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategy.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organisation = relationship("Organisation")
    user = relationship("User")
