"""Account services held by what they write: people, memberships, invitations, passwords and sign-in locks (issue 23)."""
import re
from datetime import date, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from sip.accounts import limiter, services, tokens
from sip.accounts.models import LoginAttempt, Membership, Organisation, User
from sip.accounts.passwords import verify_password
from sip.bodies.models import Body
from sip.core.models import AuditEntry, OutboxMail
from sip.extensions import db
from tests.conftest import DEFAULT_PASSWORD

OFFICE = "192.0.2.44"
GOOD_TWELVE = "x7#Lq9!vR2@m"  # exactly 12 characters, nothing common nor personal in it


@pytest.fixture
def person(app_ctx, make_user):
    """Builder: `make_user` returning the loaded User in this test's session."""

    def build(*args, **kwargs):
        db.session.commit()
        user_id = make_user(*args, **kwargs)
        return db.session.get(User, user_id)

    return build


@pytest.fixture
def actor(person):
    """A member of the Rome support team."""
    return person("Rita Rome", bodies=[("rome-support-team", "member")], email="rita@example.org")


def refused(message: str, error=services.AccountError):
    """Expect this refusal, word for word."""
    return pytest.raises(error, match=f"^{re.escape(message)}$")


def entries(action: str | None = None) -> list[AuditEntry]:
    """The audit entries (of one action), oldest first."""
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query))


def attempts() -> list[tuple]:
    """The limiter's rows as (kind, email, ip, success, user_id), oldest first."""
    return [(a.kind, a.email, a.ip, a.success, a.user_id)
            for a in db.session.scalars(select(LoginAttempt).order_by(LoginAttempt.id))]


def add_body(slug: str) -> Body:
    """A working group, committed."""
    body = Body(slug=slug, kind="working_group", name={"fr": slug, "en": slug}, aliases=[])
    db.session.add(body)
    db.session.commit()
    return body


def count(model) -> int:
    """Rows of a table."""
    return db.session.scalar(select(func.count()).select_from(model))


def mails() -> list[OutboxMail]:
    """The queued e-mails, oldest first."""
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def fail(times: int, kind: str, email: str, address: str | None = OFFICE) -> None:
    """Write failed attempts of the pair, now, and commit."""
    for _ in range(times):
        db.session.add(LoginAttempt(kind=kind, email=email, ip=address, success=False, at=limiter.utcnow()))
    db.session.commit()


# --- e-mail addresses --------------------------------------------------------------------------------------------


def test_an_email_address_is_found_whatever_its_case_and_surrounding_spaces(person):
    user = person(email="ana@example.org")
    assert services.normalise_email("  Ana@Example.ORG \n") == "ana@example.org"
    assert services.normalise_email(None) == ""
    assert services.find_user(" ANA@example.org ") is user
    assert services.find_user("nobody@example.org") is None


# --- signing in ---------------------------------------------------------------------------------------------------


def test_a_right_password_signs_in_counts_a_success_and_audits_it_with_the_client_address(app, person):
    user = person(email="lea@example.org")
    fail(2, "sign_in", "lea@example.org")
    with app.test_request_context(environ_base={"REMOTE_ADDR": OFFICE}):
        result = services.authenticate(" Lea@Example.org ", DEFAULT_PASSWORD, OFFICE)
    assert (result.user, result.refusal, result.retry_after) == (user, None, 0)
    assert user.last_login_at is not None
    assert attempts() == [("sign_in", "lea@example.org", OFFICE, True, user.id)]  # the pair's failures forgiven
    [entry] = entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id, entry.ip) == (
        "login.succeeded", "user_account", str(user.id), user.id, OFFICE)
    assert verify_password(user.password_hash, DEFAULT_PASSWORD)


def test_a_wrong_password_is_refused_counted_against_the_pair_and_audited(app, person):
    user = person(email="lea@example.org")
    with app.test_request_context(environ_base={"REMOTE_ADDR": OFFICE}):
        result = services.authenticate("lea@example.org", "not the password at all", OFFICE)
    assert (result.user, result.refusal, result.retry_after) == (None, "invalid", 0)
    assert attempts() == [("sign_in", "lea@example.org", OFFICE, False, user.id)]
    [entry] = entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id, entry.ip) == (
        "login.failed", "user_account", str(user.id), user.id, OFFICE)
    assert db.session.get(User, user.id).last_login_at is None


