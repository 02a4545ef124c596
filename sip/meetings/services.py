"""Writes of meetings: create one, its agenda and attendance, minutes from draft to endorsed, decisions (a GLM's
verdict on amendments), action points and calendar links.

Every public function checks the permission again (for the CLI), refuses bad input before writing anything
(MeetingError, with the problems for the user), audits what it writes and commits.
"""
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from sip.accounts.models import Membership, Organisation, User
from sip.bodies.models import Body
from sip.core import audit
from sip.core.models import utcnow
from sip.extensions import db
from sip.governance import services as governance
from sip.governance.models import Amendment
from sip.meetings import permissions
from sip.meetings.models import (
    ACTION_STATES,
    KIND_BODIES,
    MEETING_KINDS,
    MINUTES_LANGUAGES,
    ActionPoint,
    AgendaItem,
    Attendance,
    CalendarKey,
    Decision,
    Meeting,
    Minutes,
)
from sip.plan.models import Activity
from sip.reporting.models import GroupReport, ReportingPeriod

TITLE_MAX = 200
TEXT_MAX = 2000
MINUTES_MAX = 100_000
NOTE_MAX = 2000
DURATION_MAX = 7 * 24 * 60  # a week: a GLM runs over several days
VOTES_MAX = 10_000
# The salt of a calendar link never renewed: the token is still signed with the app's key, so nobody without the key
# can make one; renewing stores a random salt, and a link made with this one stops working.
FIRST_SALT = "first"


class MeetingError(ValueError):
    """A refused meeting action; `problems` lists what to fix, for the user."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


class NotAllowed(MeetingError):
    """The actor may not do this (the views answer 403 before it comes to that)."""


def _id(actor) -> int | None:
    """The id of the acting user (None for the system)."""
    return getattr(actor, "id", None)


def _clean(value: str | None) -> str:
    """Text as typed, trimmed, with one kind of line break."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _bilingual(text: dict | None, problems: list[str], what: str, limit: int) -> dict:
    """Text in French, English or both, cleaned; at least one language, none too long."""
    cleaned = {lang: _clean((text or {}).get(lang)) for lang in ("fr", "en")}
    if not any(cleaned.values()):
        problems.append(_("Write the %(what)s, in French, English or both.", what=what))
    if any(len(value) > limit for value in cleaned.values()):
        problems.append(_("The %(what)s is at most %(max)d characters long.", what=what, max=limit))
    return {lang: value for lang, value in cleaned.items() if value}


def _refuse(problems: list[str]) -> None:
    """Raise MeetingError when there are problems."""
    if problems:
        raise MeetingError(_("Nothing was saved."), problems)


# --- meetings -----------------------------------------------------------------------------------


@dataclass
class MeetingData:
    """What a meeting is: whose, what kind, when (local time in its time zone), where, in which languages."""

    body: Body | None
    kind: str
    title: dict
    starts: datetime | None  # naive, in `timezone`
    timezone: str = "Europe/Rome"
    duration_minutes: int = 120
    place: str | None = None
    link: str | None = None
    languages: list[str] = field(default_factory=lambda: ["en"])
    period: ReportingPeriod | None = None


def check_meeting(data: MeetingData) -> tuple[dict, list[str]]:
    """The meeting's columns, and the problems that prevent saving it."""
    problems: list[str] = []
    if data.kind not in MEETING_KINDS:
        problems.append(_("Choose the kind of meeting."))
    if data.body is None:
        problems.append(_("Choose the body that meets."))
    elif data.kind in KIND_BODIES and KIND_BODIES[data.kind] and data.body.kind != KIND_BODIES[data.kind]:
        problems.append(_("A %(kind)s is a meeting of a body of another kind; choose “Other meeting” or another body.",
                          kind=str(MEETING_KINDS[data.kind]).lower()))
    title = _bilingual(data.title, problems, _("title"), TITLE_MAX)
    try:
        zone = ZoneInfo(data.timezone or "")
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
        problems.append(_("Choose the time zone the meeting is held in."))
    if data.starts is None:
        problems.append(_("Give the date and time the meeting starts."))
    if not (0 < (data.duration_minutes or 0) <= DURATION_MAX):
        problems.append(_("The meeting lasts between 1 minute and 7 days."))
    place, link = _clean(data.place)[:200] or None, _clean(data.link) or None
    if place is None and link is None:
        problems.append(_("Say where it is held: a place, an online link, or both."))
    if link is not None and (not link.startswith(("https://", "http://")) or len(link) > 500 or " " in link):
        problems.append(_("The online link is a web address starting with https://."))
    languages = [lang for lang in ("fr", "en") if lang in (data.languages or [])]
    if not languages:
        problems.append(_("Choose the meeting's language(s)."))
    if data.kind == "glm" and (data.period is None or not data.period.glm):
        problems.append(_("Choose the GLM this plenary is: a reporting period marked as a GLM period."))
    starts = None
    if data.starts is not None and zone is not None:
        starts = data.starts.replace(tzinfo=zone).astimezone(timezone.utc)
    return {"body_id": data.body.id if data.body else None, "kind": data.kind, "title": title, "starts_at": starts,
            "timezone": data.timezone, "duration_minutes": data.duration_minutes, "place": place, "link": link,
            "languages": languages, "period_id": data.period.id if data.kind == "glm" and data.period else None,
            }, problems


