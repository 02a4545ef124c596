"""The report pack as an Excel workbook (openpyxl, write-only so that a large plan stays fast and small in memory).

Sheets: a summary, the plan, the updates (one row per activity, quarter and reporting body), reporting compliance,
the risks and the plan's changes since its first recorded version. Each sheet is written by one function of SHEETS,
`writer(book, pack)`, so another sheet is one more function in the list. Every table has a styled header, a filter,
frozen panes and widths fitted to its content; the plan and the updates also carry the CSV files' HXL hashtag row
under their header, so a sheet and its CSV read alike. A text cell that starts with =, +, - or @ is stored as text,
never as a formula. Statuses are those of the pack (the status table's rows of its quarter); reporting is said in
the words of /reports.
"""
import io
from datetime import date, datetime, time, timezone
from typing import Any, Callable

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from sip.core.i18n import pick
from sip.dashboards.colours import COMPLIANCE_COLOURS, STATUS_COLOURS, STATUS_ORDER
from sip.exports.content import Pack, delivery_label, delivery_note, light, status_label
from sip.exports.tables import Column, plan_columns, plan_rows, update_columns, update_rows

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="00557F")
HXL_FONT = Font(italic=True, color="5A6470")
HXL_FILL = PatternFill("solid", fgColor="E4E8EC")
TITLE_FONT = Font(bold=True, size=14, color="00557F")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
MAX_WIDTH = 60
SHEET_NAME_LENGTH = 31  # Excel's limit
WRAPPED_ROWS = 2000  # long text wraps in tables up to this size; beyond, rows stay one line high (and fast to write)


def cell(sheet, value: Any, *, font: Font | None = None, fill: PatternFill | None = None,
         alignment: Alignment | None = None) -> WriteOnlyCell:
    """A cell; text that a spreadsheet would take for a formula is stored as text (and shown as typed)."""
    written = WriteOnlyCell(sheet, value=value)
    if isinstance(value, date):
        written.number_format = "yyyy-mm-dd"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        written.data_type = "s"  # openpyxl stores "=…" as a formula otherwise
        written.quotePrefix = True  # and Excel keeps it text when the cell is edited
    if font is not None:
        written.font = font
    if fill is not None:
        written.fill = fill
    if alignment is not None:
        written.alignment = alignment
    return written


