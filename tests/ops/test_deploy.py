"""The deployment files in deploy/, verified and used: `systemd-analyze verify` on the units, `nginx -t` on the site,
and a journey through the units' own start commands: the settings file, `sip setup` and `sip create-user` through
deploy/sip, gunicorn and the worker as the units start them, nginx with TLS in front (not passing the public Host to
the app in one run), a sign-in, a reset link mailed by the worker, health and JSON logs on every side.

systemd-analyze and nginx are installed by CI (.ci/run), where SIP_REQUIRE_DEPLOY_TOOLS=1 makes a missing one a
failure; elsewhere the tests that need one are skipped (apt-get install systemd nginx-light openssl).
"""
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess  # nosec B404: starting the units' commands, nginx and openssl is what this test is for
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from sip.config import ROOT
from tests.smtp import ReceivedMail

DEPLOY = ROOT / "deploy"
UNITS = ("sip-web.service", "sip-worker.service")
REQUIRE = os.environ.get("SIP_REQUIRE_DEPLOY_TOOLS") == "1"
PASSWORD = "deploy journey: a long enough passphrase"


def tool(name: str) -> str:
    """The path of a program the test needs: a failure in CI when missing, a skip elsewhere."""
    found = shutil.which(name) or next((path for path in (f"/usr/sbin/{name}", f"/sbin/{name}")
                                        if os.access(path, os.X_OK)), None)
    if found:
        return found
    if REQUIRE:
        pytest.fail(f"{name} is missing (CI installs it: .ci/run)")
    pytest.skip(f"{name} is not installed")


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unit(name: str) -> dict[str, list[str]]:
    """A unit file's settings, by key (a key may repeat)."""
    settings: dict[str, list[str]] = {}
    for line in (DEPLOY / name).read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def on_this_machine(text: str, env_file: Path) -> str:
    """A deploy file's text with /srv/sip and /etc/sip/sip.env pointing at this checkout and the test's settings."""
    return text.replace("/etc/sip/sip.env", str(env_file)).replace("/srv/sip", str(ROOT))


# --- the files themselves -------------------------------------------------------------------------------------------


def test_systemd_accepts_the_units(tmp_path):
    analyze = tool("systemd-analyze")
    for name in UNITS:
        (tmp_path / name).write_text(on_this_machine((DEPLOY / name).read_text(), tmp_path / "sip.env"))
    done = subprocess.run([analyze, "verify", *(str(tmp_path / name) for name in UNITS)],  # nosec B603
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip() and not done.stdout.strip(), done.stderr + done.stdout


def test_the_units_start_the_app_with_the_settings_file_and_no_shell():
    for name in UNITS:
        settings = unit(name)
        assert settings["Environment"][0] == "SIP_ENV_FILE=/etc/sip/sip.env"
        assert settings["User"] == ["sip"] and settings["WorkingDirectory"] == ["/srv/sip"]
        assert settings["ExecStart"][0].startswith("/srv/sip/.venv/bin/")
        assert "sh -c" not in settings["ExecStart"][0] and "EnvironmentFile" not in settings
    assert unit("sip-worker.service")["KillSignal"] == ["SIGINT"]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate and key for 127.0.0.1."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),  # nosec
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True,
                   timeout=60)
    return cert, key


