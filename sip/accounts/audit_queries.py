"""Reading the audit trail for the secretariat: filters, pages of entries, one entry's changes, and CSV rows.

Reads are not audited. Before and after never hold a password hash, a token or a second-factor secret (services do
not put them there); as a second guard, values under such keys, and anything that looks like an argon2 hash, are
hidden here, on the page and in the CSV alike.
"""
import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask import has_app_context
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from sip.accounts.models import User
from sip.core.models import AuditEntry
from sip.core.pagination import Page, page_of
from sip.dashboards.downloads import csv_cell
from sip.extensions import db

PAGE_SIZE = 50
CSV_BATCH = 500  # rows read per query while the CSV streams: memory stays flat however long the trail

# An action code ("login.failed"), or a prefix of codes ending with a dot ("login.", "mfa."); entity types alike.
CODE = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*\.?")
MAX_TEXT = 200

ACTION_LABELS = {
    "login.failed": _l("Failed sign-in"),
    "login.succeeded": _l("Signed in"),
    "login.password_accepted": _l("Password accepted, two-step code awaited"),
    "login.throttled": _l("Sign-in slowed down after failures"),
    "logout": _l("Signed out"),
    "account.updated": _l("Own account changed"),
    "account.password_changed": _l("Password changed"),
    "account.password_reset": _l("Password reset"),
    "account.reset_requested": _l("Password reset asked for"),
    "account.invitation_accepted": _l("Invitation accepted"),
    "user.created": _l("Person invited"),
    "user.invitation_resent": _l("Invitation sent again"),
    "user.activated": _l("Account reactivated"),
    "user.deactivated": _l("Account deactivated"),
    "membership.added": _l("Membership added"),
    "membership.ended": _l("Membership ended"),
    "organisation.created": _l("Organisation added"),
    "account.reset_throttled": _l("Password reset slowed down"),
    "user.invitation_refused": _l("Invitation not sent again (too soon)"),
    "mfa.enrolled": _l("Two-step sign-in set up"),
    "mfa.verified": _l("Two-step sign-in code accepted"),
    "mfa.failed": _l("Two-step sign-in code refused"),
    "mfa.throttled": _l("Two-step sign-in slowed down after failures"),
    "mfa.recovery_used": _l("Recovery code used"),
    "mfa.recovery_regenerated": _l("New recovery codes made"),
    "mfa.disabled": _l("Two-step sign-in turned off"),
    "mfa.reset_by_secretariat": _l("Two-step sign-in reset by the secretariat"),
    "report.saved": _l("Report saved"),
    "report.submitted": _l("Report submitted"),
    "report.accepted": _l("Report accepted"),
    "report.returned": _l("Report returned"),
    "report.commented": _l("Report commented"),
    "report.reminded": _l("Reminder sent"),
    "period.opened": _l("Reporting period opened"),
    "period.closed": _l("Reporting period closed"),
    "amendment.proposed": _l("Amendment proposed"),
    "amendment.endorsed": _l("Amendment endorsed by the SAG"),
    "amendment.verified": _l("Amendment verified by the GLM"),
    "activity.amended": _l("Activity amended"),
    "amendment.rejected_by_sag": _l("Amendment rejected by the SAG"),
    "amendment.rejected_by_glm": _l("Amendment rejected by the GLM"),
    "period.glm": _l("Reporting period linked to a GLM"),
    "periods.created": _l("Reporting periods created"),
    "plan.seed_loaded": _l("Plan loaded"),
    "plan_version.created": _l("Plan version recorded"),
    "body.created": _l("Body created"),
    "body.formed": _l("Body formed"),
    "body.dissolved": _l("Body dissolved"),
    "body.focal_point": _l("Reporting focal point named"),
}
ENTITY_LABELS = {
    "user_account": _l("Account"),
    "membership": _l("Membership"),
    "organisation": _l("Organisation"),
    "group_report": _l("Report"),
    "report_comment": _l("Report comment"),
    "reporting_period": _l("Reporting period"),
    "amendment": _l("Amendment"),
    "activity": _l("Activity"),
    "body": _l("Body"),
    "strategy": _l("Plan"),
    "plan_version": _l("Plan version"),
}
# Shortcuts above the filters: (action filter, label).
QUICK_FILTERS = [("login.failed", _l("Failed sign-ins")), ("mfa.", _l("Two-step sign-in events"))]

