"""Login, logout, sessions, throttling and the account page, through the test client."""
from sqlalchemy import func, select

from sip.accounts.models import LoginAttempt, User
from sip.core.models import AuditEntry
from sip.extensions import db
from tests.conftest import DEFAULT_PASSWORD, log_in
from tests.helpers import page_text


def audit_actions(app) -> list[str]:
    """Actions of the audit trail, oldest first."""
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_login_with_the_right_password_signs_in_and_is_audited(app, client, make_user):
    user = make_user("Jean Dupont")
    response = log_in(client, user)
    assert response.status_code == 302
    assert "Jean Dupont" in page_text(client.get("/?lang=en"))
    assert audit_actions(app) == ["login.succeeded"]


def test_login_email_is_case_and_space_insensitive(app, client, make_user):
    make_user("Jean Dupont", email="jean@example.org")
    response = client.post("/login", data={"email": "  Jean@Example.ORG ", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert "Jean Dupont" in page_text(client.get("/account"))  # signed in as that account
    assert audit_actions(app) == ["login.succeeded"]


def test_wrong_password_shows_a_clear_message_and_is_audited(app, client, make_user):
    user = make_user()
    response = log_in(client, user, password="not the right one at all")
    assert response.status_code == 401
    assert "Wrong e-mail address or password." in page_text(response)
    assert audit_actions(app) == ["login.failed"]
    assert client.get("/account").status_code == 302


def test_unknown_account_gets_the_same_message_as_a_wrong_password(client):
    response = client.post("/login?lang=en", data={"email": "nobody@example.org", "password": "whatever it is 123"})
    assert response.status_code == 401
    assert "Wrong e-mail address or password." in page_text(response)


def test_deactivated_person_cannot_sign_in(app, client, make_user):
    user = make_user(active=False)
    response = log_in(client, user)
    assert response.status_code == 401
    assert "Wrong e-mail address or password." in page_text(response)  # the same answer as a wrong password
    assert client.get("/account").status_code == 302  # still signed out
    assert audit_actions(app) == ["login.failed"]


def test_empty_login_form_is_refused_with_field_errors(client):
    response = client.post("/login?lang=en", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert "This field is required." in page_text(response)


def test_five_failures_in_fifteen_minutes_answer_429_even_with_the_right_password(app, client, make_user):
    user = make_user()
    for _ in range(5):
        assert log_in(client, user, password="wrong password again").status_code == 401
    response = log_in(client, user)
    assert response.status_code == 429
    assert "Too many failed attempts. Wait 30 seconds, or reset your password." in page_text(response)
    assert 25 <= int(response.headers["Retry-After"]) <= 30
    assert "login.throttled" in audit_actions(app)


def test_other_accounts_from_the_same_address_are_not_throttled_below_the_address_ceiling(app, client, make_user):
    users = [make_user() for _ in range(5)]
    for user in users:
        for _ in range(5):
            log_in(client, user, password="wrong password again")
    assert log_in(client, make_user()).status_code == 302


def test_the_address_ceiling_across_accounts_answers_429_beyond_its_setting(app, client, make_user):
    app.config["SIP_THROTTLE_ADDRESS_FAILURES"] = 5
    for user in [make_user() for _ in range(5)]:
        log_in(client, user, password="wrong password again")
    response = log_in(client, make_user())
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 800  # until the oldest failure leaves the 15-minute window


def test_failures_of_an_account_from_other_addresses_do_not_block_its_owner(app, make_user):
    user = make_user()
    for n in range(5):
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        log_in(other, user, password="wrong password again")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.99"
    assert log_in(client, user).status_code == 302


def test_the_account_ceiling_across_addresses_slows_every_try_of_that_account(app, make_user):
    app.config["SIP_THROTTLE_ACCOUNT_FAILURES"] = 5
    user = make_user()
    for n in range(5):
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        log_in(other, user, password="wrong password again")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.99"
    assert log_in(client, user).status_code == 429


def test_failures_older_than_fifteen_minutes_no_longer_count(app, client, make_user):
    from datetime import timedelta

    from sip.core.models import utcnow

    user = make_user()
    with app.app_context():
        email = db.session.get(User, user).email
        for _ in range(5):
            db.session.add(LoginAttempt(kind="sign_in", email=email, ip="127.0.0.1", success=False,
                                        at=utcnow() - timedelta(minutes=16)))
        db.session.commit()
    assert log_in(client, user).status_code == 302


def test_failed_logins_are_counted_in_the_database(app, client, make_user):
    user = make_user()
    log_in(client, user, password="wrong password again")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.success.is_(False))) == 1


def test_logout_ends_every_session_of_the_user(app, make_user):
    user = make_user()
    laptop, phone = app.test_client(), app.test_client()
    log_in(laptop, user)
    log_in(phone, user)
    assert phone.get("/account").status_code == 200
    response = laptop.post("/logout")
    assert response.status_code == 302
    assert laptop.get("/account").status_code == 302
    assert phone.get("/account").status_code == 302
    assert "logout" in audit_actions(app)


def test_an_old_session_cookie_stops_working_after_logout(app, client, make_user):
    user = make_user()
    log_in(client, user)
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/account").status_code == 302


def test_logout_needs_post(client, make_user):
    log_in(client, make_user())
    assert client.get("/logout").status_code == 405


def test_changing_the_password_signs_out_other_sessions_but_keeps_this_one(app, make_user):
    user = make_user()
    here, elsewhere = app.test_client(), app.test_client()
    log_in(here, user)
    log_in(elsewhere, user)
    new = "a much longer passphrase for logistics"
    response = here.post("/account", data={"password-current": DEFAULT_PASSWORD, "password-new": new})
    assert response.status_code == 302
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    assert log_in(app.test_client(), user, password=new).status_code == 302
    assert log_in(app.test_client(), user).status_code == 401


def test_changing_the_password_needs_the_current_one(app, client, make_user):
    user = make_user()
    log_in(client, user)
    with app.app_context():
        before = db.session.get(User, user).password_hash
    response = client.post("/account?lang=en", data={"password-current": "not my password!", "password-new": "a much longer passphrase for logistics"})
    assert response.status_code == 400
    assert "The current password is not right." in page_text(response)
    with app.app_context():
        assert db.session.get(User, user).password_hash == before


def test_a_weak_new_password_is_refused_with_a_message(app, client, make_user):
    log_in(client, make_user())
    response = client.post("/account?lang=en", data={"password-current": DEFAULT_PASSWORD, "password-new": "password1234"})
    assert response.status_code == 400
    assert "too common" in page_text(response)


def test_profile_change_is_saved_confirmed_and_drives_the_language(app, client, make_user):
    user = make_user("Old Name", language="en")
    log_in(client, user)
    response = client.post("/account", data={"profile-name": "New Name", "profile-language": "fr", "profile-phone": "+39 06 1234"},
                           follow_redirects=True)
    html = page_text(response)
    assert 'lang="fr"' in html and "Votre profil est enregistré." in html
    with app.app_context():
        saved = db.session.get(User, user)
        assert (saved.name, saved.language, saved.phone) == ("New Name", "fr", "+39 06 1234")


def test_the_users_language_is_used_after_login(app, make_user):
    user = make_user(language="fr")
    client = app.test_client()
    log_in(client, user)
    assert 'lang="fr"' in page_text(client.get("/", headers={"Accept-Language": "en"}))


def test_account_page_needs_a_login(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_home_shows_the_working_groups_of_a_signed_in_lead(seeded, client, make_user):
    log_in(client, make_user(bodies=[("wg-training", "lead")]))
    html = page_text(client.get("/?lang=en"))
    assert "Your bodies" in html and "Training Working Group" in html
    assert 'href="/bodies/wg-training"' in html


def test_the_chosen_language_survives_signing_out(client, make_user):
    log_in(client, make_user())
    client.get("/?lang=en", headers={"Accept-Language": "fr"})
    response = client.post("/logout", follow_redirects=True, headers={"Accept-Language": "fr"})
    assert 'lang="en"' in page_text(response) and "You are signed out." in page_text(response)
