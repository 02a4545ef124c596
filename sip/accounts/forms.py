"""Account forms; every one carries a CSRF token (Flask-WTF)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, Length, Optional

from sip.accounts.models import MEMBERSHIP_ROLES
from sip.accounts.passwords import MAX_LENGTH

LANGUAGE_CHOICES = [("", _l("Browser's language")), ("fr", "Français"), ("en", "English")]


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    next = HiddenField()


class ProfileForm(FlaskForm):
    """One's name, language and phone."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, validators=[Optional()])
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

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])


class InviteForm(FlaskForm):
    """Who to invite, and optionally to which body."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, validators=[Optional()])
    organisation = SelectField(_l("Organisation"), coerce=str, validators=[Optional()])
    body = SelectField(_l("Body"), validators=[Optional()])
    role = SelectField(_l("Role in the body"), choices=list(MEMBERSHIP_ROLES.items()), validators=[Optional()])
    is_admin = BooleanField(_l("Administrator (without belonging to the Rome support team)"))
