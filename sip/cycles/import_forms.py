"""Forms of opening the next plan: the upload, its confirmation, the copy, and editing a draft's activities."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional

from sip.core.forms import strip
from sip.governance.forms import OutputFields, ResponsibilityFields, TextFields

CODE_MAX = 80
TITLE_MAX = 300


class StrategyFields:
    """The code, title and dates of a new strategy."""

    code = StringField(_l("Code"), filters=[strip], validators=[Optional(), Length(max=CODE_MAX)])
    title_fr = StringField(_l("Title in French"), filters=[strip], validators=[Optional(), Length(max=TITLE_MAX)])
    title_en = StringField(_l("Title in English"), filters=[strip], validators=[Optional(), Length(max=TITLE_MAX)])

    def title(self) -> dict | None:
        """The title typed, in both languages (None when left empty)."""
        title = {"fr": self.title_fr.data or "", "en": self.title_en.data or ""}
        return title if any(title.values()) else None


class UploadForm(StrategyFields, FlaskForm):
    """The filled template, or a plan document with its strategy's dates (the template carries its own)."""

    plan_file = FileField(_l("The filled template (.xlsx) or a plan document (.txt)"))
    starts_on = DateField(_l("First day (plan document only)"), validators=[Optional()])
    ends_on = DateField(_l("Last day (plan document only)"), validators=[Optional()])


class ConfirmForm(FlaskForm):
    """The previewed upload, by its token, to create once confirmed."""

    token = HiddenField(validators=[DataRequired()])


class CopyForm(StrategyFields, FlaskForm):
    """The current plan copied for new dates."""

    starts_on = DateField(_l("First day"), validators=[DataRequired(message=_l("Give the first day."))])
    ends_on = DateField(_l("Last day"), validators=[DataRequired(message=_l("Give the last day."))])


class DraftActivityForm(TextFields, ResponsibilityFields, FlaskForm):
    """A draft's activity: its texts, its responsible bodies and the accountable one."""

    def body_roles(self) -> tuple[list[tuple[str, str]], str | None]:
        """The (slug, role) pairs listed and the accountable body's slug."""
        items = self.responsibilities()
        return [(i["body"], i["role"]) for i in items], next((i["body"] for i in items if i.get("accountable")), None)


class NewDraftActivityForm(OutputFields, DraftActivityForm):
    """A new activity of a draft, under one of its outputs."""

    code = StringField(_l("Code of the new activity"), filters=[strip],
                       validators=[DataRequired(message=_l("Give the new activity a code, for example 3.1.1.3.")),
                                   Length(max=20)])


class ButtonForm(FlaskForm):
    """A plain button (remove an activity): only the CSRF token."""
