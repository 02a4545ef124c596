"""What changed between two versions: the word diff, the list of changes, and the table for the Excel export."""
from datetime import date

import pytest
from flask_babel import force_locale, gettext

from sip.governance.diff import DATAFRAME_COLUMNS, Segment, compare, plain_diff, version_diff, word_diff
from sip.governance.history import resolve_as_of
from sip.plan.queries import current_strategy
from tests.governance.conftest import TRAINING

NEW_TEXT = {"fr": "Mettre en place des plateformes régionales de formation en ligne.",
            "en": "Set up regional online training platforms."}


@pytest.mark.parametrize("before,after,expected", [
    ("a b c", "a b c", "a b c"),
    ("a b c", "a b x c", "a b {+x+} c"),
    ("a b c", "a c", "a [-b-] c"),
    ("one two", "three four", "[-one two-] {+three four+}"),
    ("", "new words", "{+new words+}"),
    ("old  words\n", "old words", "old words"),
])
def test_the_word_diff_marks_removed_and_added_words(before, after, expected):
    assert plain_diff(word_diff(before, after)) == expected


def test_the_word_diff_keeps_markup_as_text_for_the_page_to_escape():
    assert word_diff("a", "<b>a</b>") == [Segment("delete", "a"), Segment("equal", " "), Segment("insert", "<b>a</b>")]


@pytest.fixture
def changed(seeded, world, propose, endorse, verify):
    """At the November 2026 GLM: 3.1.1.2 reworded and handed to the partnerships group, 3.1.2.1 retired, a new
    activity 3.1.1.3, and 1.3.1.1 moved under output 1.1.1 as 1.1.1.9."""
    made = [
        propose(text=NEW_TEXT),
        propose("responsibilities", responsibilities=[{"body": "wg-partnerships", "role": "lead"}]),
        propose("retire", of="3.1.2.1", retire_as="discontinued"),
        propose("add", code="3.1.1.3", output_code="3.1.1", text={"fr": "Nouvelle activité.", "en": "New activity."},
                responsibilities=[{"body": "wg-training", "role": "lead"}]),
        propose("move", of="1.3.1.1", role="secretariat", output_code="1.1.1", code="1.1.1.9"),
    ]
    for amendment_id in made:
        endorse(amendment_id)
        verify(amendment_id)
    return made


def diff_of(app, start="2023-11", end="glm-2026-11-20"):
    """The changes between two versions, as (kind, code) pairs."""
    strategy = current_strategy()
    return compare(strategy, resolve_as_of(strategy, start), resolve_as_of(strategy, end))


def test_the_diff_lists_every_change_in_plan_order_with_its_amendments(seeded, changed):
    with seeded.app_context():
        result = diff_of(seeded)
        assert [(c.kind, c.code) for c in result.changes] == [
            ("moved", "1.1.1.9"), ("reworded", TRAINING), ("responsibilities", TRAINING), ("added", "3.1.1.3"),
            ("retired", "3.1.2.1")]
        assert [[a.id for a in c.amendments] for c in result.changes] == [[changed[4]], [changed[0]], [changed[1]],
                                                                          [changed[3]], [changed[2]]]
        assert result.counts() == {"moved": 1, "reworded": 1, "responsibilities": 1, "added": 1, "retired": 1}


def test_the_diff_of_a_rewording_shows_the_old_and_new_words(seeded, changed):
    with seeded.app_context():
        reworded = next(c for c in diff_of(seeded).changes if c.kind == "reworded")
        assert plain_diff(reworded.text_diff["fr"]).startswith("Mettre en place des plateformes {+régionales+} de formation en [-ligne permettant")
        assert reworded.before.text["fr"] != reworded.after.text["fr"]


def test_the_diff_is_the_same_whichever_version_is_given_first(seeded, changed):
    with seeded.app_context():
        forwards = [(c.kind, c.code) for c in diff_of(seeded).changes]
        assert [(c.kind, c.code) for c in diff_of(seeded, "glm-2026-11-20", "2023-11").changes] == forwards


