"""Notifications: who is told about what, the in-app list, e-mail choices, digests and unsubscribing.

Every write happens in the caller's transaction; the functions called from a page commit, those called from an
event's receiver never do (the event's service commits the notifications and mails with the event).
"""
from datetime import date, datetime, timedelta

from flask import url_for
from sqlalchemy import and_, case, exists, func, literal, null, select, true, update
from sqlalchemy.orm import aliased

from sip.accounts.models import User
from sip.core import audit, outbox
from sip.core.queue import periodic
from sip.core.models import utcnow
from sip.core.pagination import Page, page_of
from sip.extensions import db
from sip.inbox import mails
from sip.inbox.events import KINDS, Audience, audience_condition, default_delivery, message
from sip.inbox.models import DELIVERIES, Notification, NotificationPreference

PAGE_SIZE = 25
# A digest gathers what is at most this old: a person who switches a kind from "never" to "digest" does not get a
# digest of months of old items, and a worker that was down for a few days loses nothing.
DIGEST_LOOKBACK = timedelta(days=7)
MAIL_KIND = "notification"
INSTANT_MAILS = "inbox.instant-mails"  # the outbox expander of an event's instant e-mails
DIGEST_MAIL_KIND = "digest"


class PreferenceError(ValueError):
    """A refused choice of e-mail delivery."""


# --- reading ------------------------------------------------------------------------------------


def unread(user, limit: int = 10) -> list[Notification]:
    """The person's unread notifications, newest first (at most `limit`)."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(user) -> int:
    """How many notifications the person has not read yet."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def notifications_page(user, number: int, size: int = PAGE_SIZE) -> Page:
    """One page of the person's notifications, newest first (items are Notification rows)."""
    query = (select(Notification).where(Notification.user_id == user.id)
             .order_by(Notification.created_at.desc(), Notification.id.desc()))
    page = page_of(query, number, size)
    page.items = [row[0] for row in page.items]
    return page


def find(user, notification_id: int) -> Notification | None:
    """The person's own notification with this id (None for anyone else's)."""
    return db.session.scalar(select(Notification).where(Notification.id == notification_id,
                                                        Notification.user_id == user.id))


def text(notification: Notification) -> str:
    """What the notification says, in the reader's language."""
    return message(notification)


def target_url(notification: Notification) -> str:
    """The page the notification is about."""
    return url_for(notification.endpoint, **(notification.endpoint_args or {}))


def open_url(notification: Notification) -> str:
    """The link that marks the notification read and opens its page."""
    return url_for("inbox.open_notification", notification_id=notification.id)


# --- creating -----------------------------------------------------------------------------------


def _delivery_column(kind: str, preference):
    """SQL for a person's delivery of a kind: their choice, else the kind's default."""
    return func.coalesce(preference.delivery, default_delivery(kind))


def notify(kind: str, event_key: str, audience: Audience, actor, link: tuple[str, dict], params: dict,
           today: date | None = None) -> int:
    """Tell the people an event concerns (never its actor; one notification per person and event), and queue the
    instant e-mails of those who want them, all in the caller's transaction. Returns how many were told.

    One INSERT … SELECT writes every notification (who is concerned, less who was told already, with their choice
    for this kind), and one outbox row stands for the event's instant e-mails: the worker writes them, one per person
    in their language (`instant_mails`). Building fifty rows and fifty e-mails in the request made a submit that
    tells fifty people cost 1.3 times one that tells nobody.
    """
    condition = audience_condition(audience, today or date.today())
    if condition is None:
        return 0
    actor_id = getattr(actor, "id", None)
    preference = aliased(NotificationPreference)
    told = exists().where(Notification.user_id == User.id, Notification.event_key == event_key)
    delivery = _delivery_column(kind, preference)
    columns = Notification.__table__.c
    moment = literal(utcnow(), columns.created_at.type)
    recipients = (
        select(User.id, literal(kind, columns.kind.type), literal(event_key, columns.event_key.type), moment,
               literal(link[0], columns.endpoint.type), literal(link[1], columns.endpoint_args.type),
               literal(params, columns.params.type), case((delivery == "instant", moment), else_=null()))
        .outerjoin(preference, and_(preference.user_id == User.id, preference.kind == kind))
        .where(condition, User.id != actor_id if actor_id is not None else true(), ~told))
    # counted from RETURNING: psycopg gives no rowcount (-1) for an INSERT … SELECT run through the session
    count = len(db.session.execute(Notification.__table__.insert().from_select(
        ["user_id", "kind", "event_key", "created_at", "endpoint", "endpoint_args", "params", "mailed_at"],
        recipients).returning(Notification.__table__.c.id)).all())
    if count:
        outbox.enqueue_for_many(INSTANT_MAILS, {"event_key": event_key}, kind=MAIL_KIND)
    return count


@outbox.expander(INSTANT_MAILS)
def instant_mails(args: dict) -> list[dict]:
    """The instant e-mails of one event (the worker calls this): one for each active person told who wants this kind
    at once, in their language, with their own unsubscribe link; composed once per language."""
    rows = db.session.execute(
        select(Notification.user_id, Notification.kind, Notification.endpoint, Notification.endpoint_args,
               Notification.params, User.email, User.language)
        .join(User, User.id == Notification.user_id)
        .where(Notification.event_key == args["event_key"], Notification.mailed_at.is_not(None),
               User.active.is_(True))
        .order_by(Notification.user_id)).all()
    composed: dict[str | None, tuple[str, str]] = {}
    queued = []
    for user_id, kind, endpoint, endpoint_args, params, email, language in rows:
        if language not in composed:
            composed[language] = mails.compose_instant(kind, params or {}, (endpoint, endpoint_args or {}), language)
        subject, body = composed[language]
        url = mails.unsubscribe_urls(kind)(user_id)
        queued.append({"kind": MAIL_KIND, "to_address": email, "subject": subject,
                       "body": mails.with_unsubscribe(body, url), "headers": mails.unsubscribe_headers(url)})
    return queued


