"""The pack's Excel workbook, written by XlsxWriter in constant-memory mode, its tables' rows as sheet XML.

A sheet per section of the pack (summary with the highlights and key figures, changes since the last GLM,
amendments, the plan by pillar and outcome, the updates, risks with the support asked of the SAG, compliance with
an on-time rate per body, next steps, participation, the last GLM's open action points, the plan's changes). Every
table has a styled header, a filter, frozen panes, widths, and a print setup (A4 landscape, one page wide, the
header repeated on each page, the sheet's name and page numbers in the footer). Dates are real dates; text is
written as text (never a formula: "=HYPERLINK(…)" typed by a body stays text, with a quote prefix); a yes/no column
holds words. The plan and the updates carry the CSV files' HXL row under their header, core hashtags only.

Speed: at ×100 the updates sheet alone is 120,000 rows × 17 columns. XlsxWriter spends about 6 µs a cell in its
own per-cell bookkeeping (two million cells: three quarters of a 10 s build), so XlsxWriter writes everything but a
table's body (sheets, formats, widths, filters, panes, print setup, headers), and the body's rows are written here
as the same inline-string sheet XML that constant-memory mode writes, column by column into a file on disk, then
spliced into the sheet when the workbook is closed. The cell styles are XlsxWriter's own formats (their index in
its style sheet), so a cell looks the same either way.
"""
import gc
import io
import numbers
import re
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from datetime import date, datetime, time, timezone
from itertools import count, repeat
from pathlib import Path
from typing import Any, Callable

import xlsxwriter
from flask_babel import gettext as _
from xlsxwriter.utility import xl_col_to_name

from sip.dashboards.colours import COMPLIANCE_COLOURS, STATUS_COLOURS, STATUS_ORDER
from sip.exports.content import Pack, delivery_label, delivery_note, light, status_label
from sip.exports.hxl import core_tag
from sip.exports.sections import extra_sections
from sip.exports.tables import Column, plan_columns, plan_rows, update_columns, update_rows

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_WIDTH = 60
SHEET_NAME_LENGTH = 31  # Excel's limit
WRAPPED_ROWS = 2000  # long text wraps in tables up to this size; beyond, rows stay one line high
TEXT_LIMIT = 32767  # Excel's longest cell text, in UTF-16 code units
SHORT = TEXT_LIMIT // 2  # text this short is within the limit whatever its characters
BODY_COMPRESSION = 3  # zlib's level for the tables' rows (see splice)
EPOCH = date(1899, 12, 30)  # Excel's day 0 for dates after February 1900 (its 1900 leap-year bug included)
# Text that needs more than a plain copy into the XML: markup characters, control characters (written _xHHHH_, as
# Excel does, and a literal "_xHHHH_" escaped so that it stays itself), and leading or trailing white space.
SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
# Text copied into a cell as it is: none of the above, and not starting like a formula (quoted instead).
PLAIN_BREAKERS = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^[\s=+\-@]|\s$")
LITERAL_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
DIMENSION = re.compile(r'<dimension ref="([A-Z]+[0-9]+)(?::[A-Z]+([0-9]+))?"/>')


