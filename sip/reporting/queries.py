"""Reading reports for the overview pages, the periods page and an activity's history, in constant queries."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, case, exists, func, or_, select, union_all
from sqlalchemy.orm import contains_eager, selectinload

from sip.accounts.models import Membership, User
from sip.bodies.models import Body
from sip.extensions import db
from sip.plan.models import Activity, Responsibility, Strategy
from sip.reporting import statuses
from sip.reporting.delivery import DELIVERY_LABELS, DELIVERY_STATES, delivery_state
from sip.reporting.permissions import files_report_for
from sip.reporting.models import REPORT_STATES, ActivityUpdate, GroupReport, ReportingPeriod
from sip.plan.models import CLOSED_STATUSES
from sip.reporting.services import parse_period_code

# The bodies that present a report every quarter even when accountable for nothing: the working groups and the
# SAG. Every other body reports when it is accountable or responsible for an open activity (`reporting_bodies`).
ALWAYS_REPORTING_KINDS = ("working_group", "advisory_group")
# Working groups first, then the support team, the cluster, the country teams, the SAG last (as the plan lists them).
KIND_ORDER = {"working_group": 0, "support_team": 1, "cluster": 2, "country_teams": 3, "advisory_group": 4}
MATRIX_COLUMNS = 8
VIEWER_PERIODS = 4


def _rank():
    """SQL expression ordering periods in time (2026-Q4 → 20264)."""
    return ReportingPeriod.year * 10 + ReportingPeriod.quarter


def rank_of(code: str) -> int:
    """The rank of a period code ("2026-Q4" → 20264); ReportError for anything else."""
    year, quarter = parse_period_code(code)
    return year * 10 + quarter


@dataclass
class ReportStatus:
    """A body's report for a period as the overview shows it: one delivery word, the report's state beside it."""

    body: Body
    period: ReportingPeriod
    state: str  # missing (nobody saved one) | draft | submitted | returned | accepted
    delivery: str = "pending"  # one of sip.reporting.delivery.DELIVERY_STATES
    outstanding: int | None = None  # activities that still need an update (lists of one's own reports only)

    @property
    def label(self) -> str:
        """Where the report stands, in the reader's language: "Overdue", "Delivered late", "Not due yet" …"""
        return str(DELIVERY_LABELS[self.delivery])

    @property
    def detail(self) -> str | None:
        """The report's own state where it adds to the delivery word ("Draft", "Returned"), else None."""
        return None if self.state == "missing" else str(REPORT_STATES[self.state])


def report_status(body: Body, period: ReportingPeriod, state: str | None, submitted_at=None,
                  today: date | None = None) -> ReportStatus:
    """Where a body's report for a period stands (state None: nobody has saved one)."""
    today = today or date.today()
    state = state or "missing"
    return ReportStatus(body, period, state, delivery_state(period.state, period.due_on, state, submitted_at, today))


# --- who reports --------------------------------------------------------------------------------


def _latest_quarter():
    """SQL: the latest quarter of the strategy of the Activity row of the enclosing query."""
    return (select(ReportingPeriod.id).where(ReportingPeriod.strategy_id == Activity.strategy_id)
            .order_by(_rank().desc()).limit(1).correlate(Activity).scalar_subquery())


def _open_in_plan():
    """SQL conditions on an Activity query passed through `statuses.join_current`: in the plan and still open."""
    return [Activity.retired_on.is_(None), statuses.current_status_column().not_in(CLOSED_STATUSES)]


def reporting_bodies(today: date | None = None) -> list[Body]:
    """The bodies that report this quarter: every active body accountable or responsible for an open activity,
    and the working groups and the SAG even with none (one query)."""
    today = today or date.today()
    responsible = select(Responsibility.activity_id).where(Responsibility.body_id == Body.id).correlate(Body)
    reports_on_something = exists(
        statuses.join_current(select(Activity.id), _latest_quarter())
        .where(*_open_in_plan(), or_(Activity.accountable_body_id == Body.id, Activity.id.in_(responsible)))
        .correlate(Body)
    )
    order = case(KIND_ORDER, value=Body.kind, else_=len(KIND_ORDER))
    query = (
        select(Body)
        .where(or_(Body.dissolved_on.is_(None), Body.dissolved_on > today),
               or_(Body.kind.in_(ALWAYS_REPORTING_KINDS), reports_on_something))
        .order_by(order, Body.slug)
        .options(selectinload(Body.focal_point))
    )
    return list(db.session.scalars(query))


# --- who is looking -----------------------------------------------------------------------------


