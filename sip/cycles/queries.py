"""Reading strategies and their carry-overs."""
from dataclasses import dataclass, field

from flask import request, url_for
from sqlalchemy import case, or_, select
from sqlalchemy.orm import joinedload

from sip.core.prefix import STRATEGY_KEY
from sip.cycles.models import CarryOver
from sip.extensions import db
from sip.plan.models import CLOSED_STATUSES, Activity, Outcome, Output, Strategy
from sip.reporting import statuses
from sip.reporting.models import ReportingPeriod


def all_strategies() -> list[Strategy]:
    """Every strategy, drafts included, oldest first."""
    return list(db.session.scalars(select(Strategy).order_by(Strategy.starts_on, Strategy.id)))


def find_strategy(slug: str) -> Strategy | None:
    """The strategy with this address name ("2022-2026"), drafts included."""
    return db.session.scalar(select(Strategy).where(Strategy.slug == slug))


def next_plan(strategy: Strategy) -> Strategy | None:
    """The plan that follows this one: the draft whose predecessor it is, else the newest draft."""
    query = (select(Strategy).where(Strategy.state == "draft", Strategy.id != strategy.id)
             .order_by(case((Strategy.predecessor_id == strategy.id, 0), else_=1), Strategy.starts_on.desc(),
                       Strategy.id.desc()).limit(1))
    return db.session.scalar(query)


def successor(strategy: Strategy) -> Strategy | None:
    """The plan that follows this one whatever its state (once opened it is no longer a draft), else the next
    draft: where its carried activities live."""
    found = db.session.scalar(select(Strategy).where(Strategy.predecessor_id == strategy.id)
                              .order_by(Strategy.starts_on.desc(), Strategy.id.desc()).limit(1))
    return found or next_plan(strategy)


def activity_by_code(strategy: Strategy, code: str) -> Activity | None:
    """The activity of this strategy with this code."""
    return db.session.scalar(select(Activity).where(Activity.strategy_id == strategy.id,
                                                    Activity.code == (code or "").strip()))


def activities_of(strategy: Strategy) -> list[Activity]:
    """Every activity of a strategy, in plan order (the targets a carry-over may name)."""
    return list(db.session.scalars(select(Activity).where(Activity.strategy_id == strategy.id)
                                   .order_by(Activity.position)))


def unfinished_activities(strategy: Strategy) -> list[tuple[Activity, str]]:
    """(activity, current status) of every activity not completed or discontinued, in plan order (one query)."""
    status = statuses.current_status_column()
    query = (
        statuses.join_current(select(Activity, status), statuses.latest_period_id(strategy.id))
        .where(Activity.strategy_id == strategy.id, status.not_in(CLOSED_STATUSES))
        .order_by(Activity.position)
        .options(joinedload(Activity.output).joinedload(Output.outcome).joinedload(Outcome.pillar))
    )
    return [(activity, current) for activity, current in db.session.execute(query).all()]


def carry_overs(strategy: Strategy) -> dict[int, CarryOver]:
    """The carry-over decisions of a closing plan, by the id of the old activity (one query)."""
    query = (select(CarryOver).join(Activity, CarryOver.from_activity_id == Activity.id)
             .where(Activity.strategy_id == strategy.id).options(joinedload(CarryOver.to_activity)))
    return {carry.from_activity_id: carry for carry in db.session.scalars(query)}


@dataclass
class CarryRow:
    """An unfinished activity of the closing plan, its current status and the decision taken for it (if any)."""

    activity: Activity
    status: str
    decision: CarryOver | None


@dataclass
class PillarRows:
    """The unfinished activities of one pillar."""

    pillar: object
    rows: list[CarryRow] = field(default_factory=list)


def carry_over_rows(strategy: Strategy) -> list[PillarRows]:
    """Every unfinished activity of the closing plan with its decision, grouped by pillar (two queries)."""
    decided = carry_overs(strategy)
    groups: list[PillarRows] = []
    for activity, status in unfinished_activities(strategy):
        pillar = activity.output.outcome.pillar
        if not groups or groups[-1].pillar is not pillar:
            groups.append(PillarRows(pillar))
        groups[-1].rows.append(CarryRow(activity, status, decided.get(activity.id)))
    return groups


