"""Mail that delivers (Date, Message-ID, a plain-text part, Auto-Submitted on automatic mail) and mail failures
logged for the operator with their cause."""
import logging
from email.utils import parsedate_to_datetime

from sip.core import outbox
from sip.core.models import OutboxMail
from sip.extensions import db
from tests.smtp import delivered


def queue(app, kind: str) -> None:
    """One e-mail of this kind in the outbox."""
    with app.app_context():
        outbox.enqueue("someone@example.org", f"A {kind}", "Hello,\nthe text.\n", kind=kind)
        db.session.commit()


def test_every_mail_has_a_date_a_message_id_and_a_plain_text_part(app, smtp_server):
    queue(app, "reminder.due")
    (message,) = delivered(app, smtp_server)
    assert parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["Message-ID"].startswith("<outbox.") and message["Message-ID"].endswith("@sip.test>")
    assert message.get_content_type() == "text/plain" and "the text." in message.get_content()


def test_automatic_mail_says_so_and_an_invitation_or_reset_does_not(app, smtp_server):
    for kind in ("reminder.due", "digest", "notification", "invitation", "password_reset"):
        queue(app, kind)
    messages = {message["Subject"]: message for message in delivered(app, smtp_server)}
    assert {subject: message["Auto-Submitted"] for subject, message in messages.items()} == {
        "A reminder.due": "auto-generated", "A digest": "auto-generated", "A notification": "auto-generated",
        "A invitation": None, "A password_reset": None}


def test_a_mail_failure_is_logged_with_its_cause_and_no_address(app, smtp_server, caplog):
    smtp_server.stop()
    queue(app, "reminder.due")
    with caplog.at_level(logging.WARNING, logger="sip.core.outbox"):
        delivered(app)
    lines = [record.getMessage() for record in caplog.records if record.name == "sip.core.outbox"]
    assert lines and "not sent" in lines[0] and ("Unreachable" in lines[0] or "refused" in lines[0].lower())
    assert "someone@example.org" not in " ".join(lines)
    with app.app_context():
        assert db.session.scalars(db.select(OutboxMail.last_error)).one()
