"""Writing audit entries; services call record() inside the transaction they audit."""
from flask import has_request_context, request

from sip.core.models import AuditEntry
from sip.extensions import db


def client_ip() -> str | None:
    """The client address of the current request, if any."""
    return request.remote_addr if has_request_context() else None


def record(action: str, entity: str, entity_id=None, *, before=None, after=None, rationale=None, user_id=None):
    """Add an audit entry to the current transaction and return it."""
    entry = AuditEntry(
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
        rationale=rationale,
        user_id=user_id,
        ip=client_ip(),
    )
    db.session.add(entry)
    return entry
