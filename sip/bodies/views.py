"""Body pages: the list of bodies, one body with its activities, reports and members; forming and dissolving groups;
naming the reporting focal point of a body that is not a group of people."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from sip.accounts.models import User
from sip.bodies import queries, services
from sip.bodies.forms import DissolveForm, FocalPointForm, NewGroupForm
from sip.bodies.permissions import (can_dissolve, can_form_groups, can_manage_members, can_name_focal_point,
                                    can_view_body, can_view_members)
from sip.core.i18n import current_language, pick
from sip.extensions import csrf, db, login_manager
from sip.plan.queries import fold, shown_strategy

bp = Blueprint("bodies", __name__, url_prefix="/bodies")


def _actor():
    """The signed-in user (anonymous user object when nobody is)."""
    return current_user._get_current_object()


@bp.before_request
def _follow_the_plans_visibility():
    """Body pages follow the plan's visibility: with SIP_PUBLIC_PLAN off, an anonymous reader signs in first."""
    if not can_view_body(_actor(), None):
        return login_manager.unauthorized()
    return None


def _shown_id() -> int | None:
    """The id of the strategy the page shows (/s/<slug>/…, else the current one): its activities and reports only
    (None before any plan is loaded)."""
    strategy = shown_strategy()
    return strategy.id if strategy is not None else None


@bp.get("")
def index():
    """Every body with its kind and how many activities it is responsible for."""
    lang = current_language()
    bodies = sorted(queries.all_bodies(), key=lambda body: fold(pick(body.name, lang)))
    return render_template("bodies/index.html", bodies=bodies, counts=queries.activity_counts(_shown_id()),
                           can_form=can_form_groups(_actor()))


@bp.get("/<slug>")
def show(slug: str):
    """One body: what it is, who files its report, the activities it is accountable for and those it contributes to,
    its reports and who belongs to it (signed in)."""
    from sip.reporting.permissions import can_view_report

    body = queries.find_body(slug) or abort(404)
    viewer = _actor()
    # Anonymous readers get no member at all (None), not an empty list: the template then shows no section.
    members = queries.members_seen_by(viewer, body) if can_view_members(viewer, body) else None
    strategy_id = _shown_id()
    reports = ([r for r in queries.reports_of(body, strategy_id) if can_view_report(viewer, body, r)]
               if current_user.is_authenticated else None)
    focal_point = None if body.is_group_of_people else queries.focal_point_seen_by(viewer, body)
    return render_template("bodies/show.html", body=body, activities=queries.activities_of(body, strategy_id),
                           focal_point=focal_point, can_name_focal_point=can_name_focal_point(viewer, body),
                           members=members, can_manage=can_manage_members(viewer, body), reports=reports,
                           can_dissolve=can_dissolve(viewer, body))


# --- forming a working group --------------------------------------------------------------------


def _people_choices() -> list[tuple[str, str]]:
    """(id, "Name <e-mail>") of every active person, by name."""
    people = db.session.scalars(select(User).where(User.active.is_(True)))
    return [(str(p.id), f"{p.name} <{p.email}>") for p in sorted(people, key=lambda p: fold(p.name))]


@bp.route("/new", methods=["GET", "POST"])
@csrf.exempt  # the form checks its token itself, so that an expired page keeps what was typed
@login_required
def new_group():
    """The secretariat forms a working group: names, terms of reference, mandate dates and leads."""
    actor = _actor()
    if not can_form_groups(actor):
        abort(403)
    form = NewGroupForm()
    form.set_people(_people_choices())
    if not form.is_submitted():
        return render_template("bodies/new.html", form=form, problems=[])
    if not form.validate_on_submit():
        problems = [_("The page had expired; nothing was saved. Send the form again.")] \
            if "csrf_token" in form.errors else form.problems()
        return render_template("bodies/new.html", form=form, problems=problems), 400
    try:
        body = services.form_working_group(form.to_group(), actor)
    except services.BodyError as refusal:
        db.session.rollback()
        return render_template("bodies/new.html", form=form, problems=[str(refusal), *refusal.problems]), 400
    flash(_("The working group “%(name)s” is formed.", name=pick(body.name, current_language())), "success")
    return redirect(url_for("bodies.show", slug=body.slug))


