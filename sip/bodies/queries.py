"""Reading bodies, their members and the activities they are responsible for."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from sip.accounts.models import Membership, User
from sip.accounts.permissions import can_view_contact
from sip.bodies.models import Body
from sip.core.i18n import pick
from sip.extensions import db
from sip.plan.models import Activity, Output, Outcome, Responsibility
from sip.plan.queries import fold


def all_bodies() -> list[Body]:
    """Every body, in a stable order."""
    return list(db.session.scalars(select(Body).order_by(Body.id)))


def body_choices(lang: str) -> list[tuple[str, str]]:
    """(slug, name) pairs for a choice list, sorted by name in the reader's language."""
    choices = [(body.slug, pick(body.name, lang)) for body in all_bodies()]
    return sorted(choices, key=lambda choice: fold(choice[1]))


def activity_counts(strategy_id: int | None = None) -> dict[int, int]:
    """How many distinct activities each body is responsible for, in one strategy when given (one query)."""
    query = select(Responsibility.body_id, func.count(func.distinct(Responsibility.activity_id))).group_by(
        Responsibility.body_id
    )
    if strategy_id is not None:
        query = query.join(Responsibility.activity).where(Activity.strategy_id == strategy_id)
    return dict(db.session.execute(query).all())


def find_body(slug: str) -> Body | None:
    """The body with this slug."""
    return db.session.scalar(select(Body).where(Body.slug == slug))


@dataclass
class BodyActivities:
    """The activities a body is accountable for (its report sets their status) and those it contributes to, as its
    responsibilities in plan order, with each activity's current status by id."""

    accountable: list[Responsibility]
    contributing: list[Responsibility]
    current: dict


def activities_of(body: Body, strategy_id: int | None = None) -> BodyActivities:
    """The body's responsibilities (in one strategy when given) split into accountable and contributing, with
    current statuses from the status table (three queries, or four when they span two strategies)."""
    from sip.reporting.statuses import current_statuses

    responsibilities = responsibilities_of(body, strategy_id)
    by_strategy: dict[int, set[int]] = {}
    for r in responsibilities:
        by_strategy.setdefault(r.activity.strategy_id, set()).add(r.activity_id)
    current = {}
    for strategy_id, ids in by_strategy.items():
        current.update(current_statuses(strategy_id, ids))
    accountable = [r for r in responsibilities if r.activity.accountable_body_id == body.id]
    contributing = [r for r in responsibilities if r.activity.accountable_body_id != body.id]
    return BodyActivities(accountable, contributing, current)


def responsibilities_of(body: Body, strategy_id: int | None = None) -> list[Responsibility]:
    """The body's responsibilities with their activities (in one strategy when given), in plan order."""
    in_strategy = [] if strategy_id is None else [Activity.strategy_id == strategy_id]
    query = (
        select(Responsibility)
        .join(Responsibility.activity)
        .where(Responsibility.body_id == body.id, *in_strategy)
        .order_by(Activity.position)
        .options(
            selectinload(Responsibility.activity)
            .selectinload(Activity.output)
            .selectinload(Output.outcome)
            .selectinload(Outcome.pillar),
            selectinload(Responsibility.activity).selectinload(Activity.responsibilities),
        )
    )
    return list(db.session.scalars(query))


ROLE_ORDER = {"lead": 0, "co_lead": 1, "member": 2}


def current_members(body: Body, *, active_only: bool = True) -> list[Membership]:
    """Memberships of the body in force today (of active people only, unless told), leads first then by name.

    Each person's memberships are loaded with their bodies, so contact rules are checked without more queries.
    """
    today = date.today()
    query = (
        select(Membership)
        .join(Membership.user)
        .where(Membership.body_id == body.id, Membership.since <= today,
               or_(Membership.until.is_(None), Membership.until >= today))
        .options(selectinload(Membership.user).selectinload(User.memberships).selectinload(Membership.body))
    )
    if active_only:
        query = query.where(User.active.is_(True))  # a deactivated person no longer takes part
    memberships = list(db.session.scalars(query))
    return sorted(memberships, key=lambda m: (ROLE_ORDER.get(m.role, 9), fold(m.user.name), m.user.id))


@dataclass
class MemberRow:
    """A member as a reader sees them: contact details only where the reader may see them."""

    name: str
    role: str
    email: str | None = None
    phone: str | None = None


def members_seen_by(viewer, body: Body) -> list[MemberRow]:
    """The body's current (active) members, with e-mail and phone where `can_view_contact(viewer, person)`."""
    rows = []
    for membership in current_members(body):
        person = membership.user
        row = MemberRow(name=person.name, role=membership.role)
        if can_view_contact(viewer, person):
            row.email, row.phone = person.email, person.phone
        rows.append(row)
    return rows


@dataclass
class FocalPointRow:
    """Who files a body's report, as a reader sees it: a person (contact details only where the reader may see them),
    the secretariat on its behalf, or nobody yet."""

    secretariat: bool = False
    name: str | None = None
    email: str | None = None
    phone: str | None = None


def focal_point_seen_by(viewer, body: Body) -> FocalPointRow:
    """Who files the report of a body that is not a group of people, with contact details where
    `can_view_contact(viewer, person)`."""
    if body.reported_by_secretariat:
        return FocalPointRow(secretariat=True)
    person = body.focal_point
    if person is None:
        return FocalPointRow()
    row = FocalPointRow(name=person.name)
    if can_view_contact(viewer, person):
        row.email, row.phone = person.email, person.phone
    return row


def open_responsibilities(body: Body) -> list[Responsibility]:
    """The body's part in activities that are still in the plan (not retired), in plan order: what it holds. A
    closed strategy's activities are its record, held by nobody any more (and they can no longer be handed over)."""
    from sip.plan.models import Strategy

    open_plans = select(Strategy.id).where(Strategy.state != "closed")
    query = (
        select(Responsibility)
        .join(Responsibility.activity)
        .where(Responsibility.body_id == body.id, Activity.retired_on.is_(None), Activity.strategy_id.in_(open_plans))
        .order_by(Activity.position, Responsibility.position)
        .options(selectinload(Responsibility.activity).selectinload(Activity.responsibilities)
                 .selectinload(Responsibility.body))
    )
    return list(db.session.scalars(query))


def reports_of(body: Body, strategy_id: int | None = None) -> list:
    """The body's reports (on one strategy's periods when given), newest period first, with their periods (one
    query); readers filter what they may see."""
    from sip.reporting.models import GroupReport, ReportingPeriod

    in_strategy = [] if strategy_id is None else [ReportingPeriod.strategy_id == strategy_id]
    query = (select(GroupReport).join(GroupReport.period).where(GroupReport.body_id == body.id, *in_strategy)
             .order_by(ReportingPeriod.year.desc(), ReportingPeriod.quarter.desc())
             .options(contains_eager(GroupReport.period)))
    return list(db.session.scalars(query))