def _describe(meeting: Meeting) -> dict:
    """A meeting's fields for the audit trail."""
    return {"body": meeting.body_id, "kind": meeting.kind, "title": meeting.title,
            "starts_at": meeting.starts_utc.isoformat(), "timezone": meeting.timezone, "place": meeting.place,
            "link": meeting.link, "languages": meeting.languages, "period": meeting.period_id}


def create_meeting(data: MeetingData, actor) -> Meeting:
    """Schedule a meeting of a body (the secretariat: any; a group's lead: the group's)."""
    if data.body is not None and not permissions.can_create_meeting(actor, data.body, data.kind):
        raise NotAllowed(_("You may not create this meeting: the secretariat creates GLM plenaries and SAG "
                           "consultations, a group's lead the group's meetings."))
    fields, problems = check_meeting(data)
    if data.body is not None and not data.body.is_active:
        problems.append(_("This body is dissolved; it holds no more meetings."))
    _refuse(problems)
    meeting = Meeting(**fields, created_by_id=_id(actor))
    db.session.add(meeting)
    db.session.flush()
    audit.record("meeting.created", "meeting", meeting.id, user_id=_id(actor), after=_describe(meeting))
    db.session.commit()
    return meeting


# --- agenda -------------------------------------------------------------------------------------


def add_agenda_item(meeting: Meeting, actor, title: dict, *, activity: Activity | None = None,
                    report: GroupReport | None = None, amendment: Amendment | None = None,
                    action_point: ActionPoint | None = None) -> AgendaItem:
    """Add a point to the agenda, optionally about an activity, a report, an amendment or an earlier action point."""
    if not permissions.can_manage_meeting(actor, meeting):
        raise NotAllowed(_("Only the secretariat or the body's lead sets the agenda."))
    problems: list[str] = []
    links = [activity, report, amendment, action_point]
    cleaned = _clean_optional_title(title, links, problems)
    if action_point is not None and action_point.meeting_id == meeting.id:
        problems.append(_("An action point of this meeting cannot be on its own agenda."))
    _refuse(problems)
    position = (db.session.scalar(select(func.max(AgendaItem.position)).where(AgendaItem.meeting_id == meeting.id))
                or 0) + 1
    item = AgendaItem(meeting_id=meeting.id, position=position, title=cleaned,
                      activity_id=getattr(activity, "id", None), report_id=getattr(report, "id", None),
                      amendment_id=getattr(amendment, "id", None), action_point_id=getattr(action_point, "id", None))
    db.session.add(item)
    db.session.flush()
    audit.record("meeting.agenda_item_added", "meeting", meeting.id, user_id=_id(actor),
                 after={"item": item.id, "title": cleaned, "activity": item.activity_id, "report": item.report_id,
                        "amendment": item.amendment_id, "action_point": item.action_point_id})
    db.session.commit()
    return item


def _clean_optional_title(title: dict | None, links: list, problems: list[str]) -> dict:
    """An agenda point's title: required unless the point is about something linked (whose name then stands)."""
    if any(link is not None for link in links):
        cleaned = {lang: _clean((title or {}).get(lang)) for lang in ("fr", "en")}
        if any(len(value) > TITLE_MAX for value in cleaned.values()):
            problems.append(_("The %(what)s is at most %(max)d characters long.", what=_("title"), max=TITLE_MAX))
        return {lang: value for lang, value in cleaned.items() if value}
    return _bilingual(title, problems, _("agenda point"), TITLE_MAX)


