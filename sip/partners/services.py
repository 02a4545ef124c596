"""Every write to the register, each with its audit entry: organisations, focal points, departures, requests to
join, acknowledgements of the minimum commitments and reminders about them.

A refused write raises PartnerError with a message for the person, before anything is changed.
"""
import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from sip.accounts.models import ORGANISATION_KINDS, ORGANISATION_TYPES, Organisation, User
from sip.core import audit, outbox
from sip.core.i18n import pick
from sip.core.models import utcnow
from sip.core.urls import absolute_url
from sip.extensions import db
from sip.partners import permissions, queries
from sip.partners.countries import resolve, split_codes
from sip.partners.models import CommitmentAcknowledgement, FocalPoint, JoinRequest

WEBSITE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
REMINDER_KIND = "partners.commitments"
DECISION_KIND = "partners.join_decision"


class PartnerError(ValueError):
    """A refused change to the register, with a message for the person."""


@dataclass
class OrganisationData:
    """What the register holds about an organisation, as typed or imported (checked by `clean`)."""

    name: str
    acronym: str | None = None
    kind: str = "partner"
    type: str | None = None
    country: str | None = None
    countries: list[str] = field(default_factory=list)
    website: str | None = None
    joined_on: date | None = None
    left_on: date | None = None


def problems(data: OrganisationData) -> list[str]:
    """What is wrong with the data, in the reader's language (empty when it may be saved); normalises it in place:
    names trimmed, countries as codes."""
    found = []
    data.name = (data.name or "").strip()
    data.acronym = (data.acronym or "").strip() or None
    data.website = (data.website or "").strip() or None
    if not data.name:
        found.append(_("Give the organisation's name."))
    elif len(data.name) > 200:
        found.append(_("The name is longer than 200 characters."))
    if data.acronym and len(data.acronym) > 40:
        found.append(_("The acronym is longer than 40 characters."))
    if data.kind not in ORGANISATION_KINDS:
        found.append(_("Unknown kind “%(value)s”: partner or stakeholder.", value=data.kind or ""))
    if data.type and data.type not in ORGANISATION_TYPES:
        found.append(_("Unknown type “%(value)s”.", value=data.type))
    if data.country:
        code = resolve(data.country)
        if code is None:
            found.append(_("Unknown country “%(value)s”: give an ISO 3166 code such as ML, or a name.",
                           value=data.country))
        data.country = code or data.country
    codes = []
    for typed in data.countries or []:
        code = resolve(typed)
        if code is None:
            found.append(_("Unknown country “%(value)s”: give an ISO 3166 code such as ML, or a name.", value=typed))
        elif code not in codes:
            codes.append(code)
    data.countries = codes
    if data.website and (not WEBSITE.match(data.website) or len(data.website) > 300):
        found.append(_("The website must be an address starting with http:// or https://."))
    if data.joined_on and data.left_on and data.left_on < data.joined_on:
        found.append(_("It cannot leave before it joined."))
    return found


def _check(data: OrganisationData, organisation: Organisation | None = None) -> None:
    """Refuse data with problems or a name another organisation has."""
    found = problems(data)
    if found:
        raise PartnerError(" ".join(found))
    other = queries.find_by_name(data.name)
    if other is not None and (organisation is None or other.id != organisation.id):
        raise PartnerError(_("An organisation with this name already exists."))


def snapshot(organisation: Organisation) -> dict:
    """The register's fields of an organisation, for the audit trail (no personal data)."""
    return {"name": organisation.name, "acronym": organisation.acronym, "kind": organisation.kind,
            "type": organisation.type, "country": organisation.country, "countries": list(organisation.countries or []),
            "website": organisation.website,
            "joined_on": organisation.joined_on.isoformat() if organisation.joined_on else None,
            "left_on": organisation.left_on.isoformat() if organisation.left_on else None}


def _apply(organisation: Organisation, data: OrganisationData) -> None:
    """Copy checked data onto the organisation."""
    for name, value in asdict(data).items():
        setattr(organisation, name, value)


def _actor_id(actor) -> int | None:
    return getattr(actor, "id", None)


def create_organisation(data: OrganisationData, actor, *, commit: bool = True) -> Organisation:
    """Register an organisation; refuses bad data and a name already taken."""
    _check(data)
    organisation = Organisation()
    _apply(organisation, data)
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.created", "organisation", organisation.id, after=snapshot(organisation),
                 user_id=_actor_id(actor))
    if commit:
        db.session.commit()
    return organisation