def test_an_unknown_address_is_refused_like_a_wrong_password(person):
    result = services.authenticate("ghost@example.org", DEFAULT_PASSWORD, OFFICE)
    assert (result.user, result.refusal) == (None, "invalid")
    assert attempts() == [("sign_in", "ghost@example.org", OFFICE, False, None)]
    [entry] = entries()
    assert (entry.action, entry.entity_id, entry.user_id) == ("login.failed", None, None)


def test_a_deactivated_account_with_the_right_password_is_refused(person):
    user = person(email="gone@example.org", active=False)
    result = services.authenticate("gone@example.org", DEFAULT_PASSWORD, OFFICE)
    assert (result.user, result.refusal) == (None, "invalid")
    assert [e.action for e in entries()] == ["login.failed"] and user.last_login_at is None


def test_a_throttled_sign_in_checks_nothing_and_says_how_long_to_wait(person, monkeypatch):
    user = person(email="lea@example.org")
    fail(6, "sign_in", "lea@example.org")
    monkeypatch.setattr(services, "verify_password", lambda *args: pytest.fail("the password was checked"))
    result = services.authenticate("lea@example.org", DEFAULT_PASSWORD, OFFICE)
    assert (result.user, result.refusal) == (None, "throttled")
    assert 50 <= result.retry_after <= 60
    [entry] = entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id) == ("login.throttled", "user_account", None, None)
    assert entry.after == {"ip": OFFICE, "wait": result.retry_after, "limit": "pair"}
    assert len(attempts()) == 6 and db.session.get(User, user.id).last_login_at is None


def test_a_hash_made_with_older_settings_is_replaced_at_sign_in(person):
    user = person(email="old@example.org")
    old = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1).hash(DEFAULT_PASSWORD)
    user.password_hash = old
    db.session.commit()
    assert services.authenticate("old@example.org", DEFAULT_PASSWORD, None).user == user
    stored = db.session.get(User, user.id).password_hash
    assert stored != old and "t=1," in stored and verify_password(stored, DEFAULT_PASSWORD)


def test_a_current_hash_is_kept_at_sign_in(person):
    user = person(email="lea@example.org")
    stored = user.password_hash
    services.authenticate("lea@example.org", DEFAULT_PASSWORD, None)
    assert db.session.get(User, user.id).password_hash == stored


def test_a_right_password_with_two_step_sign_in_to_come_is_audited_as_accepted_not_signed_in(app, person):
    enrolled = person(email="totp@example.org")
    enrolled.totp_secret, enrolled.mfa_enabled_at = "JBSWY3DPEHPK3PXP", services.utcnow()
    admin = person(email="admin@example.org", admin=True)
    db.session.commit()
    assert services.authenticate("totp@example.org", DEFAULT_PASSWORD, None).user == enrolled
    app.config["SIP_MFA_REQUIRED_ROLES"] = ("admin",)  # an administrator must set it up first
    assert services.authenticate("admin@example.org", DEFAULT_PASSWORD, None).user == admin
    assert [(e.action, e.user_id) for e in entries()] == [("login.password_accepted", enrolled.id),
                                                          ("login.password_accepted", admin.id)]


def test_signing_out_ends_every_session_and_is_audited(person):
    user = person()
    token = user.session_token
    services.log_out(user)
    db.session.expire_all()
    assert db.session.get(User, user.id).session_token != token
    [entry] = entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id) == ("logout", "user_account", str(user.id),
                                                                           user.id)


# --- the person's own account -------------------------------------------------------------------------------------


