"""The GLM report as a PDF: the pack rendered by a Jinja template and WeasyPrint (A4, print CSS, page numbers).

The charts are the dashboards' figures drawn as SVG by kaleido. Without a Chromium (or when it fails) the PDF is
still made, with a boxed note in place of each chart: every chart's figures are also given as a table, so the
report stays complete and says plainly what is missing and what to install.
"""
import base64

from flask import render_template
from flask_babel import gettext as _

from sip.config import ROOT
from sip.core.parts import cached_part, periods_key
from sip.dashboards.colours import COMPLIANCE_COLOURS
from sip.exports.availability import chromium_problem
from sip.exports.content import Pack, delivery_label, delivery_note, light
from sip.exports.figures import ChartsUnavailable, build_figures, for_weasyprint, render_svgs
from sip.exports.sections import action_points_title, extra_sections, glm_name, written

STYLESHEET = ROOT / "static" / "css" / "report-pdf.css"


def chart_titles(pack: Pack) -> dict[str, str]:
    """The charts' captions, as the dashboards title them."""
    window = pack.window
    span = {"first": pack.q(window[0]), "last": pack.q(window[-1])}
    return {
        "status-by-pillar": _("Activities by status and pillar, %(scope)s", scope=pack.quarter),
        "status-over-time": _("Statuses over the quarters, %(first)s to %(last)s", **span),
        "compliance": _("Reporting: who delivered on time, %(first)s to %(last)s", **span),
        "plan": _("The plan as one picture, %(scope)s", scope=pack.quarter),
    }


def data_uri(svg: str) -> str:
    """An SVG as a data: address for an <img> (WeasyPrint fetches nothing else)."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def chart_images(pack: Pack, titles: dict[str, str]) -> dict[str, str]:
    """Each chart as an image address, drawn by Chromium; kept (per process) while the data, the quarter, the
    language and the periods are the same, as the dashboards are: drawing them is a third of a PDF's time."""
    key = (pack.code, pack.lang, periods_key(pack.periods.all), tuple(sorted(titles.items())))
    return cached_part("pdf-charts", key, lambda: {name: data_uri(for_weasyprint(svg))
                                                   for name, svg in render_svgs(build_figures(pack, titles)).items()})


def charts_for(pack: Pack, titles: dict[str, str]) -> tuple[dict[str, str], str]:
    """Each chart as an image address, and a note saying why there are none when they could not be drawn."""
    try:
        return chart_images(pack, titles), ""
    except ChartsUnavailable:
        problem = chromium_problem()
        install = problem.install if problem else _("Check that the server's Chromium starts (see the server log).")
        return {}, _("The charts could not be drawn on this server: %(install)s Their figures are given in the "
                     "tables.", install=install)


def render_html(pack: Pack) -> str:
    """The report as HTML for WeasyPrint (also handy to look at in a browser)."""
    titles = chart_titles(pack)
    images, charts_note = charts_for(pack, titles)
    fills = {state: f"#{light(colour)}" for state, colour in COMPLIANCE_COLOURS.items()}
    return render_template("exports/report.html", pack=pack, titles=titles, images=images, charts_note=charts_note,
                           delivery_label=delivery_label, delivery_note=delivery_note(), compliance_fills=fills,
                           written=written, glm_name=glm_name, extra_sections=extra_sections(pack.lang),
                           action_points_title=action_points_title(pack))


def render_pdf(pack: Pack) -> bytes:
    """The report as PDF bytes."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    html = render_html(pack)
    # Only data: addresses are fetched (the chart images): the report never reaches the network or the disk.
    fetcher = URLFetcher(allowed_protocols={"data"})
    document = HTML(string=html, base_url=str(ROOT), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(string=STYLESHEET.read_text(encoding="utf-8"), url_fetcher=fetcher)])
