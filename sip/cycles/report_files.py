"""The end-of-strategy report's presentation: its tables in a language (the same rows for the page, the CSV, the
PDF and the workbook), and the PDF and XLSX files, made with the GLM pack's engine and style.

The PDF is the pack's: a Jinja template printed by WeasyPrint with the pack's stylesheet (static/css/report-pdf.css),
fetching nothing but data: addresses. The report draws no chart, so it needs no Chromium and no worker: it is built
in the request, as the pack's workbook is. The workbook is the pack's Book (sip.exports.book: XlsxWriter, styled
headers, filters, frozen panes, print setup, formulas kept as text), a sheet per table after a summary sheet.
"""
import io
from dataclasses import dataclass
from datetime import datetime, time, timezone
from typing import Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from sip.config import ROOT
from sip.core.i18n import pick
from sip.cycles.models import CARRY_DECISIONS
from sip.cycles.report_data import ClosingReport
from sip.dashboards.colours import COMPLIANCE_COLOURS, STATUS_COLOURS
from sip.dashboards.tables import Cell, Table, status_by_pillar_table, status_label
from sip.governance.models import AMENDMENT_KINDS, AMENDMENT_STATES
from sip.meetings.models import DECISION_METHODS, DECISION_OUTCOMES
from sip.plan.models import STRATEGY_STATES
from sip.reporting.delivery import DELIVERY_LABELS, DELIVERY_STATES

LANGUAGES = ("fr", "en")
TABLES = ("completed", "completed-new", "status-counts", "statuses", "compliance-summary", "compliance",
          "amendments-by-glm", "amendments", "carry-over")
PDF_TYPE = "application/pdf"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Section:
    """One table of the report: its heading, what it shows, the table itself and what it says when empty."""

    name: str
    heading: str
    table: Table
    empty: str
    note: str = ""
    wide: bool = False  # printed on a landscape page


# --- the report's words -------------------------------------------------------------------------


def title() -> str:
    """The report's title in the current language."""
    return _("End-of-strategy report")


def strategy_title(report: ClosingReport, lang: str) -> str:
    """The strategy's title in the language."""
    return pick(report.strategy.title, lang) or report.strategy.years


def span(report: ClosingReport) -> str:
    """The quarters covered, "2022-Q1 to 2026-Q4" ("" when none has opened)."""
    if not report.periods:
        return ""
    return _("%(first)s to %(last)s", first=report.first, last=report.last)


def facts(report: ClosingReport, lang: str) -> list[tuple[str, Any]]:
    """The strategy's state, dates and closing notes, as (label, value) lines."""
    strategy = report.strategy
    lines = [(_("State"), str(STRATEGY_STATES.get(strategy.state, strategy.state))),
             (_("From"), strategy.starts_on), (_("To"), strategy.ends_on),
             (_("Quarters covered"), span(report) or _("None has opened yet."))]
    if strategy.closed_at is not None:
        lines.append((_("Closed on"), strategy.closed_at.date()))
    notes = pick(strategy.closing_notes, lang)
    if notes:
        lines.append((_("Closing notes"), notes))
    lines.append((_("Exported on"), report.today))
    return lines


def _lang_column(prefix: str, lang: str) -> str:
    """The frame's column in the language: "text_fr" or "text_en"."""
    return f"{prefix}_{'fr' if lang == 'fr' else 'en'}"


def _label(labels: dict, code: str) -> str:
    """A code in words ("" for none)."""
    return str(labels.get(code, code)) if code else ""


# --- the tables ---------------------------------------------------------------------------------


def _pillar(number) -> str:
    """ "Pillar 2" in the current language."""
    return _("Pillar %(number)s", number=int(number))


