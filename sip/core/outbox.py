"""The outbox: every e-mail is written here in the transaction of the event that caused it; the worker sends it.

Nothing is sent inside a web request. `enqueue` adds a row to the caller's transaction, so a rolled-back event
sends nothing. Once the transaction commits, the queue (sip/core/queue.py) is asked to deliver those rows at once;
a sweep every minute sends whatever is due anyway, so no mail depends on the queue's message.

`deliver_due(now=None)` does what the worker does, synchronously: put back rows whose worker died mid-send,
claim every due row, send each through SMTP (or print it without SIP_SMTP_URL), mark it sent, or schedule a
retry with exponential back-off, or mark it failed for good after SIP_OUTBOX_MAX_ATTEMPTS. Tests call it, with
`now=` to move the clock past a back-off. Claims are atomic (UPDATE … WHERE state = 'queued'), so several worker
threads or processes never send the same row twice; a row is committed as sent right after the SMTP server took
it, and its Message-ID comes from the row, so the rare re-send after a crash in between is recognisable.
"""
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import case, event, func, select, update
from sqlalchemy.orm import Session

from sip.core.database import intending_to_write
from sip.core.mail import PERSONAL_KINDS, Postman, Unreachable, build_message, message_id_for
from sip.core.models import OutboxMail, utcnow
from sip.extensions import db

log = logging.getLogger(__name__)

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
BATCH = 20  # rows claimed at a time: a slow mail server finishes a batch well within the lease
_NEW_IDS = "sip_outbox_new_ids"  # session.info key: ids of rows flushed in the current transaction


def enqueue(to: str, subject: str, body: str, *, kind: str, headers: dict | None = None) -> OutboxMail:
    """Add an e-mail to the current transaction's outbox (the caller commits); the worker sends it after commit."""
    mail = OutboxMail(kind=kind, to_address=to, subject=subject, body=body, headers=headers or None)
    db.session.add(mail)
    return mail


# name -> function(args) giving the e-mails of a row for many people (dicts as for enqueue_many); domains register
# theirs with @expander, since core knows none of them.
EXPANDERS: dict[str, Callable[[dict], list[dict]]] = {}


def expander(name: str):
    """Register the function that turns an outbox row for many people into one e-mail per person."""
    def register(function):
        EXPANDERS[name] = function
        return function
    return register


def enqueue_for_many(name: str, args: dict, *, kind: str) -> OutboxMail:
    """Add one row that the worker turns into many e-mails (expander `name`, given `args`), in the caller's
    transaction: durable with the event, and one row however many people it tells."""
    mail = OutboxMail(kind=kind, to_address="", subject="", body="", expander=name, expander_args=args)
    db.session.add(mail)
    return mail


def enqueue_many(rows: list[dict]) -> list[int]:
    """Add many e-mails (dicts of kind, to_address, subject, body, headers) in one insert, in the caller's
    transaction: fifty ORM objects would cost a report's submit more than its notifications are allowed."""
    if not rows:
        return []
    table = OutboxMail.__table__
    ids = db.session.execute(table.insert().returning(table.c.id), rows).scalars().all()
    db.session.info.setdefault(_NEW_IDS, []).extend(ids)  # a bulk insert is not seen by after_flush
    return ids


# --- telling the worker after commit -------------------------------------------------------------


@event.listens_for(Session, "after_flush")
def _note_new_mail(session, _context) -> None:
    """Remember the ids of outbox rows written in this transaction (known once flushed)."""
    ids = [item.id for item in session.new if isinstance(item, OutboxMail)]
    if ids:
        session.info.setdefault(_NEW_IDS, []).extend(ids)


