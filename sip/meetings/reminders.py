"""Reminders of overdue action points: one e-mail a day at most per action point, through the outbox.

Who hears: the person who owns it; when it names nobody, the leads of the body that owns it. The worker runs this
with the daily report reminders (SIP_REMINDERS_CRON); `flask --app app sip meetings remind` does it by hand.
`reminded_on` on the action point is the guard: a second run the same day finds it set and sends nothing.
"""
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from sip.accounts.models import Membership, User
from sip.accounts.permissions import LEAD_ROLES
from sip.core import audit, outbox
from sip.core.database import intending_to_write
from sip.core.i18n import pick
from sip.core.queue import periodic
from sip.core.urls import absolute_url
from sip.extensions import db
from sip.meetings.models import ActionPoint


@dataclass
class ReminderRun:
    """What a run did: the action points reminded and the e-mails queued."""

    points: list[int] = field(default_factory=list)
    mails: int = 0


def overdue_points(today: date) -> list[ActionPoint]:
    """Open action points past their due date that were not reminded today."""
    return list(db.session.scalars(
        select(ActionPoint).where(ActionPoint.status == "open", ActionPoint.due_on < today,
                                  (ActionPoint.reminded_on.is_(None)) | (ActionPoint.reminded_on < today))
        .options(joinedload(ActionPoint.owner), joinedload(ActionPoint.body), joinedload(ActionPoint.meeting))
        .order_by(ActionPoint.id)))


def _recipients(point: ActionPoint, today: date) -> list[User]:
    """The owner, or the leads of the owning body when it names nobody (active people only)."""
    if point.owner is not None:
        return [point.owner] if point.owner.active else []
    leads = db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.body_id == point.body_id, Membership.role.in_(LEAD_ROLES), Membership.since <= today,
               (Membership.until.is_(None)) | (Membership.until >= today), User.active.is_(True)))
    return list(dict.fromkeys(leads))


def _mail(point: ActionPoint, person: User, today: date) -> tuple[str, str]:
    """The subject and text of the reminder, in the person's language."""
    lang = person.language or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(lang):
        late = (today - point.due_on).days
        text = pick(point.text, lang)
        subject = _("Overdue action point: %(text)s", text=text[:80])
        body = "\n\n".join([
            _("Hello %(name)s,", name=person.name),
            _("This action point of %(body)s was due on %(date)s:", body=pick(point.body.name, lang),
              date=format_date(point.due_on, "long")),
            f"  {text}",
            ngettext("It is %(num)d day late.", "It is %(num)d days late.", late),
            _("Mark it done, or dropped with a note, on the meeting's page: %(url)s",
              url=absolute_url("meetings.show", meeting_id=point.meeting_id) + f"#action-point-{point.id}"),
            _("You receive at most one reminder a day for each overdue action point."),
        ])
    return subject, body


def send_overdue_reminders(today: date) -> ReminderRun:
    """Queue today's reminders of overdue action points in the outbox, mark each point reminded, audit each."""
    run = ReminderRun()
    for point in overdue_points(today):
        # Claim the point for today first: two runs at once (cron and the worker) cannot both remind it.
        claimed = db.session.execute(
            update(ActionPoint).where(ActionPoint.id == point.id,
                                      (ActionPoint.reminded_on.is_(None)) | (ActionPoint.reminded_on < today))
            .values(reminded_on=today).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            continue
        people = _recipients(point, today)
        for person in people:
            subject, body = _mail(point, person, today)
            outbox.enqueue(person.email, subject, body, kind="action_point.overdue")
        audit.record("action_point.reminded", "action_point", point.id,
                     after={"on": today.isoformat(), "recipients": [p.id for p in people]})
        run.points.append(point.id)
        run.mails += len(people)
    db.session.commit()
    return run


@periodic(lambda config: config.get("SIP_REMINDERS_CRON"), name="action-point-reminders")
def remind_overdue_daily() -> None:
    """The worker's daily run of the overdue action point reminders (with the report reminders' schedule)."""
    with intending_to_write():
        send_overdue_reminders(date.today())