def nginx_configuration(folder: Path, *, https_port: int, http_port: int, upstream: str,
                        pass_host: bool = True) -> Path:
    """deploy/nginx-sip.conf inside a minimal nginx.conf of its own: this test's ports, certificate and log folder."""
    cert, key = self_signed_certificate(folder)
    site = (DEPLOY / "nginx-sip.conf").read_text()
    site = (site.replace("/etc/letsencrypt/live/sip.example.org/fullchain.pem", str(cert))
            .replace("/etc/letsencrypt/live/sip.example.org/privkey.pem", str(key))
            .replace("/var/log/nginx/", f"{folder}/").replace("server 127.0.0.1:8000;", f"server {upstream};")
            .replace("listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;").replace("listen [::]:443 ssl;", "")
            .replace("listen 80;", f"listen 127.0.0.1:{http_port};").replace("listen [::]:80;", "")
            .replace("root /var/www/html;", f"root {folder};"))
    if not pass_host:  # nginx's default: the upstream's name as Host, nothing forwarded about the host
        site = site.replace("    proxy_set_header Host $host;\n", "").replace(
            "    proxy_set_header X-Forwarded-Host $host;\n", "")
    (folder / "site.conf").write_text(site)
    temp = {name: folder / name for name in ("client", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    conf = folder / "nginx.conf"
    # As root, nginx's workers would run as nobody, who cannot write in the test's temporary folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf.write_text(
        f"{user}pid {folder}/nginx.pid;\nerror_log {folder}/error.log;\nworker_processes 1;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  client_body_temp_path {temp['client']};\n"
        f"  proxy_temp_path {temp['proxy']};\n  fastcgi_temp_path {temp['fastcgi']};\n"
        f"  uwsgi_temp_path {temp['uwsgi']};\n  scgi_temp_path {temp['scgi']};\n  include {folder}/site.conf;\n}}\n")
    return conf


def test_nginx_accepts_the_site(tmp_path):
    nginx = tool("nginx")
    conf = nginx_configuration(tmp_path, https_port=free_port(), http_port=free_port(), upstream="127.0.0.1:8000")
    done = subprocess.run([nginx, "-t", "-c", str(conf)], capture_output=True, text=True, timeout=60)  # nosec B603
    assert done.returncode == 0, done.stderr
    assert "[warn]" not in done.stderr and "[emerg]" not in done.stderr, done.stderr


def test_the_settings_template_and_the_command_wrapper_name_the_same_file():
    assert "/etc/sip/sip.env" in (DEPLOY / "sip").read_text()
    assert "install -o sip -g sip -m 600" in (DEPLOY / "sip.env.example").read_text()
    assert os.access(DEPLOY / "sip", os.X_OK)


# --- the journey ----------------------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie-keeping HTTPS client that trusts the test's self-signed certificate and sends its site's Origin."""

    def __init__(self, base: str):
        self.base = base
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the throwaway certificate of this test
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  urllib.request.HTTPSHandler(context=context), _NoRedirect())

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, dict]:
        """GET, or POST a form; (status, text, headers)."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Origin": self.base, "Referer": self.base + path} if data is not None else {}
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as answer:  # nosec B310
                return answer.status, answer.read().decode(), dict(answer.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def form_token(self, path: str) -> str:
        """The CSRF token of a page's form."""
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', self.request(path)[1]).group(1)


def wait_until(condition, what: str, seconds: float = 60):
    """Poll until the condition returns something true, and return it."""
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def json_lines(path: Path) -> list[dict]:
    """Every line of a log file, parsed (a line that is not JSON fails the test)."""
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


class Journey:
    """The processes of one deployment on this machine, stopped at the end."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.processes: list[subprocess.Popen] = []

    def start(self, command: list[str], name: str, env: dict, cwd: Path = ROOT) -> subprocess.Popen:
        """A process with its standard output and error in files of its own."""
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=(self.folder / f"{name}.out").open("w"),  # nosec
                                   stderr=(self.folder / f"{name}.err").open("w"), start_new_session=True)
        self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen, sig=signal.SIGTERM) -> None:
        """Stop one process group, as systemd would (its KillSignal), then wait."""
        if process.poll() is None:
            os.killpg(process.pid, sig)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            self.stop(process, signal.SIGINT if "worker" in " ".join(map(str, process.args)) else signal.SIGTERM)


def exec_start(name: str, env_file: Path) -> list[str]:
    """The unit's ExecStart on this machine, as systemd splits it (no shell)."""
    return on_this_machine(unit(name)["ExecStart"][0], env_file).split()


