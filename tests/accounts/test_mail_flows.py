"""Invitations and password resets end to end: the e-mail through a real SMTP server, the link, the password page."""
import json
import logging
import re
import time

import pytest
from babel.support import Translations
from sqlalchemy import select

from sip.accounts import services, tokens
from sip.accounts.models import User
from sip.accounts.passwords import verify_password
from sip.core.models import AuditEntry
from sip.extensions import db
from tests.smtp import delivered, text_of
from tests.conftest import DEFAULT_PASSWORD, log_in
from tests.helpers import page_text

GOOD_PASSPHRASE = "pelican kettle orbit saffron"
NEW_PASSPHRASE = "lantern quarry meadow tundra"
PERSON_NAME = "Amadou Diallo"
PERSON_EMAIL = "amadou.diallo@example.org"
WEEK = 7 * 24 * 3600
TWO_HOURS = 2 * 3600


# --- helpers ------------------------------------------------------------------------------------


def invite(app, actor_id: int, *, email=PERSON_EMAIL, name=PERSON_NAME, language=None) -> int:
    """The secretariat invites a person through its page, /admin/people/invite; returns the new person's id."""
    secretariat = app.test_client()
    assert log_in(secretariat, actor_id).status_code == 302
    response = secretariat.post("/admin/people/invite?lang=en",
                                data={"email": email, "name": name, "language": language or "", "role": "member"})
    assert response.status_code == 302, page_text(response)
    delivered(app)  # the page only queues the e-mail; the worker sends it
    with app.app_context():
        return services.find_user(email).id


def link_path(message, prefix: str) -> tuple[str, str]:
    """The path of the single account link in an e-mail, and its token."""
    links = re.findall(r"https?://\S+", text_of(message))
    assert len(links) == 1, links
    found = re.fullmatch(r"https?://[^/]+(" + re.escape(prefix) + r"([A-Za-z0-9_.\-]+))", links[0])
    assert found, links[0]
    return found.group(1), found.group(2)


def get_user(app, user_id: int) -> User:
    """The user as the database holds it now."""
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def password_is(app, user_id: int, password: str) -> bool:
    """True when the person's password is now `password`."""
    with app.app_context():
        return verify_password(db.session.get(User, user_id).password_hash, password)


def audit_entries(app, action: str | None = None) -> list[AuditEntry]:
    """Audit entries, oldest first (optionally of one action)."""
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        entries = list(db.session.scalars(query))
        db.session.expunge_all()
        return entries


@pytest.fixture
def admin(make_user):
    """The id of a member of the secretariat who invites people."""
    return make_user("Rome Secretariat", admin=True, email="secretariat@example.org")


@pytest.fixture
def invitation(app, smtp_server, admin):
    """A person just invited in English: (user id, link path, token)."""
    user_id = invite(app, admin)
    path, token = link_path(smtp_server.messages[-1], "/invitations/")
    return user_id, path, token


def ask_reset(client, smtp_server, email: str) -> tuple[str, str]:
    """Ask for a reset link and return the path and token of the e-mail it sends."""
    before = len(smtp_server.messages)
    response = client.post("/password-reset?lang=en", data={"email": email})
    assert response.status_code == 302
    assert len(delivered(client.application, smtp_server)) == before + 1
    return link_path(smtp_server.messages[-1], "/password-reset/")


class Clock:
    """itsdangerous' clock, moved forward by hand to age the links."""

    def __init__(self, monkeypatch):
        self.offset = 0
        fake = type("FakeTime", (), {"time": staticmethod(lambda: time.time() + self.offset)})
        monkeypatch.setattr("itsdangerous.timed.time", fake)


@pytest.fixture
def clock(monkeypatch):
    """A clock for signed links that tests can move forward."""
    return Clock(monkeypatch)


# --- invitations --------------------------------------------------------------------------------


def test_invitation_email_goes_to_the_person_with_a_link_to_choose_a_password(app, client, smtp_server, admin):
    invite(app, admin)
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == PERSON_EMAIL
    assert smtp_server.envelopes[0]["rcpt_tos"] == [PERSON_EMAIL]
    assert message["Subject"] == "You are invited to SIP Tracker"
    assert PERSON_NAME in text_of(message)
    assert re.search(r"^http://sip\.test/invitations/\S+$", text_of(message), re.MULTILINE)
    path, _ = link_path(message, "/invitations/")
    page = client.get(path + "?lang=en")
    assert page.status_code == 200
    assert 'type="password"' in page_text(page)
    assert PERSON_EMAIL in page_text(page)