# --- attendance ---------------------------------------------------------------------------------


def record_attendance(meeting: Meeting, actor, *, person: User | None = None,
                      organisation: Organisation | None = None) -> Attendance:
    """Record that a person (with their organisation) or an organisation as such attended; at a GLM, a partner
    organisation's people vote and a stakeholder's observe."""
    if not permissions.can_manage_meeting(actor, meeting):
        raise NotAllowed(_("Only the secretariat or the body's lead records attendance."))
    problems = []
    if person is None and organisation is None:
        problems.append(_("Choose a person or an organisation."))
    organisation = organisation or (person.organisation if person is not None else None)
    present = {(a.user_id, a.organisation_id) for a in meeting.attendance}
    if person is not None and any(user_id == person.id for user_id, _org in present):
        problems.append(_("%(name)s is already listed as present.", name=person.name))
    elif person is None and organisation is not None and (None, organisation.id) in present:
        problems.append(_("%(name)s is already listed as present.", name=organisation.name))
    _refuse(problems)
    voting = meeting.kind == "glm" and organisation is not None and organisation.kind == "partner"
    row = Attendance(meeting_id=meeting.id, user_id=getattr(person, "id", None),
                     organisation_id=getattr(organisation, "id", None), voting=voting)
    db.session.add(row)
    db.session.flush()
    audit.record("meeting.attendance_added", "meeting", meeting.id, user_id=_id(actor),
                 after={"attendance": row.id, "person": row.user_id, "organisation": row.organisation_id,
                        "voting": voting})
    db.session.commit()
    return row


def remove_attendance(row: Attendance, actor) -> None:
    """Take someone off the list of those present."""
    meeting = row.meeting
    if not permissions.can_manage_meeting(actor, meeting):
        raise NotAllowed(_("Only the secretariat or the body's lead records attendance."))
    before = {"attendance": row.id, "person": row.user_id, "organisation": row.organisation_id, "voting": row.voting}
    db.session.delete(row)
    audit.record("meeting.attendance_removed", "meeting", meeting.id, user_id=_id(actor), before=before)
    db.session.commit()


def voting_partners(meeting: Meeting) -> int:
    """How many partner organisations are present with a vote (one vote each, however many of their people came)."""
    return len({a.organisation_id for a in meeting.attendance if a.voting and a.organisation_id is not None})


# --- minutes ------------------------------------------------------------------------------------


def save_minutes(meeting: Meeting, actor, text: str, language: str, correction_note: str | None = None) -> Minutes:
    """Write the draft of the minutes (a new revision when the last one is endorsed: a correction, with its reason)."""
    if not permissions.can_write_minutes(actor, meeting):
        raise NotAllowed(_("Only the secretariat or the body's lead writes the minutes, once the meeting has begun."))
    text, note = _clean(text), _clean(correction_note)
    problems = []
    if not text:
        problems.append(_("Write the minutes."))
    elif len(text) > MINUTES_MAX:
        problems.append(_("The minutes are at most %(max)d characters long.", max=MINUTES_MAX))
    if language not in MINUTES_LANGUAGES:
        problems.append(_("Say which language the minutes are written in."))
    current = meeting.current_minutes
    correcting = current is not None and current.state == "endorsed"
    if current is not None and current.state == "circulated":
        problems.append(_("The minutes have been circulated; they wait for endorsement and can no longer be changed."))
    if correcting and not note:
        problems.append(_("The endorsed minutes are kept as they are; say what this revision corrects."))
    if len(note) > NOTE_MAX:
        problems.append(_("The note is at most %(max)d characters long.", max=NOTE_MAX))
    _refuse(problems)
    if current is None or correcting:
        minutes = Minutes(meeting_id=meeting.id, revision=(current.revision + 1) if current else 1,
                          language=language, text=text, state="draft", written_by_id=_id(actor),
                          correction_note=note or None)
        db.session.add(minutes)
        meeting.minutes.append(minutes)
        before = None
    else:
        minutes = current
        before = {"revision": minutes.revision, "language": minutes.language, "text": minutes.text}
        minutes.text, minutes.language, minutes.written_by_id, minutes.written_at = text, language, _id(actor), utcnow()
    db.session.flush()
    audit.record("minutes.saved", "meeting_minutes", minutes.id, user_id=_id(actor), before=before,
                 after={"meeting": meeting.id, "revision": minutes.revision, "language": language, "text": text},
                 rationale=note or None)
    db.session.commit()
    return minutes


