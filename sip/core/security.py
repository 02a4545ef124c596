"""Security headers on every response and safe redirects."""
from urllib.parse import urlsplit

from flask import current_app
from flask_login import current_user

# Scripts only from this site: no inline script, no eval. Styles also allow inline because plotly.js
# inserts its own stylesheet at run time.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def add_security_headers(response):
    """Set the CSP and the other protective headers (HSTS in production); signed-in pages are never stored."""
    headers = response.headers
    _no_store_when_signed_in(response)
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SIP_ENV") == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _no_store_when_signed_in(response) -> None:
    """`Cache-Control: no-store` on every response to a signed-in reader: their pages carry contact details and
    reports that no browser or proxy cache should keep (a shared computer at a GLM, a hotel's proxy).

    Responses that say they are public (static files, plotly.js: the same bytes for everyone) keep their caching,
    and are checked first so that serving them never loads the user; those that say no-store already are left so.
    """
    if response.cache_control.public or response.cache_control.no_store:
        return
    try:
        signed_in = current_user.is_authenticated
    except Exception:  # noqa: BLE001  the user could not be loaded (the database failed): err on the safe side
        signed_in = True
    if signed_in:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"


def safe_next(target: str | None, default: str = "/") -> str:
    """`target` when it is a path on this site, else `default` (an open redirect is never followed)."""
    if not target or not isinstance(target, str) or len(target) > 2000:
        return default
    if any(ord(ch) < 32 or ch in "\\\x7f" for ch in target):
        return default
    if not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
