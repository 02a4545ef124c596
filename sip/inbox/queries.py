"""What needs a signed-in person now, for their home page: one list per role they hold, in a bounded number of queries.

Every rule is the owning domain's own: who files and submits a body's report (sip.reporting.permissions), which
bodies report and how a report stands against its due date (sip.reporting.queries and delivery), what still needs
an update before submitting (the same count as the reports page), who may endorse an amendment
(sip.governance.permissions). This module only gathers them for one person.
"""
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from sip.accounts import tokens
from sip.accounts.models import User
from sip.accounts.permissions import LEAD_ROLES, bodies_of, is_sag_member, is_secretariat
from sip.core.database import intending_to_write
from sip.core.i18n import current_language, pick
from sip.core.models import utcnow
from sip.extensions import db
from sip.governance.models import Amendment
from sip.governance.permissions import can_endorse
from sip.inbox import services as inbox
from sip.inbox.models import HomeVisit
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from sip.reporting import queries as reports
from sip.reporting.models import EDITABLE_STATES, REPORT_STATES, GroupReport
from sip.reporting.permissions import files_report_for, submits_for

log = logging.getLogger(__name__)

SHOWN = 10  # at most this many items a list; the rest is counted and linked to the full list
VISIT_GAP = timedelta(hours=1)  # visits closer than this are one visit: reloading keeps "since your last visit"
FIRST_VISIT = timedelta(days=30)  # on a first visit, "new" means accepted in the last 30 days
NOT_STARTED = "missing"  # the reporting vocabulary's word for a report nobody has saved yet


@dataclass
class Item:
    """One thing on a person's home page: what it is, the page where they act on it, and when."""

    title: str
    url: str
    state: str | None = None  # the state in the reader's words: "Not started", "Draft", "Returned" …
    due_on: date | None = None
    days_left: int | None = None  # until the due date; negative once it has passed
    at: datetime | None = None  # when it happened: submitted, endorsed, invited, accepted
    note: str | None = None  # the reviewer's note on a returned report
    outstanding: int | None = None  # activities that still need an update
    expired: bool = False  # an invitation whose link no longer works


@dataclass
class ItemList:
    """The first SHOWN items of a list, and how many there are in all."""

    items: list[Item] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        """How many are not shown."""
        return max(self.total - len(self.items), 0)

    def __bool__(self) -> bool:
        return bool(self.items)


def _list(items: list[Item], total: int | None = None) -> ItemList:
    """An ItemList of the first SHOWN items."""
    return ItemList(items[:SHOWN], len(items) if total is None else total)


@dataclass
class Home:
    """Everything a person's home page lists, one list per role they hold (None: not their role, no section)."""

    to_file: ItemList | None = None  # leads and whoever submits a body's report: reports still to submit
    drafts: ItemList | None = None  # members who draft but do not submit: their groups' drafts
    to_review: ItemList | None = None  # the secretariat: submitted reports, oldest first
    overdue: ItemList | None = None  # the secretariat: bodies whose report is past its due date
    to_verify: ItemList | None = None  # the secretariat: endorsed amendments waiting for a GLM
    invitations: ItemList | None = None  # the secretariat: people who have not chosen a password yet
    to_endorse: ItemList | None = None  # the SAG: proposed amendments
    accepted: ItemList | None = None  # the SAG: reports accepted since the last visit
    accepted_since: datetime | None = None
    notifications: ItemList = field(default_factory=ItemList)  # everyone: their newest unread notifications
    plan_loaded: bool = True

    @property
    def sections(self) -> list[str]:
        """The names of the lists this person has, in page order."""
        names = ("to_file", "drafts", "to_review", "overdue", "to_verify", "invitations", "to_endorse", "accepted")
        return [name for name in names if getattr(self, name) is not None]


# --- helpers ------------------------------------------------------------------------------------


def _aware(moment: datetime | None) -> datetime | None:
    """A stored time as an aware UTC time (SQLite gives naive UTC times, PostgreSQL aware ones)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def _name(body) -> str:
    """A body's short name (or name) in the reader's language."""
    return pick(body.short_name or body.name, current_language())


def _report_url(period_code: str, slug: str, anchor: str | None = None) -> str:
    """The report's page, where it is written, reviewed and read."""
    return url_for("reports.report", period=period_code, slug=slug, _anchor=anchor)


def _report_title(body_name: str, period_code: str) -> str:
    """"Training WG — 2026-Q4"."""
    return _("%(body)s — %(period)s", body=body_name, period=period_code)


def _state_word(state: str) -> str:
    """A report's state in the reader's words ("Not started" for one nobody has saved)."""
    return _("Not started") if state == NOT_STARTED else str(REPORT_STATES[state])


def _amendment_title(amendment: Amendment) -> str:
    """"Amendment 12: Reword 2.3.2.1"."""
    from sip.governance.models import AMENDMENT_KINDS

    return _("Amendment %(number)d: %(kind)s %(code)s", number=amendment.id,
             kind=AMENDMENT_KINDS.get(amendment.kind, amendment.kind), code=amendment.code)


