"""The plan: strategy → pillars → outcomes → outputs → activities, with responsibilities."""
import unicodedata
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sip.extensions import db

STATUSES = {
    "planned": _l("Planned"),
    "on_track": _l("On track"),
    "at_risk": _l("At risk"),
    "delayed": _l("Delayed"),
    "completed": _l("Completed"),
    "discontinued": _l("Discontinued"),
}
# An activity in one of these needs no more reports; everything that asks "is it finished?" reads this one tuple.
CLOSED_STATUSES = ("completed", "discontinued")

ROLES = {
    "lead": _l("Lead"),
    "contributor": _l("Contributor"),
    "organiser": _l("Organiser"),
    "participant": _l("Participant"),
}


def fold(text: str) -> str:
    """Lower-case text without accents, so that "preparation" finds "préparation"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def search_text(code: str, text: dict | None) -> str:
    """What a search of the plan looks in: the code and the text in every language, folded."""
    return fold(" ".join([code or "", *(text or {}).values()]))


def _search_text_default(context) -> str:
    """Column default: the search text of the row being inserted (works for bulk inserts too)."""
    row = context.get_current_parameters()
    return search_text(row.get("code"), row.get("text"))


def _strategy_slug_default(context) -> str:
    """Column default: the strategy's years ("2022-2026"), or its code when another strategy has those years."""
    row = context.get_current_parameters()
    years = f"{row['starts_on'].year}-{row['ends_on'].year}"
    taken = context.connection.execute(text("SELECT 1 FROM strategy WHERE slug = :slug"), {"slug": years}).first()
    return row["code"][:40] if taken else years


def _strategy_state_default(context) -> str:
    """Column default: the first strategy loaded is the current one, any later one a draft until it is opened."""
    current = context.connection.execute(text("SELECT 1 FROM strategy WHERE state = 'current'")).first()
    return "draft" if current else "current"


# A strategy's life: a draft being prepared (the next plan, imported or copied), the current one (exactly one at most:
# every page without /s/<slug>/ in its address shows it), or closed (read-only, kept with everything it had).
STRATEGY_STATES = {
    "draft": _l("Draft"),
    "current": _l("Current"),
    "closed": _l("Closed"),
}


