"""Error pages and bad input at the edge: a clear page in the reader's language, never a traceback.

- Every HTTP error is rendered with the error template (JSON for /healthz and JSON clients); a request larger than
  MAX_CONTENT_LENGTH gets its own page saying the limit and that nothing was saved (413).
- The database being unreachable answers 503 (and the next request, once it is back, works: nothing to restart).
- A JSON body is refused (400): every change is made with a form.
- Text that reaches the application never holds control characters other than tab and line breaks: a NUL cannot be
  stored by PostgreSQL and no spreadsheet accepts the others, and a report pasted from another program must not be
  refused for an invisible character, so they are dropped from query strings and forms as they are read.
"""
from flask import Flask, Request, g, jsonify, render_template, request
from sqlalchemy.exc import DataError, InterfaceError, OperationalError, ProgrammingError
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError, NotFound, ServiceUnavailable

from sip.extensions import db, login_manager

# C0 control characters except tab, line feed and carriage return (the XML 1.0 / spreadsheet-illegal ones).
CONTROL_CHARACTERS = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")
BARE_PAGE = ("<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{code}</title><h1>{code} · {name}</h1>"
             "<p>The error has been logged. Please try again in a moment.</p></html>")


def without_controls(value):
    """A text without C0 control characters other than tab and line breaks (other values unchanged)."""
    return value.translate(CONTROL_CHARACTERS) if isinstance(value, str) else value


class CleanMultiDict(ImmutableMultiDict):
    """Query-string and form parameters with control characters dropped from names and values (files untouched)."""

    def __init__(self, mapping=None):
        if mapping is not None:
            mapping = [(without_controls(key), without_controls(value))
                       for key, value in MultiDict(mapping).items(multi=True)]
        super().__init__(mapping)


class CleanRequest(Request):
    """Flask's request, with cleaned parameters."""

    parameter_storage_class = CleanMultiDict


def _wants_json() -> bool:
    """True for API-style requests that should get a JSON error."""
    return request.path.startswith("/healthz") or request.accept_mimetypes.best == "application/json"


def _problem(error: HTTPException):
    """An error under /api as application/problem+json."""
    body = {"type": "about:blank", "title": error.name, "status": error.code, "instance": request.path}
    if error.code != 500 and error.description:
        body["detail"] = error.description
    response = jsonify(body)
    response.status_code = error.code
    response.mimetype = "application/problem+json"
    if getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def _max_megabytes(app: Flask) -> str:
    """MAX_CONTENT_LENGTH in MB, for the 413 page."""
    limit = app.config.get("MAX_CONTENT_LENGTH") or 0
    return f"{limit / (1024 * 1024):.0f}"


def register(app: Flask) -> None:
    """Refuse what no page sends, and render every error with the error template."""
    @app.before_request
    def _refuse_what_no_page_sends():
        # No address of the site holds a NUL (PostgreSQL could not even look it up), and every change is a form
        # post: the site has no JSON API, and Flask-WTF would read a JSON body as the form (a list is a crash).
        if "\x00" in request.path:
            raise NotFound()
        if request.method in STATE_CHANGING and (request.mimetype == "application/json"
                                                 or request.mimetype.endswith("+json")):
            raise BadRequest()

    def render(error: HTTPException):
        """The error page (or JSON); a bare page if even the template fails, so an error never becomes a traceback."""
        if request.path.startswith("/api/"):  # the read API answers in RFC 9457 problem details, even at no route
            return _problem(error)
        if _wants_json():
            return jsonify(error=error.name, status=error.code), error.code
        try:
            if error.code == 413:
                return render_template("errors/413.html", error=error, limit_mb=_max_megabytes(app)), 413
            return render_template("core/error.html", error=error), error.code
        except Exception:
            app.logger.exception("the error page for %s failed to render", error.code)
            return BARE_PAGE.format(code=error.code, name=error.name), error.code, {"Content-Type": "text/html; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render(error)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(ProgrammingError)
    def database_unavailable(error: Exception):
        _forget_the_session_user()
        app.logger.error("database unavailable on %s %s: %s", request.method, request.path,
                         type(getattr(error, "orig", error)).__name__)
        return render(ServiceUnavailable())

    @app.errorhandler(DataError)
    def data_refused(error: DataError):
        # A value the database cannot store or compare (beyond what the forms check): refused, nothing written.
        _forget_the_session_user()
        app.logger.warning("value refused by the database on %s %s: %s", request.method, request.path,
                           type(error.orig).__name__)
        return render(BadRequest())

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        _forget_the_session_user()
        return render(InternalServerError())


def _forget_the_session_user() -> None:
    """Roll back, and render the error page as for an anonymous reader: loading the signed-in user would need the
    database, which may be what just failed (the session cookie is kept: the next page shows them signed in)."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001
        db.session.close()
    g._login_user = login_manager.anonymous_user()
