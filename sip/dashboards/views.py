"""The dashboards: the SAG's, the GLM plenary's and one page per body; accepted data only, nothing personal.

Each chart is a plotly figure handed to the page as JSON in a data block (`static/js/charts.js` draws it), with
its figures beside it as an HTML table and as a CSV download built from the same rows.
"""
import csv
import io
import numbers
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from sip.bodies.models import Body
from sip.bodies.queries import body_choices, find_body
from sip.core.i18n import current_language, pick
from sip.dashboards import charts, data
from sip.core.pagination import Page, page_of_rows, requested_page
from sip.dashboards.assets import plotly_js_url
from sip.core.parts import cached_part, periods_key
from sip.dashboards.colours import STATUS_ORDER
from sip.dashboards.forms import DashboardFilterForm, PeriodFilterForm
from sip.dashboards.permissions import can_view_dashboards
from sip.extensions import db
from sip.plan.models import STATUSES, Strategy
from sip.plan.queries import current_strategy, pillar_numbers
from sip.reporting.models import PERIOD_STATES, GroupReport, ReportingPeriod
from sip.reporting.queries import REPORTING_KINDS

bp = Blueprint("dashboards", __name__, url_prefix="/dashboards")

# How many quarters the compliance grid, the trend and a body's record show (the chosen one and those before).
WINDOW = 8

COMPLIANCE_LABELS = {
    "on_time": _l("On time"),
    "late": _l("Delivered late"),
    "overdue": _l("Overdue"),
    "missing": _l("Missing"),
    "pending": _l("Not due yet"),
    "not_open": _l("Not open"),
}
CHANGE_LABELS = {
    "completed": _l("Completed since the last GLM"),
    "new_risk": _l("New risks"),
    "status_change": _l("Other status changes"),
}


@bp.context_processor
def _assets() -> dict:
    """Dashboard templates load plotly.js from its versioned address."""
    return {"plotly_js_url": plotly_js_url, "COMPLIANCE_LABELS": COMPLIANCE_LABELS}


def _allowed() -> None:
    """403 unless the signed-in user may see the dashboards."""
    if not can_view_dashboards(current_user):
        abort(403)


# --- periods ------------------------------------------------------------------------------------


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


# --- tables shared by the page and the CSV downloads ---------------------------------------------


@dataclass
class Cell:
    """A table cell with a class for the page (a status colour) and an optional link; CSV keeps the text."""

    text: str
    kind: str = ""
    href: str = ""

    def __str__(self) -> str:
        return self.text


@dataclass
class Table:
    """A chart's figures: a caption, column headings, rows (the first cell heads its row) and a total row."""

    name: str
    caption: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    footer: list | None = None


@dataclass
class Chart:
    """A chart on a page: its title, the figure as JSON for charts.js, its table and its CSV address."""

    name: str
    title: str
    figure_json: Markup | None
    table: Table
    csv_url: str
    note: str = ""
    page: Page | None = None  # when the table is shown a page at a time


def figure_json(figure) -> Markup:
    """The figure as JSON that is safe inside an HTML data block (<, > and & escaped as JSON escapes).

    On the page the figure's caption names the chart, so the title drawn inside the chart is left out.
    """
    figure.update_layout(title={"text": ""})
    text = figure.to_json()
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)  # noqa: S704  # nosec B704: JSON with <, > and & escaped


def chart_labels() -> dict[str, str]:
    """Codes and axis keys in the reader's language, for the charts."""
    labels = {code: str(label) for code, label in STATUSES.items()}
    labels.update({code: str(label) for code, label in COMPLIANCE_LABELS.items()})
    labels.update(pillar=_("Pillar"), activities=_("Activities"), period=_("Quarter"), body=_("Body"),
                  status=_("Status"), state=_("Reporting"), outcome=_("Outcome"), output=_("Output"),
                  activity=_("Activity"))
    return labels


def _status_label(status: str) -> str:
    return str(STATUSES.get(status, status))


def _lang_column(prefix: str) -> str:
    """The column of a frame in the reader's language: "text_fr" or "text_en"."""
    return f"{prefix}_{'fr' if current_language() == 'fr' else 'en'}"


def _pillar_name(number) -> str:
    return _("Pillar %(number)s", number=int(number))


