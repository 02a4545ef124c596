"""Logging: secrets in account links never reach a log line; JSON lines in production."""
import json
import logging
import re
from datetime import datetime, timezone

# Invitation and reset links carry a secret token in their path; access logs would otherwise record it.
TOKEN_PATH = re.compile(r"(/(?:invitations|password-reset)/)[^\s?\"']+")
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


class RedactTokens(logging.Filter):
    """Replace the token of account links in a log record by [redacted]."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = TOKEN_PATH.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install_redaction(app) -> None:
    """Attach the redaction filter to the app's logger and to the access loggers."""
    redactor = RedactTokens()
    for logger in (app.logger, *(logging.getLogger(name) for name in ACCESS_LOGGERS)):
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(redactor)


class JsonLines(logging.Formatter):
    """One JSON object per log record: time (UTC, ISO 8601), level, logger, message, and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


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