def test_a_profile_is_saved_trimmed_and_audited_without_the_phone_number(person):
    user = person("Old Name", language="fr")
    services.update_profile(user, "  New Name ", "", " +39 06 1234 ")
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.name, user.language, user.phone) == ("New Name", None, "+39 06 1234")
    [entry] = entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id) == (
        "account.updated", "user_account", str(user.id), user.id)
    assert entry.before == {"name": "Old Name", "language": "fr", "phone": False}
    assert entry.after == {"name": "New Name", "language": None, "phone": True}
    services.update_profile(user, "New Name", "en", "   ")
    assert (user.language, user.phone) == ("en", None)
    assert entries()[-1].before == {"name": "New Name", "language": None, "phone": True}
    assert entries()[-1].after == {"name": "New Name", "language": "en", "phone": False}
    services.update_profile(user, "New Name", "en", None)
    assert db.session.get(User, user.id).phone is None and entries()[-1].after["phone"] is False


def test_a_good_twelve_character_password_is_accepted_and_ends_every_session(person):
    user = person(email="lea@example.org")
    token = user.session_token
    services.set_password(user, GOOD_TWELVE, action="account.password_reset")
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert verify_password(user.password_hash, GOOD_TWELVE) and user.session_token != token
    [entry] = entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id) == (
        "account.password_reset", "user_account", str(user.id), user.id)


@pytest.mark.parametrize("password, reason", [
    ("x7#Lq9!vR2@", "Use at least 12 characters"),
    ("Password1234", "too common or too simple"),
    ("lea-martin-2024!", "must not contain your name or e-mail address"),
])
def test_a_refused_password_says_why_and_nothing_is_written(person, password, reason):
    user = person("Lea Martin", email="lea.martin@example.org")
    stored, token = user.password_hash, user.session_token
    with pytest.raises(services.AccountError, match=reason):
        services.set_password(user, password, action="account.password_reset")
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.password_hash, user.session_token) == (stored, token) and entries() == []


@pytest.mark.parametrize("password", ["douala-big-trucks", "Martin big trucks"])  # e-mail, then name
def test_a_password_holding_part_of_the_persons_name_or_email_is_refused_saying_why(person, password):
    user = person("Anna Martin", email="lea.douala@example.org")
    with refused("The password must not contain your name or e-mail address."):
        services.set_password(user, password, action="account.password_reset")
    with refused("The password must not contain your name or e-mail address."):
        services.create_user(services.NewPerson(email="lea.douala@example.net", name="Anna Martin"), password=password)
    assert count(User) == 1 and entries() == []


def test_a_password_reset_forgives_every_failed_check_of_the_account_and_the_actor_is_audited(person, actor):
    user = person(email="lea@example.org")
    fail(3, "sign_in", "lea@example.org")
    fail(2, "mfa", "lea@example.org", "198.51.100.9")
    fail(1, "sign_in", "other@example.org")
    services.set_password(user, GOOD_TWELVE, action="account.password_reset", actor=actor)
    assert attempts() == [("sign_in", "other@example.org", OFFICE, False, None)]
    assert entries()[-1].user_id == actor.id


def test_a_password_written_meanwhile_by_another_request_is_not_overwritten(person, monkeypatch):
    user = person(email="lea@example.org")
    real_hash = services.hash_password

    def meanwhile(password):  # another request (a second use of the same link) saves first
        other = db.session.get(User, user.id)
        other.password_hash = real_hash("a different passphrase entirely")
        db.session.commit()
        return real_hash(password)

    monkeypatch.setattr(services, "hash_password", meanwhile)
    with refused("Your password was changed meanwhile by another request; nothing was saved."):
        services.set_password(user, GOOD_TWELVE, action="account.password_reset")
    user = db.session.get(User, user.id)
    assert verify_password(user.password_hash, "a different passphrase entirely") and entries() == []


def test_changing_ones_password_needs_the_current_one_and_forgives_the_pairs_failures(app, person):
    user = person(email="lea@example.org")
    token = user.session_token
    fail(2, "current_password", "lea@example.org")
    with app.test_request_context(environ_base={"REMOTE_ADDR": OFFICE}):
        services.change_password(user, DEFAULT_PASSWORD, GOOD_TWELVE, ip=OFFICE)
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert verify_password(user.password_hash, GOOD_TWELVE) and user.session_token != token
    assert attempts() == [("current_password", "lea@example.org", OFFICE, True, user.id)]
    [entry] = entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id, entry.ip) == (
        "account.password_changed", "user_account", str(user.id), user.id, OFFICE)


