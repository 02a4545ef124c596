"""The limiter (sip/accounts/limiter.py): back-off per account and address, ceilings, quotas; and the pages it guards.

Times are moved by writing attempt rows in the past, never by sleeping; the tests that read a wait to the second stop
the limiter's clock (`frozen`), so that a slow machine cannot shorten it.
"""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from sip import create_app
from sip.accounts import limiter, services, tokens
from sip.accounts.models import LoginAttempt, User
from sip.config import TestConfig
from sip.core.models import AuditEntry, OutboxMail
from sip.extensions import db
from tests.conftest import DEFAULT_PASSWORD, log_in
from tests.helpers import page_text

EMAIL = "someone@example.org"
OFFICE = "192.0.2.10"


def fail(times: int, kind="sign_in", email=EMAIL, address=OFFICE, ago: timedelta = timedelta(0)) -> None:
    """Write failed attempts, `ago` before the limiter's now, and commit."""
    for _ in range(times):
        db.session.add(LoginAttempt(kind=kind, email=email, ip=address, success=False, at=limiter.utcnow() - ago))
    db.session.commit()


@pytest.fixture
def frozen(monkeypatch):
    """The limiter's clock stopped at one instant (a CI run under load once took two seconds between a failure and
    the check, and read a wait of 8 s for 10)."""
    instant = datetime.now(timezone.utc).replace(microsecond=0)
    monkeypatch.setattr(limiter, "utcnow", lambda: instant)
    return instant


def wait(kind="sign_in", email=EMAIL, address=OFFICE) -> int:
    """Seconds the limiter asks this attempt to wait (0 when it may go ahead)."""
    decision = limiter.check(kind, email, address)
    assert decision.allowed == (decision.retry_after_seconds == 0)
    return decision.retry_after_seconds


def actions(app) -> list[str]:
    """The audit trail's actions, oldest first."""
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- the limiter's rules ---------------------------------------------------------------------------------------


def test_five_failures_are_free_then_the_wait_doubles_from_30_seconds_to_15_minutes(app_ctx, frozen):
    fail(4)
    assert wait() == 0
    fail(1)
    assert wait() == 30
    fail(1)
    assert wait() == 60
    fail(1)
    assert wait() == 120
    fail(10)
    assert wait() == 900


def test_the_wait_counts_from_the_last_failure(app_ctx, frozen):
    fail(5, ago=timedelta(seconds=20))
    assert wait() == 10
    fail(1, ago=timedelta(seconds=61))  # older than the last one: the wait still counts from 20 s ago
    assert wait() == 40


def test_failures_older_than_the_window_are_forgotten(app_ctx):
    fail(20, ago=timedelta(minutes=16))
    assert wait() == 0


def test_one_persons_typos_block_neither_another_account_nor_the_same_account_elsewhere(app_ctx):
    fail(10)
    assert wait() > 0
    assert wait(email="colleague@example.org") == 0
    assert wait(address="198.51.100.7") == 0


def test_the_address_ceiling_covers_every_account_from_that_address(app_ctx):
    for n in range(100):
        fail(1, email=f"person{n}@example.org", ago=timedelta(minutes=10))
    assert wait(email="fresh@example.org") >= 290  # until the oldest of the 100 leaves the window, 5 minutes on
    assert wait(email="fresh@example.org", address="198.51.100.7") == 0


def test_ninety_nine_failures_from_an_office_still_let_a_hundredth_person_try(app_ctx):
    for n in range(99):
        fail(1, email=f"person{n}@example.org")
    assert wait(email="fresh@example.org") == 0


def test_the_account_ceiling_slows_every_address_by_the_first_delay(app_ctx, frozen):
    for n in range(50):
        fail(1, address=f"203.0.113.{n}")
    assert wait(address="198.51.100.7") == 30
    fail(1, address="203.0.113.200", ago=timedelta(seconds=31))
    assert wait(address="198.51.100.7") == 30  # the latest failure, not this older one, sets the wait


