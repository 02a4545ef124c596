"""Quarterly reporting: periods, each body's report for a period, one update per activity, comments."""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sip.core.models import utcnow
from sip.extensions import db

PERIOD_STATES = {"upcoming": _l("Upcoming"), "open": _l("Open"), "closed": _l("Closed")}
REPORT_STATES = {
    "missing": _l("Missing"),
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "returned": _l("Returned"),
    "accepted": _l("Accepted"),
}  # where a report stands against its due date is sip.reporting.delivery's one vocabulary
EDITABLE_STATES = ("draft", "returned")
UPDATE_TEXT_FIELDS = ("achievements", "challenges", "next_steps", "support_needed", "evidence_links")


class ReportingPeriod(db.Model):
    """A quarter of the strategy: when reports open, when they are due, and whether a GLM looks at them."""

    __tablename__ = "reporting_period"
    __table_args__ = (UniqueConstraint("strategy_id", "year", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategy.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="upcoming")
    opens_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    glm: Mapped[bool] = mapped_column(Boolean, default=False)
    # The GLM's name in both languages ({"fr": "GLM juin 2026", "en": "GLM June 2026"}): readers see it in theirs.
    glm_names: Mapped[dict | None] = mapped_column(JSON)

    reports = relationship("GroupReport", back_populates="period")

    @property
    def glm_name(self) -> str | None:
        """The GLM's name in the reader's language (the other language's when it has none in this one)."""
        from sip.core.i18n import current_language, pick

        try:
            lang = current_language()
        except RuntimeError:  # no app: the name as first written
            lang = "en"
        return pick(self.glm_names, lang) or None

    @glm_name.setter
    def glm_name(self, value: str | dict | None) -> None:
        """A dict sets both languages; a new single name is taken for both (an unchanged one keeps the other's)."""
        if isinstance(value, dict):
            names = {lang: (text or "").strip() for lang, text in value.items() if (text or "").strip()}
            self.glm_names = names or None
        elif not (value or "").strip():
            self.glm_names = None
        elif value.strip() not in (self.glm_names or {}).values():
            self.glm_names = {"fr": value.strip(), "en": value.strip()}

    @property
    def code(self) -> str:
        """The period as people write it: "2026-Q4"."""
        return f"{self.year}-Q{self.quarter}"

    @property
    def starts_on(self) -> date:
        """First day of the quarter."""
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def ends_on(self) -> date:
        """Last day of the quarter."""
        return (date(self.year + (self.quarter == 4), (3 * self.quarter) % 12 + 1, 1) - date.resolution)


class GroupReport(db.Model):
    """A body's quarterly report: one update per activity and a summary, through draft → submitted → accepted."""

    __tablename__ = "group_report"
    __table_args__ = (UniqueConstraint("body_id", "period_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="draft")
    summary: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    review_note: Mapped[str | None] = mapped_column(Text)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)

    body = relationship("Body")
    period = relationship("ReportingPeriod", back_populates="reports")
    updates = relationship("ActivityUpdate", back_populates="report", cascade="all, delete-orphan")
    comments = relationship("ReportComment", back_populates="report", order_by="ReportComment.id")
    updated_by = relationship("User", foreign_keys=[updated_by_id])
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])

    @property
    def editable(self) -> bool:
        """True while the group may still change it (draft or returned)."""
        return self.state in EDITABLE_STATES


class ActivityUpdate(db.Model):
    """What a report says about one activity this quarter."""

    __tablename__ = "activity_update"
    __table_args__ = (UniqueConstraint("report_id", "activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("group_report.id", ondelete="CASCADE"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    status: Mapped[str | None] = mapped_column(String(20))
    progress_pct: Mapped[int | None] = mapped_column(Integer)
    achievements: Mapped[str] = mapped_column(Text, default="")
    challenges: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    support_needed: Mapped[str] = mapped_column(Text, default="")
    evidence_links: Mapped[str] = mapped_column(Text, default="")
    no_progress: Mapped[bool] = mapped_column(Boolean, default=False)
    # A responsible body that is not accountable adds a contribution note (in `achievements`), with no status.
    contribution: Mapped[bool] = mapped_column(Boolean, default=False)
    # The text fields that repeat the last accepted update word for word (carried forward, not edited yet).
    carried_fields: Mapped[list] = mapped_column(JSON, default=list)
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("activity_update.id"))
    carried: Mapped[bool] = mapped_column(Boolean, default=False)

    report = relationship("GroupReport", back_populates="updates")
    activity = relationship("Activity")
    carried_from = relationship("ActivityUpdate", remote_side=[id])

    def evidence(self) -> list[str]:
        """The evidence links, one a line."""
        return [line.strip() for line in (self.evidence_links or "").splitlines() if line.strip()]


class ReportComment(db.Model):
    """A comment on a report: visible to the group, or internal to the secretariat."""

    __tablename__ = "report_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("group_report.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    text: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)

    report = relationship("GroupReport", back_populates="comments")
    author = relationship("User")


class ReminderLog(db.Model):
    """A reminder sent (one per report, recipient and day), so that `sip remind` can run often."""

    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("period_id", "body_id", "recipient_id", "sent_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id"), index=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"))
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(String(20))
    sent_on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


STATUS_SOURCES = {"plan": _l("The plan"), "report": _l("Accepted report"), "amendment": _l("Amendment")}


class ActivityStatus(db.Model):
    """An activity's status as of a quarter: one row per activity for each quarter in which it is in the plan.

    The one truth about progress. Written (sip.reporting.statuses.refresh) in the transaction that accepts a
    report, applies an amendment or changes who is accountable; every page, export and API reads it. The current
    status is the latest quarter's row.
    """

    __tablename__ = "activity_status"
    __table_args__ = (UniqueConstraint("activity_id", "period_id", name="uq_activity_status_activity_period"),
                      Index("ix_activity_status_period_status", "period_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    progress_pct: Mapped[int | None] = mapped_column(Integer)
    update_id: Mapped[int | None] = mapped_column(ForeignKey("activity_update.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(12), default="plan")  # plan | report | amendment
    reported_in_id: Mapped[int | None] = mapped_column(ForeignKey("reporting_period.id"))  # the update's quarter

    activity = relationship("Activity")
    period = relationship("ReportingPeriod", foreign_keys=[period_id])
    update = relationship("ActivityUpdate")