def test_a_version_compared_with_itself_has_no_change(seeded, changed):
    with seeded.app_context():
        assert diff_of(seeded, "glm-2026-11-20", "glm-2026-11-20").changes == []


def test_the_table_for_the_excel_export_has_one_row_per_change(seeded, changed):
    with seeded.app_context():
        strategy = current_strategy()
        frame = version_diff(strategy, resolve_as_of(strategy, "2023-11"), resolve_as_of(strategy, "glm-2026-11-20"))
        assert list(frame.columns) == DATAFRAME_COLUMNS
        assert frame.attrs == {"from": "2023-11", "to": "glm-2026-11-20"}
        rows = {(row.kind, row.code): row for row in frame.itertuples()}
        moved = rows[("moved", "1.1.1.9")]
        assert (moved.code_before, moved.output_before, moved.output_after) == ("1.3.1.1", "1.3.1", "1.1.1")
        reworded = rows[("reworded", TRAINING)]
        assert reworded.after == NEW_TEXT["en"] and "{+regional+}" in reworded.text_diff
        assert reworded.amendments == str(changed[0])
        bodies = rows[("responsibilities", TRAINING)]
        assert (bodies.before, bodies.after) == ("Training WG (Lead, accountable)", "Partnerships WG (Lead, accountable)")
        retired = rows[("retired", "3.1.2.1")]
        assert (retired.change, retired.before, retired.after) == ("Retired", "Active", "Discontinued")
        assert rows[("added", "3.1.1.3")].after == "New activity."


def test_the_table_can_be_in_french(seeded, changed):
    with seeded.app_context():
        strategy = current_strategy()
        frame = version_diff(strategy, resolve_as_of(strategy, "2023-11"), resolve_as_of(strategy, "glm-2026-11-20"),
                             lang="fr")
        reworded = frame[frame.kind == "reworded"].iloc[0]
        assert reworded.after == NEW_TEXT["fr"] and "{+régionales+}" in reworded.text_diff
        retired = frame[frame.kind == "retired"].iloc[0]
        assert (retired.before, retired.after) == ("Actif", "Abandonnée")
        with force_locale("fr"):
            accountable = gettext("accountable")  # translated with the catalogue
        assert frame[frame.kind == "responsibilities"].iloc[0].after.endswith(f"(Responsable, {accountable})")


def test_the_table_of_two_equal_versions_is_empty_with_the_same_columns(seeded):
    with seeded.app_context():
        strategy = current_strategy()
        baseline = resolve_as_of(strategy, "2023-11")
        frame = version_diff(strategy, baseline, baseline)
        assert frame.empty and list(frame.columns) == DATAFRAME_COLUMNS


def test_the_workbook_lists_each_glms_changes_with_the_text_before_and_after(seeded, world, propose, endorse, verify):
    import io

    from openpyxl import load_workbook

    from sip.exports import services as exports

    amendment = propose()
    endorse(amendment)
    tag = verify(amendment)
    with seeded.test_request_context("/"):
        strategy = current_strategy()
        choice = exports.choose(strategy, "2026-Q4", "en", "en", today=date(2026, 12, 31))
        content = exports.export("xlsx", strategy, choice, today=date(2026, 12, 31)).content
    header, *rows = [list(row) for row in load_workbook(io.BytesIO(content))["Plan changes"].iter_rows(values_only=True)]
    assert header == ["Version", "Change", "Code", "Activity", "Before", "After", "Words changed", "Amendments"]
    assert len(rows) == 1
    version, change, code, text, before, after, words, amendments = rows[0]
    assert version.startswith(f"{tag} · ") and change == "Reworded" and code == TRAINING
    assert after == text == "Run regional trainings in humanitarian logistics." and before and before != after
    assert "{+" in words and amendments == str(amendment)
