"""Account forms; every one carries a CSRF token (Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Form,
    HiddenField,
    PasswordField,
    SearchField,
    SelectField,
    StringField,
    TelField,
)
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional

from sip.accounts.models import MEMBERSHIP_ROLES, ORGANISATION_KINDS, ORGANISATION_TYPES
from sip.accounts.passwords import MAX_LENGTH
from sip.core.forms import choices, strip

LANGUAGE_CHOICES = [("", _l("Browser's language")), ("fr", "Français"), ("en", "English")]


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("E-mail"), filters=[strip], validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    next = HiddenField()


class ProfileForm(FlaskForm):
    """One's name, language and phone."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Language"), choices=choices(LANGUAGE_CHOICES), validators=[Optional()])
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=40)])


class PasswordChangeForm(FlaskForm):
    """Current and new password."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])


class NewPasswordForm(FlaskForm):
    """A new password, from an invitation or a reset link."""

    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])


class ResetRequestForm(FlaskForm):
    """The e-mail address to send a reset link to."""

    email = EmailField(_l("E-mail"), filters=[strip], validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])


class InviteForm(FlaskForm):
    """Who to invite, and optionally to which body."""

    email = EmailField(_l("E-mail"), filters=[strip], validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Language"), choices=choices(LANGUAGE_CHOICES), validators=[Optional()])
    organisation = SelectField(_l("Organisation"), coerce=str, validators=[Optional()])
    body = SelectField(_l("Body"), validators=[Optional()])
    role = SelectField(_l("Role in the body"), choices=choices(MEMBERSHIP_ROLES), validators=[Optional()])
    is_admin = BooleanField(_l("Administrator rights (for someone outside the Rome support team)"))


# --- administration by the secretariat ----------------------------------------------------------

PEOPLE_STATES = [("", _l("Any")), ("active", _l("Active")), ("inactive", _l("Deactivated"))]


class PeopleFilterForm(Form):
    """The people list's search and filters, read from the query string (GET, so no CSRF token)."""

    q = SearchField(_l("Name or e-mail"), validators=[Optional(), Length(max=200)])
    body = SelectField(_l("Body"), validators=[Optional()])
    state = SelectField(_l("State"), choices=choices(PEOPLE_STATES), validators=[Optional()])

    def set_choices(self, bodies: list[tuple[str, str]]) -> None:
        """Fill the body list; an empty value means "any"."""
        self.body.choices = choices([("", _l("Any"))] + bodies)


class MembershipForm(FlaskForm):
    """A body, a role and the day from which a person belongs to it."""

    body = SelectField(_l("Body"), validators=[DataRequired(message=_l("Choose a body."))])
    role = SelectField(_l("Role"), choices=choices(MEMBERSHIP_ROLES), default="member", validators=[DataRequired()])
    since = DateField(_l("Since (today when left empty)"), validators=[Optional()])

    def set_choices(self, bodies: list[tuple[str, str]]) -> None:
        """Fill the body list, starting with a prompt so that no body is chosen by accident."""
        self.body.choices = choices([("", _l("Choose a body"))] + bodies)


class BodyMemberForm(FlaskForm):
    """A person to add to a body, and their role."""

    person = SelectField(_l("Person"), validators=[DataRequired(message=_l("Choose a person."))])
    role = SelectField(_l("Role"), choices=choices(MEMBERSHIP_ROLES), default="member", validators=[DataRequired()])

    def set_choices(self, people: list[tuple[str, str]]) -> None:
        """Fill the person list, starting with a prompt so that nobody is chosen by accident."""
        self.person.choices = choices([("", _l("Choose a person"))] + people)


class ActiveForm(FlaskForm):
    """Deactivate (0) or reactivate (1) a person."""

    active = HiddenField(validators=[DataRequired(), AnyOf(("0", "1"))])


class ButtonForm(FlaskForm):
    """A plain button (end a membership, resend an invitation): only the CSRF token, and where to go back."""

    back = HiddenField(validators=[Optional(), AnyOf(("person", "body"))])


class OrganisationForm(FlaskForm):
    """A new partner or stakeholder organisation."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    acronym = StringField(_l("Acronym"), validators=[Optional(), Length(max=40)])
    kind = SelectField(_l("Partner or stakeholder"), choices=choices(ORGANISATION_KINDS), validators=[DataRequired()])
    type = SelectField(_l("Type"), choices=choices([("", _l("Not given"))] + list(ORGANISATION_TYPES.items())),
                       validators=[Optional()])
    country = StringField(_l("Headquarters country (ISO code or name)"), validators=[Optional(), Length(max=80)])


# --- two-step sign-in ---------------------------------------------------------------------------


class CodeForm(FlaskForm):
    """A 6-digit code from the authenticator app, or (where accepted) a recovery code."""

    code = StringField(_l("Code"), filters=[strip], validators=[
        DataRequired(message=_l("Enter the code.")), Length(max=40)])


class ResetMfaForm(FlaskForm):
    """The secretariat confirms resetting someone's two-step sign-in (a ticked box, so no stray click does it)."""

    confirm = BooleanField(_l("Yes, reset it: they lost their authenticator app"),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])
