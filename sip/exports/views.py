"""The GLM report pack: PDF, PowerPoint, Excel and HXL-tagged CSV, for the secretariat and SAG members.

Each download takes `period=` (a quarter such as 2026-Q2; the latest GLM quarter with an accepted report when
left out) and `lang=` (fr or en; the page's language when left out). An unknown quarter or language answers 400,
a format whose part is missing on this server 503 naming what to install, anyone else than the secretariat and
SAG members 403.
"""
from datetime import date

from flask import Blueprint, Response, abort, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from sip.core.i18n import LANG_SESSION_KEY, current_language
from sip.exports import availability, services, store
from sip.exports.forms import ExportForm, HighlightsForm
from sip.exports.highlights import HighlightsError, drafts, save_highlights
from sip.exports.permissions import can_edit_highlights, can_export
from sip.exports.sections import period_by_code, quarter_label, saved_highlights
from sip.exports.services import FORMATS, LANGUAGE_NAMES, ExportError
from sip.plan.queries import shown_strategy

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
    strategy = shown_strategy()
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
    form.set_choices(glm_first(choice.periods), choice.code, list(LANGUAGE_NAMES.items()), choice.lang)
    return render_template("exports/index.html", form=form, formats=FORMATS.values(), states=availability.check(),
                           choice=choice, problem=problem, files=store.states(strategy, choice),
                           quarter=quarter_label(choice.period.code, current_language())), 400 if problem else 200


def glm_first(periods) -> list[tuple[str, str]]:
    """The quarter select: the GLMs first (the upcoming one on top, as proposed), then every quarter, newest first."""
    options = periods.choices()
    glms = [(code, label) for code, label in options if periods.find(code).glm]
    return glms + [option for option in options if option not in glms]


def _file_response(built) -> Response:
    response = Response(built.content, mimetype=built.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{built.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _preparing(what: str):
    """The page shown while the worker builds a file: it asks again every few seconds, and the download starts by
    itself once the file is ready."""
    response = Response(render_template("exports/preparing.html", what=what), status=202)
    response.headers["Refresh"] = "3"  # browsers ask again by themselves; the file then downloads
    response.headers["Cache-Control"] = "no-store"
    return response


def _download(name: str):
    """Build one file of the pack and send it as an attachment named after what it is and its quarter."""
    _allowed()
    with force_locale(_page_language()):  # messages in the reader's language, the file in the one asked for
        strategy = shown_strategy()
        if strategy is None:
            return _problem(ExportError(404, _("No plan is loaded yet, so there is nothing to export.")))
        try:
            choice = services.choose(strategy, request.args.get("period"), request.args.get("lang"),
                                     _page_language())
            built = services.export(name, strategy, choice, today=date.today())
        except ExportError as error:
            return _problem(error)
        if built is None:
            return _preparing(str(FORMATS[name].title))
    return _file_response(built)


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


@bp.get("/activities-semicolon.csv")
@login_required
def activities_semicolon():
    """The activities as semicolon-separated CSV, as French-locale Excel opens it."""
    return _download("activities_semicolon")


@bp.get("/updates-semicolon.csv")
@login_required
def updates_semicolon():
    """The accepted updates as semicolon-separated CSV, as French-locale Excel opens it."""
    return _download("updates_semicolon")


@bp.get("/glm-<code>.zip")
@login_required
def pack_zip(code: str):
    """Every file of a GLM's pack in both languages, with a README.txt naming them, as one zip."""
    _allowed()
    with force_locale(_page_language()):
        strategy = shown_strategy()
        if strategy is None:
            return _problem(ExportError(404, _("No plan is loaded yet, so there is nothing to export.")))
        try:
            services.choose(strategy, code, None, _page_language())  # 400 for a quarter the plan does not have
            built = store.pack_zip(strategy, services.period_code(code), _page_language(), today=date.today())
        except ExportError as error:
            return _problem(error)
        if built is None:
            return _preparing(_("The whole pack"))
    return _file_response(built)


@bp.get("/status")
@login_required
def status():
    """Which files of the chosen pack are ready, being built or not built yet (the export page asks while it
    waits)."""
    _allowed()
    strategy = shown_strategy()
    if strategy is None:
        abort(404)
    try:
        choice = services.choose(strategy, request.args.get("period"), request.args.get("lang"), _page_language())
    except ExportError as error:
        return jsonify({"error": error.message}), error.status
    return jsonify({"period": choice.code, "lang": choice.lang,
                    "files": {name: state.state for name, state in store.states(strategy, choice).items()}})


@bp.route("/highlights/<code>", methods=["GET", "POST"])
@login_required
def highlights(code: str):
    """A GLM's executive summary in both languages: a draft drawn from the data, which the secretariat edits."""
    if not can_edit_highlights(current_user):
        abort(403)
    strategy = shown_strategy()
    period = period_by_code(strategy, services.period_code(code)) if strategy else None
    if period is None or not period.glm:
        abort(404)
    form = HighlightsForm()
    if request.method == "GET":
        saved = saved_highlights(period)
        summary = (saved.summary if saved else None) or _drafts(strategy, period)
        names = period.glm_names or {}
        form.summary_fr.data, form.summary_en.data = summary.get("fr", ""), summary.get("en", "")
        form.glm_name_fr.data, form.glm_name_en.data = names.get("fr", ""), names.get("en", "")
    elif form.validate_on_submit():
        try:
            save_highlights(period, {"fr": form.summary_fr.data, "en": form.summary_en.data},
                            {"fr": form.glm_name_fr.data, "en": form.glm_name_en.data}, current_user)
        except HighlightsError as error:
            form.summary_fr.errors = [*form.summary_fr.errors, str(error)]
        else:
            flash(_("Highlights saved: the pack for %(period)s now shows them.",
                    period=quarter_label(period.code, _page_language())), "success")
            return redirect(url_for("exports.highlights", code=period.code))
    status_code = 400 if request.method == "POST" else 200
    return render_template("exports/highlights.html", form=form, period=period,
                           quarter=quarter_label(period.code, _page_language()),
                           saved=saved_highlights(period)), status_code


def _drafts(strategy, period) -> dict[str, str]:
    """The highlights' draft in both languages, drawn from the data of the quarter that feeds the GLM."""
    from sip.exports.content import build_pack

    def pack_in(lang: str):
        choice = services.choose(strategy, period.code, lang, lang)
        return build_pack(strategy, choice.period, lang, today=date.today(), periods=choice.periods, glm=choice.glm)

    return drafts(pack_in)