# --- dissolving a working group -----------------------------------------------------------------


def dissolve_page(body, *, status: int = 200, form=None, hand_over_form=None, problems=()):
    """What a group holds, the open hand-over amendments, the hand-over form and the dissolution form."""
    from sip.governance.forms import HandOverForm
    from sip.governance.queries import open_amendments_of

    held = queries.open_responsibilities(body)
    activities = list({r.activity.id: r.activity for r in held}.values())
    receivers = [b for b in queries.all_bodies() if b.is_active and b.id != body.id]
    lang = current_language()
    receivers.sort(key=lambda b: fold(pick(b.name, lang)))
    return render_template(
        "bodies/dissolve.html", body=body, held=held, activities=activities, receivers=receivers,
        pending=open_amendments_of([a.id for a in activities]), form=form or DissolveForm(formdata=None),
        hand_over_form=hand_over_form or HandOverForm(formdata=None), problems=problems,
        today=date.today(),
    ), status


@bp.route("/<slug>/dissolve", methods=["GET", "POST"])
@csrf.exempt  # the form checks its token itself
@login_required
def dissolve(slug: str):
    """Dissolve a working group: refused while it still holds activities; the page offers their hand-over."""
    body = queries.find_body(slug) or abort(404)
    actor = _actor()
    if not can_dissolve(actor, body):
        abort(403)
    form = DissolveForm()
    if not form.is_submitted():
        form.on.data = date.today()
        return dissolve_page(body, form=form)
    if not form.validate_on_submit():
        problems = [_("The page had expired; nothing was changed. Send the form again.")] \
            if "csrf_token" in form.errors else form.problems()
        return dissolve_page(body, status=400, form=form, problems=problems)
    try:
        services.dissolve_body(body, form.on.data, actor)
    except services.BodyError as refusal:
        db.session.rollback()
        return dissolve_page(body, status=400, form=form, problems=[str(refusal), *refusal.problems])
    flash(_("“%(name)s” is dissolved; its reports and history stay readable.",
            name=pick(body.name, current_language())), "success")
    return redirect(url_for("bodies.show", slug=body.slug))


# --- naming a reporting focal point -------------------------------------------------------------


@bp.route("/<slug>/focal-point", methods=["GET", "POST"])
@csrf.exempt  # the form checks its token itself, so that an expired page says so
@login_required
def focal_point(slug: str):
    """The secretariat names who files the report of a body that is not a group of people: a person, or itself."""
    body = queries.find_body(slug) or abort(404)
    if body.is_group_of_people:
        abort(404)  # its own members report: it has no focal point to name
    actor = _actor()
    if not can_name_focal_point(actor, body):
        abort(403)
    form = FocalPointForm()
    form.set_people(_people_choices())
    if not form.is_submitted():
        form.fill(body)
        return render_template("bodies/focal_point.html", body=body, form=form, problems=[])
    if not form.validate_on_submit():
        problems = [_("The page had expired; nothing was changed. Send the form again.")] \
            if "csrf_token" in form.errors else form.problems()
        return render_template("bodies/focal_point.html", body=body, form=form, problems=problems), 400
    person = db.session.get(User, form.person_id()) if form.person_id() else None
    try:
        services.set_reporting_focal_point(body, actor, person=person,
                                           secretariat=form.who.data == FocalPointForm.SECRETARIAT)
    except services.BodyError as refusal:
        db.session.rollback()
        return render_template("bodies/focal_point.html", body=body, form=form, problems=[str(refusal)]), 400
    flash(_focal_point_saved(body, person, form.who.data), "success")
    return redirect(url_for("bodies.show", slug=body.slug))


def _focal_point_saved(body, person, who: str) -> str:
    """The confirmation after naming who files a body's report."""
    name = pick(body.name, current_language())
    if person is not None:
        return _("%(person)s now files the report of %(body)s, as its focal point.", person=person.name, body=name)
    if who == FocalPointForm.SECRETARIAT:
        return _("The secretariat now files the report of %(body)s on its behalf.", body=name)
    return _("Nobody files the report of %(body)s for now.", body=name)