def circulate_minutes(meeting: Meeting, actor) -> Minutes:
    """Send the draft minutes round the body for endorsement; they can no longer be changed."""
    if not permissions.can_write_minutes(actor, meeting):
        raise NotAllowed(_("Only the secretariat or the body's lead circulates the minutes."))
    minutes = meeting.current_minutes
    if minutes is None or minutes.state != "draft":
        raise MeetingError(_("There is no draft of the minutes to circulate."))
    minutes.state, minutes.circulated_at = "circulated", utcnow()
    _tell_the_body(meeting)
    audit.record("minutes.circulated", "meeting_minutes", minutes.id, user_id=_id(actor),
                 before={"state": "draft"}, after={"state": "circulated", "revision": minutes.revision})
    db.session.commit()
    return minutes


def _tell_the_body(meeting: Meeting) -> None:
    """E-mail the body's members that the minutes wait for their reading (in the circulation's transaction)."""
    from flask import current_app
    from flask_babel import force_locale

    from sip.core import outbox
    from sip.core.i18n import pick
    from sip.core.urls import absolute_url

    today = date.today()
    members = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id).where(
        Membership.body_id == meeting.body_id, Membership.since <= today,
        (Membership.until.is_(None)) | (Membership.until >= today), User.active.is_(True)))
    link = absolute_url("meetings.show", meeting_id=meeting.id) + "#minutes"
    for person in dict.fromkeys(members):
        lang = person.language or current_app.config["BABEL_DEFAULT_LOCALE"]
        with force_locale(lang):
            title = pick(meeting.title, lang)
            outbox.enqueue(person.email, _("Minutes to read: %(meeting)s", meeting=title),
                           _("Hello %(name)s,\n\nThe minutes of “%(meeting)s” have been circulated for endorsement. "
                             "Read them, and tell the body's lead of any correction before they are endorsed: "
                             "%(url)s", name=person.name, meeting=title, url=link),
                           kind="minutes.circulated")


def endorse_minutes(meeting: Meeting, actor) -> Minutes:
    """Endorse the circulated minutes (the SAG's chair, the group's lead, or the secretariat for the plenary); they
    are then read-only."""
    if not permissions.can_endorse_minutes(actor, meeting):
        raise NotAllowed(_("You may not endorse these minutes."))
    minutes = meeting.current_minutes
    minutes.state, minutes.endorsed_by_id, minutes.endorsed_at = "endorsed", _id(actor), utcnow()
    audit.record("minutes.endorsed", "meeting_minutes", minutes.id, user_id=_id(actor),
                 before={"state": "circulated"}, after={"state": "endorsed", "revision": minutes.revision})
    db.session.commit()
    return minutes


# --- decisions ----------------------------------------------------------------------------------


def record_decision(meeting: Meeting, actor, text: dict) -> Decision:
    """Record a decision the meeting took."""
    if not permissions.can_record_decision(actor, meeting):
        raise NotAllowed(_("You may not record this meeting's decisions."))
    problems: list[str] = []
    cleaned = _bilingual(text, problems, _("decision"), TEXT_MAX)
    _refuse(problems)
    decision = Decision(meeting_id=meeting.id, text=cleaned, method="consensus", recorded_by_id=_id(actor))
    db.session.add(decision)
    db.session.flush()
    audit.record("meeting.decision_recorded", "meeting_decision", decision.id, user_id=_id(actor),
                 after={"meeting": meeting.id, "text": cleaned})
    db.session.commit()
    return decision


@dataclass
class Verdict:
    """The partners' verdict on an amendment: by consensus (verified or rejected), or by a vote's three counts."""

    method: str  # consensus | vote
    verified: bool | None = None  # consensus only; a vote's outcome follows its counts
    votes_for: int | None = None
    votes_against: int | None = None
    votes_abstaining: int | None = None
    note: str | None = None


