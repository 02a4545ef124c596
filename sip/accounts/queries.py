"""Reading people, organisations and memberships for the secretariat's pages (paginated in SQL)."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from sip.accounts.models import Membership, Organisation, User
from sip.bodies.models import Body
from sip.core.pagination import Page, page_of
from sip.extensions import db

PEOPLE_PAGE_SIZE = 25
ORGANISATIONS_PAGE_SIZE = 50


def in_force(day: date | None = None):
    """SQL condition: the membership holds on that day (today by default)."""
    day = day or date.today()
    return (Membership.since <= day) & or_(Membership.until.is_(None), Membership.until >= day)


# --- people -------------------------------------------------------------------------------------


@dataclass
class PeopleFilters:
    """What the people list is narrowed to: words of the name or e-mail, a body, active or not."""

    q: str | None = None
    body: str | None = None
    state: str | None = None

    @property
    def active(self) -> bool:
        """True when any filter is set."""
        return bool(self.q or self.body or self.state)


def people_page(filters: PeopleFilters, number: int, size: int = PEOPLE_PAGE_SIZE) -> Page:
    """A page of people matching the filters, by name, with organisation and memberships loaded."""
    query = select(User)
    if filters.q:
        words = filters.q.strip()
        query = query.where(or_(User.name.icontains(words, autoescape=True), User.email.icontains(words, autoescape=True)))
    if filters.body:
        member = exists().where(Membership.user_id == User.id, Membership.body_id == Body.id, Body.slug == filters.body,
                                in_force())
        query = query.where(member)
    if filters.state == "active":
        query = query.where(User.active.is_(True))
    elif filters.state == "inactive":
        query = query.where(User.active.is_(False))
    query = query.order_by(func.lower(User.name), User.id).options(
        selectinload(User.organisation), selectinload(User.memberships).selectinload(Membership.body)
    )
    page = page_of(query, number, size)
    page.items = [row[0] for row in page.items]
    return page


def find_person(user_id: int) -> User | None:
    """A person with their organisation and memberships (with bodies) loaded."""
    query = select(User).where(User.id == user_id).options(
        selectinload(User.organisation), selectinload(User.memberships).selectinload(Membership.body)
    )
    return db.session.scalar(query)


def split_memberships(person: User, day: date | None = None) -> tuple[list[Membership], list[Membership]]:
    """A person's memberships that still hold or are to come, and those that have ended, newest first."""
    day = day or date.today()
    ordered = sorted(person.memberships, key=lambda m: (m.since, m.id), reverse=True)
    current = [m for m in ordered if m.until is None or m.until >= day]
    past = [m for m in ordered if m.until is not None and m.until < day]
    return current, past


def find_membership(membership_id: int) -> Membership | None:
    """A membership with its person and body."""
    query = select(Membership).where(Membership.id == membership_id).options(
        selectinload(Membership.user), selectinload(Membership.body)
    )
    return db.session.scalar(query)


def candidates_for(body: Body) -> list[User]:
    """Active people who do not belong to the body today, by name: whom the secretariat may add to it."""
    member = exists().where(Membership.user_id == User.id, Membership.body_id == body.id, in_force())
    query = select(User).where(User.active.is_(True), ~member).order_by(func.lower(User.name), User.id)
    return list(db.session.scalars(query))


# --- organisations ------------------------------------------------------------------------------


def organisation_choices() -> list[tuple[str, str]]:
    """(id, name) pairs of every organisation, by name, for a choice list."""
    query = select(Organisation.id, Organisation.name, Organisation.acronym).order_by(func.lower(Organisation.name))
    return [(str(id_), f"{name} ({acronym})" if acronym else name) for id_, name, acronym in db.session.execute(query)]


def organisations_page(number: int, size: int = ORGANISATIONS_PAGE_SIZE) -> Page:
    """A page of organisations by name, each as (organisation, number of people)."""
    people = (
        select(User.organisation_id, func.count(User.id).label("people")).group_by(User.organisation_id).subquery()
    )
    query = (
        select(Organisation, func.coalesce(people.c.people, 0))
        .outerjoin(people, people.c.organisation_id == Organisation.id)
        .order_by(func.lower(Organisation.name), Organisation.id)
    )
    page = page_of(query, number, size)
    page.items = [(organisation, count) for organisation, count in page.items]
    return page