def other_lives(activity: Activity) -> tuple[list[CarryOver], CarryOver | None]:
    """Where a carried activity comes from (the old activities that continue or merge into it) and what became of
    it in the next plan (one query)."""
    found = db.session.scalars(
        select(CarryOver).where(or_(CarryOver.to_activity_id == activity.id, CarryOver.from_activity_id == activity.id))
        .options(joinedload(CarryOver.from_activity), joinedload(CarryOver.to_activity))).unique().all()
    previous = sorted((c for c in found if c.to_activity_id == activity.id), key=lambda c: c.from_activity.position)
    following = next((c for c in found if c.from_activity_id == activity.id), None)
    return previous, following


@dataclass
class PastLife:
    """An activity's life in the previous plan: the old activity, its strategy, the decision and its quarters."""

    carry: CarryOver
    activity: Activity
    strategy: Strategy
    quarters: list[statuses.QuarterStatus]
    quarter_codes: dict[int, str]
    address: str = ""


@dataclass
class Lives:
    """An activity's other lives, for its page: those it continues, and what it became (None: no decision, or one
    the reader may not see yet)."""

    previous: list[PastLife]
    next: CarryOver | None = None
    next_strategy: Strategy | None = None
    next_address: str | None = None

    @property
    def quarters(self) -> bool:
        """True when a previous life has a quarter to show."""
        return any(life.quarters for life in self.previous)


def activity_lives(activity: Activity, see_drafts: bool) -> Lives:
    """The other lives of an activity (with the addresses of their pages) and, for the previous ones, their status
    by quarter. A decision taken while the plan is still current is the secretariat's preparation: others see it
    once the plan is closed."""
    previous, following = other_lives(activity)
    ids = {carry.from_activity.strategy_id for carry in previous}
    if following is not None and following.to_activity is not None:
        ids.add(following.to_activity.strategy_id)
    found = {s.id: s for s in db.session.scalars(select(Strategy).where(Strategy.id.in_(ids)))} if ids else {}
    past = []
    for carry in previous:
        quarters = statuses.by_quarter(carry.from_activity)
        strategy = found[carry.from_activity.strategy_id]
        past.append(PastLife(carry, carry.from_activity, strategy, quarters, _quarter_codes(quarters),
                             activity_address(strategy, carry.from_activity.code)))
    lives = Lives(past)
    if following is not None:
        mine = db.session.get(Strategy, activity.strategy_id)
        if see_drafts or mine.closed:
            lives.next = following
            if following.to_activity is not None:
                lives.next_strategy = found[following.to_activity.strategy_id]
                lives.next_address = activity_address(lives.next_strategy, following.to_activity.code)
    return lives


def _quarter_codes(quarters: list[statuses.QuarterStatus]) -> dict[int, str]:
    """The codes of the quarters whose reports set these statuses, by period id."""
    codes = {row.period.id: row.period.code for row in quarters}
    missing = {row.reported_in_id for row in quarters} - set(codes) - {None}
    if missing:
        codes.update((period.id, period.code) for period in db.session.scalars(
            select(ReportingPeriod).where(ReportingPeriod.id.in_(missing))))
    return codes


def strategy_page(strategy: Strategy, endpoint: str, **values) -> str:
    """The address of a page in a given strategy: plain for the current one, /s/<slug>/… for the others."""
    root = request.environ.get("SCRIPT_NAME", "")
    slug = request.environ.get(STRATEGY_KEY)
    if slug:
        root = root[: -len(f"/s/{slug}")]
    path = url_for(endpoint, **values)[len(request.script_root):]
    prefix = "" if strategy.state == "current" else f"/s/{strategy.slug}"
    return f"{root}{prefix}{path}"


def activity_address(strategy: Strategy, code: str) -> str:
    """The address of an activity's page in its own strategy."""
    return strategy_page(strategy, "plan.activity", code=code)
