"""Amendments: propose, endorse, verify at a GLM; plan versions and their differences; importing a revision."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from sip.accounts.permissions import is_sag_member, is_secretariat
from sip.bodies.queries import all_bodies, body_choices, find_body, open_responsibilities
from sip.core.i18n import current_language, pick
from sip.core.pagination import requested_page
from sip.extensions import csrf, db, login_manager
from sip.governance import diff, importer, permissions, queries, services
from sip.governance.forms import (
    DOCUMENT_MAX,
    EXPIRED,
    PROPOSAL_FORMS,
    AmendmentFilterForm,
    HandOverForm,
    ImportForm,
    SagDecisionForm,
)
from sip.governance.history import AsOfError, latest_version, resolve_as_of, versions
from sip.governance.models import AMENDMENT_KINDS, AMENDMENT_STATES, ORIGINS, PLAN_STATES, RETIRE_AS
from sip.governance.services import Change, GovernanceError
from sip.plan.models import Activity, Output, Strategy
from sip.plan.queries import find_activity, shown_strategy, strategy_address

bp = Blueprint("governance", __name__)

AMENDMENTS_PAGE_SIZE = 25
CHANGE_KINDS = ("edit_text", "retire", "move", "responsibilities")
LABELS = {"kinds": AMENDMENT_KINDS, "states": AMENDMENT_STATES, "retire_as": RETIRE_AS, "origins": ORIGINS,
          "plan_states": PLAN_STATES}


@bp.app_template_filter("amendment_kind")
def amendment_kind(kind: str) -> str:
    """The name of a kind of amendment in the reader's language."""
    return str(AMENDMENT_KINDS.get(kind, kind))


@bp.app_template_filter("amendment_state")
def amendment_state(state: str) -> str:
    """The name of an amendment's state in the reader's language."""
    return str(AMENDMENT_STATES.get(state, state))


@bp.app_template_filter("plan_state")
def plan_state_label(state: str) -> str:
    """active, completed or discontinued, in the reader's language."""
    return str(PLAN_STATES.get(state, state))


@bp.app_template_global()
def can_review_accountability(user) -> bool:
    """For the navigation: may this user open the page of activities without an accountable body?"""
    return permissions.can_review_accountability(user)


def _actor():
    """The signed-in user (anonymous user object when nobody is)."""
    return current_user._get_current_object()


def _strategy_or_404():
    """The plan being governed, or 404 when none is loaded."""
    return shown_strategy() or abort(404)


def _name(body) -> str:
    """A body's name in the reader's language."""
    return pick(body.short_name or body.name, current_language()) if body else ""


def _active_body_choices() -> list[tuple[str, str]]:
    """(slug, name) of the bodies that may be made responsible: the active ones."""
    active = {body.slug for body in all_bodies() if body.is_active}
    return [(slug, name) for slug, name in body_choices(current_language()) if slug in active]


def _output_choices(strategy) -> list[tuple[str, str]]:
    """(id, "1.1.1 — text") of every output of the plan."""
    lang = current_language()
    return [(str(o.id), f"{o.code} — {pick(o.text, lang)[:90]}") for o in queries.output_choices(strategy)]


# --- the amendments list and one amendment ------------------------------------------------------


@bp.get("/amendments")
@login_required
def amendments():
    """Every amendment, newest first, 25 a page, filtered by state, kind, proposing body and activity code."""
    actor = _actor()
    if not permissions.can_view_amendments(actor):
        abort(403)
    strategy = shown_strategy()
    form = AmendmentFilterForm(request.args)
    form.set_choices(body_choices(current_language()))
    valid = form.validate()
    filters = queries.AmendmentFilters(**{name: None if form[name].errors else (form[name].data or None)
                                          for name in ("state", "kind", "body", "q")})
    page, counts = (queries.amendments_page(strategy, filters, requested_page(), AMENDMENTS_PAGE_SIZE)
                    if strategy else (None, {}))
    return render_template(
        "governance/amendments.html", strategy=strategy, form=form, filters=filters, page=page, counts=counts,
        labels=LABELS, sag=is_sag_member(actor), secretariat=is_secretariat(actor),
        can_propose=permissions.can_propose_activity(actor), can_import=permissions.can_import_revision(actor),
    ), (200 if valid else 400)


