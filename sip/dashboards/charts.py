"""Dashboard charts: the frames of `data.py` as plotly figures, in the reader's language.

Pure functions of DataFrames (no Flask, no database): the view passes `labels`, a dict from codes (statuses,
compliance states) and other keys to text in the reader's language, and a title. Other keys used: "pillar"
(ticks "Pillar 1"), "activities" (count axes), "period" (quarter axes), "body" and "state" (compliance hover),
"status" (sunburst hover), "pillar", "outcome", "output" (sunburst hover of the inner rings). A key without a
label shows as a plain English default, a code as itself with underscores made spaces. Colours come from
`colours.py`, the same for a status in every chart, and every mark also carries its label, so colour is never the
only cue. Status bars draw all six statuses, 0 where none, so each bar sums to every activity and the legend is the
same whatever the data; count axes have whole-number ticks only. Figures set no width (they follow their container)
and no web font; `config` (responsive, mode bar) is the view's business.
"""
import plotly.graph_objects as go

from sip.dashboards.colours import (COMPLIANCE_COLOURS, COMPLIANCE_STATES, FONT_FAMILY, GRID, INK, MUTED, NEUTRAL,
                                    STATUS_COLOURS, STATUS_ORDER)

MARGIN = {"l": 10, "r": 10, "t": 84, "b": 10}  # the top holds the title and, under it, the legend
MAX_TICK_GAPS = 8  # a count axis has at most this many gaps between its ticks
# Written in each cell of the compliance grid beside its colour (short, so that narrow cells still show them).
COMPLIANCE_MARKS = {"on_time": "✓", "late": "!", "overdue": "?", "missing": "✗", "pending": "…", "not_open": "–"}


def _label(labels: dict[str, str], code, default: str | None = None) -> str:
    """The reader's text for a code (the default, or the code itself, when the view gave none)."""
    text = labels.get(str(code)) if labels else None
    if text:
        return str(text)
    return default if default is not None else str(code).replace("_", " ")


def _layout(figure: go.Figure, title: str, **extra) -> go.Figure:
    """The house layout: no template, system fonts, small margins, the legend above the plot."""
    figure.update_layout(
        template="none",
        title={"text": title, "x": 0, "xanchor": "left", "xref": "container", "y": 1, "yanchor": "top",
               "yref": "container", "pad": {"t": 10, "l": 10}, "font": {"size": 16}},
        font={"family": FONT_FAMILY, "size": 13, "color": INK},
        margin=MARGIN,
        autosize=True,
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0,
                "traceorder": "normal"},
        hoverlabel={"font": {"family": FONT_FAMILY}},
    )
    figure.update_layout(**extra)
    figure.update_xaxes(automargin=True)
    figure.update_yaxes(automargin=True)
    return figure


def status_series(counts_df, key: str, keys: list) -> list[tuple[str, list[int]]]:
    """Each of the six statuses in STATUS_ORDER with its count at each of `keys` (0 where the frame has none).

    `counts_df` has the columns `key`, status and count (data.status_counts, data.status_over_time). Every status
    is kept, even at 0 everywhere: a bar then sums to all the activities, and every legend lists the same six.
    The deck's native charts build their series with it too.
    """
    cells: dict[tuple, int] = {}
    for at, status, count in zip(counts_df[key], counts_df["status"], counts_df["count"], strict=True):
        cells[(at, status)] = cells.get((at, status), 0) + int(count)
    return [(status, [cells.get((at, status), 0) for at in keys]) for status in STATUS_ORDER]


def integer_step(maximum: int) -> int:
    """The gap between the ticks of a count axis that reaches `maximum`: 1, 2, 5, 10, 20, 50… (never a fraction)."""
    scale = 1
    while True:
        for base in (1, 2, 5):
            if maximum <= base * scale * MAX_TICK_GAPS:
                return base * scale
        scale *= 10


def count_axis(maximum: int, **extra) -> dict:
    """A plotly axis of counts from 0: ticks every whole `integer_step` only (plotly's own choice of ticks for a
    small range is 0, 0.5, 1…, which "d" prints as 0, 1, 1, 2, 2)."""
    return {"tickmode": "linear", "tick0": 0, "dtick": integer_step(maximum), "tickformat": "d",
            "rangemode": "tozero", **extra}


def _tallest(series: list[tuple[str, list[int]]]) -> int:
    """The largest stacked bar: the most activities at one key."""
    return max((sum(column) for column in zip(*(values for _, values in series), strict=True)), default=0)


