"""Two-step sign-in (TOTP and recovery codes): the services, the sign-in steps and the pages."""
import re

import pyotp
import pytest
from sqlalchemy import func, select

from sip.accounts import limiter, loader, mfa, tokens
from sip.accounts.models import LoginAttempt, RecoveryCode, User
from sip.config import Config, ConfigError, mfa_required_roles
from sip.core.models import AuditEntry
from sip.extensions import db
from tests.conftest import DEFAULT_PASSWORD, log_in
from tests.helpers import page_text
from tests.test_access import ROLES, snapshot, world  # noqa: F401  (world: the access matrix's people)
from tests.ops.settings import give_production_what_it_requires

SECRETARIAT = [("rome-support-team", "member")]
LEAD = [("wg-training", "lead")]
START = 1_800_000_000.0  # a fixed moment for the codes' clock (a multiple of 30 s)

SIGNED_IN_ROLES = ["viewer", "wg_member", "other_lead", "wg_lead", "sag", "secretariat"]
# Access rules of the two-step routes (collected by tests/test_access.py::every_entry). Without a sign-in waiting
# for its second step, /login/code and /login/enrol send anonymous readers to sign in and signed-in ones home.
# The test world has no one with two-step sign-in, so turning it off or renewing codes is refused (400).
MATRIX = [
    ("mfa.code", "GET", "/login/code", None, dict.fromkeys(["anonymous", *SIGNED_IN_ROLES], 302)),
    ("mfa.code", "POST", "/login/code", {"code": "123456"}, dict.fromkeys(["anonymous", *SIGNED_IN_ROLES], 302)),
    ("mfa.enrol", "GET", "/login/enrol", None, dict.fromkeys(["anonymous", *SIGNED_IN_ROLES], 302)),
    ("mfa.enrol", "POST", "/login/enrol", {"code": "123456"}, dict.fromkeys(["anonymous", *SIGNED_IN_ROLES], 302)),
    ("mfa.manage", "GET", "/account/two-step", None, {"anonymous": 302, **dict.fromkeys(SIGNED_IN_ROLES, 200)}),
    ("mfa.enable", "GET", "/account/two-step/enable", None, {"anonymous": 302, **dict.fromkeys(SIGNED_IN_ROLES, 200)}),
    ("mfa.enable", "POST", "/account/two-step/enable", {"code": "not a code"},
     {"anonymous": 302, **dict.fromkeys(SIGNED_IN_ROLES, 400)}),
    ("mfa.regenerate", "POST", "/account/two-step/recovery-codes", {"code": "123456"},
     {"anonymous": 302, **dict.fromkeys(SIGNED_IN_ROLES, 400)}),
    ("mfa.disable", "POST", "/account/two-step/disable", {"code": "123456"},
     {"anonymous": 302, **dict.fromkeys(SIGNED_IN_ROLES, 400)}),
    ("admin.reset_mfa", "POST", "/admin/people/{target}/two-step/reset", {"confirm": "y"},
     {"anonymous": 302, **dict.fromkeys(SIGNED_IN_ROLES[:-1], 403), "secretariat": 400}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method,path,data,expected", MATRIX, ids=[f"{m} {p}" for _, m, p, _, _ in MATRIX])
def test_access_to_the_two_step_routes(seeded, world, role, endpoint, method, path, data, expected):
    seeded.config["SIP_MFA_REQUIRED_ROLES"] = ()  # as in tests/test_access.py: everyone signs in with a password
    client = seeded.test_client()
    if role != "anonymous":
        log_in(client, world["people"][role])
    url = path.format(**world["ids"])
    with seeded.app_context():
        before = snapshot()
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    assert response.status_code == expected[role], response.get_data(as_text=True)[:300]
    if role == "anonymous":
        assert response.headers["Location"].startswith("/login?next=")
    if method == "POST" and (role == "anonymous" or expected[role] == 403):
        with seeded.app_context():
            assert snapshot() == before, "a refused write changed the database"


def test_every_two_step_route_is_in_this_matrix(app):
    covered = {(endpoint, method) for endpoint, method, *_ in MATRIX}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("mfa.") or rule.endpoint == "admin.reset_mfa":
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (rule.endpoint, method) in covered, f"{method} {rule.rule} has no access rule"


@pytest.fixture(autouse=True)
def enforced(app):
    """Two-step sign-in required of the secretariat and administrators, as in production."""
    app.config["SIP_MFA_REQUIRED_ROLES"] = ("secretariat", "admin")
    return app


@pytest.fixture
def clock(monkeypatch):
    """The codes' clock and the sessions' clock, both at START; `clock.tick(seconds)` moves them on."""

    class Clock:
        now = START

        def tick(self, seconds: float) -> None:
            self.now += seconds

    fixed = Clock()
    monkeypatch.setattr(mfa, "now", lambda: fixed.now)
    monkeypatch.setattr(loader, "now", lambda: fixed.now)
    return fixed


def code_at(secret: str, moment: float) -> str:
    """The code an authenticator app shows for `secret` at `moment`."""
    return pyotp.TOTP(secret).at(moment)


def enrolled(app, user_id: int, clock) -> tuple[str, list[str]]:
    """Turn two-step sign-in on for a person (through the service); returns the secret and the recovery codes.
    The clock then moves to the next step, so that the next code differs from the one used here."""
    with app.app_context():
        user = db.session.get(User, user_id)
        secret = mfa.new_secret()
        codes = mfa.confirm_enrolment(user, secret, code_at(secret, clock.now), "10.0.0.1")
    clock.tick(30)
    return secret, codes


def actions(app) -> list[str]:
    """The audit trail's actions, oldest first."""
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def entries(app, action: str) -> list[AuditEntry]:
    """The audit entries of one action."""
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def signed_in_name(client) -> bool:
    """True when the client's session is signed in (its account page answers)."""
    return client.get("/account").status_code == 200


# --- services -------------------------------------------------------------------------------------


def test_enrolment_needs_a_right_code_then_gives_ten_recovery_codes_kept_only_as_hashes(app, make_user, clock):
    user_id = make_user(bodies=LEAD)
    with app.app_context():
        user = db.session.get(User, user_id)
        secret = mfa.new_secret()
        with pytest.raises(mfa.MfaError, match="not right"):
            mfa.confirm_enrolment(user, secret, "000000" if code_at(secret, clock.now) != "000000" else "111111", None)
        assert not user.has_mfa
        codes = mfa.confirm_enrolment(user, secret, code_at(secret, clock.now), None)
        assert user.has_mfa and user.totp_secret == secret
        assert len(codes) == 10 and len(set(codes)) == 10
        assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", code) for code in codes)
        stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user_id)).all()
        assert len(stored) == 10 and not set(codes) & set(stored)
    assert actions(app) == ["mfa.failed", "mfa.enrolled"]