def _amendment_or_404(amendment_id: int):
    """The amendment with this number, or 404."""
    return queries.find_amendment(amendment_id) or abort(404)


def _address_in_its_strategy(amendment) -> str | None:
    """The amendment's address in the strategy it belongs to, when the address asked for shows another one (an
    amendment of the closed 2022–2026 plan is read under /s/2022-2026/, with that plan's bar and links)."""
    shown = shown_strategy()
    if shown is None or shown.id == amendment.strategy_id:
        return None
    return strategy_address(db.session.get(Strategy, amendment.strategy_id))


def _amendment_page(amendment, *, status: int = 200, sag_form=None, problems=()):
    """An amendment: what it changes, why, who proposed, endorsed and verified it; the decisions allowed (the GLM's
    verdict is a decision of a GLM meeting, recorded on the meeting's page)."""
    actor = _actor()
    outputs = queries.outputs_by_id([amendment.proposed_output_id, (amendment.before or {}).get("output_id")])
    slugs = [r["body"] for r in (amendment.proposed_responsibilities or [])]
    slugs += [r["body"] for r in ((amendment.before or {}).get("responsibilities") or [])]
    slugs.append((amendment.before or {}).get("accountable"))
    return render_template(
        "governance/amendment.html", amendment=amendment, labels=LABELS, outputs=outputs,
        bodies=queries.bodies_by_slug(slugs), text_diffs=_text_diffs(amendment),
        conflicts=services.conflicts(amendment) if amendment.is_open else [],
        may_endorse=permissions.can_endorse(actor, amendment), may_record=permissions.can_record_glm(actor, amendment),
        sag_form=sag_form or SagDecisionForm(formdata=None),
        problems=problems,
    ), status


def _text_diffs(amendment) -> dict:
    """Per language, the word diff from the activity's text when proposed to the proposed text."""
    if amendment.kind != "edit_text":
        return {}
    before = (amendment.before or {}).get("text") or {}
    after = amendment.proposed_text or {}
    return {lang: diff.word_diff(before.get(lang) or "", after.get(lang) or "") for lang in ("fr", "en")}


@bp.get("/amendments/<int:amendment_id>")
@login_required
def amendment(amendment_id: int):
    """One amendment."""
    if not permissions.can_view_amendments(_actor()):
        abort(403)
    found = _amendment_or_404(amendment_id)
    elsewhere = _address_in_its_strategy(found)
    return redirect(elsewhere) if elsewhere else _amendment_page(found)


@bp.post("/amendments/<int:amendment_id>/sag")
@csrf.exempt  # the form checks its token itself, so that an expired page keeps the note typed
@login_required
def sag_decision(amendment_id: int):
    """A SAG member endorses the proposed amendment or rejects it with a note."""
    found = _amendment_or_404(amendment_id)
    actor = _actor()
    if not permissions.can_endorse(actor, found):
        abort(403)
    form = SagDecisionForm()
    if not form.validate_on_submit():
        problems = [str(EXPIRED)] if "csrf_token" in form.errors else [_("Choose to endorse or to reject.")]
        return _amendment_page(found, status=400, sag_form=form, problems=problems)
    endorse = form.decision.data == "endorse"
    try:
        services.decide_sag(found, actor, endorse, form.note.data)
    except GovernanceError as refusal:
        db.session.rollback()
        return _amendment_page(_amendment_or_404(amendment_id), status=400, sag_form=form,
                               problems=[str(refusal), *refusal.problems])
    if endorse:
        flash(_("Amendment %(number)d endorsed: the secretariat can now record the GLM's verification.",
                number=found.id), "success")
    else:
        flash(_("Amendment %(number)d rejected, with your note.", number=found.id), "success")
    return redirect(url_for("governance.amendment", amendment_id=found.id))


# --- accountability -----------------------------------------------------------------------------