def update_organisation(organisation: Organisation, data: OrganisationData, actor, *, commit: bool = True,
                        rationale: str | None = None) -> bool:
    """Change an organisation's entry; returns False (and writes nothing) when nothing changed."""
    _check(data, organisation)
    before = snapshot(organisation)
    _apply(organisation, data)
    after = snapshot(organisation)
    if before == after:
        return False
    if before["left_on"] != after["left_on"] and organisation.left_on is not None:
        _end_focal_points(organisation, organisation.left_on)
    audit.record("organisation.updated", "organisation", organisation.id, before=before, after=after,
                 rationale=rationale, user_id=_actor_id(actor))
    if commit:
        db.session.commit()
    return True


def _end_focal_points(organisation: Organisation, on: date) -> None:
    """End the focal points still running on the day the organisation leaves (their last day is the day before)."""
    for point in queries.focal_points_of(organisation):
        if point.until is None or point.until >= on:
            point.until = on - timedelta(days=1)


def record_departure(organisation: Organisation, on: date, note: str | None, actor) -> None:
    """The organisation leaves the cluster on a day: it keeps its entry, focal points (ended that day) and
    acknowledgements."""
    if organisation.left_on is not None and organisation.left_on <= date.today():
        raise PartnerError(_("%(name)s has already left.", name=organisation.name))
    if organisation.joined_on and on < organisation.joined_on:
        raise PartnerError(_("It cannot leave before it joined."))
    before = snapshot(organisation)
    organisation.left_on = on
    _end_focal_points(organisation, on)
    audit.record("organisation.left", "organisation", organisation.id, before=before, after=snapshot(organisation),
                 rationale=(note or "").strip() or None, user_id=_actor_id(actor))
    db.session.commit()


# --- focal points -------------------------------------------------------------------------------


def add_focal_point(organisation: Organisation, person: User, body, actor, since: date | None = None) -> FocalPoint:
    """Name a person of the organisation its focal point for the cluster (body None) or in a body."""
    if organisation.has_left:
        raise PartnerError(_("%(name)s has left the cluster.", name=organisation.name))
    if person.organisation_id != organisation.id:
        raise PartnerError(_("%(person)s does not work for %(name)s.", person=person.name, name=organisation.name))
    if not person.active:
        raise PartnerError(_("%(person)s is deactivated.", person=person.name))
    for point in queries.focal_points_of(organisation):
        if point.user_id == person.id and point.body_id == (body.id if body else None) and point.in_force():
            raise PartnerError(_("%(person)s is already this focal point.", person=person.name))
    point = FocalPoint(organisation_id=organisation.id, user_id=person.id, body_id=body.id if body else None,
                       since=since or date.today())
    db.session.add(point)
    db.session.flush()
    audit.record("focal_point.named", "focal_point", point.id,
                 after={"organisation": organisation.id, "user": person.id, "body": body.slug if body else None,
                        "since": point.since.isoformat()}, user_id=_actor_id(actor))
    db.session.commit()
    return point


def end_focal_point(point: FocalPoint, actor, until: date | None = None) -> None:
    """The person stops representing the organisation there (last day yesterday by default, so that it stops
    counting today); the row stays as history."""
    day = until or date.today() - timedelta(days=1)
    if point.until is not None and point.until <= day:
        raise PartnerError(_("This focal point has already ended."))
    point.until = day
    audit.record("focal_point.ended", "focal_point", point.id, after={"until": point.until.isoformat()},
                 user_id=_actor_id(actor))
    db.session.commit()


# --- joining ------------------------------------------------------------------------------------


