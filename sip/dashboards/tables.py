"""The figures beside each chart as tables (the same rows for the page and its CSV download), and the labels the
charts and tables say things with, in the reader's language."""
from dataclasses import dataclass, field

import pandas as pd
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from sip.core.i18n import current_language
from sip.core.pagination import Page
from sip.dashboards.colours import STATUS_ORDER
from sip.dashboards.selection import pillar_name
from sip.plan.models import STATUSES
from sip.reporting.delivery import DELIVERY_LABELS

CHANGE_LABELS = {
    "completed": _l("Completed since the last GLM"),
    "new_risk": _l("New risks"),
    "status_change": _l("Other status changes"),
}


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
    """The figure as JSON that is safe inside an HTML data block (<, > and & escaped as JSON escapes)."""
    text = figure.to_json()
    text = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)  # noqa: S704  # nosec B704: JSON with <, > and & escaped


def chart_labels() -> dict[str, str]:
    """Codes and axis keys in the reader's language, for the charts."""
    labels = {code: str(label) for code, label in STATUSES.items()}
    labels.update({code: str(label) for code, label in DELIVERY_LABELS.items()})
    labels.update(pillar=_("Pillar"), activities=_("Activities"), period=_("Quarter"), body=_("Body"),
                  status=_("Status"), state=_("Reporting"), outcome=_("Outcome"), output=_("Output"),
                  activity=_("Activity"))
    return labels


def status_label(status: str) -> str:
    """A status in the reader's language."""
    return str(STATUSES.get(status, status))


def lang_column(prefix: str) -> str:
    """The column of a frame in the reader's language: "text_fr" or "text_en"."""
    return f"{prefix}_{'fr' if current_language() == 'fr' else 'en'}"


def key_figures(statuses: pd.DataFrame) -> list[tuple[str, int]]:
    """How many activities are in each status, in the order of the statuses."""
    counts = statuses["status"].value_counts() if not statuses.empty else {}
    return [(status, int(counts.get(status, 0))) for status in STATUS_ORDER]


def status_by_pillar_table(counts: pd.DataFrame) -> Table:
    """Pillars × statuses: how many activities are in each status."""
    header = [_("Pillar")] + [status_label(s) for s in STATUS_ORDER] + [_("Total")]
    table = Table("status-by-pillar", _("Activities in each status, per pillar"), header)
    totals = [0] * len(STATUS_ORDER)
    for pillar, group in counts.groupby("pillar", sort=True):
        by_status = dict(zip(group["status"], group["count"], strict=False))
        values = [int(by_status.get(s, 0)) for s in STATUS_ORDER]
        totals = [a + b for a, b in zip(totals, values, strict=False)]
        table.rows.append([pillar_name(pillar)] + values + [sum(values)])
    if table.rows:
        table.footer = [_("All pillars")] + totals + [sum(totals)]
    return table


def status_over_time_table(over_time: pd.DataFrame) -> Table:
    """Quarters × statuses: how many activities were in each status as of each quarter."""
    header = [_("Quarter")] + [status_label(s) for s in STATUS_ORDER] + [_("Total")]
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
    names = frame.drop_duplicates("body").set_index("body")[lang_column("body_name")]
    table = Table("compliance", _("Whether each body's report was delivered on time, per quarter"),
                  [_("Body")] + periods)
    states = {(b, p): s for b, p, s in zip(frame["body"], frame["period"], frame["state"], strict=False)}
    for slug, name in names.items():
        row = [Cell(name, href=url_for("dashboards.body", slug=slug, period=period_code))]
        for period in periods:
            state = states.get((slug, period), "")
            row.append(Cell(str(DELIVERY_LABELS.get(state, state)), kind=f"compliance-{state}"))
        table.rows.append(row)
    return table


def at_risk_table(frame: pd.DataFrame, body_names: dict[str, str]) -> Table:
    """The activities at risk or delayed, with the challenges and the support requested that set their status."""
    table = Table("at-risk", _("Activities at risk or delayed"),
                  [_("Code"), _("Activity"), _("Status"), _("Responsible bodies"), _("Challenges"),
                   _("Support requested"), _("Reported in")])
    text = lang_column("text")
    for row in frame.to_dict("records"):
        bodies = ", ".join(body_names.get(slug, slug) for slug in row["bodies"].split(",") if slug)
        table.rows.append([
            Cell(row["code"], href=url_for("plan.activity", code=row["code"])), row[text],
            Cell(status_label(row["status"]), kind=f"status-{row['status']}"), bodies,
            row["challenges"], row["support_needed"], row["period"] or _("(the plan's status)"),
        ])
    return table


def plan_outputs_table(tree: pd.DataFrame) -> Table:
    """The plan picture of a large plan: each output with how many of its activities are in each status."""
    header = [_("Output"), _("Pillar"), _("Outcome"), _("Status of most activities")]
    header += [status_label(s) for s in STATUS_ORDER] + [_("Total")]
    table = Table("plan", _("The plan's outputs and the status of their activities"), header)
    labels = dict(zip(tree["id"], tree["label"], strict=False))
    parents = dict(zip(tree["id"], tree["parent"], strict=False))
    outputs = tree[tree["level"] == "output"]
    for node, label, status, counts in zip(outputs["id"], outputs["label"], outputs["status"], outputs["counts"],
                                           strict=False):
        outcome = parents[node]
        values = [int(counts.get(s, 0)) for s in STATUS_ORDER]
        table.rows.append([label, labels[parents[outcome]].removeprefix("P"), labels[outcome],
                           Cell(status_label(status), kind=f"status-{status}")] + values + [sum(values)])
    return table


def plan_table(statuses: pd.DataFrame) -> Table:
    """Every activity shown in the plan picture, in plan order, with its place and status."""
    table = Table("plan", _("The plan's activities and their status"),
                  [_("Code"), _("Pillar"), _("Outcome"), _("Output"), _("Activity"), _("Status")])
    text = lang_column("text")
    for row in statuses.to_dict("records"):
        table.rows.append([
            Cell(row["code"], href=url_for("plan.activity", code=row["code"])), str(int(row["pillar"])),
            row["outcome"], row["output"], row[text],
            Cell(status_label(row["status"]), kind=f"status-{row['status']}"),
        ])
    return table


def change_rows(changes: pd.DataFrame) -> dict[str, list[dict]]:
    """The changes grouped by kind (completed, new risks, other status changes), in plan order."""
    text = lang_column("text")
    grouped: dict[str, list[dict]] = {kind: [] for kind in CHANGE_LABELS}
    for row in changes.to_dict("records"):
        grouped.setdefault(row["change"], []).append(
            {"code": row["code"], "text": row[text], "before": row["before"], "after": row["after"]})
    return grouped


def summary_rows(summaries: pd.DataFrame) -> list[dict]:
    """Each group's summary, with the day its report was submitted."""
    name = lang_column("body_name")
    rows = []
    for row in summaries.to_dict("records"):
        at = row["submitted_at"]
        rows.append({"slug": row["body"], "name": row[name], "summary": row["summary"],
                     "submitted_on": at.date() if at is not None and not pd.isna(at) else None})
    return rows


def record_rows(record: pd.DataFrame) -> list[dict]:
    """A body's reporting record, newest quarter first."""
    return [{"period": row["period"], "state": row["state"]} for row in reversed(record.to_dict("records"))]


def activity_rows(activities: pd.DataFrame) -> list[dict]:
    """A body's activities for its page: code, text, status and whether the body is the accountable one."""
    text = lang_column("text")
    return [{"code": r["code"], "text": r[text], "status": r["status"], "accountable": bool(r["accountable"])}
            for r in activities.to_dict("records")]
