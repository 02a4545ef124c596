"""What each dashboard shows, as the template's context: the SAG dashboard's charts and tables, the GLM view's
changes and summaries, one body's activities and record, and one chart's figures for its CSV download.

Every figure is read from the status table (sip.dashboards.data). The SAG dashboard's content is kept rendered per
process until the data changes (sip.core.parts: the fingerprint watches the status table, so an accepted report
shows at once); the other pages are cheap enough to build on each request.
"""
from datetime import date

import pandas as pd
from flask import render_template, request, url_for
from flask_babel import gettext as _

from sip.bodies.models import Body
from markupsafe import Markup

from sip.core.i18n import current_language
from sip.core.pagination import Page, page_of_rows, requested_page
from sip.core.parts import cached_part, periods_key
from sip.dashboards import charts, data
from sip.dashboards.selection import Selection
from sip.dashboards.tables import (CHANGE_LABELS, Chart, Table, activity_rows, at_risk_table, change_rows,
                                   chart_labels, compliance_table, figure_json, key_figures, lang_column,
                                   plan_outputs_table, plan_table, record_rows, status_by_pillar_table,
                                   status_over_time_table, summary_rows)
from sip.reporting.queries import reporting_bodies

CHARTS = ("status-by-pillar", "status-over-time", "compliance", "at-risk", "plan")
# Above this many activities the plan picture stops at the outputs (5,000 slivers are no picture) and its table
# counts each output's activities by status; the CSV still lists every activity.
PLAN_DETAIL_LIMIT = 400
# Rows of the at-risk table shown at a time (the CSV has them all).
RISK_ROWS = 25
# Rows of each list of changes shown at a time on the GLM view (each list has its own ?<kind>_page=).
CHANGE_ROWS = 50


# --- the SAG dashboard --------------------------------------------------------------------------


def _statuses(view: Selection) -> pd.DataFrame:
    """The activities the filters show, with their status and, for the at-risk list, the texts that set it."""
    return data.activity_statuses(view.strategy, view.period, pillar=view.pillar, body=view.body, texts=True)


def build_table(name: str, view: Selection, statuses: pd.DataFrame | None = None) -> tuple[pd.DataFrame, Table]:
    """The data frame and table of one SAG chart (for the page and for its CSV)."""
    if statuses is None and name in ("status-by-pillar", "at-risk", "plan"):
        statuses = _statuses(view)
    if name == "status-by-pillar":
        frame = data.status_counts(statuses)
        return frame, status_by_pillar_table(frame)
    if name == "status-over-time":
        frame = data.status_over_time(view.strategy, view.window(), pillar=view.pillar, body=view.body)
        return frame, status_over_time_table(frame)
    if name == "compliance":
        frame = data.compliance(view.strategy, view.window(), date.today())
        return frame, compliance_table(frame, view.period.code)
    if name == "at-risk":
        frame = data.at_risk(view.strategy, view.period, statuses=statuses)
        return frame, at_risk_table(frame, view.body_names)
    if name == "plan":
        return statuses, plan_table(statuses)
    raise KeyError(name)


def _risk_page(table: Table) -> Page:
    """The page of the at-risk table asked for in ?risk_page= (clamped to the last); keeps that page's rows."""
    page = page_of_rows(table.rows, requested_page("risk_page"), RISK_ROWS)
    table.rows = page.items
    return page


def _plan_picture(view: Selection, statuses: pd.DataFrame) -> tuple[pd.DataFrame, Table, str]:
    """The plan picture's tree, table and note: activity by activity, or output by output for a large plan."""
    if len(statuses) <= PLAN_DETAIL_LIMIT:
        note = _("From the centre outwards: pillars, outcomes, outputs and activities; each activity is coloured "
                 "by its status.")
        return data.plan_tree(statuses, view.strategy), plan_table(statuses), note
    tree = data.plan_tree(statuses, view.strategy, depth="output")
    note = _("The plan has %(count)s activities here, too many to draw one by one: from the centre outwards, "
             "pillars, outcomes and outputs, each output coloured by the status most of its activities are in. "
             "The table counts them; the CSV download lists every activity with its status.", count=len(statuses))
    return tree, plan_outputs_table(tree), note