# --- marking read -------------------------------------------------------------------------------


def mark_read(user, notification: Notification) -> None:
    """Mark one of the person's notifications read (reading state is the person's own: not audited)."""
    if notification.user_id == user.id and notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()


def mark_all_read(user) -> int:
    """Mark every unread notification of the person read; returns how many."""
    result = db.session.execute(update(Notification)
                                .where(Notification.user_id == user.id, Notification.read_at.is_(None))
                                .values(read_at=utcnow()))
    db.session.commit()
    return result.rowcount or 0


# --- e-mail choices -----------------------------------------------------------------------------


def preferences(user) -> dict[str, str]:
    """The person's delivery for every kind: their choice, else the kind's default."""
    chosen = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.delivery)
                                     .where(NotificationPreference.user_id == user.id)).all())
    return {kind: chosen.get(kind, spec.default) for kind, spec in KINDS.items()}


def _set(user_id: int, kind: str, delivery: str) -> None:
    """Store one choice (without committing)."""
    row = db.session.scalar(select(NotificationPreference).where(NotificationPreference.user_id == user_id,
                                                                 NotificationPreference.kind == kind))
    if row is None:
        db.session.add(NotificationPreference(user_id=user_id, kind=kind, delivery=delivery))
    else:
        row.delivery = delivery


def save_preferences(user, choices: dict[str, str]) -> dict[str, list[str]]:
    """Save the person's e-mail choice for each kind; PreferenceError (nothing saved) for an unknown kind or
    delivery. Returns what changed, {kind: [before, after]}, audited."""
    if set(choices) - set(KINDS) or any(value not in DELIVERIES for value in choices.values()):
        raise PreferenceError("unknown kind or delivery")
    before = preferences(user)
    changed = {}
    for kind, delivery in choices.items():
        _set(user.id, kind, delivery)
        if before[kind] != delivery:
            changed[kind] = [before[kind], delivery]
    if changed:
        audit.record("notifications.preferences", "user_account", user.id, user_id=user.id,
                     before={k: v[0] for k, v in changed.items()}, after={k: v[1] for k, v in changed.items()})
    db.session.commit()
    return changed


def person_exists(user_id: int) -> bool:
    """True when the person an unsubscribe link names still exists."""
    return db.session.get(User, user_id) is not None


def unsubscribe(user_id: int, kind: str) -> list[str]:
    """Stop one kind of e-mail for a person (for the digest "kind": every kind they get in digests), audited; the
    in-app notifications stay. Returns the kinds set to "never"."""
    user = db.session.get(User, user_id)
    if user is None:
        return []
    current = preferences(user)
    kinds = [k for k, v in current.items() if v == "digest"] if kind == mails.DIGEST else [kind]
    for name in kinds:
        _set(user.id, name, "never")
    audit.record("notifications.unsubscribed", "user_account", user.id, user_id=user.id,
                 before={name: current[name] for name in kinds}, after=dict.fromkeys(kinds, "never"),
                 rationale="one-click unsubscribe link")
    db.session.commit()
    return kinds


# --- daily digests ------------------------------------------------------------------------------


def send_digests(now: datetime | None = None) -> int:
    """Queue one e-mail per person holding every notification of a kind they get in digests that no digest or
    instant mail carried yet, in their language, and mark those items digested (so none goes out twice).
    Commits; returns how many digests were queued."""
    now = now or utcnow()
    preference = aliased(NotificationPreference)
    digest_by_default = [kind for kind, spec in KINDS.items() if spec.default == "digest"]
    delivery = func.coalesce(preference.delivery,
                             case((Notification.kind.in_(digest_by_default), "digest"), else_="instant"))
    query = (
        select(Notification, User)
        .join(User, Notification.user_id == User.id)
        .outerjoin(preference, and_(preference.user_id == Notification.user_id, preference.kind == Notification.kind))
        .where(Notification.digested_at.is_(None), Notification.mailed_at.is_(None),
               Notification.created_at <= now, Notification.created_at > now - DIGEST_LOOKBACK,
               User.active.is_(True), delivery == "digest")
        .order_by(Notification.user_id, Notification.created_at, Notification.id)
        # two runs at once (the worker and the command): the second skips what the first is sending
        .with_for_update(of=Notification, skip_locked=True)
    )
    by_person: dict[int, tuple[User, list[Notification]]] = {}
    for notification, user in db.session.execute(query).all():
        by_person.setdefault(user.id, (user, []))[1].append(notification)
    for user, items in by_person.values():
        subject, body = mails.compose_digest(user.name, items, user.language)
        url = mails.unsubscribe_url(user.id, mails.DIGEST)
        outbox.enqueue(user.email, subject, mails.with_unsubscribe(body, url), kind=DIGEST_MAIL_KIND,
                       headers=mails.unsubscribe_headers(url))
        for item in items:
            item.digested_at = now
    if by_person:
        audit.record("notifications.digests", "notification", None,
                     after={"digests": len(by_person), "items": sum(len(i) for _u, i in by_person.values())})
    db.session.commit()
    return len(by_person)


def _digest_cron(config) -> str:
    """When the worker queues the digests: SIP_DIGEST_CRON ("off": never)."""
    return config["SIP_DIGEST_CRON"]


@periodic(_digest_cron, name="inbox.digests")
def daily_digests() -> int:
    """The worker's daily job: queue the digests (the outbox sends them)."""
    from sip.core.database import intending_to_write

    with intending_to_write():
        return send_digests()
