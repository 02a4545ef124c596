"""Home page, health check and the service worker."""
import hashlib
import json
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, url_for
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
    """JSON health check: the database, its migrations and the worker's last heartbeat. 503 when the database does
    not answer or is at another migration than the code; 200 otherwise ("degraded" when no worker beats: pages
    work, mail waits)."""
    from sip.core import doctor, heartbeat

    try:
        state, current, head = doctor.migrations_state(current_app, db.session.connection())
        beat = heartbeat.last_beat()
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    db.session.rollback()
    alive = heartbeat.is_alive(beat, current_app.config.get("SIP_WORKER_STALE_SECONDS", 180))
    worker = {"alive": alive, "last_heartbeat": beat.isoformat() if beat else None,
              "age_seconds": round(heartbeat.age_seconds(beat)) if beat else None}
    migrations = {"state": state, "database": current, "code": head}
    if state == "mismatch":
        return jsonify(status="unavailable", database="ok", migrations=migrations, worker=worker), 503
    return jsonify(status="ok" if alive else "degraded", database="ok", migrations=migrations, worker=worker)


# What the service worker keeps for reading offline, besides the pages (static/js/sw.js says which).
SHELL = ("css/sip.css", "css/dashboards.css", "js/field.js", "js/drafts.js", "js/charts.js", "js/carried.js",
         "images/favicon.svg")


@bp.get("/sw.js")
def service_worker():
    """The service worker that lets field readers open their last reports offline (at the root, for its scope)."""
    shell = [url_for("static", filename=name) for name in SHELL]
    source = (Path(current_app.static_folder) / "js" / "sw.js").read_text(encoding="utf-8")
    # The worker's bytes change with every static file's version, so a deployment installs a new worker.
    version = hashlib.sha256(" ".join(shell).encode()).hexdigest()[:16]
    head = f"var SHELL = {json.dumps(shell)};\nvar VERSION = {json.dumps(version)};\n"
    response = Response(head + source, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"  # browsers check for a new worker at every visit
    return response
