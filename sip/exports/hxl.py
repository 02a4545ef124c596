"""The plan and the updates as CSV files with an HXL hashtag row under the header, for other humanitarian systems.

UTF-8 with a byte-order mark (spreadsheets then read the accents), CRLF line ends. A cell that a spreadsheet would
run as a formula (starting with =, +, -, @, a tab or a carriage return) gets a leading apostrophe, as the
dashboards' CSV downloads do.
"""
import csv
import io

from sip.dashboards.downloads import csv_cell
from sip.exports.content import Pack
from sip.exports.tables import Column, plan_columns, plan_rows, update_columns, update_rows


def write_csv(columns: list[Column], rows: list) -> bytes:
    """A table as HXL-tagged CSV bytes: headings, hashtags, then one line per row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(column.header) for column in columns])
    writer.writerow([column.hxl for column in columns])
    for row in rows:
        writer.writerow([csv_cell(_blank(column.value(row))) for column in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _blank(value):
    """None as an empty cell."""
    return "" if value is None else value


def activities_csv(pack: Pack) -> bytes:
    """The plan's activities with their status as of the quarter."""
    return write_csv(plan_columns(pack), plan_rows(pack))


def updates_csv(pack: Pack) -> bytes:
    """The accepted updates up to the quarter, one line per activity and quarter."""
    return write_csv(update_columns(pack), update_rows(pack))
