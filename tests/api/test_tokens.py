"""Personal access tokens: created and revoked on the account page, stored hashed, read-only, expiring, rate-limited,
their use audited once a day; a token sees what its owner sees."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sip.api import services
from sip.api.models import ApiToken
from sip.accounts.models import User
from sip.core.models import AuditEntry, utcnow
from sip.extensions import db
from tests.api.conftest import bearer
from tests.conftest import log_in
from tests.helpers import page_text


@pytest.fixture
def viewer(seeded, make_user):
    """A viewer (no membership) of the real plan."""
    return make_user("Vera Viewer", email="vera@partner.example")


def token_for(app, user_id: int, days: int = 30) -> str:
    """A new token of the person; returns the secret."""
    with app.app_context():
        _token, secret = services.create_token(db.session.get(User, user_id), "script", days)
        return secret


def audit_actions(app, action: str) -> int:
    """How many audit entries have this action."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


# --- the account page ---------------------------------------------------------------------------------------------


def test_a_token_is_created_on_the_account_page_and_shown_once(seeded, viewer):
    client = seeded.test_client()
    log_in(client, viewer)
    response = client.post("/account/tokens", data={"token-name": "Partner dashboard", "token-days": "90"})
    assert response.status_code == 201
    text = page_text(response)
    with seeded.app_context():
        token = db.session.scalar(select(ApiToken))
        secret = re.search(r"sip_[\w-]{30,}", text).group(0)
        assert token.name == "Partner dashboard" and token.token_hash == services.hash_token(secret)
        assert secret not in token.token_hash and token.hint == secret[:10]
        assert 89 <= (token.expires_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None)).days <= 90
    account = page_text(client.get("/account"))
    assert "Partner dashboard" in account and token.hint in account and secret not in account
    assert audit_actions(seeded, "api_token.created") == 1


def test_a_token_without_a_name_is_refused_and_nothing_is_stored(seeded, viewer):
    client = seeded.test_client()
    log_in(client, viewer)
    response = client.post("/account/tokens", data={"token-name": "  ", "token-days": "90"}, follow_redirects=True)
    assert "No token was created" in page_text(response)
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_a_token_longer_than_allowed_is_refused(seeded, viewer):
    with seeded.app_context():
        with pytest.raises(services.TokenError):
            services.create_token(db.session.get(User, viewer), "forever", 10_000)


def test_revoking_a_token_stops_it_at_once(seeded, viewer):
    secret = token_for(seeded, viewer)
    client = seeded.test_client()
    assert client.get("/api/v1/reports", headers=bearer(secret)).status_code == 200
    log_in(client, viewer)
    with seeded.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    response = client.post(f"/account/tokens/{token_id}/revoke", follow_redirects=True)
    assert "is revoked" in page_text(response)
    anonymous = seeded.test_client()
    refused = anonymous.get("/api/v1/reports", headers=bearer(secret))
    assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
    assert audit_actions(seeded, "api_token.revoked") == 1


def test_nobody_revokes_someone_elses_token(seeded, viewer, make_user):
    secret = token_for(seeded, viewer)
    other = make_user("Other Person")
    client = seeded.test_client()
    log_in(client, other)
    with seeded.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert seeded.test_client().get("/api/v1/reports", headers=bearer(secret)).status_code == 200


# --- using a token ------------------------------------------------------------------------------------------------


def test_an_expired_token_is_refused(seeded, viewer):
    secret = token_for(seeded, viewer)
    with seeded.app_context():
        db.session.scalar(select(ApiToken)).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert seeded.test_client().get("/api/v1/reports", headers=bearer(secret)).status_code == 401


def test_the_token_of_a_deactivated_person_is_refused(seeded, viewer):
    secret = token_for(seeded, viewer)
    with seeded.app_context():
        db.session.get(User, viewer).active = False
        db.session.commit()
    assert seeded.test_client().get("/api/v1/reports", headers=bearer(secret)).status_code == 401


@pytest.mark.parametrize("header", ["Bearer sip_not-a-token", "Basic dXNlcjpwYXNz", "Bearer ", "Token abc"])
def test_a_wrong_or_malformed_token_is_a_401_problem(seeded, header):
    response = seeded.test_client().get("/api/v1/activities", headers={"Authorization": header})
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert "WWW-Authenticate" in response.headers


def test_a_token_is_limited_to_its_requests_a_minute(seeded, viewer):
    seeded.config["SIP_API_RATE_PER_MINUTE"] = 3
    secret = token_for(seeded, viewer)
    client = seeded.test_client()
    answers = [client.get("/api/v1/strategies", headers=bearer(secret)).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    refused = client.get("/api/v1/strategies", headers=bearer(secret))
    assert refused.mimetype == "application/problem+json" and 1 <= int(refused.headers["Retry-After"]) <= 61
    with seeded.app_context():
        token = db.session.scalar(select(ApiToken))
        token.window_started_at = utcnow() - timedelta(minutes=2)  # a minute later, the count starts again
        db.session.commit()
    assert client.get("/api/v1/strategies", headers=bearer(secret)).status_code == 200


def test_a_tokens_use_is_audited_once_a_day_not_per_request(seeded, viewer):
    secret = token_for(seeded, viewer)
    client = seeded.test_client()
    for _ in range(3):
        client.get("/api/v1/activities", headers=bearer(secret))
    assert audit_actions(seeded, "api_token.used") == 1
    with seeded.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.last_used_at is not None
        token.last_used_at = utcnow() - timedelta(days=1)
        db.session.commit()
    client.get("/api/v1/activities", headers=bearer(secret))
    assert audit_actions(seeded, "api_token.used") == 2


def test_a_token_sees_what_its_owner_sees(seeded, viewer, make_user):
    sag = make_user("Sam Sag", bodies=[("sag", "member")])
    viewer_secret, sag_secret = token_for(seeded, viewer), token_for(seeded, sag)
    client = seeded.test_client()
    assert client.get("/api/v1/amendments", headers=bearer(viewer_secret)).status_code == 200
    assert client.get("/api/v1/amendments").status_code == 401
    assert client.get("/api/v1/reports", headers=bearer(sag_secret)).status_code == 200


def test_a_token_request_leaves_no_session_cookie_behind(seeded, viewer):
    secret = token_for(seeded, viewer)
    response = seeded.test_client().get("/api/v1/reports", headers=bearer(secret))
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"  # a signed-in reader's answer is never stored


def test_with_the_plan_private_an_anonymous_reader_needs_a_token(seeded, viewer):
    seeded.config["SIP_PUBLIC_PLAN"] = False
    client = seeded.test_client()
    assert client.get("/api/v1/activities").status_code == 401
    assert client.get("/api/v1/activities", headers=bearer(token_for(seeded, viewer))).status_code == 200