def status_by_pillar_table(counts: pd.DataFrame) -> Table:
    """Pillars × statuses: how many activities are in each status."""
    header = [_("Pillar")] + [_status_label(s) for s in STATUS_ORDER] + [_("Total")]
    table = Table("status-by-pillar", _("Activities in each status, per pillar"), header)
    totals = [0] * len(STATUS_ORDER)
    for pillar, group in counts.groupby("pillar", sort=True):
        by_status = dict(zip(group["status"], group["count"], strict=False))
        values = [int(by_status.get(s, 0)) for s in STATUS_ORDER]
        totals = [a + b for a, b in zip(totals, values, strict=False)]
        table.rows.append([_pillar_name(pillar)] + values + [sum(values)])
    if table.rows:
        table.footer = [_("All pillars")] + totals + [sum(totals)]
    return table


def status_over_time_table(over_time: pd.DataFrame) -> Table:
    """Quarters × statuses: how many activities were in each status as of each quarter."""
    header = [_("Quarter")] + [_status_label(s) for s in STATUS_ORDER] + [_("Total")]
    table = Table("status-over-time", _("Activities in each status, quarter by quarter"), header)
    for period in dict.fromkeys(over_time["period"]):
        group = over_time[over_time["period"] == period]
        by_status = dict(zip(group["status"], group["count"], strict=False))
        values = [int(by_status.get(s, 0)) for s in STATUS_ORDER]
        table.rows.append([period] + values + [sum(values)])
    return table


def compliance_table(frame: pd.DataFrame, period_code: str) -> Table:
    """Reporting bodies × quarters: on time, delivered late, overdue, missing, not due yet, not open."""
    periods = list(dict.fromkeys(frame["period"]))
    names = frame.drop_duplicates("body").set_index("body")[_lang_column("body_name")]
    table = Table("compliance", _("Whether each group's report was delivered on time, per quarter"),
                  [_("Body")] + periods)
    states = {(b, p): s for b, p, s in zip(frame["body"], frame["period"], frame["state"], strict=False)}
    for slug, name in names.items():
        row = [Cell(name, href=url_for("dashboards.body", slug=slug, period=period_code))]
        for period in periods:
            state = states.get((slug, period), "")
            row.append(Cell(str(COMPLIANCE_LABELS.get(state, state)), kind=f"compliance-{state}"))
        table.rows.append(row)
    return table


def at_risk_table(frame: pd.DataFrame, body_names: dict[str, str]) -> Table:
    """The activities at risk or delayed, with the latest challenges and the support requested."""
    table = Table("at-risk", _("Activities at risk or delayed"),
                  [_("Code"), _("Activity"), _("Status"), _("Responsible bodies"), _("Challenges"),
                   _("Support requested"), _("Reported in")])
    text = _lang_column("text")
    for row in frame.to_dict("records"):
        bodies = ", ".join(body_names.get(slug, slug) for slug in row["bodies"].split(",") if slug)
        table.rows.append([
            Cell(row["code"], href=url_for("plan.activity", code=row["code"])), row[text],
            Cell(_status_label(row["status"]), kind=f"status-{row['status']}"), bodies,
            row["challenges"], row["support_needed"], row["period"] or _("(the plan's status)"),
        ])
    return table


def plan_outputs_table(tree: pd.DataFrame) -> Table:
    """The plan picture of a large plan: each output with how many of its activities are in each status."""
    header = [_("Output"), _("Pillar"), _("Outcome"), _("Status of most activities")]
    header += [_status_label(s) for s in STATUS_ORDER] + [_("Total")]
    table = Table("plan", _("The plan's outputs and the status of their activities"), header)
    labels = dict(zip(tree["id"], tree["label"], strict=False))
    parents = dict(zip(tree["id"], tree["parent"], strict=False))
    outputs = tree[tree["level"] == "output"]
    for node, label, status, counts in zip(outputs["id"], outputs["label"], outputs["status"], outputs["counts"], strict=False):
        outcome = parents[node]
        values = [int(counts.get(s, 0)) for s in STATUS_ORDER]
        table.rows.append([label, labels[parents[outcome]].removeprefix("P"), labels[outcome],
                           Cell(_status_label(status), kind=f"status-{status}")] + values + [sum(values)])
    return table