def test_the_qr_code_is_an_inline_svg_of_the_provisioning_link_with_the_issuer(app_ctx, make_user):
    user = db.session.get(User, make_user(email="giulia@example.org"))
    enrolment = mfa.enrolment(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert enrolment.uri.startswith("otpauth://totp/SIP%20Tracker:giulia%40example.org?secret=JBSWY3DPEHPK3PXP")
    assert "issuer=SIP%20Tracker" in enrolment.uri
    assert str(enrolment.qr_svg).startswith("<svg") and "<path" in str(enrolment.qr_svg)
    assert enrolment.grouped_secret == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"


def test_a_code_is_accepted_once_and_never_replayed_within_its_window(app, make_user, clock):
    user_id = make_user(bodies=LEAD)
    secret, _codes = enrolled(app, user_id, clock)
    with app.app_context():
        user = db.session.get(User, user_id)
        code = code_at(secret, clock.now)
        assert mfa.verify(user, code, "10.0.0.1") == "totp"
        with pytest.raises(mfa.MfaError):
            mfa.verify(user, code, "10.0.0.1")
        with pytest.raises(mfa.MfaError):  # an earlier step than the last accepted one is refused as well
            mfa.verify(user, code_at(secret, clock.now - 30), "10.0.0.1")
    assert actions(app)[-3:] == ["mfa.verified", "mfa.failed", "mfa.failed"]


def test_a_code_one_step_early_or_late_is_accepted_but_not_two_steps_away(app, make_user, clock):
    user_id = make_user(bodies=LEAD)
    secret, _codes = enrolled(app, user_id, clock)
    clock.tick(300)
    with app.app_context():
        user = db.session.get(User, user_id)
        with pytest.raises(mfa.MfaError):
            mfa.verify(user, code_at(secret, clock.now - 60), None)
        with pytest.raises(mfa.MfaError):
            mfa.verify(user, code_at(secret, clock.now + 60), None)
        assert mfa.verify(user, code_at(secret, clock.now - 30), None) == "totp"
        assert mfa.verify(user, code_at(secret, clock.now + 30), None) == "totp"


def test_a_recovery_code_works_once_typed_in_any_case_and_with_spaces(app, make_user, clock):
    user_id = make_user(bodies=LEAD)
    _secret, codes = enrolled(app, user_id, clock)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert mfa.verify(user, " " + codes[3].upper().replace("-", " ") + " ", None) == "recovery"
        with pytest.raises(mfa.MfaError, match="used already"):
            mfa.verify(user, codes[3], None)
        assert mfa.recovery_codes_left(user) == 9
    assert entries(app, "mfa.recovery_used")[0].after == {"for": "sign_in", "left": 9}


def test_wrong_codes_are_throttled_per_account_and_address_even_for_a_right_code(app, make_user, clock):
    user_id = make_user(bodies=LEAD)
    secret, _codes = enrolled(app, user_id, clock)
    with app.app_context():
        user = db.session.get(User, user_id)
        wrong = "000000" if code_at(secret, clock.now) != "000000" else "111111"
        for _ in range(app.config["SIP_THROTTLE_FREE_FAILURES"]):
            with pytest.raises(mfa.MfaError):
                mfa.verify(user, wrong, "10.0.0.1")
        with pytest.raises(mfa.Throttled) as refused:
            mfa.verify(user, code_at(secret, clock.now), "10.0.0.1")
        assert refused.value.retry_after >= 1
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)
                                 .where(LoginAttempt.kind == "mfa", LoginAttempt.success.is_(False))) == 5
        # the same account from another address is not blocked by these typos
        assert mfa.verify(user, code_at(secret, clock.now), "10.0.0.2") == "totp"
    assert "mfa.throttled" in actions(app)


