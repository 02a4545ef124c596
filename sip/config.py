"""Configuration read from the environment."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("SIP_INSTANCE_PATH", ROOT / "instance"))
WEAK_KEYS = {"", "dev", "secret", "changeme", "change-me", "development", "test"}
SMTP_SCHEMES = ("smtp", "smtp+starttls", "smtps")
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to set, one line per problem."""

    def __init__(self, message: str):
        super().__init__(message)
        self.problems = [line for line in message.splitlines() if line.strip()]


def load_environment_file(path: str | None = None) -> Path | None:
    """Read the settings file named by SIP_ENV_FILE (KEY=value lines, as systemd's EnvironmentFile reads them) into
    the environment, without overriding what the environment already says; the file it read, or None.

    Every process (gunicorn, the worker, scheduled jobs, an operator's command) reads its settings through this one
    function, so they cannot disagree. The file holds the secret key and the database password: it must be readable
    by its owner only (mode 600), or nothing starts.
    """
    path = path or os.environ.get("SIP_ENV_FILE")
    if not path:
        return None
    file = Path(path)
    try:
        mode = file.stat().st_mode
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise ConfigError(f"SIP_ENV_FILE={path}: cannot read it ({error.strerror}).") from error
    if mode & 0o077:
        raise ConfigError(f"SIP_ENV_FILE={path} is readable by others (mode {mode & 0o777:o}): it holds secrets; "
                          f"run `chmod 600 {path}`.")
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        name, equals, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name.replace("_", "").isalnum() or name[0].isdigit():
            raise ConfigError(f"SIP_ENV_FILE={path}, line {number}: expected NAME=value.")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]  # systemd strips one pair of quotes; no other expansion, like systemd
        os.environ.setdefault(name, value)
    return file


def instance_folder() -> Path:
    """The folder for this instance's files (SQLite database, queue, development key, control socket)."""
    return Path(os.environ.get("SIP_INSTANCE_PATH") or ROOT / "instance")


def production_problems(config) -> list[str]:
    """What keeps this configuration from running in production, one sentence per problem (empty when none)."""
    from urllib.parse import urlsplit

    problems = []
    database = os.environ.get("SIP_DATABASE_URL", "").strip()
    if not database:
        problems.append("SIP_DATABASE_URL is not set: name the database, e.g. "
                        "postgresql+psycopg://sip:PASSWORD@db.example.org/sip.")
    else:
        problems += database_url_problems(database)
    smtp = urlsplit(config.SIP_SMTP_URL or "")
    if not config.SIP_SMTP_URL:
        problems.append("SIP_SMTP_URL is not set: production sends mail (invitations, resets) through a mail "
                        "server, e.g. smtp+starttls://user:password@mail.example.org:587.")
    elif smtp.scheme not in SMTP_SCHEMES or not smtp.hostname:
        problems.append(f"SIP_SMTP_URL must be {', '.join(s + '://host' for s in SMTP_SCHEMES)} "
                        f"(its scheme is {smtp.scheme or 'missing'!r}).")
    base = urlsplit(os.environ.get("SIP_BASE_URL", "").strip())
    if not os.environ.get("SIP_BASE_URL", "").strip():
        problems.append("SIP_BASE_URL is not set: the links in e-mails need the public address, "
                        "e.g. https://sip.example.org.")
    elif base.scheme not in ("http", "https") or not base.hostname:
        problems.append(f"SIP_BASE_URL must be an address such as https://sip.example.org (it is "
                        f"{os.environ['SIP_BASE_URL']!r}).")
    elif base.scheme != "https" and base.hostname not in LOOPBACK_HOSTS:
        problems.append("SIP_BASE_URL must start with https:// in production (the session cookie is sent over "
                        "HTTPS only).")
    return problems


def database_url_problems(url: str) -> list[str]:
    """Why a database URL cannot be used (empty when it looks usable; the doctor also connects)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return ["SIP_DATABASE_URL is not a database URL: use postgresql+psycopg://user:password@host/name "
                "or sqlite:////absolute/path.sqlite."]
    if parsed.get_backend_name() == "sqlite":
        folder = Path(parsed.database or "").parent
        if not parsed.database or parsed.database == ":memory:":
            return ["SIP_DATABASE_URL names an in-memory SQLite database: nothing would be kept."]
        if not folder.is_dir():
            return [f"SIP_DATABASE_URL: the folder {folder} of the SQLite database does not exist."]
        return []
    if parsed.get_backend_name() != "postgresql":
        return [f"SIP_DATABASE_URL: {parsed.get_backend_name()} is not supported; use PostgreSQL or SQLite."]
    if parsed.drivername not in ("postgresql", "postgresql+psycopg"):
        return [f"SIP_DATABASE_URL: use the psycopg driver (postgresql+psycopg://…), not {parsed.drivername}."]
    return []


def _sqlite_url(path: Path) -> str:
    """SQLAlchemy URL for a SQLite file."""
    return f"sqlite:///{path}"


def development_secret_key(instance: Path) -> str:
    """Return the development key kept in instance/, creating it once."""
    key_file = instance / "secret_key"
    if not key_file.exists():
        instance.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _positive_number(name: str, default: int) -> int:
    """A whole number of at least 1 from the environment variable `name`, or the default when it is unset."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} must be a whole number of at least 1 (it is {raw!r}).")
    return int(raw)


