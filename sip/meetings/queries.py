"""Reading meetings: the list and its filters, one meeting with what its page shows, action points for the home page,
a body's page and an activity's page, calendar contents, and what an organisation attended."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from sip.accounts.models import Organisation, User
from sip.accounts.permissions import LEAD_ROLES, bodies_of, is_signed_in
from sip.bodies.models import Body
from sip.core.pagination import Page, page_of
from sip.extensions import db
from sip.governance.models import Amendment
from sip.meetings.models import ActionPoint, AgendaItem, Attendance, Decision, Meeting, Minutes
from sip.reporting.models import ReportingPeriod

SMALL_ORGANISATIONS = ("NNGO", "CBO")  # national NGOs and community-based organisations: the share the GLM watches


@dataclass
class MeetingFilters:
    """The list's filters, from the query string."""

    body: str | None = None
    kind: str | None = None
    when: str | None = None  # upcoming | past | missing (past without minutes)


def _minutes_exist():
    """SQL: the meeting has at least one revision of minutes."""
    return exists().where(Minutes.meeting_id == Meeting.id)


def meetings_page(filters: MeetingFilters, number: int, size: int, now: datetime | None = None) -> Page:
    """A page of meetings, upcoming first by date then past newest first; each row (meeting, has minutes, endorsed)."""
    now = now or datetime.now(timezone.utc)
    endorsed = exists().where(Minutes.meeting_id == Meeting.id, Minutes.state == "endorsed")
    query = (select(Meeting, _minutes_exist().label("has_minutes"), endorsed.label("endorsed"))
             .options(joinedload(Meeting.body)))
    if filters.body:
        query = query.join(Body, Body.id == Meeting.body_id).where(Body.slug == filters.body)
    if filters.kind:
        query = query.where(Meeting.kind == filters.kind)
    if filters.when == "upcoming":
        query = query.where(Meeting.starts_at > now).order_by(Meeting.starts_at, Meeting.id)
    elif filters.when in ("past", "missing"):
        query = query.where(Meeting.starts_at <= now).order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        if filters.when == "missing":
            query = query.where(~_minutes_exist())
    else:
        query = query.order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    return page_of(query, number, size)


def missing_minutes_count(now: datetime | None = None) -> int:
    """How many meetings have been held without any minutes written."""
    now = now or datetime.now(timezone.utc)
    return db.session.scalar(select(func.count(Meeting.id)).where(Meeting.starts_at <= now, ~_minutes_exist()))


def find_meeting(meeting_id: int) -> Meeting | None:
    """One meeting with its agenda, attendance, minutes, decisions and action points."""
    return db.session.scalar(
        select(Meeting).where(Meeting.id == meeting_id).options(
            joinedload(Meeting.body), joinedload(Meeting.period),
            selectinload(Meeting.agenda).joinedload(AgendaItem.activity),
            selectinload(Meeting.agenda).joinedload(AgendaItem.amendment),
            selectinload(Meeting.agenda).joinedload(AgendaItem.report),
            selectinload(Meeting.agenda).joinedload(AgendaItem.action_point),
            selectinload(Meeting.attendance).joinedload(Attendance.user),
            selectinload(Meeting.attendance).joinedload(Attendance.organisation),
            selectinload(Meeting.minutes), selectinload(Meeting.decisions).joinedload(Decision.amendment),
            selectinload(Meeting.action_points).joinedload(ActionPoint.body),
            selectinload(Meeting.action_points).joinedload(ActionPoint.owner),
        ))


def carried_action_points(meeting: Meeting) -> list[ActionPoint]:
    """The body's action points still open from its earlier meetings: the agenda lists them automatically."""
    return list(db.session.scalars(
        select(ActionPoint).join(Meeting, Meeting.id == ActionPoint.meeting_id)
        .where(Meeting.body_id == meeting.body_id, Meeting.starts_at < meeting.starts_at,
               ActionPoint.status == "open")
        .options(joinedload(ActionPoint.owner), joinedload(ActionPoint.body))
        .order_by(ActionPoint.due_on, ActionPoint.id)))


@dataclass
class AttendanceSummary:
    """Who was there: people, organisations, partners with a vote, observers, and the share of national NGOs and
    community-based organisations among the organisations present."""

    people: int = 0
    organisations: int = 0
    voting: int = 0
    observers: int = 0
    small: int = 0

    @property
    def small_share(self) -> int | None:
        """The percentage of organisations present that are national NGOs or community-based organisations."""
        return round(100 * self.small / self.organisations) if self.organisations else None


def attendance_summary(meeting: Meeting) -> AttendanceSummary:
    """Counts of a meeting's attendance (from the rows already loaded)."""
    organisations = {a.organisation_id: a.organisation for a in meeting.attendance if a.organisation is not None}
    voting = {a.organisation_id for a in meeting.attendance if a.voting and a.organisation_id}
    return AttendanceSummary(
        people=sum(1 for a in meeting.attendance if a.user_id is not None),
        organisations=len(organisations), voting=len(voting),
        observers=len(organisations) - len(voting) if meeting.kind == "glm" else 0,
        small=sum(1 for org in organisations.values() if org.type in SMALL_ORGANISATIONS))


