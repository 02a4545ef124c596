"""What each kind of notification says and where it leads, and who is told of each event of reporting and governance.

The receivers below are connected to the emitting domains' signals in the inbox's init_app; each one runs inside the
transaction of the event (before its commit), so the notifications and their instant e-mails commit or roll back
with it.
"""
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Callable

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from sip.accounts.models import Membership, User
from sip.accounts.permissions import LEAD_ROLES, SAG, SECRETARIAT
from sip.bodies.models import Body
from sip.core.i18n import current_language, pick

WORKING_GROUP = "working_group"


@dataclass(frozen=True)
class Kind:
    """One kind of notification: its name in the settings form, its default e-mail delivery, and its message."""

    label: object  # a lazy string
    default: str  # "instant" for what asks the reader to act, "digest" for what only informs
    message: Callable[[dict], str]


def _body(params: dict) -> str:
    """The body's name in the reader's language."""
    return pick(params.get("body"), current_language())


def _amendment(params: dict) -> str:
    """"amendment 12 (2.3.2.1)" in the reader's language."""
    if params.get("code"):
        return _("amendment %(number)d (%(code)s)", number=params["number"], code=params["code"])
    return _("amendment %(number)d", number=params["number"])


def _day(iso: str | None) -> str:
    """A stored ISO date as the reader writes dates."""
    return format_date(date.fromisoformat(iso), "long") if iso else ""


def _proposed(params: dict) -> str:
    """The message of one or several proposed amendments."""
    count = params.get("count", 1)
    if count > 1:
        return _("%(count)d amendments to the plan were proposed together and wait for the SAG's endorsement.",
                 count=count)
    return _("%(amendment)s was proposed and waits for the SAG's endorsement.", amendment=_amendment(params))


def _rejected(params: dict) -> str:
    """The message of an amendment rejected by the SAG or a GLM."""
    if params.get("by") == "glm":
        return _("The GLM rejected %(amendment)s: “%(note)s”", amendment=_amendment(params), note=params.get("note", ""))
    return _("The SAG rejected %(amendment)s: “%(note)s”", amendment=_amendment(params), note=params.get("note", ""))


def _commented(params: dict) -> str:
    """The message of a comment on a report (internal ones say so)."""
    if params.get("internal"):
        return _("%(author)s wrote an internal comment on the report of %(body)s for %(period)s.",
                 author=params.get("author", ""), body=_body(params), period=params["period"])
    return _("%(author)s commented on the report of %(body)s for %(period)s.", author=params.get("author", ""),
             body=_body(params), period=params["period"])


KINDS: dict[str, Kind] = {
    "report_submitted": Kind(_l("A report is submitted for review"), "instant", lambda p: _(
        "%(body)s submitted its report for %(period)s; it waits for your review.", body=_body(p), period=p["period"])),
    "report_returned": Kind(_l("A report of my group is returned"), "instant", lambda p: _(
        "The report of %(body)s for %(period)s was returned: “%(note)s”", body=_body(p), period=p["period"],
        note=p.get("note", ""))),
    "report_accepted": Kind(_l("A report of my group is accepted"), "digest", lambda p: _(
        "The report of %(body)s for %(period)s was accepted.", body=_body(p), period=p["period"])),
    "report_comment": Kind(_l("Someone comments on a report"), "digest", _commented),
    "period_opened": Kind(_l("A quarter opens for reports"), "instant", lambda p: _(
        "%(period)s is open for reports, due on %(due)s.", period=p["period"], due=_day(p.get("due_on")))),
    "amendment_proposed": Kind(_l("An amendment waits for the SAG"), "instant", _proposed),
    "amendment_endorsed": Kind(_l("The SAG endorses my amendment"), "digest", lambda p: _(
        "The SAG endorsed %(amendment)s; it now waits for a GLM.", amendment=_amendment(p))),
    "amendment_rejected": Kind(_l("My amendment is rejected"), "digest", _rejected),
    "amendment_verified": Kind(_l("An amendment is verified at a GLM"), "digest", lambda p: _(
        "%(amendment)s was verified at %(glm)s: the plan has changed.", amendment=_amendment(p),
        glm=p.get("glm") or _("the GLM"))),
}


