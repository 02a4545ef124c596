"""The dashboards' charts for the report pack: the same `sip.dashboards.charts` figures, drawn as SVG by kaleido.

kaleido drives a headless Chromium (the system one, never a download), with its profile in SIP_CHROMIUM_PROFILE
(under the instance folder: it writes nothing into the home or temporary folders). When there is a queue, only
the worker draws charts (`sip.exports.store`): web servers start no browser. The worker starts it at its first
PDF and keeps it for the next ones (`KeptRenderer`, two tabs drawing at once), so only the first PDF pays the
browser's start-up (about 2 s); its tabs keep their page from one figure to the next (`_steady_kaleido`). If that browser fails, the figures are drawn once more by a
browser started for this export alone, and the kept one is started again next time. When no Chromium is there, or it
fails, `render_svgs` raises ChartsUnavailable and the PDF is made without chart images, saying so.
"""
import asyncio
import atexit
import html
import logging
import re
import threading
from pathlib import Path

import plotly.graph_objects as go
from flask import current_app, has_app_context

from sip.dashboards import charts, data
from sip.dashboards.views import PLAN_DETAIL_LIMIT
from sip.exports.availability import chromium_executable, chromium_path
from sip.exports.content import Pack

log = logging.getLogger(__name__)

# The PDF's text column is 174 mm wide; figures drawn this many CSS pixels wide are shown at about 85 % of their
# size, so the charts' 13 px text prints at about 8 pt.
WIDTH = 760
SUNBURST_SIZE = 720
RENDER_TIMEOUT = 60  # seconds for one figure


def profile_folder() -> str | None:
    """Chromium's profile folder: SIP_CHROMIUM_PROFILE (default: `chromium` in the instance folder)."""
    return current_app.config.get("SIP_CHROMIUM_PROFILE") if has_app_context() else None


class ChartsUnavailable(RuntimeError):
    """The charts could not be drawn (no Chromium, or it failed); the message says why."""


def build_figures(pack: Pack, titles: dict[str, str]) -> dict[str, go.Figure]:
    """The dashboards' figures for the pack's quarter (status by pillar, trend, compliance, the plan), titled.

    Only the figures that have something to draw are given (an empty plan draws nothing). One query (the plan's
    order for the picture of the plan).
    """
    figures: dict[str, go.Figure] = {}
    if pack.statuses.empty:
        return figures
    labels = pack.labels
    figures["status-by-pillar"] = charts.status_by_pillar(pack.counts, labels, titles["status-by-pillar"])
    # the quarters as the pack's readers write them ("T3 2026"), in the charts as in the tables
    figures["status-over-time"] = charts.status_trend(pack.over_time_window.assign(
        period=pack.over_time_window["period"].map(pack.q)), labels, titles["status-over-time"])
    if not pack.compliance_window.empty:
        figures["compliance"] = charts.compliance_grid(pack.compliance_window.assign(
            period=pack.compliance_window["period"].map(pack.q)), labels, titles["compliance"],
            pack.compliance_names())
    depth = "activity" if len(pack.statuses) <= PLAN_DETAIL_LIMIT else "output"  # as the SAG dashboard draws it
    figures["plan"] = charts.plan_sunburst(data.plan_tree(pack.statuses, pack.strategy, depth=depth), labels,
                                           titles["plan"])
    return figures


def for_print(figure: go.Figure) -> tuple[go.Figure, dict]:
    """The figure as printed: no title inside (the report's caption names it), a fixed size; and kaleido's options."""
    figure.update_layout(title={"text": ""}, margin={"t": 40})
    width = SUNBURST_SIZE if any(trace.type == "sunburst" for trace in figure.data) else WIDTH
    height = figure.layout.height or 400
    if width == SUNBURST_SIZE:
        height = SUNBURST_SIZE
        figure.update_layout(height=height)
    return figure, {"format": "svg", "width": width, "height": height}