def test_a_wrong_current_password_is_refused_counted_and_audited(person):
    user = person(email="lea@example.org")
    stored = user.password_hash
    with refused("The current password is not right."):
        services.change_password(user, "not my password at all", GOOD_TWELVE, ip=OFFICE)
    assert db.session.get(User, user.id).password_hash == stored
    assert attempts() == [("current_password", "lea@example.org", OFFICE, False, user.id)]
    [entry] = entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id, entry.after) == (
        "login.failed", "user_account", str(user.id), user.id, {"check": "current_password"})


def test_a_weak_new_password_is_refused_saying_why_once_the_current_one_is_right(person):
    user = person(email="lea@example.org")
    stored = user.password_hash
    with pytest.raises(services.AccountError, match="Use at least 12 characters"):
        services.change_password(user, DEFAULT_PASSWORD, "short", ip=OFFICE)
    assert db.session.get(User, user.id).password_hash == stored and entries() == [] and attempts() == []


@pytest.mark.parametrize("new", ["douala-big-trucks", "Martin big trucks"])  # e-mail, then name
def test_a_new_password_holding_ones_name_or_email_is_refused_saying_why(person, new):
    user = person("Anna Martin", email="lea.douala@example.org")
    stored = user.password_hash
    with refused("The password must not contain your name or e-mail address."):
        services.change_password(user, DEFAULT_PASSWORD, new, ip=OFFICE)
    assert db.session.get(User, user.id).password_hash == stored and entries() == []


def test_a_throttled_password_change_checks_nothing_and_says_how_long_to_wait(person, monkeypatch):
    user = person(email="lea@example.org")
    fail(6, "sign_in", "lea@example.org")
    monkeypatch.setattr(services, "verify_password", lambda *args: pytest.fail("the password was checked"))
    with pytest.raises(services.Throttled, match=r"^Too many failed attempts\. Wait \d+ seconds, or reset your "
                                                 r"password\.$") as refused:
        services.change_password(user, DEFAULT_PASSWORD, GOOD_TWELVE, ip=OFFICE)
    assert 50 <= refused.value.retry_after <= 60
    [entry] = entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id) == (
        "login.throttled", "user_account", str(user.id), user.id)
    assert entry.after == {"ip": OFFICE, "check": "current_password", "wait": refused.value.retry_after}
    assert len(attempts()) == 6


def test_a_wait_is_said_in_the_readers_words(app_ctx):
    assert services.wait_text(1) == "1 second"
    assert (services.wait_text(89), services.wait_text(90)) == ("89 seconds", "2 minutes")  # a unit from 1.5 of it
    assert services.wait_text(900) == "15 minutes"
    assert services.throttled_message(45) == "Too many failed attempts. Wait 45 seconds, or reset your password."


# --- invitations and password resets ------------------------------------------------------------------------------


def test_an_invitation_is_queued_in_the_persons_language_with_a_link_that_works_for_seven_days(app, person):
    user = person("Jean Dupont", email="jean@example.org", password=None, language="fr")
    services.send_invitation(user)
    db.session.commit()
    [mail] = mails()
    assert (mail.to_address, mail.kind) == ("jean@example.org", "invitation")
    assert mail.subject == "Invitation à rejoindre Suivi du SIP"  # French, the person's language
    assert "Jean Dupont" in mail.body and "7" in mail.body
    token = re.search(r"http://sip\.test/invitations/(\S+)", mail.body).group(1)
    assert tokens.read_token(token, "invite") == user


def test_an_invitation_in_the_default_language_reads_in_english(app, person):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    user = person("Jo Doe", email="jo@example.org", password=None)
    services.send_invitation(user)
    db.session.commit()
    [mail] = mails()
    assert mail.subject == "You are invited to SIP Tracker"
    assert re.fullmatch(r"Hello Jo Doe,\n\nYou have been invited to SIP Tracker, where the Logistics Cluster follows "
                        r"its Strategy Implementation Plan\.\n\nChoose your password here \(the link works once, for "
                        r"7 days\):\nhttp://sip\.test/invitations/\S+\n", mail.body)