def check_verdict(meeting: Meeting, verdict: Verdict) -> tuple[bool | None, list[str]]:
    """Whether the verdict verifies the amendment, and the problems with it: a vote counts only the partner
    organisations present (stakeholders observe), and passes with more votes for than against."""
    problems = []
    if verdict.method == "consensus":
        if verdict.verified is None:
            problems.append(_("Say whether the plenary verified or rejected it."))
        return verdict.verified, problems
    if verdict.method != "vote":
        return None, [_("Say how the plenary decided: by consensus or by vote.")]
    counts = [verdict.votes_for, verdict.votes_against, verdict.votes_abstaining]
    if any(count is None or count < 0 or count > VOTES_MAX for count in counts):
        return None, [_("Give the number of votes for, against and abstaining (0 or more each).")]
    cast, voters = sum(counts), voting_partners(meeting)
    if cast == 0:
        problems.append(_("No vote was counted; give the votes for, against and abstaining."))
    elif cast > voters:
        problems.append(ngettext(
            "%(cast)d votes were counted, but only %(num)d partner organisation with a vote is recorded as present "
            "(stakeholders observe and do not vote). Record the attendance first, or correct the count.",
            "%(cast)d votes were counted, but only %(num)d partner organisations with a vote are recorded as present "
            "(stakeholders observe and do not vote). Record the attendance first, or correct the count.",
            voters, cast=cast))
    return verdict.votes_for > verdict.votes_against, problems


def record_verification(meeting: Meeting, amendment: Amendment, actor, verdict: Verdict) -> Decision:
    """Record a GLM plenary's verdict on an endorsed amendment; a verification applies it to the plan, in the
    version of that GLM, dated on the meeting's day."""
    if not permissions.can_record_verification(actor, meeting):
        raise NotAllowed(_("Only the secretariat records a GLM plenary's verdict on an amendment, once it has met."))
    verified, problems = check_verdict(meeting, verdict)
    note = _clean(verdict.note)
    if amendment is None or amendment.state != "endorsed":
        problems.append(_("Choose an amendment the SAG has endorsed and no GLM has decided on yet."))
    _refuse(problems)
    if verdict.method == "vote" and not verified and not note:
        note = _("Rejected by vote: %(for)d for, %(against)d against, %(abstaining)d abstaining.",
                 **{"for": verdict.votes_for, "against": verdict.votes_against,
                    "abstaining": verdict.votes_abstaining})
    on = meeting.local_date
    decision = Decision(meeting_id=meeting.id, amendment_id=amendment.id, outcome="verified" if verified else "rejected",
                        method=verdict.method, votes_for=verdict.votes_for, votes_against=verdict.votes_against,
                        votes_abstaining=verdict.votes_abstaining, recorded_by_id=_id(actor),
                        text=_verdict_text(amendment, verified, verdict))
    db.session.add(decision)
    db.session.flush()
    audit.record("meeting.decision_recorded", "meeting_decision", decision.id, user_id=_id(actor),
                 after={"meeting": meeting.id, "amendment": amendment.id, "outcome": decision.outcome,
                        "method": decision.method, "for": decision.votes_for, "against": decision.votes_against,
                        "abstaining": decision.votes_abstaining})
    try:
        # The plan version takes the meeting's day; governance commits the decision with the amendment's change,
        # and on a refusal nothing of either is kept.
        governance.record_glm(amendment, actor, verified, meeting.period, on, note or None,
                              today=max(date.today(), on))
    except governance.GovernanceError as refusal:
        db.session.rollback()
        raise MeetingError(str(refusal), refusal.problems) from refusal
    return decision


def _verdict_text(amendment: Amendment, verified: bool, verdict: Verdict) -> dict:
    """The decision as the minutes would say it, in both languages."""
    code = amendment.code
    if verdict.method == "vote":
        counts = f"{verdict.votes_for}/{verdict.votes_against}/{verdict.votes_abstaining}"
        return ({"en": f"Amendment {amendment.id} ({code}) verified by vote (for/against/abstaining: {counts}).",
                 "fr": f"Amendement {amendment.id} ({code}) vérifié par vote (pour/contre/abstention : {counts})."}
                if verified else
                {"en": f"Amendment {amendment.id} ({code}) rejected by vote (for/against/abstaining: {counts}).",
                 "fr": f"Amendement {amendment.id} ({code}) rejeté par vote (pour/contre/abstention : {counts})."})
    return ({"en": f"Amendment {amendment.id} ({code}) verified by consensus.",
             "fr": f"Amendement {amendment.id} ({code}) vérifié par consensus."} if verified else
            {"en": f"Amendment {amendment.id} ({code}) rejected by consensus.",
             "fr": f"Amendement {amendment.id} ({code}) rejeté par consensus."})


# --- action points ------------------------------------------------------------------------------


@dataclass
class ActionPointData:
    """What an action point says, whose it is, when it is due, what it is about."""

    text: dict
    body: Body | None
    due_on: date | None
    owner: User | None = None
    activity: Activity | None = None
    report: GroupReport | None = None