def test_invitation_email_is_written_in_the_persons_language(app, smtp_server, admin):
    invite(app, admin, language="fr")
    message = smtp_server.messages[0]
    french = Translations.load(app.config["BABEL_TRANSLATION_DIRECTORIES"], ["fr"])
    expected_subject = french.gettext("You are invited to SIP Tracker")
    assert expected_subject != "You are invited to SIP Tracker", "the French catalogue lacks the invitation subject"
    assert message["Subject"] == expected_subject
    assert "You have been invited" not in text_of(message)
    link_path(message, "/invitations/")  # the link is there whatever the language


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short", "Use at least 12 characters"),
        ("passwordpassword", "too common or too simple"),
        ("amadou diallo in rome", "must not contain your name or e-mail address"),
        ("amadou.diallo-logistics", "must not contain your name or e-mail address"),
    ],
    ids=["too-short", "common-repeated", "contains-name", "contains-email"],
)
def test_invitation_refuses_a_weak_password_with_a_clear_message_and_changes_nothing(
    app, client, invitation, password, reason
):
    user_id, path, _ = invitation
    response = client.post(path + "?lang=en", data={"password": password})
    assert response.status_code == 400
    assert reason in page_text(response)
    assert get_user(app, user_id).password_hash is None
    assert audit_entries(app, "account.invitation_accepted") == []
    assert client.get("/account").status_code == 302  # not signed in
    assert client.get(path).status_code == 200  # a refused attempt does not use up the link


def test_invitation_with_a_good_passphrase_sets_it_signs_in_and_is_audited(app, client, invitation):
    user_id, path, _ = invitation
    response = client.post(path, data={"password": GOOD_PASSPHRASE})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert password_is(app, user_id, GOOD_PASSPHRASE)
    [entry] = audit_entries(app, "account.invitation_accepted")
    assert (entry.entity, entry.entity_id, entry.user_id) == ("user_account", str(user_id), user_id)
    other = app.test_client()
    assert other.post("/login", data={"email": PERSON_EMAIL, "password": GOOD_PASSPHRASE}).status_code == 302


def test_invitation_link_works_only_once(app, client, invitation):
    user_id, path, _ = invitation
    assert client.post(path, data={"password": GOOD_PASSPHRASE}).status_code == 302
    stranger = app.test_client()
    again = stranger.get(path + "?lang=en")
    assert again.status_code == 410
    assert "Link no longer valid" in page_text(again)
    hijack = stranger.post(path + "?lang=en", data={"password": NEW_PASSPHRASE})
    assert hijack.status_code == 410
    assert password_is(app, user_id, GOOD_PASSPHRASE)
    assert stranger.get("/account").status_code == 302


def _tampered(token: str) -> str:
    """The token with one character of its signature changed."""
    position = len(token) - 8
    replacement = "A" if token[position] != "A" else "B"
    return token[:position] + replacement + token[position + 1:]


def test_tampered_invitation_token_is_refused(app, client, invitation):
    user_id, _, token = invitation
    response = client.get(f"/invitations/{_tampered(token)}?lang=en")
    assert response.status_code == 410
    assert "Link no longer valid" in page_text(response)
    assert client.post(f"/invitations/{_tampered(token)}", data={"password": GOOD_PASSPHRASE}).status_code == 410
    assert get_user(app, user_id).password_hash is None


def test_invitation_token_signed_with_another_key_is_refused(app, client, invitation):
    user_id, _, token = invitation
    real_key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "another-key-" + "x" * 32
    with app.app_context():
        forged = tokens.make_token(db.session.get(User, user_id), "invite")
    app.config["SECRET_KEY"] = real_key
    assert forged != token
    assert client.get(f"/invitations/{forged}").status_code == 410


def test_invitation_link_expires_after_seven_days(app, client, clock, invitation):
    user_id, path, _ = invitation
    clock.offset = WEEK - 60
    assert client.get(path).status_code == 200  # still valid just before the week is over
    clock.offset = WEEK + 60
    response = client.get(path + "?lang=en")
    assert response.status_code == 410
    assert "Link no longer valid" in page_text(response)
    assert client.post(path, data={"password": GOOD_PASSPHRASE}).status_code == 410
    assert get_user(app, user_id).password_hash is None


