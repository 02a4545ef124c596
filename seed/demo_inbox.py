"""A realistic inbox for the demo accounts, made after the demo reports and home (seed/demo_reports.py, demo_home.py).

Filing the demo reports and amendments through the services already told everyone what a real quarter tells them
(the signals of reporting and governance reach the inbox). This module then makes that history look lived-in,
deterministically:

- each notification gets the date of its event (the demo moved the audit entries to plausible days; the
  notifications follow them), a quarter opening the day it opened;
- what is older than two weeks has been read and went out in that day's digest; the recent items stay unread;
- the mails queued while the history was replayed in a second are dropped: nobody sent a year of mail at once;
- the secretariat comments on a report waiting for review (and the admin writes an internal note), through the
  services, so that a group and the secretariat find a comment among their unread items.

Runs once: its audit entry ("demo.inbox") is its mark.
"""
from collections import defaultdict
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import delete, func, or_, select, update

from sip.accounts.models import User
from sip.core import audit
from sip.core.models import AuditEntry, OutboxMail
from sip.extensions import db
from sip.governance.models import Amendment
from sip.inbox.models import Notification
from sip.inbox.services import MAIL_KIND
from sip.plan.queries import current_strategy
from sip.reporting import services as reporting
from sip.reporting.models import GroupReport, ReportingPeriod

MARK = "demo.inbox"
READ_AFTER = timedelta(days=14)  # older items were read by now
LEAD, SECRETARIAT, ADMIN = "lead.training.demo@example.org", "rome.demo@example.org", "admin.demo@example.org"
# The report events whose notifications take the date of their audit entry.
REPORT_EVENTS = {"report-submitted": "report.submitted", "report-returned": "report.returned",
                 "report-accepted": "report.accepted"}
DIGEST_HOUR = time(7, 0)


def create_demo_inbox(today: date) -> int:
    """Date, read and tidy the notifications the demo history made, and add two comments; returns how many
    notifications the demo accounts have (0 when already done or when there is no demo)."""
    people = {u.email: u for u in db.session.scalars(select(User).where(User.email.like("%demo@example.org")))}
    if LEAD not in people or SECRETARIAT not in people or current_strategy() is None:
        return 0
    if db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == MARK).limit(1)):
        return 0
    _comments(people)
    _date_report_events()
    _date_other_events()
    _settle_history(today)
    # The history was replayed in a second: its mails were never sent to anyone, and would flood the console.
    db.session.execute(delete(OutboxMail).where(OutboxMail.kind == MAIL_KIND, OutboxMail.state == "queued",
                                                or_(OutboxMail.to_address.like("%demo@example.org"),
                                                    OutboxMail.expander.is_not(None))))
    audit.record(MARK, "notification", None, after={"today": today.isoformat()})
    db.session.commit()
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id.in_([u.id for u in people.values()])))


def _event_of(key: str) -> tuple[str, int, int]:
    """("report-submitted", report id, version) from a notification's event key."""
    parts = key.split(":")
    version = int(parts[2][1:]) if len(parts) > 2 and parts[2].startswith("v") else 0
    return parts[0], int(parts[1]), version


def _date_report_events() -> None:
    """Give each report notification the day of its event: the n-th submission of a report the date of its n-th
    "submitted" audit entry, and so on."""
    keys = db.session.scalars(select(Notification.event_key).where(
        Notification.event_key.like("report-%")).distinct()).all()
    wanted: dict[tuple[str, int], list[tuple[int, str]]] = defaultdict(list)
    for key in keys:
        prefix, report_id, version = _event_of(key)
        if prefix in REPORT_EVENTS:
            wanted[(prefix, report_id)].append((version, key))
    entries: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for action, entity_id, at in db.session.execute(
            select(AuditEntry.action, AuditEntry.entity_id, AuditEntry.at)
            .where(AuditEntry.entity == "group_report", AuditEntry.action.in_(REPORT_EVENTS.values()))
            .order_by(AuditEntry.id)):
        entries[(action, entity_id)].append(at)
    for (prefix, report_id), versions in wanted.items():
        moments = entries.get((REPORT_EVENTS[prefix], str(report_id)), [])
        for (_version, key), moment in zip(sorted(versions), moments, strict=False):
            _redate(key, moment)


def _date_other_events() -> None:
    """A quarter's opening is told the morning it opened; an amendment's proposal and endorsement when they
    happened (the demo home dated them)."""
    for period in db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.opens_on.is_not(None))):
        moment = datetime.combine(period.opens_on, time(8, 30), tzinfo=timezone.utc)
        _redate(f"period-opened:{period.id}:%", moment)
    for amendment in db.session.scalars(select(Amendment)):
        _redate(f"amendment-proposed:{amendment.id}", amendment.proposed_at)
        if amendment.sag_at is not None:
            _redate(f"amendment-endorsed:{amendment.id}", amendment.sag_at)


def _redate(key: str, moment: datetime) -> None:
    """Give the notifications of an event (a LIKE pattern) the moment it happened."""
    db.session.execute(update(Notification).where(Notification.event_key.like(key)).values(created_at=moment))


def _settle_history(today: date) -> None:
    """What is older than two weeks was read the next day and went out in the next morning's digest."""
    limit = datetime.combine(today, time(0, 0), tzinfo=timezone.utc) - READ_AFTER
    for notification in db.session.scalars(select(Notification).where(Notification.created_at < limit)):
        created = notification.created_at.replace(tzinfo=timezone.utc) if notification.created_at.tzinfo is None \
            else notification.created_at
        notification.read_at = created + timedelta(days=1)
        if notification.mailed_at is None:
            notification.digested_at = datetime.combine(created.date() + timedelta(days=1), DIGEST_HOUR,
                                                        tzinfo=timezone.utc)
        else:
            notification.mailed_at = created


def _comments(people: dict[str, User]) -> None:
    """The secretariat asks a group for a link on a report waiting for review; the admin notes a doubt for the
    secretariat only."""
    waiting = db.session.scalar(select(GroupReport).where(GroupReport.state == "submitted", GroupReport.demo.is_(True))
                                .order_by(GroupReport.id).limit(1))
    if waiting is None:
        return
    reporting.add_comment(waiting, people[SECRETARIAT], "Thank you: could you add a link to the evaluation before "
                          "we accept the report?", internal=False)
    if ADMIN in people:
        reporting.add_comment(waiting, people[ADMIN], "Evidence looks thin; check with the group before the GLM.",
                              internal=True)
