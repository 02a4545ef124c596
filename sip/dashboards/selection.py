"""What a dashboard shows: the strategy's quarters, the chosen quarter (and, on the SAG dashboard, pillar and body)
read from the URL, refused values put back to their defaults with a word to the reader."""
from dataclasses import dataclass, field
from datetime import date

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select

from sip.bodies.queries import body_choices
from sip.core.i18n import current_language
from sip.dashboards.forms import DashboardFilterForm, PeriodFilterForm
from sip.extensions import db
from sip.plan.models import Strategy
from sip.plan.queries import pillar_numbers
from sip.reporting.models import PERIOD_STATES, GroupReport, ReportingPeriod

# How many quarters the compliance grid, the trend and a body's record show (the chosen one and those before).
WINDOW = 8


@dataclass
class Periods:
    """The strategy's reporting periods in time order, and which of them have an accepted report."""

    all: list[ReportingPeriod]
    accepted: set[int]

    @classmethod
    def of(cls, strategy: Strategy) -> "Periods":
        """Every period of the strategy with whether a report of it was accepted (one query)."""
        has_accepted = (select(GroupReport.id)
                        .where(GroupReport.period_id == ReportingPeriod.id, GroupReport.state == "accepted")
                        .exists())
        rows = db.session.execute(
            select(ReportingPeriod, has_accepted.label("accepted"))
            .where(ReportingPeriod.strategy_id == strategy.id)
            .order_by(ReportingPeriod.year, ReportingPeriod.quarter)
        ).all()
        return cls([period for period, _ in rows], {period.id for period, accepted in rows if accepted})

    def default(self, today: date) -> ReportingPeriod | None:
        """The latest period with an accepted report, else the latest open or closed one, else the latest begun."""
        for wanted in (lambda p: p.id in self.accepted, lambda p: p.state in ("open", "closed"),
                       lambda p: p.starts_on <= today):
            found = [p for p in self.all if wanted(p)]
            if found:
                return found[-1]
        return self.all[0] if self.all else None

    def find(self, code: str | None) -> ReportingPeriod | None:
        """The period with this code."""
        return next((p for p in self.all if p.code == code), None)

    def choices(self) -> list[tuple[str, str]]:
        """The period select: every period, newest first, with its state (and the GLM it feeds)."""
        options = []
        for period in reversed(self.all):
            label = f"{period.code} · {PERIOD_STATES[period.state]}"
            if period.glm:
                label += " · " + (_("GLM: %(name)s", name=period.glm_name) if period.glm_name else _("GLM"))
            options.append((period.code, label))
        return options

    def window(self, period: ReportingPeriod, size: int = WINDOW) -> list[ReportingPeriod]:
        """The period and the ones before it, `size` in all, in time order."""
        index = self.all.index(period)
        return self.all[max(0, index - size + 1):index + 1]

    def previous_glm(self, period: ReportingPeriod) -> tuple[ReportingPeriod | None, bool]:
        """The period the GLM before this one looked at, else the quarter before; and whether it was a GLM's."""
        index = self.all.index(period)
        earlier = self.all[:index]
        glms = [p for p in earlier if p.glm]
        if glms:
            return glms[-1], True
        return (earlier[-1] if earlier else None), False


@dataclass
class Selection:
    """What a dashboard shows: the strategy, its periods, the chosen period, pillar and body, and what was refused."""

    strategy: Strategy
    periods: Periods
    form: PeriodFilterForm
    period: ReportingPeriod | None
    problems: list[str]
    pillar: int | None = None
    body: str | None = None
    body_names: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> int:
        """400 when a filter was refused (the page still shows the defaults)."""
        return 400 if self.problems else 200

    def args(self, **changes) -> dict:
        """The query string of this view (for links, CSV downloads and sharing)."""
        args = {"period": self.period.code if self.period else None, "pillar": self.pillar, "body": self.body}
        args.update(changes)
        return {key: value for key, value in args.items() if value not in (None, "")}

    def window(self) -> list[ReportingPeriod]:
        """The chosen quarter and those before it that the trend, the compliance grid and a record show."""
        return self.periods.window(self.period)

    def words(self) -> str:
        """The filters in words, for titles: "2026-Q4", "2026-Q4 · Pillar 2 · Training working group"."""
        parts = [self.period.code]
        if self.pillar:
            parts.append(pillar_name(self.pillar))
        if self.body:
            parts.append(self.body_names.get(self.body, self.body))
        return " · ".join(parts)

    def note(self) -> str:
        """Says where the figures come from when the chosen quarter has no accepted report yet."""
        period = self.period
        if period is None or period.id in self.periods.accepted:
            return ""
        earlier = self.periods.all[:self.periods.all.index(period)]
        if any(p.id in self.periods.accepted for p in earlier):
            return _("No report for %(period)s has been accepted yet: the figures show each activity's status from "
                     "its latest accepted report before this quarter (the plan's own status for activities never "
                     "reported on).", period=period.code)
        return _("No report has been accepted for %(period)s or any quarter before it yet: the figures show the "
                 "plan's own statuses.", period=period.code)


def pillar_name(number) -> str:
    """ "Pillar 2" in the reader's language."""
    return _("Pillar %(number)s", number=int(number))


def _problem(name: str, value: str, default_period: ReportingPeriod | None) -> str:
    """What the reader is told about a refused filter value."""
    if name == "period":
        return _("“%(value)s” is not a quarter of the plan (write it as YEAR-Qn, for example 2026-Q4); the "
                 "dashboard shows %(period)s.", value=value, period=default_period.code if default_period else "—")
    if name == "pillar":
        return _("“%(value)s” is not a pillar of the plan; all pillars are shown.", value=value)
    return _("“%(value)s” is not a body of the plan; all bodies are shown.", value=value)


def select_view(strategy: Strategy, *, with_filters: bool) -> Selection:
    """Read the period (and, for the SAG dashboard, the pillar and body) from the URL; refused values fall back."""
    periods = Periods.of(strategy)
    default = periods.default(date.today())
    default_code = default.code if default else None
    bodies = body_choices(current_language())
    if with_filters:
        form = DashboardFilterForm(request.args)
        pillars = [(str(n), pillar_name(n)) for n in pillar_numbers(strategy)]
        form.set_choices(periods.choices(), default_code, pillars, bodies)
    else:
        form = PeriodFilterForm(request.args)
        form.set_periods(periods.choices(), default_code)
    refused = form.checked()
    selection = Selection(strategy, periods, form, periods.find(form.period.data),
                          [_problem(name, value, default) for name, value in refused], body_names=dict(bodies))
    if with_filters:
        selection.pillar = form.pillar_number()
        selection.body = form.body.data or None
    return selection
