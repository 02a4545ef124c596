"""Meetings of the cluster's bodies: their agenda, who attended, minutes, decisions, action points, calendar links.

A meeting's moment is stored in UTC with the IANA time zone it was set in, so that a GLM in Rome at 09:30 stays at
09:30 Rome time for the reader in Rome and shows at the right hour in every calendar. Minutes are kept revision by
revision: an endorsed revision is never written again, a correction is a new revision.
"""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sip.core.models import utcnow
from sip.extensions import db

MEETING_KINDS = {
    "glm": _l("GLM plenary"),
    "sag": _l("SAG consultation"),
    "wg": _l("Working-group meeting"),
    "other": _l("Other meeting"),
}
# The kind of body that holds each kind of meeting (None: any body).
KIND_BODIES = {"glm": "cluster", "sag": "advisory_group", "wg": "working_group", "other": None}
MINUTES_STATES = {"draft": _l("Draft"), "circulated": _l("Circulated to the body"), "endorsed": _l("Endorsed")}
MINUTES_LANGUAGES = {"fr": _l("French"), "en": _l("English")}
# "Open" qualifies a period elsewhere (une période ouverte), so the action point's takes a context (un point ouvert).
ACTION_STATES = {"open": lazy_pgettext("action point", "Open"), "done": _l("Done"), "dropped": _l("Dropped")}
DECISION_METHODS = {"consensus": _l("By consensus"), "vote": _l("By vote"),
                    "unrecorded": _l("Recorded before meetings were kept (no count)")}
