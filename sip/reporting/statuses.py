"""The one truth about progress: each activity's status per quarter (ActivityStatus), how it is written and read.

One row per activity for each quarter of the strategy in which the activity is part of the plan (added on or
before the quarter's end, not retired before its start). A row's status is that of the latest accepted update
from that quarter or an earlier one; in the quarter an activity is retired, the status it was retired as; before
any accepted update, what the plan says (planned, or completed where the plan prints TERMINÉ). Within one
quarter, the accountable body's update wins, then the report accepted last.

`refresh` rewrites the rows of some activities in the caller's transaction: accepting a report, applying an
amendment, changing who is accountable, creating periods. Everything else reads: the current status is the
latest quarter's row (`current_statuses`, `current_status_column`), a quarter's picture is `as_of`.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, delete, func, insert, select

from sip.extensions import db
from sip.plan.models import CLOSED_STATUSES, Activity
from sip.reporting.models import ActivityStatus, ActivityUpdate, GroupReport, ReportingPeriod


def _rank(period=ReportingPeriod):
    """SQL expression ordering periods in time (2026-Q4 → 20264)."""
    return period.year * 10 + period.quarter


# --- computing the rows (no database) -----------------------------------------------------------


@dataclass(frozen=True)
class Quarter:
    """A reporting period as the computation needs it."""

    id: int
    year: int
    quarter: int

    @property
    def starts_on(self) -> date:
        """First day of the quarter."""
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def ends_on(self) -> date:
        """Last day of the quarter."""
        return date(self.year + (self.quarter == 4), (3 * self.quarter) % 12 + 1, 1) - date.resolution


@dataclass(frozen=True)
class PlanFacts:
    """What the plan says of an activity: its own status, when it entered and left the plan, who is accountable."""

    id: int
    plan_status: str
    added_on: date | None
    retired_on: date | None
    accountable_body_id: int | None


@dataclass(frozen=True)
class Reported:
    """An accepted update that gives a status."""

    activity_id: int
    period_id: int
    body_id: int
    update_id: int
    status: str
    progress_pct: int | None
    reviewed_order: tuple  # sorts the reports of one quarter in the order they were accepted


def compute_rows(quarters: list[Quarter], activity: PlanFacts, updates: list[Reported]) -> list[dict]:
    """The activity's rows, quarter by quarter (quarters in time order, updates of this activity only)."""
    by_quarter: dict[int, Reported] = {}
    for update in updates:
        held = by_quarter.get(update.period_id)
        if held is None or _wins(update, held, activity.accountable_body_id):
            by_quarter[update.period_id] = update
    retired = activity.retired_on is not None
    status, progress, update_id, reported_in, source = (
        "planned" if retired else activity.plan_status, None, None, None, "plan")
    rows = []
    for quarter in quarters:
        reported = by_quarter.get(quarter.id)
        if reported is not None:
            status, progress, update_id, reported_in, source = (
                reported.status, reported.progress_pct, reported.update_id, quarter.id, "report")
        if activity.added_on is not None and activity.added_on > quarter.ends_on:
            continue  # not in the plan yet
        if retired and activity.retired_on < quarter.starts_on:
            break  # no longer in the plan
        if retired and activity.retired_on <= quarter.ends_on:
            status, source = activity.plan_status, "amendment"
        elif source == "plan" and activity.added_on is not None:
            source = "amendment"
        rows.append({"activity_id": activity.id, "period_id": quarter.id, "status": status, "progress_pct": progress,
                     "update_id": update_id, "reported_in_id": reported_in, "source": source})
    return rows


def _wins(update: Reported, held: Reported, accountable_id: int | None) -> bool:
    """Of two accepted updates of one quarter: the accountable body's, else the one accepted last."""
    mine, theirs = update.body_id == accountable_id, held.body_id == accountable_id
    if mine != theirs:
        return mine
    return update.reviewed_order > held.reviewed_order


# --- writing ------------------------------------------------------------------------------------


def refresh(strategy_id: int, activity_ids: Iterable[int] | None = None) -> int:
    """Rewrite the status rows of these activities (every activity of the strategy when None) from the plan and
    the accepted reports, in the caller's transaction; returns how many rows there are now. Four queries and two
    writes, whatever the number of activities."""
    db.session.flush()
    ids = None if activity_ids is None else sorted({int(a) for a in activity_ids})
    if ids == []:
        return 0
    quarters = [Quarter(*row) for row in db.session.execute(
        select(ReportingPeriod.id, ReportingPeriod.year, ReportingPeriod.quarter)
        .where(ReportingPeriod.strategy_id == strategy_id).order_by(_rank()))]
    scope = [Activity.strategy_id == strategy_id] + ([Activity.id.in_(ids)] if ids is not None else [])
    facts = [PlanFacts(*row) for row in db.session.execute(
        select(Activity.id, Activity.plan_status, Activity.added_on, Activity.retired_on,
               Activity.accountable_body_id).where(*scope))]
    updates: dict[int, list[Reported]] = {}
    query = (
        select(ActivityUpdate.activity_id, GroupReport.period_id, GroupReport.body_id, ActivityUpdate.id,
               ActivityUpdate.status, ActivityUpdate.progress_pct, GroupReport.reviewed_at)
        .join(GroupReport, ActivityUpdate.report_id == GroupReport.id)
        .join(ReportingPeriod, GroupReport.period_id == ReportingPeriod.id)
        .join(Activity, ActivityUpdate.activity_id == Activity.id)
        .where(*scope, ReportingPeriod.strategy_id == strategy_id, GroupReport.state == "accepted",
               ActivityUpdate.contribution.is_(False), ActivityUpdate.status.is_not(None), ActivityUpdate.status != "")
    )
    for activity_id, period_id, body_id, update_id, status, progress, reviewed_at in db.session.execute(query):
        order = (reviewed_at is not None, reviewed_at.replace(tzinfo=None) if reviewed_at else None, update_id)
        updates.setdefault(activity_id, []).append(
            Reported(activity_id, period_id, body_id, update_id, status, progress, order))
    rows = [row for activity in facts for row in compute_rows(quarters, activity, updates.get(activity.id, []))]
    if ids is None:
        db.session.execute(delete(ActivityStatus).where(
            ActivityStatus.activity_id.in_(select(Activity.id).where(Activity.strategy_id == strategy_id))))
    else:
        db.session.execute(delete(ActivityStatus).where(ActivityStatus.activity_id.in_(ids)))
    if rows:
        db.session.execute(insert(ActivityStatus), rows)
    return len(rows)


