"""Reading the register: the filtered list, an organisation's page, its focal points and bodies, the requests to
join and who has acknowledged the minimum commitments."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import selectinload

from sip.accounts.models import Membership, Organisation, User
from sip.accounts.permissions import can_view_contact
from sip.bodies.models import Body
from sip.core.pagination import Page, page_of
from sip.extensions import db
from sip.partners.models import CommitmentAcknowledgement, FocalPoint, JoinRequest

PAGE_SIZE = 50
STANDINGS = ("current", "former", "all")


@dataclass
class RegisterFilters:
    """What the register shows: kind, type, a country (headquarters or operations), and current or former members."""

    kind: str | None = None
    type: str | None = None
    country: str | None = None
    standing: str = "current"
    q: str | None = None

    def args(self) -> dict:
        """The filters as query-string arguments (for links and exports)."""
        found = {"kind": self.kind, "type": self.type, "country": self.country, "q": self.q,
                 "standing": None if self.standing == "current" else self.standing}
        return {key: value for key, value in found.items() if value}


def _is_current(today: date):
    """SQL: the organisation has not left (its left-on day, if any, is still to come)."""
    return or_(Organisation.left_on.is_(None), Organisation.left_on > today)


def register_query(filters: RegisterFilters, today: date | None = None):
    """The organisations the filters keep, by name."""
    today = today or date.today()
    query = select(Organisation)
    if filters.kind:
        query = query.where(Organisation.kind == filters.kind)
    if filters.type:
        query = query.where(Organisation.type == filters.type)
    if filters.country:
        # the list of countries is JSON text on both databases ('["ML", "BF"]'): a quoted code matches one element
        query = query.where(or_(Organisation.country == filters.country,
                                cast(Organisation.countries, String).like(f'%"{filters.country}"%')))
    if filters.q:
        needle = f"%{filters.q.lower()}%"
        query = query.where(or_(func.lower(Organisation.name).like(needle),
                                func.lower(Organisation.acronym).like(needle)))
    if filters.standing == "current":
        query = query.where(_is_current(today))
    elif filters.standing == "former":
        query = query.where(~_is_current(today))
    return query.order_by(func.lower(Organisation.name), Organisation.id)


def register_page(filters: RegisterFilters, number: int, size: int = PAGE_SIZE) -> Page:
    """One page of the register (items are organisations)."""
    page = page_of(register_query(filters), number, size)
    page.items = [row[0] for row in page.items]
    return page


def register_rows(filters: RegisterFilters | None = None) -> list[Organisation]:
    """Every organisation the filters keep, for the exports."""
    return list(db.session.scalars(register_query(filters or RegisterFilters(standing="all"))))


def find_organisation(organisation_id: int) -> Organisation | None:
    """An organisation by id."""
    return db.session.get(Organisation, organisation_id)


def find_by_name(name: str) -> Organisation | None:
    """An organisation by name, case and surrounding spaces ignored."""
    name = (name or "").strip()
    return db.session.scalar(select(Organisation).where(or_(func.lower(Organisation.name) == name.lower(),
                                                            Organisation.name == name)))


def names_in_use() -> dict[str, int]:
    """{folded name: id} of every registered organisation (the import compares names without case)."""
    return {name.casefold(): org_id for org_id, name in db.session.execute(select(Organisation.id, Organisation.name))}


# --- focal points and bodies --------------------------------------------------------------------


def current_focal_point_ids(organisation, on: date | None = None) -> set[int]:
    """Ids of the people who represent the organisation on that day."""
    day = on or date.today()
    return set(db.session.scalars(select(FocalPoint.user_id).where(
        FocalPoint.organisation_id == organisation.id, FocalPoint.since <= day,
        or_(FocalPoint.until.is_(None), FocalPoint.until >= day))))


def focal_points_of(organisation) -> list[FocalPoint]:
    """Every focal point the organisation has had, the cluster-wide ones first, then by body and name."""
    query = (select(FocalPoint).where(FocalPoint.organisation_id == organisation.id)
             .options(selectinload(FocalPoint.user).selectinload(User.memberships).selectinload(Membership.body),
                      selectinload(FocalPoint.body)))
    points = list(db.session.scalars(query))
    return sorted(points, key=lambda p: (p.body_id is not None, p.body.slug if p.body else "", p.user.name.casefold()))


@dataclass
class FocalPointView:
    """A focal point as a reader sees it: contact details only where `can_view_contact` allows."""

    id: int
    name: str
    body: Body | None
    since: date
    until: date | None
    current: bool
    email: str | None = None
    phone: str | None = None


def focal_points_seen_by(viewer, organisation, points: list[FocalPoint] | None = None
                         ) -> tuple[list[FocalPointView], list[FocalPointView]]:
    """The organisation's current and former focal points, with e-mail and phone where the reader may see them."""
    current, former = [], []
    for point in focal_points_of(organisation) if points is None else points:
        row = FocalPointView(point.id, point.user.name, point.body, point.since, point.until, point.in_force())
        if can_view_contact(viewer, point.user):
            row.email, row.phone = point.user.email, point.user.phone
        (current if row.current else former).append(row)
    return current, former


