"""Reminders: e-mail whoever files a report that is due soon or late, and tell the secretariat who is far behind.

Whoever files it: a group's leads and co-leads; every member of the support team (it has no lead); the
reporting focal point of a body that is not a group of people, or the secretariat when it reports on the
body's behalf.

`send_reminders(today)` is what `flask --app app sip remind` runs (from cron, as often as one likes), and what the
worker runs every day (SIP_REMINDERS_CRON): a reminder log keeps it to one e-mail per report, recipient and day. The
e-mails go to the outbox; the worker sends them.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale, format_date, get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import or_, select

from sip.accounts.models import Membership, User
from sip.accounts.permissions import LEAD_ROLES, SECRETARIAT
from sip.bodies.models import Body
from sip.core import audit, outbox
from sip.core.database import intending_to_write
from sip.core.i18n import pick
from sip.core.queue import periodic
from sip.core.urls import absolute_url
from sip.extensions import db
from sip.reporting.delivery import DELIVERED_STATES  # with the secretariat or done: nobody to remind
from sip.reporting.models import GroupReport, ReminderLog, ReportingPeriod
from sip.reporting.permissions import SUPPORT_TEAM
from sip.reporting.queries import reporting_bodies

REMIND_WITHIN_DAYS = 7  # leads hear from us once the due date is this close
SUMMARY_AFTER_DAYS = 14  # the secretariat hears about groups this late
LEAD, SUMMARY = "lead", "overdue_summary"
# Why a person is reminded of a body's report (the e-mail says so).
AS_LEAD, AS_MEMBER, AS_FOCAL_POINT, AS_SECRETARIAT = "lead", "member", "focal_point", "secretariat"

def _language() -> str:
    """The language e-mails are being written in."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


# --- what is due --------------------------------------------------------------------------------


@dataclass
class DueReport:
    """A body's report for an open period that is due within a week or late, and not submitted."""

    period: ReportingPeriod
    body: Body
    report: GroupReport | None
    leads: list[User]  # whoever files the report (leads, support-team members, the focal point or the secretariat)
    days_left: int  # negative when late
    reason: str = AS_LEAD  # why they file it: AS_LEAD, AS_MEMBER, AS_FOCAL_POINT or AS_SECRETARIAT

    @property
    def state(self) -> str:
        """missing, draft or returned."""
        return self.report.state if self.report else "missing"

    @property
    def days_late(self) -> int:
        """Days past the due date (0 when not late)."""
        return max(0, -self.days_left)


def due_reports(today: date) -> list[DueReport]:
    """Every report of an open period that is due within 7 days or late and not yet submitted (or returned)."""
    periods = list(db.session.scalars(
        select(ReportingPeriod)
        .where(ReportingPeriod.state == "open", ReportingPeriod.due_on.is_not(None),
               ReportingPeriod.due_on <= today + timedelta(days=REMIND_WITHIN_DAYS))
        .order_by(ReportingPeriod.year, ReportingPeriod.quarter)
    ))
    if not periods:
        return []
    bodies = reporting_bodies(today)
    reports = {(r.period_id, r.body_id): r for r in db.session.scalars(
        select(GroupReport).where(GroupReport.period_id.in_([p.id for p in periods])))}
    filers = _filers_by_body(bodies, today)
    due = []
    for period in periods:
        for body in bodies:
            report = reports.get((period.id, body.id))
            if report is not None and report.state in DELIVERED_STATES:
                continue
            people, reason = filers[body.id]
            due.append(DueReport(period, body, report, people, (period.due_on - today).days, reason))
    return due