def test_a_reset_request_for_an_active_account_queues_a_two_hour_link_and_is_audited(app, person):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    user = person("Lea", email="lea@example.org")
    services.request_password_reset(" LEA@example.org ", OFFICE)
    [mail] = mails()
    assert (mail.to_address, mail.kind, mail.subject) == ("lea@example.org", "password_reset",
                                                          "Reset your SIP Tracker password")
    assert re.fullmatch(r"Hello Lea,\n\nSomeone \(probably you\) asked to reset your SIP Tracker password\. Choose a "
                        r"new one here \(the link works once, for 2 hours\):\nhttp://sip\.test/password-reset/\S+\n\n"
                        r"If it was not you, ignore this e-mail\.\n", mail.body)
    token = re.search(r"http://sip\.test/password-reset/(\S+)", mail.body).group(1)
    assert tokens.read_token(token, "reset") == user
    assert attempts() == [("reset", "lea@example.org", OFFICE, True, user.id)]
    [entry] = entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id) == (
        "account.reset_requested", "user_account", str(user.id), user.id)


@pytest.mark.parametrize("active", [False, None])
def test_a_reset_request_for_a_deactivated_or_unknown_account_sends_nothing_but_is_counted(person, active):
    user = person(email="lea@example.org", active=False) if active is False else None
    services.request_password_reset("lea@example.org", OFFICE)
    db.session.rollback()  # what was written is committed
    user_id = user.id if user else None
    assert mails() == []
    assert attempts() == [("reset", "lea@example.org", OFFICE, True, user_id)]
    assert [(e.action, e.user_id) for e in entries()] == [("account.reset_requested", user_id)]


def test_reset_requests_from_one_address_are_limited_whatever_the_account(person):
    for number in range(20):
        db.session.add(LoginAttempt(kind="reset", email=f"p{number}@example.org", ip=OFFICE, success=True,
                                    at=limiter.utcnow()))
    db.session.commit()
    user = person(email="lea@example.org")
    services.request_password_reset("lea@example.org", OFFICE)
    assert mails() == [] and entries()[-1].after == {"limit": "quota_address"}
    services.request_password_reset("lea@example.org", "198.51.100.9")  # another address may still ask
    assert [m.to_address for m in mails()] == ["lea@example.org"]
    assert attempts()[-1] == ("reset", "lea@example.org", "198.51.100.9", True, user.id)


def test_a_throttled_reset_request_sends_nothing_uses_no_quota_and_says_which_limit(person):
    user = person(email="lea@example.org")
    for _ in range(3):
        db.session.add(LoginAttempt(kind="reset", email="lea@example.org", ip=None, success=True,
                                    at=limiter.utcnow()))
    db.session.commit()
    services.request_password_reset("lea@example.org", OFFICE)
    db.session.rollback()
    assert mails() == []
    assert attempts()[-1] == ("reset", "lea@example.org", OFFICE, False, user.id)
    [entry] = entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id, entry.after) == (
        "account.reset_throttled", "user_account", str(user.id), user.id, {"limit": "quota_account"})


# --- administration -----------------------------------------------------------------------------------------------


def test_a_person_is_created_trimmed_with_a_membership_and_both_are_audited(person, actor):
    user = services.create_user(services.NewPerson(email=" Nadia@Example.org ", name="  Nadia N ", language="",
                                                   is_admin=True, body_slug="rome-support-team"), actor=actor)
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.email, user.name, user.language, user.is_admin, user.password_hash) == (
        "nadia@example.org", "Nadia N", None, True, None)
    assert user.session_token
    [membership] = user.memberships
    assert (membership.body.slug, membership.role, membership.since) == ("rome-support-team", "member", date.today())
    created, added = entries()
    assert (created.action, created.entity, created.entity_id, created.after, created.user_id) == (
        "user.created", "user_account", str(user.id), {"admin": True}, actor.id)
    assert (added.action, added.user_id) == ("membership.added", actor.id)


