"""Home page and health check."""
from flask import Blueprint, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from sip.extensions import db
from sip.plan.queries import current_strategy

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    """What SIP Tracker is, with links into the plan."""
    return render_template("core/home.html", strategy=current_strategy())


@bp.get("/healthz")
def healthz():
    """JSON health check: 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