DECISION_OUTCOMES = {"verified": _l("Verified"), "rejected": _l("Rejected")}
CALENDAR_OWNERS = ("user", "body")


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored moment as an aware UTC datetime (SQLite gives it back naive, already in UTC)."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class Meeting(db.Model):
    """One meeting of a body: a GLM plenary, a SAG consultation, a working group's meeting, or another."""

    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_body_starts", "body_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"))
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[dict] = mapped_column(JSON)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)  # UTC
    duration_minutes: Mapped[int] = mapped_column(Integer, default=120)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Rome")
    place: Mapped[str | None] = mapped_column(String(200))
    link: Mapped[str | None] = mapped_column(String(500))
    languages: Mapped[list] = mapped_column(JSON, default=list)
    # A GLM looks at a reporting period (its glm flag); amendments it verifies go into that GLM's plan version.
    period_id: Mapped[int | None] = mapped_column(ForeignKey("reporting_period.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    body = relationship("Body")
    period = relationship("ReportingPeriod")
    created_by = relationship("User")
    agenda = relationship("AgendaItem", back_populates="meeting", order_by="AgendaItem.position",
                          cascade="all, delete-orphan")
    attendance = relationship("Attendance", back_populates="meeting", order_by="Attendance.id",
                              cascade="all, delete-orphan")
    minutes = relationship("Minutes", back_populates="meeting", order_by="Minutes.revision",
                           cascade="all, delete-orphan")
    decisions = relationship("Decision", back_populates="meeting", order_by="Decision.id",
                             cascade="all, delete-orphan")
    action_points = relationship("ActionPoint", back_populates="meeting", order_by="ActionPoint.id",
                                 foreign_keys="ActionPoint.meeting_id")

    @property
    def starts_utc(self) -> datetime:
        """When it starts, in UTC."""
        return as_utc(self.starts_at)

    @property
    def local_start(self) -> datetime:
        """When it starts, in the meeting's own time zone."""
        return self.starts_utc.astimezone(ZoneInfo(self.timezone))

    @property
    def local_date(self) -> date:
        """The day it is held, where it is held: the date a GLM's decisions carry."""
        return self.local_start.date()

    @property
    def current_minutes(self):
        """The latest revision of its minutes (None when nobody has written any)."""
        return self.minutes[-1] if self.minutes else None

    @property
    def endorsed_minutes(self):
        """The latest endorsed revision, if any."""
        endorsed = [m for m in self.minutes if m.state == "endorsed"]
        return endorsed[-1] if endorsed else None

    def is_past(self, now: datetime | None = None) -> bool:
        """True once the meeting has started."""
        return self.starts_utc <= (now or datetime.now(timezone.utc))


class AgendaItem(db.Model):
    """A point of a meeting's agenda, optionally about an activity, a report, an amendment or an action point."""

    __tablename__ = "meeting_agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[dict] = mapped_column(JSON)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("group_report.id"))
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id"))
    action_point_id: Mapped[int | None] = mapped_column(ForeignKey("action_point.id"))

    meeting = relationship("Meeting", back_populates="agenda")
    activity = relationship("Activity")
    report = relationship("GroupReport")
    amendment = relationship("Amendment")
    action_point = relationship("ActionPoint", foreign_keys=[action_point_id])


class Attendance(db.Model):
    """Someone present at a meeting: a person (with their organisation), or an organisation as such.

    `voting` is fixed when recorded: at a GLM the partners present vote, stakeholders attend as observers."""

    __tablename__ = "meeting_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id", name="uq_attendance_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    voting: Mapped[bool] = mapped_column(Boolean, default=False)

    meeting = relationship("Meeting", back_populates="attendance")
    user = relationship("User")
    organisation = relationship("Organisation")


class Minutes(db.Model):
    """One revision of a meeting's minutes: draft → circulated → endorsed (then read-only for good)."""

    __tablename__ = "meeting_minutes"
    __table_args__ = (UniqueConstraint("meeting_id", "revision", name="uq_minutes_revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default="draft")
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    circulated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    endorsed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    endorsed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    correction_note: Mapped[str | None] = mapped_column(Text)  # why a revision corrects the endorsed one

    meeting = relationship("Meeting", back_populates="minutes")
    written_by = relationship("User", foreign_keys=[written_by_id])
    endorsed_by = relationship("User", foreign_keys=[endorsed_by_id])


class Decision(db.Model):
    """A decision a meeting took; at a GLM, the partners' verdict on an endorsed amendment (which applies it)."""

    __tablename__ = "meeting_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    text: Mapped[dict] = mapped_column(JSON)
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id"), unique=True)
    outcome: Mapped[str | None] = mapped_column(String(10))  # verified | rejected, for an amendment
    method: Mapped[str] = mapped_column(String(12), default="consensus")
    votes_for: Mapped[int | None] = mapped_column(Integer)
    votes_against: Mapped[int | None] = mapped_column(Integer)
    votes_abstaining: Mapped[int | None] = mapped_column(Integer)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    meeting = relationship("Meeting", back_populates="decisions")
    amendment = relationship("Amendment")
    recorded_by = relationship("User")


class ActionPoint(db.Model):
    """A to-do a meeting gave a body (and optionally one person), due on a day: open, done or dropped (with a note)."""

    __tablename__ = "action_point"
    __table_args__ = (Index("ix_action_point_status_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    text: Mapped[dict] = mapped_column(JSON)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    status_note: Mapped[str | None] = mapped_column(Text)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("group_report.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_on: Mapped[date | None] = mapped_column(Date)  # the last overdue reminder: at most one a day

    meeting = relationship("Meeting", back_populates="action_points", foreign_keys=[meeting_id])
    body = relationship("Body")
    owner = relationship("User", foreign_keys=[owner_id])
    activity = relationship("Activity")
    report = relationship("GroupReport")

    def is_overdue(self, today: date | None = None) -> bool:
        """Open and past its due date."""
        return self.status == "open" and self.due_on < (today or date.today())


class CalendarKey(db.Model):
    """The salt of a person's or a body's calendar link: renewing it makes every earlier link stop working.

    The link itself is a token signed with the app's key over (owner, salt); nothing secret is stored in clear."""

    __tablename__ = "calendar_key"
    __table_args__ = (UniqueConstraint("owner_kind", "owner_id", name="uq_calendar_key_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(10))  # user | body
    owner_id: Mapped[int] = mapped_column(Integer)
    salt: Mapped[str] = mapped_column(String(64))
    renewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