def test_a_success_forgives_the_pairs_failures_but_not_other_pairs(app_ctx):
    fail(5)
    fail(5, address="198.51.100.7")
    limiter.record_success("sign_in", EMAIL, OFFICE)
    db.session.commit()
    assert wait() == 0
    assert wait(address="198.51.100.7") > 0


def test_clearing_an_account_forgives_its_failures_from_every_address(app_ctx):
    fail(5)
    fail(5, address="198.51.100.7")
    limiter.clear_account(EMAIL)
    db.session.commit()
    assert wait() == 0
    assert wait(address="198.51.100.7") == 0


def test_sign_in_and_current_password_failures_count_together_but_mfa_codes_apart(app_ctx):
    fail(3)
    fail(2, kind="current_password")
    assert wait() > 0
    assert wait("current_password") > 0
    assert wait("mfa") == 0
    fail(5, kind="mfa", email="other@example.org")
    assert wait("mfa", email="other@example.org") > 0
    assert wait(email="other@example.org") == 0


def test_wrong_codes_from_many_addresses_stop_at_twenty_a_day_for_the_account(app_ctx):
    for n in range(19):
        fail(1, kind="mfa", address=f"203.0.113.{n}", ago=timedelta(hours=n))
    assert wait("mfa", address="198.51.100.7") == 0
    fail(1, kind="mfa", address="203.0.113.99")
    seconds = wait("mfa", address="198.51.100.7")
    assert 6 * 3600 - 60 <= seconds <= 6 * 3600  # until the oldest of the twenty (18 h ago) is a day old
    assert wait(address="198.51.100.7") == 0  # the password itself is not blocked by wrong codes


def test_a_password_reset_forgives_the_accounts_wrong_codes(app_ctx):
    fail(20, kind="mfa", address="203.0.113.1")
    assert wait("mfa") > 0
    limiter.clear_account(EMAIL)
    db.session.commit()
    assert wait("mfa") == 0


def test_an_unknown_client_address_is_a_pair_of_its_own(app_ctx):
    fail(5, address=None)
    assert wait(address=None) > 0
    assert wait() == 0


def test_reset_requests_allow_three_per_account_and_twenty_per_address_an_hour(app_ctx):
    for _ in range(3):
        assert wait("reset") == 0
        limiter.record_attempt("reset", EMAIL, OFFICE)
        db.session.commit()
    assert wait("reset") > 3000
    assert wait("reset", address="198.51.100.7") > 0  # the target account's quota, from anywhere
    for n in range(17):
        limiter.record_attempt("reset", f"person{n}@example.org", OFFICE)
    db.session.commit()
    assert wait("reset", email="fresh@example.org") > 0
    assert wait("reset", email="fresh@example.org", address="198.51.100.7") == 0


def test_refused_reset_requests_use_no_quota(app_ctx):
    for _ in range(10):
        limiter.record_failure("reset", EMAIL, OFFICE)
    db.session.commit()
    assert wait("reset") == 0


def test_invitation_resends_allow_five_per_person_a_day(app_ctx):
    for _ in range(5):
        limiter.record_attempt("invitation", EMAIL, None)
    db.session.commit()
    assert wait("invitation", address=None) > 23 * 3600
    assert wait("invitation", email="other@example.org", address=None) == 0


def test_the_limits_follow_the_settings(app_ctx, frozen):
    app_ctx.config["SIP_THROTTLE_FREE_FAILURES"] = 2
    app_ctx.config["SIP_THROTTLE_FIRST_DELAY_SECONDS"] = 10
    fail(2)
    assert wait() == 10


def test_an_unknown_kind_is_refused(app_ctx):
    with pytest.raises(ValueError):
        limiter.check("coffee", EMAIL, OFFICE)


def test_the_settings_are_read_from_the_environment(monkeypatch):
    from sip.config import Config, ConfigError

    monkeypatch.setenv("SIP_THROTTLE_ADDRESS_FAILURES", "250")
    assert Config().SIP_THROTTLE_ADDRESS_FAILURES == 250
    monkeypatch.setenv("SIP_THROTTLE_ADDRESS_FAILURES", "zero")
    with pytest.raises(ConfigError):
        Config()