def test_the_secretariat_cannot_turn_two_step_sign_in_off(app, make_user, clock):
    user_id = make_user(bodies=SECRETARIAT)
    secret, _codes = enrolled(app, user_id, clock)
    with app.app_context():
        user = db.session.get(User, user_id)
        with pytest.raises(mfa.MfaError, match="required"):
            mfa.disable(user, code_at(secret, clock.now), None)
        assert user.has_mfa
    admin_id = make_user(admin=True)
    with app.app_context():
        assert mfa.required_for(db.session.get(User, admin_id))


def test_a_lead_may_turn_it_off_with_a_code_and_loses_the_recovery_codes(app, make_user, clock):
    user_id = make_user(bodies=LEAD)
    secret, _codes = enrolled(app, user_id, clock)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert not mfa.required_for(user)
        with pytest.raises(mfa.MfaError):
            mfa.disable(user, "123 456" if code_at(secret, clock.now) != "123456" else "654321", None)
        mfa.disable(user, code_at(secret, clock.now), None)
        assert not user.has_mfa and user.totp_secret is None
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    assert actions(app)[-1] == "mfa.disabled"


def test_new_recovery_codes_need_a_current_app_code_and_void_the_old_ones(app, make_user, clock):
    user_id = make_user(bodies=LEAD)
    secret, old = enrolled(app, user_id, clock)
    with app.app_context():
        user = db.session.get(User, user_id)
        with pytest.raises(mfa.MfaError, match="6-digit"):
            mfa.regenerate_recovery_codes(user, old[0], None)  # a recovery code is not "a current code"
        new = mfa.regenerate_recovery_codes(user, code_at(secret, clock.now), None)
        assert len(new) == 10 and not set(new) & set(old)
        with pytest.raises(mfa.MfaError):
            mfa.verify(user, old[1], None)
        assert mfa.verify(user, new[0], None) == "recovery"
    assert "mfa.recovery_regenerated" in actions(app)


