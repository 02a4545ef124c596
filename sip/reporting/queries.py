"""Reading reports for the overview pages, the periods page and an activity's history, in constant queries."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from sip.accounts.models import Membership, User
from sip.bodies.models import Body
from sip.extensions import db
from sip.plan.models import Activity, Responsibility, Strategy
from sip.reporting.models import REPORT_STATES, ActivityUpdate, GroupReport, ReportingPeriod
from sip.reporting import statuses
from sip.reporting.services import CLOSED_STATUSES, parse_period_code

# The bodies that present quarterly reports: the working groups and the SAG.
REPORTING_KINDS = ("working_group", "advisory_group")
# States in which a report is with the secretariat or done: never late.
DELIVERED_STATES = ("submitted", "accepted")
MATRIX_COLUMNS = 8
VIEWER_PERIODS = 4


def _rank():
    """SQL expression ordering periods in time (2026-Q4 → 20264)."""
    return ReportingPeriod.year * 10 + ReportingPeriod.quarter


def rank_of(code: str) -> int:
    """The rank of a period code ("2026-Q4" → 20264); ReportError for anything else."""
    year, quarter = parse_period_code(code)
    return year * 10 + quarter


def is_late(state: str, period: ReportingPeriod, today: date | None = None) -> bool:
    """True when the period's due date has passed and the report is neither submitted nor accepted."""
    today = today or date.today()
    return period.due_on is not None and period.due_on < today and state not in DELIVERED_STATES


@dataclass
class ReportStatus:
    """A body's report for a period as the overview shows it."""

    body: Body
    period: ReportingPeriod
    state: str  # missing | draft | submitted | returned | accepted
    late: bool = False
    outstanding: int | None = None  # activities that still need an update (lists of one's own reports only)

    @property
    def label(self) -> str:
        """The state in the reader's language."""
        return str(REPORT_STATES[self.state])


def _status(body: Body, period: ReportingPeriod, state: str | None, today: date) -> ReportStatus:
    """The status of a report in a state (None: nobody has saved one)."""
    state = state or "missing"
    return ReportStatus(body, period, state, is_late(state, period, today))


# --- who is looking -----------------------------------------------------------------------------


def load_person(user_id: int) -> User | None:
    """The signed-in person with memberships and their bodies loaded, so role checks need no more queries."""
    query = select(User).where(User.id == user_id).options(selectinload(User.memberships).selectinload(Membership.body))
    return db.session.scalar(query)


def reporting_bodies_of(user: User, today: date | None = None) -> list[Body]:
    """The working groups and the SAG the person belongs to today (memberships already loaded)."""
    today = today or date.today()
    bodies = {m.body.id: m.body for m in user.current_memberships(today)
              if m.body.kind in REPORTING_KINDS and m.body.is_active}
    return sorted(bodies.values(), key=lambda b: (b.kind != "working_group", b.slug))


# --- one's own reports --------------------------------------------------------------------------


def open_periods(strategy: Strategy) -> list[ReportingPeriod]:
    """The strategy's open periods, newest first."""
    query = (select(ReportingPeriod)
             .where(ReportingPeriod.strategy_id == strategy.id, ReportingPeriod.state == "open")
             .order_by(_rank().desc()))
    return list(db.session.scalars(query))


def _update_done():
    """SQL condition: an update says what it must (a status, and new achievements or "no progress")."""
    has_status = and_(ActivityUpdate.status.is_not(None), ActivityUpdate.status != "")
    has_news = and_(func.trim(ActivityUpdate.achievements) != "", ActivityUpdate.carried.is_(False))
    return and_(has_status, or_(ActivityUpdate.no_progress.is_(True), has_news))


def reportable_counts(body_ids: list[int]) -> dict[int, int]:
    """How many activities each body reports on (as `services.reportable_activities`): one query."""
    if not body_ids:
        return {}
    latest = (select(ReportingPeriod.id).where(ReportingPeriod.strategy_id == Activity.strategy_id)
              .order_by(_rank().desc()).limit(1).correlate(Activity).scalar_subquery())
    query = statuses.join_current(
        select(Responsibility.body_id, func.count(func.distinct(Activity.id)))
        .join(Activity, Responsibility.activity_id == Activity.id), latest
    ).where(Responsibility.body_id.in_(body_ids), Activity.retired_on.is_(None),
            statuses.current_status_column().not_in(CLOSED_STATUSES)).group_by(Responsibility.body_id)
    return dict(db.session.execute(query).all())


def my_reports(bodies: list[Body], strategy: Strategy, today: date | None = None) -> list[ReportStatus]:
    """Each body's report for each open period, newest period first, with what still needs an update.

    An activity still needs an update when the report has none for it, or its update lacks a status, or it
    repeats last quarter's text unchanged (carried) without the "no progress this quarter" tick: the same
    rules as submitting. Three queries, whatever the number of bodies and periods.
    """
    today = today or date.today()
    periods = open_periods(strategy)
    if not bodies or not periods:
        return []
    body_ids = [b.id for b in bodies]
    needs = case((ActivityUpdate.id.is_(None), 0), (_update_done(), 0), else_=1)
    query = (
        select(GroupReport.body_id, GroupReport.period_id, GroupReport.state, func.count(ActivityUpdate.id),
               func.coalesce(func.sum(needs), 0))
        .outerjoin(ActivityUpdate, ActivityUpdate.report_id == GroupReport.id)
        .where(GroupReport.body_id.in_(body_ids), GroupReport.period_id.in_([p.id for p in periods]))
        .group_by(GroupReport.id, GroupReport.body_id, GroupReport.period_id, GroupReport.state)
    )
    reports = {(body_id, period_id): (state, updates, pending)
               for body_id, period_id, state, updates, pending in db.session.execute(query)}
    reportable = reportable_counts(body_ids)
    rows = []
    for period in periods:
        for body in bodies:
            state, updates, pending = reports.get((body.id, period.id), (None, 0, 0))
            status = _status(body, period, state, today)
            # A report without updates covers the body's activities, none of them written yet.
            status.outstanding = int(pending) if updates else reportable.get(body.id, 0)
            rows.append(status)
    return rows