def plan_table(statuses: pd.DataFrame) -> Table:
    """Every activity shown in the plan picture, in plan order, with its place and status."""
    table = Table("plan", _("The plan's activities and their status"),
                  [_("Code"), _("Pillar"), _("Outcome"), _("Output"), _("Activity"), _("Status")])
    text = _lang_column("text")
    for row in statuses.to_dict("records"):
        table.rows.append([
            Cell(row["code"], href=url_for("plan.activity", code=row["code"])), str(int(row["pillar"])), row["outcome"],
            row["output"], row[text], Cell(_status_label(row["status"]), kind=f"status-{row['status']}"),
        ])
    return table


# --- CSV ----------------------------------------------------------------------------------------

# A spreadsheet runs a cell that starts with one of these as a formula: such cells get a leading '.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A cell as written to CSV: numbers as they are, text with formulas neutralised."""
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(table: Table, filename: str) -> Response:
    """The table as a CSV download (UTF-8 with a byte-order mark, so that spreadsheets read the accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(cell) for cell in table.header])
    for row in table.rows:
        writer.writerow([csv_cell(cell) for cell in row])
    response = Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- filters ------------------------------------------------------------------------------------


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
    lang = current_language()
    bodies = body_choices(lang)
    if with_filters:
        form = DashboardFilterForm(request.args)
        pillars = [(str(n), _pillar_name(n)) for n in pillar_numbers(strategy)]
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


# --- the SAG dashboard --------------------------------------------------------------------------

CHARTS = ("status-by-pillar", "status-over-time", "compliance", "at-risk", "plan")


def _period_note(view: Selection) -> str:
    """Says where the figures come from when the chosen quarter has no accepted report yet."""
    period = view.period
    if period is None or period.id in view.periods.accepted:
        return ""
    earlier = view.periods.all[:view.periods.all.index(period)]
    if any(p.id in view.periods.accepted for p in earlier):
        return _("No report for %(period)s has been accepted yet: the figures show each activity's status from its "
                 "latest accepted report before this quarter (the plan's own status for activities never reported "
                 "on).", period=period.code)
    return _("No report has been accepted for %(period)s or any quarter before it yet: the figures show the "
             "plan's own statuses.", period=period.code)


def _statuses(view: Selection) -> pd.DataFrame:
    """The activities the filters show, with their status and, for the at-risk list, their latest texts."""
    return data.activity_statuses(view.strategy, view.period, pillar=view.pillar, body=view.body, texts=True)


def _at_risk(view: Selection, statuses: pd.DataFrame) -> pd.DataFrame:
    """The at-risk list of the activities the pillar and body filters show."""
    return data.at_risk(view.strategy, view.period, statuses=statuses)


def build_table(name: str, view: Selection, statuses: pd.DataFrame | None = None):
    """The data frame and table of one SAG chart (for the page and for its CSV)."""
    if statuses is None and name in ("status-by-pillar", "at-risk", "plan"):
        statuses = _statuses(view)
    if name == "status-by-pillar":
        frame = data.status_counts(statuses)
        return frame, status_by_pillar_table(frame)
    if name == "status-over-time":
        frame = data.status_over_time(view.strategy, view.periods.window(view.period), pillar=view.pillar,
                                      body=view.body)
        return frame, status_over_time_table(frame)
    if name == "compliance":
        frame = data.compliance(view.strategy, view.periods.window(view.period), date.today())
        return frame, compliance_table(frame, view.period.code)
    if name == "at-risk":
        frame = _at_risk(view, statuses)
        return frame, at_risk_table(frame, view.body_names)
    if name == "plan":
        return statuses, plan_table(statuses)
    raise KeyError(name)


def _scope(view: Selection) -> str:
    """The filters in words, for titles: "2026-Q4", "2026-Q4 · Pillar 2 · Training working group"."""
    parts = [view.period.code]
    if view.pillar:
        parts.append(_pillar_name(view.pillar))
    if view.body:
        parts.append(view.body_names.get(view.body, view.body))
    return " · ".join(parts)


# Above this many activities the plan picture stops at the outputs (5,000 slivers are no picture) and its table
# counts each output's activities by status; the CSV still lists every activity.
PLAN_DETAIL_LIMIT = 400
# Rows of the at-risk table shown at a time (the CSV has them all).
RISK_ROWS = 25


def _risk_page(frame: pd.DataFrame, table: Table) -> Page:
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
    scope = _scope(view)
    window = view.periods.window(view.period)
    span = {"first": window[0].code, "last": window[-1].code}
    frames = {name: build_table(name, view, statuses) for name in CHARTS if name != "plan"}
    tree, plan, plan_note = _plan_picture(view, statuses)
    frames["plan"] = (tree, plan)
    compliance = frames["compliance"][0]
    body_names = dict(zip(compliance["body"], compliance[_lang_column("body_name")], strict=False))
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
                       _("Every working group and the SAG, whatever the pillar or body chosen. A report counts as "
                         "delivered once submitted; “delivered late”: submitted after the due date; “overdue”: past "
                         "the due date and not delivered yet; “missing”: the quarter closed without a report.")),
        "at-risk": (_("Activities at risk or delayed, %(scope)s", scope=scope), None, ""),
        "plan": (_("The plan as one picture, %(scope)s", scope=scope), charts.plan_sunburst if drawn else None,
                 plan_note),
    }
    result = {}
    for name, (title, draw, note) in specs.items():
        frame, table = frames[name]
        figure = figure_json(draw(frame, labels, title)) if draw is not None else None
        result[name] = Chart(name, title, figure, table, url_for("dashboards.sag_csv", chart=name, **view.args()),
                             note)
    result["at-risk"].page = _risk_page(*frames["at-risk"])
    return statuses, result


def key_figures(statuses: pd.DataFrame) -> list[tuple[str, int]]:
    """How many activities are in each status, in the order of the statuses."""
    counts = statuses["status"].value_counts() if not statuses.empty else {}
    return [(status, int(counts.get(status, 0))) for status in STATUS_ORDER]


@bp.get("")
@login_required
def index():
    """The dashboards start with the SAG's (the filters in the URL are kept)."""
    _allowed()
    return redirect(url_for("dashboards.sag", **request.args.to_dict()))


