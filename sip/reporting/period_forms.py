"""Forms of the periods page: open a period, close it, mark it as a GLM period; each carries a CSRF token."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, StringField
from wtforms.validators import DataRequired, Length

from sip.core.forms import strip

GLM_NAME_MAX = 120  # the column's length


class OpenPeriodForm(FlaskForm):
    """The due date of the reports of a period being opened (or of an open period)."""

    due_on = DateField(_l("Reports due on"), validators=[DataRequired()])

    def problem(self) -> str | None:
        """What is wrong, in one sentence for the reader, or None."""
        if self.due_on.errors:
            return str(_l("Give the due date as a date, for example 2027-01-15."))
        return None


class ClosePeriodForm(FlaskForm):
    """Closing a period, with the ticked confirmation that it locks the period's reports."""

    confirm = BooleanField(_l("I understand that closing locks the period: its reports can no longer be written, "
                              "submitted or opened again."), validators=[DataRequired()])

    def problem(self) -> str | None:
        """What is wrong, in one sentence for the reader, or None."""
        if self.confirm.errors:
            return str(_l("Tick the box to confirm that closing locks the period; nothing was changed."))
        return None


class GlmForm(FlaskForm):
    """Whether a GLM plenary looks at the period's reports, and the GLM's name."""

    glm = BooleanField(_l("A GLM looks at this period's reports"))
    glm_name = StringField(_l("Name of the GLM"), filters=[strip], validators=[Length(max=GLM_NAME_MAX)])

    def validate(self, extra_validators=None) -> bool:
        """The usual checks, and a name whenever the period is marked as a GLM period."""
        valid = super().validate(extra_validators)
        if self.glm.data and not self.glm_name.data:
            self.glm_name.errors = [*self.glm_name.errors, str(_l("Give the GLM a name, for example “GLM 2026, Rome”."))]
            valid = False
        return valid

    def problem(self) -> str | None:
        """What is wrong, in one sentence for the reader, or None."""
        if self.glm_name.errors and self.glm.data and not self.glm_name.data:
            return self.glm_name.errors[-1]
        if self.glm_name.errors:
            return str(_l("The GLM's name is at most %(max)d characters long.", max=GLM_NAME_MAX))
        return None