def test_a_person_created_from_the_command_line_has_no_actor_and_may_be_given_a_password(app_ctx):
    user = services.create_user(services.NewPerson(email="cli@example.org", name="Cli", language="en",
                                                   organisation_id=None), password=GOOD_TWELVE)
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.language == "en" and user.is_admin is False and user.memberships == []
    assert verify_password(user.password_hash, GOOD_TWELVE)
    [entry] = entries()
    assert (entry.action, entry.user_id, entry.after) == ("user.created", None, {"admin": False})


def test_a_person_created_with_an_organisation_and_a_role_keeps_them(actor):
    add_body("wg-training")
    organisation = services.create_organisation("Action Logistique Sahel", None, "partner", None, None, actor)
    user = services.create_user(services.NewPerson(email="o@example.org", name="O", organisation_id=organisation.id,
                                                   body_slug="wg-training", role="co_lead"), actor=actor)
    assert user.organisation_id == organisation.id
    assert [(m.body.slug, m.role) for m in user.memberships] == [("wg-training", "co_lead")]


@pytest.mark.parametrize("email, message", [
    ("", "Give a valid e-mail address."),
    ("   ", "Give a valid e-mail address."),
    ("no-at-sign.example.org", "Give a valid e-mail address."),
    ("RITA@example.org", "An account with this e-mail address already exists."),
])
def test_a_person_with_a_bad_or_taken_address_is_refused_and_nothing_written(actor, email, message):
    people, audited = count(User), count(AuditEntry)
    with refused(message):
        services.create_user(services.NewPerson(email=email, name="Nobody"), actor=actor)
    assert (count(User), count(AuditEntry)) == (people, audited)


def test_a_person_given_a_weak_password_is_refused_saying_why(app_ctx):
    with pytest.raises(services.AccountError, match="Use at least 12 characters"):
        services.create_user(services.NewPerson(email="w@example.org", name="W"), password="short")
    assert count(User) == 0


def test_a_person_given_an_unknown_role_leaves_nobody_behind(actor):
    people, audited = count(User), count(AuditEntry)
    with refused("Choose lead, co-lead or member."):
        services.create_user(services.NewPerson(email="r@example.org", name="R", body_slug="rome-support-team",
                                                role="chair"), actor=actor)
    assert (count(User), count(AuditEntry), count(Membership)) == (people, audited, 1)


def test_an_invited_person_is_created_and_their_invitation_is_committed(actor):
    user = services.invite_user(services.NewPerson(email="inv@example.org", name="Inv"), actor)
    db.session.rollback()
    assert services.find_user("inv@example.org") == user
    assert [(e.action, e.user_id) for e in entries()] == [("user.created", actor.id)]
    [mail] = mails()
    assert (mail.to_address, mail.kind) == ("inv@example.org", "invitation")


def test_reactivating_a_person_changes_their_session_and_is_audited(person, actor):
    user = person(active=False)
    token = user.session_token
    services.set_active(user, True, actor)
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.active is True and user.session_token != token
    [entry] = entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.before, entry.after, entry.user_id) == (
        "user.activated", "user_account", str(user.id), {"active": False}, {"active": True}, actor.id)


def test_deactivating_oneself_is_refused_saying_so(actor):
    with refused("You cannot deactivate yourself."):
        services.set_active(actor, False, actor)
    assert db.session.get(User, actor.id).active is True and entries() == []


def test_deactivating_someone_else_is_audited_and_reactivating_oneself_is_allowed(person, actor):
    user = person()
    services.set_active(user, False, actor)
    assert db.session.get(User, user.id).active is False
    assert entries()[-1].after == {"active": False}
    services.set_active(actor, True, actor)
    assert actor.active is True and entries()[-1].action == "user.activated"


# --- memberships --------------------------------------------------------------------------------------------------


