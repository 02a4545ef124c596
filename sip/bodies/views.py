"""Body pages: the list of bodies and one body with its activities and (for signed-in readers) its members."""
from flask import Blueprint, abort, render_template
from flask_login import current_user

from sip.bodies import queries
from sip.bodies.permissions import can_manage_members, can_view_members
from sip.core.i18n import current_language, pick
from sip.plan.queries import fold

bp = Blueprint("bodies", __name__, url_prefix="/bodies")


@bp.get("")
def index():
    """Every body with its kind and how many activities it is responsible for."""
    lang = current_language()
    bodies = sorted(queries.all_bodies(), key=lambda body: fold(pick(body.name, lang)))
    return render_template("bodies/index.html", bodies=bodies, counts=queries.activity_counts())


@bp.get("/<slug>")
def show(slug: str):
    """One body: what it is, the activities it is responsible for, and who belongs to it (signed-in readers)."""
    body = queries.find_body(slug) or abort(404)
    viewer = current_user._get_current_object()
    # Anonymous readers get no member at all (None), not an empty list: the template then shows no section.
    members = queries.members_seen_by(viewer, body) if can_view_members(viewer, body) else None
    return render_template("bodies/show.html", body=body, responsibilities=queries.responsibilities_of(body),
                           members=members, can_manage=can_manage_members(viewer, body))
