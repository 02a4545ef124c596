"""The exports' escaping, redaction and columns held cell by cell (issue 23): what a reader of each file gets."""
import csv
import io
from datetime import date
from types import SimpleNamespace

import pandas as pd
import pytest
from flask_babel import force_locale

from sip.exports import content, hxl, tables
from sip.exports.content import (ActivityItem, OutcomeItem, OutputItem, Pack, PillarItem, Update,
                                 delivery_definitions, delivery_label, delivery_note, light, redact, status_label)
from sip.exports.hxl import core_tag, write_csv
from sip.exports.tables import Column, UpdateRow, plan_columns, plan_rows, update_columns, update_rows

NBSP = "\u00a0"


# --- the CSV files: formulas neutralised, None as empty, BOM and CRLF ------------------------------------------

def read(data: bytes) -> list[list[str]]:
    """The rows of a written CSV file, after checking its byte-order mark."""
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8")[1:], newline="")))


def one_column(header="Text", tag="#description"):
    return [Column(header, tag, 10, lambda row: row)]


@pytest.mark.parametrize("text", ["\t=1+1", "\rcmd", "=SUM(A1)", "+41", "-x", "@finance"],
                         ids=["tab", "cr", "equals", "plus", "minus", "at"])
def test_a_cell_starting_with_a_tab_or_cr_or_formula_sign_is_written_as_text_not_a_formula(text):
    header, tags, (cell,) = read(write_csv(one_column(), [text]))
    assert cell == "'" + text


def test_a_heading_that_looks_like_a_formula_is_neutralised_too():
    header, tags, row = read(write_csv(one_column(header="=Total", tag="#meta"), ["x"]))
    assert header == ["'=Total"] and tags == ["#meta"] and row == ["x"]


def test_the_csv_has_a_byte_order_mark_crlf_line_ends_empty_cells_for_none_and_numbers_as_written():
    columns = [Column("A", "#meta+id", 5, lambda r: r[0]), Column("B", "#indicator+pct", 5, lambda r: r[1]),
               Column("C", "#date", 5, lambda r: r[2])]
    data = write_csv(columns, [(None, 40, date(2026, 7, 1)), ("ok", 0, None)])
    assert data == "\ufeffA,B,C\r\n#meta+id,#indicator+pct,#date\r\n,40,2026-07-01\r\nok,0,\r\n".encode("utf-8")


@pytest.mark.parametrize("tag, core", [
    ("", ""),
    ("#activity+pillar+code", "#activity+programme+code"),
    ("#activity+outcome+name+i_fr", "#activity+project+name+i_fr"),
    ("#activity+output+code", "#output+code"),
    ("#date+quarter+reported", "#date+reported"),
    ("#date+quarter", "#date"),
    ("#indicator+progress+pct", "#indicator+pct"),
    ("#indicator+no_progress+bool", "#indicator+text"),
    ("#indicator+contribution+bool", "#indicator+type"),
    ("#activity+code", "#activity+activity+code"),
    ("#activity+name+i_en", "#activity+activity+name+i_en"),
    ("#activity+activity+code", "#activity+activity+code"),
    ("#activity+programme", "#activity+programme"),
    ("#activity+name+activity", "#activity+name+activity"),  # already a level: kept in its place
    ("#activity+project+code", "#activity+project+code"),
    ("#description+achievements", "#description"),
    ("#org+impl+code", "#org+impl+code"),
    ("#plan+code", "#meta+code"),
    ("#XOrg+code", "#meta+code"),  # not a core hashtag, though it ends in one
    ("#ORG+ IMPL ++impl+Impl", "#org+impl"),
    ("#status+name+i_fra+i_FR+i_f1+x_fr+i_de", "#status+name+i_fr+i_de"),
    ("#meta+i_1r+i_中文", "#meta")  # a language code is two Latin letters,
])
def test_each_column_s_hashtag_is_said_in_core_hxl(tag, core):
    assert core_tag(tag) == core


