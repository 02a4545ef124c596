"""The reports overview (my reports, the secretariat's matrix) and the periods page."""
from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("reports_overview", __name__, url_prefix="/reports")


@bp.get("")
@login_required
def index():
    """The reports a signed-in person deals with."""
    return render_template("reporting/index.html")
