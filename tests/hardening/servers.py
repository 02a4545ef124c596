"""Real servers for the hardening tests and bench/writers.py: gunicorn on a loopback port, a throwaway PostgreSQL,
a database prepared for them, and a small HTTP client that signs in and posts forms with their CSRF token.

Nothing here changes the application: gunicorn serves `app:app` exactly as in production (CSRF on, real
password hashing), configured only through the environment.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import shutil
import signal
import socket
# Starting gunicorn and PostgreSQL is what these helpers are for.
import subprocess  # nosec B404
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date
from html import unescape
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
SERVER_URL = os.environ.get("SIP_TEST_DATABASE_URL")  # set for the PostgreSQL pass of the suite
POSTGRES_URL = os.environ.get("SIP_TEST_POSTGRES_URL") or SERVER_URL
REQUIRE_POSTGRES = os.environ.get("SIP_REQUIRE_POSTGRES") == "1"
PASSWORD = "hardening: correct horse battery staple"
CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- HTTP -------------------------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Let 302 answers through as they are: the caller wants to see them."""

    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Answer:
    """An HTTP answer: status, text and headers (status 0 when the connection failed)."""

    status: int
    text: str = ""
    headers: dict = field(default_factory=dict)
    error: str = ""


class Browser:
    """A cookie-keeping HTTP client that posts forms with the CSRF token of the page they come from."""

    def __init__(self, base_url: str, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def request(self, method: str, path: str, data: dict | list | None = None, headers: dict | None = None,
                body: bytes | None = None) -> Answer:
        """Send one request; never raises for an HTTP status or a dropped connection."""
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        request = urllib.request.Request(self.base_url + path, data=body, method=method, headers=headers or {})
        try:
            with self.opener.open(request, timeout=self.timeout) as response:  # nosec B310
                return Answer(response.status, response.read().decode("utf-8", "replace"), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode("utf-8", "replace"), dict(error.headers))
        except (OSError, http.client.HTTPException) as error:  # connection refused, reset or cut mid-answer
            return Answer(0, error=f"{type(error).__name__}: {error}")

    def get(self, path: str) -> Answer:
        """GET a page."""
        return self.request("GET", path)

    def post(self, path: str, data: dict | list) -> Answer:
        """POST a form."""
        return self.request("POST", path, data)

    def sign_in(self, email: str, password: str = PASSWORD) -> None:
        """Sign in through the login form (CSRF token included); AssertionError when refused."""
        page = self.get("/login")
        answer = self.post("/login", {"email": email, "password": password, "csrf_token": csrf_token(page.text)})
        assert answer.status == 302, f"signing in as {email} answered {answer.status} {answer.error}"


def csrf_token(html: str) -> str:
    """The first CSRF token of a page ("" when it has none)."""
    match = CSRF_FIELD.search(html)
    return unescape(match.group(1)) if match else ""


def wait_for(url: str, timeout: float = 30.0, status: int = 200) -> None:
    """Wait until GET url answers `status`; TimeoutError otherwise."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # nosec B310
                last = response.status
        except urllib.error.HTTPError as error:
            last = error.code
        except OSError as error:
            last = repr(error)
        if last == status:
            return
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer {status} within {timeout:.0f} s (last: {last})")


# --- gunicorn ---------------------------------------------------------------------------------------------------


class Gunicorn:
    """`gunicorn app:app` on a free loopback port against one database, configured through the environment."""

    def __init__(self, database_url: str, *, workers: int = 2, threads: int = 4, instance: Path | None = None,
                 secret_key: str | None = None, env: dict | None = None, timeout: int = 30):
        self.database_url = database_url
        self.workers, self.threads, self.timeout = workers, threads, timeout
        self.instance = Path(instance or tempfile.mkdtemp(prefix="sip-gunicorn-"))
        self.secret_key = secret_key or secrets.token_urlsafe(48)
        self.extra_env = env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = self.instance / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def environment(self) -> dict:
        """The server's environment: this database, a shared secret key, development mode (plain-HTTP cookies)."""
        env = {key: value for key, value in os.environ.items() if not key.startswith(("SIP_", "FLASK_"))}
        env.update(SIP_DATABASE_URL=self.database_url, SECRET_KEY=self.secret_key, SIP_ENV="development",
                   SIP_INSTANCE_PATH=str(self.instance), SIP_BASE_URL=self.url, PYTHONDONTWRITEBYTECODE="1",
                   # the secretariat signs in with a password alone here: these tests are about the servers, and
                   # two-step sign-in has its own (tests/accounts/test_mfa.py)
                   SIP_MFA_REQUIRED_ROLES="none",
                   # its databases hash passwords with the suite's light argon2 profile (prepare_database): without
                   # the same profile, every first sign-in would store a full-cost hash again (0.3 s of CPU each)
                   SIP_PASSWORD_PROFILE="test")
        env.update(self.extra_env)
        return env

    def start(self, wait: bool = True) -> "Gunicorn":
        """Start the server and (by default) wait until /healthz answers 200."""
        if not GUNICORN.exists():
            raise FileNotFoundError(f"{GUNICORN} is missing: run `make install` first")
        command = [str(GUNICORN), "--workers", str(self.workers), "--threads", str(self.threads),
                   "--bind", f"127.0.0.1:{self.port}", "--timeout", str(self.timeout), "--graceful-timeout", "5",
                   "--error-logfile", str(self.log_path), "--access-logfile", "-",
                   # gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl), which
                   # servers started side by side would share; these need none
                   "--no-control-socket", "app:app"]
        self.process = subprocess.Popen(  # nosec B603
            command, cwd=ROOT, env=self.environment(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            start_new_session=True)
        if wait:
            try:
                wait_for(self.url + "/healthz")
            except TimeoutError:
                self.stop()
                if "already in use" in self.log() and not getattr(self, "_port_retried", False):
                    # The suite runs in parallel processes: another one took the free port first. Once more, on
                    # another port.
                    self._port_retried = True
                    self.port = free_port()
                    self.url = f"http://127.0.0.1:{self.port}"
                    self.log_path = self.instance / f"gunicorn-{self.port}.log"
                    return self.start(wait)
                raise RuntimeError(f"gunicorn did not start:\n{self.log()[-3000:]}") from None
        return self

    def worker_pids(self) -> list[int]:
        """The process ids of the master's workers, as they are now."""
        if self.process is None:
            return []
        workers = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == self.process.pid:
                workers.append(int(entry.name))
        return sorted(workers)

    def kill_worker(self, pid: int | None = None) -> int | None:
        """SIGKILL a worker (the given one, else one at random; the master starts a new one); its pid, or None."""
        pids = self.worker_pids()
        if not pids or (pid is not None and pid not in pids):
            return None
        victim = pid if pid is not None else secrets.choice(pids)
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            return None
        return victim

    def log(self) -> str:
        """The server's error log so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server (TERM, then KILL after 10 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def __enter__(self) -> "Gunicorn":
        return self.start() if self.process is None else self

    def __exit__(self, *exc) -> None:
        self.stop()


@pytest.fixture
def start_gunicorn(tmp_path):
    """Factory: `start_gunicorn(database_url, workers=2, threads=4, secret_key=None)` starts gunicorn (waiting for
    /healthz) and returns it; every server it started is stopped at the end of the test. Give two servers the same
    `secret_key` to let one browser use both."""
    servers: list[Gunicorn] = []

    def start(database_url: str, **options) -> Gunicorn:
        options.setdefault("instance", tmp_path / f"instance-{len(servers)}")
        options["instance"].mkdir(parents=True, exist_ok=True)
        server = Gunicorn(database_url, **options)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()


# --- PostgreSQL -------------------------------------------------------------------------------------------------


def postgres_bin() -> Path | None:
    """The newest /usr/lib/postgresql/*/bin (initdb, pg_ctl, pg_dump …), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else None


def need_postgres(reason: str = "PostgreSQL is not available") -> None:
    """Skip the test when PostgreSQL is missing, or fail when SIP_REQUIRE_POSTGRES=1."""
    if REQUIRE_POSTGRES:
        pytest.fail(f"{reason} and SIP_REQUIRE_POSTGRES=1")
    pytest.skip(reason)


class ThrowawayPostgres:
    """A PostgreSQL server of our own in a temporary directory, as .ci/postgres.sh starts one, that a test may stop
    and start again on the same port (the database going away and coming back)."""

    def __init__(self):
        self.bin = postgres_bin()
        if self.bin is None:
            raise FileNotFoundError("no /usr/lib/postgresql/*/bin")
        self.dir = Path(tempfile.mkdtemp(prefix="sip-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0  # root may not run PostgreSQL: run it as the postgres user
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        subprocess.run([*prefix, *command], check=True, cwd="/", stdout=subprocess.DEVNULL,  # nosec B603
                       stderr=subprocess.PIPE, timeout=120)

    def init(self) -> "ThrowawayPostgres":
        """initdb, start, and create the database `sip`."""
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self.start()
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "sip")
        return self

    def start(self) -> None:
        """Start (again) on the same port."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "-t", "30", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                  "-c synchronous_commit=off -c max_connections=200", "start")

    def stop(self) -> None:
        """Stop at once: open connections are cut."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of its `sip` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/sip"

    def destroy(self) -> None:
        """Stop if running and remove every file."""
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def throwaway_postgres():
    """A PostgreSQL server of the test's own (skipped without PostgreSQL, failed with SIP_REQUIRE_POSTGRES=1)."""
    if postgres_bin() is None or shutil.which("runuser") is None:
        need_postgres("PostgreSQL's binaries are not installed")
    server = ThrowawayPostgres().init()
    yield server
    server.destroy()


def scratch_postgres_database(server_url: str, name: str) -> str:
    """Create an empty database `name` on the server of `server_url` (dropping an older one); its URL."""
    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    """Drop a database made by scratch_postgres_database."""
    from sqlalchemy import create_engine, make_url, text

    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def server_database(tmp_path):
    """Factory: a URL for a database that gunicorn can share with the test, on the backend of this pass of the
    suite (a SQLite file, or a scratch database on the PostgreSQL test server, dropped afterwards)."""
    made: list[str] = []

    def make(name: str = "served") -> str:
        if SERVER_URL:
            url = scratch_postgres_database(SERVER_URL, f"sip_{name}_{secrets.token_hex(3)}")
        else:
            url = f"sqlite:///{tmp_path / (name + '.sqlite')}"
        made.append(url)
        return url

    yield make
    for url in made:
        if not url.startswith("sqlite"):
            drop_postgres_database(url)


# --- a database ready to serve ----------------------------------------------------------------------------------


@dataclass
class Prepared:
    """What prepare_database made: the period open for reports, and the e-mail addresses per role."""

    period: str
    people: dict[str, str]
    bodies: list[str]


def prepare_database(url: str, *, extra_working_groups: int = 0, activities_per_group: int = 0,
                     leads_per_body: int = 1, period: str = "2026-Q4") -> Prepared:
    """The current schema, the real plan, every quarter, `period` open, and people with PASSWORD:
    `secretariat`, `lead:<slug>`/`lead<n>:<slug>` and `member:<slug>` for wg-training and wg-partnerships (and for
    `extra_working_groups` generated groups, each responsible for `activities_per_group` new activities)."""
    from sqlalchemy import select

    from sip import create_app
    from sip.accounts.models import Membership, User
    from sip.accounts.passwords import hash_password
    from sip.bodies.models import Body
    from sip.config import TestConfig
    from sip.extensions import db
    from sip.plan.models import Activity, Output, Responsibility
    from sip.plan.queries import current_strategy
    from sip.plan.services import load_seed
    from sip.reporting.services import ensure_periods, find_period, open_period
    from seed import load_json

    app = create_app(TestConfig(url))
    with app.app_context():
        db.create_all()
        load_seed(load_json("plan.json"), load_json("bodies.json"), load_json("commitments.json"),
                  load_json("glossary.json"))
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.commit()
        slugs = ["wg-training", "wg-partnerships"]
        output = db.session.scalars(select(Output).order_by(Output.position.desc())).first()
        position = db.session.scalar(select(Activity.position).order_by(Activity.position.desc()).limit(1)) or 0
        for n in range(1, extra_working_groups + 1):
            slug = f"wg-hardening-{n:02d}"
            body = Body(slug=slug, kind="working_group", name={"fr": f"GT {n}", "en": f"WG {n}"}, aliases=[])
            db.session.add(body)
            db.session.flush()
            for a in range(1, activities_per_group + 1):
                position += 1
                activity = Activity(strategy_id=strategy.id, code=f"9.{n}.{a}.1", position=position, plan_status="planned",
                                    text={"fr": f"Activité {n}.{a}", "en": f"Activity {n}.{a}"})
                activity.responsibilities.append(Responsibility(body_id=body.id, role="lead"))
                output.activities.append(activity)
            slugs.append(slug)
        people = {"secretariat": "secretariat@example.org"}
        password_hash = hash_password(PASSWORD)

        def person(email: str, name: str, memberships=(), admin: bool = False) -> None:
            user = User(email=email, name=name, password_hash=password_hash, is_admin=admin)
            db.session.add(user)
            for slug, role in memberships:
                body = db.session.scalar(select(Body).where(Body.slug == slug))
                db.session.add(Membership(user=user, body=body, role=role, since=date(2022, 1, 1)))

        person(people["secretariat"], "Secretariat Person", [("rome-support-team", "member")])
        for slug in slugs:
            for n in range(leads_per_body):
                key = f"lead:{slug}" if n == 0 else f"lead{n}:{slug}"
                people[key] = f"lead{n}.{slug}@example.org"
                person(people[key], f"Lead {n} of {slug}", [(slug, "lead")])
            people[f"member:{slug}"] = f"member.{slug}@example.org"
            person(people[f"member:{slug}"], f"Member of {slug}", [(slug, "member")])
        db.session.commit()
        open_period(find_period(strategy, period), date(2027, 1, 15), actor=None, opens_on=date(2026, 10, 1))
        db.session.remove()
        db.engine.dispose()
    return Prepared(period=period, people=people, bodies=slugs)


# --- the report form --------------------------------------------------------------------------------------------

VERSION_FIELD = re.compile(r'name="version" type="hidden" value="(\d+)"')
ACTIVITY_FIELD = re.compile(r'name="a(\d+)-status"')
SUMMARY_FIELD = re.compile(r'<textarea[^>]*name="summary"[^>]*>(.*?)</textarea>', re.DOTALL)


@dataclass
class ReportPage:
    """What a writer reads on a report page: whether the form is there, its version, activities and summary."""

    editable: bool
    reviewable: bool
    version: int
    activities: list[int]
    summary: str
    token: str

    @classmethod
    def read(cls, html: str) -> "ReportPage":
        """Parse a report page."""
        version = VERSION_FIELD.search(html)
        summary = SUMMARY_FIELD.search(html)
        text = unescape(summary.group(1)) if summary else ""
        return cls(editable=version is not None, reviewable='name="decision"' in html,
                   version=int(version.group(1)) if version else -1,
                   activities=sorted({int(a) for a in ACTIVITY_FIELD.findall(html)}),
                   summary=text[2:] if text.startswith("\r\n") else text.lstrip("\n"), token=csrf_token(html))


def complete_report(page: ReportPage, summary: str, achievements: str, action: str = "submit") -> list[tuple]:
    """The form data of a report that can be submitted: every activity with a status and achievements."""
    data = [("csrf_token", page.token), ("version", str(page.version)), ("summary", summary), ("action", action)]
    for activity in page.activities:
        data += [(f"a{activity}-status", "on_track"), (f"a{activity}-progress_pct", "50"),
                 (f"a{activity}-achievements", achievements), (f"a{activity}-challenges", ""),
                 (f"a{activity}-next_steps", ""), (f"a{activity}-support_needed", ""),
                 (f"a{activity}-evidence_links", "")]
    return data
