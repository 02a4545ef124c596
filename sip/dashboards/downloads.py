"""A dashboard table as a CSV download: the figures beside each chart, safe to open in a spreadsheet."""
import csv
import io
import numbers

from flask import Response

# A spreadsheet runs a cell that starts with one of these as a formula: such cells get a leading '.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The file name of each SAG chart's download: sip-<name>-<quarter>[-pillar-n][-body].csv
CSV_NAMES = {
    "status-by-pillar": "status-by-pillar",
    "status-over-time": "status-over-time",
    "compliance": "reporting-compliance",
    "at-risk": "activities-at-risk",
    "plan": "plan-statuses",
}


def csv_cell(value):
    """A cell as written to CSV: numbers as they are, text with formulas neutralised."""
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_filename(chart: str, view) -> str:
    """The download's name, saying the chart, the quarter and the filters."""
    parts = ["sip", CSV_NAMES[chart], view.period.code]
    if view.pillar:
        parts.append(f"pillar-{view.pillar}")
    if view.body:
        parts.append(view.body)
    return "-".join(parts) + ".csv"


def csv_response(table, filename: str) -> Response:
    """The table as a CSV download (UTF-8 with a byte-order mark, so that spreadsheets read the accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_cell(cell) for cell in table.header])
    for row in table.rows:
        writer.writerow([csv_cell(cell) for cell in row])
    response = Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