def request_to_join(person: User, data: OrganisationData, justification: str) -> JoinRequest:
    """Ask for an organisation to join as a partner or a stakeholder; the secretariat decides."""
    if not permissions.can_request_to_join(person):
        raise PartnerError(_("Sign in to ask."))
    justification = (justification or "").strip()
    if not justification:
        raise PartnerError(_("Say why the organisation should join."))
    found = problems(data)
    if found:
        raise PartnerError(" ".join(found))
    existing = queries.find_by_name(data.name)
    if existing is not None and existing.kind == data.kind and not existing.has_left:
        raise PartnerError(_("%(name)s is already a member as %(kind)s.", name=existing.name,
                             kind=str(ORGANISATION_KINDS[existing.kind]).lower()))
    for waiting in queries.pending_requests():
        if waiting.name.casefold() == data.name.casefold():
            raise PartnerError(_("A request for %(name)s is already waiting for the secretariat.", name=data.name))
    join = JoinRequest(requested_by_id=person.id, organisation_id=existing.id if existing else None,
                       name=existing.name if existing else data.name, acronym=data.acronym, kind=data.kind,
                       type=data.type, country=data.country, website=data.website, justification=justification)
    db.session.add(join)
    db.session.flush()
    audit.record("join_request.created", "join_request", join.id,
                 after={"name": join.name, "kind": join.kind, "organisation": join.organisation_id},
                 user_id=person.id)
    db.session.commit()
    return join


def decide_join_request(join: JoinRequest, approve: bool, note: str | None, actor) -> Organisation | None:
    """Approve (the organisation is registered or changes kind, joins today, and the person who asked becomes
    its focal point for the cluster) or decline with a note; the person who asked is told by e-mail."""
    if join.state != "pending":
        raise PartnerError(_("This request has already been decided."))
    note = (note or "").strip() or None
    if not approve and not note:
        raise PartnerError(_("Say why the request is declined: the person who asked reads the note."))
    organisation = None
    if approve:
        organisation = _admit(join, actor)
    join.state = "approved" if approve else "declined"
    join.decided_by_id = _actor_id(actor)
    join.decided_at = utcnow()
    join.decision_note = note
    audit.record(f"join_request.{join.state}", "join_request", join.id, rationale=note,
                 after={"state": join.state, "organisation": join.organisation_id}, user_id=_actor_id(actor))
    _tell_requester(join)
    db.session.commit()
    return organisation


def _admit(join: JoinRequest, actor) -> Organisation:
    """The approved organisation: registered now, or its entry changed to the kind asked, joining today."""
    today = date.today()
    organisation = join.organisation or queries.find_by_name(join.name)
    if organisation is None:
        data = OrganisationData(name=join.name, acronym=join.acronym, kind=join.kind, type=join.type,
                                country=join.country, website=join.website, joined_on=today)
        organisation = create_organisation(data, actor, commit=False)
    else:
        before = snapshot(organisation)
        organisation.kind = join.kind
        if organisation.has_left or organisation.joined_on is None:
            organisation.joined_on, organisation.left_on = today, None
        audit.record("organisation.updated", "organisation", organisation.id, before=before,
                     after=snapshot(organisation), rationale=f"join request {join.id}", user_id=_actor_id(actor))
    join.organisation_id = organisation.id
    person = join.requested_by
    if person.organisation_id is None:
        person.organisation_id = organisation.id
        audit.record("user.organisation_set", "user_account", person.id, after={"organisation": organisation.id},
                     user_id=_actor_id(actor))
    db.session.flush()
    if person.organisation_id == organisation.id and person.id not in queries.current_focal_point_ids(organisation):
        point = FocalPoint(organisation_id=organisation.id, user_id=person.id, body_id=None, since=today)
        db.session.add(point)
        db.session.flush()
        audit.record("focal_point.named", "focal_point", point.id,
                     after={"organisation": organisation.id, "user": person.id, "body": None,
                            "since": today.isoformat()}, user_id=_actor_id(actor))
    return organisation


def _language(user: User) -> str:
    return user.language or current_app.config["BABEL_DEFAULT_LOCALE"]


def _tell_requester(join: JoinRequest) -> None:
    """Queue the decision's e-mail to the person who asked, in their language."""
    person = join.requested_by
    with force_locale(_language(person)):
        if join.state == "approved":
            subject = _("%(name)s has joined the Logistics Cluster", name=join.name)
            lines = [_("Hello %(name)s,", name=person.name), "",
                     _("The Rome support team approved your request: %(name)s is now a %(kind)s of the cluster.",
                       name=join.name, kind=str(ORGANISATION_KINDS[join.kind]).lower())]
            if join.organisation_id:
                lines += ["", absolute_url("partners.show", organisation_id=join.organisation_id)]
        else:
            subject = _("Your request for %(name)s to join the Logistics Cluster", name=join.name)
            lines = [_("Hello %(name)s,", name=person.name), "",
                     _("The Rome support team declined your request for %(name)s, with this note:", name=join.name),
                     "", join.decision_note or ""]
    outbox.enqueue(person.email, subject, "\n".join(lines) + "\n", kind=DECISION_KIND)


