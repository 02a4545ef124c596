"""Opening the next plan: the three ways (the template, a plan document, a copy of the current plan), the preview
of an upload with its errors by row, the confirmation, and editing the draft's activities. Secretariat only.

An upload is kept on the server under a random token between its preview and its confirmation
(sip.cycles.importing.keep_upload): the confirmation reads the same file again and creates the draft from it.
"""
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from sip.bodies.queries import all_bodies, body_choices
from sip.core.i18n import current_language, pick
from sip.cycles import importing, queries
from sip.cycles.import_forms import (ButtonForm, ConfirmForm, CopyForm, DraftActivityForm, NewDraftActivityForm,
                                     UploadForm)
from sip.cycles.permissions import can_manage_cycles
from sip.cycles.services import CycleError
from sip.cycles.template import MIME, next_period, template_workbook
from sip.cycles.views import bp
from sip.extensions import db
from sip.governance.queries import output_choices
from sip.plan.models import Output, Strategy
from sip.plan.queries import current_strategy, find_activity, load_tree


def _actor():
    """The signed-in secretariat member; 403 for anyone else."""
    if not can_manage_cycles(current_user):
        abort(403)
    return current_user._get_current_object()


def _body_choices() -> list[tuple[str, str]]:
    """(slug, name) of the bodies that may be made responsible: the active ones."""
    active = {body.slug for body in all_bodies() if body.is_active}
    return [(slug, name) for slug, name in body_choices(current_language()) if slug in active]


def _output_choices(strategy: Strategy) -> list[tuple[str, str]]:
    """(id, "1.1.1 — text") of every output of the draft."""
    lang = current_language()
    return [(str(o.id), f"{o.code} — {pick(o.text, lang)[:90]}") for o in output_choices(strategy)]


def _new_page(upload=None, copy=None, status: int = 200):
    """The page of the three ways, with the forms as posted (or fresh)."""
    current = current_strategy()
    if copy is None:
        copy = CopyForm(formdata=None, prefix="copy")  # beside the upload form: its own ids and labels
        if current is not None:
            _code, _title, copy.starts_on.data, copy.ends_on.data = next_period(current)
    drafts = [s for s in queries.all_strategies() if s.state == "draft"]
    return render_template("cycles/new.html", upload=upload or UploadForm(formdata=None), copy=copy, current=current,
                           drafts=drafts), status


@bp.get("/new")
@login_required
def new():
    """The three ways to open the next plan, and the drafts being prepared."""
    _actor()
    return _new_page()


@bp.get("/template.xlsx")
@login_required
def template():
    """The empty template."""
    _actor()
    return _download(template_workbook(), "sip-plan-template.xlsx")


@bp.get("/<slug>/template.xlsx")
@login_required
def strategy_template(slug: str):
    """The template pre-filled with a strategy's plan, proposed for the period after it."""
    _actor()
    strategy = _strategy_or_404(slug)
    return _download(template_workbook(strategy), f"sip-plan-{strategy.slug}.xlsx")


def _download(content: bytes, filename: str) -> Response:
    """A workbook to save."""
    response = Response(content, mimetype=MIME)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.post("/new/upload")
@login_required
def upload():
    """Read an uploaded plan and show what it holds, with its errors by row; nothing is written."""
    actor = _actor()
    form = UploadForm()
    data = form.plan_file.data.read() if form.validate_on_submit() and form.plan_file.data else b""
    if not data:
        form.form_errors.append(_("Choose the filled template (.xlsx) or a plan document (.txt).")
                                if "csrf_token" not in form.errors else _("The form has expired; try again."))
        return _new_page(upload=form, status=400)
    fields = {"code": form.code.data or None, "title": form.title(), "starts_on": form.starts_on.data,
              "ends_on": form.ends_on.data}
    filename = form.plan_file.data.filename or ""
    result = importing.read_upload(data, filename, fields)
    confirm = ConfirmForm(formdata=None, token=importing.keep_upload(data, filename, actor, fields)) \
        if result.ok else None
    return render_template("cycles/preview.html", result=result, filename=filename, confirm=confirm,
                           upload=form), 200 if result.ok else 400


@bp.post("/new/confirm")
@login_required
def confirm():
    """Create the previewed plan as a draft."""
    actor = _actor()
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        strategy = importing.create_from_upload(form.token.data, actor)
    except CycleError as error:
        flash(str(error), "error")
        return redirect(url_for("cycles.new"))
    flash(_("The %(years)s plan is created as a draft: check it, complete it, then open it.", years=strategy.years),
          "success")
    return redirect(url_for("cycles.draft", slug=strategy.slug))


