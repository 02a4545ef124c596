"""The report pack's chart images: plotly's SVG made cheaper for WeasyPrint without changing a pixel, and drawn once
while the data stays the same."""
import re
import shutil
import subprocess
from types import SimpleNamespace

from sqlalchemy import select, update

from sip.exports import pdf
from sip.exports.content import build_pack
from sip.exports.figures import for_print, for_weasyprint
from sip.extensions import db
from sip.plan.queries import current_strategy
from sip.reporting.models import GroupReport
from tests.exports.conftest import DEMO_TODAY, GLM_PERIOD

# A piece of plotly's SVG as kaleido writes it: inline styles (quoted font names escaped), empty layer groups.
PLOTLY_LIKE = (
    '<svg class="main-svg" xmlns="http://www.w3.org/2000/svg" width="200" height="120" style="" viewBox="0 0 200 120">'
    '<rect x="0" y="0" width="200" height="120" style="fill: rgb(255, 255, 255); fill-opacity: 1;"/>'
    '<g class="layer-below"><g class="imagelayer"/><g class="shapelayer"/></g>'
    '<g class="trace bars" style="opacity: 1;"><path d="M10,10V60H150V10Z" style="fill: rgb(0, 114, 178); '
    'fill-opacity: 1; stroke: rgb(255, 255, 255); stroke-width: 0.5px;"/></g>'
    '<text x="20" y="100" style="font-family: &quot;Open Sans&quot;, verdana, arial, sans-serif; font-size: 13px; '
    'fill: rgb(42, 63, 95); fill-opacity: 1; white-space: pre;">Pillar 1 &amp; 2</text></svg>'
)


def test_inline_styles_become_presentation_attributes_and_empty_groups_go():
    slim = for_weasyprint(PLOTLY_LIKE)
    assert "style=" not in slim and "<g class" not in slim.replace('<g class="trace bars"', "")
    assert '<rect x="0" y="0" width="200" height="120" fill="rgb(255, 255, 255)" fill-opacity="1"/>' in slim
    assert 'font-family="&quot;Open Sans&quot;, verdana, arial, sans-serif" font-size="13px"' in slim
    assert ">Pillar 1 &amp; 2</text>" in slim and 'stroke-width="0.5px"' in slim


def test_the_slimmed_svg_prints_exactly_as_plotlys(tmp_path):
    from weasyprint import HTML

    assert shutil.which("pdftoppm"), "pdftoppm is missing: apt-get install poppler-utils"
    pictures = []
    for name, svg in (("plotly", PLOTLY_LIKE), ("slim", for_weasyprint(PLOTLY_LIKE))):
        source = tmp_path / f"{name}.pdf"
        HTML(string=f'<img src="{pdf.data_uri(svg)}" style="width: 10cm">').write_pdf(source)
        subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(source), str(tmp_path / name)], check=True)
        pictures.append((tmp_path / f"{name}.png").read_bytes())
    assert pictures[0] == pictures[1]


def pack_html(app) -> str:
    """The GLM quarter's report as HTML, in English."""
    from sip.exports import services

    with app.test_request_context("/"):
        strategy = current_strategy()
        choice = services.choose(strategy, GLM_PERIOD, "en", "en", today=DEMO_TODAY)
        return pdf.render_html(build_pack(strategy, choice.period, "en", today=DEMO_TODAY, periods=choice.periods))


def test_charts_are_drawn_once_while_the_data_stays_the_same_and_again_after_a_change(demo, monkeypatch):
    drawn = []

    def draw(figures):
        drawn.append(sorted(figures))
        return {name: f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" id="{len(drawn)}"/>'
                for name in figures}

    monkeypatch.setattr(pdf, "render_svgs", draw)
    first = pack_html(demo)
    assert pack_html(demo) == first and len(drawn) == 1
    assert drawn[0] == ["compliance", "plan", "status-by-pillar", "status-over-time"]
    with demo.app_context():
        report = db.session.scalar(select(GroupReport.id).where(GroupReport.state == "accepted").limit(1))
        db.session.execute(update(GroupReport).where(GroupReport.id == report).values(version=GroupReport.version + 1))
        db.session.commit()
    assert pack_html(demo) != first and len(drawn) == 2


def small_figures() -> dict:
    """Two small figures to draw."""
    import plotly.graph_objects as go

    return {"bars": go.Figure(go.Bar(x=["a", "b"], y=[3, 4])), "line": go.Figure(go.Scatter(x=[1, 2], y=[2, 1]))}


def test_the_kept_renderer_draws_every_figure_and_is_kept_for_the_next_export(app):
    from sip.exports import figures

    with app.app_context():
        first = figures.render_svgs(small_figures())
        renderer = figures._kept[0]
        again = figures.render_svgs(small_figures())
    assert set(first) == {"bars", "line"} and all(svg.startswith("<svg") for svg in first.values())
    assert figures._kept[0] is renderer and set(again) == {"bars", "line"}


def test_a_failing_kept_renderer_is_replaced_and_the_charts_are_drawn_all_the_same(app, monkeypatch):
    from sip.exports import figures

    with app.app_context():
        figures.render_svgs(small_figures())
        broken = figures._kept[0]

        def fail(jobs):
            raise RuntimeError("the tab crashed")

        monkeypatch.setattr(broken, "draw", fail)
        drawn = figures.render_svgs(small_figures())  # by a browser started for this export alone
        assert set(drawn) == {"bars", "line"} and not figures._kept
        figures.render_svgs(small_figures())
        assert figures._kept and figures._kept[0] is not broken