def _pillar_name(labels: dict[str, str], number) -> str:
    """ "Pillar 1" / "Pilier 1" from the label of "pillar". """
    return f"{_label(labels, 'pillar', 'Pillar')} {int(number)}"


def status_by_pillar(counts_df, labels: dict[str, str], title: str) -> go.Figure:
    """Stacked horizontal bars: how many activities of each pillar are in each status (one trace per status)."""
    pillars = list(dict.fromkeys(int(p) for p in counts_df["pillar"]))
    names = [_pillar_name(labels, p) for p in pillars]
    series = status_series(counts_df, "pillar", pillars)
    figure = go.Figure()
    for status, values in series:
        name = _label(labels, status)
        figure.add_trace(go.Bar(
            x=values, y=names, name=name, orientation="h", meta=status,
            marker={"color": STATUS_COLOURS[status], "line": {"color": "#ffffff", "width": 1}},
            hovertemplate=f"%{{y}}<br>{name}: %{{x}}<extra></extra>",
        ))
    return _layout(
        figure, title, barmode="stack",
        xaxis=count_axis(_tallest(series), title={"text": _label(labels, "activities", "Activities")}, gridcolor=GRID),
        # The ticks say "Pillar 1"…: no axis title to repeat it.
        yaxis={"title": {"text": ""}, "autorange": "reversed", "type": "category"},
        height=max(220, 60 * len(pillars) + 140),
    )


def status_trend(over_time_df, labels: dict[str, str], title: str) -> go.Figure:
    """Stacked bars per period: how many activities were in each status, quarter by quarter."""
    periods = list(dict.fromkeys(over_time_df["period"]))
    series = status_series(over_time_df, "period", periods)
    figure = go.Figure()
    for status, values in series:
        name = _label(labels, status)
        figure.add_trace(go.Bar(
            x=periods, y=values, name=name, meta=status,
            marker={"color": STATUS_COLOURS[status], "line": {"color": "#ffffff", "width": 1}},
            hovertemplate=f"%{{x}}<br>{name}: %{{y}}<extra></extra>",
        ))
    return _layout(
        figure, title, barmode="stack", bargap=0.25,
        xaxis={"title": {"text": _label(labels, "period", "Quarter")}, "type": "category"},
        yaxis=count_axis(_tallest(series), title={"text": _label(labels, "activities", "Activities")}, gridcolor=GRID),
        height=360,
    )


def _discrete_scale(colours: list[str]) -> list[list]:
    """A colour scale giving each integer 0 … n-1 one flat colour (z from -0.5 to n-0.5)."""
    n = len(colours)
    scale = []
    for i, colour in enumerate(colours):
        scale += [[i / n, colour], [(i + 1) / n, colour]]
    return scale


def compliance_grid(compliance_df, labels: dict[str, str], title: str, body_names: dict[str, str]) -> go.Figure:
    """Bodies × periods, each cell coloured by whether the body reported on time, late or not at all.

    One heatmap trace (discrete colours; each cell shows a short mark, ✓ ! ✗ … –, and its hover text the
    state's label), then one legend entry per state, mark and label (empty scatter traces, COMPLIANCE_STATES
    order). `body_names` maps slugs to names in the reader's language (the slug when missing).
    """
    bodies = list(dict.fromkeys(compliance_df["body"]))
    periods = list(dict.fromkeys(compliance_df["period"]))
    names = [body_names.get(b) or b for b in bodies]
    index = {state: i for i, state in enumerate(COMPLIANCE_STATES)}
    cells = {(b, p): s for b, p, s in zip(compliance_df["body"], compliance_df["period"], compliance_df["state"], strict=False)}
    z, marks, hover = [], [], []
    for body in bodies:
        states = [cells.get((body, period)) for period in periods]
        z.append([index.get(s) for s in states])
        marks.append([COMPLIANCE_MARKS.get(s, "") for s in states])
        hover.append([_label(labels, s) if s else "" for s in states])
    body_title = _label(labels, "body", "Body")
    period_title = _label(labels, "period", "Quarter")
    figure = go.Figure(go.Heatmap(
        z=z, x=periods, y=names, text=marks, customdata=hover, texttemplate="%{text}", textfont={"size": 14},
        colorscale=_discrete_scale([COMPLIANCE_COLOURS[s] for s in COMPLIANCE_STATES]),
        zmin=-0.5, zmax=len(COMPLIANCE_STATES) - 0.5, showscale=False, xgap=2, ygap=2,
        hovertemplate=f"{body_title}: %{{y}}<br>{period_title}: %{{x}}<br>%{{customdata}}<extra></extra>",
        name=_label(labels, "state", "Reporting"), showlegend=False,
    ))
    for state in COMPLIANCE_STATES:
        figure.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", name=f"{COMPLIANCE_MARKS[state]} {_label(labels, state)}", meta=state,
            hoverinfo="skip", marker={"symbol": "square", "size": 12, "color": COMPLIANCE_COLOURS[state]},
        ))
    return _layout(
        figure, title,
        xaxis={"title": {"text": period_title}, "type": "category", "showgrid": False, "tickangle": -45},
        yaxis={"title": {"text": ""}, "type": "category", "autorange": "reversed", "showgrid": False},
        height=max(240, 40 * len(bodies) + 200),
    )