@event.listens_for(Session, "after_commit")
def _announce_new_mail(session) -> None:
    """Once the rows are committed, ask the queue to deliver them now (the sweep would send them anyway)."""
    ids = session.info.pop(_NEW_IDS, None)
    if not ids:
        return
    from sip.core import queue

    try:
        queue.dispatch(ids)
    except Exception:  # the event is saved and its mail with it; only the shortcut failed
        log.warning("could not tell the worker about %d new e-mail(s); the next sweep sends them", len(ids),
                    exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget_new_mail(session) -> None:
    """Rows of a rolled-back transaction do not exist: nothing to announce."""
    session.info.pop(_NEW_IDS, None)


# --- delivery --------------------------------------------------------------------------------------


@dataclass
class Delivery:
    """What a delivery run did: e-mails sent, scheduled for a retry, failed for good, put back after a dead worker."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0

    def __iadd__(self, other: "Delivery") -> "Delivery":
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.recovered += other.recovered
        return self


def deliver_due(now: datetime | None = None) -> Delivery:
    """Send every e-mail that is due (what the worker's sweep does), and say what happened.

    Ends the caller's transaction first. `now` (UTC) stands for the clock, so that tests can move past a back-off.
    """
    now = _utc(now)
    db.session.rollback()
    done = Delivery(recovered=recover_stuck(now))
    expand_due(None, now)
    while True:
        claimed = claim(None, now)
        if not claimed:
            return done
        result, stop = _send_claimed(claimed, now)
        done += result
        if stop:
            return done


def deliver(ids: list[int], now: datetime | None = None) -> Delivery:
    """Send the given e-mails if they are still waiting and due (what the queue's task does after a commit)."""
    now = _utc(now)
    db.session.rollback()
    done = Delivery()
    ids = [*ids, *expand_due(ids, now)]
    for start in range(0, len(ids), BATCH):
        claimed = claim(ids[start:start + BATCH], now)
        result, stop = _send_claimed(claimed, now)
        done += result
        if stop:
            break
    return done


def claim(ids: list[int] | None, now: datetime | None = None, limit: int = BATCH) -> list[int]:
    """Take due, queued rows for this worker (all of `ids` that qualify, or up to `limit` of any), atomically.

    One UPDATE … WHERE state = 'queued' … RETURNING: of two workers claiming the same row, exactly one gets it
    (SQLite serialises writers; PostgreSQL re-checks the WHERE on the row it waited for).
    """
    now = _utc(now)
    due = (OutboxMail.state == QUEUED, OutboxMail.next_attempt_at <= now, OutboxMail.expander.is_(None))
    if ids is None:
        chosen = select(OutboxMail.id).where(*due).order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(limit)
    else:
        chosen = ids
    statement = (update(OutboxMail).where(OutboxMail.id.in_(chosen), *due)
                 .values(state=SENDING, claimed_at=now).returning(OutboxMail.id)
                 .execution_options(synchronize_session=False))
    with intending_to_write():
        claimed = sorted(db.session.scalars(statement).all())
        db.session.commit()
    return claimed


def expand_due(ids: list[int] | None = None, now: datetime | None = None) -> list[int]:
    """Turn the due rows for many people (all, or those among `ids`) into one e-mail per person; the ids of the
    e-mails written. Each row is claimed like any other, then expanded and marked sent in one transaction, so that
    its e-mails are written exactly once; an expander that fails is retried after the back-off like a mail."""
    now = _utc(now)
    due = (OutboxMail.state == QUEUED, OutboxMail.next_attempt_at <= now, OutboxMail.expander.is_not(None))
    chosen = select(OutboxMail.id).where(*due) if ids is None else ids
    with intending_to_write():
        claimed = sorted(db.session.scalars(
            update(OutboxMail).where(OutboxMail.id.in_(chosen), *due).values(state=SENDING, claimed_at=now)
            .returning(OutboxMail.id).execution_options(synchronize_session=False)).all())
        db.session.commit()
    written = []
    for row_id in claimed:
        row = db.session.get(OutboxMail, row_id)
        kind = row.kind
        try:
            with intending_to_write():
                mails = [{**mail, "next_attempt_at": now} for mail in EXPANDERS[row.expander](row.expander_args or {})]
                written += enqueue_many(mails)  # due at once: this very sweep sends them
                row.state, row.sent_at, row.claimed_at, row.last_error = SENT, utcnow(), None, None
                db.session.commit()
        except Exception as error:
            db.session.rollback()
            log.warning("outbox: row %d (%s) could not be expanded", row_id, kind, exc_info=True)
            _failed_attempt(row_id, kind, error, now)
    return written


def recover_stuck(now: datetime | None = None) -> int:
    """Put back rows left 'sending' longer than the lease (their worker died mid-send); counts as an attempt."""
    now = _utc(now)
    config = current_app.config
    limit = config.get("SIP_OUTBOX_MAX_ATTEMPTS", 8)
    lease = timedelta(seconds=config.get("SIP_OUTBOX_LEASE_SECONDS", 600))
    statement = (update(OutboxMail)
                 .where(OutboxMail.state == SENDING, OutboxMail.claimed_at < now - lease)
                 .values(state=case((OutboxMail.attempts + 1 >= limit, FAILED), else_=QUEUED),
                         attempts=OutboxMail.attempts + 1, claimed_at=None, next_attempt_at=now,
                         last_error="worker stopped while sending (lease expired)")
                 .execution_options(synchronize_session=False))
    with intending_to_write():
        count = db.session.execute(statement).rowcount
        db.session.commit()
    if count:
        log.warning("outbox: %d e-mail(s) were left sending by a stopped worker; queued again", count)
    return count


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: the base, doubled each time, capped."""
    config = current_app.config
    base = config.get("SIP_OUTBOX_RETRY_SECONDS", 60)
    cap = config.get("SIP_OUTBOX_RETRY_MAX_SECONDS", 3600)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), cap))


def message_for(mail: OutboxMail):
    """The e-mail of an outbox row: its headers, and a Message-ID made from the row (the same on a re-send)."""
    created = mail.created_at if mail.created_at.tzinfo else mail.created_at.replace(tzinfo=timezone.utc)
    key = f"outbox.{mail.id}.{int(created.timestamp())}"
    return build_message(mail.to_address, mail.subject, mail.body, headers=mail.headers,
                         message_id=message_id_for(key), automatic=mail.kind not in PERSONAL_KINDS)


def _send_claimed(ids: list[int], now: datetime) -> tuple[Delivery, bool]:
    """Send claimed rows over one connection; stop (and release the rest) when the mail server is unreachable."""
    done = Delivery()
    if not ids:
        return done, False
    mails = {mail.id: mail for mail in db.session.scalars(select(OutboxMail).where(OutboxMail.id.in_(ids)))}
    messages = {}
    for mail_id, mail in mails.items():
        try:
            messages[mail_id] = (mail.kind, message_for(mail))
        except Exception as error:  # noqa: BLE001  a row that cannot make an e-mail (bad header) never will
            messages[mail_id] = (mail.kind, error)
    db.session.commit()  # no read transaction stays open while talking to the mail server
    with Postman() as postman:
        for position, mail_id in enumerate(ids):
            kind, message = messages[mail_id]
            if isinstance(message, Exception):
                _give_up(mail_id, kind, message, now)
                done.failed += 1
                continue
            try:
                postman.send(message)
            except Unreachable as error:
                done += _failed_attempt(mail_id, kind, error, now)
                _release(ids[position + 1:])
                return done, True
            except OSError as error:  # smtplib's errors are OSErrors
                done += _failed_attempt(mail_id, kind, error, now)
                continue
            _mark_sent(mail_id)
            done.sent += 1
    return done, False


def _mark_sent(mail_id: int) -> None:
    """Record that the mail server took the e-mail (committed at once: a crash after this sends nothing twice)."""
    with intending_to_write():
        db.session.execute(update(OutboxMail).where(OutboxMail.id == mail_id, OutboxMail.state == SENDING)
                           .values(state=SENT, sent_at=func.coalesce(OutboxMail.sent_at, utcnow()),
                                   claimed_at=None, last_error=None)
                           .execution_options(synchronize_session=False))
        db.session.commit()


def _failed_attempt(mail_id: int, kind: str, error: Exception, now: datetime) -> Delivery:
    """Count a failed attempt: retry after the back-off, or fail for good after the last attempt."""
    if _permanent(error):
        _give_up(mail_id, kind, error, now)
        return Delivery(failed=1)
    limit = current_app.config.get("SIP_OUTBOX_MAX_ATTEMPTS", 8)
    with intending_to_write():
        attempts = db.session.scalar(select(OutboxMail.attempts).where(OutboxMail.id == mail_id)) + 1
        final = attempts >= limit
        values = {"attempts": attempts, "claimed_at": None, "last_error": describe(error),
                  "state": FAILED if final else QUEUED}
        if not final:
            values["next_attempt_at"] = now + backoff(attempts)
        db.session.execute(update(OutboxMail).where(OutboxMail.id == mail_id, OutboxMail.state == SENDING)
                           .values(**values).execution_options(synchronize_session=False))
        db.session.commit()
    if final:
        log.error("outbox: e-mail %d (%s) failed for good after %d attempts: %s", mail_id, kind, attempts,
                  describe(error))
        return Delivery(failed=1)
    log.warning("outbox: e-mail %d (%s) not sent (attempt %d): %s; retrying later", mail_id, kind, attempts,
                describe(error))
    return Delivery(retried=1)


def _give_up(mail_id: int, kind: str, error: Exception, now: datetime) -> None:
    """Mark an e-mail failed for good (the mail server refused it for good, or it cannot be written)."""
    with intending_to_write():
        db.session.execute(update(OutboxMail).where(OutboxMail.id == mail_id, OutboxMail.state == SENDING)
                           .values(state=FAILED, attempts=OutboxMail.attempts + 1, claimed_at=None,
                                   last_error=describe(error))
                           .execution_options(synchronize_session=False))
        db.session.commit()
    log.error("outbox: e-mail %d (%s) failed for good: %s", mail_id, kind, describe(error))


def _release(ids: list[int]) -> None:
    """Give claimed rows back untouched (not an attempt): the mail server is unreachable, the next sweep tries."""
    if not ids:
        return
    with intending_to_write():
        db.session.execute(update(OutboxMail).where(OutboxMail.id.in_(ids), OutboxMail.state == SENDING)
                           .values(state=QUEUED, claimed_at=None).execution_options(synchronize_session=False))
        db.session.commit()


def _permanent(error: Exception) -> bool:
    """True when the mail server refused the e-mail for good (a 5xx answer): retrying would not help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException) and not isinstance(error, smtplib.SMTPServerDisconnected):
        return 500 <= error.smtp_code < 600
    return False


def describe(error: Exception) -> str:
    """What went wrong, without the server's text (which may quote the address) nor anything of the e-mail."""
    cause = error.__cause__ if isinstance(error, Unreachable) and error.__cause__ else error
    detail = ""
    if isinstance(cause, smtplib.SMTPRecipientsRefused):
        detail = " " + ",".join(sorted({str(code) for code, _text in cause.recipients.values()}))
    elif isinstance(cause, smtplib.SMTPResponseException):
        detail = f" {cause.smtp_code}"
    elif isinstance(cause, OSError) and cause.errno:
        detail = f" errno {cause.errno}"
    prefix = "unreachable: " if isinstance(error, Unreachable) else ""
    return f"{prefix}{type(cause).__name__}{detail}"[:300]


def counts() -> dict[str, int]:
    """How many e-mails are in each state (queued, sending, sent, failed)."""
    found = dict(db.session.execute(select(OutboxMail.state, func.count()).group_by(OutboxMail.state)).all())
    return {state: found.get(state, 0) for state in (QUEUED, SENDING, SENT, FAILED)}


def retry_failed(now: datetime | None = None) -> int:
    """Queue every failed e-mail again, with its attempts reset (after the operator fixed the cause)."""
    now = _utc(now)
    with intending_to_write():
        count = db.session.execute(update(OutboxMail).where(OutboxMail.state == FAILED)
                                   .values(state=QUEUED, attempts=0, next_attempt_at=now, last_error=None)
                                   .execution_options(synchronize_session=False)).rowcount
    return count


def _utc(now: datetime | None) -> datetime:
    """The given moment as an aware UTC datetime (now by default; a naive one is taken as UTC)."""
    if now is None:
        return utcnow()
    return now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now.astimezone(timezone.utc)