class Book:
    """An XlsxWriter workbook with the pack's formats, made once; `close()` writes the .xlsx into `buffer`."""

    def __init__(self, buffer, pack: Pack):
        self.pack = pack
        self.buffer = buffer
        self.tmp = tempfile.TemporaryDirectory(prefix="sip-xlsx-")
        self.written = io.BytesIO()  # XlsxWriter's file, before the tables' rows are spliced in
        self.workbook = xlsxwriter.Workbook(self.written, {"constant_memory": True, "in_memory": False,
                                                           "tmpdir": self.tmp.name, "strings_to_formulas": False,
                                                           "strings_to_urls": False, "strings_to_numbers": False})
        add = self.workbook.add_format
        self.header = add({"bold": True, "font_color": "#FFFFFF", "bg_color": "#00557F", "text_wrap": True,
                           "valign": "top"})
        self.hxl = add({"italic": True, "font_color": "#5A6470", "bg_color": "#E4E8EC"})
        self.title = add({"bold": True, "font_size": 14, "font_color": "#00557F"})
        self.bold = add({"bold": True})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.top = add({"valign": "top"})
        self.date = add({"num_format": "yyyy-mm-dd", "valign": "top"})
        # text a spreadsheet would take for a formula stays text when the cell is edited
        self.quoted = add({"quote_prefix": True, "valign": "top", "text_wrap": True})
        self.fills: dict[tuple[str, bool], Any] = {}
        self.names: set[str] = set()
        self.bodies: dict[str, tuple[Path, int, int]] = {}
        self.styles: dict[int, str] = {}  # a format's style attribute, by the format's id  # sheet part → (its rows' XML, last row, last column)

    def fill(self, colour: str, wrap: bool = False):
        """A cell format with a light background of the colour."""
        key = (colour, wrap)
        if key not in self.fills:
            self.fills[key] = self.workbook.add_format({"bg_color": f"#{light(colour)}", "valign": "top",
                                                        "text_wrap": wrap})
        return self.fills[key]

    def sheet(self, title: str, landscape: bool = True):
        """A new sheet with a name Excel accepts and its print setup."""
        safe = "".join(ch for ch in title if ch not in "[]:*?/\\")[:SHEET_NAME_LENGTH]
        while safe in self.names:
            safe = safe[:SHEET_NAME_LENGTH - 2] + "_2"
        self.names.add(safe)
        sheet = self.workbook.add_worksheet(safe)
        sheet.set_paper(9)  # A4
        if landscape:
            sheet.set_landscape()
        sheet.fit_to_pages(1, 0)  # one page wide, as many long as it needs
        sheet.set_margins(left=0.5, right=0.5, top=0.7, bottom=0.7)
        sheet.set_header(f"&L&8{_escape(self.pack.title)}&R&8{_escape(safe)}")
        sheet.set_footer("&L&8" + _escape(self.pack.quarter) + "&R&8&P / &N")
        return sheet

    def write(self, sheet, row: int, col: int, value: Any, fmt=None) -> None:
        """One value as what it is: text as text, numbers, real dates, blanks."""
        if value is None or value == "":
            sheet.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            sheet.write_string(row, col, _("Yes") if value else _("No"), fmt)
        elif isinstance(value, (int, float)):
            sheet.write_number(row, col, value, fmt)
        elif isinstance(value, datetime):
            sheet.write_datetime(row, col, value.replace(tzinfo=None), fmt or self.date)
        elif isinstance(value, date):
            sheet.write_datetime(row, col, datetime.combine(value, time()), fmt or self.date)
        elif str(value).startswith(FORMULA_STARTS):
            sheet.write_string(row, col, str(value), self.quoted)
        else:
            sheet.write_string(row, col, str(value), fmt)

    def style(self, fmt) -> str:
        """The ` s="n"` attribute of a cell in this format (its index in XlsxWriter's style sheet; "" for none)."""
        if fmt is None:
            return ""
        if id(fmt) not in self.styles:  # XlsxWriter numbers a format when a cell first uses it
            self.styles[id(fmt)] = f' s="{fmt._get_xf_index()}"'
        return self.styles[id(fmt)]

    def body(self, sheet, first: int, columns: list[Column], rows: list, cells: list[list],
             formats: list, styles: Callable[[Column, Any], str | None] | None, wrapped: list[bool]) -> None:
        """A table's rows from sheet row `first` (0-based) on, as sheet XML in a file, spliced in on close."""
        path = Path(self.tmp.name) / f"rows-{sheet.index + 1}.xml"
        with path.open("w", encoding="utf-8", newline="") as out:
            chunk = 2000
            for start in range(0, len(rows), chunk):
                out.write(rows_xml(self, first + start, columns, rows[start:start + chunk],
                                   [column[start:start + chunk] for column in cells], formats, styles, wrapped))
        self.bodies[f"xl/worksheets/sheet{sheet.index + 1}.xml"] = (path, first + len(rows), len(columns) - 1)

    def close(self) -> None:
        """Write the workbook, splice in the tables' rows, and put the .xlsx into the buffer."""
        try:
            self.workbook.close()
            splice(self.written.getvalue(), self.bodies, self.buffer)
        finally:
            self.tmp.cleanup()