def message(notification) -> str:
    """What a notification says, in the current language (a kind no longer known says so plainly)."""
    kind = KINDS.get(notification.kind)
    if kind is None:
        return _("Something changed.")
    try:
        return kind.message(notification.params or {})
    except (KeyError, TypeError, ValueError):  # params written by an older version: say something rather than fail
        return str(kind.label)


def default_delivery(kind: str) -> str:
    """The e-mail delivery of a kind for a person who chose nothing."""
    return KINDS[kind].default if kind in KINDS else "digest"


# --- who is told ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """Whom an event concerns, as conditions on people: members of some bodies (with some roles), the
    secretariat, or named people. Resolved in one query (sip/inbox/services.py)."""

    body_ids: tuple[int, ...] = ()
    roles: tuple[str, ...] | None = None
    body_slugs: tuple[str, ...] = ()  # every current member of these bodies (e.g. the SAG)
    leads_of_working_groups: bool = False
    secretariat: bool = False
    user_ids: tuple[int, ...] = ()


@lru_cache(maxsize=256)
def audience_condition(audience: Audience, today: date):
    """A WHERE clause on User for the active people an audience names (memberships in force on `today`).

    Kept per audience and day (an audience is frozen, a clause immutable): building it cost a submit that tells
    fifty people a tenth of what its notifications may cost."""
    in_force = [Membership.since <= today, or_(Membership.until.is_(None), Membership.until >= today)]
    member_of = select(Membership.user_id).join(Body, Membership.body_id == Body.id).where(*in_force)
    clauses = []
    if audience.body_ids:
        query = member_of.where(Membership.body_id.in_(audience.body_ids))
        if audience.roles is not None:
            query = query.where(Membership.role.in_(audience.roles))
        clauses.append(User.id.in_(query))
    if audience.body_slugs:
        clauses.append(User.id.in_(member_of.where(Body.slug.in_(audience.body_slugs))))
    if audience.leads_of_working_groups:
        clauses.append(User.id.in_(member_of.where(Body.kind == WORKING_GROUP, Membership.role.in_(LEAD_ROLES))))
    if audience.secretariat:
        clauses.append(User.is_admin.is_(True))
        clauses.append(User.id.in_(member_of.where(Body.slug == SECRETARIAT)))
    if audience.user_ids:
        clauses.append(User.id.in_(audience.user_ids))
    if not clauses:
        return None
    return (User.active.is_(True)) & or_(*clauses)


def _group(body: Body) -> Audience:
    """A body's people: its current leads and members, and its reporting focal point when it has one."""
    focal = (body.focal_point_id,) if body.focal_point_id else ()
    return Audience(body_ids=(body.id,), user_ids=focal)


def _report_params(report) -> dict:
    """What a message about a report needs: its body's (short) name in both languages and its period."""
    return {"body": dict(report.body.short_name or report.body.name or {}), "period": report.period.code,
            "slug": report.body.slug}


def _report_link(report) -> tuple[str, dict]:
    """The report's page."""
    return "reports.report", {"period": report.period.code, "slug": report.body.slug}


def _amendment_params(amendment) -> dict:
    """What a message about an amendment needs: its number and the activity code it is about."""
    return {"number": amendment.id, "code": amendment.code}


def _notify(*args, **kwargs) -> None:
    """Create the notifications (late import: services imports this module)."""
    from sip.inbox.services import notify

    notify(*args, **kwargs)


# --- the receivers --------------------------------------------------------------------------------


def on_report_submitted(report, actor=None, **_extra) -> None:
    """A report was submitted: the secretariat reviews it."""
    _notify("report_submitted", f"report-submitted:{report.id}:v{report.version}", Audience(secretariat=True),
            actor, _report_link(report), _report_params(report))


def on_report_returned(report, actor=None, **_extra) -> None:
    """A report was returned: its group fixes it."""
    _notify("report_returned", f"report-returned:{report.id}:v{report.version}", _group(report.body), actor,
            _report_link(report), {**_report_params(report), "note": report.review_note or ""})


def on_report_accepted(report, actor=None, **_extra) -> None:
    """A report was accepted: its group is told."""
    _notify("report_accepted", f"report-accepted:{report.id}", _group(report.body), actor, _report_link(report),
            _report_params(report))


