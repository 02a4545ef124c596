"""Recovering accounts from the command line: reset-link, resend-invitation, unlock, deactivate, each audited;
create-user with the mail server down."""
import logging
import re

import pytest
from sqlalchemy import func, select

from sip.accounts import limiter
from sip.accounts.models import LoginAttempt, User
from sip.core.models import AuditEntry, OutboxMail
from sip.extensions import db
from tests.conftest import log_in
from tests.smtp import delivered


def run(app, *args, stdin: str | None = None):
    """A `flask sip …` command through the CLI runner."""
    return app.test_cli_runner().invoke(args=["sip", *args], input=stdin)


def audit_of(app, action: str) -> list[AuditEntry]:
    """The audit entries of an action."""
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        db.session.expunge_all()
        return entries


def test_reset_link_prints_a_link_that_works_once_and_logs_nothing(app, make_user, caplog):
    user_id = make_user(email="locked.out@example.org", password="the old password, long enough")
    with caplog.at_level(logging.DEBUG):
        result = run(app, "reset-link", "Locked.Out@example.org")
    assert result.exit_code == 0, result.output
    link = re.search(r"http://sip\.test/password-reset/\S+", result.output).group(0)
    token = link.rsplit("/", 1)[1]
    assert token not in caplog.text  # to the terminal only
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 0  # no mail needed
    (entry,) = audit_of(app, "account.reset_link_issued")
    assert entry.entity_id == str(user_id) and entry.after["via"] == "command line" and token not in repr(entry.after)
    client = app.test_client()
    path = link.removeprefix("http://sip.test")
    assert client.get(path).status_code == 200
    assert client.post(path, data={"password": "a brand new passphrase 2026",
                                   "confirm": "a brand new passphrase 2026"}).status_code == 302
    assert client.get(path).status_code == 410  # once only


def test_reset_link_refuses_an_unknown_or_deactivated_account(app, make_user):
    make_user(email="gone@example.org", active=False)
    assert run(app, "reset-link", "nobody@example.org").exit_code == 1
    result = run(app, "reset-link", "gone@example.org")
    assert result.exit_code == 1 and "deactivated" in result.output
    assert audit_of(app, "account.reset_link_issued") == []


def test_resend_invitation_queues_a_fresh_one_and_is_audited(app, make_user, smtp_server):
    user_id = make_user(email="invited@example.org", password=None)
    result = run(app, "resend-invitation", "invited@example.org")
    assert result.exit_code == 0 and "queued" in result.output
    (message,) = delivered(app, smtp_server)
    assert message["To"] == "invited@example.org" and "/invitations/" in message.get_content()
    (entry,) = audit_of(app, "user.invitation_resent")
    assert entry.entity_id == str(user_id) and entry.after["via"] == "command line"


def test_resend_invitation_to_someone_with_a_password_points_to_reset_link(app, make_user):
    make_user(email="has.password@example.org")
    result = run(app, "resend-invitation", "has.password@example.org")
    assert result.exit_code == 1 and audit_of(app, "user.invitation_resent") == []


def test_unlock_forgets_the_failed_attempts_and_the_person_signs_in_again(app, make_user):
    user_id = make_user(email="typo@example.org")
    with app.app_context():
        for _ in range(12):
            limiter.record_failure("sign_in", "typo@example.org", "127.0.0.1", user_id)
        db.session.commit()
    client = app.test_client()
    assert client.post("/login", data={"email": "typo@example.org", "password": "x" * 20}).status_code == 429
    result = run(app, "unlock", "typo@example.org")
    assert result.exit_code == 0 and "12 failed attempt(s)" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginAttempt)
                                 .where(LoginAttempt.success.is_(False))) == 0
    (entry,) = audit_of(app, "login.unlocked")
    assert entry.before == {"failures": 12} and entry.entity_id == str(user_id)
    assert log_in(client, user_id).status_code == 302


def test_deactivate_signs_the_person_out_everywhere_and_is_audited(app, make_user):
    user_id = make_user(email="leaving@example.org")
    client = app.test_client()
    log_in(client, user_id)
    assert client.get("/account").status_code == 200
    result = run(app, "deactivate", "leaving@example.org")
    assert result.exit_code == 0
    assert client.get("/account").status_code == 302
    with app.app_context():
        assert db.session.get(User, user_id).active is False
    (entry,) = audit_of(app, "user.deactivated")
    assert entry.before == {"active": True} and entry.after["active"] is False
    assert run(app, "deactivate", "leaving@example.org").exit_code == 0  # again: nothing changes
    assert len(audit_of(app, "user.deactivated")) == 1


@pytest.mark.parametrize("command", ["reset-link", "resend-invitation", "unlock", "deactivate"])
def test_each_recovery_command_names_an_unknown_address(app, command):
    result = run(app, command, "nobody@example.org")
    assert result.exit_code == 1


def test_create_user_with_the_mail_server_down_creates_the_account_queues_the_mail_and_exits_0(app, smtp_server, seeded):
    smtp_server.stop()
    result = run(app, "create-user", "first@example.org", "--name", "First Person", "--body", "rome-support-team")
    assert result.exit_code == 0, result.output
    assert "queued" in result.output
    assert delivered(app).retried == 1  # the worker tries, fails, and will try again
    smtp_server.start()
    assert run(app, "create-user", "first@example.org", "--name", "First Person").exit_code == 1  # exists
    (message,) = delivered(app, smtp_server, now=_later())
    assert message["To"] == "first@example.org"


def _later():
    """A moment past the first retry's wait."""
    from datetime import timedelta

    from sip.core.models import utcnow

    return utcnow() + timedelta(hours=2)