def _escape(text: str) -> str:
    """Text for a header or footer (& starts a code there)."""
    return (text or "").replace("&", "&&")


# --- a table's rows as sheet XML ------------------------------------------------------------------------------


def text_xml(text: str) -> str:
    """A text cell's inline string, `t="inlineStr"><is><t>…</t></is>` (after the cell's reference and style), as
    XlsxWriter's constant-memory mode writes it."""
    if len(text) > TEXT_LIMIT // 2 and len(text.encode("utf-16-le")) // 2 > TEXT_LIMIT:
        text = text.encode("utf-16-le")[:2 * TEXT_LIMIT].decode("utf-16-le", "ignore")  # as Excel would cut it
    if SPECIAL.search(text) is None:
        return f' t="inlineStr"><is><t>{text}</t></is></c>'
    preserve = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
    text = LITERAL_ESCAPE.sub(r"_x005F\1", text)
    text = CONTROL.sub(lambda match: f"_x{ord(match.group(1)):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f' t="inlineStr"><is><t{preserve}>{text}</t></is></c>'


def serial(value: date) -> str:
    """A date (or a moment) as Excel's day number."""
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=None) - datetime.combine(EPOCH, time())
        return format(moment.days + (moment.seconds + moment.microseconds / 1e6) / 86400, ".16g")
    return str((value - EPOCH).days)


def column_xml(book: Book, letter: str, first: int, values: list, fmt, fills: list | None) -> list[str]:
    """One column's cells, `<c r="B7" s="3" …>…</c>`, from sheet row `first` (0-based) down; `fills` gives a
    row's own format (a coloured cell) where it has one. A blank cell is written only when it has a format."""
    usual = book.style(fmt)
    search = PLAIN_BREAKERS.search
    found = []
    append = found.append
    for number, value, own in zip(count(first + 1), values, repeat(None) if fills is None else fills):
        if own is None:
            kind = type(value)
            if kind is str and len(value) < SHORT and value and search(value) is None:  # most cells
                append(f'<c r="{letter}{number}"{usual} t="inlineStr"><is><t>{value}</t></is></c>')
            elif kind is int:
                append(f'<c r="{letter}{number}"{usual}><v>{value}</v></c>')
            elif not usual and (value is None or value == ""):
                append("")  # a blank without a format is no cell at all (but keeps its place in the column)
            else:
                append(cell_xml(book, f"{letter}{number}", value, fmt, usual))
        else:
            append(cell_xml(book, f"{letter}{number}", value, own, book.style(own)))
    return found


def cell_xml(book: Book, reference: str, value: Any, fmt, style: str) -> str:
    """One cell as sheet XML, whatever its value: text (a formula's look-alike quoted), a yes/no word, a number, a
    date, or nothing (a blank is written only when it has a format)."""
    if value is None or value == "" or (isinstance(value, float) and value != value):  # NaN too
        return f'<c r="{reference}"{style}/>' if style else ""
    if isinstance(value, bool):
        value = _("Yes") if value else _("No")
    elif isinstance(value, (date, datetime)):
        return f'<c r="{reference}"{style if fmt is not None else book.style(book.date)}><v>{serial(value)}</v></c>'
    elif isinstance(value, numbers.Real):
        return f'<c r="{reference}"{style}><v>{value if type(value) is int else format(float(value), ".16g")}</v></c>'
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        style = book.style(book.quoted)
    return f'<c r="{reference}"{style}{text_xml(text)}'


