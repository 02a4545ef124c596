"""The GLM pack's own record: the executive summary (highlights) the secretariat writes for each GLM."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sip.core.models import utcnow
from sip.extensions import db


class GlmHighlights(db.Model):
    """The executive summary of a GLM's pack, in both languages ({"fr": …, "en": …}), as the secretariat saved it."""

    __tablename__ = "glm_highlights"

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("reporting_period.id", ondelete="CASCADE"), unique=True)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    period = relationship("ReportingPeriod")