def _filers_by_body(bodies: list[Body], today: date) -> dict[int, tuple[list[User], str]]:
    """Who files each body's report on that day, and why (three queries at most)."""
    groups = [b.id for b in bodies if b.is_group_of_people and b.kind != SUPPORT_TEAM]
    teams = [b.id for b in bodies if b.kind == SUPPORT_TEAM]
    leads, members = _members_by_body(groups, today, LEAD_ROLES), _members_by_body(teams, today)
    staff = secretariat(today) if any(b.reported_by_secretariat and b.focal_point_id is None for b in bodies
                                      if not b.is_group_of_people) else []
    filers = {}
    for body in bodies:
        if body.kind == SUPPORT_TEAM:
            filers[body.id] = (members.get(body.id, []), AS_MEMBER)
        elif body.is_group_of_people:
            filers[body.id] = (leads.get(body.id, []), AS_LEAD)
        elif body.focal_point_id is not None:
            person = body.focal_point
            filers[body.id] = ([person] if person is not None and person.active else [], AS_FOCAL_POINT)
        else:
            filers[body.id] = (staff if body.reported_by_secretariat else [], AS_SECRETARIAT)
    return filers


def _members_by_body(body_ids: list[int], today: date, roles: tuple[str, ...] | None = None) -> dict[int, list[User]]:
    """The active members (with one of `roles`, when given) of each body on that day, ordered by e-mail address."""
    if not body_ids:
        return {}
    conditions = [Membership.body_id.in_(body_ids), Membership.since <= today,
                  or_(Membership.until.is_(None), Membership.until >= today), User.active.is_(True)]
    if roles is not None:
        conditions.append(Membership.role.in_(roles))
    rows = db.session.execute(
        select(Membership.body_id, User).join(User, Membership.user_id == User.id).where(*conditions)
        .order_by(User.email)
    ).all()
    found: dict[int, list[User]] = {}
    for body_id, user in rows:
        if user not in found.setdefault(body_id, []):
            found[body_id].append(user)
    return found


def secretariat(today: date) -> list[User]:
    """The people who get the summary: active members of the Rome support team and active admins."""
    in_team = (
        select(Membership.user_id)
        .join(Body, Membership.body_id == Body.id)
        .where(Body.slug == SECRETARIAT, Membership.since <= today,
               or_(Membership.until.is_(None), Membership.until >= today))
    )
    return list(db.session.scalars(
        select(User)
        .where(User.active.is_(True), or_(User.is_admin.is_(True), User.id.in_(in_team)))
        .order_by(User.email)
    ))


# --- the e-mails --------------------------------------------------------------------------------


@dataclass
class Reminder:
    """One e-mail to send (or already sent today): to whom, about which report, and its text."""

    kind: str  # "lead" or "overdue_summary"
    recipient_id: int
    email: str
    period_ids: list[int]
    body_id: int | None
    about: str  # for the command's output: "wg-training 2026-Q4 (draft, 3 days late)"
    subject: str = ""
    text: str = ""


@dataclass
class ReminderPlan:
    """What a run of `sip remind` queues, and what it leaves out because it was queued earlier the same day."""

    to_send: list[Reminder] = field(default_factory=list)
    already_sent: list[Reminder] = field(default_factory=list)

    def count(self, kind: str, which: str = "to_send") -> int:
        """How many e-mails of a kind are to send (or were already queued today)."""
        return sum(1 for reminder in getattr(self, which) if reminder.kind == kind)


def report_link(period: ReportingPeriod, body: Body) -> str:
    """The absolute address of a body's report for a period, e.g. https://…/reports/2026-Q4/wg-training."""
    return absolute_url("reports.report", period=period.code, slug=body.slug)


def _in_language(user: User):
    """A context in which gettext and dates speak the user's language."""
    return force_locale(user.language or current_app.config["BABEL_DEFAULT_LOCALE"])


def _when(days_left: int) -> str:
    """"3 days left", "due today" or "5 days late", in the current language."""
    if days_left > 0:
        return ngettext("%(num)d day left", "%(num)d days left", days_left)
    if days_left == 0:
        return _("due today")
    return ngettext("%(num)d day late", "%(num)d days late", -days_left)