# --- reading ------------------------------------------------------------------------------------


def latest_period_id(strategy_id: int) -> int | None:
    """The strategy's latest quarter: the one whose rows are the current statuses (None before any period)."""
    return db.session.scalar(select(ReportingPeriod.id).where(ReportingPeriod.strategy_id == strategy_id)
                             .order_by(_rank().desc()).limit(1))


def join_current(query, period_id: int | None):
    """The query (on Activity) joined to each activity's row of the latest quarter, when it has one."""
    return query.outerjoin(ActivityStatus, and_(ActivityStatus.activity_id == Activity.id,
                                                ActivityStatus.period_id == period_id))


def current_status_column():
    """SQL: the current status of the Activity row of a query passed through `join_current`.

    An activity with no row in the latest quarter (retired before it, or a plan without periods yet) has the
    status the plan gives it.
    """
    return func.coalesce(ActivityStatus.status, Activity.plan_status)


@dataclass
class Current:
    """An activity's current status and where it comes from."""

    status: str
    progress_pct: int | None = None
    update_id: int | None = None
    reported_in: str | None = None  # "2026-Q3": the quarter of the accepted update that set it
    source: str = "plan"


def current_statuses(strategy_id: int, activity_ids: Iterable[int] | None = None) -> dict[int, Current]:
    """The current status of these activities (all of the strategy's when None), by activity id. Two queries."""
    latest = latest_period_id(strategy_id)
    source_period = db.aliased(ReportingPeriod)
    query = join_current(
        select(Activity.id, current_status_column(), ActivityStatus.progress_pct, ActivityStatus.update_id,
               source_period.year, source_period.quarter, func.coalesce(ActivityStatus.source, "plan")),
        latest,
    ).outerjoin(source_period, source_period.id == ActivityStatus.reported_in_id).where(
        Activity.strategy_id == strategy_id)
    if activity_ids is not None:
        query = query.where(Activity.id.in_(list(activity_ids)))
    return {
        activity_id: Current(status, progress, update_id, f"{year}-Q{quarter}" if year else None, source)
        for activity_id, status, progress, update_id, year, quarter, source in db.session.execute(query)
    }


def current_status(activity: Activity) -> Current:
    """One activity's current status."""
    return current_statuses(activity.strategy_id, [activity.id]).get(activity.id, Current(activity.plan_status))


@dataclass
class QuarterStatus:
    """An activity's status as of one quarter, for its page."""

    period: ReportingPeriod
    status: str
    progress_pct: int | None
    source: str
    reported_in_id: int | None


def by_quarter(activity: Activity) -> list[QuarterStatus]:
    """The activity's status quarter by quarter, newest first, up to the latest open or closed quarter (one query)."""
    query = (
        select(ActivityStatus, ReportingPeriod)
        .join(ReportingPeriod, ActivityStatus.period_id == ReportingPeriod.id)
        .where(ActivityStatus.activity_id == activity.id, ReportingPeriod.state != "upcoming")
        .order_by(_rank().desc())
    )
    return [QuarterStatus(period, row.status, row.progress_pct, row.source, row.reported_in_id)
            for row, period in db.session.execute(query)]


def open_status_ids(strategy_id: int, activity_ids: Iterable[int]) -> set[int]:
    """Of these activities, those whose current status is not completed or discontinued (two queries)."""
    statuses = current_statuses(strategy_id, activity_ids)
    return {a for a, current in statuses.items() if current.status not in CLOSED_STATUSES}


def as_of_query(period_ids: list[int]):
    """SELECT activity_id, period_id, status, progress_pct, update_id, reported_in rank for these quarters."""
    source_period = db.aliased(ReportingPeriod)
    return (
        select(ActivityStatus.activity_id, ActivityStatus.period_id, ActivityStatus.status,
               ActivityStatus.progress_pct, ActivityStatus.update_id,
               case((source_period.id.is_(None), 0), else_=_rank(source_period)).label("update_rank"))
        .outerjoin(source_period, source_period.id == ActivityStatus.reported_in_id)
        .where(ActivityStatus.period_id.in_(period_ids))
    )
