"""Dashboard charts (sip.dashboards.charts) and colours: traces, order, colours, labels, JSON; no Flask, no database."""
import ast
import json
import re
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from sip.dashboards import charts
from sip.dashboards.colours import (COMPLIANCE_COLOURS, COMPLIANCE_STATES, NEUTRAL, STATUS_COLOURS, STATUS_ORDER)
from sip.plan.models import STATUSES

ROOT = Path(__file__).resolve().parents[2]

FRENCH = {
    "planned": "Prévue", "on_track": "En bonne voie", "at_risk": "À risque", "delayed": "En retard",
    "completed": "Terminée", "discontinued": "Abandonnée",
    "on_time": "À temps", "late": "Remis en retard", "overdue": "Délai dépassé", "missing": "Manquant", "pending": "En attente",
    "not_open": "Pas ouverte",
    "pillar": "Pilier", "activities": "Activités", "period": "Trimestre", "body": "Organe", "status": "Statut",
}


def counts_frame() -> pd.DataFrame:
    """Two pillars' counts, as data.status_counts gives them."""
    values = {1: [3, 2, 1, 0, 1, 0], 2: [0, 1, 0, 2, 0, 1]}
    return pd.DataFrame([(p, s, values[p][i]) for p in (1, 2) for i, s in enumerate(STATUS_ORDER)],
                        columns=["pillar", "status", "count"])


def over_time_frame() -> pd.DataFrame:
    """Three quarters' counts, as data.status_over_time gives them."""
    values = {"2026-Q1": [5, 1, 0, 0, 0, 0], "2026-Q2": [3, 2, 1, 0, 0, 0], "2026-Q3": [2, 2, 0, 1, 1, 0]}
    return pd.DataFrame([(p, s, v[i]) for p, v in values.items() for i, s in enumerate(STATUS_ORDER)],
                        columns=["period", "status", "count"])


def compliance_frame() -> pd.DataFrame:
    """Two bodies × three quarters, as data.compliance gives them."""
    rows = [("wg-a", "2026-Q1", "on_time"), ("wg-a", "2026-Q2", "late"), ("wg-a", "2026-Q3", "pending"),
            ("sag", "2026-Q1", "missing"), ("sag", "2026-Q2", "on_time"), ("sag", "2026-Q3", "not_open")]
    return pd.DataFrame([(b, b.upper(), b.upper(), p, s) for b, p, s in rows],
                        columns=["body", "body_name_fr", "body_name_en", "period", "state"])


def tree_frame() -> pd.DataFrame:
    """A small plan tree, as data.plan_tree gives it."""
    return pd.DataFrame([
        ("pillar:1", "", "P1", "pillar", ""),
        ("outcome:1.1", "pillar:1", "1.1", "outcome", ""),
        ("output:1.1.1", "outcome:1.1", "1.1.1", "output", ""),
        ("activity:1.1.1.1", "output:1.1.1", "1.1.1.1", "activity", "completed"),
        ("activity:1.1.1.2", "output:1.1.1", "1.1.1.2", "activity", "at_risk"),
        ("pillar:2", "", "P2", "pillar", ""),
        ("outcome:2.2", "pillar:2", "2.2", "outcome", ""),
        ("output:2.3.3", "outcome:2.2", "2.3.3", "output", ""),
        ("activity:2.3.3.1", "output:2.3.3", "2.3.3.1", "activity", "planned"),
    ], columns=["id", "parent", "label", "level", "status"])


def serialises(figure: go.Figure) -> dict:
    """The figure as the page receives it (JSON), parsed back."""
    return json.loads(figure.to_json())


# --- colours ------------------------------------------------------------------------------------


def test_badge_colours_match_the_css_custom_properties_and_keep_the_charts_hues():
    from sip.dashboards.colours import BADGE_COLOURS

    css = (ROOT / "static" / "css" / "sip.css").read_text(encoding="utf-8")
    declared = dict(re.findall(r"--([a-z_]+):\s*(#[0-9a-fA-F]{6})", css))
    assert {status: declared[status].lower() for status in STATUS_COLOURS} == BADGE_COLOURS
    assert BADGE_COLOURS.keys() == STATUS_COLOURS.keys()


