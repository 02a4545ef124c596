"""The outbox: mail is queued in the event's transaction and sent by the worker (deliver_due), with retries and
back-off, exclusive claims, lease recovery, and every user action working while the mail server is down."""
import logging
import smtplib
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from sip.core import outbox, queue
from sip.core.models import AuditEntry, OutboxMail
from sip.extensions import db
from tests.conftest import log_in
from tests.helpers import page_text
from tests.smtp import delivered, message_ids, text_of

ADDRESS = "zoe.secret@example.org"


def queue_mail(app, count: int = 1, **options) -> list[int]:
    """Queue `count` e-mails in one committed transaction; their ids."""
    with app.app_context():
        mails = [outbox.enqueue(options.get("to", ADDRESS), f"Subject {n}", f"Body {n}\n", kind="test",
                                headers=options.get("headers")) for n in range(count)]
        db.session.commit()
        return [mail.id for mail in mails]


def rows(app) -> list[OutboxMail]:
    """Every outbox row, oldest first, detached."""
    with app.app_context():
        found = list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))
        db.session.expunge_all()
        return found


def later(**delta) -> datetime:
    """A moment after now (a clock moved forward)."""
    return datetime.now(timezone.utc) + timedelta(**delta)


def as_utc(moment: datetime) -> datetime:
    """A stored datetime as aware UTC (SQLite gives it back naive)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


# --- the same transaction -------------------------------------------------------------------------


def test_a_mail_queued_in_a_rolled_back_transaction_is_never_sent(app, smtp_server):
    with app.app_context():
        outbox.enqueue(ADDRESS, "Hello", "Body\n", kind="test")
        db.session.flush()  # even written to the database, then undone with the event
        db.session.rollback()
    assert delivered(app, smtp_server) == []
    assert rows(app) == []


def test_a_committed_mail_is_sent_once_and_marked_sent(app, smtp_server):
    [mail_id] = queue_mail(app)
    assert smtp_server.messages == []  # queueing sends nothing
    [message] = delivered(app, smtp_server)
    assert (message["To"], message["Subject"], text_of(message)) == (ADDRESS, "Subject 0", "Body 0\n")
    [row] = rows(app)
    assert (row.id, row.state, row.attempts, row.last_error) == (mail_id, "sent", 0, None)
    assert row.sent_at is not None and row.claimed_at is None
    assert delivered(app).sent == 0 and len(smtp_server.messages) == 1


def test_the_queue_is_told_after_commit_and_not_after_rollback(app):
    app.config["SIP_QUEUE_URL"] = "memory://"
    with app.app_context():
        huey = queue.get_queue(app).huey
        outbox.enqueue(ADDRESS, "Dropped", "x\n", kind="test")
        db.session.rollback()
        assert huey.pending_count() == 0
        first = outbox.enqueue(ADDRESS, "One", "x\n", kind="test")
        second = outbox.enqueue(ADDRESS, "Two", "x\n", kind="test")
        db.session.commit()
        [task] = huey.pending()
        assert task.name.endswith("sip.deliver") and task.args == ([first.id, second.id],)


def test_a_queue_that_cannot_be_reached_does_not_undo_the_event(app, monkeypatch, caplog):
    def broken(_ids):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(queue, "dispatch", broken)
    [mail_id] = queue_mail(app)  # commits without an error
    assert [row.id for row in rows(app)] == [mail_id]
    assert "the next sweep sends them" in caplog.text


# --- headers, Message-ID, language ----------------------------------------------------------------


def test_extra_headers_and_a_message_id_made_from_the_row_reach_the_server(app, smtp_server):
    headers = {"List-Unsubscribe": "<http://sip.test/unsubscribe/abc>", "List-Unsubscribe-Post":
               "List-Unsubscribe=One-Click", "To": "attacker@example.org"}
    [mail_id] = queue_mail(app, headers=headers)
    [message] = delivered(app, smtp_server)
    assert message["List-Unsubscribe"] == "<http://sip.test/unsubscribe/abc>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_all("To") == [ADDRESS]  # a row's headers cannot change whom it goes to
    assert message["Message-ID"].startswith(f"<outbox.{mail_id}.") and message["Message-ID"].endswith("@sip.test>")
    with app.app_context():  # the same row makes the same Message-ID: a re-send after a crash is recognisable
        row = db.session.get(OutboxMail, mail_id)
        assert outbox.message_for(row)["Message-ID"] == message["Message-ID"]


def test_a_password_reset_is_queued_in_the_persons_language(app, client, smtp_server, make_user):
    make_user("Jean Dupont", email="jean@example.org", language="fr")
    assert client.post("/password-reset?lang=en", data={"email": "jean@example.org"}).status_code == 302
    [row] = rows(app)
    assert (row.kind, row.to_address, row.state) == ("password_reset", "jean@example.org", "queued")
    [message] = delivered(app, smtp_server)
    assert message["Subject"] != "Reset your SIP Tracker password"  # French, whatever the page's language
    assert "Bonjour Jean Dupont" in text_of(message)


def test_without_an_smtp_url_the_worker_prints_the_mail_and_the_request_does_not(app, client, make_user, capsys):
    make_user("Jean Dupont", email="jean@example.org")
    assert app.config["SIP_SMTP_URL"] is None
    client.post("/password-reset?lang=en", data={"email": "jean@example.org"})
    assert "jean@example.org" not in capsys.readouterr().out
    assert delivered(app).sent == 1
    printed = capsys.readouterr().out
    assert "To: jean@example.org" in printed and "http://sip.test/password-reset/" in printed
    assert "Message-ID: <outbox.1." in printed


# --- claims ---------------------------------------------------------------------------------------


def test_of_two_claims_of_the_same_row_exactly_one_wins(app):
    [mail_id] = queue_mail(app)
    with app.app_context():
        assert outbox.claim([mail_id]) == [mail_id]
    with app.app_context():
        assert outbox.claim([mail_id]) == []
        assert outbox.claim(None) == []
    assert rows(app)[0].state == "sending"


def test_workers_sweeping_at_the_same_time_send_each_mail_exactly_once(app, smtp_server):
    queue_mail(app, 60)
    errors = []

    def worker():
        try:
            with app.app_context():
                outbox.deliver_due()
        except Exception as error:  # noqa: BLE001  reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    ids = message_ids(smtp_server.messages)
    assert len(ids) == len(set(ids)) == 60
    assert {row.state for row in rows(app)} == {"sent"}


def test_a_mail_waiting_for_its_retry_is_not_claimed_before_its_time(app, smtp_server):
    [mail_id] = queue_mail(app)
    with app.app_context():
        db.session.execute(update(OutboxMail).values(next_attempt_at=later(minutes=5)))
        db.session.commit()
        assert outbox.claim([mail_id]) == [] and outbox.claim(None) == []
    assert delivered(app, smtp_server, now=later(minutes=6))[0]["Subject"] == "Subject 0"


# --- retries --------------------------------------------------------------------------------------


def test_failures_are_retried_after_1_2_4_minutes_capped_at_an_hour_and_fail_for_good_after_8(
        app, smtp_server, caplog):
    caplog.set_level(logging.DEBUG)
    smtp_server.stop()
    [mail_id] = queue_mail(app)
    now, waits = datetime.now(timezone.utc), []
    for attempt in range(1, 8):
        result = delivered(app, now=now)
        assert (result.retried, result.failed) == (1, 0)
        [row] = rows(app)
        assert (row.state, row.attempts) == ("queued", attempt)
        wait = as_utc(row.next_attempt_at) - now
        waits.append(int(wait.total_seconds() // 60))
        assert delivered(app, now=now + wait - timedelta(seconds=1)).retried == 0  # not before its time
        now += wait
    assert waits == [1, 2, 4, 8, 16, 32, 60]
    assert delivered(app, now=now).failed == 1
    [row] = rows(app)
    assert (row.id, row.state, row.attempts) == (mail_id, "failed", 8)
    assert row.last_error.startswith("unreachable: ConnectionRefusedError")
    assert delivered(app, now=now + timedelta(days=1)).failed == 0  # failed for good: left alone
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "failed for good" in logged
    for text in (ADDRESS, "Subject 0", "Body 0"):  # no personal data nor content in the log or the row's error
        assert text not in logged and text not in row.last_error


def test_an_unreachable_server_costs_one_attempt_per_sweep_not_one_per_mail(app, smtp_server):
    smtp_server.stop()
    queue_mail(app, 5)
    result = delivered(app)
    assert (result.sent, result.retried) == (0, 1)
    assert sorted(row.attempts for row in rows(app)) == [0, 0, 0, 0, 1]
    assert {row.state for row in rows(app)} == {"queued"}
    smtp_server.start()
    assert delivered(app).sent == 4  # the others go at the next sweep; the first after its back-off
    assert delivered(app, now=later(minutes=2)).sent == 1


def test_a_mail_the_server_refuses_for_good_fails_at_once(app, monkeypatch):
    def refuse(self, message):
        raise smtplib.SMTPRecipientsRefused({message["To"]: (550, b"5.1.1 <zoe.secret@example.org> unknown")})

    app.config["SIP_SMTP_URL"] = "smtp://127.0.0.1:9"
    monkeypatch.setattr("sip.core.mail.Postman.send", refuse)
    queue_mail(app)
    assert delivered(app).failed == 1
    [row] = rows(app)
    assert (row.state, row.attempts, row.last_error) == ("failed", 1, "SMTPRecipientsRefused 550")


def test_a_row_left_sending_past_the_lease_by_a_dead_worker_is_sent_again(app, smtp_server):
    stuck, recent = queue_mail(app, 2)
    with app.app_context():
        db.session.execute(update(OutboxMail).where(OutboxMail.id == stuck)
                           .values(state="sending", claimed_at=later(minutes=-11)))
        db.session.execute(update(OutboxMail).where(OutboxMail.id == recent)
                           .values(state="sending", claimed_at=later(minutes=-5)))  # a live worker's
        db.session.commit()
    result = delivered(app)
    assert (result.recovered, result.sent) == (1, 1)
    by_id = {row.id: row for row in rows(app)}
    assert (by_id[stuck].state, by_id[stuck].attempts) == ("sent", 1)
    assert by_id[recent].state == "sending"
    assert [m["Subject"] for m in smtp_server.messages] == ["Subject 0"]


def test_retry_failed_queues_failed_mail_again_and_the_status_command_counts(app, smtp_server):
    ids = queue_mail(app, 3)
    with app.app_context():
        db.session.execute(update(OutboxMail).where(OutboxMail.id == ids[0]).values(state="failed", attempts=8))
        db.session.commit()
    runner = app.test_cli_runner()
    assert "2 queued, 0 sending, 0 sent, 1 failed." in runner.invoke(args=["sip", "outbox"]).output
    result = runner.invoke(args=["sip", "outbox", "retry-failed"])
    assert result.exit_code == 0 and "1 failed e-mail queued again." in result.output
    assert delivered(app).sent == 3
    assert "0 queued, 0 sending, 3 sent, 0 failed." in runner.invoke(args=["sip", "outbox"]).output
    with app.app_context():
        assert db.session.scalar(select(AuditEntry.after).where(AuditEntry.action == "outbox.retried")) == {"count": 1}


# --- user actions with the mail server stopped ----------------------------------------------------


@pytest.fixture
def mail_server_down(app, smtp_server):
    """The loopback SMTP server, stopped (connections refused) until the test starts it again."""
    smtp_server.stop()
    return smtp_server


def test_with_the_mail_server_down_every_action_succeeds_and_each_mail_arrives_once_when_it_is_back(
        seeded, mail_server_down, make_user):
    from tests.reporting.test_reminders import TODAY, open_period

    smtp_server = mail_server_down
    from sip.reporting import services as reporting
    from sip.plan.queries import current_strategy

    with seeded.app_context():
        reporting.ensure_periods(current_strategy())
        db.session.commit()
    admin = make_user("Rita Rome", admin=True, email="rita@example.org")
    make_user("Jean Dupont", email="jean@example.org")
    make_user("Lena Lead", bodies=[("wg-training", "lead")], email="lena@example.org")
    open_period(seeded, TODAY + timedelta(days=3))
    secretariat = seeded.test_client()
    log_in(secretariat, admin)
    reset = seeded.test_client().post("/password-reset?lang=en", data={"email": "jean@example.org"})
    invite = secretariat.post("/admin/people/invite?lang=en", data={"email": "new@example.org", "name": "New One"})
    remind = seeded.test_cli_runner().invoke(args=["sip", "remind", "--today", TODAY.isoformat()])
    assert (reset.status_code, invite.status_code, remind.exit_code) == (302, 302, 0)
    first = delivered(seeded)  # the worker tries: the server is down
    assert first.sent == 0 and first.retried == 1 and smtp_server.messages == []
    smtp_server.start()
    assert delivered(seeded).sent >= 2  # the ones not yet tried go at the next sweep
    assert delivered(seeded, now=later(minutes=2)).sent == 1  # and the one that failed after its back-off
    assert delivered(seeded, now=later(hours=3)).sent == 0
    ids = message_ids(smtp_server.messages)
    assert len(ids) == len(set(ids)) == len(rows(seeded))  # every queued mail, each exactly once
    assert {row.state for row in rows(seeded)} == {"sent"}
    kinds = {row.to_address: row.kind for row in rows(seeded)}
    assert {kinds["jean@example.org"], kinds["new@example.org"], kinds["lena@example.org"]} == {
        "password_reset", "invitation", "reminder.lead"}


def test_the_reset_page_answers_the_same_for_known_and_unknown_addresses_with_the_server_down(
        app, mail_server_down, make_user):
    make_user("Jean Dupont", email="jean@example.org")
    known = app.test_client().post("/password-reset?lang=en", data={"email": "jean@example.org"},
                                   follow_redirects=True)
    unknown = app.test_client().post("/password-reset?lang=en", data={"email": "nobody@example.org"},
                                     follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert page_text(known) == page_text(unknown)
    assert "a link to reset its password is on its way" in page_text(known)
    assert mail_server_down.messages == []


# --- periodic jobs ---------------------------------------------------------------------------------


def test_domains_register_periodic_jobs_and_the_daily_reminders_are_one_of_them(app):
    ran = []

    @queue.periodic("30 6 * * 1", name="test-weekly")
    def weekly():
        ran.append(True)

    try:
        app.config["SIP_QUEUE_URL"] = "memory://"
        jobs = queue.get_queue(app).jobs
        assert {"daily-reminders", "test-weekly"} <= set(jobs)
        jobs["test-weekly"].call_local()
        assert ran == [True]
        monday = datetime(2026, 11, 23, 6, 30)
        validate = jobs["test-weekly"].task_class().validate_datetime
        assert validate(monday) and not validate(monday)  # once in its minute, however often the scheduler looks
        assert not validate(monday + timedelta(days=1))
    finally:
        queue.PERIODIC[:] = [job for job in queue.PERIODIC if job.name != "test-weekly"]


def test_the_daily_reminders_can_be_left_to_cron(app):
    app.config.update(SIP_QUEUE_URL="memory://", SIP_REMINDERS_CRON="off")
    assert "daily-reminders" not in queue.get_queue(app).jobs


def test_the_workers_daily_reminders_queue_what_sip_remind_would(seeded, make_user):
    from tests.reporting.test_reminders import TODAY, open_period
    from sip.plan.queries import current_strategy
    from sip.reporting import services as reporting

    with seeded.app_context():
        reporting.ensure_periods(current_strategy())
        db.session.commit()
    make_user("Lena Lead", bodies=[("wg-training", "lead")], email="lena@example.org")
    open_period(seeded, TODAY + timedelta(days=3))
    seeded.config["SIP_QUEUE_URL"] = "memory://"
    seeded.extensions.pop(queue.EXTENSION, None)  # made ("off") at the first commit above
    job = queue.get_queue(seeded).jobs["daily-reminders"]
    job.call_local()
    job.call_local()  # twice the same day: still one reminder
    assert [row.to_address for row in rows(seeded) if row.kind == "reminder.lead"] == ["lena@example.org"]


# --- rows for many people -------------------------------------------------------------------------


@pytest.fixture
def team_expander(monkeypatch):
    """A test expander: one e-mail per address listed in the row's arguments; it fails while `broken` is set."""
    state = {"calls": 0, "broken": False}

    def expand(args):
        state["calls"] += 1
        if state["broken"]:
            raise RuntimeError("cannot write the e-mails yet")
        return [{"kind": "test", "to_address": to, "subject": "For the team", "body": f"Hello {to}\n"}
                for to in args["to"]]

    monkeypatch.setitem(outbox.EXPANDERS, "test.team", expand)
    return state


