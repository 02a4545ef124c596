"""Home page and health check."""
from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from sip.extensions import db

bp = Blueprint("core", __name__)


def add_to_home(app, provide) -> None:
    """Let a domain put something on the home page: `provide()` returns template variables (the plan: its strategy)."""
    app.extensions.setdefault("sip_home", []).append(provide)


@bp.get("/")
def home():
    """What SIP Tracker is, with links into the plan."""
    context = {"strategy": None}
    for provide in current_app.extensions.get("sip_home", []):
        context.update(provide())
    return render_template("core/home.html", **context)


@bp.get("/healthz")
def healthz():
    """JSON health check: 200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
