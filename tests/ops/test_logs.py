"""Every log line is JSON that parses back: ISO 8601 times, the forwarded client, request ids, and no token, even for
odd paths; gunicorn's own lines included."""
import json
import logging
from datetime import datetime

import pytest

from sip.core.logs import JsonLines, gunicorn_logconfig

ODD_PATHS = [
    "/plan\\activities",  # a backslash broke the old format string
    '/plan"}, {"status": 200',  # a quote would have closed the JSON string
    "/bodies/\u00e9quipe",  # é as WSGI gives it: UTF-8 bytes read as Latin-1
    "/plan/\x00\x1b[31m",  # control characters
    "/invitations/eyJ1IjoxfQ.abc-DEF_123",  # tokens
    "/password-reset/secret.token.value",
    "/unsubscribe/signed.unsubscribe-token",
    "/calendar/feed-secret.ics",
    "/invitations/tok\\en\"x",
]


def access_record(path: str, **atoms) -> logging.LogRecord:
    """A record as gunicorn's access logger makes it: the format string and the atoms of one request."""
    values = {"h": "203.0.113.9", "m": "GET", "U": path, "s": "200", "B": 1234, "M": 17, "a": "curl/8",
              "{sip.request_id}e": "0123456789abcdef", **atoms}
    return logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(h)s %(U)s", (values,), None)


@pytest.mark.parametrize("path", ODD_PATHS)
def test_an_access_line_parses_back_whatever_the_path(path):
    entry = json.loads(JsonLines().format(access_record(path.encode("utf-8").decode("latin-1"))))
    assert entry["kind"] == "access" and entry["status"] == 200 and entry["duration_ms"] == 17
    assert entry["remote"] == "203.0.113.9" and entry["request_id"] == "0123456789abcdef"
    assert datetime.fromisoformat(entry["time"]).utcoffset().total_seconds() == 0
    for secret in ("eyJ1IjoxfQ", "secret.token", "signed.unsubscribe", "feed-secret", "tok\\en"):
        assert secret not in entry["path"]
    if path.startswith("/bodies"):
        assert entry["path"] == "/bodies/\u00e9quipe"  # the text the client sent, not mojibake


def test_an_app_line_inside_a_request_carries_its_id_and_the_client(app):
    with app.test_request_context("/plan", environ_base={"REMOTE_ADDR": "198.51.100.7",
                                                         "sip.request_id": "feedfacefeedface"}):
        record = logging.LogRecord("sip", logging.WARNING, __file__, 1, "refused %s", ("/password-reset/abc.def",),
                                   None)
        entry = json.loads(JsonLines().format(record))
    assert entry == {**entry, "request_id": "feedfacefeedface", "remote": "198.51.100.7", "level": "WARNING",
                     "message": "refused /password-reset/[redacted]"}


def test_every_response_carries_a_request_id_and_a_proxy_is_believed_only_when_trusted(app, client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first.headers["X-Request-Id"]) == 32 and first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    assert client.get("/healthz", headers={"X-Request-Id": "nginx-request-0001"}).headers["X-Request-Id"] \
        != "nginx-request-0001"  # no proxy configured: anyone could forge it


def test_a_trusted_proxys_request_id_is_kept(database_url):
    from sip import create_app
    from sip.config import TestConfig

    config = TestConfig(database_url)
    config.SIP_TRUSTED_PROXIES = 1
    proxied = create_app(config).test_client()
    assert proxied.get("/healthz", headers={"X-Request-Id": "nginx-request-0001"}).headers["X-Request-Id"] \
        == "nginx-request-0001"
    assert proxied.get("/healthz", headers={"X-Request-Id": "bad id <script>"}).headers["X-Request-Id"] != "bad id <script>"


def test_gunicorns_logging_configuration_makes_json_of_its_own_lines_and_of_everything_else():
    config = gunicorn_logconfig()
    assert config["loggers"]["gunicorn.access"]["handlers"] == ["access"]
    assert config["loggers"]["gunicorn.error"]["handlers"] == ["errors"]
    assert config["root"]["handlers"] == ["errors"]
    assert {handler["formatter"] for handler in config["handlers"].values()} == {"json"}
    line = JsonLines().format(logging.LogRecord("gunicorn.error", logging.INFO, __file__, 1,
                                                "Booting worker with pid: %s", (42,), None))
    assert json.loads(line)["message"] == "Booting worker with pid: 42"