def completed_section(report: ClosingReport) -> Section:
    """Pillars and their outcomes × quarters: activities completed by the end of each quarter (running total)."""
    frame, pillars = report.completed, report.completed_by_pillar
    quarters = list(dict.fromkeys(frame["period"]))
    table = Table("completed", _("Activities completed by the end of each quarter, by pillar and outcome (running "
                                 "total)"), [_("Pillar or outcome")] + quarters)
    totals = {(p, q): n for p, q, n in zip(pillars["pillar"], pillars["period"], pillars["completed_to_date"],
                                           strict=True)}
    cells = {(o, q): n for o, q, n in zip(frame["outcome"], frame["period"], frame["completed_to_date"], strict=True)}
    for pillar in dict.fromkeys(frame["pillar"]):
        table.rows.append([_pillar(pillar)] + [int(totals[(pillar, q)]) for q in quarters])
        for outcome in dict.fromkeys(frame[frame["pillar"] == pillar]["outcome"]):
            table.rows.append([_("Outcome %(code)s", code=outcome)] + [int(cells[(outcome, q)]) for q in quarters])
    if table.rows:
        table.footer = [_("All pillars")] + [int(pillars[pillars["period"] == q]["completed_to_date"].sum())
                                             for q in quarters]
    return Section("completed", _("Activities completed over the strategy"), table,
                   _("No quarter has opened yet, so nothing has been reported completed."),
                   _("An activity counts from the first quarter in which its status (from accepted reports, or the "
                     "plan's own) was completed, and stays counted even if it was later retired from the plan."),
                   wide=True)


def completed_new_section(report: ClosingReport) -> Section:
    """Pillars × quarters: activities completed for the first time in each quarter."""
    frame = report.completed_by_pillar
    quarters = list(dict.fromkeys(frame["period"]))
    table = Table("completed-new", _("Activities completed for the first time in each quarter, by pillar"),
                  [_("Pillar")] + quarters + [_("Total")])
    for pillar in dict.fromkeys(frame["pillar"]):
        values = [int(n) for n in frame[frame["pillar"] == pillar]["newly_completed"]]
        table.rows.append([_pillar(pillar)] + values + [sum(values)])
    return Section("completed-new", _("Completed in each quarter"), table,
                   _("No quarter has opened yet, so nothing has been reported completed."), wide=True)


def status_counts_section(report: ClosingReport) -> Section:
    """Pillars × statuses at the close: the dashboards' status-by-pillar table of the last quarter."""
    table = status_by_pillar_table(report.status_counts)
    table.caption = _("Activities in each status, per pillar, at the close (%(period)s)",
                      period=report.close_period or "—")
    return Section("status-counts", _("Status at the close, per pillar"), table, _("The plan has no activity."))


def statuses_section(report: ClosingReport, lang: str, href=None) -> Section:
    """Every activity with its status at the close and the quarter of the report that set it."""
    text = _lang_column("text", lang)
    table = Table("statuses", _("Each activity's status at the close"),
                  [_("Code"), _("Pillar"), _("Outcome"), _("Activity"), _("Status"), _("Reported in"),
                   _("Retired on")])
    for row in report.statuses.to_dict("records"):
        table.rows.append([
            Cell(row["code"], href=href(row["code"]) if href else ""), str(int(row["pillar"])), row["outcome"],
            row[text], Cell(status_label(row["status"]), kind=f"status-{row['status']}"),
            row["reported_in"] or _("(the plan's status)"), row["retired_on"]])
    return Section("statuses", _("Each activity at the close"), table, _("The plan has no activity."),
                   _("Each activity's current status, from the status table: that of its latest accepted update, "
                     "or the plan's own before any; a retired activity keeps the status it was retired as."))


def compliance_summary_section(report: ClosingReport, lang: str) -> Section:
    """Per body over all the quarters: reports in each delivery state, how many were due, the on-time rate."""
    name = _lang_column("body_name", lang)
    table = Table("compliance-summary", _("Reports of each body over all the quarters, %(span)s",
                                          span=span(report) or "—"),
                  [_("Body")] + [str(DELIVERY_LABELS[s]) for s in DELIVERY_STATES] + [_("Due"),
                                                                                       _("On-time rate (%)")])
    for row in report.compliance_summary.to_dict("records"):
        table.rows.append([row[name]] + [int(row[s]) for s in DELIVERY_STATES] + [int(row["due"]),
                                                                                  row["on_time_rate"]])
    return Section("compliance-summary", _("Reporting compliance, per body"), table,
                   _("No body was expected to report."),
                   _("A report counts as delivered once submitted; “due” counts the quarters whose report was "
                     "expected (on time, delivered late, overdue or missing)."))