MFA_ROLES = ("secretariat", "admin")


def mfa_required_roles(raw: str | None) -> tuple[str, ...]:
    """The roles that must use two-step sign-in, from SIP_MFA_REQUIRED_ROLES: a comma-separated list of
    "secretariat" and "admin" (both when unset), or "none" to make it optional for everyone (tests, never
    production)."""
    raw = (raw or "").strip().lower()
    if not raw:
        return MFA_ROLES
    if raw == "none":
        return ()
    roles = tuple(role.strip() for role in raw.split(",") if role.strip())
    unknown = [role for role in roles if role not in MFA_ROLES]
    if unknown:
        raise ConfigError(f"SIP_MFA_REQUIRED_ROLES lists {', '.join(unknown)}: use secretariat, admin or none.")
    return roles


def production_secret_key() -> str:
    """Return SECRET_KEY from the environment, refusing a missing or weak one."""
    key = os.environ.get("SECRET_KEY", "")
    if key.lower() in WEAK_KEYS or len(key) < 32 or len(set(key)) < 10:
        raise ConfigError(
            "SIP_ENV=production needs a strong SECRET_KEY (at least 32 random characters), "
            'for example: python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    return key


class Config:
    """Settings shared by every environment."""

    SIP_ENV = "development"
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    LANGUAGES = ("fr", "en")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "sip" / "translations")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PLAN_PAGE_SIZE = 100
    SEND_FILE_MAX_AGE_DEFAULT = 3600
    # Request size limits (413 beyond them, nothing read or saved). A report of a group responsible for many
    # activities, every text field full (20,000 characters), stays under 5 MB url-encoded; uploads are plan text
    # documents of a few hundred kB.
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 500_000  # one multipart text field (a 20,000-character text is at most 80 kB in UTF-8)
    MAX_FORM_PARTS = 2_000  # multipart fields: a report has 8 per activity
    # A signed-in session ends after this long without a request, and this long after signing in whatever happens
    # (checked on the server from times kept in the signed session cookie: sip/accounts/loader.py).
    SIP_SESSION_IDLE_MINUTES = 30
    SIP_SESSION_MAX_HOURS = 12
    PERMANENT_SESSION_LIFETIME = timedelta(hours=SIP_SESSION_MAX_HOURS)
    # The outbox and its worker (README: "Background worker and mail"). Back-off: 1 min, 2, 4 … capped at 1 hour;
    # failed for good after 8 attempts; a row left 'sending' by a worker that died is queued again after the lease.
    SIP_OUTBOX_MAX_ATTEMPTS = 8
    SIP_OUTBOX_RETRY_SECONDS = 60
    SIP_OUTBOX_RETRY_MAX_SECONDS = 3600
    SIP_OUTBOX_LEASE_SECONDS = 600
    SIP_WORKER_THREADS = 2
    SIP_WORKER_SWEEP_SECONDS = 60  # how often the worker sends whatever is due (must divide 60)
    SIP_REMINDERS_CRON = "0 7 * * *"  # the daily reminders in the worker, UTC; "off" leaves them to cron
    SIP_DIGEST_CRON = "0 7 * * *"  # the daily notification digests in the worker, UTC (morning in Rome and Africa)
    # Throttling of password checks, MFA codes, reset requests and invitation resends (sip/accounts/limiter.py);
    # each SIP_THROTTLE_* attribute can be set from the environment variable of the same name.
    SIP_THROTTLE_WINDOW_MINUTES = 15  # failures older than this are forgotten
    SIP_THROTTLE_FREE_FAILURES = 5  # per account and client address, before any wait
    SIP_THROTTLE_FIRST_DELAY_SECONDS = 30  # the first wait, doubled at each further failure ...
    SIP_THROTTLE_MAX_DELAY_SECONDS = 900  # ... up to this
    SIP_THROTTLE_ADDRESS_FAILURES = 100  # per client address across all accounts (a shared office, the GLM Wi-Fi)
    SIP_THROTTLE_ACCOUNT_FAILURES = 50  # per account across all addresses; beyond it each try waits FIRST_DELAY
    # Wrong two-step codes per account a day, from all addresses together: whoever tries codes already knows the
    # password, and a six-digit code falls to about 3,000 tries a day under the ceiling above (1 % a day); 20 a day
    # leave 1 in 17,000. A password reset or the secretariat's reset of the factor forgives them.
    SIP_THROTTLE_MFA_FAILURES_PER_DAY = 20
    SIP_THROTTLE_RESETS_PER_ACCOUNT = 3  # password reset requests per target address per hour
    SIP_THROTTLE_RESETS_PER_ADDRESS = 20  # password reset requests per client address per hour
    SIP_THROTTLE_INVITATIONS_PER_DAY = 5  # invitation resends per invited person per day
    # Two-step sign-in is required of these roles (sip/accounts/mfa.py); SIP_MFA_REQUIRED_ROLES=none in the
    # environment makes it optional for everyone, which production refuses.
    SIP_MFA_REQUIRED_ROLES = MFA_ROLES
    # The read API (sip/api): personal access tokens last at most this many days; each token may make this many
    # requests a minute (429 beyond, with Retry-After). The IATI file names its publisher with these.
    SIP_API_TOKEN_MAX_DAYS = 365
    SIP_API_RATE_PER_MINUTE = 120
    SIP_IATI_ORG_REF = "XM-DAC-41140"  # WFP, the Logistics Cluster's lead agency, in the IATI organisation registry
    SIP_IATI_ORG_TYPE = "40"  # multilateral (IATI OrganisationType codelist)
    SIP_IATI_ORG_NAME_EN = "Global Logistics Cluster"
    SIP_IATI_ORG_NAME_FR = "Cluster Logistique mondial"
    # Personal data (sip/accounts/privacy.py): `sip anonymise` anonymises accounts deactivated this many days ago.
    SIP_ANONYMISE_AFTER_DAYS = 365
    SIP_ANONYMISE_CRON = "30 2 * * *"  # the worker's daily `sip anonymise`, UTC; "off" leaves it to cron
    # Operations (README: "Deploying"): who may read /metrics, and how old the worker's last heartbeat may be before
    # /healthz and `sip doctor` say it is down (it beats every sweep, at most every minute).
    SIP_METRICS_ALLOW = ("127.0.0.1", "::1")
    SIP_WORKER_STALE_SECONDS = 180
    # Flask-WTF's referrer check compares with the Host header, which a proxy may not pass on; sip/core/origin.py
    # checks the Origin (or Referer) of every form post against this server's host and SIP_BASE_URL instead.
    WTF_CSRF_SSL_STRICT = False

    def __init__(self):
        load_environment_file()  # SIP_ENV_FILE: the same settings file for every process (deploy/sip.env)
        instance = instance_folder()
        self.SIP_INSTANCE_PATH = str(instance)
        # The GLM pack's built files, and the profile of the Chromium that draws its charts (sip/exports).
        self.SIP_EXPORTS_DIR = os.environ.get("SIP_EXPORTS_DIR") or str(instance / "exports")
        self.SIP_CHROMIUM_PROFILE = os.environ.get("SIP_CHROMIUM_PROFILE") or str(instance / "chromium")
        self.SIP_ENV = os.environ.get("SIP_ENV", self.SIP_ENV)
        self.SIP_BASE_URL = os.environ.get("SIP_BASE_URL", "http://127.0.0.1:5000")
        self.SIP_SMTP_URL = os.environ.get("SIP_SMTP_URL") or None
        self.SIP_MAIL_FROM = os.environ.get("SIP_MAIL_FROM", "SIP Tracker <no-reply@localhost>")
        self.SIP_PUBLIC_PLAN = os.environ.get("SIP_PUBLIC_PLAN", "1") not in ("0", "false", "no")
        # Reverse proxies in front whose X-Forwarded-* headers are believed (0: none; the headers are ignored).
        self.SIP_TRUSTED_PROXIES = int(os.environ.get("SIP_TRUSTED_PROXIES") or 0)
        self.SIP_LOG_FORMAT = os.environ.get("SIP_LOG_FORMAT") or ("json" if self.SIP_ENV == "production" else "text")
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("SIP_DATABASE_URL") or _sqlite_url(instance / "sip.sqlite")
        self.SIP_QUEUE_URL = os.environ.get("SIP_QUEUE_URL") or _sqlite_url(instance / "queue.sqlite")
        self.SIP_METRICS_ALLOW = tuple(part.strip() for part in os.environ.get(
            "SIP_METRICS_ALLOW", ",".join(self.SIP_METRICS_ALLOW)).split(",") if part.strip())
        self.SIP_WORKER_STALE_SECONDS = _positive_number("SIP_WORKER_STALE_SECONDS", self.SIP_WORKER_STALE_SECONDS)
        for name in ("SIP_OUTBOX_MAX_ATTEMPTS", "SIP_OUTBOX_RETRY_SECONDS", "SIP_OUTBOX_RETRY_MAX_SECONDS",
                     "SIP_OUTBOX_LEASE_SECONDS", "SIP_WORKER_THREADS", "SIP_WORKER_SWEEP_SECONDS"):
            setattr(self, name, _positive_number(name, getattr(self, name)))
        self.SIP_REMINDERS_CRON = os.environ.get("SIP_REMINDERS_CRON", self.SIP_REMINDERS_CRON)
        self.SIP_DIGEST_CRON = os.environ.get("SIP_DIGEST_CRON", self.SIP_DIGEST_CRON)
        self.SIP_SESSION_IDLE_MINUTES = _positive_number("SIP_SESSION_IDLE_MINUTES", self.SIP_SESSION_IDLE_MINUTES)
        self.SIP_SESSION_MAX_HOURS = _positive_number("SIP_SESSION_MAX_HOURS", self.SIP_SESSION_MAX_HOURS)
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=self.SIP_SESSION_MAX_HOURS)
        for name in [key for key in dir(Config) if key.startswith("SIP_THROTTLE_")]:
            setattr(self, name, _positive_number(name, getattr(Config, name)))
        self.SIP_MFA_REQUIRED_ROLES = mfa_required_roles(os.environ.get("SIP_MFA_REQUIRED_ROLES"))
        for name in ("SIP_API_TOKEN_MAX_DAYS", "SIP_API_RATE_PER_MINUTE", "SIP_ANONYMISE_AFTER_DAYS"):
            setattr(self, name, _positive_number(name, getattr(Config, name)))
        self.SIP_ANONYMISE_CRON = os.environ.get("SIP_ANONYMISE_CRON", self.SIP_ANONYMISE_CRON)
        for name in ("SIP_IATI_ORG_REF", "SIP_IATI_ORG_TYPE", "SIP_IATI_ORG_NAME_EN", "SIP_IATI_ORG_NAME_FR"):
            setattr(self, name, os.environ.get(name) or getattr(Config, name))
        # The suite's servers read databases whose passwords were hashed with its light profile; without it, each
        # first sign-in would store a full-cost hash again (sip/accounts/passwords.py). Never in production.
        self.SIP_PASSWORD_PROFILE = os.environ.get("SIP_PASSWORD_PROFILE") or getattr(self, "SIP_PASSWORD_PROFILE",
                                                                                      "default")
        if self.SIP_ENV == "production":
            # Every problem at once, one line each, so that a first deployment is fixed in one pass.
            problems = []
            if self.SIP_PASSWORD_PROFILE != "default":  # noqa: S105  a hashing profile's name, no password
                problems.append("SIP_ENV=production hashes passwords at full cost: unset SIP_PASSWORD_PROFILE.")
            if set(self.SIP_MFA_REQUIRED_ROLES) != set(MFA_ROLES):
                problems.append("SIP_ENV=production requires two-step sign-in of the secretariat and the "
                                "administrators: unset SIP_MFA_REQUIRED_ROLES.")
            try:
                self.SECRET_KEY = production_secret_key()
            except ConfigError as error:
                problems.append(str(error))
            if os.environ.get("FLASK_DEBUG", "").lower() in ("1", "true", "yes"):
                problems.append("SIP_ENV=production refuses to start with FLASK_DEBUG on.")
            problems += production_problems(self)
            if problems:
                raise ConfigError("\n".join(problems))
            self.SESSION_COOKIE_SECURE = True
            self.PREFERRED_URL_SCHEME = "https"
        else:
            self.SECRET_KEY = os.environ.get("SECRET_KEY") or development_secret_key(instance)


class TestConfig(Config):
    """Settings for the test suite: a database URL is given by the fixture."""

    __test__ = False  # not a test class, whatever pytest thinks of the name
    TESTING = True
    SIP_ENV = "test"
    WTF_CSRF_ENABLED = False  # tests of CSRF itself turn it back on
    SIP_PASSWORD_PROFILE = "test"  # noqa: S105
    # Signing in as the secretariat needs no second step here, so that tests of everything else sign in with a
    # password; the tests of two-step sign-in (tests/accounts/test_mfa.py) turn the requirement on.
    SIP_MFA_REQUIRED_ROLES = ()
    SERVER_NAME = None

    SIP_BASE_URL = "http://sip.test"
    SIP_SMTP_URL = None
    SIP_MAIL_FROM = "SIP Tracker <no-reply@sip.test>"
    SIP_PUBLIC_PLAN = True
    SIP_QUEUE_URL = "off"  # nothing is enqueued after a commit: tests call sip.core.outbox.deliver_due() themselves

    def __init__(self, database_url: str):
        self.SQLALCHEMY_DATABASE_URI = database_url
        self.SECRET_KEY = "test-" + secrets.token_hex(16)