# --- the pack's status charts -------------------------------------------------------------------

TITLES = {"status-by-pillar": "By pillar", "status-over-time": "Trend", "compliance": "Reports", "plan": "Plan"}


def test_the_pdfs_trend_draws_every_status_so_each_quarter_sums_to_the_plan_with_whole_ticks(monkeypatch):
    import pandas as pd

    from sip.dashboards import data
    from sip.dashboards.colours import STATUS_ORDER
    from sip.exports.figures import build_figures

    # Two activities; at risk in the first quarter only, completed in the last only (the deck's old trend, which
    # drew the last quarter's statuses, left the first bar one short).
    trend = pd.DataFrame([("2026-Q1", "planned", 1), ("2026-Q1", "at_risk", 1),
                          ("2026-Q2", "planned", 1), ("2026-Q2", "completed", 1)], columns=["period", "status", "count"])
    statuses = pd.DataFrame({"code": ["1.1.1.1", "1.1.1.2"], "pillar": [1, 1], "status": ["planned", "completed"]})
    pack = SimpleNamespace(statuses=statuses, labels={}, counts=data.status_counts(statuses), over_time_window=trend,
                           compliance_window=pd.DataFrame(), strategy=None, q=lambda code: code)
    monkeypatch.setattr(data, "plan_tree", lambda *args, **kwargs: pd.DataFrame(
        [("activity:1", "", "1", "activity", "planned")], columns=["id", "parent", "label", "level", "status"]))
    figure, _options = for_print(build_figures(pack, TITLES)["status-over-time"])
    assert [trace.meta for trace in figure.data] == list(STATUS_ORDER)  # the printed legend lists all six
    assert [sum(quarter) for quarter in zip(*(trace.y for trace in figure.data), strict=True)] == [2, 2]
    axis = figure.layout.yaxis
    assert (axis.tickmode, axis.tick0, axis.dtick, axis.tickformat, axis.rangemode) == ("linear", 0, 1, "d", "tozero")
    by_pillar = build_figures(pack, TITLES)["status-by-pillar"]
    assert [trace.meta for trace in by_pillar.data] == list(STATUS_ORDER)
    assert (by_pillar.layout.xaxis.dtick, by_pillar.layout.xaxis.tickmode) == (1, "linear")


def test_the_packs_trend_sums_each_quarter_to_the_activities_of_the_plan_at_that_quarter(demo):
    from sqlalchemy import func

    from sip.exports.figures import build_figures
    from sip.reporting.models import ActivityStatus, ReportingPeriod

    with demo.test_request_context("/"):
        from sip.exports import services

        strategy = current_strategy()
        choice = services.choose(strategy, GLM_PERIOD, "en", "en", today=DEMO_TODAY)
        pack = build_pack(strategy, choice.period, "en", today=DEMO_TODAY, periods=choice.periods)
        figure = build_figures(pack, TITLES)["status-over-time"]
        in_plan = {f"Q{quarter}\u00a0{year}": count for year, quarter, count in db.session.execute(
            select(ReportingPeriod.year, ReportingPeriod.quarter, func.count(ActivityStatus.id))
            .join(ActivityStatus, ActivityStatus.period_id == ReportingPeriod.id)
            .where(ReportingPeriod.strategy_id == strategy.id)
            .group_by(ReportingPeriod.year, ReportingPeriod.quarter))}
    quarters = list(figure.data[0].x)
    assert len(figure.data) == 6 and quarters
    totals = [sum(quarter) for quarter in zip(*(trace.y for trace in figure.data), strict=True)]
    assert totals == [in_plan[quarter] for quarter in quarters]


def same_ids(svg: str) -> str:
    """The SVG with the random ids plotly gives each drawing and trace (defs-5e6689, clip5e6689x, trace71bfb3)
    written the same way, and without an empty style attribute on the root, which Chromium writes on some drawings
    and not others (`style=""` styles nothing: the same picture)."""
    return re.sub(r"(defs-|clip|trace)[0-9a-f]{6}", r"\1UID", _no_empty_root_style(svg))


def _no_empty_root_style(svg: str) -> str:
    """The root element without an empty `style=""` (and only the root's, only when empty)."""
    head, _, rest = svg.partition(">")
    return head.replace(' style=""', "", 1) + ">" + rest


def test_a_figure_drawn_after_others_on_the_same_tabs_is_drawn_exactly_as_the_first_time(app):
    from sip.exports import figures

    with app.app_context():
        first = figures.render_svgs(small_figures())
        for _ in range(3):  # more figures than tabs, so each tab draws several without a fresh page
            figures.render_svgs({"other": small_figures()["line"], "bars": small_figures()["bars"]})
        again = figures.render_svgs(small_figures())
    assert {name: same_ids(svg) for name, svg in again.items()} == {name: same_ids(svg) for name, svg in first.items()}


def test_drawing_an_exports_figures_reloads_no_page(app, monkeypatch):
    from kaleido._kaleido_tab._tab import _KaleidoTab

    from sip.exports import figures

    with app.app_context():
        figures.render_svgs(small_figures())  # the kept browser is started and its pages loaded
        reloads = []
        original = _KaleidoTab.reload

        async def counted(tab):
            reloads.append(tab)
            await original(tab)

        monkeypatch.setattr(_KaleidoTab, "reload", counted)
        drawn = figures.render_svgs({**small_figures(), "third": small_figures()["bars"]})
    assert set(drawn) == {"bars", "line", "third"} and reloads == []