def test_a_membership_may_not_start_on_the_day_the_previous_one_ends_but_may_the_day_after(person, actor):
    add_body("wg-training")
    user = person()
    first = services.add_membership(user, "wg-training", "member", actor=actor, since=date(2025, 1, 1))
    first.until = date(2025, 12, 31)
    db.session.commit()
    audited = count(AuditEntry)
    with refused("This person already belongs to this body."):
        services.add_membership(user, "wg-training", "lead", actor=actor, since=date(2025, 12, 31))
    db.session.rollback()
    assert (count(Membership), count(AuditEntry)) == (2, audited)  # the actor's and the first
    second = services.add_membership(user, "wg-training", "lead", actor=actor, since=date(2026, 1, 1))
    db.session.expire_all()
    assert [(m.role, m.since, m.until) for m in db.session.scalars(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.since))] == [
        ("member", date(2025, 1, 1), date(2025, 12, 31)), ("lead", date(2026, 1, 1), None)]
    entry = entries()[-1]
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id) == (
        "membership.added", "membership", str(second.id), actor.id)


def test_a_membership_of_an_unknown_body_or_with_an_unknown_role_is_refused_saying_why(person, actor):
    add_body("wg-training")
    user = person()
    with refused("There is no body “no-such-body”."):
        services.add_membership(user, "no-such-body", "member", actor=actor)
    with refused("Choose lead, co-lead or member."):
        services.add_membership(user, "wg-training", "Lead", actor=actor)
    assert count(Membership) == 1 and entries() == []


def test_a_membership_starts_today_by_default_and_may_be_added_without_commit_or_actor(person):
    add_body("rome-support-team")
    user = person()
    membership = services.add_membership(user, "rome-support-team", "lead", actor=None, commit=False)
    db.session.rollback()
    assert count(Membership) == 0  # not committed
    membership = services.add_membership(user, "rome-support-team", "lead", actor=None)
    assert membership.since == date.today()
    db.session.rollback()
    assert count(Membership) == 1 and entries()[-1].user_id is None


def test_a_second_membership_of_another_body_is_allowed(person, actor):
    user = person(bodies=[("wg-training", "member")])
    membership = services.add_membership(user, "rome-support-team", "member", actor=actor)
    assert membership.in_force() and len(user.memberships) == 2


def test_a_membership_restarted_on_the_day_an_earlier_one_started_is_refused_with_the_date(person, actor):
    add_body("wg-training")
    user = person()
    first = services.add_membership(user, "wg-training", "member", actor=actor, since=date(2025, 3, 1))
    first.until = date(2025, 2, 1)  # an odd record: it ended before it began
    db.session.commit()
    with refused("This person already had a membership of this body starting on Mar 1, 2025; choose another start date."):
        services.add_membership(user, "wg-training", "member", actor=actor, since=date(2025, 3, 1))


def test_ending_a_membership_on_a_given_day_is_audited_with_that_day(person, actor):
    user = person(bodies=[("wg-training", "lead")])
    membership = user.memberships[0]
    services.end_membership(membership, actor, until=date.today() + timedelta(days=10))
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).until == date.today() + timedelta(days=10)
    [entry] = entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id, entry.after) == (
        "membership.ended", "membership", str(membership.id), actor.id,
        {"until": (date.today() + timedelta(days=10)).isoformat()})


def test_a_membership_that_has_ended_cannot_be_ended_again(person, actor):
    user = person(bodies=[("wg-training", "lead")])
    membership = user.memberships[0]
    membership.until = date.today() - timedelta(days=1)
    db.session.commit()
    with refused("This membership has already ended."):
        services.end_membership(membership, actor, until=date.today())
    assert membership.until == date.today() - timedelta(days=1) and entries() == []


def test_a_membership_ending_today_may_still_be_ended_earlier(person, actor):
    user = person(bodies=[("wg-training", "lead")])
    membership = user.memberships[0]
    membership.until = date.today()
    db.session.commit()
    services.end_membership(membership, actor)
    assert membership.until == date.today() - timedelta(days=1)


# --- organisations ------------------------------------------------------------------------------------------------


def test_an_organisation_is_registered_with_empty_values_as_none_and_audited(actor):
    organisation = services.create_organisation("Sahel Trucks", "  ", "stakeholder", "", "  ", actor)
    db.session.expire_all()
    organisation = db.session.get(Organisation, organisation.id)
    assert (organisation.name, organisation.acronym, organisation.kind, organisation.type, organisation.country) == (
        "Sahel Trucks", None, "stakeholder", None, None)
    [entry] = entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.after, entry.user_id) == (
        "organisation.created", "organisation", str(organisation.id), {"name": "Sahel Trucks"}, actor.id)