class Strategy(db.Model):
    """A strategy and its implementation plan (the seed is the GLC 2022–2026 plan)."""

    __tablename__ = "strategy"
    # At most one current strategy, held by the database itself (a partial unique index, SQLite and PostgreSQL).
    __table_args__ = (Index("uq_strategy_one_current", "state", unique=True,
                            sqlite_where=text("state = 'current'"), postgresql_where=text("state = 'current'")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    # The strategy's name in addresses (/s/2022-2026/plan): its first and last years.
    slug: Mapped[str] = mapped_column(String(40), unique=True, default=_strategy_slug_default)
    state: Mapped[str] = mapped_column(String(12), default=_strategy_state_default)
    opened_at = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at = mapped_column(DateTime(timezone=True), nullable=True)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    # The secretariat's closing notes, in both languages: the one thing still written once the strategy is closed.
    closing_notes: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # The strategy this one follows (its unfinished activities are carried over into this one).
    predecessor_id: Mapped[int | None] = mapped_column(ForeignKey("strategy.id"), nullable=True)
    title: Mapped[dict] = mapped_column(JSON)
    revision: Mapped[dict | None] = mapped_column(JSON)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    sections: Mapped[list] = mapped_column(JSON, default=list)
    commitments_intro: Mapped[dict | None] = mapped_column(JSON)

    @property
    def closed(self) -> bool:
        """True once the strategy is closed: nothing of it can change but its closing notes."""
        return self.state == "closed"

    @property
    def years(self) -> str:
        """"2022–2026", as people name the strategy."""
        return f"{self.starts_on.year}–{self.ends_on.year}"

    pillars = relationship("Pillar", back_populates="strategy", order_by="Pillar.number")
    predecessor = relationship("Strategy", remote_side=[id], foreign_keys=[predecessor_id])
    commitments = relationship("Commitment", order_by="Commitment.number")
    glossary = relationship("GlossaryTerm", order_by="GlossaryTerm.position")


class Pillar(db.Model):
    """One of the strategy's pillars, with its goal."""

    __tablename__ = "pillar"
    __table_args__ = (UniqueConstraint("strategy_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategy.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[dict] = mapped_column(JSON)
    goal: Mapped[dict] = mapped_column(JSON)

    strategy = relationship("Strategy", back_populates="pillars")
    outcomes = relationship("Outcome", back_populates="pillar", order_by="Outcome.position")


class Outcome(db.Model):
    """An outcome ("Réalisation") of a pillar, coded as printed, e.g. "1.1"."""

    __tablename__ = "outcome"
    __table_args__ = (UniqueConstraint("pillar_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillar.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    text: Mapped[dict] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer)

    pillar = relationship("Pillar", back_populates="outcomes")
    outputs = relationship("Output", back_populates="outcome", order_by="Output.position")


class Output(db.Model):
    """An output ("Produit") of an outcome, coded as printed, e.g. "2.3.3"."""

    __tablename__ = "output"
    __table_args__ = (UniqueConstraint("outcome_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(ForeignKey("outcome.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    text: Mapped[dict] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer)

    outcome = relationship("Outcome", back_populates="outputs")
    activities = relationship("Activity", back_populates="output", order_by="Activity.position")


class Activity(db.Model):
    """An activity of an output, coded as printed (people cite "2.3.2.1" in meetings)."""

    __tablename__ = "activity"
    __table_args__ = (UniqueConstraint("strategy_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategy.id"), index=True)
    output_id: Mapped[int] = mapped_column(ForeignKey("output.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    text: Mapped[dict] = mapped_column(JSON)
    # What the plan itself says (planned; completed when the source prints TERMINÉ; completed or discontinued once
    # retired), never the progress reported: an activity's current status is sip.reporting.statuses'.
    plan_status: Mapped[str] = mapped_column("status", String(20), default="planned")
    position: Mapped[int] = mapped_column(Integer)
    added_on: Mapped[date | None] = mapped_column(Date)  # None: in the plan from the start
    retired_on: Mapped[date | None] = mapped_column(Date)
    # The one body whose quarterly report sets the activity's status (the "A" of a RACI matrix).
    accountable_body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"), index=True)
    footnote: Mapped[dict | None] = mapped_column(JSON)
    footnote_url: Mapped[str | None] = mapped_column(String(500))
    search_text: Mapped[str] = mapped_column(Text, default=_search_text_default)

    output = relationship("Output", back_populates="activities")
    accountable_body = relationship("Body", foreign_keys=[accountable_body_id])
    responsibilities = relationship(
        "Responsibility", back_populates="activity", order_by="Responsibility.position", cascade="all, delete-orphan"
    )


ACCOUNTABLE_ROLES = ("lead", "organiser")


def default_accountable(responsibilities) -> int | None:
    """The body accountable by default: the first lead or organiser, otherwise the first responsible body."""
    ordered = sorted(responsibilities, key=lambda r: (r.position or 0, r.id or 0))
    for responsibility in ordered:
        if responsibility.role in ACCOUNTABLE_ROLES:
            return responsibility.body_id
    return ordered[0].body_id if ordered else None


@event.listens_for(Activity, "before_update")
def _refresh_search_text(mapper, connection, activity: Activity) -> None:
    """Keep the search text in step when an activity's code or text changes."""
    activity.search_text = search_text(activity.code, activity.text)


class Responsibility(db.Model):
    """A body's part in an activity: lead, contributor, organiser or participant."""

    __tablename__ = "responsibility"
    __table_args__ = (UniqueConstraint("activity_id", "body_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    note: Mapped[dict | None] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)

    activity = relationship("Activity", back_populates="responsibilities")
    body = relationship("Body", back_populates="responsibilities")


class Commitment(db.Model):
    """One of the minimum commitments of cluster members (Annex I)."""

    __tablename__ = "commitment"
    __table_args__ = (UniqueConstraint("strategy_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategy.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[dict] = mapped_column(JSON)


class GlossaryTerm(db.Model):
    """A term of the plan's glossary, linked to the body it defines when there is one."""

    __tablename__ = "glossary_term"

    id: Mapped[int] = mapped_column(primary_key=True)
    strategy_id: Mapped[int] = mapped_column(ForeignKey("strategy.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    term: Mapped[dict] = mapped_column(JSON)
    definition: Mapped[dict] = mapped_column(JSON)
    source: Mapped[dict | None] = mapped_column(JSON)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"))

    body = relationship("Body")