def service_environment(env_file: Path, **extra) -> dict:
    """What systemd gives the service: a bare environment plus the unit's Environment= (the settings file's name)."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(env_file.parent)}
    for assignment in unit("sip-web.service")["Environment"]:
        name, _, value = on_this_machine(assignment, env_file).partition("=")
        env[name] = value
    env.update(extra)
    return env


@pytest.fixture
def deployment(empty_app, database_url, tmp_path):
    """A settings file (mode 600) for this test's database and a mail server, and a journey to stop at the end."""
    smtp = ReceivedMail(port=free_port())
    smtp.start()
    https_port, web_port = free_port(), free_port()
    # A short folder: a Unix socket's path (gunicorn's control socket lives here) has room for about 100 bytes,
    # which pytest's own temporary folders exceed under xdist.
    instance = Path(tempfile.mkdtemp(prefix="sip-ops-"))
    env_file = tmp_path / "sip.env"
    env_file.write_text(
        "SIP_ENV=production\n"
        f"SECRET_KEY={secrets.token_urlsafe(48)}\n"
        f"SIP_DATABASE_URL={database_url}\n"
        f"SIP_BASE_URL=https://127.0.0.1:{https_port}\n"
        f"SIP_SMTP_URL=smtp://127.0.0.1:{smtp.port}\n"
        "SIP_MAIL_FROM=SIP Tracker <no-reply@sip.example.org>\n"
        "SIP_TRUSTED_PROXIES=1\nSIP_FORWARDED_ALLOW_IPS=127.0.0.1\n"
        f"SIP_BIND=127.0.0.1:{web_port}\nSIP_WORKERS=2\n"
        f"SIP_INSTANCE_PATH={instance}\nSIP_QUEUE_URL=sqlite:///{instance}/queue.sqlite\n"
        "SIP_WORKER_SWEEP_SECONDS=1\nSIP_REMINDERS_CRON=off\nSIP_DIGEST_CRON=off\nSIP_ANONYMISE_CRON=off\n")
    env_file.chmod(0o600)
    journey = Journey(tmp_path)
    yield {"env_file": env_file, "smtp": smtp, "https_port": https_port, "web_port": web_port,
           "instance": instance, "journey": journey}
    journey.stop_all()
    smtp.stop()
    shutil.rmtree(instance, ignore_errors=True)


