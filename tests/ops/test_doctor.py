"""`sip doctor`: each check says OK, or what is wrong and the fix; exit 1 when one fails."""
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask_migrate import stamp

from sip.core import doctor, heartbeat
from sip.core.models import utcnow
from sip.extensions import db


def findings(app, **options) -> dict[str, doctor.Finding]:
    """The doctor's findings, by name."""
    with app.app_context():
        return {finding.name: finding for finding in doctor.run_checks(app, **options)}


@pytest.fixture
def public_site():
    """A stand-in for the public address: answers /healthz with 200."""
    class Healthy(BaseHTTPRequestHandler):
        def do_GET(self):  # http.server calls it by this name
            self.send_response(200 if self.path == "/healthz" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_healthy_installation_is_all_ok(app, versioned, smtp_server, public_site, monkeypatch):
    for name in ("SIP_DATABASE_URL", "SIP_BASE_URL", "SIP_SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    app.config["SIP_BASE_URL"] = public_site
    app.config["SIP_CHROMIUM"] = "/bin/sh"  # an executable stands for Chromium: its presence is what is checked
    with app.app_context():
        stamp()
        heartbeat.beat("host:1")
    found = findings(app)
    assert {name: finding.status for name, finding in found.items() if name != "pango"} == {
        "settings": "WARN",  # a test configuration is not production's (no SIP_DATABASE_URL in the environment)
        "database": "OK", "migrations": "OK", "worker": "OK", "mail": "OK", "base URL": "OK", "chromium": "OK"}
    assert "NOOP 250" in found["mail"].detail


def test_each_problem_comes_with_its_fix(app, versioned, public_site):
    app.config.update(SIP_SMTP_URL="smtp://127.0.0.1:1", SIP_BASE_URL="http://sip.example.org",
                      SIP_CHROMIUM="/no/such/chromium")
    with app.app_context():
        heartbeat.beat("host:1", now=utcnow() - timedelta(hours=1))
    found = findings(app)
    assert found["migrations"].status == "FAIL" and "sip setup" in found["migrations"].fix
    assert found["worker"].status == "FAIL" and "sip-worker" in found["worker"].fix
    assert found["mail"].status == "FAIL" and "SIP_SMTP_URL" in found["mail"].fix
    assert found["base URL"].status == "FAIL" and "https" in found["base URL"].fix
    assert found["chromium"].status == "FAIL" and "apt-get install chromium" in found["chromium"].fix
    assert all(finding.line().startswith(finding.status) for finding in found.values())


def test_a_database_that_does_not_answer_is_named_without_its_password():
    problem = doctor.database_problem("postgresql+psycopg://sip:s3cret@127.0.0.1:1/sip", timeout=2)
    assert problem.startswith("SIP_DATABASE_URL: cannot use the database") and "s3cret" not in problem


def test_the_command_exits_1_and_names_what_to_fix(app, versioned):
    result = app.test_cli_runner().invoke(args=["sip", "doctor", "--offline"])
    assert result.exit_code == 1
    assert "FAIL  migrations" in result.output and "to fix: migrations, worker" in result.output


def test_the_command_exits_0_when_everything_is_ok(app, versioned, monkeypatch):
    monkeypatch.setattr(doctor, "check_pdf_parts", lambda app: [doctor.Finding("chromium", doctor.OK, "here")])
    monkeypatch.setattr(doctor, "check_configuration", lambda app: doctor.Finding("settings", doctor.OK, "fine"))
    with app.app_context():
        stamp()
        heartbeat.beat("host:1")
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["sip", "doctor", "--offline"])
    assert result.exit_code == 0, result.output
    assert "5 of 5 checks passed." in result.output
