"""Reading the plan: filtered, paginated pages in a constant number of queries."""
from dataclasses import dataclass, field

from flask import abort, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload, selectinload

from sip.bodies.models import Body
from sip.core.pagination import Page
from sip.core.prefix import STRATEGY_KEY
from sip.extensions import db
from sip.plan.permissions import can_view_drafts
from sip.plan.models import Activity, Outcome, Output, Pillar, Responsibility, Strategy, fold
from sip.reporting import statuses
from sip.reporting.models import ReportingPeriod
from sip.reporting.statuses import Current

__all__ = ["fold"]


def current_strategy() -> Strategy | None:
    """The current strategy: the one every address without /s/<slug>/ shows, and the one reports are filed on."""
    return db.session.scalar(select(Strategy).where(Strategy.state == "current").limit(1))


def _strategy_named() -> Strategy | None:
    """The strategy whose slug this request's address names, drafts included (read once per request)."""
    slug = request.environ.get(STRATEGY_KEY) if has_request_context() else None
    if not slug:
        return None
    current = request._get_current_object()  # g outlives a request when several share an application context
    memo = g.get("sip_named_strategy")
    if memo is None or memo[0] is not current:
        memo = g.sip_named_strategy = (current, db.session.scalar(select(Strategy).where(Strategy.slug == slug)))
    return memo[1]


def named_strategy() -> Strategy | None:
    """The strategy named in this request's address (/s/2022-2026/…) if the reader may see it, else None (no name,
    an unknown one, or a draft: shown only to those who may prepare the next plan)."""
    strategy = _strategy_named()
    if strategy is not None and strategy.state == "draft" and not can_view_drafts(current_user):
        return None
    return strategy


def shown_strategy(strict: bool = True) -> Strategy | None:
    """The strategy this page shows: the one named in the address (/s/2022-2026/…), else the current one.
    An unknown name is a 404 (None when not `strict`: for an error page); a draft is shown only to those who may
    prepare the next plan."""
    if not (request.environ.get(STRATEGY_KEY) if has_request_context() else None):
        return current_strategy()
    return named_strategy() or (abort(404) if strict else None)


def refuse_unknown_strategy() -> None:
    """before_request: any address under /s/<slug>/ naming no strategy is a 404, whatever the page. (A draft is
    refused by shown_strategy, once the reader is known: an API token is read after this.)"""
    if request.environ.get(STRATEGY_KEY) and _strategy_named() is None:
        abort(404)


def _root() -> str:
    """The application's root address without the strategy prefix (a proxy's own prefix kept)."""
    root = request.environ.get("SCRIPT_NAME", "")
    slug = request.environ.get(STRATEGY_KEY)
    if slug and root.endswith(f"/s/{slug}"):
        root = root[: -len(f"/s/{slug}")]
    return root


def strategy_address(strategy: Strategy, path: str | None = None, *, lasting: bool = False) -> str:
    """This page's address (or `path`'s, from the application's root) in another strategy: plain for the current
    one, /s/<slug>/… for the others, and always with the prefix when `lasting` (an address that keeps naming this
    strategy once it is closed)."""
    if path is None:
        path = request.full_path.rstrip("?") if request.query_string else request.path
    prefix = "" if strategy.state == "current" and not lasting else f"/s/{strategy.slug}"
    return f"{_root()}{prefix}{path}"


@dataclass(frozen=True)
class StrategyChoice:
    """What the strategy bar needs of a strategy (kept between requests, unlike a database row)."""

    id: int
    slug: str
    state: str
    years: str

    @property
    def closed(self) -> bool:
        """True once the strategy is closed."""
        return self.state == "closed"


def strategies() -> list[StrategyChoice]:
    """Every strategy but drafts, oldest first (the switcher's choices): one query on every page. None when the
    database cannot answer: the bar is left out of an error page rather than failing it."""
    try:
        rows = db.session.scalars(select(Strategy).where(Strategy.state != "draft")
                                  .order_by(Strategy.starts_on, Strategy.id)).all()
    except SQLAlchemyError:
        db.session.rollback()
        return []
    return [StrategyChoice(row.id, row.slug, row.state, row.years) for row in rows]


def load_tree(strategy: Strategy) -> list[Pillar]:
    """The whole plan with responsibilities and bodies, one query per level (for checks, not for pages)."""
    options = (
        selectinload(Pillar.outcomes)
        .selectinload(Outcome.outputs)
        .selectinload(Output.activities)
        .selectinload(Activity.responsibilities)
        .selectinload(Responsibility.body)
    )
    query = select(Pillar).where(Pillar.strategy_id == strategy.id).order_by(Pillar.number).options(options)
    return list(db.session.scalars(query))


@dataclass
class PlanFilters:
    """The filters of the plan page, as given in the URL."""

    body: str | None = None
    status: str | None = None
    pillar: int | None = None
    q: str | None = None

    @property
    def active(self) -> bool:
        """True when any filter is set."""
        return any(value not in (None, "") for value in (self.body, self.status, self.pillar, self.q))


def _conditions(strategy: Strategy, filters: PlanFilters) -> list:
    """SQL conditions on Activity for the filters (the search needs every word, accents ignored); the status is the
    current one, so the query must be passed through `statuses.join_current`."""
    conditions = [Activity.strategy_id == strategy.id]
    if filters.status:
        conditions.append(statuses.current_status_column() == filters.status)
    if filters.pillar:
        in_pillar = select(Output.id).join(Output.outcome).join(Outcome.pillar).where(Pillar.number == filters.pillar)
        conditions.append(Activity.output_id.in_(in_pillar))
    if filters.body:
        of_body = select(Responsibility.activity_id).join(Responsibility.body).where(Body.slug == filters.body)
        conditions.append(Activity.id.in_(of_body))
    for word in fold(filters.q or "").split():
        conditions.append(Activity.search_text.contains(word, autoescape=True))
    return conditions