def rows_xml(book: Book, first: int, columns: list[Column], rows: list, cells: list[list], formats: list,
             styles: Callable[[Column, Any], str | None] | None, wrapped: list[bool]) -> str:
    """Rows as sheet XML, `<row r="7">…</row>`, from sheet row `first` (0-based): built column by column (each
    column's format looked up once), then joined row by row."""
    built = []
    for index, (column, values) in enumerate(zip(columns, cells, strict=True)):
        fills = None
        if styles is not None:
            colours = [styles(column, row) for row in rows]
            if any(colours):
                fills = [book.fill(colour, wrapped[index]) if colour else None for colour in colours]
        built.append(column_xml(book, xl_col_to_name(index), first, values, formats[index], fills))
    return "".join(f'<row r="{number}">{"".join(parts)}</row>'
                   for number, parts in enumerate(zip(*built, strict=True), start=first + 1))


def widened(head: str, last_row: int, last_column: int) -> str:
    """A sheet's XML before its data with its dimension (the range it uses, which readers trust) reaching the last
    row and column of the table's rows (`last_row` 1-based, `last_column` 0-based)."""
    def reach(match: re.Match) -> str:
        rows = max(last_row, int(match.group(2) or 0))
        return f'<dimension ref="{match.group(1)}:{xl_col_to_name(last_column)}{rows}"/>'

    return DIMENSION.sub(reach, head, count=1)


def splice(content: bytes, bodies: dict[str, tuple[Path, int, int]], target) -> None:
    """XlsxWriter's .xlsx with each table's rows put at the end of its sheet's data and the sheet's dimension
    widened to them, written into `target`."""
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename not in bodies:
                out.writestr(item, data)
                continue
            path, last_row, last_column = bodies[item.filename]
            xml = data.decode("utf-8").replace("<sheetData/>", "<sheetData></sheetData>")
            head, tail = xml.split("</sheetData>", 1)
            head = widened(head, last_row, last_column)
            item.compress_type = zipfile.ZIP_DEFLATED
            # zlib's level 3 instead of 6: a ×100 updates sheet is 86 MB of XML, compressed in 0.34 s instead of
            # 0.71, to 8.0 MB instead of 7.1 (ZipInfo names the level compress_level from Python 3.13 on)
            item._compresslevel = BODY_COMPRESSION
            if hasattr(item, "compress_level"):
                item.compress_level = BODY_COMPRESSION
            with out.open(item, "w", force_zip64=True) as stream, path.open("rb") as rows:
                stream.write(head.encode("utf-8"))
                shutil.copyfileobj(rows, stream, 1 << 20)
                stream.write(("</sheetData>" + tail).encode("utf-8"))


def write_table(book: Book, title: str, columns: list[Column], rows: list, frozen_columns: int = 0,
                styles: Callable[[Column, Any], str | None] | None = None, caption: str = "") -> None:
    """A sheet holding one table: its caption (the window it covers), header row, the HXL row (core hashtags) when
    the columns have hashtags, filter, frozen panes, widths, print titles, long text wrapped."""
    sheet = book.sheet(title)
    hxl = all(column.hxl for column in columns)
    cells = [list(map(column.value, rows)) for column in columns]  # column by column: one function per column
    for index, column in enumerate(columns):
        longest = max([len(str(v)) for v in cells[index][:500] if v is not None] + [len(column.header)])
        sheet.set_column(index, index, min(MAX_WIDTH, max(8, min(column.width, longest) + 2)))
    top = 0
    if caption:
        sheet.write_string(0, 0, caption, book.bold)
        top = 1
    for index, column in enumerate(columns):
        sheet.write_string(top, index, str(column.header), book.header)
    last_header = top
    if hxl:
        last_header = top + 1
        for index, column in enumerate(columns):
            sheet.write_string(last_header, index, core_tag(column.hxl), book.hxl)
    sheet.freeze_panes(last_header + 1, frozen_columns)
    sheet.autofilter(last_header, 0, last_header + max(len(rows), 1), len(columns) - 1)
    sheet.repeat_rows(top, last_header)
    wrapped = [column.width >= 30 and len(rows) <= WRAPPED_ROWS for column in columns]
    formats = [book.wrap if wrap else None for wrap in wrapped]
    if rows:
        book.body(sheet, last_header + 1, columns, rows, cells, formats, styles, wrapped)