@dataclass
class BodyTaking:
    """A body the organisation takes part in: through how many of its people, and which focal point."""

    body: Body
    members: int = 0
    focal_points: list[str] = field(default_factory=list)


def bodies_of_organisation(organisation, today: date | None = None,
                           points: list[FocalPoint] | None = None) -> list[BodyTaking]:
    """The bodies the organisation takes part in today: through its people's memberships or a focal point
    (`points`: its focal points, when the caller has them already)."""
    today = today or date.today()
    taking: dict[int, BodyTaking] = {}
    memberships = db.session.execute(
        select(Body, func.count(Membership.id)).join(Membership, Membership.body_id == Body.id)
        .join(User, User.id == Membership.user_id)
        .where(User.organisation_id == organisation.id, User.active.is_(True), Membership.since <= today,
               or_(Membership.until.is_(None), Membership.until >= today))
        .group_by(Body.id)).all()
    for body, count in memberships:
        taking[body.id] = BodyTaking(body, count)
    for point in focal_points_of(organisation) if points is None else points:
        if point.body is not None and point.in_force(today):
            taking.setdefault(point.body_id, BodyTaking(point.body)).focal_points.append(point.user.name)
    return sorted(taking.values(), key=lambda t: t.body.slug)


def people_of(organisation) -> list[User]:
    """The organisation's active people, by name (to choose a focal point from)."""
    return list(db.session.scalars(select(User).where(User.organisation_id == organisation.id, User.active.is_(True))
                                   .order_by(func.lower(User.name), User.id)))


def find_focal_point(focal_point_id: int) -> FocalPoint | None:
    """A focal point by id."""
    return db.session.get(FocalPoint, focal_point_id)


def organisations_represented_by(user) -> list[Organisation]:
    """The organisations the person is a current focal point of."""
    today = date.today()
    return list(db.session.scalars(
        select(Organisation).join(FocalPoint, FocalPoint.organisation_id == Organisation.id)
        .where(FocalPoint.user_id == user.id, FocalPoint.since <= today,
               or_(FocalPoint.until.is_(None), FocalPoint.until >= today)).distinct()))


# --- requests to join ---------------------------------------------------------------------------


def pending_requests() -> list[JoinRequest]:
    """Requests waiting for the secretariat, oldest first."""
    return list(db.session.scalars(select(JoinRequest).where(JoinRequest.state == "pending")
                                   .options(selectinload(JoinRequest.requested_by))
                                   .order_by(JoinRequest.created_at, JoinRequest.id)))


def decided_requests(limit: int = 20) -> list[JoinRequest]:
    """The latest decided requests, newest first."""
    return list(db.session.scalars(select(JoinRequest).where(JoinRequest.state != "pending")
                                   .order_by(JoinRequest.decided_at.desc(), JoinRequest.id.desc()).limit(limit)))


def requests_of(user) -> list[JoinRequest]:
    """The person's own requests, newest first."""
    return list(db.session.scalars(select(JoinRequest).where(JoinRequest.requested_by_id == user.id)
                                   .order_by(JoinRequest.created_at.desc(), JoinRequest.id.desc())))


