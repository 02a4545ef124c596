"""The last GLM's open action points, for the pack: what the plenary before this one asked of the bodies and is
still open, with the body that owns each (and the owner's organisation), its due date and whether it is overdue.

"The last GLM" is the GLM plenary held before this pack's GLM: the latest meeting of kind "glm" that started before
this GLM's own meeting (before the end of its quarter when it has none yet), this GLM's meetings left out. Nothing
personal is read: an owner is named by body and organisation, never by name, e-mail or phone, and the texts have
e-mail addresses and phone numbers masked. Three or four queries, whatever the number of points.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import gettext as _
from sqlalchemy import or_, select

from sip.accounts.models import Organisation, User
from sip.bodies.models import Body
from sip.core.i18n import pick
from sip.exports.sections import Written, glm_name
from sip.extensions import db
from sip.meetings.models import ACTION_STATES, ActionPoint, Meeting
from sip.reporting.models import ReportingPeriod

LANGUAGES = ("fr", "en")


@dataclass
class ActionItem:
    """An open action point as the pack lists it."""

    text: Written
    owner: str  # the body, and the owner's organisation when the point names a person: "Training WG (WFP)"
    due_on: date
    overdue: bool

    @property
    def state(self) -> str:
        """ "Open", or "Overdue" once its due date has passed."""
        return _("Overdue") if self.overdue else str(ACTION_STATES["open"])


@dataclass
class LastGlm:
    """The GLM before this pack's, and its action points still open (due date first)."""

    name: str
    held_on: date
    items: list[ActionItem] = field(default_factory=list)


def _text(text: dict | None, lang: str) -> Written:
    """An action point's text in the pack's language, or in the other one, marked, when it was written only there."""
    from sip.exports.content import redact

    text = text or {}
    if (text.get(lang) or "").strip():
        return Written(redact(text[lang]))
    for other in LANGUAGES:
        if other != lang and (text.get(other) or "").strip():
            return Written(redact(text[other]), other)
    return Written("")


def last_glm_meeting(glm: ReportingPeriod) -> Meeting | None:
    """The GLM plenary held before the GLM of this quarter (one query, two when the GLM has a meeting)."""
    own = db.session.scalar(select(Meeting.starts_at).where(Meeting.kind == "glm", Meeting.period_id == glm.id)
                            .order_by(Meeting.starts_at).limit(1))
    before = own if own is not None else datetime.combine(glm.ends_on + timedelta(days=1), time(), timezone.utc)
    return db.session.scalar(
        select(Meeting).where(Meeting.kind == "glm", Meeting.starts_at < before,
                              or_(Meeting.period_id.is_(None), Meeting.period_id != glm.id))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(1))


def last_glm_actions(glm: ReportingPeriod, lang: str, today: date) -> LastGlm | None:
    """The last GLM and its open action points in the language (None when no GLM met before this one)."""
    meeting = last_glm_meeting(glm)
    if meeting is None:
        return None
    name = glm_name(meeting.period, lang) or pick(meeting.title, lang)
    found = LastGlm(name, meeting.local_date)
    rows = db.session.execute(
        select(ActionPoint.text, ActionPoint.due_on, Body.slug, Body.name, Body.short_name, Organisation.acronym,
               Organisation.name)
        .join(Body, Body.id == ActionPoint.body_id)
        .outerjoin(User, User.id == ActionPoint.owner_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(ActionPoint.meeting_id == meeting.id, ActionPoint.status == "open")
        .order_by(ActionPoint.due_on, ActionPoint.id))
    for text, due_on, slug, body_name, short_name, acronym, organisation in rows:
        owner = pick(short_name or body_name, lang) or slug
        if acronym or organisation:
            owner = f"{owner} ({acronym or organisation})"
        found.items.append(ActionItem(_text(text, lang), owner, due_on, due_on < today))
    return found