def test_limits_are_shared_by_every_process_through_the_database(app, database_url):
    other_process = create_app(TestConfig(database_url))
    with app.app_context():
        fail(5)
    with other_process.app_context():
        assert wait() > 0
        db.session.remove()
        db.engine.dispose()


# --- the pages it guards ---------------------------------------------------------------------------------------


def test_finding_1_one_persons_typos_never_lock_out_another(app, make_user):
    typist, colleague = make_user(), make_user()
    office = [app.test_client() for _ in range(2)]
    for browser in office:
        browser.environ_base["REMOTE_ADDR"] = OFFICE
    for _ in range(8):
        log_in(office[0], typist, password="not my password at all")
    assert log_in(office[0], typist).status_code == 429
    assert log_in(office[1], colleague).status_code == 302
    at_home = app.test_client()
    at_home.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert log_in(at_home, typist).status_code == 302


def test_finding_1_a_throttled_sign_in_says_how_long_to_wait(app, client, make_user):
    user = make_user()
    for _ in range(5):
        log_in(client, user, password="not my password at all")
    response = client.post("/login?lang=en", data={"email": "person1@example.org", "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert 25 <= int(response.headers["Retry-After"]) <= 30
    assert "Too many failed attempts. Wait 30 seconds, or reset your password." in page_text(response)
    french = client.post("/login?lang=fr", data={"email": "person1@example.org", "password": DEFAULT_PASSWORD})
    assert french.status_code == 429
    assert "30\xa0secondes" in page_text(french)  # the wait in the reader's language


def test_finding_1_a_named_account_hammered_from_many_addresses_can_still_reset(app, make_user):
    app.config["SIP_THROTTLE_ACCOUNT_FAILURES"] = 10
    owner = make_user()
    for n in range(12):
        attacker = app.test_client()
        attacker.environ_base["REMOTE_ADDR"] = f"203.0.113.{n}"
        log_in(attacker, owner, password="guessing the password")
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = OFFICE
    assert log_in(browser, owner).status_code == 429
    assert browser.post("/password-reset", data={"email": "person1@example.org"}).status_code == 302
    with app.app_context():
        link = f"/password-reset/{tokens.make_token(db.session.get(User, owner), 'reset')}"  # as the e-mail has it
    assert browser.get(link).status_code == 200
    assert browser.post(link, data={"password": "a brand new passphrase for me"}).status_code == 302
    browser.post("/logout")
    assert log_in(browser, owner, password="a brand new passphrase for me").status_code == 302
    assert "account.password_reset" in actions(app)


def test_finding_3_reset_requests_are_rate_limited_and_answer_identically(app, client, make_user):
    make_user(email="owner@example.org")
    answers = [client.post("/password-reset?lang=en", data={"email": "owner@example.org"}) for _ in range(4)]
    assert {(r.status_code, r.headers["Location"]) for r in answers} == {(302, "/login")}
    assert actions(app).count("account.reset_requested") == 3
    assert actions(app).count("account.reset_throttled") == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.kind == "reset")) == 4


def _comparable(response) -> tuple:
    """A response as a client sees it, without what changes at every request (CSRF tokens, nonces, dates)."""
    import re

    body = re.sub(rb'(name="csrf_token"[^>]*value=")[^"]*', rb"\1", response.get_data())
    body = re.sub(rb'nonce="[^"]*"', b'nonce=""', body)
    headers = sorted((k, v) for k, v in response.headers.items() if k not in ("Set-Cookie", "Date", "X-Request-Id"))
    headers = [(k, re.sub(r"'nonce-[^']*'", "'nonce-'", v)) for k, v in headers]
    return response.status_code, headers, body