def _counts_text(counts: dict[str, int], labels: dict[str, str]) -> str:
    """ "12 activities: completed 5, on track 4, …" for an output leaf's hover."""
    total = sum(counts.values())
    parts = [f"{_label(labels, status)} {counts[status]}" for status in STATUS_ORDER if counts.get(status)]
    return f"{total} {_label(labels, 'activities', 'activities').lower()}: " + ", ".join(parts)


def plan_sunburst(tree_df, labels: dict[str, str], title: str) -> go.Figure:
    """The whole plan as one picture: pillars → outcomes → outputs → activities, activities coloured by status.

    A tree that stops at the outputs (data.plan_tree(..., depth="output")) colours each output by the status most
    of its activities are in, and its hover gives the count in each status.
    """
    colours, hover = [], []
    status_title = _label(labels, "status", "Status")
    counts = tree_df["counts"] if "counts" in tree_df else [None] * len(tree_df)
    for level, status, count in zip(tree_df["level"], tree_df["status"], counts, strict=False):
        if level == "activity" and status in STATUS_COLOURS:
            colours.append(STATUS_COLOURS[status])
            hover.append(f"{status_title}: {_label(labels, status)}")
        elif count and status in STATUS_COLOURS:
            colours.append(STATUS_COLOURS[status])
            hover.append(_counts_text(count, labels))
        else:
            colours.append(NEUTRAL)
            hover.append(_label(labels, level))
    figure = go.Figure(go.Sunburst(
        ids=list(tree_df["id"]), parents=list(tree_df["parent"]), labels=list(tree_df["label"]),
        hovertext=hover, hovertemplate="%{label}<br>%{hovertext}<extra></extra>",
        marker={"colors": colours, "line": {"color": "#ffffff", "width": 1}},
        leaf={"opacity": 1}, insidetextorientation="radial", sort=False,  # leaves in their true status colour
    ))
    # A legend of the statuses present (the sunburst has none of its own).
    leaves = tree_df["level"] == ("output" if "counts" in tree_df else "activity")
    present = [s for s in STATUS_ORDER if s in set(tree_df.loc[leaves, "status"])]
    for status in present:
        figure.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", name=_label(labels, status), meta=status, hoverinfo="skip",
            marker={"symbol": "square", "size": 12, "color": STATUS_COLOURS[status]},
        ))
    hidden = {"visible": False, "showgrid": False, "zeroline": False}
    return _layout(figure, title, xaxis=hidden, yaxis=hidden, height=560, showlegend=bool(present),
                   legend={"orientation": "h", "yanchor": "top", "y": 0, "xanchor": "left", "x": 0,
                           "font": {"color": MUTED}})


def plotly_config(language: str) -> dict:
    """How plotly.js shows every dashboard chart to a reader of `language` ("fr" or "en").

    No toolbar: its 40 buttons were tab stops inside an element announced as an image, labelled in English, and
    one of them uploaded the chart to plotly's cloud. The figures are downloaded as CSV from the link beside each
    table instead. No cloud address either, so no button or link can ever send data out; numbers, dates and the
    few words plotly writes itself (the French locale is in the vendored bundle) follow the page's language.
    """
    return {
        "displayModeBar": False,
        "displaylogo": False,
        "showSendToCloud": False,
        "plotlyServerURL": "",
        "showTips": False,
        "scrollZoom": False,
        "responsive": True,
        "locale": "fr" if language == "fr" else "en",
    }
