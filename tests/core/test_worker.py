"""The real worker: `flask --app app sip worker` as a process of its own, sending the outbox to the loopback SMTP
server, and losing nothing (nor sending anything twice) when it is killed with mail queued and started again.

Runs on the test's database: a SQLite file, or PostgreSQL when SIP_TEST_DATABASE_URL is set.
"""
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from sip.config import ROOT
from sip.core import outbox
from sip.core.models import OutboxMail, utcnow
from sip.extensions import db
from tests.smtp import message_ids

TIMEOUT = 30  # seconds to wait for mail; a worker starts in about two


@pytest.fixture
def worker(app, smtp_server, database_url, tmp_path):
    """Starts `flask sip worker` processes on this test's database and queue; stops them all at the end."""
    queue_url = f"sqlite:///{tmp_path / 'queue.sqlite'}"
    app.config["SIP_QUEUE_URL"] = queue_url  # the test app's commits tell this worker, as the web app would
    env = {**os.environ, "SIP_DATABASE_URL": database_url, "SIP_QUEUE_URL": queue_url,
           "SIP_SMTP_URL": app.config["SIP_SMTP_URL"], "SIP_ENV": "development", "SECRET_KEY": "w" * 48,
           "SIP_INSTANCE_PATH": str(tmp_path), "SIP_WORKER_SWEEP_SECONDS": "1", "SIP_OUTBOX_LEASE_SECONDS": "2",
           "SIP_OUTBOX_RETRY_SECONDS": "1", "SIP_REMINDERS_CRON": "off", "FLASK_DEBUG": "0"}
    started = []

    def start() -> subprocess.Popen:
        log = open(tmp_path / f"worker-{len(started)}.log", "w")  # closed with the process, at the end
        process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "sip", "worker", "--threads", "2"],
                                   cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append((process, log))
        return process

    yield start
    for process, log in started:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def queue_mail(app, first: int, count: int) -> list[int]:
    """Queue e-mails numbered first … first+count-1 in one transaction (the worker hears of them after commit)."""
    with app.app_context():
        mails = [outbox.enqueue(f"person{n}@example.org", f"Mail {n}", f"Body {n}\n", kind="test")
                 for n in range(first, first + count)]
        db.session.commit()
        return [mail.id for mail in mails]


def wait_for(condition, what: str) -> None:
    """Poll until `condition()` is true, failing after TIMEOUT seconds."""
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


def states(app) -> dict[int, str]:
    """Each outbox row's state."""
    with app.app_context():
        found = dict(db.session.execute(select(OutboxMail.id, OutboxMail.state)).all())
        db.session.remove()
        return found


def test_the_worker_sends_queued_mail_and_after_a_kill_9_every_mail_arrives_exactly_once(app, smtp_server, worker):
    process = worker()
    queue_mail(app, 0, 5)
    wait_for(lambda: len(smtp_server.messages) == 5, "the first five e-mails")
    assert set(states(app).values()) == {"sent"}

    os.kill(process.pid, signal.SIGSTOP)  # frozen: the mail queued now waits, in the outbox and in huey's queue
    queue_mail(app, 5, 5)
    [claimed] = queue_mail(app, 10, 1)
    with app.app_context():  # as if the worker had claimed this one just before it died
        db.session.execute(update(OutboxMail).where(OutboxMail.id == claimed)
                           .values(state="sending", claimed_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    time.sleep(0.5)
    assert len(smtp_server.messages) == 5  # nothing went while it was down

    worker()
    wait_for(lambda: len(smtp_server.messages) >= 11, "the six e-mails queued while the worker was down")
    time.sleep(2)  # long enough for a duplicate to show up, were there one
    ids = message_ids(smtp_server.messages)
    assert len(ids) == len(set(ids)) == 11
    assert sorted(m["Subject"] for m in smtp_server.messages) == sorted(f"Mail {n}" for n in range(11))
    assert set(states(app).values()) == {"sent"}


def test_the_worker_retries_while_the_mail_server_is_down_and_delivers_once_it_is_back(app, smtp_server, worker):
    smtp_server.stop()
    worker()
    queue_mail(app, 0, 3)
    with app.app_context():
        wait_for(lambda: db.session.scalar(select(OutboxMail.attempts).order_by(OutboxMail.attempts.desc())
                                           .limit(1)) or db.session.remove(), "a failed attempt")
    assert smtp_server.messages == []
    smtp_server.start()
    wait_for(lambda: len(smtp_server.messages) == 3, "the three e-mails after the server came back")
    time.sleep(1.5)
    ids = message_ids(smtp_server.messages)
    assert len(ids) == len(set(ids)) == 3