def endorsed_amendments() -> list[Amendment]:
    """The amendments the SAG has endorsed that no GLM has decided on yet, oldest first."""
    return list(db.session.scalars(select(Amendment).where(Amendment.state == "endorsed")
                                   .options(joinedload(Amendment.activity)).order_by(Amendment.id)))


def glm_periods() -> list[ReportingPeriod]:
    """The reporting periods marked as GLM periods, newest first."""
    return list(db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.glm.is_(True))
                                   .order_by(ReportingPeriod.year.desc(), ReportingPeriod.quarter.desc())))


def active_people() -> list[User]:
    """Everyone who may sign in, by name, with their organisation."""
    return list(db.session.scalars(select(User).where(User.active.is_(True)).options(joinedload(User.organisation))
                                   .order_by(User.name)))


def organisations() -> list[Organisation]:
    """Every organisation, by name."""
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))


# --- action points for other pages ---------------------------------------------------------------


@dataclass
class PointList:
    """Action points to show, and how many there are in all."""

    items: list = field(default_factory=list)
    total: int = 0


def _points(query, limit: int) -> PointList:
    """The first `limit` action points of a query, and their total."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(db.session.scalars(query.options(joinedload(ActionPoint.body), joinedload(ActionPoint.owner),
                                                  joinedload(ActionPoint.meeting)).limit(limit))) if total else []
    return PointList(items, total)


def my_action_points(user, limit: int = 10) -> PointList:
    """The open action points a person owns, or that a body they lead owns without naming anyone, soonest due first."""
    if not is_signed_in(user):
        return PointList()
    led = bodies_of(user, LEAD_ROLES)
    mine = ActionPoint.owner_id == user.id
    if led:
        mine = or_(mine, and_(ActionPoint.owner_id.is_(None),
                              ActionPoint.body_id.in_(select(Body.id).where(Body.slug.in_(led)))))
    query = select(ActionPoint).where(ActionPoint.status == "open", mine).order_by(ActionPoint.due_on, ActionPoint.id)
    return _points(query, limit)


def body_action_points(body: Body, limit: int = 10) -> PointList:
    """A body's open action points, soonest due first."""
    query = (select(ActionPoint).where(ActionPoint.body_id == body.id, ActionPoint.status == "open")
             .order_by(ActionPoint.due_on, ActionPoint.id))
    return _points(query, limit)


def activity_action_points(activity_id: int, limit: int = 20) -> PointList:
    """The action points about an activity: open ones first (soonest due), then the closed ones."""
    query = (select(ActionPoint).where(ActionPoint.activity_id == activity_id)
             .order_by((ActionPoint.status != "open"), ActionPoint.due_on.desc(), ActionPoint.id))
    return _points(query, limit)


def body_meetings(body: Body, now: datetime | None = None, limit: int = 5) -> dict:
    """A body's next meetings and its latest ones (each list at most `limit`)."""
    now = now or datetime.now(timezone.utc)
    base = select(Meeting).where(Meeting.body_id == body.id)
    return {"upcoming": list(db.session.scalars(base.where(Meeting.starts_at > now)
                                                .order_by(Meeting.starts_at).limit(limit))),
            "past": list(db.session.scalars(base.where(Meeting.starts_at <= now)
                                            .options(selectinload(Meeting.minutes))
                                            .order_by(Meeting.starts_at.desc()).limit(limit)))}


def meetings_attended(organisation_id: int, limit: int = 20) -> list[Meeting]:
    """The meetings an organisation (or one of its people) attended, newest first."""
    attended = select(Attendance.meeting_id).where(Attendance.organisation_id == organisation_id)
    return list(db.session.scalars(select(Meeting).where(Meeting.id.in_(attended)).options(joinedload(Meeting.body))
                                   .order_by(Meeting.starts_at.desc()).limit(limit)))


# --- calendars ----------------------------------------------------------------------------------

FEED_PAST = timedelta(days=400)  # a feed carries the last year's meetings and every future one


def calendar_for_person(user: User, now: datetime | None = None) -> list[Meeting]:
    """The meetings of a person's calendar: their bodies' meetings, every GLM plenary, and those they attended."""
    now = now or datetime.now(timezone.utc)
    slugs = bodies_of(user)
    attended = select(Attendance.meeting_id).where(Attendance.user_id == user.id)
    mine = or_(Meeting.kind == "glm", Meeting.id.in_(attended),
               Meeting.body_id.in_(select(Body.id).where(Body.slug.in_(slugs))) if slugs else False)
    return list(db.session.scalars(select(Meeting).where(mine, Meeting.starts_at >= now - FEED_PAST)
                                   .options(joinedload(Meeting.body)).order_by(Meeting.starts_at)))


def calendar_for_body(body: Body, now: datetime | None = None) -> list[Meeting]:
    """A body's meetings for its calendar."""
    now = now or datetime.now(timezone.utc)
    return list(db.session.scalars(select(Meeting).where(Meeting.body_id == body.id,
                                                         Meeting.starts_at >= now - FEED_PAST)
                                   .options(joinedload(Meeting.body)).order_by(Meeting.starts_at)))