def on_report_commented(comment, actor=None, **_extra) -> None:
    """A comment on a report: internal ones to the secretariat only, the others to the group and the secretariat."""
    report = comment.report
    if comment.internal:
        audience = Audience(secretariat=True)
    else:
        group = _group(report.body)
        audience = Audience(body_ids=group.body_ids, user_ids=group.user_ids, secretariat=True)
    author = getattr(actor, "name", "") or ""
    _notify("report_comment", f"comment:{comment.id}", audience, actor, _report_link(report),
            {**_report_params(report), "author": author, "internal": bool(comment.internal)})


def on_period_opened(period, actor=None, **_extra) -> None:
    """A quarter opened (or its due date moved): every working group's leads file a report."""
    # the due date is part of the event: opening again with a new due date tells the leads again
    due = period.due_on.isoformat() if period.due_on else ""
    _notify("period_opened", f"period-opened:{period.id}:{due}", Audience(leads_of_working_groups=True), actor,
            ("reports_overview.index", {}),
            {"period": period.code, "due_on": period.due_on.isoformat() if period.due_on else None})


def on_amendments_proposed(strategy, amendments=(), actor=None, **_extra) -> None:
    """Amendments were proposed (one, or several together): the SAG endorses them."""
    if not amendments:
        return
    first = amendments[0]
    if len(amendments) == 1:
        link, params = ("governance.amendment", {"amendment_id": first.id}), _amendment_params(first)
    else:
        link, params = ("governance.amendments", {}), {"count": len(amendments), "number": first.id}
    _notify("amendment_proposed", f"amendment-proposed:{first.id}", Audience(body_slugs=(SAG,)), actor, link, params)


def _proposer(amendment) -> Audience:
    """The person who proposed an amendment."""
    return Audience(user_ids=(amendment.proposed_by_id,) if amendment.proposed_by_id else ())


def on_amendment_endorsed(amendment, actor=None, **_extra) -> None:
    """The SAG endorsed an amendment: its proposer is told."""
    _notify("amendment_endorsed", f"amendment-endorsed:{amendment.id}", _proposer(amendment), actor,
            ("governance.amendment", {"amendment_id": amendment.id}), _amendment_params(amendment))


def on_amendment_rejected(amendment, actor=None, by="sag", **_extra) -> None:
    """The SAG or a GLM rejected an amendment: its proposer is told, with the note."""
    note = (amendment.glm_note if by == "glm" else amendment.sag_note) or ""
    _notify("amendment_rejected", f"amendment-rejected:{amendment.id}", _proposer(amendment), actor,
            ("governance.amendment", {"amendment_id": amendment.id}),
            {**_amendment_params(amendment), "by": by, "note": note})


def on_amendment_verified(amendment, actor=None, **_extra) -> None:
    """A GLM verified an amendment and the plan changed: every working group's leads are told."""
    _notify("amendment_verified", f"amendment-verified:{amendment.id}", Audience(leads_of_working_groups=True), actor,
            ("governance.amendment", {"amendment_id": amendment.id}),
            {**_amendment_params(amendment), "glm": amendment.glm_name or ""})


def _subscriptions() -> list[tuple]:
    """Each event the inbox listens to, with its receiver."""
    from sip.governance import signals as governance
    from sip.reporting import signals as reporting

    return [
        (reporting.report_submitted, on_report_submitted), (reporting.report_returned, on_report_returned),
        (reporting.report_accepted, on_report_accepted), (reporting.report_commented, on_report_commented),
        (reporting.period_opened, on_period_opened), (governance.amendments_proposed, on_amendments_proposed),
        (governance.amendment_endorsed, on_amendment_endorsed), (governance.amendment_rejected, on_amendment_rejected),
        (governance.amendment_verified, on_amendment_verified),
    ]


def connect() -> None:
    """Subscribe to the events of reporting and governance (connecting twice is harmless: blinker keeps one)."""
    for signal, receiver in _subscriptions():
        signal.connect(receiver, weak=False)


def disconnect() -> None:
    """Stop notifying, in every app of the process (the benchmark measures an event without notifications)."""
    for signal, receiver in _subscriptions():
        signal.disconnect(receiver)
