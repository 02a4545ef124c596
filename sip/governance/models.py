"""Amendments to the plan, named plan versions, and each activity's history from version to version.

The live plan tables (sip.plan.models) always hold the current plan. Every change to them after the seed comes
from an amendment verified at a GLM; applying it closes the activity's current revision and opens a new one in
the version of that GLM, so "the plan as of a version" is one query over `activity_revision`.
"""
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sip.core.models import utcnow
from sip.extensions import db

AMENDMENT_KINDS = {
    "add": _l("New activity"),
    "edit_text": _l("Reword"),
    "retire": _l("Retire"),
    "move": _l("Move"),
    "responsibilities": _l("Change responsibilities"),
}
AMENDMENT_STATES = {
    "proposed": _l("Proposed"),
    "endorsed": _l("Endorsed by the SAG"),
    "rejected": _l("Rejected"),
    "applied": _l("Verified at a GLM (applied)"),
}
OPEN_STATES = ("proposed", "endorsed")
RETIRE_AS = {"completed": _l("Completed"), "discontinued": _l("Discontinued")}
PLAN_STATES = {"active": _l("Active"), "completed": _l("Completed"), "discontinued": _l("Discontinued")}
ORIGINS = {"form": _l("Proposal form"), "import": _l("Imported revision"), "hand_over": _l("Hand-over on dissolution")}


class PlanVersion(db.Model):
    """A named state of the plan: the seed's revision, then one per GLM that verified amendments."""

    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("strategy_id", "sequence", name="uq_plan_version_sequence"),
                      UniqueConstraint("strategy_id", "tag", name="uq_plan_version_tag"))

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategy.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    tag: Mapped[str] = mapped_column(String(80))
    name: Mapped[dict] = mapped_column(JSON)
    effective_on: Mapped[date] = mapped_column(Date)
    glm_period_id: Mapped[int | None] = mapped_column(ForeignKey("reporting_period.id"))
    glm_name: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    glm_period = relationship("ReportingPeriod")
    created_by = relationship("User")


class ActivityRevision(db.Model):
    """An activity as the plan stated it from one version until (not including) a later one."""

    __tablename__ = "activity_revision"
    __table_args__ = (UniqueConstraint("activity_id", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"), index=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    text: Mapped[dict] = mapped_column(JSON)
    output_id: Mapped[int] = mapped_column(ForeignKey("output.id"), index=True)
    # The activity's place in plan order; shares its scale with Activity.position (both shift together).
    position: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default="active")
    search_text: Mapped[str] = mapped_column(Text, default="")
    accountable_body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"))

    activity = relationship("Activity")
    accountable_body = relationship("Body", foreign_keys=[accountable_body_id])
    version = relationship("PlanVersion", foreign_keys=[version_id])
    superseded_by = relationship("PlanVersion", foreign_keys=[superseded_by_id])
    output = relationship("Output")
    responsibilities = relationship("RevisionResponsibility", back_populates="revision",
                                    order_by="RevisionResponsibility.position", cascade="all, delete-orphan")


class RevisionResponsibility(db.Model):
    """A body's part in an activity as a revision states it (the same shape as a live Responsibility)."""

    __tablename__ = "activity_revision_responsibility"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("activity_revision.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    note: Mapped[dict | None] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)

    revision = relationship("ActivityRevision", back_populates="responsibilities")
    body = relationship("Body")


class Amendment(db.Model):
    """A proposed change to the plan: proposed → endorsed (SAG) | rejected → applied (verified at a GLM) | rejected."""

    __tablename__ = "amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategy.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default="proposed", index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id"), index=True)
    # The change itself; which columns are used depends on the kind.
    proposed_code: Mapped[str | None] = mapped_column(String(20))
    proposed_text: Mapped[dict | None] = mapped_column(JSON)
    proposed_output_id: Mapped[int | None] = mapped_column(ForeignKey("output.id"))
    retire_as: Mapped[str | None] = mapped_column(String(20))
    proposed_responsibilities: Mapped[list | None] = mapped_column(JSON)  # [{"body": slug, "role": …, "note": …}]
    # The activity as it stood when the change was proposed: what the proposal changes, and the check that
    # nothing else changed it meanwhile.
    before: Mapped[dict | None] = mapped_column(JSON)
    rationale: Mapped[str] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(20), default="form")
    origin_note: Mapped[str | None] = mapped_column(String(200))
    proposing_body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"), index=True)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sag_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sag_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sag_note: Mapped[str | None] = mapped_column(Text)
    glm_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    glm_recorded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    glm_period_id: Mapped[int | None] = mapped_column(ForeignKey("reporting_period.id"))
    glm_name: Mapped[str | None] = mapped_column(String(120))
    glm_on: Mapped[date | None] = mapped_column(Date)
    glm_note: Mapped[str | None] = mapped_column(Text)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_version.id"), index=True)

    activity = relationship("Activity")
    proposed_output = relationship("Output")
    proposing_body = relationship("Body")
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])
    sag_by = relationship("User", foreign_keys=[sag_by_id])
    glm_recorded_by = relationship("User", foreign_keys=[glm_recorded_by_id])
    glm_period = relationship("ReportingPeriod")
    version = relationship("PlanVersion")

    @property
    def is_open(self) -> bool:
        """True while the amendment waits for the SAG or the GLM."""
        return self.state in OPEN_STATES

    @property
    def rejected_at_glm(self) -> bool:
        """True when the GLM plenary (not the SAG) rejected it."""
        return self.state == "rejected" and self.glm_recorded_at is not None

    @property
    def code(self) -> str:
        """The code of the activity concerned (the proposed code for a new activity)."""
        if self.activity is not None:
            return self.activity.code
        return self.proposed_code or ""
