"""Forms of meetings: a new meeting, an agenda point, attendance, minutes, decisions, verdicts, action points."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from sip.core.forms import choices, strip
from sip.meetings.models import ACTION_STATES, MEETING_KINDS, MINUTES_LANGUAGES
from sip.meetings.services import MINUTES_MAX, NOTE_MAX, TEXT_MAX, TITLE_MAX

# The time zones offered: where the cluster's meetings are held (any IANA name is accepted by the service).
TIME_ZONES = ("Europe/Rome", "UTC", "Europe/Geneva", "Europe/Paris", "Europe/London", "Africa/Dakar", "Africa/Bamako",
              "Africa/Abidjan", "Africa/Lagos", "Africa/Kinshasa", "Africa/Nairobi", "Africa/Addis_Ababa",
              "Africa/Johannesburg", "Asia/Amman", "Asia/Dubai", "Asia/Kabul", "Asia/Dhaka", "Asia/Bangkok",
              "Asia/Manila", "America/Panama", "America/Bogota", "America/New_York", "Pacific/Fiji")
EXPIRED = _l("The page had expired; nothing was saved. What you typed is kept below: send it again.")


def one_newline(value):
    """Filter for text areas: browsers post CRLF; keep LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    """Several choices as check boxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProblemsForm(FlaskForm):
    """A form that lists its errors as sentences for the top of the page."""

    def set_choices(self, name: str, pairs) -> None:
        """A select's options from (value, label) pairs."""
        self[name].choices = choices(pairs)

    def problems(self) -> list[str]:
        """Every error of the form, one sentence each."""
        listed = [str(EXPIRED)] if "csrf_token" in self.errors else []
        return listed + [f"{self[name].label.text}: {error}" for name, errors in self.errors.items()
                         if name != "csrf_token" for error in errors]


class ActionForm(ProblemsForm):
    """A button that changes something: only its CSRF token."""