def test_finding_3_a_known_and_an_unknown_address_get_byte_identical_answers(app, make_user):
    make_user(email="owner@example.org")
    app.config["WTF_CSRF_ENABLED"] = True
    seen = []
    for email in ("owner@example.org", "nobody@example.org"):
        browser = app.test_client()
        page = browser.get("/password-reset?lang=en")
        import re

        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
        answer = browser.post("/password-reset?lang=en", data={"email": email, "csrf_token": token})
        seen.append((_comparable(answer), _comparable(browser.get(answer.headers["Location"]))))
    assert seen[0] == seen[1]
    assert b"a link to reset its password is on its way" in seen[0][1][2]


def test_finding_3_the_reset_request_never_talks_to_a_mail_server(app, client, make_user, monkeypatch):
    import smtplib

    make_user(email="owner@example.org")
    app.config["SIP_SMTP_URL"] = "smtp://127.0.0.1:9"  # nobody listens: a send in the request would fail
    opened = []
    monkeypatch.setattr(smtplib.SMTP, "__init__", lambda self, *a, **k: opened.append(a) or (_ for _ in ()).throw(
        OSError("no SMTP in a request")))
    for email in ("owner@example.org", "nobody@example.org"):
        response = client.post("/password-reset", data={"email": email})
        assert (response.status_code, response.headers["Location"]) == (302, "/login")
    assert opened == []
    with app.app_context():  # the link was queued, for the worker to send
        assert db.session.scalars(select(OutboxMail.to_address)).all() == ["owner@example.org"]


def test_finding_3_an_inactive_account_gets_no_link_but_the_same_answer(app, client, make_user):
    make_user(email="gone@example.org", active=False)
    response = client.post("/password-reset", data={"email": "gone@example.org"})
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    assert actions(app) == ["account.reset_requested"]


def test_finding_8_current_password_failures_wait_like_sign_ins_and_say_how_long(app, client, make_user):
    user = make_user()
    log_in(client, user)
    for _ in range(5):
        response = client.post("/account?lang=en", data={"password-current": "not my password at all",
                                                         "password-new": "a brand new passphrase for me"})
        assert response.status_code == 400
    response = client.post("/account?lang=en", data={"password-current": DEFAULT_PASSWORD,
                                                     "password-new": "a brand new passphrase for me"})
    assert response.status_code == 429
    assert 25 <= int(response.headers["Retry-After"]) <= 30
    assert "Wait 30 seconds" in page_text(response)
    with app.app_context():
        assert services.throttled_message(30)  # the same message as the sign-in page


def test_a_changed_password_forgives_the_pairs_failures(app, client, make_user):
    user = make_user()
    log_in(client, user)
    client.post("/account", data={"password-current": "not my password at all",
                                  "password-new": "a brand new passphrase for me"})
    response = client.post("/account", data={"password-current": DEFAULT_PASSWORD,
                                             "password-new": "a brand new passphrase for me"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.success.is_(False))) == 0


# --- invitation resends by the secretariat ---------------------------------------------------------------------


def test_the_secretariat_is_told_when_a_sixth_invitation_in_a_day_is_refused(app, client, make_user):
    admin, invitee = make_user(admin=True), make_user(password=None)
    log_in(client, admin)
    for _ in range(5):
        assert client.post(f"/admin/people/{invitee}/invitation").status_code == 302
    response = client.post(f"/admin/people/{invitee}/invitation?lang=en")
    assert response.status_code == 429
    assert "sent 5 invitations in the last day, the most allowed. Try again in" in page_text(response)
    assert actions(app).count("user.invitation_resent") == 5
    assert actions(app)[-1] == "user.invitation_refused"


def test_a_refused_invitation_resend_sends_nothing(app_ctx, make_user, monkeypatch):
    admin_id, invitee_id = make_user(admin=True), make_user(password=None)
    admin, invitee = db.session.get(User, admin_id), db.session.get(User, invitee_id)
    for _ in range(5):
        limiter.record_attempt("invitation", invitee.email, None)
    db.session.commit()
    sent = []
    monkeypatch.setattr(services, "send_invitation", sent.append)
    with pytest.raises(services.Throttled):
        services.resend_invitation(invitee, admin)
    assert sent == []
