"""The end-of-strategy report's figures as pandas DataFrames, one function per table, and `closing_report` bundling
them for a strategy's whole period (the current strategy so far, or a closed one).

Every status comes from the one status table (sip.reporting.statuses): the status at the close is each activity's
current status (`current_statuses`, the latest quarter's row), progress over time is read from the rows of each
quarter (`as_of_query`); nothing here works a status out another way. Reporting compliance is the dashboards'
frame (sip.dashboards.data.compliance, in the words of sip.reporting.delivery). Labels are codes and slugs;
bilingual text comes as `*_fr` / `*_en` columns, each falling back to the other language. No Flask request here and
a constant number of queries per table, whatever the size of the plan.
"""
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import select

from sip.cycles.models import CarryOver
from sip.dashboards import data
from sip.dashboards.selection import Periods
from sip.extensions import db
from sip.governance.models import Amendment
from sip.meetings.models import Decision
from sip.plan.models import Activity, Outcome, Output, Pillar, Strategy
from sip.reporting.delivery import DELIVERY_STATES
from sip.reporting.models import ActivityStatus, ReportingPeriod
from sip.reporting.statuses import as_of_query, current_statuses, latest_period_id

COMPLETED_COLUMNS = ["period", "pillar", "outcome", "newly_completed", "completed_to_date"]
CLOSE_COLUMNS = ["code", "activity_id", "pillar", "outcome", "output", "text_fr", "text_en", "status",
                 "reported_in", "in_plan", "retired_on"]
DUE_STATES = ("on_time", "late", "overdue", "missing")  # the quarters a report was expected by (as the pack counts)
COMPLIANCE_SUMMARY_COLUMNS = ["body", "body_name_fr", "body_name_en", *DELIVERY_STATES, "due", "on_time_rate"]
AMENDMENT_COLUMNS = ["number", "kind", "code", "text_fr", "text_en", "state", "proposed_on", "sag_on", "glm",
                     "glm_name_fr", "glm_name_en", "glm_on", "outcome", "method", "votes_for", "votes_against",
                     "votes_abstaining"]
GLM_COLUMNS = ["glm", "glm_name_fr", "glm_name_en", "glm_on", "verified", "rejected"]
CARRY_COLUMNS = ["code", "activity_id", "text_fr", "text_en", "decision", "to_code", "to_strategy", "to_text_fr",
                 "to_text_en", "reason_fr", "reason_en", "decided_on"]


def _text(text: dict | None, lang: str) -> str:
    """Bilingual text in `lang`, falling back to the other language, "" when there is none."""
    if not text:
        return ""
    return text.get(lang) or text.get("en" if lang == "fr" else "fr") or ""


def _empty(columns: list[str]) -> pd.DataFrame:
    """A frame with these columns and no row."""
    return pd.DataFrame({column: [] for column in columns})


def _rank(period) -> object:
    """SQL expression ordering periods in time (2026-Q4 → 20264)."""
    return period.year * 10 + period.quarter


def _code(rank: int) -> str:
    """The period code of a rank (20263 → "2026-Q3")."""
    return f"{rank // 10}-Q{rank % 10}"


def _day(moment) -> date | None:
    """The day of a stored time (None stays None)."""
    return moment.date() if moment is not None else None


# --- the strategy and its quarters -------------------------------------------------------------------------------


def reported_strategy(slug: str) -> Strategy | None:
    """The strategy a report can be made of: the current or a closed one by its slug (a draft has none). One
    query."""
    return db.session.scalar(select(Strategy).where(Strategy.slug == slug, Strategy.state != "draft"))


def report_periods(strategy: Strategy) -> tuple[list[ReportingPeriod], str]:
    """The quarters the report covers: every quarter of the strategy that has opened, in time order (the quarters
    still to come say nothing yet); and the code of the strategy's last quarter, whose rows of the status table are
    the statuses at the close ("" when it has no quarter). One query."""
    every = Periods.of(strategy).all
    return [period for period in every if period.state != "upcoming"], every[-1].code if every else ""


# --- progress -----------------------------------------------------------------------------------