def test_status_order_is_that_of_the_plan_s_statuses():
    assert STATUS_ORDER == tuple(STATUSES) == tuple(STATUS_COLOURS)


def test_compliance_colours_cover_every_state_and_differ_from_one_another():
    assert tuple(COMPLIANCE_COLOURS) == COMPLIANCE_STATES == ("on_time", "late", "overdue", "missing", "pending",
                                                              "not_open")
    assert len(set(COMPLIANCE_COLOURS.values())) == len(COMPLIANCE_COLOURS)
    assert len(set(STATUS_COLOURS.values())) == len(STATUS_COLOURS)
    assert NEUTRAL not in STATUS_COLOURS.values()


@pytest.mark.parametrize("module", ["charts.py", "colours.py"])
def test_charts_and_colours_import_neither_flask_nor_the_database(module):
    tree = ast.parse((ROOT / "sip" / "dashboards" / module).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"plotly.graph_objects", "sip.dashboards.colours"}


# --- status by pillar ---------------------------------------------------------------------------


def test_status_by_pillar_stacks_one_horizontal_trace_per_status_in_order():
    figure = charts.status_by_pillar(counts_frame(), {}, "Status by pillar")
    assert [trace.type for trace in figure.data] == ["bar"] * 6
    assert [trace.meta for trace in figure.data] == list(STATUS_ORDER)
    assert [trace.marker.color for trace in figure.data] == [STATUS_COLOURS[s] for s in STATUS_ORDER]
    assert all(trace.orientation == "h" for trace in figure.data)
    assert figure.layout.barmode == "stack"
    planned, on_track = figure.data[0], figure.data[1]
    assert (list(planned.x), list(on_track.x)) == ([3, 0], [2, 1])
    assert list(planned.y) == ["Pillar 1", "Pillar 2"]
    assert figure.layout.title.text == "Status by pillar"


def test_status_by_pillar_speaks_french_when_given_french_labels():
    figure = charts.status_by_pillar(counts_frame(), FRENCH, "Statut par pilier")
    assert [trace.name for trace in figure.data] == ["Prévue", "En bonne voie", "À risque", "En retard", "Terminée",
                                                     "Abandonnée"]
    assert list(figure.data[0].y) == ["Pilier 1", "Pilier 2"]
    assert figure.layout.xaxis.title.text == "Activités"
    assert "Prévue" in figure.data[0].hovertemplate


# --- trend --------------------------------------------------------------------------------------


def test_status_trend_stacks_one_trace_per_status_over_the_periods_in_order():
    figure = charts.status_trend(over_time_frame(), FRENCH, "Évolution")
    assert [trace.meta for trace in figure.data] == list(STATUS_ORDER)
    assert [trace.name for trace in figure.data] == [FRENCH[s] for s in STATUS_ORDER]
    assert [trace.marker.color for trace in figure.data] == [STATUS_COLOURS[s] for s in STATUS_ORDER]
    assert list(figure.data[0].x) == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert [list(trace.y) for trace in figure.data[:4]] == [[5, 3, 2], [1, 2, 2], [0, 1, 0], [0, 0, 1]]
    assert figure.layout.barmode == "stack"
    assert (figure.layout.xaxis.title.text, figure.layout.yaxis.title.text) == ("Trimestre", "Activités")


def test_status_trend_draws_every_status_with_zeros_so_each_quarter_sums_to_the_plan():
    # At risk: 2 activities early on, none in the last quarter; completed: none at first, 3 at the end;
    # discontinued: never. Ten activities throughout.
    values = {"2026-Q1": [6, 2, 2, 0, 0, 0], "2026-Q2": [4, 3, 1, 1, 1, 0], "2026-Q3": [2, 4, 0, 1, 3, 0]}
    frame = pd.DataFrame([(p, s, v[i]) for p, v in values.items() for i, s in enumerate(STATUS_ORDER)],
                         columns=["period", "status", "count"])
    figure = charts.status_trend(frame, FRENCH, "Évolution")
    assert [trace.meta for trace in figure.data] == list(STATUS_ORDER)
    assert [trace.name for trace in figure.data] == [FRENCH[s] for s in STATUS_ORDER]  # the legend: all six
    assert all(trace.showlegend is not False and trace.visible in (None, True) for trace in figure.data)
    assert [sum(quarter) for quarter in zip(*(trace.y for trace in figure.data), strict=True)] == [10, 10, 10]
    assert list(figure.data[2].y) == [2, 1, 0] and list(figure.data[4].y) == [0, 1, 3]
    assert list(figure.data[5].y) == [0, 0, 0]


