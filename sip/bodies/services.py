"""Writes to bodies; each write is audited."""
from datetime import date

from sqlalchemy import select

from sip.bodies.models import Body
from sip.core import audit
from sip.extensions import db

BODY_FIELDS = ("kind", "name", "short_name", "description", "aliases", "terms_of_reference_url")


def _as_date(value: str | None) -> date | None:
    """A date from its ISO text (None stays None)."""
    return date.fromisoformat(value) if value else None


def ensure_bodies(records: list[dict]) -> int:
    """Create the bodies of the seed that do not exist yet; return how many were created."""
    existing = set(db.session.scalars(select(Body.slug)))
    created = 0
    for record in records:
        if record["slug"] in existing:
            continue
        body = Body(
            slug=record["slug"],
            formed_on=_as_date(record.get("formed_on")),
            dissolved_on=_as_date(record.get("dissolved_on")),
            **{field: record.get(field) for field in BODY_FIELDS},
        )
        db.session.add(body)
        db.session.flush()
        audit.record("body.created", "body", body.id, after={"slug": body.slug, "kind": body.kind})
        created += 1
    return created