def load_person(user_id: int) -> User | None:
    """The signed-in person with memberships and their bodies loaded, so role checks need no more queries."""
    query = select(User).where(User.id == user_id).options(selectinload(User.memberships).selectinload(Membership.body))
    return db.session.scalar(query)


def reporting_bodies_of(user: User, today: date | None = None, bodies: list[Body] | None = None) -> list[Body]:
    """The bodies a person files reports for: the reporting groups they belong to today, the bodies whose focal
    point they are and, for the secretariat, the bodies it reports for (memberships already loaded; `bodies`:
    `reporting_bodies` already read)."""
    bodies = reporting_bodies(today) if bodies is None else bodies
    return [body for body in bodies if files_report_for(user, body)]


# --- one's own reports --------------------------------------------------------------------------


def open_periods(strategy: Strategy) -> list[ReportingPeriod]:
    """The strategy's open periods, newest first."""
    query = (select(ReportingPeriod)
             .where(ReportingPeriod.strategy_id == strategy.id, ReportingPeriod.state == "open")
             .order_by(_rank().desc()))
    return list(db.session.scalars(query))


def _update_done():
    """SQL condition: an update says what it must (a status, and new achievements or "no progress"); a
    contribution note is optional, so it never holds a report back."""
    has_status = and_(ActivityUpdate.status.is_not(None), ActivityUpdate.status != "")
    has_news = and_(func.trim(ActivityUpdate.achievements) != "", ActivityUpdate.carried.is_(False))
    return or_(ActivityUpdate.contribution.is_(True),
               and_(has_status, or_(ActivityUpdate.no_progress.is_(True), has_news)))


def reportable_counts(body_ids: list[int]) -> dict[int, int]:
    """How many open activities each body is accountable for (those its report must update): one query.

    An activity that names no accountable body counts for each body responsible for it (older data)."""
    if not body_ids:
        return {}
    accountable = union_all(
        select(Activity.id.label("activity_id"), Activity.accountable_body_id.label("body_id"))
        .where(Activity.accountable_body_id.is_not(None)),
        select(Responsibility.activity_id, Responsibility.body_id)
        .join(Activity, Responsibility.activity_id == Activity.id).where(Activity.accountable_body_id.is_(None)),
    ).subquery()
    query = statuses.join_current(
        select(accountable.c.body_id, func.count(func.distinct(Activity.id)))
        .select_from(accountable).join(Activity, Activity.id == accountable.c.activity_id),
        _latest_quarter(),
    ).where(accountable.c.body_id.in_(body_ids), *_open_in_plan()).group_by(accountable.c.body_id)
    return dict(db.session.execute(query).all())


def my_reports(bodies: list[Body], strategy: Strategy, today: date | None = None) -> list[ReportStatus]:
    """Each body's report for each open period, newest period first, with what still needs an update.

    An activity still needs an update when the report has none for it, or its update lacks a status, or it
    repeats last quarter's text unchanged (carried) without the "no progress this quarter" tick: the same
    rules as submitting (contribution notes are optional). Three queries, whatever the number of bodies and
    periods.
    """
    today = today or date.today()
    periods = open_periods(strategy)
    if not bodies or not periods:
        return []
    body_ids = [b.id for b in bodies]
    needs = case((ActivityUpdate.id.is_(None), 0), (_update_done(), 0), else_=1)
    query = (
        select(GroupReport.body_id, GroupReport.period_id, GroupReport.state, GroupReport.submitted_at,
               func.count(ActivityUpdate.id), func.coalesce(func.sum(needs), 0))
        .outerjoin(ActivityUpdate, ActivityUpdate.report_id == GroupReport.id)
        .where(GroupReport.body_id.in_(body_ids), GroupReport.period_id.in_([p.id for p in periods]))
        .group_by(GroupReport.id, GroupReport.body_id, GroupReport.period_id, GroupReport.state,
                  GroupReport.submitted_at)
    )
    reports = {(body_id, period_id): (state, submitted_at, updates, pending)
               for body_id, period_id, state, submitted_at, updates, pending in db.session.execute(query)}
    reportable = reportable_counts(body_ids)
    rows = []
    for period in periods:
        for body in bodies:
            state, submitted_at, updates, pending = reports.get((body.id, period.id), (None, None, 0, 0))
            status = report_status(body, period, state, submitted_at, today)
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


