"""The workbook's tables are written as sheet XML directly (sip/exports/book.py: XlsxWriter's per-cell writing took
ten seconds at ×100): each cell must read back in Excel's readers exactly as XlsxWriter itself would have written it,
value, type and look, whatever the text holds."""
import gc
import io
import zipfile
from datetime import date, datetime
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from sip.exports import book as books
from sip.exports.tables import Column

TRICKY = [
    "plain words", "a & b < c > d \"quoted\" 'single'", "  leading and trailing  ", "tab\tinside", "line\nbreak",
    "carriage\r\nreturn", "control \x01 and \x1f characters", "a literal _x0041_ stays as typed", "accents éàü ß 🚚",
    "=HYPERLINK(\"http://evil.example\",\"x\")", "+ two staff", "-funding cut", "@finance", "\tstarts with a tab",
    " ", "", None, 0, 42, -7, 3.25, float("nan"), True, False, date(2026, 7, 20), datetime(2026, 7, 20, 15, 30),
]
PACK = SimpleNamespace(title="Progress report & more", quarter="Q3 2026")


def columns(width: int = 12) -> list[Column]:
    """A plain column, a wide (wrapped) one and a coloured one, each showing the row's value."""
    return [Column("Value", "#meta", width, lambda row: row[0]), Column("Wide", "#description", 40, lambda row: row[0]),
            Column("Coloured", "#status", 14, lambda row: row[0])]


def colour(column: Column, row) -> str | None:
    """The third column is coloured on every other row."""
    return "#e69f00" if column.header == "Coloured" and row[1] % 2 == 0 else None


def fast(rows: list, caption: str = "") -> bytes:
    """The table written by write_table (its body as sheet XML)."""
    buffer = io.BytesIO()
    book = books.Book(buffer, PACK)
    books.write_table(book, "Table", columns(), rows, frozen_columns=1, styles=colour, caption=caption)
    book.close()
    return buffer.getvalue()


def reference(rows: list, caption: str = "") -> bytes:
    """The same table with every body cell written by XlsxWriter itself, as the workbook did before."""
    buffer = io.BytesIO()
    book = books.Book(buffer, PACK)
    books.write_table(book, "Table", columns(), [], frozen_columns=1, styles=colour, caption=caption)
    sheet = book.workbook.worksheets()[0]
    first = (2 if caption else 1) + 1  # below the caption, the header and the hashtags
    wrapped = [column.width >= 30 and len(rows) <= books.WRAPPED_ROWS for column in columns()]
    for r, row in enumerate(rows, start=first):
        for c, column in enumerate(columns()):
            fill = colour(column, row)
            fmt = book.fill(fill, wrapped[c]) if fill else (book.wrap if wrapped[c] else None)
            value = column.value(row)
            if isinstance(value, float) and value != value:
                value = None  # XlsxWriter refuses NaN; the table leaves the cell empty
            book.write(sheet, r, c, value, fmt)
    book.close()
    return buffer.getvalue()


def looks(cell) -> tuple:
    """What a reader sees of a cell: value, type, number format, fill, wrapping, quote prefix."""
    fill = cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type else None
    return (cell.value, cell.data_type, cell.number_format, fill, bool(cell.alignment.wrap_text),
            cell.alignment.vertical, bool(cell.quotePrefix))


def cells(content: bytes) -> list[list[tuple]]:
    sheet = load_workbook(io.BytesIO(content))["Table"]
    return [[looks(cell) for cell in row] for row in sheet.iter_rows()]


def test_every_kind_of_value_reads_back_as_xlsxwriter_writes_it(app):
    rows = [(value, index) for index, value in enumerate(TRICKY)]
    with app.test_request_context("/"), force_locale("en"):
        written, expected = cells(fast(rows, caption="A caption")), cells(reference(rows, caption="A caption"))
    assert len(written) == len(TRICKY) + 3
    assert written == expected


def test_text_is_kept_as_typed_and_formula_look_alikes_stay_text(app):
    rows = [(value, index) for index, value in enumerate(TRICKY)]
    with app.test_request_context("/"), force_locale("en"):
        body = cells(fast(rows))[2:]
    values = [row[0][0] for row in body]
    assert values[:3] == TRICKY[:3]
    assert values[8] == "accents éàü ß 🚚" and values[4] == "line\nbreak"
    for index in range(9, 14):  # =…, +…, -…, @…, a tab first: text with a quote prefix, never a formula
        assert body[index][0][0] == TRICKY[index] and body[index][0][1] == "s" and body[index][0][6]
    at = {repr(value): index for index, value in enumerate(TRICKY)}  # by repr: 0 == False, and NaN is no NaN
    assert values[at["True"]] == "Yes" and values[at["False"]] == "No" and values[at["0"]] == 0
    assert body[at[repr(date(2026, 7, 20))]][0][:3] == (datetime(2026, 7, 20), "d", "yyyy-mm-dd")
    assert values[at["None"]] is None and values[at["nan"]] is None and values[at["''"]] is None
    with zipfile.ZipFile(io.BytesIO(fast(rows))) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml  # not a single formula
    # as Excel writes them: a control character as _xHHHH_, and a literal "_x0041_" with its underscore escaped
    assert "control _x0001_ and _x001F_ characters" in xml and "a literal _x005F_x0041_ stays" in xml
    assert '<t xml:space="preserve">  leading and trailing  </t>' in xml


def test_text_longer_than_excel_takes_is_cut_at_its_limit(app):
    long = "x" * 40000
    with app.test_request_context("/"), force_locale("en"):
        body = cells(fast([(long, 1)]))[2:]
    assert body[0][0][0] == "x" * books.TEXT_LIMIT


def test_a_long_table_has_every_row_in_order_and_its_sheet_says_how_far_it_goes(app):
    rows = [(f"row {index}", index) for index in range(4321)]  # more than one chunk, past the wrapping limit
    with app.test_request_context("/"), force_locale("en"):
        content = fast(rows)
    sheet = load_workbook(io.BytesIO(content), read_only=True)["Table"]
    assert sheet.max_row == 4321 + 2 and sheet.max_column == 3  # the dimension covers the rows
    values = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert values == [f"row {index}" for index in range(4321)]
    full = load_workbook(io.BytesIO(content))["Table"]
    assert full.auto_filter.ref == "A2:C4323" and full.freeze_panes == "B3"
    assert not full["B3"].alignment.wrap_text  # a long table's rows stay one line high
    assert full["C3"].fill.fgColor.rgb.endswith(books.light("#e69f00")) and not full["C4"].fill.fill_type


def test_building_the_workbook_leaves_the_garbage_collector_as_it_found_it(app, monkeypatch):
    assert gc.isenabled()

    def failing(book, pack):
        assert not gc.isenabled()  # paused while the sheets are written
        raise RuntimeError("a sheet failed")

    monkeypatch.setattr(books, "SHEETS", [failing])
    with app.test_request_context("/"), force_locale("en"), pytest.raises(RuntimeError):
        books.build_book(SimpleNamespace(title="T", quarter="Q", strategy_title="S", code="2026-Q3", lang="en",
                                         generated_on=date(2026, 11, 22)))
    assert gc.isenabled()