def test_the_secretariat_resets_a_lost_factor_audited_with_both_people_and_the_person_is_signed_out(
        app, make_user, clock):
    actor_id = make_user("Giulia", bodies=SECRETARIAT)
    person_id = make_user("Jean", bodies=LEAD)
    enrolled(app, person_id, clock)
    with app.app_context():
        person, actor = db.session.get(User, person_id), db.session.get(User, actor_id)
        for _ in range(20):  # someone who had the phone's codes wrong all day: forgiven with the old factor
            limiter.record_failure("mfa", person.email, "203.0.113.9")
        db.session.commit()
        assert not limiter.check("mfa", person.email, None).allowed
        token = person.session_token
        mfa.reset_by_secretariat(person, actor)
        assert not person.has_mfa and person.session_token != token
        assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
        assert limiter.check("mfa", person.email, None).allowed
    [entry] = entries(app, "mfa.reset_by_secretariat")
    assert (entry.user_id, entry.entity_id) == (actor_id, str(person_id))
    assert entry.after == {"person": person_id, "by": actor_id, "must_enrol_again": False}


def test_nobody_resets_their_own_factor_and_a_lead_resets_nobodys(app, make_user, clock):
    secretariat_id = make_user(bodies=SECRETARIAT)
    lead_id = make_user(bodies=LEAD)
    enrolled(app, secretariat_id, clock)
    enrolled(app, lead_id, clock)
    with app.app_context():
        secretariat, lead = db.session.get(User, secretariat_id), db.session.get(User, lead_id)
        with pytest.raises(mfa.MfaError, match="may not"):
            mfa.reset_by_secretariat(secretariat, secretariat)
        with pytest.raises(mfa.MfaError, match="may not"):
            mfa.reset_by_secretariat(secretariat, lead)
        assert secretariat.has_mfa
    assert "mfa.reset_by_secretariat" not in actions(app)


def test_the_secret_and_the_codes_appear_nowhere_in_the_audit_trail(app, make_user, clock):
    user_id = make_user(bodies=LEAD)
    secret, codes = enrolled(app, user_id, clock)
    with app.app_context():
        user = db.session.get(User, user_id)
        mfa.verify(user, code_at(secret, clock.now), None)
        mfa.verify(user, codes[0], None)
        trail = repr([(e.action, e.before, e.after, e.rationale) for e in db.session.scalars(select(AuditEntry))])
    assert secret not in trail and codes[0] not in trail and code_at(secret, clock.now) not in trail


def test_production_refuses_to_start_with_two_step_sign_in_not_required(monkeypatch):
    monkeypatch.setenv("SIP_ENV", "production")
    give_production_what_it_requires(monkeypatch)
    monkeypatch.setenv("SECRET_KEY", "a-strong-random-key-0123456789-abcdefghijk")
    monkeypatch.setenv("SIP_MFA_REQUIRED_ROLES", "none")
    with pytest.raises(ConfigError, match="two-step sign-in"):
        Config()
    monkeypatch.delenv("SIP_MFA_REQUIRED_ROLES")
    assert Config().SIP_MFA_REQUIRED_ROLES == ("secretariat", "admin")


def test_the_required_roles_setting_is_read_and_checked():
    assert mfa_required_roles(None) == ("secretariat", "admin")
    assert mfa_required_roles("none") == ()
    assert mfa_required_roles(" Secretariat ") == ("secretariat",)
    with pytest.raises(ConfigError, match="lead"):
        mfa_required_roles("secretariat,lead")


# --- signing in -----------------------------------------------------------------------------------