class KeptRenderer:
    """A kaleido (headless Chromium, two tabs) on an event loop in a thread of its own, which the process keeps
    between exports; the figures of one export are drawn two at a time (about a quarter faster than one by one)."""

    def __init__(self, path: str, profile: str | None = None):
        self.path, self.profile = path, profile
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="sip-export-charts", daemon=True)
        self.thread.start()
        try:
            self.kaleido = self._call(self._open(), RENDER_TIMEOUT)
        except BaseException:
            self._stop_loop()
            raise

    async def _open(self):
        """Start the browser (on the renderer's loop)."""

        options = {}
        if self.profile:
            Path(self.profile).mkdir(parents=True, exist_ok=True)
            options["tmp_dir"] = self.profile  # Chromium's profile folder (choreographer makes one inside it)
        renderer = _steady_kaleido()(path=self.path, n=TABS, mathjax=False, timeout=RENDER_TIMEOUT, **options)
        await renderer.open()
        return renderer

    def _call(self, coroutine, timeout: float):
        """Run a coroutine on the renderer's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def draw(self, jobs: dict[str, tuple[go.Figure, dict]]) -> dict[str, str]:
        """Every figure as SVG text."""
        async def every_figure():
            drawn = await asyncio.gather(*(self.kaleido.calc_fig(figure, opts=options)
                                           for figure, options in jobs.values()))
            return {name: svg.decode("utf-8") for name, svg in zip(jobs, drawn, strict=True)}

        return self._call(every_figure(), RENDER_TIMEOUT * max(len(jobs), 1))

    def close(self) -> None:
        """Stop the browser and the loop."""
        try:
            self._call(self.kaleido.close(), 30)
        except Exception as error:  # noqa: BLE001  closing a broken browser may fail too; the loop still stops
            log.info("the kept Chromium did not close cleanly: %s", type(error).__name__)
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        """Stop the loop's thread."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def _steady_kaleido():
    """kaleido's browser, with a tab put straight back after each figure. kaleido reloads the page after every
    figure (plotly.js read and compiled again, about 150 ms): four figures on two tabs took 550 ms instead of 130,
    and the reloaded pages held more memory, not less (Chromium's processes: 3.8 GB of resident memory summed after
    300 exports with reloads, 1.3 GB without). plotly.js empties its plot after each figure (`Plotly.purge`)."""
    import kaleido

    class SteadyKaleido(kaleido.Kaleido):
        async def _return_kaleido_tab(self, tab) -> None:
            """Put the tab back for the next figure as it is."""
            await self.tabs_ready.put(tab)

    return SteadyKaleido


TABS = 2
_kept_lock = threading.Lock()
_kept: list[KeptRenderer] = []  # this process's renderer, once started


def _close_kept() -> None:
    """Stop the kept renderer (at exit, or when it failed)."""
    while _kept:
        _kept.pop().close()


atexit.register(_close_kept)


def _render_kept(path: str, jobs: dict[str, tuple[go.Figure, dict]], profile: str | None = None) -> dict[str, str]:
    """Draw every figure with this process's kept renderer, starting it (or restarting it) when needed."""
    with _kept_lock:
        if _kept and _kept[0].path != path:
            _close_kept()
        if not _kept:
            _kept.append(KeptRenderer(path, profile))
        renderer = _kept[0]
    try:
        return renderer.draw(jobs)
    except Exception:
        with _kept_lock:
            if _kept and _kept[0] is renderer:
                _close_kept()
        raise


STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')
EMPTY_GROUP = re.compile(r'<g class="[^"]*"(?:/>|></g>)')


def _presentation_attributes(match: re.Match) -> str:
    """One style="a: b; c: d" attribute as the attributes a="b" c="d"."""
    pairs = (declaration.split(":", 1) for declaration in html.unescape(match.group(1)).split(";") if ":" in declaration)
    return "".join(f' {name.strip()}="{html.escape(value.strip(), quote=True)}"' for name, value in pairs)


def for_weasyprint(svg: str) -> str:
    """plotly's SVG in a shape WeasyPrint draws faster and the same: its inline styles as presentation attributes
    (WeasyPrint parses every style attribute with a CSS parser, then copies it onto the attributes: a quarter of the
    PDF's time went there) and without its empty layer groups. plotly's SVG has no style sheet, so no rule could
    rank differently."""
    svg = STYLE_ATTRIBUTE.sub(_presentation_attributes, svg)
    while True:
        shorter = EMPTY_GROUP.sub("", svg)
        if shorter == svg:
            return svg
        svg = shorter


def _draw_once(path: str, jobs: dict[str, tuple[go.Figure, dict]], profile: str | None = None) -> dict[str, str]:
    """Draw every figure with a browser started for this export alone."""
    renderer = KeptRenderer(path, profile)
    try:
        return renderer.draw(jobs)
    finally:
        renderer.close()


def render_svgs(figures: dict[str, go.Figure]) -> dict[str, str]:
    """Each figure as SVG text, drawn by kaleido with the system Chromium; ChartsUnavailable when it cannot be."""
    if not figures:
        return {}
    path = chromium_executable()
    if path is None:
        raise ChartsUnavailable(f"no Chromium at {chromium_path()}")
    jobs = {name: for_print(figure) for name, figure in figures.items()}
    profile = profile_folder()
    try:
        return _render_kept(path, jobs, profile)
    except Exception as error:  # noqa: BLE001  the kept browser failed: one more try with one of its own
        log.warning("the kept Chromium could not draw the export charts (%s); starting one for this export",
                    type(error).__name__)
    try:
        return _draw_once(path, jobs, profile)
    except Exception as error:  # a browser that fails to start or to draw must not stop the report
        log.warning("export charts could not be drawn with %s: %s", path, type(error).__name__)
        raise ChartsUnavailable(f"{type(error).__name__}: {error}".splitlines()[0][:300]) from error