# Keys whose values must never be shown, and what an argon2 hash starts with.
SECRET_KEY = re.compile(r"password|passwd|secret|token|hash|otp_key", re.IGNORECASE)
HIDDEN = "[hidden]"
CSV_HEADER = ["id", "at", "person", "email", "action", "entity", "entity_id", "ip", "before", "after", "rationale"]


def action_label(code: str) -> str:
    """An action in words where a label exists, else its code."""
    return str(ACTION_LABELS.get(code, code))


def entity_label(entity: str) -> str:
    """An object type in words where a label exists, else its code."""
    return str(ENTITY_LABELS.get(entity, entity))


# --- filters --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    """What the audit trail is narrowed to: the acting person (name or e-mail), an action or prefix, an object,
    and a span of days (in the app's time zone, both days included)."""

    person: str | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        """True when any filter is set."""
        return any(self.args().values())

    def args(self) -> dict[str, str]:
        """The filters as query-string parameters (empty ones left out), to build links that keep them."""
        values = {"person": self.person, "action": self.action, "entity": self.entity, "entity_id": self.entity_id,
                  "from": self.date_from and self.date_from.isoformat(), "to": self.date_to and self.date_to.isoformat()}
        return {key: value for key, value in values.items() if value}


def _text(args: Mapping, name: str) -> str:
    """A parameter's text, trimmed ("" when absent)."""
    return (args.get(name) or "").strip()


def _day(args: Mapping, name: str, label: str, errors: list[str]) -> date | None:
    """A day given as YYYY-MM-DD, or None (with a message in `errors` when it is not a day)."""
    value = _text(args, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(_("%(field)s: “%(value)s” is not a date; write it as YYYY-MM-DD (for example 2026-03-31).",
                        field=label, value=value[:40]))
        return None


def _code(args: Mapping, name: str, label: str, errors: list[str]) -> str | None:
    """An action or object code (letters, digits, underscores and dots), or None with a message when malformed."""
    value = _text(args, name)
    if not value:
        return None
    if len(value) > 80 or not CODE.fullmatch(value):
        errors.append(_("%(field)s: this value is not valid and was ignored.", field=label))
        return None
    return value


def parse_filters(args: Mapping) -> tuple[AuditFilters, list[str]]:
    """The filters read from a query string, and a message for each value that could not be used (then ignored)."""
    errors: list[str] = []
    person = _text(args, "person")
    if len(person) > MAX_TEXT:
        errors.append(_("%(field)s: this value is not valid and was ignored.", field=_("Person")))
        person = ""
    entity_id = _text(args, "entity_id")
    if len(entity_id) > 80:
        errors.append(_("%(field)s: this value is not valid and was ignored.", field=_("Object id")))
        entity_id = ""
    date_from = _day(args, "from", _("From"), errors)
    date_to = _day(args, "to", _("To"), errors)
    if date_from and date_to and date_from > date_to:
        errors.append(_("The first day (%(start)s) comes after the last one (%(end)s).",
                        start=date_from.isoformat(), end=date_to.isoformat()))
        date_from = date_to = None
    filters = AuditFilters(
        person=person or None,
        action=_code(args, "action", _("Action"), errors),
        entity=_code(args, "entity", _("Object"), errors),
        entity_id=entity_id or None,
        date_from=date_from,
        date_to=date_to,
    )
    return filters, errors


def time_zone_name() -> str:
    """The time zone in which the pages show times and read days (the app's, UTC unless configured)."""
    zone = get_timezone() if has_app_context() else None
    return str(getattr(zone, "zone", None) or getattr(zone, "key", None) or zone or "UTC")


def _start_of(day: date) -> datetime:
    """The first moment of a day in the app's time zone, in UTC (the audit's clock)."""
    zone = get_timezone() if has_app_context() else None
    moment = datetime.combine(day, time.min)
    if zone is None:
        return moment.replace(tzinfo=timezone.utc)
    local = zone.localize(moment) if hasattr(zone, "localize") else moment.replace(tzinfo=zone)
    return local.astimezone(timezone.utc)


def _filtered(query, filters: AuditFilters):
    """The query narrowed by the filters (the acting user is outer-joined already)."""
    if filters.person:
        query = query.where(or_(User.name.icontains(filters.person, autoescape=True),
                                User.email.icontains(filters.person, autoescape=True)))
    if filters.action and filters.action.endswith("."):
        query = query.where(AuditEntry.action.startswith(filters.action, autoescape=True))
    elif filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.entity:
        query = query.where(AuditEntry.entity == filters.entity)
    if filters.entity_id:
        query = query.where(AuditEntry.entity_id == filters.entity_id)
    if filters.date_from:
        query = query.where(AuditEntry.at >= _start_of(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEntry.at < _start_of(filters.date_to + timedelta(days=1)))
    return query


# --- the list ---------------------------------------------------------------------------------------------------


@dataclass
class AuditRow:
    """One entry with the name and e-mail of who acted (None for the system or an unknown account)."""

    entry: AuditEntry
    name: str | None
    email: str | None

    @property
    def label(self) -> str:
        """The action in words."""
        return action_label(self.entry.action)

    @property
    def entity_label(self) -> str:
        """The object type in words."""
        return entity_label(self.entry.entity)


def _entries():
    """Entries with their acting user's name and e-mail (one outer join, no query per row), newest first."""
    return (select(AuditEntry, User.name, User.email).outerjoin(User, User.id == AuditEntry.user_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))


def trail_page(filters: AuditFilters, number: int, size: int = PAGE_SIZE) -> Page:
    """A page of the entries matching the filters, newest first: two queries whatever the page holds."""
    page = page_of(_filtered(_entries(), filters), number, size)
    page.items = [AuditRow(*row) for row in page.items]
    return page


def find_entry(entry_id: int) -> AuditRow | None:
    """One entry with who acted, or None."""
    row = db.session.execute(_entries().where(AuditEntry.id == entry_id)).first()
    return AuditRow(*row) if row else None


@dataclass
class FilterChoices:
    """What the filters offer: the actions present grouped by prefix, and the object types present."""

    action_groups: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    entities: list[tuple[str, str]] = field(default_factory=list)


def filter_choices(filters: AuditFilters) -> FilterChoices:
    """The actions and object types found in the trail (plus the chosen ones, so that a shared link shows them)."""
    actions = set(db.session.scalars(select(AuditEntry.action).distinct())) | {code for code, _label in QUICK_FILTERS}
    entities = set(db.session.scalars(select(AuditEntry.entity).distinct()))
    if filters.action:
        actions.add(filters.action)
    if filters.entity:
        entities.add(filters.entity)
    codes_by_prefix: dict[str, list[str]] = {}
    for code in sorted(actions):
        codes_by_prefix.setdefault(code.split(".")[0], []).append(code)
    groups = []
    for prefix, codes in sorted(codes_by_prefix.items()):
        # A family of actions ("login.…") can be chosen whole; a lone action without a dot ("logout") cannot.
        options = [(f"{prefix}.", _("All “%(prefix)s” actions", prefix=prefix))] if any("." in c for c in codes) else []
        options += [(code, action_label(code)) for code in codes if code != f"{prefix}."]
        groups.append((prefix, options))
    return FilterChoices(
        action_groups=groups,
        entities=sorted(((entity, entity_label(entity)) for entity in entities), key=lambda pair: pair[1].lower()),
    )


# --- one entry --------------------------------------------------------------------------------------------------

ABSENT = object()  # a key that one side of the entry does not have


def hide_secrets(value):
    """The value with anything secret replaced by "[hidden]": values under secret-sounding keys, argon2 hashes."""
    if isinstance(value, dict):
        return {key: HIDDEN if SECRET_KEY.search(str(key)) else hide_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [hide_secrets(item) for item in value]
    if isinstance(value, str) and value.startswith("$argon2"):
        return HIDDEN
    return value


@dataclass
class Change:
    """One key of an entry, its value before and after (ABSENT when missing), and whether it changed."""

    key: str
    before: object
    after: object

    @property
    def changed(self) -> bool:
        """True when the two sides differ."""
        return self.before is not self.after and self.before != self.after

    @property
    def before_text(self) -> str | None:
        """The value before, as text (None when the key was absent)."""
        return _shown(self.before)

    @property
    def after_text(self) -> str | None:
        """The value after, as text (None when the key is absent)."""
        return _shown(self.after)


def _shown(value) -> str | None:
    """A value as text: strings as they are, anything else as JSON; None for an absent key."""
    if value is ABSENT:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _as_dict(value) -> dict:
    """Before or after as keys and values (a bare value under the key "value")."""
    if value is None:
        return {}
    return value if isinstance(value, dict) else {"value": value}


def changes(entry: AuditEntry) -> list[Change]:
    """Before and after side by side, key by key: the keys of before in order, then those only after has."""
    before, after = _as_dict(hide_secrets(entry.before)), _as_dict(hide_secrets(entry.after))
    keys = list(before) + [key for key in after if key not in before]
    return [Change(str(key), before.get(key, ABSENT), after.get(key, ABSENT)) for key in keys]


# --- CSV --------------------------------------------------------------------------------------------------------


def _utc_iso(moment: datetime) -> str:
    """A moment as ISO 8601 in UTC ("2026-03-31T08:15:00Z"); SQLite gives back naive UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"


def _json(value) -> str:
    """Before or after as JSON text (empty when absent), secrets hidden."""
    return "" if value is None else json.dumps(hide_secrets(value), ensure_ascii=False, sort_keys=True)


def _line(cells: list) -> str:
    """One CSV line, each cell safe to open in a spreadsheet (formulas neutralised)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([csv_cell(cell) for cell in cells])
    return buffer.getvalue()


def csv_lines(filters: AuditFilters, batch: int = CSV_BATCH) -> Iterator[str]:
    """The filtered entries as CSV text, newest first, read in batches (keyset pagination) as the download goes."""
    yield "\ufeff" + _line(CSV_HEADER)
    columns = (AuditEntry.id, AuditEntry.at, User.name, User.email, AuditEntry.action, AuditEntry.entity,
               AuditEntry.entity_id, AuditEntry.ip, AuditEntry.before, AuditEntry.after, AuditEntry.rationale)
    query = _filtered(select(*columns).outerjoin(User, User.id == AuditEntry.user_id), filters)
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(batch)
    last = None
    while True:
        narrowed = query if last is None else query.where(
            or_(AuditEntry.at < last[1], and_(AuditEntry.at == last[1], AuditEntry.id < last[0])))
        rows = db.session.execute(narrowed).all()
        for row in rows:
            yield _line([row.id, _utc_iso(row.at), row.name, row.email, row.action, row.entity, row.entity_id, row.ip,
                         _json(row.before), _json(row.after), row.rationale])
        if len(rows) < batch:
            return
        last = (rows[-1].id, rows[-1].at)


def csv_filename(today: date | None = None) -> str:
    """The download's name, with the day it was made: sip-audit-2026-03-31.csv."""
    return f"sip-audit-{(today or datetime.now(timezone.utc).date()).isoformat()}.csv"
