"""Same-origin check of form posts that works behind a proxy, and a log line for every CSRF refusal.

Flask-WTF's own check (WTF_CSRF_SSL_STRICT) compares the Referer with the Host header. nginx passes its upstream's
name as Host unless told otherwise, so behind it every form post (sign-in included) was refused with a bare 400 and
nothing logged. This check accepts the origin of the request's own host *and* of SIP_BASE_URL, the public address
the operator configured: a post from the public site passes whatever Host the proxy sends, and one from elsewhere
is refused as before. It reads the Origin header (sent by browsers on every post) or else the Referer; on HTTPS a
post with neither is refused, as Flask-WTF did. Views exempt from CSRF (they check their token themselves, or take
API tokens) are left to themselves. Each refusal is logged (warning) with its reason, never with the token.
"""
from urllib.parse import urlsplit

from flask import current_app, request
from flask_wtf.csrf import CSRFError

from sip.extensions import csrf

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")


def origin_of(url: str | None) -> str | None:
    """scheme://host[:port] of a URL (default ports left out), lower case; None for anything else."""
    try:
        parts = urlsplit(url or "")
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port and port != default else "")


def trusted_origins() -> set[str]:
    """The origins a form may be posted from: this request's host and the configured public address."""
    origins = {origin_of(request.host_url), origin_of(current_app.config.get("SIP_BASE_URL"))}
    return {origin for origin in origins if origin}


def check_same_origin() -> None:
    """Refuse (CSRFError, 400) a form post that comes from another site."""
    app = current_app
    if not app.config.get("WTF_CSRF_ENABLED", True) or request.method not in STATE_CHANGING:
        return
    if not request.endpoint or csrf._is_exempt():
        return
    offered = request.headers.get("Origin")
    source = offered if offered and offered != "null" else request.referrer
    if not source:
        if request.is_secure:
            raise CSRFError("The referrer header is missing.")
        return
    if origin_of(source) not in trusted_origins():
        raise CSRFError("The form was posted from another site than this one.")


def install(app) -> None:
    """Check the origin of form posts, and log every CSRF refusal with its reason."""
    app.before_request(check_same_origin)

    @app.errorhandler(CSRFError)
    def _csrf_refused(error: CSRFError):
        app.logger.warning("form refused (CSRF) on %s %s: %s (host %s, origin %s, SIP_BASE_URL %s)", request.method,
                           request.path, error.description, request.host,
                           origin_of(request.headers.get("Origin") or request.referrer) or "none",
                           app.config.get("SIP_BASE_URL"))
        from werkzeug.exceptions import BadRequest

        plain = BadRequest(error.description)  # the error page as for any other 400
        handler = app._find_error_handler(plain, request.blueprints)
        return handler(plain) if handler else plain
