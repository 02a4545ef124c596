"""The dashboards: the SAG's, the GLM plenary's and one page per body; accepted data only, nothing personal.

Each chart is a plotly figure handed to the page as JSON in a data block (`static/js/charts.js` draws it), with
its figures beside it as an HTML table and as a CSV download built from the same rows. What each page shows is
sip.dashboards.pages'; the quarter and filters are sip.dashboards.selection's.
"""
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from sip.bodies.queries import find_body
from sip.core.i18n import current_language, pick
from sip.dashboards import pages
from sip.dashboards.assets import plotly_js_kilobytes, plotly_js_url
from sip.dashboards.charts import plotly_config
from sip.dashboards.downloads import csv_filename, csv_response
from sip.dashboards.permissions import can_view_dashboards
from sip.dashboards.selection import select_view
from sip.plan.queries import shown_strategy
from sip.reporting.delivery import DELIVERY_LABELS

# Until sip.exports.figures imports it from sip.dashboards.pages.
from sip.dashboards.pages import PLAN_DETAIL_LIMIT  # noqa: F401

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")


@bp.context_processor
def _assets() -> dict:
    """Dashboard templates load plotly.js from its versioned address and say delivery states in one vocabulary."""
    return {"plotly_js_url": plotly_js_url, "plotly_js_kilobytes": plotly_js_kilobytes, "plotly_config": plotly_config,
            "DELIVERY_LABELS": DELIVERY_LABELS}


@bp.before_request
@login_required
def _allowed():
    """Every dashboard needs a signed-in reader allowed to see them (403 otherwise)."""
    if not can_view_dashboards(current_user):
        abort(403)


@bp.get("")
def index():
    """The dashboards start with the SAG's (the filters in the URL are kept)."""
    return redirect(url_for("dashboards.sag", **request.args.to_dict()))


@bp.get("/sag")
def sag():
    """The SAG dashboard: statuses, their trend, reporting compliance, risks and the plan as one picture."""
    strategy = shown_strategy()
    if strategy is None:
        return render_template("dashboards/none.html", title=_("SAG dashboard"))
    view = select_view(strategy, with_filters=True)
    from sip.partners.figures import dashboard_charts  # the register's section: organisations, not the quarter's data

    return render_template("dashboards/sag.html", **pages.sag_page(view),
                           participation=dashboard_charts(current_language())), view.status


@bp.get("/sag/<chart>.csv")
def sag_csv(chart: str):
    """One chart's figures as CSV, with the dashboard's filters, in the reader's language."""
    if chart not in pages.CHARTS:
        abort(404)
    view = select_view(shown_strategy() or abort(404), with_filters=True)
    if view.problems:
        return Response("\n".join(view.problems) + "\n", status=400, mimetype="text/plain")
    if view.period is None:
        abort(404)
    return csv_response(pages.chart_table(chart, view), csv_filename(chart, view))


@bp.get("/glm")
def glm():
    """What changed since the last GLM: activities completed, new risks, status changes, each group's summary."""
    strategy = shown_strategy()
    if strategy is None:
        return render_template("dashboards/none.html", title=_("GLM view"))
    view = select_view(strategy, with_filters=False)
    return render_template("dashboards/glm.html", **pages.glm_page(view)), view.status


@bp.get("/bodies/<slug>")
def body(slug: str):
    """One body: the activities it is responsible for with their status, and its reporting record."""
    found = find_body(slug) or abort(404)
    strategy = shown_strategy()
    if strategy is None:
        return render_template("dashboards/none.html", title=pick(found.name, current_language()))
    view = select_view(strategy, with_filters=False)
    return render_template("dashboards/body.html", **pages.body_page(found, view)), view.status