# --- reports ------------------------------------------------------------------------------------


def _open_reports(strategy, today: date) -> tuple[list, dict]:
    """Every reporting body's report for every open period (sip.reporting's own rule of who reports and where a
    report stands), and the review notes of the returned ones by (body id, period id). Six queries."""
    bodies = reports.reporting_bodies(today)
    rows = reports.my_reports(bodies, strategy, today)
    periods = sorted({row.period.id for row in rows})
    notes = {}
    if periods:
        notes = {(body_id, period_id): note for body_id, period_id, note in db.session.execute(
            select(GroupReport.body_id, GroupReport.period_id, GroupReport.review_note)
            .where(GroupReport.period_id.in_(periods), GroupReport.state == "returned"))}
    return rows, notes


def _report_item(row, notes: dict, today: date) -> Item:
    """A body's open report as a home-page item: state, due date, what is left, the reviewer's note (and the link
    goes to the note when there is one)."""
    due = row.period.due_on
    note = notes.get((row.body.id, row.period.id))
    return Item(
        title=_report_title(_name(row.body), row.period.code),
        url=_report_url(row.period.code, row.body.slug, "review-note" if note else None),
        state=_state_word(row.state), due_on=due, days_left=(due - today).days if due else None,
        outstanding=row.outstanding, note=note,
    )


def _to_file(person, rows, notes, today: date) -> ItemList:
    """The reports the person submits (a lead's, a focal point's …) that are not submitted yet."""
    mine = [row for row in rows if row.state in (NOT_STARTED, *EDITABLE_STATES) and submits_for(person, row.body)]
    return _list([_report_item(row, notes, today) for row in mine])


def _drafts(person, rows, notes, today: date) -> ItemList:
    """The drafts (and returned reports) of the groups whose reports the person writes but does not submit."""
    mine = [row for row in rows if row.state in EDITABLE_STATES
            and files_report_for(person, row.body) and not submits_for(person, row.body)]
    return _list([_report_item(row, notes, today) for row in mine])


def _overdue(rows, today: date) -> ItemList:
    """The reporting bodies whose report is past its due date and not delivered, longest overdue first."""
    late = sorted((row for row in rows if row.delivery == "overdue"), key=lambda row: (row.period.due_on, row.body.slug))
    return _list([_report_item(row, {}, today) for row in late])


def _to_review() -> ItemList:
    """The submitted reports waiting for the secretariat, oldest submitted first (two queries)."""
    waiting = GroupReport.state == "submitted"
    total = db.session.scalar(select(func.count(GroupReport.id)).where(waiting)) or 0
    found = db.session.scalars(
        select(GroupReport).where(waiting).order_by(GroupReport.submitted_at, GroupReport.id).limit(SHOWN)
        .options(joinedload(GroupReport.body), joinedload(GroupReport.period), joinedload(GroupReport.submitted_by))
    )
    items = [Item(title=_report_title(_name(r.body), r.period.code),
                  url=_report_url(r.period.code, r.body.slug, "review"), at=_aware(r.submitted_at),
                  note=r.submitted_by.name if r.submitted_by else None, due_on=r.period.due_on)
             for r in found]
    return ItemList(items, total)


def _accepted_since(since: datetime) -> ItemList:
    """The reports accepted after `since`, newest first (two queries)."""
    recent = (GroupReport.state == "accepted", GroupReport.reviewed_at > since)
    total = db.session.scalar(select(func.count(GroupReport.id)).where(*recent)) or 0
    found = db.session.scalars(
        select(GroupReport).where(*recent).order_by(GroupReport.reviewed_at.desc(), GroupReport.id.desc())
        .limit(SHOWN).options(joinedload(GroupReport.body), joinedload(GroupReport.period))
    )
    items = [Item(title=_report_title(_name(r.body), r.period.code), url=_report_url(r.period.code, r.body.slug),
                  at=_aware(r.reviewed_at)) for r in found]
    return ItemList(items, total)


# --- amendments ---------------------------------------------------------------------------------


def _amendments(state: str, order, strategy_id: int) -> list[Amendment]:
    """The strategy's amendments in a state, with the activity their title names (one query)."""
    return list(db.session.scalars(
        select(Amendment).where(Amendment.strategy_id == strategy_id, Amendment.state == state)
        .order_by(order, Amendment.id).options(joinedload(Amendment.activity).load_only(Activity.code))
    ))


def _to_verify(strategy_id: int) -> ItemList:
    """The amendments the SAG endorsed, waiting for a GLM to verify them, endorsed longest ago first."""
    found = _amendments("endorsed", Amendment.sag_at, strategy_id)
    return _list([Item(title=_amendment_title(a), url=url_for("governance.amendment", amendment_id=a.id),
                       at=_aware(a.sag_at)) for a in found])