@bp.get("/plan/accountability")
@login_required
def accountability():
    """The secretariat's list of open activities with no accountable body, each with a way to propose one."""
    if not permissions.can_review_accountability(_actor()):
        abort(403)
    strategy = _strategy_or_404()
    return render_template("governance/accountability.html", strategy=strategy,
                           rows=queries.unaccountable_activities(strategy))


# --- proposing ----------------------------------------------------------------------------------


def _activity_or_404(code: str):
    """The strategy and the activity with this code, or 404."""
    strategy = _strategy_or_404()
    return strategy, find_activity(strategy, code) or abort(404)


@bp.get("/plan/activities/<code>/propose")
@login_required
def propose_change(code: str):
    """What kind of change to propose for an activity, and the amendments already open for it."""
    strategy, activity = _activity_or_404(code)
    if not permissions.can_propose_change(_actor(), activity):
        abort(403)
    return render_template("governance/propose_choose.html", activity=activity, labels=LABELS, kinds=CHANGE_KINDS,
                           open_amendments=[a for a in queries.activity_amendments(activity) if a.is_open],
                           retired=services.snapshot(activity)["state"] != "active")


def _prepare(form, strategy, change: Change, actor) -> None:
    """Fill a proposal form's choice lists (bodies, outputs, proposing body)."""
    if hasattr(form, "rows"):
        form.set_body_choices(_active_body_choices())
    if hasattr(form, "output"):
        form.set_outputs(_output_choices(strategy))
    bodies = services.proposing_body_choices(actor, change)
    if bodies:
        form.set_bodies([(body.slug, _name(body)) for body in bodies])
    else:
        del form.proposing_body


def _prefill(form, activity: Activity | None, output_id: str | None) -> None:
    """Start a proposal from the activity as it is (its text, its output, its bodies)."""
    if activity is not None and hasattr(form, "text_fr"):
        form.text_fr.data, form.text_en.data = (activity.text or {}).get("fr", ""), (activity.text or {}).get("en", "")
    if hasattr(form, "output"):
        form.output.data = str(activity.output_id) if activity is not None else (output_id or "")
    if activity is not None and hasattr(form, "rows"):
        form.fill_rows(activity.responsibilities, activity.accountable_body_id)
    elif hasattr(form, "rows"):
        form.accountable.data = "0"  # a new activity: the first body listed, unless another is chosen


def _change_from(form, kind: str, activity: Activity | None) -> Change:
    """The change a posted proposal form describes."""
    output = db.session.get(Output, form.output_id()) if hasattr(form, "output") and form.output_id() else None
    return Change(
        kind, activity=activity,
        text=form.text() if hasattr(form, "text_fr") else None,
        code=form.code.data if hasattr(form, "code") else None,
        output=output,
        retire_as=form.retire_as.data if hasattr(form, "retire_as") else None,
        responsibilities=form.responsibilities() if hasattr(form, "rows") else None,
    )


def _proposal(strategy, kind: str, activity: Activity | None):
    """Show or handle a proposal form of one kind (for an activity, or a new activity when `activity` is None)."""
    actor = _actor()
    form = PROPOSAL_FORMS[kind](formdata=None if request.method == "GET" else request.form)
    if request.method == "GET":
        _prefill(form, activity, request.args.get("output"))
    _prepare(form, strategy, Change(kind, activity=activity), actor)  # after the prefill, which may add rows
    if request.method == "GET":
        return _proposal_page(form, kind, activity)
    if not form.validate_on_submit():
        return _proposal_page(form, kind, activity, status=400, problems=form.problems())
    chosen = form.proposing_body.data if "proposing_body" in form else None
    body = find_body(chosen) if chosen else None
    if chosen and body is None:
        return _proposal_page(form, kind, activity, status=400,
                              problems=[_("You may not propose changes on behalf of this body.")])
    try:
        created = services.propose(strategy, _change_from(form, kind, activity), form.rationale.data, actor,
                                   proposing_body=body)
    except GovernanceError as refusal:
        db.session.rollback()
        return _proposal_page(form, kind, activity, status=400, problems=[str(refusal), *refusal.problems])
    flash(_("Amendment %(number)d proposed: it now waits for the SAG's endorsement.", number=created.id), "success")
    return redirect(url_for("governance.amendment", amendment_id=created.id))