@bp.post("/new/copy")
@login_required
def copy():
    """Copy the current plan, without its finished activities, as a draft for new dates."""
    actor = _actor()
    form = CopyForm(prefix="copy")
    current = current_strategy() or abort(404)
    if not form.validate_on_submit():
        return _new_page(copy=form, status=400)
    try:
        strategy = importing.copy_strategy(current, actor, form.starts_on.data, form.ends_on.data,
                                           code=form.code.data or None, title=form.title())
    except CycleError as error:
        form.form_errors.append(str(error))
        return _new_page(copy=form, status=400)
    flash(_("The current plan is copied as the %(years)s draft.", years=strategy.years), "success")
    return redirect(url_for("cycles.draft", slug=strategy.slug))


# --- the draft ----------------------------------------------------------------------------------


def _strategy_or_404(slug: str) -> Strategy:
    """The strategy with this address name."""
    return db.session.scalar(select(Strategy).where(Strategy.slug == slug)) or abort(404)


def _draft_or_404(slug: str) -> Strategy:
    """The draft with this address name (404 for a strategy that is no longer a draft)."""
    strategy = _strategy_or_404(slug)
    return strategy if strategy.state == "draft" else abort(404)


@bp.get("/<slug>/draft")
@login_required
def draft(slug: str):
    """The draft's plan, activity by activity, each with its edit link."""
    _actor()
    strategy = _draft_or_404(slug)
    bodies = {body.id: body for body in all_bodies()}
    return render_template("cycles/draft.html", strategy=strategy, pillars=load_tree(strategy), bodies=bodies,
                           remove=ButtonForm(formdata=None))


@bp.route("/<slug>/draft/activities/<code>", methods=["GET", "POST"])
@login_required
def draft_activity(slug: str, code: str):
    """Edit a draft's activity: its texts and responsible bodies."""
    actor = _actor()
    strategy = _draft_or_404(slug)
    activity = find_activity(strategy, code) or abort(404)
    form = DraftActivityForm(formdata=None if request.method == "GET" else request.form)
    if request.method == "GET":
        form.text_fr.data, form.text_en.data = (activity.text or {}).get("fr", ""), (activity.text or {}).get("en", "")
        form.fill_rows(activity.responsibilities, activity.accountable_body_id)
    form.set_body_choices(_body_choices())
    if request.method == "POST" and form.validate_on_submit():
        try:
            importing.update_draft_activity(activity, form.text_fr.data, form.text_en.data, *form.body_roles(), actor)
        except CycleError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("Activity %(code)s is saved in the draft.", code=code), "success")
            return redirect(url_for("cycles.draft", slug=slug, _anchor=f"activity-{code}"))
    status = 400 if request.method == "POST" else 200
    return render_template("cycles/draft_activity.html", strategy=strategy, activity=activity, form=form), status


@bp.route("/<slug>/draft/add", methods=["GET", "POST"])
@login_required
def draft_add(slug: str):
    """Add an activity to the draft, under one of its outputs."""
    actor = _actor()
    strategy = _draft_or_404(slug)
    form = NewDraftActivityForm(formdata=None if request.method == "GET" else request.form)
    if request.method == "GET":
        form.accountable.data, form.output.data = "0", request.args.get("output", "")
    form.set_body_choices(_body_choices())
    form.set_outputs(_output_choices(strategy))
    if request.method == "POST" and form.validate_on_submit():
        output = db.session.get(Output, form.output_id())
        try:
            if output is None or output.outcome.pillar.strategy_id != strategy.id:
                raise CycleError(_("Choose an output."))
            activity = importing.add_draft_activity(output, form.code.data, form.text_fr.data, form.text_en.data,
                                                    *form.body_roles(), actor)
        except CycleError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("Activity %(code)s is added to the draft.", code=activity.code), "success")
            return redirect(url_for("cycles.draft", slug=slug, _anchor=f"activity-{activity.code}"))
    status = 400 if request.method == "POST" else 200
    return render_template("cycles/draft_add.html", strategy=strategy, form=form), status


@bp.post("/<slug>/draft/activities/<code>/remove")
@login_required
def draft_remove(slug: str, code: str):
    """Take an activity out of the draft."""
    actor = _actor()
    strategy = _draft_or_404(slug)
    activity = find_activity(strategy, code) or abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        importing.remove_draft_activity(activity, actor)
    except CycleError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(_("Activity %(code)s is removed from the draft.", code=code), "success")
    return redirect(url_for("cycles.draft", slug=slug))
