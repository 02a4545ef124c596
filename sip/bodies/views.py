"""Body pages: the list of bodies and one body with its activities."""
from flask import Blueprint, abort, render_template

from sip.bodies import queries
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
    """One body: what it is and the activities it is responsible for, with its role."""
    body = queries.find_body(slug) or abort(404)
    return render_template("bodies/show.html", body=body, responsibilities=queries.responsibilities_of(body))
