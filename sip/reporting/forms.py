"""Report forms: one update per activity (fields prefixed ``a<activity id>-``) with the summary and the version in
one CSRF-protected form; the review (accept / return) and comments."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, FormField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from sip.core.forms import choices
from sip.plan.models import STATUSES
from sip.reporting.services import UpdateData

TEXT_MAX = 20000  # a long update is a few pages; anything beyond is a paste gone wrong
ACTIONS = ("save", "submit")


def one_newline(value):
    """Filter for text areas: browsers post CRLF; store LF, so an unchanged carried text compares equal."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


TEXT_FILTERS = [one_newline]
TEXT_CHECKS = [Length(max=TEXT_MAX)]

DECISIONS = ("accept", "return")
EXPIRED = _l("The page had expired. What you typed is kept below: send it again.")

# The label of each part of an update, for the form and for the read-only and conflict pages alike.
LABELS = {
    "status": _l("Status"),
    "progress_pct": _l("Progress (%)"),
    "achievements": _l("Achievements this quarter"),
    "challenges": _l("Challenges"),
    "next_steps": _l("Next steps"),
    "support_needed": _l("Support needed from the SAG"),
    "evidence_links": _l("Evidence links (one web address a line)"),
    "no_progress": _l("No progress this quarter"),
    "summary": _l("Summary of the quarter for the whole report"),
    "contribution": _l("Contribution note"),
}


class UpdateForm(Form):
    """What the group says about one activity this quarter (no CSRF of its own: it lives inside ReportForm)."""

    status = SelectField(LABELS["status"], choices=choices([("", _l("— choose a status —"))] + list(STATUSES.items())),
                         validators=[Optional()])
    progress_pct = IntegerField(LABELS["progress_pct"], validators=[
        Optional(), NumberRange(min=0, max=100, message=_l("Progress is a percentage between 0 and 100."))],
        render_kw={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"})
    achievements = TextAreaField(LABELS["achievements"], filters=TEXT_FILTERS, validators=TEXT_CHECKS)
    challenges = TextAreaField(LABELS["challenges"], filters=TEXT_FILTERS, validators=TEXT_CHECKS)
    next_steps = TextAreaField(LABELS["next_steps"], filters=TEXT_FILTERS, validators=TEXT_CHECKS)
    support_needed = TextAreaField(LABELS["support_needed"], filters=TEXT_FILTERS, validators=TEXT_CHECKS)
    evidence_links = TextAreaField(LABELS["evidence_links"], filters=TEXT_FILTERS,
                                   validators=TEXT_CHECKS)
    no_progress = BooleanField(LABELS["no_progress"])

    def to_data(self) -> UpdateData:
        """The update as the services take it."""
        return UpdateData(
            status=self.status.data or None,
            progress_pct=self.progress_pct.data,
            achievements=(self.achievements.data or "").strip(),
            challenges=(self.challenges.data or "").strip(),
            next_steps=(self.next_steps.data or "").strip(),
            support_needed=(self.support_needed.data or "").strip(),
            evidence_links=(self.evidence_links.data or "").strip(),
            no_progress=bool(self.no_progress.data),
        )


def field_name(activity_id: int) -> str:
    """The name of an activity's sub-form: its fields are posted as ``a<id>-status``, ``a<id>-achievements`` …"""
    return f"a{activity_id}"


class ReportForm(FlaskForm):
    """The whole report: the version it was opened at, the summary, and one UpdateForm per activity."""

    version = HiddenField(validators=[InputRequired(), Regexp(r"^\d{1,9}$")])
    summary = TextAreaField(LABELS["summary"], filters=TEXT_FILTERS,
                            validators=TEXT_CHECKS)
    # Posted by the button pressed ("Save draft" or "Submit"); pressing Enter uses the first one, "Save draft".
    action = StringField(validators=[Optional(), AnyOf(ACTIONS)])
    # Set on the page that asks to confirm next steps or evidence carried unchanged ("Submit anyway").
    confirm_carried = HiddenField(validators=[Optional(), AnyOf(("", "y"))])

    def update_form(self, activity_id: int) -> UpdateForm:
        """The sub-form of one activity."""
        return self[field_name(activity_id)].form

    def version_number(self) -> int:
        """The report version the form was opened at (0: not saved yet)."""
        return int(self.version.data)

    def submitting(self) -> bool:
        """True when the "Submit" button was pressed."""
        return self.action.data == "submit"

    def carried_confirmed(self) -> bool:
        """True when the lead confirmed submitting next steps or evidence carried unchanged."""
        return self.confirm_carried.data == "y"

    def has_update(self, activity_id: int) -> bool:
        """True when the form has a sub-form for this activity."""
        return field_name(activity_id) in self

    def updates(self, activities) -> dict[int, UpdateData]:
        """Each activity's update as typed."""
        return {a.id: self.update_form(a.id).to_data() for a in activities if self.has_update(a.id)}

    def problems(self, activities) -> list[str]:
        """The field errors as a list the reader can scan: "3.1.1.2 · Progress (%): …"."""
        listed = [str(EXPIRED)] if "csrf_token" in self.errors else []
        listed += [f"{self[name].label.text}: {error}" for name in ("version", "summary")
                   for error in self[name].errors]
        for activity in (a for a in activities if self.has_update(a.id)):
            sub = self.update_form(activity.id)
            listed += [f"{activity.code} · {sub[name].label.text}: {error}"
                       for name, errors in sub.errors.items() for error in errors]
        return listed


def report_form(activities, **kwargs) -> ReportForm:
    """A report form with one sub-form per activity; ``data`` pre-fills it, else the posted form is read."""
    form_class = type("ActivityReportForm", (ReportForm,), {
        field_name(a.id): FormField(UpdateForm, label=a.code) for a in activities})
    return form_class(**kwargs)


class ReviewForm(FlaskForm):
    """The secretariat's decision on a submitted report, with a note (required to return it)."""

    decision = StringField(validators=[InputRequired(), AnyOf(DECISIONS)])
    note = TextAreaField(_l("Note to the group (optional to accept; required to return: say what to fix)"),
                         filters=[one_newline], validators=[Length(max=TEXT_MAX)])


class CommentForm(FlaskForm):
    """A comment on a report."""

    text = TextAreaField(_l("Comment"), validators=[DataRequired(message=_l("Write a comment first.")),
                                                    Length(max=TEXT_MAX)])
    internal = BooleanField(_l("Internal to the secretariat (the group does not see it)"))
