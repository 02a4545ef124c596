"""The reports overview (my reports, the secretariat's matrix, accepted reports) and the periods page."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from sip.accounts.permissions import is_secretariat
from sip.extensions import db
from sip.plan.queries import shown_strategy
from sip.reporting import queries, services
from sip.reporting.delivery import DELIVERY_LABELS
from sip.reporting.models import PERIOD_STATES, REPORT_STATES
from sip.reporting.period_forms import ClosePeriodForm, GlmForm, OpenPeriodForm
from sip.reporting.permissions import can_manage_periods, can_view_reports
from sip.reporting.services import ReportError

bp = Blueprint("reports_overview", __name__, url_prefix="/reports")


def report_url(period_code: str, slug: str) -> str:
    """The address of a body's report for a period, for example /reports/2026-Q4/wg-training."""
    return url_for("reports.report", period=period_code, slug=slug)


def _actor():
    """The signed-in user."""
    return current_user._get_current_object()


# --- the overview -------------------------------------------------------------------------------


@bp.get("")
@login_required
def index():
    """The reports a signed-in person deals with: the matrix, their groups' reports, or accepted reports."""
    person = queries.load_person(current_user.id) or abort(403)
    if not can_view_reports(person):
        abort(403)
    strategy = shown_strategy()
    context = {"strategy": strategy, "secretariat": is_secretariat(person), "matrix": None, "mine": None,
               "accepted": None, "before_error": None, "my_bodies": []}
    status = 200
    if strategy is not None:
        reporting = queries.reporting_bodies()
        bodies = queries.reporting_bodies_of(person, bodies=reporting)
        if context["secretariat"]:
            before, context["before_error"] = _before()
            status = 400 if context["before_error"] else 200
            context["matrix"] = queries.report_matrix(strategy, before, bodies=reporting)
        if bodies:
            context["mine"] = queries.my_reports(bodies, strategy)
            context["my_bodies"] = bodies
        if not context["secretariat"] and not bodies:
            context["accepted"] = queries.accepted_reports(strategy)
    return render_template("reporting/index.html", REPORT_STATES=REPORT_STATES, PERIOD_STATES=PERIOD_STATES,
                           report_url=report_url, **context), status


def _before() -> tuple[int | None, str | None]:
    """The ?before= period (show older columns), or an error message when it is not a period code."""
    code = request.args.get("before")
    if not code:
        return None, None
    try:
        return queries.rank_of(code), None
    except ReportError:
        return None, _("“%(value)s” is not a period (write it as YEAR-Qn, for example 2026-Q4); the latest periods "
                       "are shown.", value=code[:20])


# --- the periods page ---------------------------------------------------------------------------


def _periods_page(strategy, status: int = 200, *, error: str | None = None, error_at: str | None = None):
    """Every period of the strategy with its reports counted by state, and the forms to manage them."""
    rows = queries.period_rows(strategy) if strategy is not None else []
    return render_template("reporting/periods.html", strategy=strategy, rows=rows, error=error, error_at=error_at,
                           form_data=request.form if error else {}, DELIVERY_LABELS=DELIVERY_LABELS,
                           PERIOD_STATES=PERIOD_STATES), status


def _period_or_404(code: str):
    """The strategy and its period with this code, or 404."""
    strategy = shown_strategy() or abort(404)
    return strategy, services.find_period(strategy, code) or abort(404)


def _back_to(period) -> str:
    """The periods page, at the row of the period just changed."""
    return url_for("reports_overview.periods", _anchor=f"period-{period.code}")


@bp.get("/periods")
@login_required
def periods():
    """The strategy's reporting periods: state, dates, GLM, reports by state; open, close, mark GLM."""
    if not can_manage_periods(_actor()):
        abort(403)
    return _periods_page(shown_strategy())


@bp.post("/periods/<code>/open")
@login_required
def open_period(code: str):
    """Open a period for reports with a due date (or move the due date of an open period)."""
    strategy, period = _period_or_404(code)
    actor = _actor()
    if not can_manage_periods(actor):
        abort(403)
    form = OpenPeriodForm()
    if not form.validate_on_submit():
        return _periods_page(strategy, 400, error=form.problem() or _("The form has expired; try again."),
                             error_at=period.code)
    was_open = period.state == "open"
    try:
        # Moving the due date of an open period keeps the day it opened.
        services.open_period(period, form.due_on.data, actor, opens_on=period.opens_on if was_open else None)
    except ReportError as error:
        db.session.rollback()
        return _periods_page(strategy, 400, error=str(error), error_at=period.code)
    due = format_date(period.due_on, "long")
    if was_open:
        flash(_("Reports for %(period)s are now due on %(date)s.", period=period.code, date=due), "success")
    else:
        flash(_("%(period)s is open: reports are due on %(date)s.", period=period.code, date=due), "success")
    return redirect(_back_to(period))


@bp.post("/periods/<code>/close")
@login_required
def close_period(code: str):
    """Close an open period: its reports are locked."""
    strategy, period = _period_or_404(code)
    actor = _actor()
    if not can_manage_periods(actor):
        abort(403)
    form = ClosePeriodForm()
    if not form.validate_on_submit():
        return _periods_page(strategy, 400, error=form.problem() or _("The form has expired; try again."),
                             error_at=period.code)
    try:
        services.close_period(period, actor)
    except ReportError as error:
        db.session.rollback()
        return _periods_page(strategy, 400, error=str(error), error_at=period.code)
    flash(_("%(period)s is closed: its reports can no longer be written or submitted.", period=period.code), "success")
    return redirect(_back_to(period))


@bp.post("/periods/<code>/glm")
@login_required
def set_glm(code: str):
    """Mark a period as the one a GLM plenary looks at (with the GLM's name), or unmark it."""
    strategy, period = _period_or_404(code)
    actor = _actor()
    if not can_manage_periods(actor):
        abort(403)
    form = GlmForm()
    if not form.validate_on_submit():
        return _periods_page(strategy, 400, error=form.problem() or _("The form has expired; try again."),
                             error_at=period.code)
    try:
        services.set_glm(period, form.glm.data, form.glm_name.data, actor)
    except ReportError as error:
        db.session.rollback()
        return _periods_page(strategy, 400, error=str(error), error_at=period.code)
    if period.glm:
        flash(_("%(period)s is marked as the period the GLM “%(glm)s” looks at.", period=period.code,
                glm=period.glm_name), "success")
    else:
        flash(_("%(period)s is no longer marked as a GLM period.", period=period.code), "success")
    return redirect(_back_to(period))
