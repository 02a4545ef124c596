"""Administration by the secretariat: people, organisations and memberships."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from sip.accounts import mfa, queries, services
from sip.accounts.forms import (
    ActiveForm,
    BodyMemberForm,
    ButtonForm,
    InviteForm,
    MembershipForm,
    OrganisationForm,
    PeopleFilterForm,
    ResetMfaForm,
)
from sip.accounts.permissions import can_administer, can_manage_members, can_reset_mfa
from sip.bodies import queries as body_queries
from sip.core.forms import choices
from sip.core.i18n import current_language, pick
from sip.core.pagination import requested_page
from sip.extensions import login_manager

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _secretariat_only():
    """Every page here: anonymous readers are sent to sign in; anyone but the secretariat gets 403.

    Each view checks its own named permission as well; this guard also covers routes added later.
    """
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not can_administer(current_user):
        abort(403)
    return None


def _actor():
    """The signed-in user doing the administration."""
    return current_user._get_current_object()


def _body_name(body) -> str:
    """A body's name in the reader's language, for messages."""
    return pick(body.name, current_language())


# --- people -------------------------------------------------------------------------------------


@bp.get("/people")
def people():
    """Everyone who may sign in, 25 a page; search by name or e-mail, filter by body and by state."""
    if not can_administer(_actor()):
        abort(403)
    form = PeopleFilterForm(request.args)
    form.set_choices(body_queries.body_choices(current_language()))
    valid = form.validate()
    filters = queries.PeopleFilters(
        q=None if form.q.errors else (form.q.data or "").strip() or None,
        body=None if form.body.errors else form.body.data or None,
        state=None if form.state.errors else form.state.data or None,
    )
    page = queries.people_page(filters, requested_page())
    return render_template("admin/people.html", form=form, filters=filters, page=page), (200 if valid else 400)


def _invite_form() -> InviteForm:
    """The invitation form with organisations and bodies from the database (role "member" unless chosen)."""
    form = InviteForm(role="member")
    form.organisation.choices = choices([("", _("No organisation"))] + queries.organisation_choices())
    form.body.choices = choices([("", _("No body"))] + body_queries.body_choices(current_language()))
    return form


@bp.route("/people/invite", methods=["GET", "POST"])
def invite():
    """Create a person and e-mail them a link to choose their password."""
    actor = _actor()
    if not can_administer(actor):
        abort(403)
    form = _invite_form()
    if form.validate_on_submit():
        person = services.NewPerson(
            email=form.email.data,
            name=form.name.data,
            language=form.language.data or None,
            organisation_id=int(form.organisation.data) if form.organisation.data else None,
            is_admin=form.is_admin.data,
            body_slug=form.body.data or None,
            role=form.role.data if form.body.data else None,
        )
        try:
            user = services.invite_user(person, actor)
        except services.AccountError as error:
            form.form_errors.append(str(error))
        else:  # the e-mail waits in the outbox: a mail server that is down delays it, nothing more
            flash(_("%(email)s is registered. The invitation e-mail is on its way (it waits in the outbox until "
                    "the mail server takes it).", email=user.email), "success")
            return redirect(url_for("admin.person", user_id=user.id))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/invite.html", form=form), status


def _membership_form(**kwargs) -> MembershipForm:
    """The form to add a membership, with the bodies to choose from."""
    form = MembershipForm(**kwargs)
    form.set_choices(body_queries.body_choices(current_language()))
    return form


def _person_page(person, status: int = 200, *, form: MembershipForm | None = None, error: str | None = None,
                 error_at: str | None = None):
    """A person's page; `error` is shown next to the form named by `error_at`."""
    current, past = queries.split_memberships(person)
    form = form or _membership_form(formdata=None)
    return render_template("admin/person.html", person=person, current=current, past=past, form=form,
                           error=error, error_at=error_at), status


@bp.get("/people/<int:user_id>")
def person(user_id: int):
    """A person: details, memberships and what the secretariat may do about them."""
    found = queries.find_person(user_id) or abort(404)
    if not can_administer(_actor()):
        abort(403)
    return _person_page(found)


@bp.post("/people/<int:user_id>/memberships")
def add_membership(user_id: int):
    """Make the person a lead, co-lead or member of a body."""
    found = queries.find_person(user_id) or abort(404)
    actor = _actor()
    if not can_administer(actor):
        abort(403)
    form = _membership_form()
    if form.validate_on_submit():
        try:
            membership = services.add_membership(found, form.body.data, form.role.data, actor=actor,
                                                 since=form.since.data)
        except services.AccountError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("%(name)s now belongs to %(body)s.", name=found.name, body=_body_name(membership.body)), "success")
            return redirect(url_for("admin.person", user_id=found.id))
    return _person_page(found, 400, form=form)


@bp.post("/people/<int:user_id>/active")
def set_active(user_id: int):
    """Deactivate a person (ending their sessions) or let them sign in again."""
    found = queries.find_person(user_id) or abort(404)
    actor = _actor()
    if not can_administer(actor):
        abort(403)
    form = ActiveForm()
    if not form.validate_on_submit():
        return _person_page(found, 400, error=_("Choose whether to deactivate or reactivate."), error_at="active")
    active = form.active.data == "1"
    try:
        services.set_active(found, active, actor)
    except services.AccountError as error:
        return _person_page(found, 400, error=str(error), error_at="active")
    if active:
        flash(_("%(name)s can sign in again.", name=found.name), "success")
    else:
        flash(_("%(name)s is deactivated and signed out everywhere.", name=found.name), "success")
    return redirect(url_for("admin.person", user_id=found.id))