def compliance_section(report: ClosingReport, lang: str) -> Section:
    """Bodies × quarters: where each body's report stands, in the words of /reports and the dashboards."""
    frame = report.compliance
    name = _lang_column("body_name", lang)
    quarters = list(dict.fromkeys(frame["period"]))
    table = Table("compliance", _("Whether each body's report was delivered on time, per quarter"),
                  [_("Body")] + quarters)
    states = {(b, p): s for b, p, s in zip(frame["body"], frame["period"], frame["state"], strict=True)}
    for slug, body_name in frame.drop_duplicates("body").set_index("body")[name].items():
        table.rows.append([body_name] + [Cell(_label(DELIVERY_LABELS, states.get((slug, q), "")),
                                              kind=f"compliance-{states.get((slug, q), '')}") for q in quarters])
    return Section("compliance", _("Reporting compliance, quarter by quarter"), table,
                   _("No body was expected to report."), wide=True)


def amendments_by_glm_section(report: ClosingReport, lang: str) -> Section:
    """Per GLM: the amendments it verified and rejected."""
    name = _lang_column("glm_name", lang)
    table = Table("amendments-by-glm", _("Amendments verified and rejected at each GLM"),
                  [_("GLM"), _("Quarter"), _("Date"), _("Verified"), _("Rejected")])
    for row in report.amendments_by_glm.to_dict("records"):
        table.rows.append([row[name] or row["glm"], row["glm"], row["glm_on"], int(row["verified"]),
                           int(row["rejected"])])
    return Section("amendments-by-glm", _("Amendments at each GLM"), table,
                   _("No GLM has decided on an amendment of this strategy."))


def amendments_section(report: ClosingReport, lang: str) -> Section:
    """Every amendment: what it changed, the SAG's endorsement and the GLM's decision."""
    text, name = _lang_column("text", lang), _lang_column("glm_name", lang)
    table = Table("amendments", _("Every amendment of the plan and the decisions on it"),
                  [_("No."), _("Change"), _("Code"), _("Activity"), _("State"), _("Proposed on"), _("Endorsed on"),
                   _("GLM"), _("Decision"), _("How"), _("Votes (for/against/abstaining)")])
    for row in report.amendments.to_dict("records"):
        votes = ("/".join(str(row[k]) for k in ("votes_for", "votes_against", "votes_abstaining"))
                 if row["votes_for"] is not None else "")
        glm = f"{row[name] or row['glm']} ({row['glm_on']})" if row["glm"] and row["glm_on"] else row[name]
        table.rows.append([row["number"], _label(AMENDMENT_KINDS, row["kind"]), row["code"], row[text],
                           _label(AMENDMENT_STATES, row["state"]), row["proposed_on"], row["sag_on"], glm,
                           _label(DECISION_OUTCOMES, row["outcome"]), _label(DECISION_METHODS, row["method"]),
                           votes])
    return Section("amendments", _("Amendments made"), table, _("No amendment of this strategy was proposed."),
                   _("A GLM's decision is the plenary's verdict recorded at its meeting; a verified amendment "
                     "changed the plan."), wide=True)


def carry_over_section(report: ClosingReport, lang: str) -> Section:
    """What became of each unfinished activity in the next plan."""
    text, target, reason = (_lang_column("text", lang), _lang_column("to_text", lang),
                            _lang_column("reason", lang))
    table = Table("carry-over", _("What was carried into the next plan"),
                  [_("Code"), _("Activity"), _("Decision"), _("In the next plan"), _("Reason"), _("Decided on")])
    for row in report.carry_over.to_dict("records"):
        next_one = f"{row['to_code']} · {row[target]}" if row["to_code"] else ""
        table.rows.append([row["code"], row[text], _label(CARRY_DECISIONS, row["decision"]), next_one, row[reason],
                           row["decided_on"]])
    return Section("carry-over", _("Carried into the next plan"), table,
                   _("Nothing has been decided yet: no activity of this strategy has been carried into the next "
                     "plan or closed with a reason."))


def _blank(value: Any) -> Any:
    """A missing value as an empty cell (a page would print "None")."""
    return "" if value is None or (isinstance(value, float) and value != value) else value


def sections(report: ClosingReport, lang: str, href=None) -> list[Section]:
    """Every table of the report in the current language (text columns in `lang`), in the order it is read."""
    parts = [completed_section(report), completed_new_section(report), status_counts_section(report),
             statuses_section(report, lang, href), compliance_summary_section(report, lang),
             compliance_section(report, lang), amendments_by_glm_section(report, lang),
             amendments_section(report, lang), carry_over_section(report, lang)]
    for part in parts:
        part.table.rows = [[_blank(value) for value in row] for row in part.table.rows]
    return parts