def test_an_organisation_from_the_command_line_keeps_a_country_code(app_ctx):
    organisation = services.create_organisation("Sahel Trucks", None, "partner", "NNGO", "ml", None)
    assert (organisation.country, organisation.type, organisation.acronym) == ("ML", "NNGO", None)
    assert entries()[-1].user_id is None
    bare = services.create_organisation("Desert Wings", "DW", "partner", None, None, None)
    assert (bare.acronym, bare.type, bare.country) == ("DW", None, None)


@pytest.mark.parametrize("name, kind, type_, message", [
    ("Sahel Trucks", "donor", None, "Choose partner or stakeholder."),
    ("Sahel Trucks", "partner", "bank", "Choose a type from the list."),
    (" sahel TRUCKS ", "partner", None, "An organisation with this name already exists."),
])
def test_an_organisation_of_an_unknown_kind_or_type_or_a_taken_name_is_refused_saying_why(actor, name, kind, type_,
                                                                                       message):
    services.create_organisation("Sahel Trucks", None, "partner", None, None, actor)
    with refused(message):
        services.create_organisation(name, None, kind, type_, None, actor)
    assert count(Organisation) == 1 and len(entries()) == 1


def test_an_organisation_in_an_unknown_country_is_refused_saying_which(actor):
    with refused("Unknown country “Atlantis”: give an ISO 3166 code such as ML, or a name."):
        services.create_organisation("Sahel Trucks", None, "partner", None, " Atlantis ", actor)
    assert count(Organisation) == 0


def test_an_organisation_named_only_with_spaces_or_nothing_is_refused(actor):
    for name in ("", None):
        with refused("Give the organisation's name."):
            services.create_organisation(name, None, "partner", None, None, actor)


# --- invitations sent again ---------------------------------------------------------------------------------------


def test_an_invitation_is_not_sent_again_to_someone_with_a_password_or_deactivated(person, actor):
    with refused("This person has already chosen a password; they can reset it from the sign-in page."):
        services.resend_invitation(person(), actor)
    with refused("This person is deactivated; reactivate them before inviting them again."):
        services.resend_invitation(person(password=None, active=False), actor)
    assert mails() == [] and entries() == [] and attempts() == []


def test_a_resent_invitation_counts_against_the_days_quota(person, actor):
    user = person(email="jean@example.org", password=None)
    services.resend_invitation(user, actor)
    assert attempts() == [("invitation", "jean@example.org", None, True, user.id)]
    assert [m.to_address for m in mails()] == ["jean@example.org"]


def test_a_sixth_invitation_in_a_day_is_refused_saying_so_and_sends_nothing(app, person, actor):
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    user = person(email="jean@example.org", password=None)
    for _ in range(5):
        db.session.add(LoginAttempt(kind="invitation", email="jean@example.org", ip=None, success=True,
                                    at=limiter.utcnow()))
    db.session.commit()
    with pytest.raises(services.Throttled, match=r"^This person has been sent 5 invitations in the last day, the most "
                                                 r"allowed\. Try again in \d+ hours\.$") as refused:
        services.resend_invitation(user, actor)
    assert refused.value.retry_after > 23 * 3600
    db.session.rollback()
    assert mails() == []
    assert attempts()[-1] == ("invitation", "jean@example.org", None, False, user.id)
    [entry] = entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id, entry.after) == (
        "user.invitation_refused", "user_account", str(user.id), actor.id, {"wait": refused.value.retry_after})


def test_a_throttled_error_without_a_wait_waits_nothing(app_ctx):
    assert services.Throttled("slow down").retry_after == 0
    assert str(services.Throttled("slow down", 5)) == "slow down" and services.Throttled("x", 5).retry_after == 5
    assert services.LoginResult() == services.LoginResult(user=None, refusal=None, retry_after=0)