@bp.post("/people/<int:user_id>/invitation")
def resend_invitation(user_id: int):
    """E-mail the invitation again to someone who has not chosen a password yet."""
    found = queries.find_person(user_id) or abort(404)
    actor = _actor()
    if not can_administer(actor):
        abort(403)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        services.resend_invitation(found, actor)
    except services.Throttled as error:
        return _person_page(found, 429, error=str(error), error_at="invitation")
    except services.AccountError as error:
        return _person_page(found, 400, error=str(error), error_at="invitation")
    flash(_("A new invitation e-mail to %(email)s is on its way (it waits in the outbox until the mail server "
            "takes it).", email=found.email), "success")
    return redirect(url_for("admin.person", user_id=found.id))


@bp.post("/people/<int:user_id>/two-step/reset")
def reset_mfa(user_id: int):
    """A person lost their authenticator app: forget it, so that they sign in (and enrol again) without it."""
    found = queries.find_person(user_id) or abort(404)
    actor = _actor()
    if not can_reset_mfa(actor, found):
        abort(403)
    form = ResetMfaForm()
    if not form.validate_on_submit():
        return _person_page(found, 400, error=_("Tick the box to confirm the reset."), error_at="mfa")
    try:
        mfa.reset_by_secretariat(found, actor)
    except mfa.MfaError as error:
        return _person_page(found, 400, error=str(error), error_at="mfa")
    flash(_("The two-step sign-in of %(name)s is reset and they are signed out everywhere.", name=found.name),
          "success")
    return redirect(url_for("admin.person", user_id=found.id))


@bp.post("/memberships/<int:membership_id>/end")
def end_membership(membership_id: int):
    """End a membership as of yesterday; back to the person's page or the body's members page."""
    membership = queries.find_membership(membership_id) or abort(404)
    actor = _actor()
    if not can_manage_members(actor, membership.body):
        abort(403)
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    to_body = form.back.data == "body"
    try:
        services.end_membership(membership, actor)
    except services.AccountError as error:
        if to_body:
            return _body_members_page(membership.body, 400, error=str(error))
        return _person_page(queries.find_person(membership.user_id), 400, error=str(error), error_at="memberships")
    flash(_("%(name)s no longer belongs to %(body)s.", name=membership.user.name,
            body=_body_name(membership.body)), "success")
    if to_body:
        return redirect(url_for("admin.body_members", slug=membership.body.slug))
    return redirect(url_for("admin.person", user_id=membership.user_id))


# --- members of a body --------------------------------------------------------------------------


def _body_member_form(body, **kwargs) -> BodyMemberForm:
    """The form to add someone to a body: active people who do not belong to it yet."""
    form = BodyMemberForm(**kwargs)
    form.set_choices([(str(p.id), f"{p.name} ({p.email})") for p in queries.candidates_for(body)])
    return form


def _body_members_page(body, status: int = 200, *, form: BodyMemberForm | None = None, error: str | None = None):
    """The members of a body, for the secretariat to manage."""
    form = form or _body_member_form(body, formdata=None)
    members = body_queries.current_members(body, active_only=False)
    return render_template("admin/body_members.html", body=body, members=members, form=form, error=error), status


@bp.get("/bodies/<slug>")
def body_members(slug: str):
    """Who belongs to a body today, with a button to end each membership and a form to add someone."""
    body = body_queries.find_body(slug) or abort(404)
    if not can_manage_members(_actor(), body):
        abort(403)
    return _body_members_page(body)


@bp.post("/bodies/<slug>/members")
def add_body_member(slug: str):
    """Add a person to a body with a role, from today."""
    body = body_queries.find_body(slug) or abort(404)
    actor = _actor()
    if not can_manage_members(actor, body):
        abort(403)
    form = _body_member_form(body)
    if form.validate_on_submit():
        person = queries.find_person(int(form.person.data)) or abort(404)
        try:
            services.add_membership(person, body.slug, form.role.data, actor=actor)
        except services.AccountError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("%(name)s now belongs to %(body)s.", name=person.name, body=_body_name(body)), "success")
            return redirect(url_for("admin.body_members", slug=body.slug))
    return _body_members_page(body, 400, form=form)


# --- organisations ------------------------------------------------------------------------------


@bp.route("/organisations", methods=["GET", "POST"])
def organisations():
    """The partner and stakeholder organisations, 50 a page, and a form to register one."""
    actor = _actor()
    if not can_administer(actor):
        abort(403)
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(form.name.data, form.acronym.data, form.kind.data,
                                                        form.type.data or None, form.country.data, actor)
        except services.AccountError as error:
            form.form_errors.append(str(error))
        else:
            flash(_("%(name)s is registered.", name=organisation.name), "success")
            return redirect(url_for("admin.organisations"))
    page = queries.organisations_page(requested_page())
    status = 400 if request.method == "POST" else 200
    return render_template("admin/organisations.html", form=form, page=page), status
