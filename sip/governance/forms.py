"""Forms of plan governance: proposals of each kind, the SAG's and the GLM's decisions, filters, hand-over, import."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    FieldList,
    Form,
    FormField,
    HiddenField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, ValidationError

from sip.core.forms import choices, strip
from sip.governance.models import AMENDMENT_KINDS, AMENDMENT_STATES, RETIRE_AS
from sip.governance.services import NOTE_MAX, RATIONALE_MAX, TEXT_MAX
from sip.plan.models import ROLES

EXPIRED = _l("The page had expired; nothing was saved. What you typed is kept below: send it again.")
RESPONSIBILITY_ROWS = 6  # empty rows offered; an activity with more bodies gets a row each, up to the maximum
RESPONSIBILITY_MAX = 20
DOCUMENT_MAX = 1024 * 1024  # a plan document is about 60 kB; a megabyte is a wrong file
SAG_DECISIONS = ("endorse", "reject")


def one_newline(value):
    """Filter for text areas: browsers post CRLF; keep LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class ProposalForm(FlaskForm):
    """What every proposal has: the rationale and the body it is made for."""

    # Not checked against the list here: the services refuse a body the user may not propose for, and an empty
    # value means the first body they may propose for.
    proposing_body = SelectField(_l("Proposed on behalf of"), validate_choice=False)
    rationale = TextAreaField(_l("Rationale: why the plan should change"), filters=[one_newline, strip],
                              validators=[DataRequired(message=_l("Say why: a rationale is required.")),
                                          Length(max=RATIONALE_MAX)])

    def set_bodies(self, bodies: list[tuple[str, str]]) -> None:
        """The bodies the user may propose for, as (slug, name) pairs."""
        self.proposing_body.choices = choices(bodies)

    def problems(self) -> list[str]:
        """Every error of the form, one sentence each, for the top of the page."""
        listed = [str(EXPIRED)] if "csrf_token" in self.errors else []
        for name, errors in self.errors.items():
            if name == "csrf_token":
                continue
            field = self[name]
            if isinstance(errors, dict) or (errors and isinstance(errors[0], dict)):
                continue  # sub-forms report through their own fields
            listed += [f"{field.label.text}: {error}" for error in errors]
        return listed


class TextFields:
    """The activity's text in both languages."""

    text_fr = TextAreaField(_l("Text in French"), filters=[one_newline, strip], validators=[Length(max=TEXT_MAX)])
    text_en = TextAreaField(_l("Text in English"), filters=[one_newline, strip], validators=[Length(max=TEXT_MAX)])

    def text(self) -> dict:
        """The text as the services take it."""
        return {"fr": self.text_fr.data or "", "en": self.text_en.data or ""}


class EditTextForm(TextFields, ProposalForm):
    """A new wording of an activity."""


class RetireForm(ProposalForm):
    """Retiring an activity as completed or discontinued."""

    retire_as = SelectField(_l("Retire the activity as"), choices=choices(RETIRE_AS),
                            validators=[InputRequired(), AnyOf(list(RETIRE_AS))])


class OutputFields:
    """The output an activity goes under (ids as values)."""

    output = SelectField(_l("Output"), validators=[InputRequired(message=_l("Choose an output."))])

    def set_outputs(self, outputs) -> None:
        """The plan's outputs as choices: "1.1.1 — text"."""
        self.output.choices = choices([("", _l("— choose an output —"))] + outputs)

    def output_id(self) -> int | None:
        """The chosen output's id."""
        return int(self.output.data) if (self.output.data or "").isdigit() else None


class MoveForm(OutputFields, ProposalForm):
    """Moving an activity under another output, optionally with a new code."""

    code = StringField(_l("New code (leave empty to keep the code)"), filters=[strip],
                       validators=[Optional(), Length(max=20)])


class ResponsibilityRow(Form):
    """One responsible body and its role (no CSRF of its own: it lives inside a proposal form)."""

    body = SelectField(_l("Body"), validate_choice=True, validators=[Optional()])
    role = SelectField(_l("Role"), choices=choices(ROLES), validators=[Optional()])