def test_the_plan_s_words_are_turned_into_core_words_only_once_whatever_their_place():
    assert core_tag("#indicator+bool+progress") == "#indicator"
    assert core_tag("#output+activity+code") == "#output+activity+code"  # not the activity hashtag: kept


# --- the tables' columns ----------------------------------------------------------------------------------------

def update(**fields) -> Update:
    values = dict(activity_id=1, period="2026-Q2", body="wg-a", status="at_risk", progress=30, achievements="ach",
                  challenges="chal", next_steps="next", support_needed="help", evidence_links="https://x.org",
                  no_progress=False, reported_on=date(2026, 7, 2), contribution=False)
    values.update(fields)
    return Update(**values)


def pack(lang="en", pillars=(), body_names=None, **frames) -> Pack:
    """A pack made by hand (no database): the quarter 2026-Q3 of a strategy, in the language."""
    empty = pd.DataFrame()
    values = dict(lang=lang, strategy=SimpleNamespace(id=1), strategy_title="Plan",
                  period=SimpleNamespace(code="2026-Q3", id=7), periods=SimpleNamespace(accepted={7}),
                  previous=None, previous_is_glm=False, generated_on=date(2026, 11, 22), statuses=empty,
                  counts=empty, over_time=empty, compliance=empty, at_risk=empty, changes=empty, summaries=empty,
                  pillars=list(pillars), body_names=body_names or {}, labels={})
    values.update(frames)
    return Pack(**values)


def small_plan() -> list[PillarItem]:
    first = ActivityItem(1, "1.1.1.1", "Train staff", "on_track", [("Training WG", "Lead"), ("SAG", "Participant")],
                         update(activity_id=1))
    second = ActivityItem(2, "1.1.1.2", "Write guide", "mystery", [])
    third = ActivityItem(3, "2.1.1.1", "Map partners", "completed", [("Training WG", "Lead")],
                         update(activity_id=3, period="2026-Q3", progress=None, reported_on=None))
    return [PillarItem(1, "People", "goal", [("on_track", 1)],
                       [OutcomeItem("1.1", "Outcome 1.1", [OutputItem("1.1.1", "Output 1.1.1", [first, second])])]),
            PillarItem(2, "Partners", "goal", [("completed", 1)],
                       [OutcomeItem("2.1", "Outcome 2.1", [OutputItem("2.1.1", "Output 2.1.1", [third])])])]


def test_the_plan_table_has_each_heading_hashtag_and_width_in_order(app):
    with app.test_request_context("/"), force_locale("en"):
        columns = plan_columns(pack())
    assert [c.header for c in columns] == [
        "Pillar", "Code", "Activity", f"Status as of Q3{NBSP}2026", "Responsible bodies", "Reported in",
        "Reported on", "Progress (%)", "Status code", "Pillar title", "Outcome", "Outcome text", "Output",
        "Output text"]
    assert [c.hxl for c in columns] == [
        "#activity+pillar+code", "#activity+code", "#activity+name+i_en", "#status+name+i_en", "#org+impl",
        "#date+quarter+reported", "#date+reported", "#indicator+progress+pct", "#status+code",
        "#activity+pillar+name+i_en", "#activity+outcome+code", "#activity+outcome+name+i_en",
        "#activity+output+code", "#activity+output+name+i_en"]
    assert [c.width for c in columns] == [8, 10, 60, 16, 30, 11, 12, 11, 13, 28, 9, 45, 9, 45]