def sip_command(deployment, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """deploy/sip as an operator runs it (already as the service's user here)."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "SIP_HOME": str(ROOT),
           "SIP_USER": subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip(),  # nosec
           "SIP_ENV_FILE": str(deployment["env_file"])}
    return subprocess.run([str(DEPLOY / "sip"), *args], env=env, input=stdin, capture_output=True, text=True,  # nosec
                          timeout=300)


@pytest.mark.parametrize("pass_host", [True, False], ids=["nginx-as-shipped", "nginx-without-the-public-host"])
def test_a_deployment_through_the_units_start_commands(deployment, tmp_path, pass_host):
    nginx = tool("nginx")
    env_file, journey = deployment["env_file"], deployment["journey"]

    # The first deploy: set up and create an account, through the wrapper and the settings file alone.
    done = sip_command(deployment, "setup")
    assert done.returncode == 0, done.stderr
    done = sip_command(deployment, "create-user", "viewer@example.org", "--name", "A Viewer", "--password-stdin",
                       stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr

    # The units' start commands, with only what systemd would give them.
    web = journey.start(exec_start("sip-web.service", env_file), "web", service_environment(env_file))
    worker = journey.start(exec_start("sip-worker.service", env_file), "worker", service_environment(env_file))
    (tmp_path / "nginx").mkdir()
    conf = nginx_configuration(tmp_path / "nginx", https_port=deployment["https_port"], http_port=free_port(),
                               upstream=f"127.0.0.1:{deployment['web_port']}", pass_host=pass_host)
    journey.start([nginx, "-c", str(conf), "-g", "daemon off;"], "nginx", dict(os.environ))
    site = Browser(f"https://127.0.0.1:{deployment['https_port']}")

    health = wait_until(lambda: _health(site), "the site and its worker")
    assert health["migrations"]["state"] == "at head" and health["worker"]["alive"] is True, health
    assert web.poll() is None and worker.poll() is None

    # Signing in works through the proxy, whatever Host it passes (the origin is checked against SIP_BASE_URL).
    status, _, headers = site.request("/login", {"email": "viewer@example.org", "password": PASSWORD,
                                                 "csrf_token": site.form_token("/login")})
    assert status == 302, headers
    assert site.request("/account")[0] == 200
    status, plan, _ = site.request("/plan")  # a page larger than nginx's memory buffers
    assert status == 200 and len(plan) > 20_000

    # A reset link, mailed by the worker through the mail server; the link works through nginx.
    site.request("/password-reset", {"email": "viewer@example.org", "csrf_token": site.form_token("/password-reset")})
    mail = wait_until(lambda: deployment["smtp"].messages, "the reset mail")[0]
    link = re.search(r"https://127\.0\.0\.1:\d+/password-reset/\S+", mail.get_content()).group(0)
    token = link.rsplit("/", 1)[1]
    assert mail["Date"] and mail["Message-ID"] and mail["Auto-Submitted"] is None
    assert Browser(site.base).request(link.removeprefix(site.base))[0] == 200

    # /metrics: closed through nginx; straight from the host, the requests of both gunicorn workers added up.
    assert site.request("/metrics")[0] == 404
    with urllib.request.urlopen(f"http://127.0.0.1:{deployment['web_port']}/metrics", timeout=30) as answer:  # nosec
        metrics = answer.read().decode()
    served = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                 if line.startswith("sip_http_requests_total{") and 'endpoint="core.healthz"' in line)
    assert served >= 1 and "sip_outbox_mails{" in metrics and "sip_worker_heartbeat_age_seconds" in metrics

    # gunicorn's control socket is this server's own, under its instance folder.
    sockets = list(deployment["instance"].glob("gunicorn-*.ctl"))
    assert [path.name for path in sockets] == [f"gunicorn-127.0.0.1-{deployment['web_port']}.ctl"]

    journey.stop(web)
    journey.stop(worker, signal.SIGINT)
    journey.stop(journey.processes[-1], signal.SIGQUIT)
    assert web.returncode == 0 and worker.returncode == 0

    # Every log line of every side is JSON, and none holds the token.
    nginx_folder = conf.parent
    logs = {name: json_lines(tmp_path / name) for name in ("web.out", "web.err", "worker.err")}
    logs["nginx"] = json_lines(nginx_folder / "sip.access.log")
    everything = json.dumps(logs)
    assert token not in everything
    access = [entry for entry in logs["web.out"] if entry.get("kind") == "access"]
    reset = next(entry for entry in access if entry["path"].startswith("/password-reset/"))
    assert reset["path"] == "/password-reset/[redacted]" and reset["remote"] == "127.0.0.1"
    proxied = next(entry for entry in logs["nginx"] if entry["path"] == "/password-reset/[redacted]")
    assert proxied["request_id"] == reset["request_id"]  # one id across nginx and the app
    assert any(entry.get("logger", "").startswith("gunicorn") for entry in logs["web.err"])
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", entry["time"]) for entry in access + logs["nginx"])


def _health(site: Browser) -> dict | None:
    """/healthz through nginx, once the worker has beaten."""
    try:
        status, text, _ = site.request("/healthz")
    except OSError:
        return None
    if status != 200:
        return None
    health = json.loads(text)
    return health if health["worker"]["alive"] else None


def test_two_web_servers_on_one_host_keep_their_own_control_socket(deployment):
    env_file, journey = deployment["env_file"], deployment["journey"]
    ports = [deployment["web_port"], free_port()]
    servers = [journey.start(exec_start("sip-web.service", env_file), f"web-{port}",
                             service_environment(env_file, SIP_BIND=f"127.0.0.1:{port}")) for port in ports]
    sockets = [deployment["instance"] / f"gunicorn-127.0.0.1-{port}.ctl" for port in ports]
    wait_until(lambda: all(path.exists() for path in sockets), "both control sockets")
    journey.stop(servers[0])
    assert not sockets[0].exists() and sockets[1].exists()  # the first to stop removed its own only
    assert servers[1].poll() is None


def test_the_web_unit_refuses_to_start_with_one_line_when_the_database_does_not_answer(deployment, tmp_path):
    env_file = deployment["env_file"]
    text = re.sub(r"SIP_DATABASE_URL=.*", f"SIP_DATABASE_URL=postgresql+psycopg://sip:pw@127.0.0.1:{free_port()}/sip",
                  env_file.read_text())
    env_file.write_text(text)
    web = deployment["journey"].start(exec_start("sip-web.service", env_file), "web", service_environment(env_file))
    assert web.wait(timeout=60) == 1
    errors = (tmp_path / "web.err").read_text()
    assert "SIP_DATABASE_URL: cannot use the database" in errors and "Traceback" not in errors
    assert ":pw@" not in errors  # the password is not shown
