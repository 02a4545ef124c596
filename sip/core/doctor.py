"""What to check after installing or upgrading: `flask --app app sip doctor`.

Each check says OK, or what is wrong and how to fix it: the configuration (as production requires it), the
database, its migrations, the mail server, the public address, the background worker, and the Chromium and pango
libraries of the PDF. It never changes anything and never stops at the first problem.
"""
import smtplib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from sip.config import ConfigError, LOOPBACK_HOSTS, production_problems

OK, WARN, FAIL = "OK", "WARN", "FAIL"


@dataclass
class Finding:
    """One check's outcome: OK, WARN (works, but not as production should) or FAIL, what it found, and the fix."""

    name: str
    status: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        """The finding as the operator reads it."""
        return f"{self.status:<4}  {self.name:<10} {self.detail}" + (f"\n      fix: {self.fix}" if self.fix else "")


def _shown(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return "(unreadable URL)"


def database_problem(url: str, timeout: int = 5) -> str | None:
    """Why the database at `url` cannot be used right now (one sentence), or None when it answers."""
    options = {"poolclass": NullPool}
    if url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": timeout}
    try:
        engine = create_engine(url, **options)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001  whatever it is, the operator reads it
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:300]
        return f"SIP_DATABASE_URL: cannot use the database {_shown(url)}: {reason}"
    return None


def require_database(app: Flask) -> None:
    """Refuse to start (ConfigError) when the database does not answer: gunicorn calls it before forking workers."""
    problem = database_problem(app.config["SQLALCHEMY_DATABASE_URI"])
    if problem:
        raise ConfigError(problem)


@lru_cache(maxsize=4)
def code_head(directory: str) -> str | None:
    """The newest migration this code brings (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", directory)
    return ScriptDirectory.from_config(config).get_current_head()


def database_revision(connection) -> str | None:
    """The migration the database is at, or None when it has no alembic_version table."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def migrations_state(app: Flask, connection) -> tuple[str, str | None, str | None]:
    """("at head" | "mismatch" | "unversioned", the database's revision, the code's head)."""
    head = code_head(app.extensions["migrate"].directory)
    current = database_revision(connection)
    if current is None:
        return "unversioned", None, head
    return ("at head" if current == head else "mismatch"), current, head


# --- the checks ---------------------------------------------------------------------------------------------------


def check_configuration(app: Flask) -> Finding:
    """Production's settings, whatever SIP_ENV says (in development they only warn)."""
    problems = production_problems(SimpleNamespace(SIP_SMTP_URL=app.config.get("SIP_SMTP_URL")))
    if not problems:
        return Finding("settings", OK, f"SIP_ENV={app.config['SIP_ENV']}; mail, base URL and database are set")
    status = FAIL if app.config["SIP_ENV"] == "production" else WARN
    return Finding("settings", status, f"SIP_ENV={app.config['SIP_ENV']}, {len(problems)} problem(s): "
                   + " ".join(problems), "set them in the settings file (README: Configuration)")