def test_each_activity_row_of_the_plan_table_says_its_place_status_bodies_and_latest_report(app):
    plan = small_plan()
    with app.test_request_context("/"), force_locale("fr"):
        the_pack = pack("fr", plan)
        columns = plan_columns(the_pack)
        rows = [[column.value(row) for column in columns] for row in plan_rows(the_pack)]
    assert rows == [
        [1, "1.1.1.1", "Train staff", "En bonne voie", "Training WG (Lead); SAG (Participant)", f"T2{NBSP}2026",
         date(2026, 7, 2), 30, "on_track", "People", "1.1", "Outcome 1.1", "1.1.1", "Output 1.1.1"],
        [1, "1.1.1.2", "Write guide", "mystery", "", "", None, None, "mystery", "People", "1.1", "Outcome 1.1",
         "1.1.1", "Output 1.1.1"],
        [2, "2.1.1.1", "Map partners", "Terminée", "Training WG (Lead)", f"T3{NBSP}2026", None, None, "completed",
         "Partners", "2.1", "Outcome 2.1", "2.1.1", "Output 2.1.1"],
    ]
    assert columns[2].hxl.endswith("+i_fr") and columns[3].header == f"Statut au T3{NBSP}2026"


def test_the_updates_table_has_each_heading_hashtag_and_width_in_order(app):
    with app.test_request_context("/"), force_locale("en"):
        columns = update_columns(pack())
    assert [c.header for c in columns] == [
        "Quarter", "Pillar", "Code", "Activity", "Status", "Progress (%)", "Achievements", "Challenges",
        "Next steps", "Support requested", "No progress this quarter", "Reported by", "Reported on",
        "Evidence links", "Status code", "Reporting body code", "Contribution note (sets no status)"]
    assert [c.hxl for c in columns] == [
        "#date+quarter", "#activity+pillar+code", "#activity+code", "#activity+name+i_en", "#status+name+i_en",
        "#indicator+progress+pct", "#description+achievements", "#description+challenges",
        "#description+next_steps", "#description+support", "#indicator+no_progress+bool", "#org+impl",
        "#date+reported", "#meta+url", "#status+code", "#org+impl+code", "#indicator+contribution+bool"]
    assert [c.width for c in columns] == [10, 8, 10, 50, 14, 11, 60, 45, 45, 45, 12, 18, 12, 40, 13, 16, 14]


def test_each_update_row_says_the_quarter_body_status_texts_and_yes_no_marks(app, monkeypatch):
    plan = small_plan()
    first, third = plan[0].activities[0], plan[1].activities[0]
    note = update(activity_id=3, body="wg-b", status="", no_progress=True, contribution=True, progress=None)
    with app.test_request_context("/"), force_locale("en"):
        the_pack = pack("en", plan, body_names={"wg-a": "WG A"})
        monkeypatch.setattr(tables, "update_history",
                            lambda p: [(first, first.update), (third, note)] if p is the_pack else [])
        columns = update_columns(the_pack)
        rows = update_rows(the_pack)
        values = [[column.value(row) for column in columns] for row in rows]
    assert [(r.pillar, r.activity.code) for r in rows] == [(1, "1.1.1.1"), (2, "2.1.1.1")]
    assert values == [
        [f"Q2{NBSP}2026", 1, "1.1.1.1", "Train staff", "At risk", 30, "ach", "chal", "next", "help", "No", "WG A",
         date(2026, 7, 2), "https://x.org", "at_risk", "wg-a", "No"],
        [f"Q2{NBSP}2026", 2, "2.1.1.1", "Map partners", "", None, "ach", "chal", "next", "help", "Yes", "wg-b",
         date(2026, 7, 2), "https://x.org", "", "wg-b", "Yes"],
    ]


def test_the_csv_files_write_the_tables_of_the_pack(app, monkeypatch):
    plan = small_plan()
    first = plan[0].activities[0]
    monkeypatch.setattr(tables, "update_history", lambda p: [(first, update(achievements="-cut"))])
    with app.test_request_context("/"), force_locale("en"):
        the_pack = pack("en", plan)
        activities = read(hxl.activities_csv(the_pack))
        updates = read(hxl.updates_csv(the_pack))
    assert activities[0][:3] == ["Pillar", "Code", "Activity"] and activities[1][0] == "#activity+programme+code"
    assert [row[1] for row in activities[2:]] == ["1.1.1.1", "1.1.1.2", "2.1.1.1"]
    assert updates[0][0] == "Quarter" and updates[1][0] == "#date" and len(updates) == 3
    assert updates[2][2] == "1.1.1.1" and updates[2][6] == "'-cut"


