"""The plan and the updates as CSV for Excel set to French: semicolon-separated, UTF-8 with a byte-order mark, no
hashtag row (Excel would take it for data), so that a double-click opens them in columns with their accents."""
import csv
import io

from sip.dashboards.downloads import csv_cell
from sip.exports.content import Pack
from sip.exports.tables import Column, plan_columns, plan_rows, update_columns, update_rows


def write_semicolon_csv(columns: list[Column], rows: list) -> bytes:
    """A table as semicolon-separated CSV bytes: headings, then one line per row (formulas neutralised)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([csv_cell(column.header) for column in columns])
    for row in rows:
        writer.writerow([csv_cell("" if (value := column.value(row)) is None else value) for column in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def activities_semicolon(pack: Pack) -> bytes:
    """The plan's activities with their status as of the quarter, for French-locale Excel."""
    return write_semicolon_csv(plan_columns(pack), plan_rows(pack))


def updates_semicolon(pack: Pack) -> bytes:
    """The accepted updates up to the quarter, for French-locale Excel."""
    return write_semicolon_csv(update_columns(pack), update_rows(pack))
