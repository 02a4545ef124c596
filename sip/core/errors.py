"""Error pages: a clear page in the reader's language, never a traceback."""
from flask import jsonify, render_template, request
from sqlalchemy.exc import OperationalError, ProgrammingError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from sip.extensions import db


def _wants_json() -> bool:
    """True for API-style requests that should get a JSON error."""
    return request.path.startswith("/healthz") or request.accept_mimetypes.best == "application/json"


def register(app) -> None:
    """Render every HTTP error with the error template."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if _wants_json():
            return jsonify(error=error.name, status=error.code), error.code
        return render_template("core/error.html", error=error), error.code

    @app.errorhandler(OperationalError)
    @app.errorhandler(ProgrammingError)
    def database_unavailable(error: Exception):
        db.session.rollback()
        app.logger.error("database unavailable on %s %s: %s", request.method, request.path, type(error.orig).__name__)
        return http_error(ServiceUnavailable())

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return http_error(InternalServerError())
