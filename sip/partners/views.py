"""The register's pages: the list and each organisation, joining, focal points, departures, the commitments, the
import and the exports."""
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from sip.bodies import queries as body_queries
from sip.core.i18n import current_language
from sip.core.pagination import page_of_rows, requested_page
from sip.dashboards.downloads import csv_response
from sip.extensions import login_manager
from sip.partners import exporter, figures, importer, queries, services
from sip.partners.forms import (AcknowledgeForm, ButtonForm, ConfirmImportForm, DecisionForm, DepartureForm,
                                FocalPointForm, ImportForm, JoinForm, OrganisationForm, RegisterFilterForm)
from sip.partners.permissions import (can_acknowledge_commitments, can_decide_join_requests, can_export_register,
                                      can_follow_commitments, can_manage_register, can_request_to_join,
                                      can_view_participation_figures, can_view_register)
from sip.plan.queries import shown_strategy

bp = Blueprint("partners", __name__, url_prefix="/partners")
COMMITMENT_ROWS = 100  # partners a page on the commitments page, those that have not acknowledged first


def _user():
    """The reader (anonymous or signed in)."""
    return current_user._get_current_object()


def _allow(allowed: bool):
    """Refuse a page: anonymous readers are sent to sign in, others get 403."""
    if allowed:
        return
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    abort(403)


# --- the register -------------------------------------------------------------------------------


def _filters(form: RegisterFilterForm) -> queries.RegisterFilters:
    """The filters the reader chose, leaving out any the form refused."""
    def valid(field):
        return None if field.errors else (field.data or None)
    return queries.RegisterFilters(kind=valid(form.kind), type=valid(form.type), country=valid(form.country),
                                   standing=valid(form.standing) or "current", q=valid(form.q))


@bp.get("")
def index():
    """The register: partners and stakeholders, filtered by kind, type and country, 50 a page."""
    _allow(can_view_register(_user()))
    form = RegisterFilterForm(request.args)
    form.set_choices(current_language())
    valid = form.validate()
    filters = _filters(form)
    page = queries.register_page(filters, requested_page())
    return render_template("partners/index.html", form=form, filters=filters, page=page,
                           lang=current_language()), (200 if valid else 400)


def _organisation_page(organisation, status: int = 200, **forms):
    """An organisation's page, with the forms the reader may use."""
    user = _user()
    strategy = shown_strategy()
    points = queries.focal_points_of(organisation)
    current, former = queries.focal_points_seen_by(user, organisation, points)
    context = {
        "organisation": organisation, "current_points": current, "former_points": former,
        "bodies": queries.bodies_of_organisation(organisation, points=points), "strategy": strategy,
        "acknowledgement": queries.acknowledgement_of(organisation, strategy),
        # a closed strategy's acknowledgements are its record: no more of them
        "can_acknowledge": can_acknowledge_commitments(user, organisation) and not (strategy and strategy.closed),
        "can_manage": can_manage_register(user), "lang": current_language(),
        "acknowledge_form": forms.get("acknowledge_form") or AcknowledgeForm(formdata=None),
    }
    if context["can_manage"]:
        point_form = forms.get("point_form") or FocalPointForm(formdata=None)
        point_form.set_choices([(str(p.id), p.name) for p in queries.people_of(organisation)],
                               body_queries.body_choices(current_language()))
        context.update(point_form=point_form, button_form=ButtonForm(formdata=None),
                       departure_form=forms.get("departure_form") or DepartureForm(formdata=None))
    return render_template("partners/show.html", **context), status


@bp.get("/<int:organisation_id>")
def show(organisation_id: int):
    """An organisation: its entry, focal points, the bodies it takes part in and the commitments."""
    organisation = queries.find_organisation(organisation_id) or abort(404)
    _allow(can_view_register(_user()))
    return _organisation_page(organisation)


# --- the secretariat's changes ------------------------------------------------------------------


def _organisation_form(organisation=None) -> OrganisationForm:
    form = OrganisationForm(obj=organisation) if organisation is not None and request.method == "GET" \
        else OrganisationForm()
    form.set_choices(current_language())
    return form


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Register an organisation."""
    actor = _user()
    _allow(can_manage_register(actor))
    form = _organisation_form()
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(services.data_from_form(form), actor)
        except services.PartnerError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("%(name)s is registered.", name=organisation.name), "success")
            return redirect(url_for("partners.show", organisation_id=organisation.id))
    return render_template("partners/edit.html", form=form, organisation=None), (400 if request.method == "POST" else 200)


@bp.route("/<int:organisation_id>/edit", methods=["GET", "POST"])
def edit(organisation_id: int):
    """Change an organisation's entry."""
    organisation = queries.find_organisation(organisation_id) or abort(404)
    actor = _user()
    _allow(can_manage_register(actor))
    form = _organisation_form(organisation)
    if form.validate_on_submit():
        try:
            changed = services.update_organisation(organisation, services.data_from_form(form), actor)
        except services.PartnerError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("The entry of %(name)s is saved.", name=organisation.name) if changed else _("Nothing changed."),
                  "success")
            return redirect(url_for("partners.show", organisation_id=organisation.id))
    return render_template("partners/edit.html", form=form, organisation=organisation), \
        (400 if request.method == "POST" else 200)