@bp.get("/sag")
@login_required
def sag():
    """The SAG dashboard: statuses, their trend, reporting compliance, risks and the plan as one picture."""
    _allowed()
    strategy = current_strategy()
    if strategy is None:
        return render_template("dashboards/none.html", title=_("SAG dashboard"))
    view = select_view(strategy, with_filters=True)
    if view.period is None:
        return render_template("dashboards/sag.html", view=view, content="", note=""), view.status
    content = cached_part("sag", _part_key(view, request.args.get("risk_page")), lambda: _sag_content(view))
    return render_template(
        "dashboards/sag.html", view=view, content=content, note=_period_note(view),
        share_url=url_for("dashboards.sag", **view.args()),
    ), view.status


def _part_key(view: Selection, *extra) -> tuple:
    """What a cached dashboard part depends on besides the data: filters, language, periods and the URL's extras."""
    return (tuple(sorted(view.args().items())), current_language(), periods_key(view.periods.all), *extra)


def _sag_content(view: Selection) -> Markup:
    """The SAG dashboard's key figures and charts, rendered."""
    statuses, sag = sag_charts(view)
    return Markup(render_template("dashboards/_sag_content.html", view=view, charts=sag,  # noqa: S704  # nosec B704: a template rendered with autoescape
                                  figures=key_figures(statuses), total=len(statuses)))


CSV_NAMES = {
    "status-by-pillar": "status-by-pillar",
    "status-over-time": "status-over-time",
    "compliance": "reporting-compliance",
    "at-risk": "activities-at-risk",
    "plan": "plan-statuses",
}


@bp.get("/sag/<chart>.csv")
@login_required
def sag_csv(chart: str):
    """One chart's figures as CSV, with the dashboard's filters, in the reader's language."""
    _allowed()
    if chart not in CHARTS:
        abort(404)
    strategy = current_strategy() or abort(404)
    view = select_view(strategy, with_filters=True)
    if view.problems:
        return Response("\n".join(view.problems) + "\n", status=400, mimetype="text/plain")
    if view.period is None:
        abort(404)
    _, table = build_table(chart, view)
    parts = ["sip", CSV_NAMES[chart], view.period.code]
    if view.pillar:
        parts.append(f"pillar-{view.pillar}")
    if view.body:
        parts.append(view.body)
    return csv_response(table, "-".join(parts) + ".csv")