def test_status_trend_fills_the_statuses_a_frame_leaves_out_with_zeros():
    # Only the statuses each quarter has (as the deck's old trend read them): the chart still draws all six.
    frame = pd.DataFrame([("2026-Q1", "planned", 3), ("2026-Q1", "at_risk", 2), ("2026-Q2", "planned", 1),
                          ("2026-Q2", "completed", 4)], columns=["period", "status", "count"])
    figure = charts.status_trend(frame, {}, "Trend")
    assert [trace.meta for trace in figure.data] == list(STATUS_ORDER)
    assert {trace.meta: list(trace.y) for trace in figure.data} == {
        "planned": [3, 1], "on_track": [0, 0], "at_risk": [2, 0], "delayed": [0, 0], "completed": [0, 4],
        "discontinued": [0, 0]}


def test_status_by_pillar_draws_every_status_with_zeros_so_each_pillar_sums_to_its_activities():
    frame = pd.DataFrame([(1, "planned", 2), (1, "delayed", 1), (2, "completed", 3)],
                         columns=["pillar", "status", "count"])
    figure = charts.status_by_pillar(frame, {}, "By pillar")
    assert [trace.meta for trace in figure.data] == list(STATUS_ORDER)
    assert [sum(pillar) for pillar in zip(*(trace.x for trace in figure.data), strict=True)] == [3, 3]
    assert list(figure.data[1].x) == [0, 0]


def test_status_series_gives_the_six_statuses_in_order_with_zeros_for_the_deck():
    series = charts.status_series(over_time_frame(), "period", ["2026-Q1", "2026-Q3", "2027-Q1"])
    assert [status for status, _ in series] == list(STATUS_ORDER)
    assert dict(series) == {"planned": [5, 2, 0], "on_track": [1, 2, 0], "at_risk": [0, 0, 0], "delayed": [0, 1, 0],
                            "completed": [0, 1, 0], "discontinued": [0, 0, 0]}


# --- count axes ---------------------------------------------------------------------------------


def small_trend() -> pd.DataFrame:
    """A filtered dashboard's trend: two activities, the counts plotly would tick at 0, 0.5, 1, 1.5, 2."""
    values = {"2026-Q1": [2, 0, 0, 0, 0, 0], "2026-Q2": [1, 1, 0, 0, 0, 0], "2026-Q3": [0, 1, 1, 0, 0, 0]}
    return pd.DataFrame([(p, s, v[i]) for p, v in values.items() for i, s in enumerate(STATUS_ORDER)],
                        columns=["period", "status", "count"])