def find_request(request_id: int) -> JoinRequest | None:
    """A request to join by id."""
    return db.session.get(JoinRequest, request_id)


# --- the minimum commitments --------------------------------------------------------------------


def acknowledgement_of(organisation, strategy) -> CommitmentAcknowledgement | None:
    """The organisation's acknowledgement of the strategy's commitments, if any."""
    if strategy is None:
        return None
    return db.session.scalar(select(CommitmentAcknowledgement).where(
        CommitmentAcknowledgement.organisation_id == organisation.id,
        CommitmentAcknowledgement.strategy_id == strategy.id))


def current_partners_query(today: date | None = None):
    """SQL: the partners that are members today (joined, not left); stakeholders are not asked to acknowledge."""
    today = today or date.today()
    return select(Organisation).where(Organisation.kind == "partner", _is_current(today),
                                      or_(Organisation.joined_on.is_(None), Organisation.joined_on <= today))


@dataclass
class Share:
    """How many current partners acknowledged the commitments, out of how many."""

    acknowledged: int
    partners: int

    @property
    def percent(self) -> int | None:
        """The share as a whole percentage (None without partners)."""
        return round(100 * self.acknowledged / self.partners) if self.partners else None


def acknowledgement_share(strategy, today: date | None = None) -> Share:
    """The share of current partners whose focal point acknowledged the strategy's commitments (two counts, one
    query)."""
    partners = current_partners_query(today).subquery()
    acknowledged = (select(CommitmentAcknowledgement.organisation_id)
                    .where(CommitmentAcknowledgement.strategy_id == (strategy.id if strategy else -1)))
    total, done = db.session.execute(select(
        func.count(partners.c.id),
        func.count(partners.c.id).filter(partners.c.id.in_(acknowledged)))).one()
    return Share(done or 0, total or 0)


@dataclass
class CommitmentRow:
    """A current partner with its acknowledgement (or none) and how many focal points a reminder would reach."""

    organisation: Organisation
    acknowledgement: CommitmentAcknowledgement | None
    focal_points: int


def commitment_rows(strategy, today: date | None = None) -> list[CommitmentRow]:
    """Every current partner, those that have not acknowledged first, then by name."""
    today = today or date.today()
    partners = list(db.session.scalars(current_partners_query(today).order_by(func.lower(Organisation.name))))
    acks = {a.organisation_id: a for a in db.session.scalars(
        select(CommitmentAcknowledgement).where(CommitmentAcknowledgement.strategy_id == strategy.id)
        .options(selectinload(CommitmentAcknowledgement.user)))} if strategy else {}
    counts = dict(db.session.execute(
        select(FocalPoint.organisation_id, func.count(func.distinct(FocalPoint.user_id)))
        .join(User, User.id == FocalPoint.user_id)
        .where(User.active.is_(True), FocalPoint.since <= today,
               or_(FocalPoint.until.is_(None), FocalPoint.until >= today))
        .group_by(FocalPoint.organisation_id)).all())
    rows = [CommitmentRow(o, acks.get(o.id), counts.get(o.id, 0)) for o in partners]
    return sorted(rows, key=lambda r: r.acknowledgement is not None)


def reminder_recipients(strategy, today: date | None = None) -> list[tuple[Organisation, list[User]]]:
    """Partners that have not acknowledged, each with its active current focal points (cluster-wide ones, or all
    of them when it has none for the cluster)."""
    today = today or date.today()
    waiting = [row.organisation for row in commitment_rows(strategy, today) if row.acknowledgement is None]
    if not waiting:
        return []
    points = db.session.scalars(
        select(FocalPoint).join(User, User.id == FocalPoint.user_id)
        .where(FocalPoint.organisation_id.in_([o.id for o in waiting]), User.active.is_(True),
               FocalPoint.since <= today, or_(FocalPoint.until.is_(None), FocalPoint.until >= today))
        .options(selectinload(FocalPoint.user))).all()
    result = []
    for organisation in waiting:
        mine = [p for p in points if p.organisation_id == organisation.id]
        cluster = [p for p in mine if p.body_id is None]
        people = {p.user.id: p.user for p in (cluster or mine)}
        result.append((organisation, sorted(people.values(), key=lambda u: u.id)))
    return result


