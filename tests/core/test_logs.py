"""No secret of an account link reaches a log line."""
import logging

from sip.core.logs import RedactTokens


def record(message: str, *args) -> logging.LogRecord:
    """A log record as the access log writes it."""
    return logging.LogRecord("werkzeug", logging.INFO, __file__, 1, message, args, None)


def test_access_log_line_of_an_invitation_link_is_redacted():
    line = record('%s - - [%s] "%s" %s', "127.0.0.1", "now", "GET /invitations/eyJ1IjoxfQ.abc-DEF_123 HTTP/1.1", "200")
    RedactTokens().filter(line)
    assert "eyJ1IjoxfQ" not in line.getMessage()
    assert "/invitations/[redacted]" in line.getMessage()


def test_access_log_line_of_a_reset_link_is_redacted():
    line = record("POST /password-reset/secret.token.value?lang=fr HTTP/1.1")
    RedactTokens().filter(line)
    assert line.getMessage() == "POST /password-reset/[redacted]?lang=fr HTTP/1.1"


def test_other_lines_are_left_alone():
    line = record("GET %s HTTP/1.1", "/plan?body=wg-training")
    RedactTokens().filter(line)
    assert line.getMessage() == "GET /plan?body=wg-training HTTP/1.1"


def test_the_werkzeug_access_logger_redacts_once_the_app_exists(app, caplog):
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('"GET /password-reset/abc.def HTTP/1.1" 200 -')
    assert "abc.def" not in caplog.text and "[redacted]" in caplog.text
