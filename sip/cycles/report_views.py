"""The end-of-strategy report: the page of its tables, each table as CSV, the whole report as PDF and workbook.

Routes on the cycles blueprint: /strategies/<slug>/report[.pdf|.xlsx] and /strategies/<slug>/report/<table>.csv,
for the current strategy (its report so far) or a closed one; a draft or unknown slug answers 404. The files take
`lang=` (fr or en; the page's language when left out) without switching the reader's pages to that language, as
the GLM pack's downloads do.
"""
from flask import Response, abort, g, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_required

from sip.core.i18n import LANG_SESSION_KEY, current_language
from sip.cycles import report_files
from sip.cycles.permissions import can_view_closing_report
from sip.cycles.report_data import ClosingReport, closing_report, reported_strategy
from sip.cycles.views import bp
from sip.dashboards.downloads import csv_response
from sip.exports.services import ExportError, check_available
from sip.plan.queries import shown_strategy

_FILES = ("cycles.report_pdf", "cycles.report_xlsx")
_UNSET = object()


@bp.before_request
def _remember_page_language() -> None:
    """The files take `lang=` for their language; the app would also take it as the pages' language."""
    if request.endpoint in _FILES:
        g.report_page_language = session.get(LANG_SESSION_KEY, _UNSET)


@bp.after_request
def _keep_page_language(response: Response) -> Response:
    """Choosing a French file must not switch the reader's pages to French: put the remembered language back."""
    if request.endpoint in _FILES and "report_page_language" in g:
        before = g.report_page_language
        if before is _UNSET:
            session.pop(LANG_SESSION_KEY, None)
        elif session.get(LANG_SESSION_KEY) != before:
            session[LANG_SESSION_KEY] = before
    return response


def _report(slug: str) -> ClosingReport:
    """The report of the strategy named in the address, for a reader allowed to see it (403, 404 otherwise)."""
    if not can_view_closing_report(current_user):
        abort(403)
    strategy = reported_strategy(slug)
    if strategy is None:
        abort(404)
    return closing_report(strategy)


def _activity_link(report: ClosingReport):
    """Links to the activities' pages when the page is in their strategy's address, else none (a code of another
    strategy's plan would lead to the wrong activity)."""
    from flask import url_for

    shown = shown_strategy()
    if shown is None or shown.id != report.strategy.id:
        return None
    return lambda code: url_for("plan.activity", code=code)


def _file_language() -> str:
    """The files' language: `lang=` when it is fr or en, else the page's; 400 for another."""
    wanted = (request.args.get("lang") or "").strip().lower()
    if not wanted:
        remembered = g.get("report_page_language", _UNSET)
        return remembered if remembered in report_files.LANGUAGES else current_language()
    if wanted not in report_files.LANGUAGES:
        abort(400, _("“%(value)s” is not a language of the report: choose fr (French) or en (English).",
                     value=wanted[:20]))
    return wanted


def _attachment(content: bytes, name: str, mimetype: str) -> Response:
    """A built file as a download."""
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<slug>/report")
@login_required
def report(slug: str):
    """The end-of-strategy report: progress, statuses at the close, compliance, amendments and carry-over."""
    closing = _report(slug)
    return render_template("cycles/report.html", report=closing, title=report_files.title(),
                           strategy_title=report_files.strategy_title(closing, current_language()),
                           facts=report_files.facts(closing, current_language()),
                           sections=report_files.sections(closing, current_language(), _activity_link(closing)))


@bp.get("/<slug>/report/<table>.csv")
@login_required
def report_csv(slug: str, table: str):
    """One table of the report as CSV, in the reader's language, formulas neutralised."""
    if table not in report_files.TABLES:
        abort(404)
    closing = _report(slug)
    part = report_files.section(closing, table, current_language())
    return csv_response(part.table, report_files.filename(closing, None, "csv", table))


def _unavailable(name: str, closing: ClosingReport):
    """The page saying why a file cannot be made on this server (and what to install), or None when it can."""
    try:
        check_available(name)
    except ExportError as error:
        return render_template("cycles/report_problem.html", error=error, report=closing), error.status
    return None


@bp.get("/<slug>/report.pdf")
@login_required
def report_pdf(slug: str):
    """The whole report as PDF (A4), printed as the GLM pack is."""
    closing, lang = _report(slug), _file_language()
    if problem := _unavailable("pdf", closing):
        return problem
    content = report_files.render_pdf(closing, lang)
    return _attachment(content, report_files.filename(closing, lang, "pdf"), report_files.PDF_TYPE)


@bp.get("/<slug>/report.xlsx")
@login_required
def report_xlsx(slug: str):
    """The whole report as an Excel workbook, a sheet per table."""
    closing, lang = _report(slug), _file_language()
    if problem := _unavailable("xlsx", closing):
        return problem
    content = report_files.build_book(closing, lang)
    return _attachment(content, report_files.filename(closing, lang, "xlsx"), report_files.XLSX_TYPE)
