"""One-click unsubscribe: the signed link of every notification mail, its RFC 8058 headers, and what it changes."""
import time

import pytest
from sqlalchemy import select

from sip.core.models import AuditEntry, OutboxMail
from sip.core.outbox import expand_due
from sip.extensions import db
from sip.inbox import mails, services
from sip.inbox.models import NotificationPreference
from tests.helpers import page_text
from tests.inbox.test_notifications import ctx, people  # noqa: F401  fixtures
from tests.test_access import snapshot


@pytest.fixture
def csrf_on(seeded):
    """The app with CSRF protection on, as in production: the one-click POST must work without a token."""
    seeded.config["WTF_CSRF_ENABLED"] = True
    return seeded


def token_for(app, user_id: int, kind: str) -> str:
    with app.app_context():
        return mails.unsubscribe_token(user_id, kind)


def choices(app, user_id: int) -> dict:
    with app.app_context():
        return dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.delivery)
                                       .where(NotificationPreference.user_id == user_id)).all())


def test_the_link_asks_to_confirm_and_changes_nothing_until_then(csrf_on, people):
    client = csrf_on.test_client()
    token = token_for(csrf_on, people["admin"], "report_submitted")
    with csrf_on.app_context():
        before = snapshot()
    response = client.get(f"/notifications/unsubscribe/{token}?lang=en")
    assert response.status_code == 200
    html = page_text(response)
    assert "Stop e-mails for “A report is submitted for review”?" in html
    assert f'action="/notifications/unsubscribe/{token}"' in html
    with csrf_on.app_context():
        assert snapshot() == before  # a mail scanner following the link unsubscribes nobody


def test_one_click_post_without_a_csrf_token_stops_that_kind_and_is_audited(csrf_on, people):
    token = token_for(csrf_on, people["admin"], "report_submitted")
    response = csrf_on.test_client().post(f"/notifications/unsubscribe/{token}?lang=en",
                                          data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "you will no longer get e-mails for “A report is submitted for review”" in page_text(response)
    assert choices(csrf_on, people["admin"]) == {"report_submitted": "never"}
    with csrf_on.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "notifications.unsubscribed"))
        assert entry.user_id == people["admin"] and entry.after == {"report_submitted": "never"}
        assert entry.before == {"report_submitted": "instant"}


def test_the_other_notification_forms_still_need_their_csrf_token(csrf_on, people):
    client = csrf_on.test_client()
    assert client.post("/notifications/read").status_code == 400
    assert client.post("/notifications/settings", data={"report_submitted": "never"}).status_code == 400


def test_a_tampered_link_is_refused_and_changes_nothing(csrf_on, people):
    token = token_for(csrf_on, people["admin"], "report_submitted")
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    client = csrf_on.test_client()
    with csrf_on.app_context():
        before = snapshot()
    assert client.get(f"/notifications/unsubscribe/{forged}").status_code == 410
    assert client.post(f"/notifications/unsubscribe/{forged}").status_code == 410
    with csrf_on.app_context():
        assert snapshot() == before


def test_a_link_signed_for_another_purpose_is_refused(csrf_on, people):
    from itsdangerous import URLSafeTimedSerializer

    other = URLSafeTimedSerializer(csrf_on.config["SECRET_KEY"], salt="sip-account-link").dumps(
        {"u": people["admin"], "k": "report_submitted"})
    assert csrf_on.test_client().post(f"/notifications/unsubscribe/{other}").status_code == 410
    assert choices(csrf_on, people["admin"]) == {}


def test_an_expired_link_is_refused(csrf_on, people, monkeypatch):
    token = token_for(csrf_on, people["admin"], "report_submitted")
    later = time.time() + mails.UNSUBSCRIBE_MAX_AGE + 60
    monkeypatch.setattr("itsdangerous.timed.time", type("Later", (), {"time": staticmethod(lambda: later)}))
    response = csrf_on.test_client().post(f"/notifications/unsubscribe/{token}?lang=en")
    assert response.status_code == 410
    assert "This unsubscribe link is not valid any more." in page_text(response)
    assert choices(csrf_on, people["admin"]) == {}


def test_the_digest_link_stops_every_kind_that_came_in_the_digest(csrf_on, people):
    with csrf_on.app_context():
        from sip.accounts.models import User

        services.save_preferences(db.session.get(User, people["lead"]), {"report_returned": "digest"})
    token = token_for(csrf_on, people["lead"], mails.DIGEST)
    assert csrf_on.test_client().post(f"/notifications/unsubscribe/{token}").status_code == 200
    stopped = choices(csrf_on, people["lead"])
    assert stopped == {"report_returned": "never", "report_accepted": "never", "report_comment": "never",
                       "amendment_endorsed": "never", "amendment_rejected": "never", "amendment_verified": "never"}


def test_the_link_in_a_real_mail_unsubscribes_its_reader_only(ctx, seeded):
    report = ctx.submitted()
    expand_due()  # what the worker does first: the event's row becomes one e-mail per person
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.to_address == ctx.user("admin").email,
                                                      OutboxMail.kind == "notification"))
    link = mail.headers["List-Unsubscribe"][1:-1]
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = link.removeprefix("http://sip.test")
    response = seeded.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert services.preferences(ctx.user("admin"))["report_submitted"] == "never"
    assert services.preferences(ctx.user("secretariat"))["report_submitted"] == "instant"
    # the next submission tells the admin in the app only
    mails_before = db.session.scalar(select(OutboxMail.id).order_by(OutboxMail.id.desc()).limit(1))
    from sip.reporting import services as reporting

    reporting.return_report(report, ctx.user("secretariat"), "Fix it.")
    ctx.submitted()
    expand_due()
    new = list(db.session.scalars(select(OutboxMail.to_address).where(OutboxMail.id > mails_before,
                                                                      OutboxMail.kind == "notification")))
    assert ctx.user("admin").email not in new and ctx.user("secretariat").email in new