def section(report: ClosingReport, name: str, lang: str) -> Section:
    """One table of the report by its name (KeyError for none)."""
    found = {s.name: s for s in sections(report, lang)}
    return found[name]


def filename(report: ClosingReport, lang: str | None, extension: str, table: str | None = None) -> str:
    """What the file is: "sip-closing-report-2022-2026-fr.pdf", "sip-closing-report-2022-2026-statuses.csv"."""
    parts = ["sip-closing-report", report.strategy.slug] + ([table] if table else []) + ([lang] if lang else [])
    return "-".join(parts) + f".{extension}"


# --- the PDF ------------------------------------------------------------------------------------


def render_html(report: ClosingReport, lang: str) -> str:
    """The report as HTML for WeasyPrint, in the language."""
    with force_locale(lang):
        return render_template("cycles/report_pdf.html", report=report, lang=lang, title=title(),
                               strategy_title=strategy_title(report, lang), facts=facts(report, lang),
                               span=span(report), sections=sections(report, lang))


def render_pdf(report: ClosingReport, lang: str) -> bytes:
    """The report as PDF bytes, printed as the GLM pack is (its stylesheet; only data: addresses fetched)."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    from sip.exports.pdf import STYLESHEET

    html = render_html(report, lang)
    fetcher = URLFetcher(allowed_protocols={"data"})
    document = HTML(string=html, base_url=str(ROOT), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(string=STYLESHEET.read_text(encoding="utf-8"), url_fetcher=fetcher)])


# --- the workbook -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Heading:
    """What the pack's Book prints in each sheet's header and footer."""

    title: str
    quarter: str


def _value(value: Any) -> Any:
    """A table cell as the workbook writes it: a Cell as its text, numpy numbers as numbers."""
    if isinstance(value, Cell):
        return value.text
    return value.item() if hasattr(value, "item") else value


def _colour(value: Any) -> str | None:
    """The status or delivery colour of a cell, if it has one."""
    kind = getattr(value, "kind", "")
    if kind.startswith("status-"):
        return STATUS_COLOURS.get(kind.removeprefix("status-"))
    if kind.startswith("compliance-"):
        return COMPLIANCE_COLOURS.get(kind.removeprefix("compliance-"))
    return None


def _sheet(book, part: Section) -> None:
    """One table on its own sheet, with its caption (or what it says when empty)."""
    from sip.exports.book import write_table
    from sip.exports.tables import Column

    table = part.table
    columns = [Column(str(heading), "", 40 if index == 0 else 14, lambda row, i=index: _value(row[i]))
               for index, heading in enumerate(table.header)]
    positions = {id(column): index for index, column in enumerate(columns)}

    def styles(column, row) -> str | None:
        return _colour(row[positions[id(column)]])

    rows = table.rows + ([table.footer] if table.footer else [])
    write_table(book, part.heading, columns, rows, frozen_columns=1, styles=styles,
                caption=table.caption if table.rows else part.empty)


def build_book(report: ClosingReport, lang: str) -> bytes:
    """The report as an .xlsx workbook in the language: a summary sheet, then a sheet per table."""
    from sip.exports.book import Book, note_sheet

    buffer = io.BytesIO()
    with force_locale(lang):
        heading = _Heading(title(), span(report))
        book = Book(buffer, heading)
        moment = datetime.combine(report.today, time(12), tzinfo=timezone.utc).replace(tzinfo=None)
        book.workbook.set_properties({"title": heading.title, "subject": strategy_title(report, lang),
                                      "author": _("Global Logistics Cluster"),
                                      "keywords": f"SIP, {report.strategy.slug}", "created": moment, "comments": ""})
        book.workbook.set_custom_property("Language", lang)
        try:
            note_sheet(book, _("Summary"), [("title", heading.title), ("", strategy_title(report, lang)), ("", "")]
                       + facts(report, lang) + [("", ""), ("", _(
                           "Only reports that the Rome support team has accepted are counted. An activity keeps "
                           "the status of its latest accepted update, or the plan's own status before any."))])
            for part in sections(report, lang):
                _sheet(book, part)
        finally:
            book.close()
    return buffer.getvalue()