def completed_over_time(strategy: Strategy, periods: list[ReportingPeriod]) -> pd.DataFrame:
    """How many activities were completed, per outcome, quarter by quarter.

    Columns: period ("2026-Q3"), pillar, outcome, newly_completed (activities whose row of the status table says
    completed for the first time that quarter), completed_to_date (the running total: completed by then, even if
    retired since). Every outcome of the plan × every quarter, 0 where none; plan order, then time. Two queries.
    """
    outcomes = db.session.execute(
        select(Pillar.number, Outcome.code).join(Outcome, Outcome.pillar_id == Pillar.id)
        .where(Pillar.strategy_id == strategy.id).order_by(Pillar.number, Outcome.position, Outcome.id)
    ).all()
    period_ids = [period.id for period in periods]
    if not period_ids or not outcomes:
        return _empty(COMPLETED_COLUMNS)
    rows = as_of_query(period_ids).subquery("as_of")
    found = db.session.execute(
        select(Pillar.number, Outcome.code, rows.c.activity_id, _rank(ReportingPeriod))
        .join(Activity, Activity.id == rows.c.activity_id)
        .join(Output, Activity.output_id == Output.id)
        .join(Outcome, Output.outcome_id == Outcome.id)
        .join(Pillar, Outcome.pillar_id == Pillar.id)
        .join(ReportingPeriod, ReportingPeriod.id == rows.c.period_id)
        .where(Activity.strategy_id == strategy.id, rows.c.status == "completed")
    ).all()
    first: dict[int, tuple[int, str, int]] = {}  # activity → (pillar, outcome, the first quarter it was completed)
    for pillar, outcome, activity_id, rank in found:
        if activity_id not in first or rank < first[activity_id][2]:
            first[activity_id] = (int(pillar), outcome, int(rank))
    newly: dict[tuple[int, str, int], int] = {}
    for key in first.values():
        newly[key] = newly.get(key, 0) + 1
    ranks = [period.year * 10 + period.quarter for period in periods]
    cells = []
    for pillar, outcome in outcomes:
        total = 0
        for rank in ranks:
            count = newly.get((int(pillar), outcome, rank), 0)
            total += count
            cells.append((_code(rank), int(pillar), outcome, count, total))
    return pd.DataFrame({
        "period": [c[0] for c in cells],
        "pillar": np.array([c[1] for c in cells], dtype="int64"),
        "outcome": [c[2] for c in cells],
        "newly_completed": np.array([c[3] for c in cells], dtype="int64"),
        "completed_to_date": np.array([c[4] for c in cells], dtype="int64"),
    }, columns=COMPLETED_COLUMNS)


def completed_by_pillar(completed: pd.DataFrame) -> pd.DataFrame:
    """completed_over_time summed over each pillar's outcomes: period, pillar, newly_completed, completed_to_date.
    No query."""
    if completed.empty:
        return _empty(["period", "pillar", "newly_completed", "completed_to_date"])
    summed = (completed.groupby(["pillar", "period"], sort=False)[["newly_completed", "completed_to_date"]]
              .sum().reset_index())
    return summed[["period", "pillar", "newly_completed", "completed_to_date"]]


# --- statuses at the close ----------------------------------------------------------------------


def statuses_at_close(strategy: Strategy) -> pd.DataFrame:
    """Every activity of the strategy with its status at the close: its current status, read from the status table
    by sip.reporting.statuses.current_statuses.

    Columns: code, activity_id, pillar, outcome, output, text_fr, text_en, status, reported_in (the quarter of the
    accepted update that set it, "" for the plan's own status), in_plan (True when it has a row in the strategy's
    last quarter, i.e. it is in the dashboards' picture of that quarter), retired_on (a date, or None). Plan order.
    Four queries.
    """
    plan = db.session.execute(
        select(Activity.id, Activity.code, Activity.text, Activity.retired_on, Pillar.number, Outcome.code,
               Output.code)
        .join(Output, Activity.output_id == Output.id)
        .join(Outcome, Output.outcome_id == Outcome.id)
        .join(Pillar, Outcome.pillar_id == Pillar.id)
        .where(Activity.strategy_id == strategy.id)
        .order_by(Pillar.number, Outcome.position, Output.position, Activity.position, Activity.id)
    ).all()
    if not plan:
        return _empty(CLOSE_COLUMNS)
    current = current_statuses(strategy.id)
    last = latest_period_id(strategy.id)
    in_last = set(db.session.scalars(select(ActivityStatus.activity_id).where(ActivityStatus.period_id == last)))
    return pd.DataFrame({
        "code": [r[1] for r in plan],
        "activity_id": np.array([r[0] for r in plan], dtype="int64"),
        "pillar": np.array([r[4] for r in plan], dtype="int64"),
        "outcome": [r[5] for r in plan],
        "output": [r[6] for r in plan],
        "text_fr": [_text(r[2], "fr") for r in plan],
        "text_en": [_text(r[2], "en") for r in plan],
        "status": [current[r[0]].status for r in plan],
        "reported_in": [current[r[0]].reported_in or "" for r in plan],
        "in_plan": np.array([r[0] in in_last for r in plan], dtype="bool"),
        "retired_on": pd.Series([r[3] for r in plan], dtype="object"),
    }, columns=CLOSE_COLUMNS)


