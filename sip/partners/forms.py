"""The register's forms: filters, an organisation's entry, asking to join, deciding, focal points, leaving,
acknowledging the commitments, reminding, importing."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, HiddenField, RadioField, SearchField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional
from wtforms.form import Form

from sip.accounts.models import ORGANISATION_KINDS, ORGANISATION_TYPES
from sip.core.forms import choices, strip
from sip.partners.countries import country_choices
from sip.partners.queries import STANDINGS

STANDING_LABELS = {"current": _l("Current members"), "former": _l("Former members"), "all": _l("All")}


class RegisterFilterForm(Form):
    """The register's filters, read from the query string (GET, so no CSRF token)."""

    q = SearchField(_l("Name or acronym"), filters=[strip], validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Partner or stakeholder"), validators=[Optional()],
                       choices=choices([("", _l("Any"))] + list(ORGANISATION_KINDS.items())))
    type = SelectField(_l("Type"), validators=[Optional()],
                       choices=choices([("", _l("Any"))] + list(ORGANISATION_TYPES.items())))
    country = SelectField(_l("Country"), validators=[Optional()])
    standing = SelectField(_l("Show"), validators=[Optional(), AnyOf(STANDINGS)],
                           choices=choices([(s, STANDING_LABELS[s]) for s in STANDINGS]))

    def set_choices(self, lang: str) -> None:
        """Countries in the reader's language; an empty value means "any"."""
        self.country.choices = choices([("", _l("Any"))] + country_choices(lang))


class OrganisationForm(FlaskForm):
    """An organisation's entry in the register, as the secretariat types it."""

    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(message=_l("Give the organisation's name.")),
                                                                Length(max=200)])
    acronym = StringField(_l("Acronym"), filters=[strip], validators=[Optional(), Length(max=40)])
    kind = SelectField(_l("Partner or stakeholder"), choices=choices(ORGANISATION_KINDS), validators=[DataRequired()])
    type = SelectField(_l("Type"), validators=[Optional()],
                       choices=choices([("", _l("Not given"))] + list(ORGANISATION_TYPES.items())))
    country = SelectField(_l("Headquarters country"), validators=[Optional()])
    countries = SelectMultipleField(_l("Countries where it operates"), validators=[Optional()])
    website = StringField(_l("Website"), filters=[strip], validators=[Optional(), Length(max=300)])
    joined_on = DateField(_l("Joined on"), validators=[Optional()])
    left_on = DateField(_l("Left on"), validators=[Optional()])

    def set_choices(self, lang: str) -> None:
        """Countries in the reader's language."""
        countries = country_choices(lang)
        self.country.choices = choices([("", _l("Not given"))] + countries)
        self.countries.choices = choices(countries)


class JoinForm(FlaskForm):
    """Someone asks for their organisation to join."""

    name = StringField(_l("Organisation's name"), filters=[strip],
                       validators=[DataRequired(message=_l("Give the organisation's name.")), Length(max=200)])
    acronym = StringField(_l("Acronym"), filters=[strip], validators=[Optional(), Length(max=40)])
    kind = RadioField(_l("Join as"), choices=choices(ORGANISATION_KINDS), default="partner",
                      validators=[InputRequired()])
    type = SelectField(_l("Type"), validators=[Optional()],
                       choices=choices([("", _l("Not given"))] + list(ORGANISATION_TYPES.items())))
    country = SelectField(_l("Headquarters country"), validators=[Optional()])
    website = StringField(_l("Website"), filters=[strip], validators=[Optional(), Length(max=300)])
    justification = TextAreaField(_l("Why should it join?"), filters=[strip],
                                  validators=[DataRequired(message=_l("Say why the organisation should join.")),
                                              Length(max=4000)])

    def set_choices(self, lang: str) -> None:
        """Countries in the reader's language."""
        self.country.choices = choices([("", _l("Not given"))] + country_choices(lang))


class DecisionForm(FlaskForm):
    """The secretariat approves or declines a request, with a note (required to decline)."""

    decision = HiddenField(validators=[DataRequired(), AnyOf(("approve", "decline"))])
    note = TextAreaField(_l("Note to the person who asked"), filters=[strip], validators=[Optional(), Length(max=4000)])


class FocalPointForm(FlaskForm):
    """A person of the organisation and where they represent it."""

    person = SelectField(_l("Person"), validators=[DataRequired(message=_l("Choose a person."))])
    body = SelectField(_l("For"), validators=[Optional()])

    def set_choices(self, people: list[tuple[str, str]], bodies: list[tuple[str, str]]) -> None:
        """The organisation's people, and the bodies (empty: the cluster as a whole)."""
        self.person.choices = choices([("", _l("Choose a person"))] + people)
        self.body.choices = choices([("", _l("The cluster as a whole"))] + bodies)


class ButtonForm(FlaskForm):
    """A plain button (end a focal point, send reminders): only the CSRF token."""


class DepartureForm(FlaskForm):
    """The day an organisation leaves, and why."""

    left_on = DateField(_l("Leaves on (today when left empty)"), validators=[Optional()])
    note = TextAreaField(_l("Note"), filters=[strip], validators=[Optional(), Length(max=2000)])


class AcknowledgeForm(FlaskForm):
    """A focal point confirms the commitments are known (a ticked box, so no stray click does it)."""

    confirm = BooleanField(_l("I confirm that our staff know the twelve minimum commitments."),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])


class ImportForm(FlaskForm):
    """A spreadsheet of the register to preview."""

    spreadsheet = FileField(_l("Spreadsheet (XLSX or CSV)"))


class ConfirmImportForm(FlaskForm):
    """The previewed rows, signed, to write once confirmed."""

    payload = HiddenField(validators=[DataRequired()])