def test_after_the_password_a_person_with_two_step_sign_in_is_not_signed_in_until_the_code(
        app, client, make_user, clock):
    user_id = make_user("Jean Dupont", bodies=LEAD)
    secret, _codes = enrolled(app, user_id, clock)
    response = client.post("/login?lang=en", data={"email": "person1@example.org", "password": DEFAULT_PASSWORD,
                                                   "next": "/plan?view=table"})
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert not signed_in_name(client)
    assert "Enter one of your recovery codes instead" in page_text(client.get("/login/code?lang=en"))
    response = client.post("/login/code?lang=en", data={"code": code_at(secret, clock.now)})
    assert response.status_code == 302 and response.headers["Location"] == "/plan?view=table"
    assert "Welcome, Jean Dupont." in page_text(client.get("/?lang=en"))
    assert signed_in_name(client)
    assert actions(app)[-2:] == ["login.password_accepted", "mfa.verified"]


def test_a_wrong_code_is_refused_and_leaves_the_person_signed_out(app, client, make_user, clock):
    user_id = make_user(bodies=LEAD)
    secret, _codes = enrolled(app, user_id, clock)
    log_in(client, user_id)
    wrong = "000000" if code_at(secret, clock.now) != "000000" else "111111"
    response = client.post("/login/code?lang=en", data={"code": wrong})
    assert response.status_code == 401
    assert "This code is not right, or it has been used already." in page_text(response)
    assert not signed_in_name(client)
    assert actions(app)[-1] == "mfa.failed"


def test_a_replayed_code_does_not_sign_in_a_second_browser(app, make_user, clock):
    user_id = make_user(bodies=LEAD)
    secret, _codes = enrolled(app, user_id, clock)
    first, second = app.test_client(), app.test_client()
    log_in(first, user_id)
    log_in(second, user_id)
    code = code_at(secret, clock.now)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    assert second.post("/login/code", data={"code": code}).status_code == 401
    assert not signed_in_name(second)


def test_throttled_codes_answer_429_with_the_wait(app, client, make_user, clock):
    user_id = make_user(bodies=LEAD)
    secret, _codes = enrolled(app, user_id, clock)
    log_in(client, user_id)
    wrong = "000000" if code_at(secret, clock.now) != "000000" else "111111"
    for _ in range(5):
        assert client.post("/login/code", data={"code": wrong}).status_code == 401
    response = client.post("/login/code?lang=en", data={"code": code_at(secret, clock.now)})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert re.search(r"Too many wrong codes\. Wait \d+ (seconds?|minutes?), then try again", page_text(response))
    assert not signed_in_name(client)


def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(app, make_user, clock):
    user_id = make_user(bodies=LEAD)
    _secret, codes = enrolled(app, user_id, clock)
    client = app.test_client()
    log_in(client, user_id)
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 302
    assert "recovery code, which now no longer works: 9 left" in page_text(client.get("/?lang=en"))
    client.post("/logout")
    log_in(client, user_id)
    assert client.post("/login/code", data={"code": codes[0]}).status_code == 401


def test_the_waiting_sign_in_expires_after_five_minutes(app, client, make_user, clock):
    user_id = make_user(bodies=LEAD)
    secret, _codes = enrolled(app, user_id, clock)
    log_in(client, user_id)
    clock.tick(5 * 60)
    response = client.post("/login/code?lang=en", data={"code": code_at(secret, clock.now)})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert "waited too long for its second step" in page_text(client.get("/login?lang=en"))
    assert not signed_in_name(client)
    assert "mfa.verified" not in actions(app)


def test_signing_out_everywhere_ends_a_waiting_sign_in(app, client, make_user, clock):
    user_id = make_user(bodies=LEAD)
    secret, _codes = enrolled(app, user_id, clock)
    log_in(client, user_id)
    with app.app_context():
        user = db.session.get(User, user_id)
        user.session_token = "changed-elsewhere"
        db.session.commit()
    response = client.post("/login/code", data={"code": code_at(secret, clock.now)})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert not signed_in_name(client)


def test_the_code_and_enrolment_pages_without_a_waiting_sign_in_send_to_sign_in(app, client, make_user):
    assert client.get("/login/code").headers["Location"].startswith("/login?next=")
    assert client.get("/login/enrol").headers["Location"].startswith("/login?next=")
    log_in(client, make_user(bodies=LEAD))
    assert client.get("/login/code").headers["Location"] == "/"