def _to_endorse(person, strategy_id: int) -> ItemList:
    """The proposed amendments this SAG member may endorse or reject (not their own), proposed longest ago first."""
    found = [a for a in _amendments("proposed", Amendment.proposed_at, strategy_id) if can_endorse(person, a)]
    return _list([Item(title=_amendment_title(a), url=url_for("governance.amendment", amendment_id=a.id),
                       at=_aware(a.proposed_at)) for a in found])


# --- people -------------------------------------------------------------------------------------


def _invitations(now: datetime) -> ItemList:
    """Active people who have not chosen a password yet (their invitation not accepted), invited longest ago first;
    marked expired once the link no longer works (two queries)."""
    pending = (User.password_hash.is_(None), User.active.is_(True))
    total = db.session.scalar(select(func.count(User.id)).where(*pending)) or 0
    found = db.session.scalars(select(User).where(*pending).order_by(User.created_at, User.id).limit(SHOWN))
    lifetime = timedelta(seconds=tokens.MAX_AGE["invite"])
    items = [Item(title=person.name, url=url_for("admin.person", user_id=person.id), at=_aware(person.created_at),
                  expired=bool(person.created_at) and now - _aware(person.created_at) > lifetime)
             for person in found]
    return ItemList(items, total)


# --- notifications -----------------------------------------------------------------------------


def _notifications(person) -> ItemList:
    """The person's newest unread notifications, each opening its page (and marking it read); two queries."""
    found = inbox.unread(person, limit=SHOWN)
    items = [Item(title=inbox.text(n), url=inbox.open_url(n), at=_aware(n.created_at)) for n in found]
    return ItemList(items, inbox.unread_count(person) if len(found) == SHOWN else len(found))


# --- visits -------------------------------------------------------------------------------------


def visit_since(user_id: int, now: datetime) -> datetime:
    """Since when the home page lists what is new to the person: their previous visit (visits closer together
    than VISIT_GAP count as one), or FIRST_VISIT ago on their first. One query."""
    visit = db.session.get(HomeVisit, user_id)
    if visit is None:
        return now - FIRST_VISIT
    seen_at = _aware(visit.seen_at)
    if now - seen_at > VISIT_GAP or visit.since is None:
        return seen_at
    return _aware(visit.since)


def record_visit(user_id: int, now: datetime, since: datetime) -> None:
    """Remember that the person looked at their home page now (one INSERT … ON CONFLICT statement).

    A GET that writes, so it is kept apart: its own short transaction on its own connection (on SQLite, a read
    transaction cannot always turn into a write one), not audited (it changes nobody's data the secretariat
    answers for), and a failure is logged and forgotten rather than costing the person their home page. On SQLite,
    a caller that writes afterwards must do so in a new transaction (the home page writes nothing else)."""
    table = HomeVisit.__table__
    try:
        with intending_to_write(), db.engine.begin() as connection:
            insert = sqlite_insert if connection.dialect.name == "sqlite" else postgresql_insert
            statement = insert(table).values(user_id=user_id, seen_at=now, since=since)
            connection.execute(statement.on_conflict_do_update(index_elements=[table.c.user_id],
                                                               set_={"seen_at": now, "since": since}))
    except SQLAlchemyError:
        log.warning("could not record a home page visit", exc_info=True)


# --- the home page ------------------------------------------------------------------------------


def home_for(user, today: date | None = None, now: datetime | None = None, *, record: bool = True) -> Home:
    """What needs the person now: one list per role they hold. About twenty queries whatever the data (the
    memberships are loaded with their bodies once; reports, amendments and people each in one or two queries).
    Showing the SAG list of new accepted reports records the visit (`record`)."""
    today, now = today or date.today(), now or utcnow()
    person = reports.load_person(user.id)
    strategy = current_strategy()
    home = Home(plan_loaded=strategy is not None)
    if person is None:
        return home
    home.notifications = _notifications(person)
    if strategy is None:
        return home
    secretariat, sag = is_secretariat(person), is_sag_member(person)
    rows, notes = _open_reports(strategy, today)
    if bodies_of(person, LEAD_ROLES) or any(submits_for(person, row.body) for row in rows):
        home.to_file = _to_file(person, rows, notes, today)
    if any(files_report_for(person, row.body) and not submits_for(person, row.body) for row in rows):
        home.drafts = _drafts(person, rows, notes, today)
    if secretariat:
        home.to_review = _to_review()
        home.overdue = _overdue(rows, today)
        home.to_verify = _to_verify(strategy.id)
        home.invitations = _invitations(now)
    if sag:
        home.to_endorse = _to_endorse(person, strategy.id)
        home.accepted_since = visit_since(person.id, now)
        home.accepted = _accepted_since(home.accepted_since)
        if record:
            record_visit(person.id, now, home.accepted_since)
    return home

