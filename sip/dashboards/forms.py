"""The dashboards' filters: quarter, pillar and body, read from the query string (GET, so no CSRF token)."""
from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectField
from wtforms.validators import Optional

from sip.core.forms import choices


def _period_code(value):
    """People type "2026-q4 "; the period codes are "2026-Q4"."""
    return value.strip().upper() if isinstance(value, str) else value


class PeriodFilterForm(Form):
    """The quarter a dashboard shows; the URL may leave it out (the default quarter is shown then)."""

    period = SelectField(_l("Quarter"), filters=[_period_code])

    def set_periods(self, periods: list[tuple[str, str]], default_period: str | None) -> None:
        """Fill the period list; the period falls back to `default_period` when the URL names none."""
        self.default_period = default_period
        self.period.choices = choices(periods)
        if not self.period.data:
            self.period.data = default_period

    def given(self, name: str) -> str:
        """The value the URL gave for a field, as typed (shortened, for messages)."""
        return ((getattr(self, name).raw_data or [""])[0] or "")[:40]

    def defaults(self) -> dict:
        """What each field falls back to when the URL's value is refused."""
        return {"period": self.default_period}

    def checked(self) -> list[tuple[str, str]]:
        """Validate; put every refused value back to its default and return the (field name, value) refused."""
        if not self.period.choices:  # no period at all: nothing to choose, nothing to refuse
            self.period.data = None
            return []
        self.validate()
        refused = []
        for name, default in self.defaults().items():
            field = getattr(self, name)
            if field.errors:
                refused.append((name, self.given(name)))
                field.data = default
        return refused


class DashboardFilterForm(PeriodFilterForm):
    """The SAG dashboard's filters: the quarter, and optionally one pillar and one responsible body."""

    pillar = SelectField(_l("Pillar"), validators=[Optional()])
    body = SelectField(_l("Responsible body"), validators=[Optional()])

    def set_choices(self, periods: list[tuple[str, str]], default_period: str | None,
                    pillars: list[tuple[str, str]], bodies: list[tuple[str, str]]) -> None:
        """Fill the choice lists; an empty pillar or body means all of them."""
        self.set_periods(periods, default_period)
        self.pillar.choices = choices([("", _l("All pillars"))] + list(pillars))
        self.body.choices = choices([("", _l("All bodies"))] + list(bodies))
        for field in (self.pillar, self.body):
            field.data = field.data or ""

    def defaults(self) -> dict:
        """A refused pillar or body falls back to all of them."""
        return {**super().defaults(), "pillar": "", "body": ""}

    def pillar_number(self) -> int | None:
        """The chosen pillar as a number (None: all pillars)."""
        value = (self.pillar.data or "").strip()
        return int(value) if value.isdigit() else None