@bp.post("/<int:organisation_id>/leave")
def leave(organisation_id: int):
    """Record that the organisation leaves the cluster; it keeps its history."""
    organisation = queries.find_organisation(organisation_id) or abort(404)
    actor = _user()
    _allow(can_manage_register(actor))
    form = DepartureForm()
    if not form.validate_on_submit():
        return _organisation_page(organisation, 400, departure_form=form)
    try:
        services.record_departure(organisation, form.left_on.data or date.today(), form.note.data, actor)
    except services.PartnerError as error:
        form.form_errors.append(str(error))
        return _organisation_page(organisation, 400, departure_form=form)
    flash(_("%(name)s leaves the cluster on %(date)s; its history is kept.", name=organisation.name,
            date=organisation.left_on.isoformat()), "success")
    return redirect(url_for("partners.show", organisation_id=organisation.id))


@bp.post("/<int:organisation_id>/focal-points")
def add_focal_point(organisation_id: int):
    """Name a person of the organisation its focal point, for the cluster or in a body."""
    organisation = queries.find_organisation(organisation_id) or abort(404)
    actor = _user()
    _allow(can_manage_register(actor))
    form = FocalPointForm()
    form.set_choices([(str(p.id), p.name) for p in queries.people_of(organisation)],
                     body_queries.body_choices(current_language()))
    if form.validate_on_submit():
        person = next(p for p in queries.people_of(organisation) if str(p.id) == form.person.data)
        body = body_queries.find_body(form.body.data) if form.body.data else None
        try:
            services.add_focal_point(organisation, person, body, actor)
        except services.PartnerError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("%(person)s is now a focal point of %(name)s.", person=person.name, name=organisation.name),
                  "success")
            return redirect(url_for("partners.show", organisation_id=organisation.id))
    return _organisation_page(organisation, 400, point_form=form)


@bp.post("/focal-points/<int:focal_point_id>/end")
def end_focal_point(focal_point_id: int):
    """End a focal point as of today; it stays in the organisation's history."""
    point = queries.find_focal_point(focal_point_id) or abort(404)
    actor = _user()
    _allow(can_manage_register(actor))
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        services.end_focal_point(point, actor)
    except services.PartnerError as error:
        flash(str(error), "error")
    else:
        flash(_("%(person)s is no longer a focal point of %(name)s.", person=point.user.name,
                name=point.organisation.name), "success")
    return redirect(url_for("partners.show", organisation_id=point.organisation_id))


# --- joining ------------------------------------------------------------------------------------


@bp.route("/join", methods=["GET", "POST"])
def join():
    """Ask for one's organisation to join as a partner or a stakeholder; see one's earlier requests."""
    user = _user()
    _allow(can_request_to_join(user))
    organisation = user.organisation
    form = JoinForm(name=organisation.name, acronym=organisation.acronym, type=organisation.type,
                    country=organisation.country, website=organisation.website) \
        if organisation is not None and request.method == "GET" else JoinForm()
    form.set_choices(current_language())
    if form.validate_on_submit():
        data = services.OrganisationData(name=form.name.data, acronym=form.acronym.data, kind=form.kind.data,
                                         type=form.type.data or None, country=form.country.data or None,
                                         website=form.website.data)
        try:
            services.request_to_join(user, data, form.justification.data)
        except services.PartnerError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("Your request is sent; the secretariat will decide and tell you by e-mail."), "success")
            return redirect(url_for("partners.join"))
    return render_template("partners/join.html", form=form, requests=queries.requests_of(user)), \
        (400 if request.method == "POST" else 200)


@bp.get("/requests")
def requests():
    """Requests to join waiting for the secretariat, and the latest decisions."""
    _allow(can_decide_join_requests(_user()))
    return render_template("partners/requests.html", pending=queries.pending_requests(),
                           decided=queries.decided_requests(), form=DecisionForm(formdata=None))


@bp.post("/requests/<int:request_id>/decide")
def decide(request_id: int):
    """Approve or decline a request to join, with a note."""
    join_request = queries.find_request(request_id) or abort(404)
    actor = _user()
    _allow(can_decide_join_requests(actor))
    form = DecisionForm()
    error = None
    if not form.validate_on_submit():
        error = _("Choose to approve or decline.")
    else:
        try:
            services.decide_join_request(join_request, form.decision.data == "approve", form.note.data, actor)
        except services.PartnerError as refused:
            error = str(refused)
    if error:
        return render_template("partners/requests.html", pending=queries.pending_requests(),
                               decided=queries.decided_requests(), form=form, error=error,
                               error_at=join_request.id), 400
    flash(_("%(name)s: request approved.", name=join_request.name) if join_request.state == "approved"
          else _("%(name)s: request declined.", name=join_request.name), "success")
    return redirect(url_for("partners.requests"))


