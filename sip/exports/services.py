"""Exporting the report pack: the formats, choosing the quarter and language, and building one file.

An export only reads (accepted data, nothing personal), so it writes no audit entry; the log line it leaves says
the format, quarter, language, size and time, never who asked.
"""
import logging
import time
from dataclasses import dataclass
from datetime import date
from typing import Callable

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from sip.dashboards.selection import Periods
from sip.exports import availability
from sip.exports.content import LANGUAGES, Pack, build_pack, default_period
from sip.exports.sections import feeding
from sip.plan.models import Strategy
from sip.reporting.models import ReportingPeriod

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {"fr": "Français", "en": "English"}  # each in its own language, as the switcher shows them


def _pdf(pack: Pack) -> bytes:
    from sip.exports.pdf import render_pdf

    return render_pdf(pack)


def _pptx(pack: Pack) -> bytes:
    from sip.exports.slides import build_deck

    return build_deck(pack)


def _xlsx(pack: Pack) -> bytes:
    from sip.exports.book import build_book

    return build_book(pack)


def _activities(pack: Pack) -> bytes:
    from sip.exports.hxl import activities_csv

    return activities_csv(pack)


def _updates(pack: Pack) -> bytes:
    from sip.exports.hxl import updates_csv

    return updates_csv(pack)


def _activities_semicolon(pack: Pack) -> bytes:
    from sip.exports.spreadsheet_csv import activities_semicolon

    return activities_semicolon(pack)


def _updates_semicolon(pack: Pack) -> bytes:
    from sip.exports.spreadsheet_csv import updates_semicolon

    return updates_semicolon(pack)


@dataclass(frozen=True)
class Format:
    """A file of the report pack: what it is for, its address, type and name, and how it is built."""

    name: str
    endpoint: str
    title: str
    purpose: str
    button: str
    mimetype: str
    stem: str
    extension: str
    build: Callable[[Pack], bytes]
    slow: bool = False

    def filename(self, period: str, lang: str) -> str:
        """What the file is and for when: "sip-glm-report-2026-Q2-fr.pdf"."""
        return f"{self.stem}-{period}-{lang}.{self.extension}"


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("pdf", "exports.glm_pdf", _l("PDF report"),
           _l("To circulate before the plenary: cover, contents, executive summary with the key figures, one section "
              "per pillar with each activity's status and latest accepted update, the dashboards' charts, each "
              "reporting body's summary, the activities at risk with the support requested, and reporting compliance."),
           _l("Download the PDF"), "application/pdf", "sip-glm-report", "pdf", _pdf, slow=True),
    Format("pptx", "exports.glm_pptx", _l("PowerPoint deck"),
           _l("To present in the room: key figures, the trend, one slide per pillar with an editable chart and its "
              "main achievements, the risks and reporting compliance."),
           _l("Download the slides"),
           "application/vnd.openxmlformats-officedocument.presentationml.presentation", "sip-glm-slides", "pptx",
           _pptx),
    Format("xlsx", "exports.sip_xlsx", _l("Excel workbook"),
           _l("For analysis: the plan, every accepted update (one row per activity, quarter and reporting body), "
              "reporting compliance and the risks, with filters."),
           _l("Download the workbook"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "sip-data", "xlsx", _xlsx),
    Format("activities_csv", "exports.activities_csv", _l("Activities (CSV with HXL hashtags)"),
           _l("The plan's activities with their status, for other humanitarian systems: a row of HXL hashtags "
              "follows the header."),
           _l("Download the activities"), "text/csv", "sip-activities", "csv", _activities),
    Format("updates_csv", "exports.updates_csv", _l("Updates (CSV with HXL hashtags)"),
           _l("Every accepted update up to the quarter, one row per activity, quarter and reporting body, with HXL "
              "hashtags."),
           _l("Download the updates"), "text/csv", "sip-updates", "csv", _updates),
    Format("activities_semicolon", "exports.activities_semicolon", _l("Activities for Excel (semicolons)"),
           _l("The activities as a CSV file separated by semicolons, as Excel set to French opens it with a "
              "double-click (no hashtag row)."),
           _l("Download the activities for Excel"), "text/csv", "sip-activities-excel", "csv", _activities_semicolon),
    Format("updates_semicolon", "exports.updates_semicolon", _l("Updates for Excel (semicolons)"),
           _l("The accepted updates as a CSV file separated by semicolons, as Excel set to French opens it with a "
              "double-click (no hashtag row)."),
           _l("Download the updates for Excel"), "text/csv", "sip-updates-excel", "csv", _updates_semicolon),
)}


