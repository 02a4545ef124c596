"""Strategy cycles pages: the strategies, and (in their own modules) importing the next plan, carry-over, closing
and the end-of-strategy report."""
from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from sip.cycles import queries
from sip.cycles.permissions import can_manage_cycles

bp = Blueprint("cycles", __name__, url_prefix="/strategies")


@bp.get("")
@login_required
def index():
    """Every strategy, its state and dates, and what the secretariat can do next."""
    if not can_manage_cycles(current_user):
        abort(403)
    return render_template("cycles/index.html", strategies=queries.all_strategies())


from sip.cycles import report_views  # noqa: E402,F401
from sip.cycles import import_views  # noqa: E402,F401
from sip.cycles import carry_views  # noqa: E402,F401
