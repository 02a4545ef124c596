"""Behind the reverse proxy the README puts in front: the sign-in limits count each client, not the proxy."""
import pytest

from sip import create_app
from sip.config import TestConfig
from sip.extensions import db
from tests.conftest import DEFAULT_PASSWORD, _fresh_schema

PROXY = "127.0.0.1"  # nginx on the same machine: every request reaches the app from it


def signing_in(app, user_email: str, password: str, client_address: str) -> int:
    """A sign-in through the proxy for a client at this address; the answer's status."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = PROXY
    response = client.post("/login", data={"email": user_email, "password": password},
                           headers={"X-Forwarded-For": client_address, "X-Forwarded-Proto": "https"})
    return response.status_code


@pytest.fixture
def proxied(database_url, make_user, monkeypatch):
    """An app configured for one trusted proxy, and two people (their e-mails)."""
    monkeypatch.setattr(TestConfig, "SIP_TRUSTED_PROXIES", 1, raising=False)
    app = create_app(TestConfig(database_url))
    with app.app_context():
        _fresh_schema()
    yield app
    with app.app_context():
        db.engine.dispose()


def _person(app, email: str) -> None:
    """A person who can sign in with the default password."""
    from sip.accounts.models import User
    from sip.accounts.passwords import hash_password

    with app.app_context():
        db.session.add(User(email=email, name=email.split("@")[0], password_hash=hash_password(DEFAULT_PASSWORD),
                            active=True))
        db.session.commit()


def test_one_clients_typos_behind_the_proxy_do_not_lock_out_another_client(proxied):
    _person(proxied, "typist@example.org")
    _person(proxied, "colleague@example.org")
    for _ in range(6):
        assert signing_in(proxied, "typist@example.org", "wrong password again", "203.0.113.7") in (401, 429)
    assert signing_in(proxied, "colleague@example.org", DEFAULT_PASSWORD, "198.51.100.20") == 302


def test_the_audit_trail_records_the_clients_address_not_the_proxys(proxied):
    from sqlalchemy import select

    from sip.core.models import AuditEntry

    _person(proxied, "someone@example.org")
    signing_in(proxied, "someone@example.org", "wrong password again", "203.0.113.7")
    with proxied.app_context():
        assert db.session.scalar(select(AuditEntry.ip).order_by(AuditEntry.id.desc()).limit(1)) == "203.0.113.7"


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(app, make_user, client):
    from tests.conftest import log_in

    user = make_user()
    forged = app.test_client()
    for n in range(5):  # a forged header per attempt must not spread the failures over made-up addresses
        forged.post("/login", data={"email": "person1@example.org", "password": "wrong password again"},
                    headers={"X-Forwarded-For": f"192.0.2.{n}"})
    assert log_in(client, user).status_code == 429