# --- enrolment at sign-in -------------------------------------------------------------------------


def secret_on(page: str) -> str:
    """The secret that the enrolment page shows in text."""
    return re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")


def test_the_secretariat_without_two_step_sign_in_must_set_it_up_then_sees_its_recovery_codes_once(
        app, client, make_user, clock):
    user_id = make_user("Giulia Rossi", bodies=SECRETARIAT)
    response = client.post("/login", data={"email": "person1@example.org", "password": DEFAULT_PASSWORD,
                                           "next": "/admin/people"})
    assert response.headers["Location"] == "/login/enrol"
    assert not signed_in_name(client)
    page = page_text(client.get("/login/enrol?lang=en"))
    assert "Your role requires two-step sign-in" in page and "<svg" in page
    secret = secret_on(page)
    assert secret_on(page_text(client.get("/login/enrol"))) == secret  # the same secret until confirmed
    wrong = "000000" if code_at(secret, clock.now) != "000000" else "111111"
    assert client.post("/login/enrol", data={"code": wrong}).status_code == 400
    response = client.post("/login/enrol?lang=en", data={"code": code_at(secret, clock.now)})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    shown = re.findall(r"<li><code>([a-z2-9-]{14})</code></li>", page_text(response))
    assert len(shown) == 10
    assert 'href="/admin/people"' in page_text(response)  # "I have saved them — continue" goes where they were going
    assert signed_in_name(client)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.has_mfa and user.totp_secret == secret
        assert mfa.recovery_codes_left(user) == 10
    assert secret not in page_text(client.get("/account/two-step?lang=en"))  # never shown again
    assert "mfa.enrolled" in actions(app)


def test_a_lead_without_two_step_sign_in_signs_in_with_the_password_alone(app, client, make_user):
    response = log_in(client, make_user(bodies=LEAD))
    assert response.headers["Location"] == "/"
    assert signed_in_name(client)


def test_a_signed_in_secretariat_member_without_it_is_sent_to_set_it_up_on_the_next_page(
        app, client, make_user, clock):
    user_id = make_user(bodies=SECRETARIAT)
    app.config["SIP_MFA_REQUIRED_ROLES"] = ()
    log_in(client, user_id)
    assert client.get("/admin/people").status_code == 200
    app.config["SIP_MFA_REQUIRED_ROLES"] = ("secretariat", "admin")  # now it is required
    response = client.get("/admin/people?q=x")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/two-step/enable?next=/admin/people?q%3Dx"
    assert client.get("/plan").status_code == 302
    assert client.get("/static/css/sip.css").status_code == 200
    page = page_text(client.get(response.headers["Location"]))
    secret = secret_on(page)
    answer = client.post(response.headers["Location"], data={"code": code_at(secret, clock.now)})
    assert answer.status_code == 200 and 'href="/admin/people?q=x"' in page_text(answer)
    assert client.get("/admin/people").status_code == 200
    assert client.post("/logout").status_code == 302


# --- links never skip the second step -------------------------------------------------------------


def test_a_password_reset_link_does_not_bypass_the_code(app, client, make_user, clock):
    user_id = make_user(bodies=LEAD)
    secret, _codes = enrolled(app, user_id, clock)
    with app.app_context():
        token = tokens.make_token(db.session.get(User, user_id), "reset")
    response = client.post(f"/password-reset/{token}", data={"password": "a brand new long passphrase"})
    assert response.status_code == 302 and response.headers["Location"] == "/login/code"
    assert not signed_in_name(client)
    assert client.post("/login/code", data={"code": code_at(secret, clock.now)}).status_code == 302
    assert signed_in_name(client)


def test_an_invitation_to_the_secretariat_leads_to_setting_up_two_step_sign_in(app, client, make_user):
    user_id = make_user(bodies=SECRETARIAT, password=None)
    with app.app_context():
        token = tokens.make_token(db.session.get(User, user_id), "invite")
    response = client.post(f"/invitations/{token}", data={"password": "a brand new long passphrase"})
    assert response.headers["Location"] == "/login/enrol"
    assert not signed_in_name(client)
    assert "Your password is set. One more step to sign in." in page_text(client.get("/login/enrol?lang=en"))