def test_a_row_whose_update_is_an_unknown_status_shows_the_code_itself(app):
    with app.test_request_context("/"), force_locale("en"):
        columns = update_columns(pack())
        row = UpdateRow(1, small_plan()[0].activities[0], update(status="odd"))
        assert columns[4].value(row) == "odd"


# --- what the pack shows: masked free text, labels ---------------------------------------------------------------

@pytest.mark.parametrize("text, shown", [
    ("", ""),
    ("  plain words  ", "plain words"),
    ("mail a.b+c@mail.who.int now", "mail […] now"),
    ("x@y", "x@y"),  # no dot after the @: not an address
    ("call +41 22 555 12 34", "call […]"),
    ("call +41 (22) 555-12.34 now", "call […] now"),
    ("up +15 % and +1234567", "up +15 % and +1234567"),  # too short to be a number
    ("ref A+41225551234", "ref A+41225551234"),  # a + inside a word is not a number's
    ("+41 22 555 12 34", "[…]"),
    (12345, "12345"),
])
def test_free_text_is_shown_with_contact_details_masked_and_nothing_else_changed(text, shown):
    assert redact(text) == shown


def test_group_summaries_are_masked_named_in_the_language_and_dated(app):
    summaries = pd.DataFrame({
        "body": ["wg-a", "wg-b"], "body_name_en": ["WG A", "WG B"], "body_name_fr": ["GT A", "GT B"],
        "summary": ["Write to ana@wfp.org or +41 22 555 12 34.", ""],
        "submitted_at": [pd.Timestamp("2026-10-10 12:00"), pd.NaT]})
    assert pack("fr", summaries=summaries).group_summaries() == [
        {"slug": "wg-a", "name": "GT A", "summary": "Write to […] or […].", "submitted_on": date(2026, 10, 10)},
        {"slug": "wg-b", "name": "GT B", "summary": "", "submitted_on": None}]


def test_risks_are_masked_and_name_the_bodies(app):
    at_risk = pd.DataFrame({
        "code": ["1.1.1.2"], "text_en": ["Write guide"], "text_fr": ["Guide"], "status": ["at_risk"],
        "bodies": ["wg-a,wg-x,"], "challenges": ["ask bob@x.org"], "support_needed": ["+41 22 555 12 34"],
        "period": ["2026-Q3"]})
    risks = pack("en", body_names={"wg-a": "WG A"}, at_risk=at_risk).risks()
    assert risks[0]["bodies"] == "WG A, wg-x"
    assert (risks[0]["challenges"], risks[0]["support"]) == ("ask […]", "[…]")
    assert (risks[0]["code"], risks[0]["text"], risks[0]["status"], risks[0]["period"]) == (
        "1.1.1.2", "Write guide", "at_risk", "2026-Q3")


def test_status_and_delivery_words_are_in_the_language(app):
    with app.test_request_context("/"), force_locale("en"):
        assert (status_label("at_risk"), status_label("odd"), status_label(None)) == ("At risk", "odd", "")
        assert (delivery_label("late"), delivery_label(""), delivery_label("unknown")) == ("Delivered late", "", "")
        assert delivery_note().startswith("A report counts as delivered once submitted. ")
        assert "Delivered late: submitted after the due date; " in delivery_note() and delivery_note().endswith(".")


def test_the_reporting_words_are_each_defined_in_the_order_a_quarter_goes_through_them(app):
    with app.test_request_context("/"), force_locale("en"):
        assert delivery_definitions() == [
            ("Not due yet", "before the due date, nothing delivered yet"),
            ("On time", "submitted on or before the due date"),
            ("Delivered late", "submitted after the due date"),
            ("Overdue", "past the due date, not delivered, the quarter still open"),
            ("Missing", "the quarter closed without a report")]


