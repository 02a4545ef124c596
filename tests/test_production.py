"""The production set-up as the README describes it: gunicorn with sip/gunicorn_config.py, several app servers on one
database, nothing kept in a process that another one needs.

The servers run in development mode only so that their session cookie travels over plain HTTP on loopback (in
production it is Secure, behind TLS); everything else is the production configuration.
"""
import json
import re
import subprocess  # nosec B404: starting gunicorn is what this test is for
import time
from pathlib import Path

import pytest

from tests.hardening.servers import (GUNICORN, ROOT, Browser, Gunicorn, ReportPage, complete_report,
                                     prepare_database, server_database, wait_for)

__all__ = ["server_database"]  # the fixture, used here

STRONG_KEY = "production test: s3cr3t-k3y-that-is-long-enough-for-the-check"


class ConfiguredGunicorn(Gunicorn):
    """gunicorn started as the README says: `gunicorn -c python:sip.gunicorn_config app:app`, settings from SIP_*."""

    def start(self, wait: bool = True) -> "ConfiguredGunicorn":
        """Start with the project's configuration file; its access log (standard output) goes to a file."""
        self.access_path = self.instance / f"access-{self.port}.log"
        self.extra_env.update(SIP_BIND=f"127.0.0.1:{self.port}", SIP_WORKERS="2", SIP_THREADS="4",
                              SIP_LOG_FORMAT="json")
        self.access_file = self.access_path.open("w")
        self.process = subprocess.Popen(  # nosec B603
            [str(GUNICORN), "-c", "python:sip.gunicorn_config", "app:app"], cwd=ROOT, env=self.environment(),
            stdout=self.access_file, stderr=self.log_path.open("w"), start_new_session=True)
        if wait:
            wait_for(self.url + "/healthz")
        return self

    def access_log(self) -> list[dict]:
        """The access log lines written so far, parsed."""
        self.access_file.flush()
        return [json.loads(line) for line in self.access_path.read_text().splitlines() if line.startswith("{")]

    def logged_request(self, path: str, timeout: float = 10.0) -> dict:
        """The last access log entry for path, waiting for it: a worker writes the line after the response is sent."""
        deadline = time.monotonic() + timeout
        while True:
            entries = [e for e in self.access_log() if e["path"] == path]
            if entries or time.monotonic() > deadline:
                assert entries, f"no access log line for {path} within {timeout} s"
                return entries[-1]
            time.sleep(0.05)


@pytest.fixture
def two_servers(server_database, tmp_path):
    """Two app servers (each gunicorn with its workers) on one database, with the same secret key."""
    url = server_database("production")
    prepared = prepare_database(url)
    servers = []
    for n in (1, 2):
        instance = tmp_path / f"server-{n}"
        instance.mkdir()
        servers.append(ConfiguredGunicorn(url, instance=instance, secret_key=STRONG_KEY).start())
    yield prepared, servers
    for server in servers:
        server.stop()


def shared_browser(first: Gunicorn, second: Gunicorn) -> tuple[Browser, Browser]:
    """One person's browser talking to both servers (as behind a load balancer): one cookie jar."""
    on_first, on_second = Browser(first.url), Browser(second.url)
    on_second.cookies, on_second.opener = on_first.cookies, on_first.opener
    return on_first, on_second


def compliance_cell(html: str, body_name: str) -> str:
    """The last quarter's cell of a body's row in the SAG dashboard's compliance table."""
    table = re.search(r'<table[^>]*id="compliance-table"[^>]*>(.*?)</table>', html, re.S).group(1)
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", table, re.S) if f">{body_name}<" in r)
    return re.findall(r'class="compliance compliance-(\w+)"', row)[-1]


def test_the_configuration_file_runs_a_worker_per_core_with_threads_and_logs_json(two_servers):
    _, (server, _) = two_servers
    assert len(server.worker_pids()) == 2
    browser = Browser(server.url)
    started = time.monotonic()
    browser.get("/plan?q=secret+words")
    waited_ms = (time.monotonic() - started) * 1000
    entry = server.logged_request("/plan")
    assert entry["status"] == 200 and entry["method"] == "GET"
    # Whole milliseconds that the worker spent on the request (gunicorn's %(M)s): some, and no more than the client
    # waited; seconds (%(T)s) would say 0 and microseconds (%(D)s) a thousand times too much.
    assert isinstance(entry["duration_ms"], int) and 1 <= entry["duration_ms"] <= waited_ms + 1
    assert "secret" not in json.dumps(entry)  # the query string is not logged


def test_a_session_opened_on_one_server_works_on_the_other_and_a_logout_ends_it_on_both(two_servers):
    prepared, (first, second) = two_servers
    on_first, on_second = shared_browser(first, second)
    on_first.sign_in(prepared.people["secretariat"])
    assert on_second.get("/account").status == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', on_second.get("/account").text).group(1)  # sign-out form
    assert on_second.post("/logout", {"csrf_token": token}).status == 302
    assert on_first.get("/account").status == 302  # the session token changed in the database


def test_a_report_submitted_through_one_server_shows_at_once_on_the_others_dashboard(two_servers):
    prepared, (first, second) = two_servers
    reader = Browser(second.url)
    reader.sign_in(prepared.people["secretariat"])
    path = f"/dashboards/sag?period={prepared.period}"
    assert compliance_cell(reader.get(path).text, "Training Working Group") == "pending"  # and now kept rendered
    lead = Browser(first.url)
    lead.sign_in(prepared.people["lead:wg-training"])
    report = f"/reports/{prepared.period}/wg-training"
    page = ReportPage.read(lead.get(report).text)
    answer = lead.post(report, complete_report(page, "Submitted through the first server.", "Done."))
    assert answer.status == 302, answer.text[:500]
    assert compliance_cell(reader.get(path).text, "Training Working Group") == "on_time"


def test_static_files_and_pages_go_out_compressed_and_versioned(two_servers):
    _, (server, _) = two_servers
    browser = Browser(server.url)
    assert browser.request("GET", "/plan", headers={"Accept-Encoding": "gzip"}).headers["Content-Encoding"] == "gzip"
    address = re.search(r'/static/css/sip\.css\?v=[0-9a-f]{12}', browser.get("/plan").text).group(0)
    answer = browser.request("GET", address, headers={"Accept-Encoding": "gzip"})
    assert answer.status == 200 and answer.headers["Content-Encoding"] == "gzip"
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_readme_starts_gunicorn_with_the_configuration_file():
    readme = (Path(ROOT) / "README.md").read_text(encoding="utf-8")
    assert "gunicorn -c python:sip.gunicorn_config app:app" in readme
