"""A meeting's minutes as a PDF, with WeasyPrint (the engine of the GLM pack): A4, a running header, page numbers."""
from flask import render_template

from sip.config import ROOT

STYLESHEET = ROOT / "static" / "css" / "minutes-pdf.css"


def render_minutes(meeting, minutes, summary) -> bytes:
    """One revision of a meeting's minutes, with what the meeting was, who attended and what it decided."""
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    html = render_template("meetings/minutes_pdf.html", meeting=meeting, minutes=minutes, summary=summary)
    # Nothing is fetched: the minutes never reach the network or the disk.
    fetcher = URLFetcher(allowed_protocols={"data"})
    document = HTML(string=html, base_url=str(ROOT), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(string=STYLESHEET.read_text(encoding="utf-8"), url_fetcher=fetcher)])
