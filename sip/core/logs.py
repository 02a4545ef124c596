"""Logging: one JSON object per line in production (the app's, the worker's and gunicorn's own), request ids, and
no secret of an account link in any line.

- `JsonLines` formats every record: time in UTC (ISO 8601), level, logger, message, and, inside a request, its id
  and the client's address as the trusted proxy forwarded it. gunicorn's access records are built from its atoms
  (method, path, status, bytes, duration), not from a format string, so a path with `"` or `\\` stays valid JSON.
- `gunicorn_logconfig()` is gunicorn's `logconfig_dict` (sip/gunicorn_config.py): its error and access loggers,
  and the root logger, write JSON lines (access to standard output, the rest to standard error).
- Each request gets an id (`X-Request-Id`: taken from a trusted proxy, nginx's `$request_id`, else made here),
  returned in the response, put on the app's log lines and on gunicorn's access line.
"""
import json
import logging
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timezone

# Invitation, reset, unsubscribe and calendar links carry a secret token in their path; a log line must never keep
# one (anyone reading the logs could take the account over, or unsubscribe someone).
TOKEN_PATH = re.compile(r"(/(?:invitations|password-reset|unsubscribe|calendar)/)[^\s?\"'/\\]+")
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
ENVIRON_KEY = "sip.request_id"  # gunicorn's access atoms read it back as {sip.request_id}e


def redact(text: str) -> str:
    """The text with the token of every account link replaced by [redacted]."""
    return TOKEN_PATH.sub(r"\1[redacted]", text)


class RedactTokens(logging.Filter):
    """Replace the token of account links in a log record by [redacted]."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):  # gunicorn's access record: JsonLines redacts its path itself
            return True
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install_redaction(app) -> None:
    """Attach the redaction filter to the app's logger and to the access loggers."""
    redactor = RedactTokens()
    for logger in (app.logger, *(logging.getLogger(name) for name in ACCESS_LOGGERS)):
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(redactor)


def _iso(timestamp: float) -> str:
    """A POSIX time as ISO 8601 in UTC, to the millisecond."""
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="milliseconds")


def _wsgi_text(value) -> str:
    """A WSGI string (bytes read as Latin-1) as the UTF-8 text the client sent."""
    value = str(value)
    try:
        return value.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return value


def _number(value):
    """An int from a gunicorn atom, or None for '-'."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def access_entry(atoms: Mapping) -> dict:
    """gunicorn's atoms of one request as the fields of its access line (no query string, tokens redacted)."""
    request_id = atoms.get("{sip.request_id}e")
    return {
        "kind": "access",
        "method": atoms.get("m"),
        "path": redact(_wsgi_text(atoms.get("U") or "")),
        "status": _number(atoms.get("s")),
        "bytes": _number(atoms.get("B")),
        "duration_ms": _number(atoms.get("M")),
        # REMOTE_ADDR after the app's ProxyFix: the client as the trusted proxy forwarded it (SIP_TRUSTED_PROXIES)
        "remote": atoms.get("h"),
        "request_id": request_id if request_id not in (None, "-") else None,
        "user_agent": _wsgi_text(atoms.get("a") or "-"),
    }


def _request_fields() -> dict:
    """The current request's id and client address, when a line is logged inside a request."""
    from flask import has_request_context, request

    if not has_request_context():
        return {}
    return {"request_id": request.environ.get(ENVIRON_KEY), "remote": request.remote_addr}


class JsonLines(logging.Formatter):
    """One JSON object per log record: time (UTC, ISO 8601), level, logger, message, the request's id and client,
    and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": _iso(record.created), "level": record.levelname, "logger": record.name}
        if isinstance(record.args, Mapping) and "U" in record.args:
            entry.update(access_entry(record.args))
        else:
            entry["message"] = redact(record.getMessage())
            entry.update({key: value for key, value in _request_fields().items() if value})
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def install_json_logs(app) -> None:
    """In production (or with SIP_LOG_FORMAT=json) the app logs JSON lines to standard error, for a log shipper."""
    if app.config.get("SIP_LOG_FORMAT") != "json":
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines())
    handler.addFilter(RedactTokens())
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(logging.INFO)
    app.logger.propagate = False


class RequestIds:
    """WSGI middleware: every request gets an id before anything else runs (so even an error in an early hook is
    logged with it): the trusted proxy's X-Request-Id, or a new one; sent back in the response's X-Request-Id."""

    def __init__(self, wsgi_app, trusted: bool):
        self.wsgi_app, self.trusted = wsgi_app, trusted

    def __call__(self, environ, start_response):
        offered = environ.get("HTTP_X_REQUEST_ID", "") if self.trusted else ""
        request_id = offered if REQUEST_ID.fullmatch(offered) else secrets.token_hex(16)
        environ[ENVIRON_KEY] = request_id

        def start(status, headers, exc_info=None):
            headers = [(name, value) for name, value in headers if name.lower() != "x-request-id"]
            return start_response(status, [*headers, ("X-Request-Id", request_id)], exc_info)
        return self.wsgi_app(environ, start)


def install_request_ids(app) -> None:
    """Give every request an id (see RequestIds); the proxy's is believed only behind SIP_TRUSTED_PROXIES."""
    app.wsgi_app = RequestIds(app.wsgi_app, int(app.config.get("SIP_TRUSTED_PROXIES") or 0) > 0)


def gunicorn_logconfig() -> dict:
    """gunicorn's logging as JSON lines: access lines to standard output, its own and everything else to standard
    error (used as `logconfig_dict` in sip/gunicorn_config.py)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "sip.core.logs.JsonLines"}},
        "filters": {"redact": {"()": "sip.core.logs.RedactTokens"}},
        "handlers": {
            "access": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
            "errors": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact"],
                       "stream": "ext://sys.stderr"},
        },
        "root": {"level": "INFO", "handlers": ["errors"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["errors"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["access"], "propagate": False},
        },
    }
