"""Forms of the bodies pages: forming a working group, dissolving one, naming a reporting focal point; each carries
a CSRF token."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField,
                     URLField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from sip.bodies.services import NewGroup
from sip.core.forms import choices, strip

NAME_MAX = 200


def lower(value):
    """Filter: the short address in lower case."""
    return value.lower() if isinstance(value, str) else value


class NewGroupForm(FlaskForm):
    """A new working group: its names, short address, terms of reference, mandate dates and leads."""

    name_fr = StringField(_l("Name in French"), filters=[strip], validators=[Length(max=NAME_MAX)])
    name_en = StringField(_l("Name in English"), filters=[strip], validators=[Length(max=NAME_MAX)])
    short_fr = StringField(_l("Short name in French (optional)"), filters=[strip], validators=[Length(max=40)])
    short_en = StringField(_l("Short name in English (optional)"), filters=[strip], validators=[Length(max=40)])
    slug = StringField(_l("Short address (for example wg-data)"), filters=[strip, lower],
                       validators=[DataRequired(message=_l("Give the group a short address.")), Length(max=80)])
    description_fr = TextAreaField(_l("Purpose in French (optional)"), filters=[strip], validators=[Length(max=4000)])
    description_en = TextAreaField(_l("Purpose in English (optional)"), filters=[strip], validators=[Length(max=4000)])
    terms_of_reference_url = URLField(_l("Link to the terms of reference"), filters=[strip],
                                      validators=[Optional(), Length(max=500)])
    formed_on = DateField(_l("Mandate starts on"), validators=[InputRequired(message=_l(
        "Give the date the mandate starts."))])
    mandate_ends_on = DateField(_l("Mandate ends on (optional)"), validators=[Optional()])
    leads = SelectMultipleField(_l("Leads"), validators=[Optional()])

    def set_people(self, people: list[tuple[str, str]]) -> None:
        """The active people who may lead the group, as (id, name) pairs."""
        self.leads.choices = choices(people)

    def problems(self) -> list[str]:
        """Every error of the form, one sentence each."""
        return [f"{self[name].label.text}: {error}" for name, errors in self.errors.items()
                if name != "csrf_token" for error in errors]

    def to_group(self) -> NewGroup:
        """The group as the services take it."""
        return NewGroup(
            slug=self.slug.data or "", name=_pair(self.name_fr.data, self.name_en.data) or {},
            short_name=_pair(self.short_fr.data, self.short_en.data),
            description=_pair(self.description_fr.data, self.description_en.data),
            terms_of_reference_url=self.terms_of_reference_url.data or None, formed_on=self.formed_on.data,
            mandate_ends_on=self.mandate_ends_on.data,
            lead_ids=[int(value) for value in self.leads.data or [] if str(value).isdigit()],
        )


def _pair(fr: str | None, en: str | None) -> dict | None:
    """A bilingual text, or None when both are empty."""
    return {"fr": fr or "", "en": en or ""} if (fr or en) else None


class DissolveForm(FlaskForm):
    """Dissolving a working group on a day, with the ticked confirmation."""

    on = DateField(_l("Dissolved on"), validators=[InputRequired(message=_l("Give the day of the dissolution."))])
    confirm = BooleanField(_l("I understand that a dissolved group no longer reports and can no longer be made "
                              "responsible for activities; its reports and history stay readable."),
                           validators=[DataRequired(message=_l("Tick the box to confirm; nothing was changed."))])

    def problems(self) -> list[str]:
        """Every error of the form, one sentence each."""
        return [str(error) for name, errors in self.errors.items() if name != "csrf_token" for error in errors]


class FocalPointForm(FlaskForm):
    """Who files the quarterly report of a body that is not a group of people: a person, or the secretariat on its
    behalf (or nobody for now)."""

    SECRETARIAT, NOBODY, PERSON = "secretariat", "nobody", "person"

    who = RadioField(_l("Who files the report"), validators=[InputRequired(message=_l(
        "Choose who files the report."))], choices=choices([
            (PERSON, _l("A person, the focal point")),
            (SECRETARIAT, _l("The secretariat, on the body's behalf")),
            (NOBODY, _l("Nobody for now"))]))
    # Checked by validate_person: only when a person files the report.
    person = SelectField(_l("Person who files the report"), validate_choice=False)

    def set_people(self, people: list[tuple[str, str]]) -> None:
        """The active people who may be named, as (id, name) pairs; an empty value means none chosen."""
        self.person.choices = choices([("", _l("Choose a person"))] + people)

    def fill(self, body) -> None:
        """Start from who files the body's report today."""
        if body.reported_by_secretariat:
            self.who.data = self.SECRETARIAT
        elif body.focal_point_id is not None:
            self.who.data, self.person.data = self.PERSON, str(body.focal_point_id)
        else:
            self.who.data = self.NOBODY

    def validate_person(self, field) -> None:
        """When a person files the report, one of the active people offered must be chosen."""
        if self.who.data != self.PERSON:
            return
        if not field.data:
            raise ValidationError(_l("Choose the person who files the report."))
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("This person cannot be named: choose an active account from the list."))

    def person_id(self) -> int | None:
        """The chosen person's id, when a person files the report."""
        value = self.person.data or ""
        return int(value) if self.who.data == self.PERSON and value.isdigit() else None

    def problems(self) -> list[str]:
        """Every error of the form, one sentence each."""
        return [str(error) for name, errors in self.errors.items() if name != "csrf_token" for error in errors]