def report_matrix(strategy: Strategy, before: int | None = None, today: date | None = None,
                  columns: int = MATRIX_COLUMNS, bodies: list[Body] | None = None) -> Matrix:
    """The open and closed periods (newest first, `columns` of them, older than `before`) × reporting bodies
    (`bodies`: `reporting_bodies` already read).

    Three queries: bodies, periods, and the reports of the shown periods.
    """
    today = today or date.today()
    bodies = reporting_bodies(today) if bodies is None else bodies
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
    reports = _reports_of([p.id for p in matrix.periods])
    matrix.rows = [(body, [report_status(body, period, *reports.get((body.id, period.id), (None, None)), today)
                           for period in matrix.periods])
                   for body in bodies]
    return matrix


def _reports_of(period_ids: list[int]) -> dict[tuple[int, int], tuple[str, object]]:
    """(state, submitted_at) of every report of these periods, by (body id, period id): one query."""
    return {(body_id, period_id): (state, submitted_at) for body_id, period_id, state, submitted_at in
            db.session.execute(select(GroupReport.body_id, GroupReport.period_id, GroupReport.state,
                                      GroupReport.submitted_at).where(GroupReport.period_id.in_(period_ids)))}


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
        .order_by(case(KIND_ORDER, value=Body.kind, else_=len(KIND_ORDER)), Body.slug)
        .options(contains_eager(GroupReport.body))
    )
    by_period: dict[int, list[GroupReport]] = {p.id: [] for p in recent}
    for report in db.session.scalars(query):
        by_period[report.period_id].append(report)
    return [(period, by_period[period.id]) for period in recent]


# --- the periods page ---------------------------------------------------------------------------


@dataclass
class PeriodRow:
    """A period on the periods page, with how many reporting bodies' reports stand in each delivery state."""

    period: ReportingPeriod
    counts: dict[str, int] = field(default_factory=dict)  # delivery state → reports
    to_review: int = 0  # submitted, waiting for the secretariat

    @property
    def total(self) -> int:
        """How many reports the period expects or has."""
        return sum(self.counts.values())

    def items(self) -> list[tuple[str, int]]:
        """(label, count) of the delivery states that occur, best first."""
        return [(str(DELIVERY_LABELS[state]), self.counts[state]) for state in DELIVERY_STATES
                if self.counts.get(state)]


def period_rows(strategy: Strategy, today: date | None = None) -> list[PeriodRow]:
    """Every period of the strategy in time order, with the reporting bodies' reports counted by delivery state
    (three queries; a body that no longer reports still counts where it has a report)."""
    today = today or date.today()
    periods = list(db.session.scalars(
        select(ReportingPeriod).where(ReportingPeriod.strategy_id == strategy.id).order_by(_rank())
    ))
    bodies = {b.id: b for b in reporting_bodies(today)}
    reports = _reports_of([p.id for p in periods if p.state != "upcoming"])
    rows = []
    for period in periods:
        row = PeriodRow(period)
        if period.state != "upcoming":
            expected = set(bodies) | {body_id for body_id, period_id in reports if period_id == period.id}
            for body_id in expected:
                state, submitted_at = reports.get((body_id, period.id), (None, None))
                delivery = delivery_state(period.state, period.due_on, state, submitted_at, today)
                row.counts[delivery] = row.counts.get(delivery, 0) + 1
                row.to_review += state == "submitted"
        rows.append(row)
    return rows


# --- an activity's history ----------------------------------------------------------------------


def _accepted_updates(activity: Activity):
    """SELECT the accepted updates of an activity, newest period first, with report, period and body."""
    return (
        select(ActivityUpdate)
        .join(ActivityUpdate.report)
        .join(GroupReport.period)
        .join(GroupReport.body)
        .where(ActivityUpdate.activity_id == activity.id, GroupReport.state == "accepted")
        .order_by(_rank().desc(), Body.slug)
        .options(contains_eager(ActivityUpdate.report).contains_eager(GroupReport.period),
                 contains_eager(ActivityUpdate.report).contains_eager(GroupReport.body))
    )


def activity_history(activity: Activity) -> list[ActivityUpdate]:
    """The accepted updates of an activity, newest period first, with report, period and body (one query)."""
    return list(db.session.scalars(_accepted_updates(activity)).unique())


def contributions_for(activity: Activity) -> list[ActivityUpdate]:
    """The contribution notes other responsible bodies wrote on an activity in accepted reports, newest period
    first (`u.report.body`, `u.report.period`, the note in `u.achievements`): one query."""
    query = _accepted_updates(activity).where(ActivityUpdate.contribution.is_(True))
    return list(db.session.scalars(query).unique())