# --- the minimum commitments --------------------------------------------------------------------


def acknowledge_commitments(organisation: Organisation, person: User, strategy) -> CommitmentAcknowledgement:
    """A partner's focal point confirms, for the organisation, that its staff know the strategy's commitments."""
    if strategy is None:
        raise PartnerError(_("There is no plan yet."))
    if organisation.kind != "partner":
        raise PartnerError(_("Only partners are asked to acknowledge the minimum commitments."))
    if not permissions.can_acknowledge_commitments(person, organisation):
        raise PartnerError(_("Only a focal point of %(name)s may acknowledge the commitments for it.",
                             name=organisation.name))
    if queries.acknowledgement_of(organisation, strategy) is not None:
        raise PartnerError(_("%(name)s has already acknowledged the commitments.", name=organisation.name))
    ack = CommitmentAcknowledgement(organisation_id=organisation.id, strategy_id=strategy.id, user_id=person.id,
                                    at=utcnow())
    db.session.add(ack)
    try:
        db.session.flush()
    except IntegrityError:  # two focal points pressed the button at once: the first one counts
        db.session.rollback()
        raise PartnerError(_("%(name)s has already acknowledged the commitments.", name=organisation.name)) from None
    audit.record("commitments.acknowledged", "commitment_acknowledgement", ack.id,
                 after={"organisation": organisation.id, "strategy": strategy.code, "user": person.id},
                 user_id=person.id)
    db.session.commit()
    return ack


@dataclass
class ReminderResult:
    """What a reminder did: e-mails queued, organisations reached, and those with no focal point to write to."""

    mails: int = 0
    organisations: int = 0
    unreachable: list[str] = field(default_factory=list)


def remind_partners(strategy, actor) -> ReminderResult:
    """E-mail the focal points of every current partner that has not acknowledged the commitments (through the
    outbox; each in their language), and record one audit entry per organisation reminded."""
    result = ReminderResult()
    link = absolute_url("plan.commitments")
    for organisation, people in queries.reminder_recipients(strategy):
        if not people:
            result.unreachable.append(organisation.name)
            continue
        for person in people:
            with force_locale(_language(person)):
                subject = _("The Logistics Cluster's minimum commitments: %(name)s", name=organisation.name)
                body = "\n".join([
                    _("Hello %(name)s,", name=person.name), "",
                    _("As focal point of %(organisation)s, please make sure its staff know the twelve minimum "
                      "commitments of the strategy “%(strategy)s”, then acknowledge them on your organisation's "
                      "page of the register.", organisation=organisation.name,
                      strategy=pick(strategy.title, _language(person))), "",
                    _("The commitments: %(link)s", link=link),
                    _("Your organisation's page: %(link)s",
                      link=absolute_url("partners.show", organisation_id=organisation.id)), ""])
            outbox.enqueue(person.email, subject, body, kind=REMINDER_KIND)
            result.mails += 1
        result.organisations += 1
        audit.record("commitments.reminded", "organisation", organisation.id,
                     after={"strategy": strategy.code, "recipients": [p.id for p in people]},
                     user_id=_actor_id(actor))
    db.session.commit()
    return result


# --- the import ---------------------------------------------------------------------------------


def import_rows(rows: list[OrganisationData], actor) -> tuple[int, int]:
    """Write checked rows of an import in one transaction: new names are registered, known names updated.
    Returns (created, updated); any refusal rolls the whole import back."""
    created = updated = 0
    try:
        for data in rows:
            existing = queries.find_by_name(data.name)
            if existing is None:
                create_organisation(data, actor, commit=False)
                created += 1
            elif update_organisation(existing, data, actor, commit=False, rationale="import"):
                updated += 1
        audit.record("organisation.imported", "organisation", None, after={"created": created, "updated": updated},
                     user_id=_actor_id(actor))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return created, updated


def data_from_form(form) -> OrganisationData:
    """The organisation's data as typed in a form of sip.partners.forms."""
    return OrganisationData(
        name=form.name.data or "", acronym=form.acronym.data, kind=form.kind.data, type=form.type.data or None,
        country=form.country.data or None, countries=split_codes(",".join(form.countries.data or [])),
        website=form.website.data, joined_on=getattr(form, "joined_on", None) and form.joined_on.data,
        left_on=getattr(form, "left_on", None) and form.left_on.data)
