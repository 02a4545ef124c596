"""Logging: secrets in account links never reach a log line."""
import logging
import re

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