def ticks(axis: dict, top: float) -> list[float]:
    """The ticks a linear-mode plotly axis draws from 0 to `top`."""
    assert axis["tickmode"] == "linear"
    count = int(top // axis["dtick"]) + 1
    return [axis["tick0"] + i * axis["dtick"] for i in range(count)]


def test_small_counts_are_ticked_at_every_whole_number_and_never_between():
    trend = serialises(charts.status_trend(small_trend(), {}, "Trend"))["layout"]["yaxis"]
    by_pillar = serialises(charts.status_by_pillar(
        pd.DataFrame([(1, "planned", 1), (2, "on_track", 2)], columns=["pillar", "status", "count"]), {}, "P"
    ))["layout"]["xaxis"]
    for axis in (trend, by_pillar):
        assert (axis["tickmode"], axis["tick0"], axis["dtick"]) == ("linear", 0, 1)
        assert (axis["tickformat"], axis["rangemode"]) == ("d", "tozero")
        assert ticks(axis, 2.1) == [0, 1, 2]  # one tick per whole number, none repeated


def test_large_counts_are_ticked_at_whole_round_steps():
    values = {"2026-Q1": [50, 0, 0, 0, 0, 0], "2026-Q2": [30, 10, 4, 2, 4, 0]}
    frame = pd.DataFrame([(p, s, v[i]) for p, v in values.items() for i, s in enumerate(STATUS_ORDER)],
                         columns=["period", "status", "count"])
    axis = serialises(charts.status_trend(frame, {}, "Trend"))["layout"]["yaxis"]
    assert axis["dtick"] == 10 and ticks(axis, 52) == [0, 10, 20, 30, 40, 50]


@pytest.mark.parametrize(("maximum", "step"), [(0, 1), (1, 1), (2, 1), (8, 1), (9, 2), (16, 2), (17, 5), (40, 5),
                                               (41, 10), (50, 10), (80, 10), (81, 20), (400, 50), (401, 100)])
def test_a_count_axis_has_a_whole_step_and_at_most_eight_gaps(maximum, step):
    assert charts.integer_step(maximum) == step
    assert isinstance(step, int) and maximum / step <= charts.MAX_TICK_GAPS


# --- compliance grid ----------------------------------------------------------------------------


def colour_of(scale: list, z: int, n: int) -> str:
    """The colour a discrete colour scale gives to the integer z (the middle of its band)."""
    position = (z + 0.5) / n
    return next(colour for (low, colour), (high, _) in zip(scale[::2], scale[1::2], strict=False) if low <= position <= high)


def test_compliance_grid_colours_each_cell_by_its_state_and_names_it_in_the_reader_s_language():
    names = {"wg-a": "GT formation", "sag": "GCS"}
    figure = charts.compliance_grid(compliance_frame(), FRENCH, "Rapports", names)
    heatmap = figure.data[0]
    assert heatmap.type == "heatmap" and heatmap.showscale is False
    assert list(heatmap.y) == ["GT formation", "GCS"] and list(heatmap.x) == ["2026-Q1", "2026-Q2", "2026-Q3"]
    states = [["on_time", "late", "pending"], ["missing", "on_time", "not_open"]]
    n = len(COMPLIANCE_STATES)
    cell_colours = [[colour_of(heatmap.colorscale, z, n) for z in row] for row in heatmap.z]
    assert cell_colours == [[COMPLIANCE_COLOURS[s] for s in row] for row in states]
    assert [list(row) for row in heatmap.customdata] == [[FRENCH[s] for s in row] for row in states]
    assert [list(row) for row in heatmap.text] == [["✓", "!", "…"], ["✗", "✓", "–"]]
    # The legend: one entry per state, in order, with its colour and its French label.
    legend = figure.data[1:]
    assert [trace.meta for trace in legend] == list(COMPLIANCE_STATES)
    assert [trace.marker.color for trace in legend] == [COMPLIANCE_COLOURS[s] for s in COMPLIANCE_STATES]
    assert [trace.name for trace in legend] == ["✓ À temps", "! Remis en retard", "? Délai dépassé", "✗ Manquant",
                                                "… En attente", "– Pas ouverte"]


def test_compliance_grid_falls_back_to_the_slug_without_a_name():
    figure = charts.compliance_grid(compliance_frame(), {}, "Reports", {})
    assert list(figure.data[0].y) == ["wg-a", "sag"]
    assert figure.data[0].customdata[0][0] == "on time"


# --- the plan as one picture --------------------------------------------------------------------


def test_plan_sunburst_colours_activities_by_status_and_the_rings_above_them_grey():
    tree = tree_frame()
    figure = charts.plan_sunburst(tree, FRENCH, "Le plan")
    sunburst = figure.data[0]
    assert sunburst.type == "sunburst"
    assert list(sunburst.ids) == list(tree["id"]) and list(sunburst.parents) == list(tree["parent"])
    colours = dict(zip(sunburst.ids, sunburst.marker.colors, strict=False))
    assert colours["activity:1.1.1.1"] == STATUS_COLOURS["completed"]
    assert colours["activity:1.1.1.2"] == STATUS_COLOURS["at_risk"]
    assert colours["activity:2.3.3.1"] == STATUS_COLOURS["planned"]
    assert {colours[i] for i in ("pillar:1", "outcome:1.1", "output:1.1.1", "output:2.3.3")} == {NEUTRAL}
    assert dict(zip(sunburst.ids, sunburst.hovertext, strict=False))["activity:1.1.1.2"] == "Statut: À risque"
    # A legend of the statuses present, in STATUSES order.
    assert [trace.name for trace in figure.data[1:]] == ["Prévue", "À risque", "Terminée"]


# --- every figure -------------------------------------------------------------------------------


def all_figures(labels: dict) -> list[go.Figure]:
    """One figure of each kind."""
    return [
        charts.status_by_pillar(counts_frame(), labels, "a"),
        charts.status_trend(over_time_frame(), labels, "b"),
        charts.compliance_grid(compliance_frame(), labels, "c", {"sag": "SAG"}),
        charts.plan_sunburst(tree_frame(), labels, "d"),
    ]


@pytest.mark.parametrize("index", range(4))
def test_every_figure_serialises_to_json_without_web_fonts_or_fixed_width(index):
    figure = all_figures(FRENCH)[index]
    parsed = serialises(figure)
    layout = parsed["layout"]
    assert "width" not in layout and layout["autosize"] is True
    assert "http" not in json.dumps(layout)  # no font or image fetched from the internet
    assert all(layout["margin"][side] <= 100 for side in ("l", "r", "b"))
    assert parsed["data"]


@pytest.mark.parametrize("index", range(4))
def test_every_figure_of_empty_data_still_serialises(index):
    empty = [
        charts.status_by_pillar(counts_frame().iloc[0:0], {}, "a"),
        charts.status_trend(over_time_frame().iloc[0:0], {}, "b"),
        charts.compliance_grid(compliance_frame().iloc[0:0], {}, "c", {}),
        charts.plan_sunburst(tree_frame().iloc[0:0], {}, "d"),
    ][index]
    assert serialises(empty)["layout"]["title"]["text"] in "abcd"


def test_a_status_has_the_same_colour_in_every_chart():
    seen: dict[str, set] = {}
    for figure in all_figures({}):
        for trace in figure.data:
            if trace.meta in STATUS_COLOURS:
                seen.setdefault(trace.meta, set()).add(trace.marker.color)
        if figure.data[0].type == "sunburst":
            for status, colour in zip(tree_frame()["status"], figure.data[0].marker.colors, strict=False):
                if status:
                    seen.setdefault(status, set()).add(colour)
    assert seen and all(colours == {STATUS_COLOURS[s]} for s, colours in seen.items())


def test_plan_sunburst_stopping_at_outputs_colours_each_by_its_main_status_with_the_counts_in_the_hover():
    tree = pd.DataFrame([
        ("pillar:1", "", "P1", "pillar", "", {}),
        ("outcome:1.1", "pillar:1", "1.1", "outcome", "", {}),
        ("output:1.1.1", "outcome:1.1", "1.1.1", "output", "on_track", {"on_track": 2, "delayed": 1}),
        ("output:1.1.2", "outcome:1.1", "1.1.2", "output", "completed", {"completed": 3}),
    ], columns=["id", "parent", "label", "level", "status", "counts"])
    figure = serialises(charts.plan_sunburst(tree, FRENCH, "Plan"))
    sunburst = figure["data"][0]
    assert sunburst["marker"]["colors"][2:] == [STATUS_COLOURS["on_track"], STATUS_COLOURS["completed"]]
    assert sunburst["marker"]["colors"][:2] == [NEUTRAL, NEUTRAL]
    assert sunburst["hovertext"][2] == "3 activités: En bonne voie 2, En retard 1"
    assert [trace["meta"] for trace in figure["data"][1:]] == ["on_track", "completed"]  # the legend
