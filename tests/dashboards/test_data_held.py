"""The dashboards' figures held value by value (issue 23): texts, quarter codes, times, counts and tree ids."""
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from sip.dashboards import data


def test_an_id_or_none_is_its_own_key():
    assert data._key(None) is None
    assert data._key(7) == 7


@pytest.mark.parametrize("text, lang, shown", [
    ({"fr": "Former", "en": "Train"}, "fr", "Former"),
    ({"fr": "Former", "en": "Train"}, "en", "Train"),
    ({"fr": "", "en": "Train"}, "fr", "Train"),
    ({"en": "Train"}, "fr", "Train"),
    ({"fr": "Former"}, "en", "Former"),
    ({"fr": None, "en": None}, "en", ""),
    ({}, "fr", ""),
    (None, "en", ""),
])
def test_bilingual_text_is_read_in_the_language_else_the_other_else_empty(text, lang, shown):
    assert data._text(text, lang) == shown


@pytest.mark.parametrize("rank, code", [(20263, "2026-Q3"), (20241, "2024-Q1"), ("20254", "2025-Q4"),
                                        (20264.0, "2026-Q4"), (None, ""), (float("nan"), ""), (pd.NA, "")])
def test_a_quarter_s_rank_is_written_as_its_code(rank, code):
    assert data._code(rank) == code


def test_a_stored_time_is_read_as_an_aware_utc_time():
    assert data._utc(None) is None
    naive = data._utc(datetime(2026, 7, 1, 23, 30))
    assert naive == datetime(2026, 7, 1, 23, 30, tzinfo=timezone.utc) and naive.tzinfo is timezone.utc
    aware = data._utc(datetime(2026, 7, 1, 23, 30, tzinfo=timezone(timedelta(hours=-2))))
    assert aware.tzinfo is timezone.utc and (aware.day, aware.hour) == (2, 1)


def test_an_empty_frame_has_its_columns_and_no_row():
    frame = data._empty(["a", "b"])
    assert list(frame.columns) == ["a", "b"] and len(frame) == 0


def test_status_counts_give_each_pillar_s_statuses_in_order_as_whole_numbers():
    frame = pd.DataFrame({"pillar": [3, 1, 1, 3], "status": ["delayed", "completed", "completed", "planned"]})
    counts = data.status_counts(frame)
    assert list(counts.columns) == ["pillar", "status", "count"]
    assert counts.to_dict("list") == {
        "pillar": [1] * 6 + [3] * 6,
        "status": list(data.STATUS_ORDER) * 2,
        "count": [0, 0, 0, 0, 2, 0, 1, 0, 0, 1, 0, 0]}
    assert str(counts["pillar"].dtype) == "int64" and str(counts["count"].dtype) == "int64"


@pytest.mark.parametrize("counts, dominant", [
    ({}, "planned"),
    ({"delayed": 1}, "delayed"),
    ({"planned": 1, "completed": 1}, "planned"),
    ({"on_track": 2, "completed": 3, "planned": 3}, "planned"),
    ({"discontinued": 2, "delayed": 1}, "discontinued"),
])
def test_an_output_takes_the_status_most_of_its_activities_are_in_ties_to_the_first(counts, dominant):
    assert data.dominant_status(counts) == dominant


def test_tree_ids_are_level_and_code_qualified_by_the_parent_where_a_code_repeats():
    nodes = [{"level": "pillar", "path": ("pillar", 1)},
             {"level": "outcome", "path": ("pillar", 1, "1.1")},
             {"level": "output", "path": ("pillar", 1, "1.1", "1.1.1")},
             {"level": "pillar", "path": ("pillar", 2)},
             {"level": "outcome", "path": ("pillar", 2, "1.1")},
             {"level": "output", "path": ("pillar", 2, "1.1", "1.1.1")},
             {"level": "output", "path": ("pillar", 2, "1.1", "2.2.2")}]
    assert list(data._tree_ids(nodes).values()) == [
        "pillar:1", "outcome:1/1.1", "output:1/1.1/1.1.1", "pillar:2", "outcome:2/1.1", "output:2/1.1/1.1.1",
        "output:2.2.2"]


def test_a_code_with_a_colon_keeps_its_whole_parent_in_a_qualified_id():
    nodes = [{"level": "pillar", "path": ("pillar", 1)}, {"level": "outcome", "path": ("pillar", 1, "A:1")},
             {"level": "output", "path": ("pillar", 1, "A:1", "o")}, {"level": "pillar", "path": ("pillar", 2)},
             {"level": "outcome", "path": ("pillar", 2, "A:1")}, {"level": "output", "path": ("pillar", 2, "A:1", "o")}]
    assert data._tree_ids(nodes)[("pillar", 2, "A:1", "o")] == "output:2/A:1/o"


def test_an_unknown_depth_is_refused_by_name_and_an_empty_picture_has_the_depth_s_columns():
    with pytest.raises(ValueError, match="outcome"):
        data.plan_tree(data._empty(data.STATUS_COLUMNS), None, depth="outcome")
    assert list(data.plan_tree(data._empty(data.STATUS_COLUMNS), None).columns) == data.TREE_COLUMNS
    assert list(data.plan_tree(data._empty(data.STATUS_COLUMNS), None, depth="output").columns) == \
        data.TREE_COLUMNS + ["counts"]