class MeetingForm(ProblemsForm):
    """A new meeting: the body, the kind, a title, when (in its time zone), where, in which languages."""

    body = SelectField(_l("Body"), validators=[InputRequired(message=_l("Choose the body that meets."))])
    kind = SelectField(_l("Kind of meeting"), choices=choices(MEETING_KINDS))
    title_en = StringField(_l("Title in English"), filters=[strip], validators=[Length(max=TITLE_MAX)])
    title_fr = StringField(_l("Title in French"), filters=[strip], validators=[Length(max=TITLE_MAX)])
    starts = DateTimeLocalField(_l("Starts (local time where it is held)"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                validators=[InputRequired(message=_l("Give the date and time, e.g. 2026-11-20 09:30."))])
    timezone = SelectField(_l("Time zone"), choices=choices([(zone, zone.replace("_", " ")) for zone in TIME_ZONES]))
    duration = IntegerField(_l("Duration (minutes)"), default=120,
                            validators=[InputRequired(), NumberRange(min=1, max=7 * 24 * 60)])
    place = StringField(_l("Place"), filters=[strip], validators=[Length(max=200)])
    link = StringField(_l("Online link"), filters=[strip], validators=[Length(max=500)])
    languages = MultiCheckboxField(_l("Languages"), choices=choices(MINUTES_LANGUAGES), default=["en"])
    period = SelectField(_l("GLM (for a GLM plenary)"), validators=[Optional()])


class AgendaForm(ProblemsForm):
    """A point of the agenda, optionally about an activity, an amendment, a report or an earlier action point."""

    title_en = StringField(_l("Point in English"), filters=[strip], validators=[Length(max=TITLE_MAX)])
    title_fr = StringField(_l("Point in French"), filters=[strip], validators=[Length(max=TITLE_MAX)])
    activity = StringField(_l("About activity (code)"), filters=[strip], validators=[Length(max=20)])
    amendment = SelectField(_l("About amendment"), validators=[Optional()])
    report = SelectField(_l("About report"), validators=[Optional()])
    action_point = SelectField(_l("About an earlier action point"), validators=[Optional()])


class AttendanceForm(ProblemsForm):
    """Someone present: a person (with their organisation) or an organisation as such."""

    person = SelectField(_l("Person"), validators=[Optional()])
    organisation = SelectField(_l("Or an organisation"), validators=[Optional()])


class MinutesForm(ProblemsForm):
    """The minutes, in one language, and for a correction of endorsed minutes, what it corrects."""

    text = TextAreaField(_l("Minutes"), filters=[one_newline, strip],
                         validators=[InputRequired(message=_l("Write the minutes.")), Length(max=MINUTES_MAX)])
    language = SelectField(_l("Written in"), choices=choices(MINUTES_LANGUAGES))
    correction_note = TextAreaField(_l("What this revision corrects (for endorsed minutes)"),
                                    filters=[one_newline, strip], validators=[Length(max=NOTE_MAX)])


class DecisionForm(ProblemsForm):
    """A decision of the meeting, in one language or both."""

    text_en = TextAreaField(_l("Decision in English"), filters=[one_newline, strip], validators=[Length(max=TEXT_MAX)])
    text_fr = TextAreaField(_l("Decision in French"), filters=[one_newline, strip], validators=[Length(max=TEXT_MAX)])


class VerdictForm(ProblemsForm):
    """The GLM plenary's verdict on an endorsed amendment: by consensus, or by the partners' vote."""

    amendment = SelectField(_l("Amendment"), validators=[InputRequired(message=_l("Choose the amendment."))])
    method = SelectField(_l("How the plenary decided"),
                         choices=choices([("consensus", _l("By consensus")),
                                          ("vote", _l("By vote of the partners present"))]))
    outcome = SelectField(_l("Consensus"), choices=choices([("verify", _l("Verified")), ("reject", _l("Rejected"))]))
    votes_for = IntegerField(_l("Votes for"), validators=[Optional(), NumberRange(min=0, max=10_000)])
    votes_against = IntegerField(_l("Votes against"), validators=[Optional(), NumberRange(min=0, max=10_000)])
    votes_abstaining = IntegerField(_l("Abstaining"), validators=[Optional(), NumberRange(min=0, max=10_000)])
    note = TextAreaField(_l("Note (required to reject by consensus: say why)"), filters=[one_newline, strip],
                         validators=[Length(max=NOTE_MAX)])


class ActionPointForm(ProblemsForm):
    """An action point: what, whose (a body, optionally a person), by when, about what."""

    text_en = TextAreaField(_l("Action point in English"), filters=[one_newline, strip],
                            validators=[Length(max=TEXT_MAX)])
    text_fr = TextAreaField(_l("Action point in French"), filters=[one_newline, strip],
                            validators=[Length(max=TEXT_MAX)])
    body = SelectField(_l("Owned by (body)"), validators=[InputRequired(message=_l("Choose the body."))])
    owner = SelectField(_l("Person responsible (optional)"), validators=[Optional()])
    due_on = DateField(_l("Due on"), validators=[InputRequired(message=_l("Give the due date, e.g. 2026-12-15."))])
    activity = StringField(_l("About activity (code, optional)"), filters=[strip], validators=[Length(max=20)])
    report = SelectField(_l("About report (optional)"), validators=[Optional()])


class ActionStatusForm(ProblemsForm):
    """An action point marked done or dropped (with a note), or open again."""

    status = SelectField(_l("Status"), choices=choices(ACTION_STATES))
    note = TextAreaField(_l("Note (required to drop it)"), filters=[one_newline, strip],
                         validators=[Length(max=NOTE_MAX)])


class FilterForm(FlaskForm):
    """The filters of the meetings list (GET; no CSRF token)."""

    class Meta:
        csrf = False

    body = SelectField(_l("Body"), validators=[Optional()])
    kind = SelectField(_l("Kind"), validators=[Optional()])
    when = SelectField(_l("When"), validators=[Optional()])
