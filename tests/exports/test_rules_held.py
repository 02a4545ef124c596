"""Export rules that no test used to hold (issue 23): cells starting with a TAB or a carriage return are neutralised
like formulas, and the groups' summaries in the pack are masked like the update texts.

The pack's own texts are stripped (redact) before they reach a file; the escaping matters for every other cell, and
for the audit trail's CSV, which uses the same csv_cell (tests/test_rules_held.py reads that file end to end)."""
import io
from datetime import date

import pytest
from flask_babel import force_locale
from openpyxl import Workbook, load_workbook

from sip.dashboards.downloads import csv_cell
from sip.exports.content import build_pack
from sip.exports.workbook import plain
from sip.plan.queries import current_strategy
from tests.exports.conftest import DEMO_TODAY, period_of

# A spreadsheet runs a cell that starts with a TAB or a CR as it runs one starting with "=" (CSV injection).
HIDDEN_STARTS = ["\t=HYPERLINK(\"http://evil.example\")", "\r=1+1", "\tplain text after a tab", "\rline"]


@pytest.mark.parametrize("text", HIDDEN_STARTS, ids=["tab formula", "cr formula", "tab text", "cr text"])
def test_a_csv_cell_starting_with_a_tab_or_carriage_return_gets_an_apostrophe(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["Trained 40 people.", "", " =not at the start", "2026-Q3"])
def test_a_csv_cell_that_cannot_run_as_a_formula_is_left_as_typed(text):
    assert csv_cell(text) == text


@pytest.mark.parametrize("text", HIDDEN_STARTS, ids=["tab formula", "cr formula", "tab text", "cr text"])
def test_a_workbook_cell_starting_with_a_tab_or_carriage_return_is_stored_as_text(text):
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([plain(sheet, text), plain(sheet, "ordinary")])
    buffer = io.BytesIO()
    book.save(buffer)
    cell, ordinary = next(load_workbook(buffer).active.iter_rows())
    assert cell.data_type == "s" and cell.quotePrefix, repr(text)
    assert not ordinary.quotePrefix  # the control: ordinary text is not marked


def test_group_summaries_in_the_pack_are_masked_like_update_texts(quarters, open_period, make_report):
    open_period("2026-Q1", date(2026, 4, 15), close=True)
    make_report("wg-second", "2026-Q1", "accepted", {"2.1.1.2": {"status": "on_track", "achievements": "Done."}},
                summary="Ask ana.lopez@wfp.org or call +41 22 555 12 34 for the figures.",
                submitted_on=date(2026, 4, 1))
    with quarters.test_request_context("/"), force_locale("en"):
        pack = build_pack(current_strategy(), period_of("2026-Q1"), "en", today=DEMO_TODAY)
        summaries = {row["slug"]: row["summary"] for row in pack.group_summaries()}
    assert summaries["wg-second"] == "Ask […] or call […] for the figures."