def queue_for_team(app, addresses) -> int:
    """One committed row standing for an e-mail to each address; its id."""
    with app.app_context():
        row = outbox.enqueue_for_many("test.team", {"to": list(addresses)}, kind="test")
        db.session.commit()
        return row.id


def test_a_row_for_many_people_becomes_one_mail_each_sent_in_the_same_sweep_and_written_once(
        app, smtp_server, team_expander):
    team = [f"member{n}@example.org" for n in range(3)]
    row_id = queue_for_team(app, team)
    with app.app_context():
        assert outbox.deliver_due().sent == 3
        assert outbox.deliver_due().sent == 0
    assert sorted(m["To"] for m in smtp_server.messages) == team
    assert team_expander["calls"] == 1
    states = {row.id: (row.state, row.to_address) for row in rows(app)}
    assert states[row_id] == ("sent", "")
    assert sorted(to for state, to in states.values() if to) == team


def test_a_row_for_many_is_written_out_when_the_queue_asks_for_it_after_the_commit(app, smtp_server, team_expander):
    row_id = queue_for_team(app, ["one@example.org", "two@example.org"])
    with app.app_context():
        assert outbox.deliver([row_id]).sent == 2
    assert sorted(m["To"] for m in smtp_server.messages) == ["one@example.org", "two@example.org"]


def test_an_expander_that_fails_is_retried_after_the_back_off_and_writes_nothing_meanwhile(
        app, smtp_server, team_expander):
    team_expander["broken"] = True
    row_id = queue_for_team(app, ["one@example.org"])
    with app.app_context():
        outbox.deliver_due()
    [row] = rows(app)
    assert (row.id, row.state, row.attempts, row.last_error) == (row_id, "queued", 1, "RuntimeError")
    team_expander["broken"] = False
    with app.app_context():
        assert outbox.deliver_due().sent == 0  # not before its time
        assert outbox.deliver_due(now=later(minutes=2)).sent == 1
    assert [m["To"] for m in smtp_server.messages] == ["one@example.org"]