# --- the minimum commitments --------------------------------------------------------------------


@bp.post("/<int:organisation_id>/commitments")
def acknowledge(organisation_id: int):
    """A partner's focal point acknowledges the strategy's minimum commitments for the organisation."""
    organisation = queries.find_organisation(organisation_id) or abort(404)
    user = _user()
    _allow(can_acknowledge_commitments(user, organisation))
    form = AcknowledgeForm()
    if not form.validate_on_submit():
        return _organisation_page(organisation, 400, acknowledge_form=form)
    try:
        services.acknowledge_commitments(organisation, user, shown_strategy())
    except services.PartnerError as error:
        form.form_errors.append(str(error))
        return _organisation_page(organisation, 400, acknowledge_form=form)
    flash(_("Thank you: %(name)s has acknowledged the minimum commitments.", name=organisation.name), "success")
    return redirect(url_for("partners.show", organisation_id=organisation.id))


@bp.get("/commitments")
def commitments():
    """Which partners have acknowledged the minimum commitments, and which have not."""
    _allow(can_follow_commitments(_user()))
    strategy = shown_strategy() or abort(404)
    page = page_of_rows(queries.commitment_rows(strategy), requested_page(), COMMITMENT_ROWS)
    return render_template("partners/commitments.html", strategy=strategy, page=page,
                           share=queries.acknowledgement_share(strategy), form=ButtonForm(formdata=None))


@bp.post("/commitments/remind")
def remind():
    """E-mail the focal points of the partners that have not acknowledged (through the outbox)."""
    actor = _user()
    _allow(can_follow_commitments(actor))
    strategy = shown_strategy() or abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    result = services.remind_partners(strategy, actor)
    if result.mails:
        flash(ngettext("A reminder is on its way to %(num)d focal point.",
                       "Reminders are on their way to %(num)d focal points.", result.mails), "success")
    else:
        flash(_("No reminder to send: every partner with a focal point has acknowledged."), "success")
    if result.unreachable:
        flash(_("No focal point to remind at: %(names)s.", names=", ".join(result.unreachable)), "error")
    return redirect(url_for("partners.commitments"))


# --- import and export --------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
def import_preview():
    """Upload a spreadsheet of the register and see what it would do, row by row; nothing is written yet."""
    _allow(can_manage_register(_user()))
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("partners/import.html", form=form), (400 if request.method == "POST" else 200)
    upload = form.spreadsheet.data
    if upload is None or not getattr(upload, "filename", ""):
        form.form_errors.append(_("Choose a file."))
        return render_template("partners/import.html", form=form), 400
    try:
        preview = importer.preview(upload.filename, upload.read())
    except importer.UnreadableFile as error:
        form.form_errors.append(str(error))
        return render_template("partners/import.html", form=form), 400
    confirm = ConfirmImportForm(formdata=None, payload=importer.token_for(preview)) if preview.ok else None
    return render_template("partners/import.html", form=form, preview=preview, confirm=confirm), \
        (200 if preview.ok else 400)


@bp.post("/import/confirm")
def import_confirm():
    """Write the previewed rows: new names are registered, known ones updated, all or nothing."""
    actor = _user()
    _allow(can_manage_register(actor))
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        created, updated = services.import_rows(importer.rows_from_token(form.payload.data), actor)
    except (importer.UnreadableFile, services.PartnerError) as error:
        refused = ImportForm(formdata=None)
        refused.form_errors.append(str(error))
        return render_template("partners/import.html", form=refused), 400
    flash(_("Import done: %(created)d organisations registered, %(updated)d updated.", created=created,
            updated=updated), "success")
    return redirect(url_for("partners.index", standing="all"))


def _download(content: bytes, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/register.xlsx")
def export_xlsx():
    """The register (with the list's filters) as an Excel workbook; organisations only, nothing personal."""
    _allow(can_export_register(_user()))
    form = RegisterFilterForm(request.args)
    form.set_choices(current_language())
    form.validate()
    return _download(exporter.register_xlsx(queries.register_rows(_filters(form))),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "sip-register.xlsx")


@bp.get("/register.csv")
def export_hxl():
    """The register (with the list's filters) as HXL-tagged CSV; organisations only, nothing personal."""
    _allow(can_export_register(_user()))
    form = RegisterFilterForm(request.args)
    form.set_choices(current_language())
    form.validate()
    return _download(exporter.register_csv(queries.register_rows(_filters(form))), "text/csv",
                     "sip-register-hxl.csv")


@bp.get("/figures/<name>.csv")
def figures_csv(name: str):
    """One localisation or participation figure of the SAG dashboard as CSV, in the reader's language."""
    _allow(can_view_participation_figures(_user()))
    if name not in figures.NAMES:
        abort(404)
    return csv_response(figures.figure_table(name, current_language()), f"sip-{name}.csv")
