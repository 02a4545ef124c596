"""Reading amendments, versions and the plan as of a version, in a constant number of queries."""
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from sip.bodies.models import Body
from sip.core.pagination import Page
from sip.extensions import db
from sip.governance.history import valid_in
from sip.governance.models import OPEN_STATES, ActivityRevision, Amendment, PlanVersion, RevisionResponsibility
from sip.plan.models import Activity, Outcome, Output, Pillar, Responsibility, Strategy, fold
from sip.plan.queries import PlanFilters, PlanPage, group
from sip.reporting import statuses


# --- amendments ---------------------------------------------------------------------------------


@dataclass
class AmendmentFilters:
    """The filters of the amendments list, as given in the URL."""

    state: str | None = None
    kind: str | None = None
    body: str | None = None
    q: str | None = None

    @property
    def active(self) -> bool:
        """True when any filter is set."""
        return any((self.state, self.kind, self.body, self.q))


def _amendment_options():
    """Everything a list row or the detail page shows about an amendment, loaded with it."""
    return (
        joinedload(Amendment.activity).joinedload(Activity.output),
        joinedload(Amendment.proposed_output),
        joinedload(Amendment.proposing_body),
        joinedload(Amendment.proposed_by),
        joinedload(Amendment.version),
    )


def amendments_page(strategy: Strategy, filters: AmendmentFilters, number: int, size: int) -> tuple[Page, dict]:
    """One page of the strategy's amendments (newest first) that pass the filters, and the count per state."""
    conditions = [Amendment.strategy_id == strategy.id]
    if filters.kind:
        conditions.append(Amendment.kind == filters.kind)
    if filters.body:
        conditions.append(Amendment.proposing_body_id.in_(select(Body.id).where(Body.slug == filters.body)))
    if filters.q:
        code = filters.q.strip()
        of_activity = select(Activity.id).where(Activity.strategy_id == strategy.id,
                                                Activity.code.startswith(code, autoescape=True))
        conditions.append(Amendment.activity_id.in_(of_activity)
                          | Amendment.proposed_code.startswith(code, autoescape=True))
    counts = dict(db.session.execute(
        select(Amendment.state, func.count()).where(*conditions).group_by(Amendment.state)).all())
    if filters.state:
        conditions.append(Amendment.state == filters.state)
    total = counts.get(filters.state, 0) if filters.state else sum(counts.values())
    page = Page([], number, size, total)
    page.number = min(number, page.pages)
    if total:
        query = (select(Amendment).where(*conditions).order_by(Amendment.id.desc())
                 .limit(size).offset((page.number - 1) * size).options(*_amendment_options()))
        page.items = list(db.session.scalars(query))
    return page, counts


def find_amendment(amendment_id: int) -> Amendment | None:
    """One amendment with what its page shows."""
    options = (*_amendment_options(), joinedload(Amendment.sag_by), joinedload(Amendment.glm_recorded_by),
               joinedload(Amendment.activity).selectinload(Activity.responsibilities).joinedload(Responsibility.body))
    return db.session.scalar(select(Amendment).where(Amendment.id == amendment_id).options(*options))


def outputs_by_id(ids) -> dict[int, Output]:
    """Outputs by id (one query)."""
    ids = [i for i in set(ids) if i is not None]
    if not ids:
        return {}
    return {o.id: o for o in db.session.scalars(select(Output).where(Output.id.in_(ids)))}


def bodies_by_slug(slugs) -> dict[str, Body]:
    """Bodies by slug (one query)."""
    slugs = [s for s in set(slugs) if s]
    if not slugs:
        return {}
    return {b.slug: b for b in db.session.scalars(select(Body).where(Body.slug.in_(slugs)))}


def awaiting(strategy: Strategy, state: str) -> int:
    """How many amendments are in a state (what waits for the SAG, or for the GLM)."""
    return db.session.scalar(select(func.count()).select_from(Amendment)
                             .where(Amendment.strategy_id == strategy.id, Amendment.state == state)) or 0


def activity_amendments(activity: Activity) -> list[Amendment]:
    """Every amendment about an activity, newest first."""
    query = (select(Amendment).where(Amendment.activity_id == activity.id).order_by(Amendment.id.desc())
             .options(joinedload(Amendment.proposing_body), joinedload(Amendment.version)))
    return list(db.session.scalars(query))


def activity_revisions(activity: Activity) -> list[ActivityRevision]:
    """The activity's revisions, oldest first, with their versions."""
    query = (select(ActivityRevision).join(ActivityRevision.version)
             .where(ActivityRevision.activity_id == activity.id).order_by(PlanVersion.sequence)
             .options(joinedload(ActivityRevision.version), joinedload(ActivityRevision.superseded_by)))
    return list(db.session.scalars(query))


def output_choices(strategy: Strategy) -> list[Output]:
    """Every output of the plan in plan order, with its outcome and pillar (one query)."""
    query = (select(Output).join(Output.outcome).join(Outcome.pillar).where(Pillar.strategy_id == strategy.id)
             .order_by(Output.position).options(joinedload(Output.outcome)))
    return list(db.session.scalars(query))


# --- versions -----------------------------------------------------------------------------------


@dataclass
class VersionRow:
    """A version on the versions page, with how many amendments it applied."""

    version: PlanVersion
    amendments: int
    previous: PlanVersion | None


def version_rows(strategy: Strategy) -> list[VersionRow]:
    """Every version, newest first, with its count of applied amendments (two queries)."""
    versions = list(db.session.scalars(select(PlanVersion).where(PlanVersion.strategy_id == strategy.id)
                                       .order_by(PlanVersion.sequence)))
    counts = dict(db.session.execute(
        select(Amendment.version_id, func.count()).where(Amendment.strategy_id == strategy.id,
                                                         Amendment.state == "applied")
        .group_by(Amendment.version_id)).all())
    rows = [VersionRow(v, counts.get(v.id, 0), versions[i - 1] if i else None) for i, v in enumerate(versions)]
    return list(reversed(rows))