def status_counts_at_close(statuses: pd.DataFrame) -> pd.DataFrame:
    """How many activities of the plan at the close are in each status, per pillar: the dashboards'
    status_counts of the activities in the last quarter. Columns: pillar, status, count. No query."""
    return data.status_counts(statuses[statuses["in_plan"]] if not statuses.empty else statuses)


# --- reporting compliance -----------------------------------------------------------------------


def compliance(strategy: Strategy, periods: list[ReportingPeriod], today: date) -> pd.DataFrame:
    """Each reporting body × each quarter covered, with where its report stands: the dashboards' frame
    (body, body_name_fr, body_name_en, period, state). Three queries."""
    return data.compliance(strategy, periods, today)


def compliance_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Per body over all the quarters: how many reports are in each delivery state, how many were due (on time,
    late, overdue or missing) and the on-time rate in % (None when none was due). Bodies in the frame's order."""
    if frame.empty:
        return _empty(COMPLIANCE_SUMMARY_COLUMNS)
    counts = pd.crosstab(frame["body"], frame["state"]).reindex(columns=list(DELIVERY_STATES), fill_value=0)
    names = frame.drop_duplicates("body").set_index("body")[["body_name_fr", "body_name_en"]]
    summary = names.join(counts).fillna(0).reset_index()
    for state in DELIVERY_STATES:
        summary[state] = summary[state].astype("int64")
    summary["due"] = summary[list(DUE_STATES)].sum(axis=1).astype("int64")
    summary["on_time_rate"] = pd.Series(
        [round(100 * on_time / due) if due else None for on_time, due in zip(summary["on_time"], summary["due"],
                                                                           strict=True)], dtype="object")
    return summary[COMPLIANCE_SUMMARY_COLUMNS]


# --- amendments ---------------------------------------------------------------------------------


def amendments(strategy: Strategy) -> pd.DataFrame:
    """Every amendment of the strategy with the decisions on it: the SAG's, and the GLM's (the plenary's decision
    recorded at the GLM meeting; an amendment verified before meetings were kept says so as its method).

    Columns: number, kind, code, text_fr, text_en (what it proposes, else the activity's text), state (proposed |
    endorsed | rejected | applied), proposed_on, sag_on, glm (the GLM's quarter, "" when no GLM decided),
    glm_name_fr, glm_name_en, glm_on, outcome (verified | rejected | ""), method (consensus | vote | unrecorded |
    ""), votes_for, votes_against, votes_abstaining (None unless by vote). By GLM in time order, undecided last,
    then by number. One query.
    """
    found = db.session.execute(
        select(Amendment, Activity.code, Activity.text, ReportingPeriod, Decision)
        .outerjoin(Activity, Amendment.activity_id == Activity.id)
        .outerjoin(ReportingPeriod, Amendment.glm_period_id == ReportingPeriod.id)
        .outerjoin(Decision, Decision.amendment_id == Amendment.id)
        .where(Amendment.strategy_id == strategy.id)
        .order_by(Amendment.id)
    ).all()
    rows = []
    for amendment, code, activity_text, glm, decision in found:
        decided = amendment.state == "applied" or amendment.rejected_at_glm
        outcome = decision.outcome if decision is not None and decision.outcome else (
            ("verified" if amendment.state == "applied" else "rejected") if decided else "")
        text = amendment.proposed_text or activity_text
        names = (glm.glm_names or {}) if glm is not None else {}
        rows.append({
            "number": amendment.id, "kind": amendment.kind, "code": code or amendment.proposed_code or "",
            "text_fr": _text(text, "fr"), "text_en": _text(text, "en"), "state": amendment.state,
            "proposed_on": _day(amendment.proposed_at), "sag_on": _day(amendment.sag_at),
            "glm": glm.code if glm is not None else "",
            "glm_name_fr": _text(names, "fr"), "glm_name_en": _text(names, "en"),
            "glm_on": amendment.glm_on, "outcome": outcome,
            "method": decision.method if decision is not None else ("unrecorded" if decided else ""),
            "votes_for": decision.votes_for if decision is not None else None,
            "votes_against": decision.votes_against if decision is not None else None,
            "votes_abstaining": decision.votes_abstaining if decision is not None else None,
            "_order": (glm.year * 10 + glm.quarter) if glm is not None else 10 ** 6,
        })
    if not rows:
        return _empty(AMENDMENT_COLUMNS)
    rows.sort(key=lambda row: (row["_order"], row["number"]))
    frame = pd.DataFrame(rows)
    for column in ("proposed_on", "sag_on", "glm_on", "votes_for", "votes_against", "votes_abstaining"):
        frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
    return frame[AMENDMENT_COLUMNS].reset_index(drop=True)


