"""Configuration read from the environment."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("SIP_INSTANCE_PATH", ROOT / "instance"))
WEAK_KEYS = {"", "dev", "secret", "changeme", "change-me", "development", "test"}


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says what to set."""


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

    def __init__(self):
        self.SIP_ENV = os.environ.get("SIP_ENV", self.SIP_ENV)
        self.SIP_BASE_URL = os.environ.get("SIP_BASE_URL", "http://127.0.0.1:5000")
        self.SIP_SMTP_URL = os.environ.get("SIP_SMTP_URL") or None
        self.SIP_MAIL_FROM = os.environ.get("SIP_MAIL_FROM", "SIP Tracker <no-reply@localhost>")
        self.SIP_PUBLIC_PLAN = os.environ.get("SIP_PUBLIC_PLAN", "1") not in ("0", "false", "no")
        # Reverse proxies in front whose X-Forwarded-* headers are believed (0: none; the headers are ignored).
        self.SIP_TRUSTED_PROXIES = int(os.environ.get("SIP_TRUSTED_PROXIES") or 0)
        self.SIP_LOG_FORMAT = os.environ.get("SIP_LOG_FORMAT") or ("json" if self.SIP_ENV == "production" else "text")
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("SIP_DATABASE_URL") or _sqlite_url(INSTANCE / "sip.sqlite")
        self.SIP_QUEUE_URL = os.environ.get("SIP_QUEUE_URL") or _sqlite_url(INSTANCE / "queue.sqlite")
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
        # The suite's servers read databases whose passwords were hashed with its light profile; without it, each
        # first sign-in would store a full-cost hash again (sip/accounts/passwords.py). Never in production.
        self.SIP_PASSWORD_PROFILE = os.environ.get("SIP_PASSWORD_PROFILE") or getattr(self, "SIP_PASSWORD_PROFILE",
                                                                                      "default")
        if self.SIP_ENV == "production":
            if self.SIP_PASSWORD_PROFILE != "default":  # noqa: S105  a hashing profile's name, no password
                raise ConfigError("SIP_ENV=production hashes passwords at full cost: unset SIP_PASSWORD_PROFILE.")
            if set(self.SIP_MFA_REQUIRED_ROLES) != set(MFA_ROLES):
                raise ConfigError("SIP_ENV=production requires two-step sign-in of the secretariat and the "
                                  "administrators: unset SIP_MFA_REQUIRED_ROLES.")
            self.SECRET_KEY = production_secret_key()
            self.SESSION_COOKIE_SECURE = True
            self.PREFERRED_URL_SCHEME = "https"
            if os.environ.get("FLASK_DEBUG", "").lower() in ("1", "true", "yes"):
                raise ConfigError("SIP_ENV=production refuses to start with FLASK_DEBUG on.")
        else:
            self.SECRET_KEY = os.environ.get("SECRET_KEY") or development_secret_key(INSTANCE)


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
