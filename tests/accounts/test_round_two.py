"""Security review, round two (issue 19): findings 2 (sessions), 4 (sign-in timing) and 8 (current-password throttle).

No test reads the wall clock: session ages move a clock that the test sets, and timing is compared by counting
argon2 verifications.
"""
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from sip.accounts import loader
from sip.accounts.models import User
from sip.config import Config, ConfigError
from sip.core.models import AuditEntry
from sip.extensions import db
from tests.conftest import DEFAULT_PASSWORD, log_in
from tests.helpers import page_text

ENDED = "Your session has ended; sign in again."


# --- finding 2: sessions have an idle and an absolute limit -----------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """The sessions' clock, in seconds, set by the test: `clock.at(minutes)`."""

    class Clock:
        now = 1_700_000_000.0

        def at(self, minutes: float) -> None:
            self.now = 1_700_000_000.0 + minutes * 60

    frozen = Clock()
    monkeypatch.setattr(loader, "now", lambda: frozen.now, raising=False)
    return frozen


def signed_in(client) -> bool:
    """True when the client's session still signs it in (the account page answers instead of redirecting)."""
    return client.get("/account").status_code == 200


def test_finding_2_a_request_31_minutes_after_the_last_is_anonymous(app, client, make_user, clock):
    user = make_user()
    clock.at(0)
    assert log_in(client, user).status_code == 302
    clock.at(10)
    assert signed_in(client)
    clock.at(41)
    response = client.get("/account?lang=en")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert ENDED in page_text(client.get(response.headers["Location"]))
    clock.at(42)
    assert not signed_in(client)  # ended for good, not only for one request


def test_finding_2_a_request_within_the_idle_limit_keeps_the_session(app, client, make_user, clock):
    user = make_user()
    clock.at(0)
    log_in(client, user)
    clock.at(29)
    assert signed_in(client)


def test_finding_2_a_request_every_20_minutes_stays_signed_in_until_12_hours(app, client, make_user, clock):
    user = make_user()
    clock.at(0)
    log_in(client, user)
    for minutes in range(20, 12 * 60, 20):
        clock.at(minutes)
        assert signed_in(client), f"signed out after {minutes} minutes"
    clock.at(12 * 60)
    assert not signed_in(client)


def test_finding_2_last_seen_is_rewritten_at_most_once_a_minute(app, client, make_user, clock):
    user = make_user()
    clock.at(0)
    log_in(client, user)
    client.get("/account")  # shows (and so takes out of the cookie) the welcome message
    clock.at(0.5)
    assert "Set-Cookie" not in client.get("/account").headers  # nothing new to keep: the cookie is not rewritten
    clock.at(1.5)
    assert "Set-Cookie" in client.get("/account").headers


def test_finding_2_a_session_without_its_times_is_ended(app, client, make_user, clock):
    """Sessions from before the limits (no sign-in time in them) end at their next request."""
    user = make_user()
    clock.at(0)
    log_in(client, user)
    with client.session_transaction() as session:
        del session["_signed_in_at"]
    assert not signed_in(client)


def test_finding_2_signing_out_everywhere_still_ends_other_sessions(app, make_user, clock):
    user = make_user()
    clock.at(0)
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, user)
    log_in(phone, user)
    laptop.post("/logout")
    assert not signed_in(phone)


def test_finding_2_the_limits_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("SIP_ENV", raising=False)
    monkeypatch.delenv("SIP_SESSION_IDLE_MINUTES", raising=False)
    monkeypatch.delenv("SIP_SESSION_MAX_HOURS", raising=False)
    config = Config()
    assert (config.SIP_SESSION_IDLE_MINUTES, config.SIP_SESSION_MAX_HOURS) == (30, 12)
    assert config.PERMANENT_SESSION_LIFETIME.total_seconds() == 12 * 3600
    monkeypatch.setenv("SIP_SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("SIP_SESSION_MAX_HOURS", "8")
    config = Config()
    assert (config.SIP_SESSION_IDLE_MINUTES, config.SIP_SESSION_MAX_HOURS) == (15, 8)
    assert config.PERMANENT_SESSION_LIFETIME.total_seconds() == 8 * 3600
    monkeypatch.setenv("SIP_SESSION_IDLE_MINUTES", "half an hour")
    with pytest.raises(ConfigError, match="SIP_SESSION_IDLE_MINUTES"):
        Config()


def test_finding_2_the_test_configuration_keeps_the_defaults(app):
    assert app.config["SIP_SESSION_IDLE_MINUTES"] == 30
    assert app.config["SIP_SESSION_MAX_HOURS"] == 12
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 12 * 3600


def test_finding_2_the_app_follows_its_configured_idle_limit(app, client, make_user, clock):
    app.config["SIP_SESSION_IDLE_MINUTES"] = 5
    user = make_user()
    clock.at(0)
    log_in(client, user)
    clock.at(6)
    assert not signed_in(client)


# --- finding 4: sign-in does the same argon2 work whether or not the account has a password ---------------------


@pytest.fixture
def verifications(monkeypatch):
    """Count calls to argon2's verify, whatever hasher profile makes them."""
    calls = []
    original = PasswordHasher.verify

    def counting(self, hash, password):
        calls.append(hash)
        return original(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    return calls


def test_finding_4_sign_in_verifies_once_for_every_kind_of_failure(app, client, make_user, verifications):
    existing = make_user()
    invited = make_user(password=None)
    counts = {}
    for label, attempt in (
        ("wrong password", lambda: log_in(client, existing, password="not the right password")),
        ("unknown e-mail", lambda: client.post("/login", data={"email": "nobody@example.org", "password": "whatever 12345"})),
        ("invited, no password", lambda: log_in(client, invited, password="whatever 12345")),
    ):
        verifications.clear()
        assert attempt().status_code == 401, label
        counts[label] = len(verifications)
    assert counts == {"wrong password": 1, "unknown e-mail": 1, "invited, no password": 1}


def test_finding_4_an_invited_account_without_a_password_still_cannot_sign_in(app, client, make_user):
    invited = make_user(password=None)
    for password in ("", "not a password of anyone", DEFAULT_PASSWORD):
        client.post("/login", data={"email": f"person{invited}@example.org", "password": password})
    assert not signed_in(client)


# --- finding 8: the current-password check on /account is throttled like sign-in ---------------------------------


def change_password(client, current: str):
    return client.post("/account?lang=en", data={"password-current": current,
                                                  "password-new": "a much longer passphrase for logistics"})


def test_finding_8_the_current_password_check_is_throttled(app, client, make_user, verifications):
    user = make_user()
    log_in(client, user)
    with app.app_context():
        before = db.session.get(User, user).password_hash
    for _ in range(5):
        assert change_password(client, "not my password!").status_code == 400
    verifications.clear()
    response = change_password(client, DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert "Too many failed attempts" in page_text(response)
    assert verifications == []  # refused without checking the password
    with app.app_context():
        assert db.session.get(User, user).password_hash == before
        actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.user_id == user)
                                          .order_by(AuditEntry.id)))
    assert actions == ["login.succeeded", *["login.failed"] * 5, "login.throttled"]