def add_action_point(meeting: Meeting, actor, data: ActionPointData) -> ActionPoint:
    """Give a body (and optionally one person) something to do by a day."""
    if not permissions.can_manage_meeting(actor, meeting):
        raise NotAllowed(_("Only the secretariat or the body's lead records action points."))
    problems: list[str] = []
    text = _bilingual(data.text, problems, _("action point"), TEXT_MAX)
    if data.body is None:
        problems.append(_("Choose the body that owns the action point."))
    elif not data.body.is_active:
        problems.append(_("This body is dissolved; give the action point to another."))
    if data.owner is not None and not data.owner.active:
        problems.append(_("%(name)s can no longer sign in; choose someone else.", name=data.owner.name))
    if data.due_on is None:
        problems.append(_("Give the due date, for example 2026-12-15."))
    elif data.due_on < meeting.local_date:
        problems.append(_("The due date cannot be before the meeting."))
    _refuse(problems)
    point = ActionPoint(meeting_id=meeting.id, text=text, body_id=data.body.id, owner_id=getattr(data.owner, "id", None),
                        due_on=data.due_on, activity_id=getattr(data.activity, "id", None),
                        report_id=getattr(data.report, "id", None), created_by_id=_id(actor))
    db.session.add(point)
    db.session.flush()
    audit.record("action_point.created", "action_point", point.id, user_id=_id(actor),
                 after={"meeting": meeting.id, "text": text, "body": point.body_id, "owner": point.owner_id,
                        "due_on": point.due_on.isoformat(), "activity": point.activity_id, "report": point.report_id})
    db.session.commit()
    return point


def set_action_point_status(point: ActionPoint, actor, status: str, note: str | None = None) -> ActionPoint:
    """Mark an action point done or dropped (a note required to drop it), or open it again."""
    if not permissions.can_update_action_point(actor, point):
        raise NotAllowed(_("Only the owner, the owning body's lead or the secretariat updates an action point."))
    note = _clean(note)
    problems = []
    if status not in ACTION_STATES:
        problems.append(_("Choose open, done or dropped."))
    elif status == point.status:
        problems.append(_("The action point is already %(state)s.", state=str(ACTION_STATES[status]).lower()))
    if status == "dropped" and not note:
        problems.append(_("Say why it is dropped: a note is required."))
    if len(note) > NOTE_MAX:
        problems.append(_("The note is at most %(max)d characters long.", max=NOTE_MAX))
    _refuse(problems)
    before = {"status": point.status, "note": point.status_note}
    point.status, point.status_note = status, note or None
    point.closed_at = None if status == "open" else utcnow()
    audit.record("action_point.updated", "action_point", point.id, user_id=_id(actor), before=before,
                 after={"status": status, "note": point.status_note}, rationale=note or None)
    db.session.commit()
    return point


# --- calendar links -----------------------------------------------------------------------------


def calendar_salt(owner_kind: str, owner_id: int) -> str:
    """The current salt of a person's or body's calendar link: FIRST_SALT until the link is first renewed (reading
    the calendar page writes nothing)."""
    salt = db.session.scalar(select(CalendarKey.salt).where(CalendarKey.owner_kind == owner_kind,
                                                            CalendarKey.owner_id == owner_id))
    return salt or FIRST_SALT


def renew_calendar(owner_kind: str, owner_id: int, actor) -> None:
    """Make a new calendar link; the old one stops working at once."""
    if owner_kind == "body":
        body = db.session.get(Body, owner_id)
        if body is None or not permissions.can_renew_body_calendar(actor, body):
            raise NotAllowed(_("Only the secretariat or the body's lead renews the body's calendar link."))
    elif owner_id != _id(actor):
        raise NotAllowed(_("You renew your own calendar link only."))
    key = db.session.scalar(select(CalendarKey).where(CalendarKey.owner_kind == owner_kind,
                                                      CalendarKey.owner_id == owner_id))
    if key is None:
        key = CalendarKey(owner_kind=owner_kind, owner_id=owner_id, salt="")
        db.session.add(key)
    key.salt, key.renewed_at = secrets.token_urlsafe(16), utcnow()
    db.session.flush()
    audit.record("calendar.renewed", "calendar_key", key.id, user_id=_id(actor),
                 after={"owner": owner_kind, "owner_id": owner_id})
    db.session.commit()