def test_a_light_colour_is_three_parts_white():
    assert light("#e69f00") == "F8E7BF"  # (0xE6 + 3 × 0xFF) // 4 = 0xF8
    assert light("000000") == "BFBFBF"
    assert light("#0072b2") == "BFDBEB"  # each channel read from its own two digits


def test_an_address_and_a_number_side_by_side_are_both_masked():
    assert redact("a@b.co +1 212 555 0100") == "[…] […]"


# --- what the pack chooses to show -------------------------------------------------------------------------------

def compliance_frame() -> pd.DataFrame:
    rows = [("wg-a", "WG A", "GT A", "2026-Q1", "on_time"), ("wg-a", "WG A", "GT A", "2026-Q2", "late"),
            ("wg-a", "WG A", "GT A", "2026-Q3", "pending"), ("wg-b", "WG B", "GT B", "2026-Q1", "missing"),
            ("wg-b", "WG B", "GT B", "2026-Q2", "overdue"), ("wg-b", "WG B", "GT B", "2026-Q3", "on_time"),
            ("wg-c", "WG C", "GT C", "2026-Q3", "pending"), ("wg-a", "WG A", "GT A", "2025-Q4", "on_time"),
            ("wg-d", "WG D", "GT D", "2026-Q1", "on_time"), ("wg-d", "WG D", "GT D", "2026-Q2", "on_time"),
            ("wg-d", "WG D", "GT D", "2026-Q3", "late"), ("wg-e", "WG E", "GT E", "2026-Q2", "missing")]
    return pd.DataFrame(rows, columns=["body", "body_name_en", "body_name_fr", "period", "state"])


def window(*codes):
    return [SimpleNamespace(code=code) for code in codes]


def test_on_time_rates_count_the_window_s_due_reports_only(app):
    the_pack = pack("fr", compliance=compliance_frame(), window_periods=window("2026-Q1", "2026-Q2", "2026-Q3"))
    assert the_pack.on_time_rates() == [("GT A", 1, 2, 50), ("GT B", 1, 3, 33), ("GT C", 0, 0, None),
                                        ("GT D", 2, 3, 67), ("GT E", 0, 1, 0)]
    assert the_pack.compliance_rows(["2026-Q2", "2026-Q3", "2027-Q1"]) == [
        ("GT A", ["late", "pending", ""]), ("GT B", ["overdue", "on_time", ""]), ("GT C", ["", "pending", ""]),
        ("GT D", ["on_time", "late", ""]), ("GT E", ["missing", "", ""])]


def test_the_quarter_s_delivery_counts_each_state_in_the_words_of_reports(app):
    the_pack = pack("en", compliance=compliance_frame())
    with app.test_request_context("/"), force_locale("en"):
        assert the_pack.delivery() == [("on_time", "On time", 1), ("late", "Delivered late", 1),
                                       ("pending", "Not due yet", 2)]
        upcoming = pd.DataFrame([("wg-a", "2026-Q3", "not_open"), ("wg-b", "2026-Q3", "not_open")],
                                columns=["body", "period", "state"])
        assert pack("en", compliance=upcoming).delivery() == []  # a quarter not open yet has nothing to count
    assert the_pack.groups() == 4


def test_the_trend_counts_each_status_of_each_window_quarter_and_zero_where_none(app):
    over_time = pd.DataFrame({"period": ["2026-Q2", "2026-Q2", "2026-Q3", "2026-Q1"],
                              "status": ["on_track", "completed", "delayed", "planned"], "count": [3, 1, 2, 9]})
    the_pack = pack(over_time=over_time, window_periods=window("2026-Q2", "2026-Q3"))
    assert the_pack.trend_rows() == [("2026-Q2", [0, 3, 0, 0, 1, 0]), ("2026-Q3", [0, 0, 0, 2, 0, 0])]
    assert list(the_pack.over_time_window["period"]) == ["2026-Q2", "2026-Q2", "2026-Q3"]
    assert the_pack.window_label == f"Q2{NBSP}2026 – Q3{NBSP}2026"
    assert pack().window_label == ""