def test_finding_8_wrong_current_passwords_count_towards_the_sign_in_throttle(app, client, make_user):
    user = make_user()
    log_in(client, user)
    for _ in range(5):
        change_password(client, "not my password!")
    assert log_in(app.test_client(), user).status_code == 429


# --- finding 7: argon2 runs with no database transaction open, so saves do not queue behind sign-ins ------------


@pytest.fixture
def argon2_probe(app, monkeypatch):
    """While each argon2 hash or verify runs: is a transaction open in the app's session, and (SQLite) can another
    connection take the write lock within 100 ms? One (transaction open, other write ok) pair per argon2 run."""
    import sqlite3

    from flask import has_app_context
    from sqlalchemy.engine import make_url

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    seen = []

    def probe():
        if not has_app_context():
            return  # the test itself hashing, not the app
        other_write = None
        if url.get_backend_name() == "sqlite":
            other = sqlite3.connect(url.database, timeout=0.1, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                other_write = True
            except sqlite3.OperationalError:
                other_write = False
            finally:
                other.close()
        seen.append((db.session().in_transaction(), other_write))

    for name in ("hash", "verify"):
        original = getattr(PasswordHasher, name)

        def wrapped(self, *args, _original=original, **kwargs):
            probe()
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(PasswordHasher, name, wrapped)
    return seen


def free(seen) -> bool:
    """True when argon2 ran at least once, and never inside a transaction nor while the write lock was held."""
    return bool(seen) and all(not open_ and other is not False for open_, other in seen)


def test_finding_7_password_hashing_holds_no_write_lock(app, client, make_user, argon2_probe):
    user = make_user()
    assert log_in(client, user).status_code == 302
    assert free(argon2_probe)


def test_finding_7_failed_sign_ins_verify_with_no_write_lock(app, client, make_user, argon2_probe):
    user = make_user()
    assert log_in(client, user, password="not the right one at all").status_code == 401
    assert client.post("/login", data={"email": "nobody@example.org", "password": "whatever it is"}).status_code == 401
    assert len(argon2_probe) >= 2 and free(argon2_probe)


def test_finding_7_changing_the_password_hashes_with_no_write_lock(app, client, make_user, argon2_probe):
    user = make_user()
    log_in(client, user)
    argon2_probe.clear()
    response = client.post("/account", data={"password-current": DEFAULT_PASSWORD,
                                             "password-new": "a brand new passphrase for me"})
    assert response.status_code == 302
    assert len(argon2_probe) == 2 and free(argon2_probe)  # the verify of the current one, the hash of the new one


def test_finding_7_a_reset_link_sets_the_password_with_no_write_lock(app, client, make_user, argon2_probe):
    from sip.accounts import tokens

    user = make_user()
    with app.app_context():
        link = f"/password-reset/{tokens.make_token(db.session.get(User, user), 'reset')}"
    argon2_probe.clear()
    assert client.post(link, data={"password": "a brand new passphrase for me"}).status_code == 302
    assert free(argon2_probe)
    assert client.post(link, data={"password": "another new passphrase here"}).status_code == 410  # used once


def test_finding_7_an_invitation_sets_the_first_password_with_no_write_lock(app, client, make_user, argon2_probe):
    from sip.accounts import tokens

    user = make_user(password=None)
    with app.app_context():
        link = f"/invitations/{tokens.make_token(db.session.get(User, user), 'invite')}"
    assert client.post(link, data={"password": "a brand new passphrase for me"}).status_code == 302
    assert free(argon2_probe)


def test_finding_7_an_old_hash_is_renewed_at_sign_in_with_no_write_lock(app, client, make_user, argon2_probe):
    user = make_user()
    old = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(DEFAULT_PASSWORD)
    with app.app_context():
        db.session.get(User, user).password_hash = old
        db.session.commit()
    argon2_probe.clear()
    assert log_in(client, user).status_code == 302
    assert len(argon2_probe) == 2 and free(argon2_probe)  # the verify, then the new hash
    with app.app_context():
        renewed = db.session.get(User, user).password_hash
    assert renewed != old and "m=1024" in renewed
    assert log_in(app.test_client(), user).status_code == 302