def note_sheet(book: Book, title: str, lines: list[tuple[str, Any]]) -> None:
    """A sheet of a few lines (a title, facts, a paragraph), column A wide."""
    sheet = book.sheet(title, landscape=False)
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 90)
    for r, (label, value) in enumerate(lines):
        if label == "title":
            sheet.write_string(r, 0, value, book.title)
        elif label:
            sheet.write_string(r, 0, label, book.bold)
            book.write(sheet, r, 1, value, book.wrap)
        elif value:
            book.write(sheet, r, 0, value, book.wrap)


# --- the sheets -------------------------------------------------------------------------------------------------

def summary_sheet(book: Book, pack: Pack) -> None:
    """What the workbook is, the highlights, and the key figures (the never-reported count included)."""
    facts = [("title", pack.title), ("", pack.strategy_title), ("", ""),
             (_("Quarter"), pack.quarter), (_("Quarters shown"), pack.window_label),
             (_("Exported on"), pack.generated_on),
             (_("Compared with"), pack.q(pack.previous.code) if pack.previous else "—"), ("", ""),
             (_("Highlights"), pack.highlights.text + (f" {pack.highlights.mark}" if pack.highlights.original else "")),
             ("", "")]
    facts += [(status_label(status), count) for status, count in pack.figures]
    facts += [(_("All activities"), pack.total), (_("Never reported on"), pack.never_reported),
              (_("At risk or delayed"), len(pack.at_risk)),
              (_("Amendments for verification"), len(pack.pending_amendments)), ("", ""),
              ("", _("Only reports that the Rome support team has accepted are counted: drafts and reports under "
                     "review are not. An activity keeps the status of its latest accepted update, or the plan's own "
                     "status before any.")),
              ("", _("Reporting compliance: %(note)s", note=delivery_note()))]
    if not pack.accepted:
        facts.append(("", _("No report for %(period)s has been accepted yet: the statuses are those of the latest "
                            "accepted reports before it.", period=pack.quarter)))
    note_sheet(book, _("Summary"), facts)


def pillars_sheet(book: Book, pack: Pack) -> None:
    """Activities in each status, per pillar."""
    columns = [Column(_("Pillar"), "", 40, lambda p: f"{_('Pillar %(number)s', number=p.number)} · {p.title}")]
    columns += [Column(status_label(s), "", 12, lambda p, s=s: dict(p.counts).get(s, 0)) for s in STATUS_ORDER]
    columns.append(Column(_("Total"), "", 10, lambda p: p.total))
    write_table(book, _("Key figures"), columns, pack.pillars, frozen_columns=1,
                caption=_("Activities in each status, per pillar, %(period)s", period=pack.quarter))


def changes_sheet(book: Book, pack: Pack) -> None:
    """Every status change since the last GLM, before → after."""
    rows = [dict(change, kind=label) for kind, label, _count in pack.change_counts()
            for change in pack.changes_of(kind)]
    columns = [Column(_("Change"), "", 24, lambda r: r["kind"]), Column(_("Code"), "", 10, lambda r: r["code"]),
               Column(_("Activity"), "", 60, lambda r: r["text"]),
               Column(_("Before"), "", 14, lambda r: status_label(r["before"])),
               Column(_("Now"), "", 14, lambda r: status_label(r["after"]))]
    since = pack.q(pack.previous.code) if pack.previous else _("the start of the plan")
    write_table(book, _("Changes"), columns, rows, frozen_columns=2,
                caption=_("Status changes from %(since)s to %(period)s", since=since, period=pack.quarter))


