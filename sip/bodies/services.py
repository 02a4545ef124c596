"""Writes to bodies; each write is audited."""
import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from sip.accounts.permissions import is_secretariat
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


class BodyError(ValueError):
    """A refused change to a body; `problems` lists what to fix, for the user."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,78}[a-z0-9]$")
RESERVED_SLUGS = {"new"}  # /bodies/new is the form


@dataclass
class NewGroup:
    """What the secretariat gives to form a working group."""

    slug: str
    name: dict
    short_name: dict | None = None
    description: dict | None = None
    terms_of_reference_url: str | None = None
    formed_on: date | None = None
    mandate_ends_on: date | None = None
    lead_ids: list[int] = field(default_factory=list)


def _check_group(group: NewGroup) -> list[str]:
    """Problems with a new working group's slug, names, link and mandate dates."""
    problems = []
    if not SLUG_PATTERN.match(group.slug or "") or group.slug in RESERVED_SLUGS:
        problems.append(_("The short address is 3 to 80 lower-case letters, digits and hyphens, for example wg-data."))
    elif db.session.scalar(select(Body.id).where(Body.slug == group.slug)):
        problems.append(_("The address “%(slug)s” is taken by another body.", slug=group.slug))
    if not any((group.name or {}).values()):
        problems.append(_("Give the group a name, in French, English or both."))
    url = group.terms_of_reference_url
    if url and not re.match(r"^https?://[^\s/$.?#][^\s]*$", url, re.IGNORECASE):
        problems.append(_("The terms of reference link must be a web address (http:// or https://)."))
    if group.formed_on is None:
        problems.append(_("Give the date the mandate starts."))
    elif group.mandate_ends_on is not None and group.mandate_ends_on < group.formed_on:
        problems.append(_("The mandate cannot end before it starts."))
    return problems


def form_working_group(group: NewGroup, actor) -> Body:
    """Form a working group with its names, terms of reference, mandate dates and leads."""
    from sip.accounts.models import User
    from sip.accounts.permissions import is_secretariat
    from sip.accounts.services import AccountError, add_membership

    if not is_secretariat(actor):
        raise BodyError(_("Only the secretariat forms working groups."))
    problems = _check_group(group)
    leads = list(db.session.scalars(select(User).where(User.id.in_(group.lead_ids), User.active.is_(True))))
    if len(leads) != len(set(group.lead_ids)):
        problems.append(_("Choose the leads among the active people."))
    if problems:
        raise BodyError(_("The working group was not formed."), problems)
    names = [value for value in (*(group.name or {}).values(), *((group.short_name or {}).values())) if value]
    body = Body(slug=group.slug, kind="working_group", name=group.name, short_name=group.short_name,
                description=group.description, aliases=list(dict.fromkeys(names)),
                terms_of_reference_url=group.terms_of_reference_url or None, formed_on=group.formed_on,
                mandate_ends_on=group.mandate_ends_on)
    db.session.add(body)
    db.session.flush()
    audit.record("body.formed", "body", body.id, user_id=actor.id, after={
        "slug": body.slug, "kind": body.kind, "name": body.name, "formed_on": group.formed_on.isoformat(),
        "mandate_ends_on": group.mandate_ends_on.isoformat() if group.mandate_ends_on else None,
        "terms_of_reference_url": body.terms_of_reference_url, "leads": [lead.id for lead in leads]})
    try:
        for lead in leads:
            add_membership(lead, body.slug, "lead", actor=actor, since=group.formed_on, commit=False)
    except AccountError as error:
        db.session.rollback()
        raise BodyError(_("The working group was not formed."), [str(error)]) from None
    db.session.commit()
    return body


def dissolve_body(body: Body, on: date, actor, today: date | None = None) -> None:
    """Dissolve a working group on a day; refused while it still holds activities of the plan."""
    from sip.accounts.permissions import is_secretariat
    from sip.bodies.queries import open_responsibilities

    today = today or date.today()
    if not is_secretariat(actor):
        raise BodyError(_("Only the secretariat dissolves working groups."))
    if body.kind != "working_group":
        raise BodyError(_("Only a working group can be dissolved here."))
    if not body.is_active:
        raise BodyError(_("This group is already dissolved."))
    problems = []
    if on is None or on > today:
        problems.append(_("Give the day of the dissolution: today or a day before."))
    elif body.formed_on is not None and on < body.formed_on:
        problems.append(_("A group cannot be dissolved before it was formed."))
    held = sorted({r.activity.code for r in open_responsibilities(body)})
    if held:
        problems.append(_("The group still holds %(count)d activities (%(codes)s): hand them over first, and dissolve "
                          "it once the GLM has verified the hand-over.", count=len(held), codes=", ".join(held)))
    if problems:
        raise BodyError(_("The group was not dissolved."), problems)
    body.dissolved_on = on
    audit.record("body.dissolved", "body", body.id, user_id=actor.id, before={"dissolved_on": None},
                 after={"dissolved_on": on.isoformat()})
    db.session.commit()


def set_reporting_focal_point(body: Body, actor, *, person=None, secretariat: bool = False) -> None:
    """Name who files the quarterly report of a body that is not a group of people: a person, or the secretariat
    on its behalf (neither: nobody yet). Refused for groups of people, whose own members report. The actor is the
    secretariat, or None for the system (set-up, demo)."""
    if actor is not None and not is_secretariat(actor):
        raise BodyError(_("Only the secretariat names a reporting focal point."))
    if body.is_group_of_people:
        raise BodyError(_("The members of %(body)s file its report themselves; only the cluster and the country teams "
                          "have a reporting focal point.", body=body.slug))
    if person is not None and secretariat:
        raise BodyError(_("Choose a person or the secretariat, not both."))
    if person is not None and not person.active:
        raise BodyError(_("%(name)s's account is not active.", name=person.name))
    before = {"focal_point": body.focal_point_id, "secretariat": body.reported_by_secretariat}
    body.focal_point_id = person.id if person is not None else None
    body.reported_by_secretariat = bool(secretariat)
    audit.record("body.focal_point", "body", body.id, before=before,
                 after={"focal_point": body.focal_point_id, "secretariat": body.reported_by_secretariat},
                 user_id=getattr(actor, "id", None))
    db.session.commit()