def test_reset_token_is_not_an_invitation_and_an_invitation_is_not_a_reset(app, client, smtp_server, invitation):
    _, invitation_path, invitation_token = invitation
    reset_path, reset_token = ask_reset(client, smtp_server, PERSON_EMAIL)
    assert client.get(f"/invitations/{reset_token}").status_code == 410
    assert client.get(f"/password-reset/{invitation_token}").status_code == 410
    assert client.post(f"/invitations/{reset_token}", data={"password": GOOD_PASSPHRASE}).status_code == 410
    assert client.post(f"/password-reset/{invitation_token}", data={"password": GOOD_PASSPHRASE}).status_code == 410
    # each is valid where it belongs
    assert client.get(invitation_path).status_code == 200
    assert client.get(reset_path).status_code == 200


def test_invitation_of_a_deactivated_person_no_longer_works(app, client, invitation, admin):
    user_id, path, _ = invitation
    with app.app_context():
        services.set_active(db.session.get(User, user_id), False, db.session.get(User, admin))
    assert client.get(path).status_code == 410


# --- password resets ----------------------------------------------------------------------------


def test_reset_request_for_an_account_sends_one_email_with_a_reset_link(app, client, smtp_server, make_user):
    make_user(PERSON_NAME, email=PERSON_EMAIL)
    path, _ = ask_reset(client, smtp_server, PERSON_EMAIL)
    [message] = smtp_server.messages
    assert message["To"] == PERSON_EMAIL
    assert message["Subject"] == "Reset your SIP Tracker password"
    assert path.startswith("/password-reset/")
    assert client.get(path).status_code == 200


def test_reset_request_for_an_unknown_address_says_the_same_and_sends_nothing(app, smtp_server, make_user):
    make_user(PERSON_NAME, email=PERSON_EMAIL)
    known = app.test_client().post("/password-reset?lang=en", data={"email": PERSON_EMAIL}, follow_redirects=True)
    assert len(delivered(app, smtp_server)) == 1
    unknown = app.test_client().post("/password-reset?lang=en", data={"email": "nobody@example.org"},
                                     follow_redirects=True)
    assert len(delivered(app, smtp_server)) == 1
    assert unknown.status_code == known.status_code == 200
    assert "If this address belongs to an account, a link to reset its password is on its way." in page_text(unknown)
    assert page_text(unknown) == page_text(known)


def test_reset_request_for_a_deactivated_account_sends_nothing(app, client, smtp_server, make_user):
    make_user(PERSON_NAME, email=PERSON_EMAIL, active=False)
    assert client.post("/password-reset?lang=en", data={"email": PERSON_EMAIL}).status_code == 302
    assert delivered(app, smtp_server) == []


def test_reset_link_refuses_a_weak_password_and_keeps_the_old_one(app, client, smtp_server, make_user):
    user_id = make_user(PERSON_NAME, email=PERSON_EMAIL)
    path, _ = ask_reset(client, smtp_server, PERSON_EMAIL)
    response = client.post(path + "?lang=en", data={"password": "short"})
    assert response.status_code == 400
    assert "Use at least 12 characters" in page_text(response)
    assert password_is(app, user_id, DEFAULT_PASSWORD)
    assert audit_entries(app, "account.password_reset") == []


def test_reset_link_sets_a_new_password_and_the_old_one_stops_working(app, client, smtp_server, make_user):
    user_id = make_user(PERSON_NAME, email=PERSON_EMAIL)
    path, _ = ask_reset(client, smtp_server, PERSON_EMAIL)
    assert client.post(path, data={"password": NEW_PASSPHRASE}).status_code == 302
    assert client.get("/account").status_code == 200  # the person is signed in
    assert log_in(app.test_client(), user_id, password=DEFAULT_PASSWORD).status_code == 401
    assert log_in(app.test_client(), user_id, password=NEW_PASSPHRASE).status_code == 302
    [entry] = audit_entries(app, "account.password_reset")
    assert (entry.entity_id, entry.user_id) == (str(user_id), user_id)


def test_reset_signs_out_every_earlier_session_of_the_person(app, client, smtp_server, make_user):
    user_id = make_user(PERSON_NAME, email=PERSON_EMAIL)
    laptop = app.test_client()
    assert log_in(laptop, user_id).status_code == 302
    assert laptop.get("/account").status_code == 200
    path, _ = ask_reset(client, smtp_server, PERSON_EMAIL)
    assert client.post(path, data={"password": NEW_PASSPHRASE}).status_code == 302
    response = laptop.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert client.get("/account").status_code == 200  # the session that reset the password goes on


