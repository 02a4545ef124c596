"""No secret of an account link reaches a log line."""
import logging

from sip.core.logs import RedactTokens
from tests.ops.settings import give_production_what_it_requires


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


def test_json_lines_give_time_level_logger_message_and_exception():
    import json

    from sip.core.logs import JsonLines

    try:
        raise ValueError("boom")
    except ValueError:
        import sys
        line = logging.LogRecord("sip", logging.ERROR, __file__, 1, "failed on %s", ("/plan",), sys.exc_info())
    entry = json.loads(JsonLines().format(line))
    assert entry["level"] == "ERROR" and entry["logger"] == "sip" and entry["message"] == "failed on /plan"
    assert entry["time"].endswith("+00:00") and "ValueError: boom" in entry["exception"]


def test_production_logs_json_lines_with_tokens_redacted(database_url, monkeypatch, capsys):
    import json

    from sip import create_app
    from sip.config import TestConfig

    config = TestConfig(database_url)
    config.SIP_LOG_FORMAT = "json"
    logger = logging.getLogger("sip")  # every app's logger: put back as it was for the other tests
    saved = (logger.handlers[:], logger.propagate, logger.level)
    try:
        app = create_app(config)
        app.logger.error("unhandled error on GET /password-reset/abc.def")
        entry = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    finally:
        logger.handlers[:], logger.propagate, logger.level = saved[0], saved[1], saved[2]
    assert entry["message"] == "unhandled error on GET /password-reset/[redacted]"


def test_logs_are_json_in_production_and_text_elsewhere(monkeypatch):
    from sip.config import Config

    monkeypatch.setenv("SIP_ENV", "production")
    give_production_what_it_requires(monkeypatch)
    monkeypatch.setenv("SECRET_KEY", "x7Kq2mZp9vLr4tWb8nYc3dFh6jGs5aEu1oIi0")
    assert Config().SIP_LOG_FORMAT == "json"
    monkeypatch.setenv("SIP_ENV", "development")
    assert Config().SIP_LOG_FORMAT == "text"
    monkeypatch.setenv("SIP_LOG_FORMAT", "json")
    assert Config().SIP_LOG_FORMAT == "json"