def check_database(app: Flask) -> list[Finding]:
    """The database answers, and its migrations are those of the code."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    started = time.perf_counter()
    problem = database_problem(url)
    if problem:
        return [Finding("database", FAIL, problem, "check SIP_DATABASE_URL (host, user, password, database name) "
                        "and that the server runs; then run the doctor again"),
                Finding("migrations", FAIL, "not checked: no database", "fix the database first")]
    found = [Finding("database", OK, f"{_shown(url)} answers ({(time.perf_counter() - started) * 1000:.0f} ms)")]
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            state, current, head = migrations_state(app, connection)
    finally:
        engine.dispose()
    if state == "at head":
        found.append(Finding("migrations", OK, f"at the code's latest version ({head})"))
    elif state == "unversioned":
        found.append(Finding("migrations", FAIL, "the database has no version: it was never set up",
                             "flask --app app sip setup"))
    else:
        found.append(Finding("migrations", FAIL, f"the database is at {current}, the code at {head}",
                             "flask --app app sip setup (once, from one host), then restart the web server and "
                             "the worker"))
    return found


def check_mail(app: Flask, timeout: int = 10) -> Finding:
    """The mail server answers (connection, TLS, login); nothing is sent."""
    url = app.config.get("SIP_SMTP_URL")
    if not url:
        return Finding("mail", WARN if app.config["SIP_ENV"] != "production" else FAIL,
                       "SIP_SMTP_URL is not set: e-mails are printed on the worker's console",
                       "set SIP_SMTP_URL=smtp+starttls://user:password@mail.example.org:587 in the settings file")
    from sip.core.mail import _connect

    parts = urlsplit(url)
    where = f"{parts.scheme}://{parts.hostname}:{parts.port or ''}".rstrip(":")
    try:
        server = _connect(parts)
        try:
            code, _message = server.noop()
        finally:
            server.close()
    except (OSError, smtplib.SMTPException) as error:
        return Finding("mail", FAIL, f"{where} does not accept us: {type(error).__name__}: {error}"[:300],
                       "check the host, port, scheme (smtp, smtp+starttls, smtps), user and password of "
                       "SIP_SMTP_URL, and that this host may reach it (firewall)")
    return Finding("mail", OK, f"{where} answers (NOOP {code}); e-mails leave from {app.config['SIP_MAIL_FROM']}")


def check_base_url(app: Flask, timeout: int = 5) -> Finding:
    """SIP_BASE_URL is the public HTTPS address, and this server answers there."""
    base = app.config.get("SIP_BASE_URL") or ""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Finding("base URL", FAIL, f"SIP_BASE_URL is {base!r}", "set SIP_BASE_URL=https://sip.example.org")
    if parts.scheme != "https" and parts.hostname not in LOOPBACK_HOSTS:
        return Finding("base URL", FAIL, f"{base} is not HTTPS: links in e-mails would be sent in clear and the "
                       "secure session cookie would not come back", "put nginx with TLS in front "
                       "(deploy/nginx-sip.conf) and set SIP_BASE_URL=https://…")
    try:
        with urllib.request.urlopen(base.rstrip("/") + "/healthz", timeout=timeout) as answer:  # noqa: S310  # nosec B310 (http or https, checked above)
            status = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (OSError, ValueError) as error:
        return Finding("base URL", WARN, f"{base} is set, but /healthz there does not answer from this host "
                       f"({type(error).__name__}: {error})"[:300],
                       "check DNS, nginx and its certificate, or ignore this if this host cannot reach its own "
                       "public address")
    if status != 200:
        return Finding("base URL", WARN, f"{base}/healthz answers {status}", "see the web server's log")
    if parts.hostname in LOOPBACK_HOSTS and app.config["SIP_ENV"] == "production":
        return Finding("base URL", WARN, f"{base} is a loopback address: links in e-mails work on this host only",
                       "set SIP_BASE_URL to the public address")
    return Finding("base URL", OK, f"{base} answers /healthz")


def check_worker(app: Flask) -> Finding:
    """A background worker beat recently."""
    from sip.core import heartbeat
    from sip.extensions import db

    try:
        when = heartbeat.last_beat()
    except Exception as error:  # noqa: BLE001
        db.session.rollback()
        return Finding("worker", FAIL, f"cannot read the heartbeat ({type(error).__name__})",
                       "flask --app app sip setup (the table comes with the migrations)")
    finally:
        db.session.rollback()
    stale = int(app.config.get("SIP_WORKER_STALE_SECONDS", 180))
    if when is None:
        return Finding("worker", FAIL, "no worker has ever run on this database: mail and daily jobs wait",
                       "systemctl enable --now sip-worker (deploy/sip-worker.service)")
    age = heartbeat.age_seconds(when)
    if not heartbeat.is_alive(when, stale):
        return Finding("worker", FAIL, f"the last heartbeat is {age:.0f} s old (more than {stale} s)",
                       "systemctl status sip-worker; journalctl -u sip-worker")
    return Finding("worker", OK, f"alive (last heartbeat {age:.0f} s ago)")


def check_pdf_parts(app: Flask) -> list[Finding]:
    """Chromium (chart images of the PDF) and the pango libraries (WeasyPrint)."""
    from importlib import import_module

    try:  # the exports domain knows where its Chromium is; core only asks it
        availability = import_module("sip.exports.availability")
    except ImportError:
        return [Finding("chromium", WARN, "the exports are not installed")]
    chromium = availability.chromium_executable()
    found = [Finding("chromium", OK, f"{chromium}") if chromium else
             Finding("chromium", FAIL, f"no Chromium at {availability.chromium_path()}: the PDF has no chart images",
                     "apt-get install chromium (or set SIP_CHROMIUM)")]
    problem = availability.weasyprint_problem()
    found.append(Finding("pango", OK, "WeasyPrint and the pango libraries load") if problem is None else
                 Finding("pango", FAIL, problem.problem,
                         "apt-get install libpango-1.0-0 libpangoft2-1.0-0, then restart"))
    return found


def run_checks(app: Flask | None = None, *, network: bool = True) -> list[Finding]:
    """Every check, in the order an operator fixes things."""
    app = app or current_app._get_current_object()
    findings = [check_configuration(app), *check_database(app)]
    if findings[1].status == OK:
        findings.append(check_worker(app))
    else:
        findings.append(Finding("worker", FAIL, "not checked: no database", "fix the database first"))
    if network:
        findings += [check_mail(app), check_base_url(app)]
    findings += check_pdf_parts(app)
    return findings
