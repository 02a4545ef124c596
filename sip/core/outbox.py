"""The outbox: every e-mail is written here in the transaction of the event that caused it; the worker sends it."""
from sip.core.models import OutboxMail
from sip.extensions import db


def enqueue(to: str, subject: str, body: str, *, kind: str, headers: dict | None = None) -> OutboxMail:
    """Add an e-mail to the current transaction's outbox (the caller commits); the worker sends it after commit."""
    mail = OutboxMail(kind=kind, to_address=to, subject=subject, body=body, headers=headers or None)
    db.session.add(mail)
    return mail
