"""The workbook's hashtag rows and the HXL CSV files use the HXL core schema only (issue 20 asks it of every HXL
export): read by libhxl and checked with the checker tests/api uses; the workbook's rows say what the CSV files say."""
import csv
import io

import pytest
from openpyxl import load_workbook

from sip.exports import services
from sip.plan.queries import current_strategy
from tests.api.hxl_core_schema import non_core, parse_hxl
from tests.exports.conftest import DEMO_TODAY

TABLES = {"activities_csv": "Plan", "updates_csv": "Updates"}  # each HXL CSV file and the sheet of the same table
SHEET_NAMES = {"en": {"Plan": "Plan", "Updates": "Updates"}, "fr": {"Plan": "Plan", "Updates": "Mises à jour"}}


def build(app, name: str, lang: str) -> bytes:
    with app.test_request_context("/"):
        strategy = current_strategy()
        choice = services.choose(strategy, "2026-Q3", lang, "en", today=DEMO_TODAY)
        return services.export(name, strategy, choice, today=DEMO_TODAY).content


def sheet_as_csv(content: bytes, sheet: str) -> bytes:
    """A workbook's sheet written out as CSV (header, hashtags, rows), as HDX would take it from the workbook."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in load_workbook(io.BytesIO(content))[sheet].iter_rows(values_only=True):
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("table", ["Plan", "Updates"])
def test_the_workbook_s_hashtag_rows_use_core_hxl_only(quarters, lang, table):
    columns, rows = parse_hxl(sheet_as_csv(build(quarters, "xlsx", lang), SHEET_NAMES[lang][table]))
    assert all(column.tag for column in columns)  # libhxl found the hashtag row, a hashtag over every column
    assert non_core(columns) == []
    assert rows


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("name", ["activities_csv", "updates_csv"])
def test_the_hxl_csv_files_use_core_hxl_only(quarters, lang, name):
    columns, rows = parse_hxl(build(quarters, name, lang))
    assert all(column.tag for column in columns) and non_core(columns) == []
    assert rows


@pytest.mark.parametrize("name", ["activities_csv", "updates_csv"])
def test_the_workbook_and_the_csv_file_carry_the_same_hashtags_and_rows(quarters, name):
    book = load_workbook(io.BytesIO(build(quarters, "xlsx", "en")))[TABLES[name]]
    header, hashtags, *rows = book.iter_rows(values_only=True)
    csv_header, csv_hashtags, *csv_rows = csv.reader(io.StringIO(build(quarters, name, "en").decode("utf-8-sig")))
    assert list(hashtags) == csv_hashtags and list(header) == csv_header
    code = csv_hashtags.index("#activity+activity+code")
    assert [row[code] for row in rows] == [row[code] for row in csv_rows]
