"""The GLM report pack: PDF, PowerPoint, Excel and HXL-tagged CSV, for the secretariat and SAG members.

Each download takes `period=` (a quarter such as 2026-Q2; the latest GLM quarter with an accepted report when
left out) and `lang=` (fr or en; the page's language when left out). An unknown quarter or language answers 400,
a format whose part is missing on this server 503 naming what to install, anyone else than the secretariat and
SAG members 403.
"""
from datetime import date

from flask import Blueprint, Response, abort, g, render_template, request, session
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from sip.core.i18n import LANG_SESSION_KEY, current_language
from sip.exports import availability, services
from sip.exports.forms import ExportForm
from sip.exports.permissions import can_export
from sip.exports.services import FORMATS, LANGUAGE_NAMES, ExportError
from sip.plan.queries import current_strategy

bp = Blueprint("exports", __name__, url_prefix="/exports")

_UNSET = object()


def _allowed() -> None:
    """403 unless the signed-in user may export."""
    if not can_export(current_user):
        abort(403)


@bp.before_request
def _remember_page_language() -> None:
    """Downloads take `lang=` for the files' language; the app would also take it as the pages' language."""
    g.exports_page_language = session.get(LANG_SESSION_KEY, _UNSET)


@bp.after_request
def _keep_page_language(response: Response) -> Response:
    """Choosing French files must not switch the reader's pages to French: put the remembered language back."""
    if request.endpoint != "exports.index" and "exports_page_language" in g:
        before = g.exports_page_language
        if before is _UNSET and LANG_SESSION_KEY in session:
            session.pop(LANG_SESSION_KEY)
        elif before is not _UNSET and session.get(LANG_SESSION_KEY) != before:
            session[LANG_SESSION_KEY] = before
    return response


def _problem(error: ExportError):
    """The page that says why an export cannot be made (and what to install)."""
    return render_template("exports/problem.html", error=error), error.status


@bp.get("")
@login_required
def index():
    """Choose the quarter and the language, then download the PDF, the slides, the workbook or the CSV files."""
    _allowed()
    strategy = current_strategy()
    if strategy is None:
        return _problem(ExportError(404, _("No plan is loaded yet, so there is nothing to export.")))
    problem = None
    try:
        choice = services.choose(strategy, request.args.get("period"), None, current_language())
    except ExportError as error:
        if error.status != 400:
            return _problem(error)
        problem = error.message  # the page still offers the default quarter
        choice = services.choose(strategy, None, None, current_language())
    form = ExportForm()
    form.set_choices(choice.periods.choices(), choice.period.code, list(LANGUAGE_NAMES.items()), choice.lang)
    return render_template("exports/index.html", form=form, formats=FORMATS.values(), states=availability.check(),
                           choice=choice, problem=problem), 400 if problem else 200


def _download(name: str):
    """Build one file of the pack and send it as an attachment named after what it is and its quarter."""
    _allowed()
    with force_locale(_page_language()):  # messages in the reader's language, the file in the one asked for
        strategy = current_strategy()
        if strategy is None:
            return _problem(ExportError(404, _("No plan is loaded yet, so there is nothing to export.")))
        try:
            choice = services.choose(strategy, request.args.get("period"), request.args.get("lang"),
                                     _page_language())
            built = services.export(name, strategy, choice, today=date.today())
        except ExportError as error:
            return _problem(error)
    response = Response(built.content, mimetype=built.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{built.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _page_language() -> str:
    """The reader's page language without taking `lang=` for it (that one is the files' language)."""
    remembered = g.get("exports_page_language", _UNSET)
    if remembered in LANGUAGE_NAMES:
        return remembered
    preferred = getattr(current_user, "language", None)
    if preferred in LANGUAGE_NAMES:
        return preferred
    return request.accept_languages.best_match(list(LANGUAGE_NAMES)) or "en"


@bp.get("/glm.pdf")
@login_required
def glm_pdf():
    """The GLM report as PDF (A4), to circulate before the plenary."""
    return _download("pdf")


@bp.get("/glm.pptx")
@login_required
def glm_pptx():
    """The GLM deck as PowerPoint, to present in the room."""
    return _download("pptx")


@bp.get("/sip.xlsx")
@login_required
def sip_xlsx():
    """The plan, the updates, compliance and risks as an Excel workbook, for analysis."""
    return _download("xlsx")


@bp.get("/activities.csv")
@login_required
def activities_csv():
    """The plan's activities with their status as CSV with an HXL hashtag row."""
    return _download("activities_csv")


@bp.get("/updates.csv")
@login_required
def updates_csv():
    """The accepted updates, one row per activity, quarter and reporting body, as CSV with an HXL hashtag row."""
    return _download("updates_csv")