def amendments_by_glm(frame: pd.DataFrame) -> pd.DataFrame:
    """Per GLM that decided on amendments: how many it verified and how many it rejected. Columns: glm,
    glm_name_fr, glm_name_en, glm_on (the latest decision's day), verified, rejected. Time order. No query."""
    decided = frame[frame["glm"] != ""] if not frame.empty else frame
    if decided.empty:
        return _empty(GLM_COLUMNS)
    rows = []
    for glm, group in decided.groupby("glm", sort=False):
        days = [day for day in group["glm_on"] if day is not None]
        rows.append({"glm": glm, "glm_name_fr": group["glm_name_fr"].iloc[0],
                     "glm_name_en": group["glm_name_en"].iloc[0], "glm_on": max(days) if days else None,
                     "verified": int((group["outcome"] == "verified").sum()),
                     "rejected": int((group["outcome"] == "rejected").sum())})
    return pd.DataFrame(rows, columns=GLM_COLUMNS)


# --- carried into the next plan -----------------------------------------------------------------


def carry_over(strategy: Strategy) -> pd.DataFrame:
    """What the secretariat decided for the strategy's activities in the next plan (sip.cycles.models.CarryOver).

    Columns: code, activity_id, text_fr, text_en (the closing plan's activity), decision (continue | merge |
    completed | discontinued), to_code, to_strategy (the next plan's slug), to_text_fr, to_text_en ("" when it
    closed), reason_fr, reason_en, decided_on. Plan order; no row until something is decided. One query.
    """
    target = db.aliased(Activity)
    target_strategy = db.aliased(Strategy)
    found = db.session.execute(
        select(CarryOver, Activity.id, Activity.code, Activity.text, target.code, target.text, target_strategy.slug)
        .join(Activity, CarryOver.from_activity_id == Activity.id)
        .join(Output, Activity.output_id == Output.id)
        .join(Outcome, Output.outcome_id == Outcome.id)
        .join(Pillar, Outcome.pillar_id == Pillar.id)
        .outerjoin(target, CarryOver.to_activity_id == target.id)
        .outerjoin(target_strategy, target.strategy_id == target_strategy.id)
        .where(Activity.strategy_id == strategy.id)
        .order_by(Pillar.number, Outcome.position, Output.position, Activity.position, Activity.id)
    ).all()
    if not found:
        return _empty(CARRY_COLUMNS)
    return pd.DataFrame([{
        "code": code, "activity_id": activity_id, "text_fr": _text(text, "fr"), "text_en": _text(text, "en"),
        "decision": carry.decision, "to_code": to_code or "", "to_strategy": to_slug or "",
        "to_text_fr": _text(to_text, "fr"), "to_text_en": _text(to_text, "en"),
        "reason_fr": _text(carry.reason, "fr"), "reason_en": _text(carry.reason, "en"),
        "decided_on": _day(carry.decided_at),
    } for carry, activity_id, code, text, to_code, to_text, to_slug in found], columns=CARRY_COLUMNS)


# --- the whole report ---------------------------------------------------------------------------


@dataclass
class ClosingReport:
    """The end-of-strategy report's tables for one strategy, as DataFrames (presentation is report_files')."""

    strategy: Strategy
    periods: list[ReportingPeriod]
    close_period: str  # the strategy's last quarter, whose statuses are those at the close
    today: date
    completed: pd.DataFrame
    completed_by_pillar: pd.DataFrame
    statuses: pd.DataFrame
    status_counts: pd.DataFrame
    compliance: pd.DataFrame
    compliance_summary: pd.DataFrame
    amendments: pd.DataFrame
    amendments_by_glm: pd.DataFrame
    carry_over: pd.DataFrame

    @property
    def first(self) -> str:
        """The first quarter covered ("" when none has opened)."""
        return self.periods[0].code if self.periods else ""

    @property
    def last(self) -> str:
        """The last quarter covered ("" when none has opened)."""
        return self.periods[-1].code if self.periods else ""


def closing_report(strategy: Strategy, today: date | None = None) -> ClosingReport:
    """Every table of the end-of-strategy report of this strategy, over the quarters it has opened."""
    today = today or date.today()
    periods, close_period = report_periods(strategy)
    completed = completed_over_time(strategy, periods)
    statuses = statuses_at_close(strategy)
    reporting = compliance(strategy, periods, today)
    changes = amendments(strategy)
    return ClosingReport(
        strategy=strategy, periods=periods, close_period=close_period, today=today, completed=completed,
        completed_by_pillar=completed_by_pillar(completed), statuses=statuses,
        status_counts=status_counts_at_close(statuses), compliance=reporting,
        compliance_summary=compliance_summary(reporting), amendments=changes,
        amendments_by_glm=amendments_by_glm(changes), carry_over=carry_over(strategy))