def test_reset_link_works_only_once(app, client, smtp_server, make_user):
    user_id = make_user(PERSON_NAME, email=PERSON_EMAIL)
    path, _ = ask_reset(client, smtp_server, PERSON_EMAIL)
    assert client.post(path, data={"password": NEW_PASSPHRASE}).status_code == 302
    stranger = app.test_client()
    response = stranger.get(path + "?lang=en")
    assert response.status_code == 410
    assert "Link no longer valid" in page_text(response)
    assert stranger.post(path, data={"password": GOOD_PASSPHRASE}).status_code == 410
    assert password_is(app, user_id, NEW_PASSPHRASE)


def test_tampered_reset_token_is_refused(app, client, smtp_server, make_user):
    user_id = make_user(PERSON_NAME, email=PERSON_EMAIL)
    _, token = ask_reset(client, smtp_server, PERSON_EMAIL)
    assert client.get(f"/password-reset/{_tampered(token)}").status_code == 410
    assert client.post(f"/password-reset/{_tampered(token)}", data={"password": NEW_PASSPHRASE}).status_code == 410
    assert password_is(app, user_id, DEFAULT_PASSWORD)


def test_reset_link_expires_after_two_hours(app, client, smtp_server, clock, make_user):
    user_id = make_user(PERSON_NAME, email=PERSON_EMAIL)
    path, _ = ask_reset(client, smtp_server, PERSON_EMAIL)
    clock.offset = TWO_HOURS - 60
    assert client.get(path).status_code == 200
    clock.offset = TWO_HOURS + 60
    assert client.get(path).status_code == 410
    assert client.post(path, data={"password": NEW_PASSPHRASE}).status_code == 410
    assert password_is(app, user_id, DEFAULT_PASSWORD)


def test_reset_link_stops_working_once_the_password_is_changed_another_way(app, client, smtp_server, make_user):
    user_id = make_user(PERSON_NAME, email=PERSON_EMAIL)
    path, _ = ask_reset(client, smtp_server, PERSON_EMAIL)
    assert log_in(client, user_id).status_code == 302
    client.post("/account", data={"password-current": DEFAULT_PASSWORD, "password-new": NEW_PASSPHRASE})
    assert password_is(app, user_id, NEW_PASSPHRASE)
    assert app.test_client().get(path).status_code == 410


# --- secrets stay out of the logs ---------------------------------------------------------------


def test_no_password_or_token_reaches_the_logs_or_the_audit_trail(app, client, smtp_server, admin, caplog):
    caplog.set_level(logging.DEBUG)
    user_id = invite(app, admin)
    invitation_path, invitation_token = link_path(smtp_server.messages[-1], "/invitations/")
    weak = "amadou diallo secret"
    assert client.post(invitation_path, data={"password": weak}).status_code == 400
    assert client.post(invitation_path, data={"password": GOOD_PASSPHRASE}).status_code == 302
    assert client.get(invitation_path).status_code == 410
    other = app.test_client()
    reset_path, reset_token = ask_reset(other, smtp_server, PERSON_EMAIL)
    assert other.post(reset_path, data={"password": NEW_PASSPHRASE}).status_code == 302
    assert log_in(app.test_client(), user_id, password=GOOD_PASSPHRASE).status_code == 401
    assert log_in(app.test_client(), user_id, password=NEW_PASSPHRASE).status_code == 302

    secrets = [weak, GOOD_PASSPHRASE, NEW_PASSPHRASE, invitation_token, reset_token]
    for record in caplog.records:
        logged = " ".join([record.getMessage(), repr(record.args), record.exc_text or "", str(record.pathname)])
        for secret in secrets:
            assert secret not in logged, f"{record.name} logged a secret: {record.getMessage()!r}"
    entries = audit_entries(app)
    assert {"account.invitation_accepted", "account.reset_requested", "account.password_reset"} <= {
        entry.action for entry in entries
    }
    for entry in entries:
        stored = json.dumps([entry.before, entry.after, entry.rationale, entry.entity_id, entry.ip])
        for secret in secrets:
            assert secret not in stored, f"audit entry {entry.action} holds a secret"