def sag_charts(view: Selection) -> tuple[pd.DataFrame, dict[str, Chart]]:
    """The activities' statuses and every chart of the SAG dashboard, each with its table."""
    statuses = _statuses(view)
    labels = chart_labels()
    scope = view.words()
    window = view.window()
    span = {"first": window[0].code, "last": window[-1].code}
    frames = {name: build_table(name, view, statuses) for name in CHARTS if name != "plan"}
    tree, plan, plan_note = _plan_picture(view, statuses)
    frames["plan"] = (tree, plan)
    compliance = frames["compliance"][0]
    body_names = dict(zip(compliance["body"], compliance[lang_column("body_name")], strict=False))
    drawn = not statuses.empty
    # name: (title, how to draw it from its frame or None for a table alone, note)
    specs = {
        "status-by-pillar": (_("Activities by status and pillar, %(scope)s", scope=scope),
                             charts.status_by_pillar if drawn else None, ""),
        "status-over-time": (_("Statuses over the quarters, %(first)s to %(last)s", **span),
                             charts.status_trend if drawn else None, ""),
        "compliance": (_("Reporting: who delivered on time, %(first)s to %(last)s", **span),
                       (lambda frame, labels, title: charts.compliance_grid(frame, labels, title, body_names))
                       if not compliance.empty else None,
                       _("Every body that reports, whatever the pillar or body chosen. A report counts as delivered "
                         "once submitted; “delivered late”: submitted after the due date; “overdue”: past the due "
                         "date and not delivered yet; “missing”: the quarter closed without a report; “not due "
                         "yet”: before the due date.")),
        "at-risk": (_("Activities at risk or delayed, %(scope)s", scope=scope), None, ""),
        "plan": (_("The plan as one picture, %(scope)s", scope=scope), charts.plan_sunburst if drawn else None,
                 plan_note),
    }
    result = {}
    for name, (title, draw, note) in specs.items():
        frame, table = frames[name]
        # The page's caption names the chart: drawn without a title inside it.
        figure = figure_json(draw(frame, labels, "")) if draw is not None else None
        result[name] = Chart(name, title, figure, table, url_for("dashboards.sag_csv", chart=name, **view.args()),
                             note)
    result["at-risk"].page = _risk_page(frames["at-risk"][1])
    return statuses, result


def sag_page(view: Selection) -> dict:
    """The SAG dashboard's context: the key figures and every chart of the chosen quarter and filters, rendered once
    per data version (see bench/RESULTS.md: at ×100 a warm page takes 9 ms instead of 245 ms)."""
    if view.period is None:
        return {"view": view}
    key = (tuple(sorted(view.args().items())), current_language(), periods_key(view.periods.all),
           request.args.get("risk_page"))
    return {"view": view, "content": cached_part("sag", key, lambda: _sag_content(view)), "note": view.note(),
            "share_url": url_for("dashboards.sag", **view.args())}


def _sag_content(view: Selection) -> Markup:
    """The SAG dashboard's key figures and charts, rendered."""
    statuses, sag = sag_charts(view)
    return Markup(render_template("dashboards/_sag_content.html", view=view, charts=sag,  # noqa: S704  # nosec B704: a template rendered with autoescape
                                  figures=key_figures(statuses), total=len(statuses)))


def chart_table(chart: str, view: Selection) -> Table:
    """One SAG chart's figures, for its CSV download."""
    return build_table(chart, view)[1]


# --- the GLM view -------------------------------------------------------------------------------


def glm_page(view: Selection) -> dict:
    """The GLM view's context: the quarter compared with the previous GLM's (or the quarter before), the changes
    (each list a page at a time) and each group's accepted summary."""
    context = {"view": view, "previous": None, "previous_is_glm": False, "CHANGE_LABELS": CHANGE_LABELS}
    if view.period is None:
        return context
    previous, is_glm = view.periods.previous_glm(view.period)
    changes = change_rows(data.changes_between(view.strategy, view.period, previous))
    context.update(
        previous=previous, previous_is_glm=is_glm, accepted=view.period.id in view.periods.accepted,
        pages={kind: page_of_rows(rows, requested_page(f"{kind}_page"), CHANGE_ROWS) for kind, rows in changes.items()},
        summaries=summary_rows(data.group_summaries(view.strategy, view.period)),
    )
    return context


# --- one body -----------------------------------------------------------------------------------


def body_page(found: Body, view: Selection) -> dict:
    """A body's page: the activities it is responsible for with their status (and which it is accountable for),
    its key figures and, when it reports, its reporting record."""
    today = date.today()
    reports = any(body.id == found.id for body in reporting_bodies(today))
    context = {"view": view, "body": found, "reports": reports, "activities": [], "figures": [], "record": []}
    if view.period is None:
        return context
    activities = data.body_activities(found, view.period)
    context.update(note=view.note(), activities=activity_rows(activities), figures=key_figures(activities),
                   record=record_rows(data.body_record(found, view.window(), today)) if reports else [])
    return context