def test_changes_are_counted_and_listed_by_kind_with_the_pack_s_language(app):
    changes = pd.DataFrame({"change": ["completed", "new_risk", "completed"], "code": ["1", "2", "3"],
                            "text_en": ["One", "Two", "Three"], "text_fr": ["Un", "Deux", "Trois"],
                            "before": ["on_track", "on_track", "delayed"], "after": ["completed", "at_risk",
                                                                                     "completed"]})
    the_pack = pack("fr", changes=changes)
    with app.test_request_context("/"), force_locale("en"):
        assert the_pack.change_counts() == [("completed", "Completed since the last GLM", 2),
                                            ("new_risk", "New risks", 1), ("status_change", "Other status changes", 0)]
        assert pack().change_counts()[0] == ("completed", "Completed since the last GLM", 0)
    assert the_pack.changes_of("completed") == [
        {"code": "1", "text": "Un", "before": "on_track", "after": "completed"},
        {"code": "3", "text": "Trois", "before": "delayed", "after": "completed"}]
    assert pack().changes_of("completed") == []


def test_achievements_and_next_steps_are_the_quarter_s_completed_first_without_repeats():
    def item(id_, code, status, **fields):
        return ActivityItem(id_, code, code, status, [], update(activity_id=id_, **fields))

    items = [item(1, "1", "on_track", period="2026-Q3", achievements="Trained 40.", next_steps="Train 40 more."),
             item(2, "2", "completed", period="2026-Q3", achievements="Guide out.", next_steps="Same text"),
             item(3, "3", "completed", period="2026-Q2", achievements="Old news.", next_steps="Old steps"),
             item(4, "4", "delayed", period="2026-Q3", achievements="Nothing.", no_progress=True, next_steps=""),
             item(5, "5", "on_track", period="2026-Q3", achievements="", next_steps="Same text"),
             ActivityItem(6, "6", "six", "planned", [])]
    pillar = PillarItem(1, "P", "", [], [OutcomeItem("1.1", "", [OutputItem("1.1.1", "", items)])])
    the_pack = pack("en", [pillar])
    assert the_pack.achievements(pillar) == [("2", "Guide out."), ("1", "Trained 40.")]
    assert the_pack.achievements(pillar, limit=1) == [("2", "Guide out.")]
    assert [(code, text.text) for code, text in the_pack.next_steps()] == [("1", "Train 40 more.")]
    items[0].update.next_steps = "We will train the staff of the group in the next quarter."
    items[4].update.next_steps = "Nous formerons le personnel du groupe pour le prochain trimestre."
    assert [(code, text.original) for code, text in the_pack.next_steps()] == [("1", None), ("2", None), ("5", "fr")]
    assert the_pack.never_reported == 1
    assert the_pack.output_rows(pillar) == [("1.1.1", "", [1, 2, 0, 1, 2, 0])]


def test_the_title_names_the_glm_else_its_quarter_else_the_pack_s_quarter(app):
    with app.test_request_context("/"), force_locale("en"):
        assert pack().title == f"Progress report, Q3{NBSP}2026"
        named = SimpleNamespace(code="2026-Q4", glm_names={"en": "GLM November 2026"})
        assert pack(glm=named).title == "Progress report for the GLM November 2026"
        assert pack(glm=SimpleNamespace(code="2026-Q4", glm_names=None)).title == \
            f"Progress report for the GLM, Q4{NBSP}2026"


def test_evidence_links_keep_web_addresses_only_one_a_line():
    assert content._links(" https://a.org/x \nmailto:bob@x.org\nHTTP://B.ORG\nftp://c\nwww.d.org") == \
        "https://a.org/x\nHTTP://B.ORG"
    assert content._links(None) == "" and content._links("") == ""