# --- the plan as of a version -------------------------------------------------------------------


def _revision_conditions(version: PlanVersion, filters: PlanFilters) -> list:
    """SQL conditions on ActivityRevision: in the version, and passing the filters (status is not used)."""
    conditions = valid_in(version)
    if filters.pillar:
        in_pillar = select(Output.id).join(Output.outcome).join(Outcome.pillar).where(
            Pillar.strategy_id == version.strategy_id, Pillar.number == filters.pillar)
        conditions.append(ActivityRevision.output_id.in_(in_pillar))
    if filters.body:
        of_body = (select(RevisionResponsibility.revision_id).join(RevisionResponsibility.body)
                   .where(Body.slug == filters.body))
        conditions.append(ActivityRevision.id.in_(of_body))
    for word in fold(filters.q or "").split():
        conditions.append(ActivityRevision.search_text.contains(word, autoescape=True))
    return conditions


def plan_page_as_of(version: PlanVersion, filters: PlanFilters, number: int, size: int) -> PlanPage:
    """A page of the plan as it stood in `version`, filtered; counts are per plan state. Four queries."""
    conditions = _revision_conditions(version, filters)
    counts = dict(db.session.execute(select(ActivityRevision.state, func.count()).where(*conditions)
                                     .group_by(ActivityRevision.state)).all())
    page = Page([], number, size, sum(counts.values()))
    page.number = min(number, page.pages)
    query = (
        select(ActivityRevision).where(*conditions).order_by(ActivityRevision.position)
        .limit(size).offset((page.number - 1) * size)
        .options(joinedload(ActivityRevision.output).joinedload(Output.outcome).joinedload(Outcome.pillar),
                 selectinload(ActivityRevision.responsibilities).joinedload(RevisionResponsibility.body))
    )
    page.items = list(db.session.scalars(query))
    return PlanPage(group(page.items), page, counts)


def find_revision(version: PlanVersion, code: str) -> ActivityRevision | None:
    """The activity with this code as it stood in `version` (who was accountable for it then included)."""
    query = (
        select(ActivityRevision).where(*valid_in(version), ActivityRevision.code == code)
        .options(joinedload(ActivityRevision.output).joinedload(Output.outcome).joinedload(Outcome.pillar),
                 joinedload(ActivityRevision.accountable_body),
                 selectinload(ActivityRevision.responsibilities).joinedload(RevisionResponsibility.body),
                 joinedload(ActivityRevision.activity))
    )
    return db.session.scalars(query).first()


def revisions_in(version: PlanVersion) -> list[ActivityRevision]:
    """Every activity of the plan as it stood in `version`, in plan order, with outputs and bodies (three queries)."""
    query = (
        select(ActivityRevision).where(*valid_in(version)).order_by(ActivityRevision.position)
        .options(joinedload(ActivityRevision.output), joinedload(ActivityRevision.accountable_body),
                 selectinload(ActivityRevision.responsibilities).joinedload(RevisionResponsibility.body))
    )
    return list(db.session.scalars(query))


def open_amendments_of(activity_ids: list[int]) -> dict[int, list[Amendment]]:
    """The open amendments (proposed or endorsed) of some activities, by activity (one query)."""
    if not activity_ids:
        return {}
    query = (select(Amendment).where(Amendment.activity_id.in_(activity_ids), Amendment.state.in_(OPEN_STATES))
             .order_by(Amendment.id))
    found: dict[int, list[Amendment]] = {}
    for amendment in db.session.scalars(query):
        found.setdefault(amendment.activity_id, []).append(amendment)
    return found


# --- accountability -----------------------------------------------------------------------------

UNACCOUNTABLE_REASONS = {
    "none": _l("No accountable body"),
    "not_responsible": _l("The accountable body is not among its responsible bodies"),
    "dissolved": _l("The accountable body is dissolved"),
}


@dataclass
class Unaccountable:
    """An open activity whose status no body's report can set, and why (a key of UNACCOUNTABLE_REASONS)."""

    activity: Activity
    reason: str

    @property
    def reason_label(self) -> str:
        """Why, in the reader's language."""
        return str(UNACCOUNTABLE_REASONS[self.reason])


def unaccountable_activities(strategy: Strategy, today: date | None = None) -> list[Unaccountable]:
    """The activities still open (not retired, current status neither completed nor discontinued) that have no
    accountable body, or one that is not among their responsible bodies or is dissolved; in plan order (3 queries)."""
    today = today or date.today()
    listed = exists().where(Responsibility.activity_id == Activity.id,
                            Responsibility.body_id == Activity.accountable_body_id)
    dissolved = exists().where(Body.id == Activity.accountable_body_id, Body.dissolved_on.is_not(None),
                               Body.dissolved_on <= today)
    query = (
        statuses.join_current(select(Activity), statuses.latest_period_id(strategy.id))
        .where(Activity.strategy_id == strategy.id, Activity.retired_on.is_(None),
               statuses.current_status_column().not_in(statuses.CLOSED_STATUSES),
               or_(Activity.accountable_body_id.is_(None), ~listed, dissolved))
        .order_by(Activity.position)
        .options(joinedload(Activity.accountable_body),
                 selectinload(Activity.responsibilities).joinedload(Responsibility.body))
    )
    found = []
    for activity in db.session.scalars(query):
        if activity.accountable_body is None:
            reason = "none"
        elif activity.accountable_body_id not in {r.body_id for r in activity.responsibilities}:
            reason = "not_responsible"
        else:
            reason = "dissolved"
        found.append(Unaccountable(activity, reason))
    return found
