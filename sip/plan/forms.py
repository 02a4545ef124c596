"""Forms of the plan pages."""
from flask_babel import lazy_gettext as _l
from wtforms import Form, SearchField, SelectField
from wtforms.validators import Length, Optional

from sip.core.forms import choices
from sip.plan.models import STATUSES


class PlanFilterForm(Form):
    """The plan's filters, read from the query string (GET, so no CSRF token)."""

    body = SelectField(_l("Responsible body"), validators=[Optional()], validate_choice=True)
    status = SelectField(_l("Status"), validators=[Optional()])
    pillar = SelectField(_l("Pillar"), validators=[Optional()])
    q = SearchField(_l("Search"), validators=[Optional(), Length(max=200)])

    def set_choices(self, bodies: list[tuple[str, str]], pillars: list[tuple[str, str]]) -> None:
        """Fill the choice lists; an empty value means "any"."""
        anything = [("", _l("Any"))]
        self.body.choices = choices(anything + bodies)
        self.status.choices = choices(anything + list(STATUSES.items()))
        self.pillar.choices = choices(anything + pillars)

    def pillar_number(self) -> int | None:
        """The chosen pillar as a number."""
        value = (self.pillar.data or "").strip()
        return int(value) if value.isdigit() else None