def plain(sheet, value: Any) -> Any:
    """A value to append as it is (fast), or a cell when it needs one: text that looks like a formula, a date."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) or isinstance(value, date):
        return cell(sheet, value)
    return value


def _fill(colour: str) -> PatternFill:
    return PatternFill("solid", fgColor=colour.lstrip("#").upper())


def _sheet(book: Workbook, title: str):
    """A new sheet with a title Excel accepts."""
    safe = "".join(ch for ch in title if ch not in '[]:*?/\\')[:SHEET_NAME_LENGTH]
    return book.create_sheet(safe)


def write_table(book: Workbook, title: str, columns: list[Column], rows: list, frozen_columns: int = 0,
                styles: Callable[[Column, Any], PatternFill | None] | None = None) -> None:
    """A sheet holding one table: header row, the HXL hashtag row when the columns have hashtags, filter, panes
    frozen below them (and left of `frozen_columns`), widths, long text wrapped (in tables of up to WRAPPED_ROWS
    rows)."""
    sheet = _sheet(book, title)
    hxl = all(column.hxl for column in columns)
    top = 2 if hxl else 1  # the row the filter sits on: the hashtags', as HXL tools read them
    values = [[column.value(row) for column in columns] for row in rows]
    for index, column in enumerate(columns, start=1):
        longest = max([len(str(v[index - 1])) for v in values[:500] if v[index - 1] is not None] + [len(column.header)])
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, max(8, min(column.width, longest) + 2))
    sheet.freeze_panes = f"{get_column_letter(frozen_columns + 1)}{top + 1}"
    sheet.auto_filter.ref = f"A{top}:{get_column_letter(len(columns))}{len(rows) + top}"
    sheet.append([cell(sheet, column.header, font=HEADER_FONT, fill=HEADER_FILL, alignment=WRAP)
                  for column in columns])
    if hxl:
        sheet.append([cell(sheet, column.hxl, font=HXL_FONT, fill=HXL_FILL) for column in columns])
    wrapped = [column.width >= 30 and len(rows) <= WRAPPED_ROWS for column in columns]
    for row, row_values in zip(rows, values, strict=False):
        written = []
        for column, value, wrap in zip(columns, row_values, wrapped, strict=False):
            fill = styles(column, row) if styles else None
            if fill is None and not wrap:
                written.append(plain(sheet, value))
            else:
                written.append(cell(sheet, value, alignment=WRAP if wrap else TOP, fill=fill))
        sheet.append(written)


# --- the sheets -------------------------------------------------------------------------------------------------


def summary_sheet(book: Workbook, pack: Pack) -> None:
    """What the workbook is, for which quarter, and how many activities are in each status per pillar."""
    sheet = _sheet(book, _("Summary"))
    sheet.column_dimensions["A"].width = 28
    for letter in "BCDEFGH":
        sheet.column_dimensions[letter].width = 14
    sheet.append([cell(sheet, pack.title, font=TITLE_FONT)])
    sheet.append([cell(sheet, pack.strategy_title)])
    sheet.append([])
    facts = [(_("Quarter"), pack.code), (_("Exported on"), pack.generated_on.isoformat()),
             (_("Compared with"), pack.previous.code if pack.previous else "—")]
    for label, value in facts:
        sheet.append([cell(sheet, label, font=BOLD), cell(sheet, value)])
    sheet.append([cell(sheet, _("Only reports that the Rome support team has accepted are counted: drafts and "
                                "reports under review are not. An activity keeps the status of its latest accepted "
                                "update, or the plan's own status before any."))])
    sheet.append([cell(sheet, _("Reporting compliance: %(note)s", note=delivery_note()))])
    if not pack.accepted:
        sheet.append([cell(sheet, _("No report for %(period)s has been accepted yet: the statuses are those of the "
                                    "latest accepted reports before it.", period=pack.code), font=BOLD)])
    sheet.append([])
    sheet.append([cell(sheet, _("Activities in each status, per pillar"), font=BOLD)])
    statuses = [cell(sheet, status_label(s), font=BOLD, fill=_fill(light(STATUS_COLOURS[s]))) for s in STATUS_ORDER]
    sheet.append([cell(sheet, _("Pillar"), font=HEADER_FONT, fill=HEADER_FILL), *statuses,
                  cell(sheet, _("Total"), font=HEADER_FONT, fill=HEADER_FILL)])
    for pillar in pack.pillars:
        sheet.append([cell(sheet, f"{_('Pillar %(number)s', number=pillar.number)} · {pillar.title}")]
                     + [cell(sheet, count) for _status, count in pillar.counts] + [cell(sheet, pillar.total)])
    sheet.append([cell(sheet, _("All pillars"), font=BOLD)]
                 + [cell(sheet, count, font=BOLD) for _status, count in pack.figures]
                 + [cell(sheet, pack.total, font=BOLD)])


def plan_sheet(book: Workbook, pack: Pack) -> None:
    """Every activity with its place in the plan, responsible bodies, status as of the quarter and latest report."""
    def colour(column: Column, row) -> PatternFill | None:  # the status the row states, the quarter's
        return _fill(light(STATUS_COLOURS[row.activity.status])) if column.hxl.startswith("#status+name") else None

    write_table(book, _("Plan"), plan_columns(pack), plan_rows(pack), frozen_columns=2, styles=colour)


def updates_sheet(book: Workbook, pack: Pack) -> None:
    """Every accepted update up to the quarter, one row per activity, quarter and reporting body."""
    write_table(book, _("Updates"), update_columns(pack), update_rows(pack), frozen_columns=3)


def compliance_sheet(book: Workbook, pack: Pack) -> None:
    """Each reporting body × every quarter up to the chosen one, in the words of /reports: not due yet, on time,
    delivered late, overdue, missing (and not open)."""
    periods = reported_quarters(pack)
    rows = pack.compliance_rows(periods)
    columns = [Column(_("Body"), "", 34, lambda r: r[0])] + [
        Column(period, "", 14, lambda r, i=i: delivery_label(r[1][i]))
        for i, period in enumerate(periods)]

    def colour(column: Column, row) -> PatternFill | None:
        if column.header not in periods:
            return None
        state = row[1][periods.index(column.header)]
        return _fill(light(COMPLIANCE_COLOURS[state])) if state else None

    write_table(book, _("Compliance"), columns, rows, frozen_columns=1, styles=colour)


def reported_quarters(pack: Pack) -> list[str]:
    """The quarters up to the chosen one, from the first that was open for reports (earlier ones say nothing)."""
    upto = [p.code for p in pack.periods.all[:pack.periods.all.index(pack.period) + 1]]
    opened = set(pack.compliance.loc[pack.compliance["state"] != "not_open", "period"])
    first = next((i for i, code in enumerate(upto) if code in opened), len(upto) - 1)
    return upto[first:]


def risks_sheet(book: Workbook, pack: Pack) -> None:
    """The activities at risk or delayed, with the latest challenges and the support requested."""
    columns = [
        Column(_("Code"), "", 10, lambda r: r["code"]),
        Column(_("Activity"), "", 55, lambda r: r["text"]),
        Column(_("Status"), "", 13, lambda r: status_label(r["status"])),
        Column(_("Responsible bodies"), "", 24, lambda r: r["bodies"]),
        Column(_("Challenges"), "", 50, lambda r: r["challenges"]),
        Column(_("Support requested"), "", 50, lambda r: r["support"]),
        Column(_("Reported in"), "", 12, lambda r: r["period"] or _("(the plan's status)")),
    ]

    def colour(column: Column, row) -> PatternFill | None:
        return _fill(light(STATUS_COLOURS[row["status"]])) if column.header == _("Status") else None

    write_table(book, _("Risks"), columns, pack.risks(), frozen_columns=2, styles=colour)


def plan_change_rows(pack: Pack) -> list[dict]:
    """Every change to the plan since its first recorded version, version by version (each GLM that amended it),
    oldest first: `version_diff` rows with the version that made them."""
    from sip.governance.diff import version_diff
    from sip.governance.history import versions

    recorded = versions(pack.strategy)
    rows = []
    for before, after in zip(recorded, recorded[1:], strict=False):
        name = f"{after.tag} · {pick(after.name, pack.lang)} ({after.effective_on.isoformat()})"
        rows += [dict(row, version=name) for row in version_diff(pack.strategy, before, after, pack.lang)
                 .to_dict("records")]
    return rows


def plan_changes_sheet(book: Workbook, pack: Pack) -> None:
    """The plan's changes since its first recorded version: what each GLM added, retired, reworded, moved or gave to
    other bodies, with the text before and after and the amendments that made the change."""
    rows = plan_change_rows(pack)
    if not rows:
        sheet = _sheet(book, _("Plan changes"))
        sheet.column_dimensions["A"].width = 90
        sheet.append([cell(sheet, _("The plan has not changed since its first recorded version."), font=BOLD)])
        return
    columns = [
        Column(_("Version"), "", 30, lambda r: r["version"]),
        Column(_("Change"), "", 16, lambda r: r["change"]),
        Column(_("Code"), "", 10, lambda r: r["code"]),
        Column(_("Activity"), "", 55, lambda r: r["text"]),
        Column(_("Before"), "", 45, lambda r: r["before"]),
        Column(_("After"), "", 45, lambda r: r["after"]),
        Column(_("Words changed"), "", 45, lambda r: r["text_diff"]),
        Column(_("Amendments"), "", 12, lambda r: r["amendments"]),
    ]
    write_table(book, _("Plan changes"), columns, rows, frozen_columns=3)


# The sheets, in order: add a writer here to add a sheet.
SHEETS: list[Callable[[Workbook, Pack], None]] = [summary_sheet, plan_sheet, updates_sheet, compliance_sheet,
                                                  risks_sheet, plan_changes_sheet]


def build_workbook(pack: Pack, sheets: list[Callable[[Workbook, Pack], None]] | None = None) -> bytes:
    """The workbook as .xlsx bytes."""
    book = Workbook(write_only=True)
    properties = book.properties
    properties.title, properties.subject = pack.title, pack.strategy_title
    properties.creator = properties.lastModifiedBy = _("Global Logistics Cluster")
    properties.keywords, properties.language = f"SIP, GLM, {pack.code}", pack.lang
    properties.created = properties.modified = datetime.combine(pack.generated_on, time(12), tzinfo=timezone.utc
                                                                ).replace(tzinfo=None)
    for writer in sheets or SHEETS:
        writer(book, pack)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