def _state(due: DueReport) -> str:
    """"not started", "draft" or "returned with a note: …", in the current language."""
    if due.state == "returned":
        return _("returned with a note: “%(note)s”", note=(due.report.review_note or "").strip())
    return _("not started") if due.state == "missing" else _("draft")


def _lead_mail(due: DueReport, lead: User) -> tuple[str, str]:
    """Subject and text of a lead's reminder, in the lead's language."""
    with _in_language(lead):
        body_name = pick(due.body.name, _language())
        values = {"body": body_name, "period": due.period.code}
        if due.days_left > 0:
            subject = _("Reminder: the %(body)s report for %(period)s is due on %(date)s",
                        date=format_date(due.period.due_on, "long"), **values)
        elif due.days_left == 0:
            subject = _("Reminder: the %(body)s report for %(period)s is due today", **values)
        else:
            subject = _("Reminder: the %(body)s report for %(period)s is late", **values)
        which, because = _why(due.reason, values)
        lines = [
            _("Hello %(name)s,", name=lead.name), "",
            which,
            "",
            _("Due date: %(date)s", date=format_date(due.period.due_on, "long")) + f" ({_when(due.days_left)})",
            _("State: %(state)s", state=_state(due)), "",
            _("Open the report: %(link)s", link=report_link(due.period, due.body)), "",
            "-- ",
            because,
        ]
        return subject, "\n".join(lines) + "\n"


def _why(reason: str, values: dict) -> tuple[str, str]:
    """The reminder's opening sentence and its footer, for the reason the reader files the report."""
    if reason == AS_MEMBER:
        return (_("This is a reminder about the quarterly report of %(body)s for %(period)s, which any member of "
                  "%(body)s may write and submit.", **values),
                _("You receive this e-mail because you are a member of %(body)s in SIP Tracker.", **values))
    if reason == AS_FOCAL_POINT:
        return (_("This is a reminder about the quarterly report of %(body)s for %(period)s, which you file as its "
                  "reporting focal point.", **values),
                _("You receive this e-mail because you are the reporting focal point of %(body)s in SIP Tracker.",
                  **values))
    if reason == AS_SECRETARIAT:
        return (_("This is a reminder about the quarterly report of %(body)s for %(period)s, which the secretariat "
                  "files on its behalf.", **values),
                _("You receive this e-mail because the Rome support team files the report of %(body)s in SIP "
                  "Tracker.", **values))
    return (_("This is a reminder about the quarterly report of %(body)s for %(period)s, which you lead.", **values),
            _("You receive this e-mail because you are a lead or co-lead of %(body)s in SIP Tracker.", **values))


def _nobody(due: DueReport) -> str:
    """Why nobody was reminded of a report, in the current language."""
    if not due.body.is_group_of_people and due.body.focal_point_id is None and not due.body.reported_by_secretariat:
        return _("no reporting focal point: name one on the body's page")
    return _("no lead to remind")


def _summary_mail(overdue: list[DueReport], leaderless: list[DueReport], person: User) -> tuple[str, str]:
    """Subject and text of the secretariat's summary, in the reader's language."""
    with _in_language(person):
        lines = [_("Hello %(name)s,", name=person.name), ""]
        if overdue:
            lines.append(_("Reports overdue by more than %(num)d days:", num=SUMMARY_AFTER_DAYS))
            for due in overdue:
                line = _("%(body)s, %(period)s: %(state)s, %(when)s", body=pick(due.body.name, _language()),
                         period=due.period.code, state=_state(due), when=_when(due.days_left))
                if not due.leads:
                    line += " (" + _nobody(due) + ")"
                lines.append("- " + line)
                lines.append("  " + report_link(due.period, due.body))
            lines.append("")
        leaderless = [due for due in leaderless if due not in overdue]  # those overdue say so in their line
        if leaderless:
            lines.append(_("Reports due soon or late with nobody to remind:"))
            for due in leaderless:
                lines.append("- " + _("%(body)s, %(period)s: %(nobody)s, %(when)s",
                                      body=pick(due.body.name, _language()), period=due.period.code,
                                      nobody=_nobody(due), when=_when(due.days_left)))
                lines.append("  " + report_link(due.period, due.body))
            lines.append("")
        lines += [_("Whoever files these reports, where anyone does, was reminded by e-mail."), "", "-- ",
                  _("You receive this e-mail because you are in the Rome support team or an administrator of "
                    "SIP Tracker.")]
        return _("SIP Tracker: reports that need the secretariat"), "\n".join(lines) + "\n"