def test_a_stored_time_is_read_as_its_utc_day_whatever_the_server_s_time_zone(monkeypatch):
    import time
    from datetime import datetime, timedelta, timezone

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert content._day(datetime(2026, 7, 2, 1, 30, tzinfo=timezone.utc)) == date(2026, 7, 2)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert content._day(datetime(2026, 7, 1, 23, 30, tzinfo=timezone(timedelta(hours=-2)))) == date(2026, 7, 2)
    assert content._day(datetime(2026, 7, 1, 23, 30)) == date(2026, 7, 1)
    assert content._day(None) is None


def test_an_update_read_from_a_row_is_masked_and_names_its_body_only():
    from datetime import datetime, timezone

    row = SimpleNamespace(activity_id=4, slug="wg-a", status=None, progress_pct=10, achievements="mail a@b.org",
                          challenges="+41 22 555 12 34", next_steps=" soon ", support_needed="ask x@y.org",
                          evidence_links="https://a.org\nmailto:x@y.org", no_progress=1,
                          submitted_at=datetime(2026, 7, 1, 23, 0, tzinfo=timezone.utc), contribution=1)
    assert content._update(row, "2026-Q2") == Update(
        activity_id=4, period="2026-Q2", body="wg-a", status="", progress=10, achievements="mail […]",
        challenges="[…]", next_steps="soon", support_needed="ask […]", evidence_links="https://a.org",
        no_progress=True, reported_on=date(2026, 7, 1), contribution=True)


def test_without_a_glm_the_export_proposes_the_dashboards_quarter_for_that_day():
    from sip.dashboards.selection import Periods

    first = SimpleNamespace(id=1, glm=False, state="upcoming", starts_on=date(2026, 1, 1), ends_on=date(2026, 3, 31))
    second = SimpleNamespace(id=2, glm=False, state="upcoming", starts_on=date(2026, 4, 1), ends_on=date(2026, 6, 30))
    assert content.default_period(Periods([first, second], set()), date(2026, 2, 1)) is first


def test_the_updates_history_stops_at_the_pack_s_quarter_and_carries_every_field_masked(quarters, open_period,
                                                                                       make_report):
    from sip.plan.queries import current_strategy
    from tests.exports.conftest import DEMO_TODAY, period_of

    open_period("2026-Q1", date(2026, 4, 15), close=True)
    make_report("wg-second", "2026-Q1", "accepted", {"2.1.1.2": {
        "progress_pct": 5, "achievements": "Met a@b.org", "challenges": "None", "next_steps": "Call +41 22 555 12 34",
        "support_needed": "Funds", "evidence_links": "https://e.org/1\nmailto:a@b.org", "no_progress": True,
        "contribution": True}}, submitted_on=date(2026, 4, 2))
    with quarters.test_request_context("/"), force_locale("en"):
        the_pack = content.build_pack(current_strategy(), period_of("2026-Q2"), "en", today=DEMO_TODAY)
        rows = [(a.code, u) for a, u in content.update_history(the_pack)]
        ids = {a.code: a.id for pillar in the_pack.pillars for a in pillar.activities}
    assert [(code, u.period, u.reported_on) for code, u in rows] == [
        ("2.1.1.2", "2026-Q1", date(2026, 4, 2)), ("1.1.1.1", "2026-Q2", date(2026, 7, 10)),
        ("1.1.1.2", "2026-Q2", date(2026, 7, 10)), ("2.1.1.1", "2026-Q2", date(2026, 7, 10))]  # 2026-Q3 comes later
    assert rows[0][1] == Update(
        activity_id=ids["2.1.1.2"], period="2026-Q1", body="wg-second", status="", progress=5,
        achievements="Met […]", challenges="None", next_steps="Call […]", support_needed="Funds",
        evidence_links="https://e.org/1", no_progress=True, reported_on=date(2026, 4, 2), contribution=True)
    assert rows[2][1] == Update(
        activity_id=ids["1.1.1.2"], period="2026-Q2", body="wg-test-plan", status="at_risk", progress=None,
        achievements="", challenges='=HYPERLINK("http://evil.example","x")', next_steps="",
        support_needed="+ two staff", evidence_links="", no_progress=False, reported_on=date(2026, 7, 10),
        contribution=False)