def amendments_sheet(book: Book, pack: Pack) -> None:
    """The amendments for verification at this GLM, then those applied since the last GLM."""
    waiting, done = _("For verification at this GLM"), _("Applied since the last GLM")
    rows = [(waiting, item) for item in pack.pending_amendments] + [(done, item) for item in pack.applied_amendments]
    columns = [Column(_("Amendments"), "", 28, lambda r: r[0]), Column(_("No."), "", 6, lambda r: r[1].number),
               Column(_("Change"), "", 18, lambda r: r[1].kind), Column(_("Code"), "", 10, lambda r: r[1].code),
               Column(_("Activity"), "", 55, lambda r: r[1].text),
               Column(_("Rationale"), "", 55, lambda r: r[1].rationale.text),
               Column(_("Date"), "", 12, lambda r: r[1].on)]
    caption = (_("None pending: no amendment endorsed by the SAG waits for the plenary.")
               if not pack.pending_amendments else _("Amendments endorsed by the SAG, for the plenary's verification"))
    write_table(book, _("Amendments"), columns, rows, frozen_columns=2, caption=caption)


def plan_sheet(book: Book, pack: Pack) -> None:
    """Progress by pillar and outcome: every activity with its place in the plan, bodies and status."""
    def colour(column: Column, row) -> str | None:
        return STATUS_COLOURS[row.activity.status] if column.hxl.startswith("#status+name") else None

    write_table(book, _("Plan"), plan_columns(pack), plan_rows(pack), frozen_columns=2, styles=colour)


def updates_sheet(book: Book, pack: Pack) -> None:
    """Every accepted update up to the quarter, one row per activity, quarter and reporting body."""
    write_table(book, _("Updates"), update_columns(pack), update_rows(pack), frozen_columns=3)


def risks_sheet(book: Book, pack: Pack) -> None:
    """The activities at risk or delayed, with the challenges and the support asked of the SAG."""
    columns = [
        Column(_("Code"), "", 10, lambda r: r["code"]),
        Column(_("Activity"), "", 55, lambda r: r["text"]),
        Column(_("Status"), "", 13, lambda r: status_label(r["status"])),
        Column(_("Responsible bodies"), "", 24, lambda r: r["bodies"]),
        Column(_("Challenges"), "", 50, lambda r: r["challenges"]),
        Column(_("Support requested"), "", 50, lambda r: r["support"]),
        Column(_("Reported in"), "", 12, lambda r: pack.q(r["period"]) if r["period"] else _("(the plan's status)")),
    ]

    def colour(column: Column, row) -> str | None:
        return STATUS_COLOURS[row["status"]] if column.header == _("Status") else None

    write_table(book, _("Risks"), columns, pack.risks(), frozen_columns=2, styles=colour,
                caption=_("Risks and delays, with the support asked of the SAG, %(period)s", period=pack.quarter))


def compliance_sheet(book: Book, pack: Pack) -> None:
    """Each reporting body over the pack's window, in the words of /reports, with its on-time rate."""
    periods = pack.window
    labels = [pack.q(p) for p in periods]
    rates = {name: (on_time, due, rate) for name, on_time, due, rate in pack.on_time_rates()}
    rows = [(name, states, rates.get(name, (0, 0, None))) for name, states in pack.compliance_rows(periods)]
    columns = [Column(_("Body"), "", 34, lambda r: r[0])] + [
        Column(label, "", 14, lambda r, i=i: delivery_label(r[1][i])) for i, label in enumerate(labels)] + [
        Column(_("On time"), "", 9, lambda r: r[2][0]), Column(_("Due"), "", 9, lambda r: r[2][1]),
        Column(_("On-time rate (%)"), "", 12, lambda r: r[2][2])]

    def colour(column: Column, row) -> str | None:
        if column.header not in labels:
            return None
        state = row[1][labels.index(column.header)]
        return COMPLIANCE_COLOURS.get(state) if state else None

    write_table(book, _("Compliance"), columns, rows, frozen_columns=1, styles=colour,
                caption=_("Reports delivered, %(window)s", window=pack.window_label))