def _proposal_page(form, kind: str, activity: Activity | None, *, status: int = 200, problems=()):
    """The proposal form of one kind."""
    return render_template("governance/propose.html", form=form, kind=kind, activity=activity, labels=LABELS,
                           problems=problems), status


@bp.route("/plan/activities/<code>/propose/<kind>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its token itself, so that an expired page keeps what was typed
@login_required
def propose_form(code: str, kind: str):
    """Propose to reword, retire, move an activity or change its responsible bodies, with a rationale."""
    if kind not in CHANGE_KINDS:
        abort(404)
    strategy, activity = _activity_or_404(code)
    if not permissions.can_propose_change(_actor(), activity):
        abort(403)
    return _proposal(strategy, kind, activity)


@bp.route("/amendments/new", methods=["GET", "POST"])
@csrf.exempt  # the form checks its token itself, so that an expired page keeps what was typed
@login_required
def propose_activity():
    """Propose a new activity under an output (working-group leads and the secretariat)."""
    strategy = _strategy_or_404()
    if not permissions.can_propose_activity(_actor()):
        abort(403)
    return _proposal(strategy, "add", None)


# --- versions and differences -------------------------------------------------------------------


@bp.get("/plan/versions")
def plan_versions():
    """Every version of the plan: its name, when it came into force, the GLM and how many amendments it applied."""
    if not permissions.can_view_versions(_actor()):
        return login_manager.unauthorized()
    strategy = _strategy_or_404()
    return render_template("governance/versions.html", strategy=strategy, rows=queries.version_rows(strategy))


@bp.get("/plan/versions/diff")
def version_diff():
    """What changed between two versions (?from=&to=, tags or dates; by default the latest change)."""
    if not permissions.can_view_versions(_actor()):
        return login_manager.unauthorized()
    strategy = _strategy_or_404()
    all_versions = versions(strategy)
    if len(all_versions) < 2 and not (request.args.get("from") or request.args.get("to")):
        return render_template("governance/diff.html", strategy=strategy, result=None, versions=all_versions,
                               error=None, labels=LABELS)
    try:
        chosen = _chosen_versions(strategy, all_versions)
    except AsOfError as error:
        return render_template("governance/diff.html", strategy=strategy, result=None, versions=all_versions,
                               error=str(error), labels=LABELS), 400
    result = diff.compare(strategy, *chosen)
    return render_template("governance/diff.html", strategy=strategy, result=result, versions=all_versions,
                           error=None, labels=LABELS, change_labels=diff.change_labels(),
                           show_amendments=permissions.can_view_amendments(_actor()))


def _chosen_versions(strategy, all_versions):
    """The two versions asked for; by default the one before the latest, and the latest."""
    latest = all_versions[-1] if all_versions else latest_version(strategy)
    if latest is None:
        raise AsOfError(_("No version of the plan is recorded yet."))
    default_from = all_versions[-2] if len(all_versions) > 1 else latest
    start = resolve_as_of(strategy, request.args["from"]) if request.args.get("from") else default_from
    end = resolve_as_of(strategy, request.args["to"]) if request.args.get("to") else latest
    return start, end


# --- importing the next revision ----------------------------------------------------------------


def _import_page(form, found=None, *, status: int = 200, problems=(), text: str = ""):
    """The import page: the upload, and the differences found."""
    rows = [(change, importer.describe(change)) for change in found.changes] if found else []
    return render_template("governance/import.html", form=form, found=found, rows=rows, problems=problems,
                           labels=LABELS, text=text), status


def _uploaded_text(form) -> tuple[str | None, str | None]:
    """The document's text, from the upload or from the preview's hidden field; or an error message."""
    upload = form.document.data
    if upload is not None and getattr(upload, "filename", ""):
        raw = upload.read(DOCUMENT_MAX + 1)
        source = upload.filename
    elif form.text.data:
        raw, source = form.text.data.encode("utf-8"), request.form.get("source") or "document"
    else:
        return None, _("Choose a plan document to upload.")
    if len(raw) > DOCUMENT_MAX:
        return None, _("The document is larger than %(size)d kB; a plan document is about 60 kB.",
                       size=DOCUMENT_MAX // 1024)
    try:
        return raw.decode("utf-8-sig"), source
    except UnicodeDecodeError:
        return None, _("The document is not UTF-8 text; save it as plain text (UTF-8) and upload it again.")


@bp.route("/amendments/import", methods=["GET", "POST"])
@csrf.exempt  # the form checks its token itself
@login_required
def import_revision():
    """The secretariat compares a new revision of the plan document with the plan, then proposes the amendments."""
    actor = _actor()
    if not permissions.can_import_revision(actor):
        abort(403)
    if request.method == "GET":
        return _import_page(ImportForm(formdata=None))
    form = ImportForm()
    if not form.validate_on_submit():
        return _import_page(form, status=400, problems=[str(EXPIRED)] if "csrf_token" in form.errors
                            else [f"{form[n].label.text}: {e}" for n, es in form.errors.items() for e in es])
    text, source = _uploaded_text(form)
    if text is None:
        return _import_page(form, status=400, problems=[source])
    strategy = _strategy_or_404()
    found = importer.compare_document(strategy, importer.read_document(text))
    if found.errors:
        return _import_page(form, found, status=400, problems=[_("The document has errors; nothing was changed.")])
    if form.action.data != "create":
        return _import_page(form, found, text=text)
    if not form.rationale.data:
        return _import_page(form, found, status=400, text=text, problems=[_("Say why: a rationale is required.")])
    try:
        created = importer.propose_revision(strategy, found, actor, form.rationale.data, source)
    except GovernanceError as refusal:
        db.session.rollback()
        return _import_page(form, found, status=400, text=text, problems=[str(refusal), *refusal.problems])
    flash(_("%(count)d amendments proposed from the document; they now wait for the SAG's endorsement.",
            count=len(created)), "success")
    return redirect(url_for("governance.amendments", state="proposed"))


# --- hand-over before dissolving a body ---------------------------------------------------------


def _chosen_hand_overs(body) -> tuple[list, list[str]]:
    """The hand-overs chosen on the dissolve page (``to-<code>``: a body's slug, or "-" for nobody), and problems."""
    activities = {r.activity.id: r.activity for r in open_responsibilities(body)}.values()
    receivers = {b.slug: b for b in all_bodies() if b.is_active and b.id != body.id}
    hand_overs, problems = [], []
    for activity in activities:
        choice = request.form.get(f"to-{activity.code}", "")
        if choice == "":
            continue  # not handed over in this round
        if choice != "-" and choice not in receivers:
            problems.append(_("%(code)s: choose a body from the list.", code=activity.code))
            continue
        hand_overs.append(services.HandOver(activity, receivers.get(choice)))
    return hand_overs, problems


@bp.post("/bodies/<slug>/hand-over")
@csrf.exempt  # the form checks its token itself, so that an expired page keeps the choices made
@login_required
def hand_over(slug: str):
    """Propose handing a body's open activities to the bodies chosen (responsibility changes, for the SAG and GLM)."""
    body = find_body(slug) or abort(404)
    actor = _actor()
    if not permissions.can_hand_over(actor, body):
        abort(403)
    strategy = _strategy_or_404()
    form = HandOverForm()
    hand_overs, problems = _chosen_hand_overs(body)
    if not form.validate_on_submit():
        problems.insert(0, str(EXPIRED) if "csrf_token" in form.errors else _("Say why: a rationale is required."))
    elif not hand_overs and not problems:
        problems.append(_("Choose, for at least one activity, the body that takes it over."))
    if not problems:
        try:
            created = services.propose_hand_over(strategy, body, hand_overs, form.rationale.data, actor)
        except GovernanceError as refusal:
            db.session.rollback()
            problems = [str(refusal), *refusal.problems]
        else:
            flash(_("%(count)d hand-over amendments proposed; the group can be dissolved once the GLM has verified "
                    "them.", count=len(created)), "success")
            return redirect(url_for("bodies.dissolve", slug=body.slug))
    from sip.bodies.views import dissolve_page

    return dissolve_page(body, status=400, hand_over_form=form, problems=problems)