@dataclass
class OutputGroup:
    """An output and its activities on the page."""

    output: Output
    activities: list = field(default_factory=list)


@dataclass
class OutcomeGroup:
    """An outcome and its outputs on the page."""

    outcome: Outcome
    outputs: list = field(default_factory=list)


@dataclass
class PillarGroup:
    """A pillar and its outcomes on the page."""

    pillar: Pillar
    outcomes: list = field(default_factory=list)


def group(activities: list[Activity]) -> list[PillarGroup]:
    """Regroup activities (in plan order, with output → outcome → pillar loaded) into a tree."""
    pillars: list[PillarGroup] = []
    for activity in activities:
        output = activity.output
        outcome = output.outcome
        if not pillars or pillars[-1].pillar is not outcome.pillar:
            pillars.append(PillarGroup(outcome.pillar))
        outcomes = pillars[-1].outcomes
        if not outcomes or outcomes[-1].outcome is not outcome:
            outcomes.append(OutcomeGroup(outcome))
        outputs = outcomes[-1].outputs
        if not outputs or outputs[-1].output is not output:
            outputs.append(OutputGroup(output))
        outputs[-1].activities.append(activity)
    return pillars


@dataclass
class PlanPage:
    """One page of the filtered plan: its tree, the pagination, the count per status and, for the current plan,
    each listed activity's current status by id."""

    groups: list[PillarGroup]
    page: Page
    counts: dict[str, int]
    current: dict[int, str] = field(default_factory=dict)


def plan_page(strategy: Strategy, filters: PlanFilters, number: int, size: int) -> PlanPage:
    """The page `number` of the activities that pass the filters, with their current statuses (the status table's
    latest quarter): five queries, whatever the plan's size."""
    latest = statuses.latest_period_id(strategy.id)
    conditions = _conditions(strategy, filters)
    status = statuses.current_status_column()
    counts = dict(db.session.execute(statuses.join_current(
        select(status, func.count()).select_from(Activity), latest).where(*conditions).group_by(status)).all())
    page = Page([], number, size, sum(counts.values()))
    page.number = min(number, page.pages)
    query = (
        statuses.join_current(select(Activity, status), latest)
        .where(*conditions)
        .order_by(Activity.position)
        .limit(size)
        .offset((page.number - 1) * size)
        .options(
            joinedload(Activity.output).joinedload(Output.outcome).joinedload(Outcome.pillar),
            selectinload(Activity.responsibilities).joinedload(Responsibility.body),
        )
    )
    rows = db.session.execute(query).all()
    page.items = [activity for activity, _ in rows]
    return PlanPage(group(page.items), page, counts, {activity.id: current for activity, current in rows})


def pillar_numbers(strategy: Strategy) -> list[int]:
    """The numbers of the strategy's pillars."""
    return list(db.session.scalars(select(Pillar.number).where(Pillar.strategy_id == strategy.id).order_by(Pillar.number)))


def find_activity(strategy: Strategy, code: str) -> Activity | None:
    """The activity with this code, with its output, outcome, pillar and bodies loaded."""
    query = (
        select(Activity)
        .where(Activity.strategy_id == strategy.id, Activity.code == code)
        .options(
            joinedload(Activity.output).joinedload(Output.outcome).joinedload(Outcome.pillar),
            joinedload(Activity.accountable_body),
            selectinload(Activity.responsibilities).joinedload(Responsibility.body),
        )
    )
    return db.session.scalar(query)


def neighbours(strategy: Strategy, activity: Activity) -> tuple[str | None, str | None]:
    """Codes of the activities before and after this one in plan order (one query)."""
    in_plan = Activity.strategy_id == strategy.id
    before = select(func.max(Activity.position)).where(in_plan, Activity.position < activity.position)
    after = select(func.min(Activity.position)).where(in_plan, Activity.position > activity.position)
    found = dict(db.session.execute(select(Activity.position, Activity.code).where(
        in_plan, Activity.position.in_(before.union(after)))).all())
    return (found.get(max((p for p in found if p < activity.position), default=None)),
            found.get(min((p for p in found if p > activity.position), default=None)))


@dataclass
class Standing:
    """Where an activity stands: its current status, its status quarter by quarter (with the codes of the quarters
    whose reports set them), the accountable body's roles and the responsible bodies that contribute without being
    accountable."""

    current: Current
    quarters: list[statuses.QuarterStatus]
    quarter_codes: dict[int, str]
    accountable_roles: list[Responsibility]
    contributors: list[Responsibility]


def standing(activity: Activity) -> Standing:
    """The activity's standing, read from the status table (three queries; a fourth only when a status was carried
    from a quarter the activity was not in the plan for)."""
    quarters = statuses.by_quarter(activity)
    codes = {row.period.id: row.period.code for row in quarters}
    missing = {row.reported_in_id for row in quarters} - set(codes) - {None}
    if missing:
        codes.update((period.id, period.code) for period in db.session.scalars(
            select(ReportingPeriod).where(ReportingPeriod.id.in_(missing))))
    accountable = [r for r in activity.responsibilities if r.body_id == activity.accountable_body_id]
    contributors = [r for r in activity.responsibilities if r.body_id != activity.accountable_body_id]
    return Standing(statuses.current_status(activity), quarters, codes, accountable, contributors)