def _about(due: DueReport) -> str:
    """One line for the command's output (in the operator's language)."""
    return f"{due.body.slug} {due.period.code} ({due.state}, {_when(due.days_left)})"


def plan_reminders(today: date) -> ReminderPlan:
    """Work out every reminder due today, leaving out those the log says went out today already."""
    logged = {tuple(row) for row in db.session.execute(
        select(ReminderLog.period_id, ReminderLog.body_id, ReminderLog.recipient_id, ReminderLog.kind)
        .where(ReminderLog.sent_on == today)
    )}
    summaries_sent = {recipient for _p, _b, recipient, kind in logged if kind == SUMMARY}
    plan = ReminderPlan()
    due = due_reports(today)
    for item in due:
        for lead in item.leads:  # whoever files the report
            reminder = Reminder(LEAD, lead.id, lead.email, [item.period.id], item.body.id, _about(item))
            if (item.period.id, item.body.id, lead.id, LEAD) in logged:
                plan.already_sent.append(reminder)
                continue
            reminder.subject, reminder.text = _lead_mail(item, lead)
            plan.to_send.append(reminder)
    overdue = [item for item in due if item.days_late > SUMMARY_AFTER_DAYS]
    leaderless = [item for item in due if not item.leads]
    if overdue or leaderless:
        period_ids = sorted({item.period.id for item in overdue + leaderless})
        about = (f"{len(overdue)} group(s) overdue by more than {SUMMARY_AFTER_DAYS} days, "
                 f"{len(leaderless)} with no lead to remind")
        for person in secretariat(today):
            reminder = Reminder(SUMMARY, person.id, person.email, period_ids, None, about)
            if person.id in summaries_sent:
                plan.already_sent.append(reminder)
                continue
            reminder.subject, reminder.text = _summary_mail(overdue, leaderless, person)
            plan.to_send.append(reminder)
    return plan


def send_reminders(today: date, dry_run: bool = False) -> ReminderPlan:
    """Queue the reminders due today in the outbox, log and audit each; with dry_run, only say what would be sent.

    The e-mails, their log and their audit entries are one transaction: either all of them are queued (the
    worker sends them, retrying while the mail server is away) or none is, and a second run the same day finds
    them logged. Two runs at once (cron and the worker) cannot both queue one: the log's unique key refuses it.
    """
    plan = plan_reminders(today)
    if dry_run:
        db.session.rollback()
        return plan
    for reminder in plan.to_send:
        outbox.enqueue(reminder.email, reminder.subject, reminder.text, kind=f"reminder.{reminder.kind}")
        for period_id in reminder.period_ids:
            log = ReminderLog(period_id=period_id, body_id=reminder.body_id, recipient_id=reminder.recipient_id,
                              kind=reminder.kind, sent_on=today)
            db.session.add(log)
            db.session.flush()
            audit.record("report.reminded", "reminder_log", log.id,
                         after={"period": period_id, "body": reminder.body_id, "recipient": reminder.recipient_id,
                                "kind": reminder.kind, "sent_on": today.isoformat()})
    db.session.commit()
    return plan


@periodic(lambda config: config.get("SIP_REMINDERS_CRON"), name="daily-reminders")
def remind_daily() -> None:
    """The worker's daily run of the reminders (SIP_REMINDERS_CRON, 07:00 UTC by default)."""
    with intending_to_write():
        send_reminders(date.today())