def pack_filename(code: str) -> str:
    """The zip of a GLM's whole pack: "sip-glm-pack-2026-Q2.zip"."""
    return f"sip-glm-pack-{code}.zip"


class ExportError(Exception):
    """An export that cannot be made: the HTTP status and what to tell the reader (and what to install)."""

    def __init__(self, status: int, message: str, details: list[str] | None = None):
        super().__init__(message)
        self.status, self.message, self.details = status, message, details or []


@dataclass
class Choice:
    """What an export is of: the strategy's periods, the quarter whose data it shows, the language, and the GLM it
    is for (its quarter may come after the data's: a GLM is fed by the last quarter accepted before it)."""

    periods: Periods
    period: ReportingPeriod
    lang: str
    glm: ReportingPeriod | None = None

    @property
    def code(self) -> str:
        """The quarter the export is named after: the GLM's, else the data's."""
        return (self.glm or self.period).code


def period_code(value: str | None) -> str:
    """People type "2026-q2 "; the period codes are "2026-Q2"."""
    return (value or "").strip().upper()


def choose(strategy: Strategy, period: str | None, lang: str | None, default_lang: str,
           today: date | None = None) -> Choice:
    """The quarter and language asked for (the defaults when not given); ExportError (400) for unknown ones."""
    periods = Periods.of(strategy)
    code = period_code(period)
    if code:
        chosen = periods.find(code)
        if chosen is None:
            raise ExportError(400, _("“%(value)s” is not a quarter of the plan: write it as YEAR-Qn, for example "
                                     "2026-Q2.", value=code[:40]))
    else:
        chosen = default_period(periods, today or date.today())
        if chosen is None:
            raise ExportError(404, _("The plan has no reporting period yet, so there is nothing to export."))
    wanted = (lang or "").strip().lower() or default_lang
    if wanted not in LANGUAGES:
        raise ExportError(400, _("“%(value)s” is not a language of the report pack: choose fr (French) or en "
                                 "(English).", value=(lang or "")[:20]))
    if chosen.glm:  # a GLM's pack shows the quarter that feeds it
        return Choice(periods, feeding(periods, chosen), wanted, glm=chosen)
    return Choice(periods, chosen, wanted)


def check_available(name: str) -> availability.FormatState:
    """The format's state on this server; ExportError (503) naming what to install when a part is missing."""
    state = availability.check().get(name) or availability.FormatState(name)
    if not state.available:
        raise ExportError(503, _("The %(format)s cannot be made on this server.", format=FORMATS[name].title),
                          [str(missing) for missing in state.missing])
    return state


@dataclass
class Export:
    """A built file: its bytes, name and media type."""

    content: bytes
    filename: str
    mimetype: str


def build_file(name: str, strategy: Strategy, choice: Choice, today: date | None = None) -> Export:
    """Build one file of the report pack for the chosen quarter (or GLM), in the chosen language."""
    fmt = FORMATS[name]
    check_available(name)
    started = time.perf_counter()
    with force_locale(choice.lang):
        pack = build_pack(strategy, choice.period, choice.lang, today=today, periods=choice.periods, glm=choice.glm)
        content = fmt.build(pack)
    log.info("export %s %s %s: %d bytes in %.1f s", name, choice.code, choice.lang, len(content),
             time.perf_counter() - started)
    return Export(content, fmt.filename(choice.code, choice.lang), fmt.mimetype)


def export(name: str, strategy: Strategy, choice: Choice, today: date | None = None) -> Export | None:
    """One file of the pack: kept from an earlier build when the data have not changed, else built now (None when
    the worker builds it: the PDF, when there is a queue)."""
    from sip.exports import store

    check_available(name)
    return store.get(name, strategy, choice, today)