# --- the GLM view -------------------------------------------------------------------------------


def change_rows(changes: pd.DataFrame) -> dict[str, list[dict]]:
    """The changes grouped by kind (completed, new risks, other status changes), in plan order."""
    text = _lang_column("text")
    grouped: dict[str, list[dict]] = {kind: [] for kind in CHANGE_LABELS}
    for row in changes.to_dict("records"):
        grouped.setdefault(row["change"], []).append(
            {"code": row["code"], "text": row[text], "before": row["before"], "after": row["after"]})
    return grouped


def summary_rows(summaries: pd.DataFrame) -> list[dict]:
    """Each group's summary, with the day its report was submitted."""
    name = _lang_column("body_name")
    rows = []
    for row in summaries.to_dict("records"):
        at = row["submitted_at"]
        rows.append({"slug": row["body"], "name": row[name], "summary": row["summary"],
                     "submitted_on": at.date() if at is not None and not pd.isna(at) else None})
    return rows


# Rows of each list of changes shown at a time on the GLM view (each list has its own ?<kind>_page=).
CHANGE_ROWS = 50


def _glm_content(view: Selection, previous: ReportingPeriod | None, is_glm: bool) -> Markup:
    """The GLM view's changes (each list a page at a time) and the groups' summaries, rendered."""
    changes = change_rows(data.changes_between(view.strategy, view.period, previous))
    pages = {kind: page_of_rows(rows, requested_page(f"{kind}_page"), CHANGE_ROWS) for kind, rows in changes.items()}
    return Markup(render_template(  # noqa: S704  # nosec B704: a template rendered with autoescape
        "dashboards/_glm_content.html", view=view, previous=previous, CHANGE_LABELS=CHANGE_LABELS, pages=pages,
        summaries=summary_rows(data.group_summaries(view.strategy, view.period)),
    ))


@bp.get("/glm")
@login_required
def glm():
    """What changed since the last GLM: activities completed, new risks, status changes, each group's summary."""
    _allowed()
    strategy = current_strategy()
    if strategy is None:
        return render_template("dashboards/none.html", title=_("GLM view"))
    view = select_view(strategy, with_filters=False)
    context = {"view": view, "previous": None, "previous_is_glm": False, "content": ""}
    if view.period is not None:
        previous, is_glm = view.periods.previous_glm(view.period)
        pages = tuple(request.args.get(f"{kind}_page") for kind in CHANGE_LABELS)
        context.update(previous=previous, previous_is_glm=is_glm, accepted=view.period.id in view.periods.accepted,
                       content=cached_part("glm", _part_key(view, pages), lambda: _glm_content(view, previous, is_glm)))
    return render_template("dashboards/glm.html", CHANGE_LABELS=CHANGE_LABELS, **context), view.status


# --- one body -----------------------------------------------------------------------------------


def record_rows(record: pd.DataFrame) -> list[dict]:
    """A body's reporting record, newest quarter first."""
    return [{"period": row["period"], "state": row["state"]} for row in reversed(record.to_dict("records"))]


@bp.get("/bodies/<slug>")
@login_required
def body(slug: str):
    """One body: the activities it is responsible for with their status, and its reporting record."""
    _allowed()
    found: Body = find_body(slug) or abort(404)
    strategy = current_strategy()
    if strategy is None:
        return render_template("dashboards/none.html", title=pick(found.name, current_language()))
    view = select_view(strategy, with_filters=False)
    context = {"view": view, "body": found, "reports": found.kind in REPORTING_KINDS, "activities": [],
               "figures": [], "record": []}
    if view.period is not None:
        context.update(note=_period_note(view))
        context.update(cached_part("body", _part_key(view, found.slug),
                                   lambda: _body_content(found, view, context["reports"])))
    return render_template("dashboards/body.html", **context), view.status


def _body_content(found: Body, view: Selection, reports: bool) -> dict:
    """A body's activities with their status, its key figures and its reporting record (plain rows, kept between
    requests)."""
    activities = data.body_activities(found, view.period)
    text = _lang_column("text")
    record = record_rows(data.body_record(found, view.periods.window(view.period), date.today())) if reports else []
    return {"activities": [{"code": r["code"], "text": r[text], "status": r["status"]}
                           for r in activities.to_dict("records")],
            "figures": key_figures(activities), "record": record}
