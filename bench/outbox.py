"""Benchmark the outbox worker: e-mails per second sent to a loopback SMTP server (aiosmtpd), against a floor
measured in the same run, on the same server: the same messages sent with plain smtplib over one connection.

What is timed: the worker's sweep (`deliver_due`: claim a batch, read it, send each, commit each as sent), the
per-commit task (`deliver(ids)`, what runs right after a transaction that queued mail), and queueing itself
(`enqueue` × N and one commit, what a web request pays). The ratio says how much of the sending time the outbox's
bookkeeping adds to the bare SMTP conversation.

Run: `.venv/bin/python bench/outbox.py [--mails 500] [--repeat 3] [--postgres URL]` (the PostgreSQL database's
outbox_mail table is emptied). Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import logging
import smtplib
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script, bench/ is on the path but the project is not
    sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import delete  # noqa: E402

from sip import create_app  # noqa: E402
from sip.config import TestConfig  # noqa: E402
from sip.core import outbox  # noqa: E402
from sip.core.models import OutboxMail  # noqa: E402
from sip.extensions import db  # noqa: E402

HEADERS = {"List-Unsubscribe": "<http://sip.test/unsubscribe/token>", "List-Unsubscribe-Post":
           "List-Unsubscribe=One-Click"}
BODY = ("Bonjour Zoé,\n\nLe rapport du groupe de travail Formation pour 2026-Q4 a été soumis. Ouvrez-le ici :\n"
        "http://sip.test/reports/2026-Q4/wg-training\n\n-- \nVous recevez cet e-mail parce que… \n") * 3


class Counter:
    """An SMTP handler that only counts what it accepts (the same cheap server for the floor and the worker)."""

    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _queue(mails: int) -> list[int]:
    """Queue `mails` e-mails in one transaction; their ids."""
    rows = [outbox.enqueue(f"person{n}@example.org", f"Report submitted ({n})", BODY, kind="bench", headers=HEADERS)
            for n in range(mails)]
    db.session.commit()
    return [row.id for row in rows]


def _empty() -> None:
    db.session.execute(delete(OutboxMail))
    db.session.commit()


def measure(app, counter: Counter, mails: int, repeat: int) -> dict[str, float]:
    """Median seconds of each way of sending `mails` e-mails (and of queueing them)."""
    timings: dict[str, list[float]] = {"floor": [], "sweep": [], "task": [], "queue": []}
    with app.app_context():
        for _ in range(repeat):
            _empty()
            ids = _queue(mails)
            messages = [outbox.message_for(db.session.get(OutboxMail, mail_id)) for mail_id in ids]
            db.session.commit()
            before = counter.count
            start = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", counter.port) as server:
                for message in messages:
                    server.send_message(message)
            timings["floor"].append(time.perf_counter() - start)
            assert counter.count - before == mails

            before = counter.count
            start = time.perf_counter()
            done = outbox.deliver_due()
            timings["sweep"].append(time.perf_counter() - start)
            assert done.sent == mails == counter.count - before, done

            _empty()
            start = time.perf_counter()
            ids = _queue(mails)
            timings["queue"].append(time.perf_counter() - start)
            before = counter.count
            start = time.perf_counter()
            done = outbox.deliver(ids)
            timings["task"].append(time.perf_counter() - start)
            assert done.sent == mails == counter.count - before, done
        _empty()
    return {name: statistics.median(values) for name, values in timings.items()}


def table(label: str, mails: int, seconds: dict[str, float]) -> str:
    """Markdown rows: mails per second and the ratio to the floor."""
    floor = mails / seconds["floor"]
    rows = [f"| {label} | plain smtplib, one connection (floor) | {floor:,.0f} | 1.00 |"]
    for name, what in (("sweep", "worker sweep `deliver_due()`"), ("task", "per-commit task `deliver(ids)`")):
        rate = mails / seconds[name]
        rows.append(f"| {label} | {what} | {rate:,.0f} | {floor / rate:.2f} |")
    rows.append(f"| {label} | queueing: `enqueue` × {mails} + one commit | {mails / seconds['queue']:,.0f} | – |")
    return "\n".join(rows)


def run(url: str, label: str, counter: Counter, mails: int, repeat: int) -> str:
    """Measure on one database."""
    app = create_app(TestConfig(url))
    app.config["SIP_SMTP_URL"] = f"smtp://127.0.0.1:{counter.port}"
    with app.app_context():
        if url.startswith("sqlite"):
            db.create_all()
        else:
            OutboxMail.__table__.create(db.engine, checkfirst=True)
    seconds = measure(app, counter, mails, repeat)
    with app.app_context():
        db.engine.dispose()
    return table(label, mails, seconds)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=500, help="e-mails per run (default 500)")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the median is kept (default 3)")
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    options = parser.parse_args(argv)
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    counter = Counter()
    counter.port = _free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=counter.port)
    controller.start()
    try:
        lines = ["| database | how | mails/s | floor ÷ this |", "| --- | --- | ---: | ---: |"]
        with tempfile.TemporaryDirectory(prefix="sip-bench-outbox-") as folder:
            lines.append(run(f"sqlite:///{folder}/bench.sqlite", "SQLite", counter, options.mails, options.repeat))
        if options.postgres:
            lines.append(run(options.postgres, "PostgreSQL", counter, options.mails, options.repeat))
    finally:
        controller.stop()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