# --- the secretariat's matrix -------------------------------------------------------------------


@dataclass
class Matrix:
    """Bodies × periods (newest first), each cell a report status."""

    bodies: list[Body]
    periods: list[ReportingPeriod]
    rows: list[tuple[Body, list[ReportStatus]]] = field(default_factory=list)
    older: str | None = None  # the code to ask for older periods with (?before=), when there are some
    newer: bool = False  # True when newer periods exist than the ones shown


def reporting_bodies(today: date | None = None) -> list[Body]:
    """The active working groups and advisory groups: the bodies that present reports (one query)."""
    today = today or date.today()
    query = (
        select(Body)
        .where(Body.kind.in_(REPORTING_KINDS), or_(Body.dissolved_on.is_(None), Body.dissolved_on > today))
        .order_by(Body.kind.desc(), Body.slug)  # working groups first, then the SAG
    )
    return list(db.session.scalars(query))


def report_matrix(strategy: Strategy, before: int | None = None, today: date | None = None,
                  columns: int = MATRIX_COLUMNS) -> Matrix:
    """The open and closed periods (newest first, `columns` of them, older than `before`) × reporting bodies.

    Three queries: bodies, periods, and the reports of the shown periods.
    """
    today = today or date.today()
    bodies = reporting_bodies(today)
    conditions = [ReportingPeriod.strategy_id == strategy.id, ReportingPeriod.state.in_(("open", "closed"))]
    if before is not None:
        conditions.append(_rank() < before)
    query = select(ReportingPeriod).where(*conditions).order_by(_rank().desc()).limit(columns + 1)
    periods = list(db.session.scalars(query))
    matrix = Matrix(bodies, periods[:columns], newer=before is not None)
    if len(periods) > columns:
        matrix.older = matrix.periods[-1].code
    if not matrix.periods or not bodies:
        return matrix
    states = dict(((body_id, period_id), state) for body_id, period_id, state in db.session.execute(
        select(GroupReport.body_id, GroupReport.period_id, GroupReport.state)
        .where(GroupReport.period_id.in_([p.id for p in matrix.periods]))
    ))
    matrix.rows = [(body, [_status(body, period, states.get((body.id, period.id)), today) for period in matrix.periods])
                   for body in bodies]
    return matrix


# --- what a viewer reads ------------------------------------------------------------------------


def accepted_reports(strategy: Strategy,
                     periods: int = VIEWER_PERIODS) -> list[tuple[ReportingPeriod, list[GroupReport]]]:
    """The accepted reports of the latest open or closed periods, newest period first (two queries)."""
    recent = list(db.session.scalars(
        select(ReportingPeriod)
        .where(ReportingPeriod.strategy_id == strategy.id, ReportingPeriod.state.in_(("open", "closed")))
        .order_by(_rank().desc())
        .limit(periods)
    ))
    if not recent:
        return []
    query = (
        select(GroupReport)
        .join(GroupReport.body)
        .where(GroupReport.state == "accepted", GroupReport.period_id.in_([p.id for p in recent]))
        .order_by(Body.kind.desc(), Body.slug)
        .options(contains_eager(GroupReport.body))
    )
    by_period: dict[int, list[GroupReport]] = {p.id: [] for p in recent}
    for report in db.session.scalars(query):
        by_period[report.period_id].append(report)
    return [(period, by_period[period.id]) for period in recent]


# --- the periods page ---------------------------------------------------------------------------


@dataclass
class PeriodRow:
    """A period on the periods page, with how many reports are in each state."""

    period: ReportingPeriod
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """How many reports the period has, whatever their state."""
        return sum(self.counts.values())


def period_rows(strategy: Strategy) -> list[PeriodRow]:
    """Every period of the strategy in time order, with its reports counted by state (two queries)."""
    periods = list(db.session.scalars(
        select(ReportingPeriod).where(ReportingPeriod.strategy_id == strategy.id).order_by(_rank())
    ))
    counts: dict[int, dict[str, int]] = {p.id: {} for p in periods}
    query = (
        select(GroupReport.period_id, GroupReport.state, func.count())
        .join(ReportingPeriod, GroupReport.period_id == ReportingPeriod.id)
        .where(ReportingPeriod.strategy_id == strategy.id)
        .group_by(GroupReport.period_id, GroupReport.state)
    )
    for period_id, state, count in db.session.execute(query):
        counts[period_id][state] = count
    return [PeriodRow(period, counts[period.id]) for period in periods]


# --- an activity's history ----------------------------------------------------------------------


def activity_history(activity: Activity) -> list[ActivityUpdate]:
    """The accepted updates of an activity, newest period first, with report, period and body (one query)."""
    query = (
        select(ActivityUpdate)
        .join(ActivityUpdate.report)
        .join(GroupReport.period)
        .join(GroupReport.body)
        .where(ActivityUpdate.activity_id == activity.id, GroupReport.state == "accepted")
        .order_by(_rank().desc(), Body.slug)
        .options(contains_eager(ActivityUpdate.report).contains_eager(GroupReport.period),
                 contains_eager(ActivityUpdate.report).contains_eager(GroupReport.body))
    )
    return list(db.session.scalars(query).unique())
