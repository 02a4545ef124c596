"""Strategy cycles: what became of each unfinished activity of a closing plan in the next one."""
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sip.extensions import db

# What the secretariat decides for an unfinished activity of the closing plan. "continue" and "merge" name an
# activity of the next plan (several activities merged name the same one); the two closings give a reason.
CARRY_DECISIONS = {
    "continue": _l("Continues in the next plan"),
    "merge": _l("Merged into an activity of the next plan"),
    "completed": _l("Closed as completed"),
    "discontinued": _l("Closed as discontinued"),
}
CARRIED = ("continue", "merge")


def _now() -> datetime:
    """Now, in UTC."""
    return datetime.now(timezone.utc)


class CarryOver(db.Model):
    """The decision for one unfinished activity of a closing plan: its next life, or how it closed and why."""

    __tablename__ = "carry_over"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), unique=True)
    to_activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"), nullable=True, index=True)
    decision: Mapped[str] = mapped_column(String(16))
    # Why it closed (or any note on the carry), in both languages.
    reason: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"),
                                                      nullable=True)
    decided_at = mapped_column(DateTime(timezone=True), default=_now)

    from_activity = relationship("Activity", foreign_keys=[from_activity_id])
    to_activity = relationship("Activity", foreign_keys=[to_activity_id])
