"""What the meetings' pages and calendars cost as meetings pile up: the list, a busy GLM's page, a person's calendar
feed and a minutes PDF, each as a ratio of the floor (`/healthz`, one `SELECT 1`) measured in the same run.

Run: `.venv/bin/python bench/meetings.py [--meetings 300] [--requests 40] [--postgres URL]`.

On a temporary SQLite file (and, with --postgres, on a throwaway PostgreSQL database whose tables are dropped and
recreated) with the real plan: `--meetings` meetings of the training group over the last years (each with 20 people
present) and one GLM with 120 people of 60 organisations present. Each page is
requested 5 times to warm up, then `--requests` times through the test client, signed in as the group's lead (who
sees every meeting in their feed). Prints p50 and p95 in ms, the queries per request and p50 × floor.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bench.notify import PASSWORD, fresh_app  # noqa: E402
from sip.extensions import db  # noqa: E402


def build(app, meetings: int) -> dict:
    """The people, organisations and meetings; the ids the pages need."""
    from sip.accounts.models import Membership, Organisation, User
    from sip.accounts.passwords import hash_password
    from sip.bodies.queries import find_body
    from sip.meetings import calendars, services
    from sip.meetings.models import Attendance, Meeting
    from sip.plan.queries import current_strategy
    from sip.reporting.services import find_period, set_glm

    with app.app_context():
        lead = User(email="lead@example.org", name="Lead", language="en", password_hash=hash_password(PASSWORD))
        rome = User(email="rome@example.org", name="Rome", language="en")
        db.session.add_all([lead, rome,
                            Membership(user=lead, body=find_body("wg-training"), role="lead", since=date(2020, 1, 1)),
                            Membership(user=rome, body=find_body("rome-support-team"), role="member",
                                       since=date(2020, 1, 1))])
        organisations = [Organisation(name=f"Org {n}", kind="partner" if n % 4 else "stakeholder",
                                      type="NNGO" if n % 3 == 0 else "INGO") for n in range(60)]
        delegates = [User(email=f"d{n}@example.org", name=f"Delegate {n}", organisation=organisations[n % 60])
                     for n in range(120)]
        db.session.add_all(organisations + delegates)
        db.session.commit()
        start = datetime.now() - timedelta(days=7 * meetings)
        body = find_body("wg-training")
        for n in range(meetings):
            meeting = Meeting(body_id=body.id, kind="wg", title={"en": f"Call {n}"}, languages=["en"],
                              starts_at=(start + timedelta(days=7 * n)).astimezone(), timezone="Europe/Rome",
                              link="https://meet.example.org/x", duration_minutes=60)
            db.session.add(meeting)
            db.session.flush()
            db.session.add_all([Attendance(meeting_id=meeting.id, user_id=delegates[(n + k) % 120].id,
                                           organisation_id=delegates[(n + k) % 120].organisation_id)
                                for k in range(20)])
        db.session.commit()
        period = find_period(current_strategy(), "2026-Q4")
        set_glm(period, True, "GLM", actor=None)
        glm = services.create_meeting(services.MeetingData(
            body=find_body("glc"), kind="glm", title={"en": "GLM"}, starts=datetime.now() - timedelta(days=2),
            place="Rome", languages=["en"], period=period), rome)
        for person in delegates:
            services.record_attendance(glm, rome, person=person)
        services.save_minutes(glm, rome, "Minutes. " * 400, "en")
        services.circulate_minutes(glm, rome)
        services.endorse_minutes(glm, rome)
        token = calendars.token_for("user", lead.id, services.calendar_salt("user", lead.id))
        db.session.commit()
        return {"glm": glm.id, "token": token}


def measure(app, paths: list[tuple[str, str]], requests: int) -> list[tuple]:
    """(label, p50, p95, queries per request) of each path, signed in as the lead."""
    client = app.test_client()
    client.post("/login", data={"email": "lead@example.org", "password": PASSWORD})
    counter = {"n": 0}
    with app.app_context():
        engine = db.engine

    def count(*_args):
        counter["n"] += 1

    event.listen(engine, "before_cursor_execute", count)
    rows = []
    try:
        for label, path in paths:
            for _ in range(5):
                assert client.get(path).status_code == 200, path
            times = []
            counter["n"] = 0
            for _ in range(requests):
                began = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - began) * 1000)
            rows.append((label, statistics.median(times), statistics.quantiles(times, n=20)[-1],
                         counter["n"] / requests))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return rows


def run(url: str, meetings: int, requests: int, name: str) -> list[str]:
    """The table rows of one database."""
    app = fresh_app(url)
    ids = build(app, meetings)
    paths = [("`/healthz` (floor)", "/healthz"), ("`/meetings`", "/meetings"),
             ("`/meetings/<GLM>` (120 present)", f"/meetings/{ids['glm']}"),
             (f"person's feed ({meetings + 1} meetings)", f"/calendar/{ids['token']}.ics"),
             ("minutes PDF", f"/meetings/{ids['glm']}/minutes/1.pdf")]
    rows = measure(app, paths, requests)
    floor = rows[0][1]
    return [f"| {label} | {name} | {p50:.2f} | {p95:.2f} | {queries:.0f} | {p50 / floor:.1f} |"
            for label, p50, p95, queries in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=300)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--postgres")
    args = parser.parse_args()
    lines = ["| page | database | p50 ms | p95 ms | queries/request | p50 × floor |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    with tempfile.TemporaryDirectory() as folder:
        lines += run(f"sqlite:///{Path(folder) / 'bench.sqlite'}", args.meetings, args.requests, "SQLite")
    if args.postgres:
        lines += run(args.postgres, args.meetings, args.requests, "PostgreSQL")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
