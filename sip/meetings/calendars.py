"""iCalendar files: one per meeting, and a feed per person and per body behind a link that can be renewed.

Each event carries its start in the meeting's own time zone (with that zone's VTIMEZONE), so that a calendar in
Nairobi shows a Rome GLM at Nairobi's hour. The feed's link is a token signed with the app's key over the owner and
a salt kept in calendar_key; renewing the salt makes every earlier link fail, and no secret is stored in clear.
"""
from datetime import timedelta

from flask import current_app
from icalendar import Calendar, Event
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from sip.core.i18n import pick
from sip.core.models import utcnow
from sip.core.urls import absolute_url
from sip.extensions import db
from sip.meetings.models import MEETING_KINDS, CalendarKey, Meeting
from sip.meetings.services import FIRST_SALT

PRODID = "-//Logistics Cluster//SIP Tracker//EN"
SIGNING_SALT = "sip.meetings.calendar"


def _serializer() -> URLSafeSerializer:
    """Signs and reads calendar tokens with the app's secret key."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SIGNING_SALT)


def token_for(owner_kind: str, owner_id: int, salt: str) -> str:
    """The token of a person's or body's calendar link."""
    return _serializer().dumps([owner_kind, owner_id, salt])


def owner_of(token: str) -> tuple[str, int] | None:
    """(owner kind, owner id) of a calendar token still valid, or None for a forged or renewed one."""
    try:
        owner_kind, owner_id, salt = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    key = db.session.scalar(select(CalendarKey).where(CalendarKey.owner_kind == owner_kind,
                                                      CalendarKey.owner_id == owner_id))
    if salt != (key.salt if key is not None else FIRST_SALT):
        return None
    return owner_kind, owner_id


def _event(meeting: Meeting, lang: str) -> Event:
    """One meeting as an event, its times in the meeting's own time zone."""
    start = meeting.local_start
    kind = str(MEETING_KINDS.get(meeting.kind, meeting.kind))
    where = ", ".join(part for part in (meeting.place, meeting.link) if part)
    description = "\n".join(part for part in (f"{kind} — {pick(meeting.body.name, lang)}", meeting.link or "",
                                              absolute_url("meetings.show", meeting_id=meeting.id)) if part)
    return Event.new(
        uid=f"meeting-{meeting.id}@sip-tracker", summary=pick(meeting.title, lang), start=start,
        end=start + timedelta(minutes=meeting.duration_minutes), location=where or None, description=description,
        url=absolute_url("meetings.show", meeting_id=meeting.id), stamp=utcnow(), categories=[kind],
    )


def calendar_of(meetings: list[Meeting], name: str, lang: str) -> bytes:
    """An iCalendar file of these meetings, with the time zones they use."""
    calendar = Calendar.new(prodid=PRODID, name=name)
    for meeting in meetings:
        calendar.add_component(_event(meeting, lang))
    calendar.add_missing_timezones()
    return calendar.to_ical()