class ResponsibilityFields:
    """Up to RESPONSIBILITY_ROWS responsible bodies with their roles, one of them accountable; empty rows are ignored."""

    rows = FieldList(FormField(ResponsibilityRow), min_entries=RESPONSIBILITY_ROWS, max_entries=RESPONSIBILITY_MAX)
    # The number of the row (from 0) whose body is accountable: one radio button a row.
    accountable = StringField(_l("Accountable body"), filters=[strip])

    def validate_accountable(self, field) -> None:
        """Exactly one accountable body, among the rows that name a body (when any does)."""
        listed = [str(index) for index, row in enumerate(self.rows) if row.form.body.data]
        if field.data not in listed and len({row.form.body.data for row in self.rows if row.form.body.data}) == 1:
            field.data = listed[0]  # one body listed: it is the accountable one
        if listed and field.data not in listed:
            raise ValidationError(_l("Choose which of the bodies listed is accountable: the one whose report sets "
                                     "the activity's status."))

    def fill_rows(self, responsibilities, accountable_body_id: int | None = None) -> None:
        """Start the rows from the bodies responsible now (the accountable one chosen), with at least one empty row."""
        while len(self.rows) < min(len(responsibilities) + 1, RESPONSIBILITY_MAX):
            self.rows.append_entry()
        for row, responsibility in zip(self.rows, responsibilities, strict=False):  # more rows than bodies
            row.form.body.data, row.form.role.data = responsibility.body.slug, responsibility.role
        ids = [r.body_id for r in responsibilities]
        self.accountable.data = str(ids.index(accountable_body_id)) if accountable_body_id in ids else "0"

    def set_body_choices(self, bodies: list[tuple[str, str]]) -> None:
        """The active bodies as choices of every row."""
        for row in self.rows:
            row.form.body.choices = choices([("", _l("— none —"))] + bodies)

    def responsibilities(self) -> list[dict]:
        """The rows that name a body, as [{"body": slug, "role": role}], the accountable one marked."""
        return [{"body": row.form.body.data, "role": row.form.role.data,
                 **({"accountable": True} if str(index) == self.accountable.data else {})}
                for index, row in enumerate(self.rows) if row.form.body.data]


class ResponsibilitiesForm(ResponsibilityFields, ProposalForm):
    """The bodies responsible for an activity, as they should be."""


class NewActivityForm(OutputFields, TextFields, ResponsibilityFields, ProposalForm):
    """A new activity under an output."""

    code = StringField(_l("Code of the new activity"), filters=[strip],
                       validators=[DataRequired(message=_l("Give the new activity a code, for example 3.1.1.3.")),
                                   Length(max=20)])


PROPOSAL_FORMS = {"edit_text": EditTextForm, "retire": RetireForm, "move": MoveForm,
                  "responsibilities": ResponsibilitiesForm, "add": NewActivityForm}


class SagDecisionForm(FlaskForm):
    """The SAG's decision: endorse (optional note) or reject (note required)."""

    decision = StringField(validators=[InputRequired(), AnyOf(SAG_DECISIONS)])
    note = TextAreaField(_l("Note (optional to endorse; required to reject: say why)"), filters=[one_newline, strip],
                         validators=[Length(max=NOTE_MAX)])


class AmendmentFilterForm(Form):
    """The filters of the amendments list, read from the query string (GET, so no CSRF token)."""

    state = SelectField(_l("State"), validators=[Optional()])
    kind = SelectField(_l("Kind of change"), validators=[Optional()])
    body = SelectField(_l("Proposed by"), validators=[Optional()])
    q = SearchField(_l("Activity code"), validators=[Optional(), Length(max=20)])

    def set_choices(self, bodies: list[tuple[str, str]]) -> None:
        """Fill the choice lists; an empty value means "any"."""
        anything = [("", _l("Any"))]
        self.state.choices = choices(anything + list(AMENDMENT_STATES.items()))
        self.kind.choices = choices(anything + list(AMENDMENT_KINDS.items()))
        self.body.choices = choices(anything + bodies)


class HandOverForm(FlaskForm):
    """The rationale of a hand-over; each activity's receiving body is posted as ``to-<activity code>``."""

    rationale = TextAreaField(_l("Rationale"), filters=[one_newline, strip],
                              validators=[DataRequired(message=_l("Say why: a rationale is required.")),
                                          Length(max=RATIONALE_MAX)])


class ImportForm(FlaskForm):
    """A plan document in the SIP text format to compare with the plan (and turn into amendments)."""

    document = FileField(_l("Plan document (SIP text format, UTF-8)"))
    text = HiddenField()  # the document read at the preview, posted back to create the amendments
    rationale = TextAreaField(_l("Rationale for every amendment created"), filters=[one_newline, strip],
                              validators=[Length(max=RATIONALE_MAX)])
    action = StringField(validators=[Optional(), AnyOf(("preview", "create"))])