# --- one's own settings and the secretariat's reset -----------------------------------------------


def test_a_lead_turns_it_on_from_the_account_page_and_off_again(app, client, make_user, clock):
    log_in(client, make_user(bodies=LEAD))
    assert "Off: you sign in with your password alone." in page_text(client.get("/account?lang=en"))
    secret = secret_on(page_text(client.get("/account/two-step/enable?lang=en")))
    response = client.post("/account/two-step/enable", data={"code": code_at(secret, clock.now)})
    assert response.status_code == 200 and 'href="/account/two-step"' in page_text(response)
    clock.tick(30)
    page = page_text(client.get("/account/two-step?lang=en"))
    assert "10 unused recovery codes left." in page and "Turn off two-step sign-in" in page
    assert "On since" in page_text(client.get("/account?lang=en"))
    response = client.post("/account/two-step/disable?lang=en", data={"code": code_at(secret, clock.now)},
                           follow_redirects=True)
    assert "Two-step sign-in is off" in page_text(response)
    assert "mfa.disabled" in actions(app)


def test_the_secretariat_is_told_it_cannot_turn_it_off(app, client, make_user, clock):
    user_id = make_user(bodies=SECRETARIAT)
    secret, _codes = enrolled(app, user_id, clock)
    log_in(client, user_id)
    client.post("/login/code", data={"code": code_at(secret, clock.now)})
    clock.tick(30)
    page = page_text(client.get("/account/two-step?lang=en"))
    assert "it cannot be turned off" in page and "Turn off two-step sign-in" not in page
    response = client.post("/account/two-step/disable?lang=en", data={"code": code_at(secret, clock.now)})
    assert response.status_code == 400 and "cannot be turned off" in page_text(response)


def test_renewing_recovery_codes_from_the_page_shows_the_new_ones_and_a_wrong_code_changes_nothing(
        app, client, make_user, clock):
    user_id = make_user(bodies=LEAD)
    secret, old = enrolled(app, user_id, clock)
    log_in(client, user_id)
    client.post("/login/code", data={"code": code_at(secret, clock.now)})
    clock.tick(30)
    response = client.post("/account/two-step/recovery-codes?lang=en", data={"code": old[0]})
    assert response.status_code == 400 and "6-digit" in page_text(response)
    response = client.post("/account/two-step/recovery-codes?lang=en", data={"code": code_at(secret, clock.now)})
    new = re.findall(r"<li><code>([a-z2-9-]{14})</code></li>", page_text(response))
    assert len(new) == 10 and "Your earlier recovery codes no longer work." in page_text(response)


def test_the_secretariat_resets_someones_two_step_sign_in_from_their_page(app, client, make_user, clock):
    actor_id = make_user(bodies=SECRETARIAT)
    person_id = make_user("Jean Dupont", bodies=LEAD)
    enrolled(app, person_id, clock)
    actor_secret, _ = enrolled(app, actor_id, clock)
    log_in(client, actor_id)
    client.post("/login/code", data={"code": code_at(actor_secret, clock.now)})
    page = page_text(client.get(f"/admin/people/{person_id}?lang=en"))
    assert "Reset two-step sign-in" in page
    assert "Reset two-step sign-in" not in page_text(client.get(f"/admin/people/{actor_id}?lang=en"))
    response = client.post(f"/admin/people/{person_id}/two-step/reset?lang=en", data={})
    assert response.status_code == 400 and "Tick the box" in page_text(response)
    response = client.post(f"/admin/people/{person_id}/two-step/reset?lang=en", data={"confirm": "y"},
                           follow_redirects=True)
    assert "The two-step sign-in of Jean Dupont is reset" in page_text(response)
    [entry] = entries(app, "mfa.reset_by_secretariat")
    assert entry.user_id == actor_id and entry.entity_id == str(person_id)
    other = app.test_client()
    assert log_in(other, person_id).headers["Location"] == "/"  # a lead: the password alone, until they enrol
