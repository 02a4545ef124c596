"""Personal access tokens at the service level: what is stored, refused, counted and audited, to the boundary."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select

from sip.accounts.models import User
from sip.api import services
from sip.api.models import ApiToken, aware
from sip.api.services import Check
from sip.core.models import AuditEntry, utcnow
from sip.extensions import db
from tests.conftest import counting_queries

T = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def person(app, make_user):
    """An active person with no membership (anyone signed in may hold tokens)."""
    return make_user("Tina Token")


def create(app, user_id: int, name: str = "script", days: int = 30):
    """Create a token through the service; returns (token id, secret)."""
    with app.app_context():
        token, secret = services.create_token(db.session.get(User, user_id), name, days)
        return token.id, secret


def refusal(app, user_id: int, name, days: int = 30) -> str:
    """The message of the TokenError that creating this token raises (nothing may be stored)."""
    with app.app_context():
        with pytest.raises(services.TokenError) as error:
            services.create_token(db.session.get(User, user_id), name, days)
        db.session.rollback()
        assert db.session.scalar(select(ApiToken.id)) is None
        return str(error.value)


def entries(app, action: str) -> list[tuple]:
    """The audit entries of an action: (entity, entity id, before, after, user id)."""
    with app.app_context():
        return [(e.entity, e.entity_id, e.before, e.after, e.user_id)
                for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == action))]


def token_row(app, token_id: int) -> ApiToken:
    """The token as the database holds it (detached)."""
    with app.app_context():
        token = db.session.get(ApiToken, token_id)
        db.session.expunge(token)
        return token


def use(app, secret: str, now: datetime) -> Check:
    """One API request with this token at this moment."""
    with app.app_context():
        return services.use_token(secret, now=now)


# --- creating -----------------------------------------------------------------------------------------------------


def test_a_deactivated_person_may_not_create_a_token(app, make_user):
    former = make_user("Former Person", active=False)
    assert refusal(app, former, "script") == "You may not create API tokens."


def test_a_token_name_is_tidied_and_holds_at_most_80_characters(app, person):
    token_id, _secret = create(app, person, "  Partner \n  dashboard  ")
    assert token_row(app, token_id).name == "Partner dashboard"
    token_id, _secret = create(app, person, "n" * 80)
    assert token_row(app, token_id).name == "n" * 80


@pytest.mark.parametrize("name", [None, "", "   ", "n" * 81])
def test_a_token_without_a_name_or_with_a_too_long_one_is_refused(app, person, name):
    assert refusal(app, person, name) == "Give the token a name of at most 80 characters."


@pytest.mark.parametrize("days", [1, 365])
def test_a_token_may_last_from_one_day_to_the_configured_maximum(app, person, days):
    token_id, _secret = create(app, person, days=days)
    token = token_row(app, token_id)
    assert abs((aware(token.expires_at) - aware(token.created_at)) - timedelta(days=days)) < timedelta(seconds=1)


@pytest.mark.parametrize("days", [0, -1, 366])
def test_a_token_lasting_outside_the_allowed_days_is_refused(app, person, days):
    assert refusal(app, person, "script", days) == "A token lasts from 1 to 365 days."


def test_a_token_secret_carries_256_random_bits_and_only_its_hash_is_kept(app, person):
    token_id, secret = create(app, person)
    assert secret.startswith("sip_") and len(secret) == len("sip_") + 43  # 32 bytes, URL-safe base64
    token = token_row(app, token_id)
    assert token.token_hash == services.hash_token(secret) and token.hint == secret[:10]


def test_creating_a_token_is_audited_with_its_name_and_expiry(app, person):
    token_id, _secret = create(app, person, "Partner dashboard")
    token = token_row(app, token_id)
    assert entries(app, "api_token.created") == [
        ("api_token", str(token_id), None,
         {"name": "Partner dashboard", "expires_at": aware(token.expires_at).isoformat()}, person)]


def test_a_persons_tokens_are_listed_newest_first_and_only_theirs(app, person, make_user):
    other = make_user("Other Person")
    first, second, third = (create(app, person, name)[0] for name in ("first", "second", "third"))
    create(app, other, "not mine")
    with app.app_context():
        for token_id, created in ((first, T + timedelta(hours=1)), (second, T), (third, T)):
            db.session.get(ApiToken, token_id).created_at = created
        db.session.commit()
        listed = [token.id for token in services.tokens_of(db.session.get(User, person))]
    assert listed == [first, third, second]  # newest first; created together: the last created first


# --- revoking -----------------------------------------------------------------------------------------------------


def test_revoking_a_token_twice_audits_it_once_and_keeps_the_first_moment(app, person):
    token_id, _secret = create(app, person, "old import")
    with app.app_context():
        services.revoke_token(db.session.get(User, person), token_id)
    revoked_at = token_row(app, token_id).revoked_at
    assert revoked_at is not None
    with app.app_context():
        services.revoke_token(db.session.get(User, person), token_id)
    assert token_row(app, token_id).revoked_at == revoked_at
    assert entries(app, "api_token.revoked") == [("api_token", str(token_id), {"name": "old import"}, None, person)]


def test_nobody_revokes_an_unknown_token_or_someone_elses(app, person, make_user):
    other = make_user("Other Person")
    token_id, _secret = create(app, person)
    with app.app_context():
        for user_id, wanted in ((other, token_id), (person, token_id + 1)):
            with pytest.raises(services.TokenError) as error:
                services.revoke_token(db.session.get(User, user_id), wanted)
            assert str(error.value) == "No such token of yours."
    assert token_row(app, token_id).revoked_at is None
    assert entries(app, "api_token.revoked") == []


# --- using --------------------------------------------------------------------------------------------------------


def test_a_secret_not_of_the_apps_form_is_refused_without_reading_the_database(app, person):
    with counting_queries(app) as count:
        assert use(app, "not-a-token", T) == Check(refused="invalid")
        assert use(app, "sip_" + "x" * 97, T) == Check(refused="invalid")  # 101 characters
        assert count() == 0
        assert use(app, "sip_" + "x" * 96, T) == Check(refused="invalid")  # 100 characters: looked up
        assert count() > 0


def test_an_expired_or_revoked_token_or_one_of_a_deactivated_person_is_invalid(app, person, make_user):
    owner = make_user("Soon Gone")
    _id, expired = create(app, person, days=1)
    assert use(app, expired, utcnow() + timedelta(days=1, minutes=1)) == Check(refused="invalid")
    revoked_id, revoked = create(app, person)
    with app.app_context():
        services.revoke_token(db.session.get(User, person), revoked_id)
    assert use(app, revoked, T) == Check(refused="invalid")
    _id, orphaned = create(app, owner)
    with app.app_context():
        db.session.get(User, owner).active = False
        db.session.commit()
    assert use(app, orphaned, T) == Check(refused="invalid")
    assert entries(app, "api_token.used") == []


def test_a_token_at_its_limit_waits_for_the_end_of_its_minute_then_counts_again(app, person):
    app.config["SIP_API_RATE_PER_MINUTE"] = 3
    token_id, secret = create(app, person)
    assert [use(app, secret, T + timedelta(seconds=s)) for s in (0, 10, 20)] == [Check(user_id=person)] * 3
    token = token_row(app, token_id)
    assert aware(token.window_started_at) == T and token.window_count == 3  # the window starts at its first request
    assert use(app, secret, T + timedelta(seconds=30)) == Check(refused="rate_limited", retry_after=31)
    assert use(app, secret, T + timedelta(seconds=59.5)) == Check(refused="rate_limited", retry_after=1)
    assert token_row(app, token_id).window_count == 3  # a refused request is not counted
    assert use(app, secret, T + timedelta(seconds=60)) == Check(user_id=person)  # exactly a minute later
    token = token_row(app, token_id)
    assert aware(token.window_started_at) == T + timedelta(seconds=60) and token.window_count == 1


def test_two_requests_at_once_at_the_edge_of_the_limit_leave_the_count_at_the_limit(app, person):
    app.config["SIP_API_RATE_PER_MINUTE"] = 3
    token_id, secret = create(app, person)
    use(app, secret, T)

    def other_process_counts_first(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE API_TOKEN"):  # two other requests were counted meanwhile
            cursor.execute("UPDATE api_token SET window_count = 3")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", other_process_counts_first)
    try:
        assert use(app, secret, T + timedelta(seconds=2)) == Check(user_id=person)
    finally:
        event.remove(engine, "before_cursor_execute", other_process_counts_first)
    assert token_row(app, token_id).window_count == 3
    assert use(app, secret, T + timedelta(seconds=3)) == Check(refused="rate_limited", retry_after=58)


def test_a_tokens_first_use_of_the_day_is_audited_with_its_owner(app, person):
    token_id, secret = create(app, person, "Partner dashboard")
    use(app, secret, T)
    use(app, secret, T + timedelta(hours=2))
    assert aware(token_row(app, token_id).last_used_at) == T + timedelta(hours=2)
    use(app, secret, T + timedelta(days=1))
    assert entries(app, "api_token.used") == [("api_token", str(token_id), None, {"name": "Partner dashboard"},
                                               person)] * 2