def next_steps_sheet(book: Book, pack: Pack) -> None:
    """What the bodies plan next, from the quarter's accepted updates."""
    columns = [Column(_("Code"), "", 10, lambda r: r[0]), Column(_("Next steps"), "", 90, lambda r: r[1].text)]
    write_table(book, _("Next steps"), columns, pack.next_steps(), frozen_columns=1,
                caption=_("Next steps reported for %(period)s", period=pack.quarter))


def action_points_sheet(book: Book, pack: Pack) -> None:
    """The last GLM's action points still open, with the body (and organisation) that owns each, its due date and
    whether it is overdue."""
    last = pack.last_glm
    columns = [Column(_("Action point"), "", 70, lambda item: f"{item.text.text} {item.text.mark}".strip()),
               Column(_("Owner"), "", 30, lambda item: item.owner),
               Column(_("Due on"), "", 12, lambda item: item.due_on),
               Column(_("Status"), "", 14, lambda item: item.state)]
    items = last.items if last else []
    said = [_("%(label)s: %(value)s", label=_("Meeting"), value=f"{last.name} ({last.held_on.isoformat()})")] if last else []
    caption = " · ".join(said + ([] if items else [_("No open action point.")]))
    write_table(book, _("Open action points"), columns, items, frozen_columns=1, caption=caption)


def extra_sheets(book: Book, pack: Pack) -> None:
    """The other registers' sections (participation), a sheet each."""
    for title, frame in extra_sections(pack.lang):
        columns = [Column(str(name), "", 24, lambda r, i=i: r[i]) for i, name in enumerate(frame.columns)]
        rows = [[value.item() if hasattr(value, "item") else value for value in row]
                for row in frame.itertuples(index=False)]
        write_table(book, title, columns, rows, frozen_columns=1, caption=title)


def plan_changes_sheet(book: Book, pack: Pack) -> None:
    """The plan's changes since its first recorded version, version by version."""
    from sip.exports.workbook import plan_change_rows

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
    rows = plan_change_rows(pack)
    write_table(book, _("Plan changes"), columns, rows, frozen_columns=3,
                caption="" if rows else _("The plan has not changed since its first recorded version."))


SHEETS: list[Callable[[Book, Pack], None]] = [summary_sheet, pillars_sheet, changes_sheet, amendments_sheet,
                                              plan_sheet, updates_sheet, risks_sheet, compliance_sheet,
                                              next_steps_sheet, action_points_sheet, extra_sheets,
                                              plan_changes_sheet]


def build_book(pack: Pack) -> bytes:
    """The workbook as .xlsx bytes."""
    buffer = io.BytesIO()
    book = Book(buffer, pack)
    moment = datetime.combine(pack.generated_on, time(12), tzinfo=timezone.utc).replace(tzinfo=None)
    book.workbook.set_properties({"title": pack.title, "subject": pack.strategy_title,
                                  "author": _("Global Logistics Cluster"), "keywords": f"SIP, GLM, {pack.code}",
                                  "created": moment, "comments": ""})
    book.workbook.set_custom_property("Language", pack.lang)
    try:
        with collector_paused():
            for writer in SHEETS:
                writer(book, pack)
    finally:
        book.close()
    return buffer.getvalue()


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector paused while the sheets are written. A ×100 workbook makes a few hundred
    thousand short-lived objects (the updates and their rows), and every so often a full collection walks every
    object of the process: a sixth of the build's time. Reference counting frees them all the same; the collector
    is switched back on afterwards (unless it was off before, or another build switched it off meanwhile)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
