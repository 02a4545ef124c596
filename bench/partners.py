"""What the partner register costs as it grows: the register's first page, a filtered page, an organisation's page,
the HXL and Excel exports of the whole register, the SAG dashboard's localisation section on its own, and the
secretariat's commitments page, each as a ratio of the floor (`/healthz`, one `SELECT 1`) measured in the same run.

Run: `.venv/bin/python bench/partners.py [--organisations 2000] [--requests 40] [--postgres URL]`.

On a temporary SQLite file (and, with --postgres, on a throwaway PostgreSQL database whose tables are dropped and
recreated) with the real plan: `--organisations` organisations of every type operating in three countries each,
one person per organisation in a working group (the plan's working groups in turn) and its focal point, and one
partner in three having acknowledged the commitments. Each page is requested 5 times to warm up, then `--requests`
times through the test client, signed in as a secretariat member. Prints p50 and p95 in ms, the queries per request
and p50 × floor.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bench.notify import PASSWORD, fresh_app  # noqa: E402
from sip.extensions import db  # noqa: E402

TYPES = ("UN", "INGO", "NNGO", "CBO", "RCRC", "government", "private", "academia")
COUNTRIES = ("ML", "NE", "TD", "BF", "SD", "SS", "YE", "HT", "CD", "KE", "SO", "BD")


def build(app, organisations: int) -> dict:
    """The register and a secretariat member; the id of one organisation."""
    from sip.accounts.models import Membership, Organisation, User
    from sip.accounts.passwords import hash_password
    from sip.bodies.models import Body
    from sip.bodies.queries import find_body
    from sip.partners.models import CommitmentAcknowledgement, FocalPoint
    from sip.plan.queries import current_strategy

    with app.app_context():
        rome = User(email="rome@example.org", name="Rome", language="en", password_hash=hash_password(PASSWORD))
        db.session.add_all([rome, Membership(user=rome, body=find_body("rome-support-team"), role="member",
                                             since=date(2020, 1, 1))])
        groups = list(db.session.scalars(db.select(Body).where(Body.kind == "working_group")))
        strategy = current_strategy()
        rows = [Organisation(name=f"Organisation {n:05d}", acronym=f"O{n}", kind="stakeholder" if n % 5 == 0
                             else "partner", type=TYPES[n % len(TYPES)], country=COUNTRIES[n % len(COUNTRIES)],
                             countries=[COUNTRIES[(n + k) % len(COUNTRIES)] for k in range(3)],
                             website=f"https://o{n}.example.org", joined_on=date(2023, 1, 1))
                for n in range(organisations)]
        db.session.add_all(rows)
        db.session.flush()
        people = [User(email=f"p{n}@example.org", name=f"Person {n}", organisation_id=o.id)
                  for n, o in enumerate(rows)]
        db.session.add_all(people)
        db.session.flush()
        for n, (organisation, person) in enumerate(zip(rows, people, strict=True)):
            db.session.add(Membership(user_id=person.id, body_id=groups[n % len(groups)].id, role="member",
                                      since=date(2023, 1, 1)))
            db.session.add(FocalPoint(organisation_id=organisation.id, user_id=person.id, since=date(2023, 1, 1)))
            if organisation.kind == "partner" and n % 3 == 0:
                db.session.add(CommitmentAcknowledgement(organisation_id=organisation.id, strategy_id=strategy.id,
                                                         user_id=person.id))
        db.session.commit()
        return {"organisation": rows[len(rows) // 2].id}


def measure(app, paths: list[tuple[str, object]], requests: int) -> list[tuple]:
    """(label, p50, p95, queries per request) of each path (or callable), signed in as the secretariat."""
    client = app.test_client()
    client.post("/login", data={"email": "rome@example.org", "password": PASSWORD})
    counter = {"n": 0}
    with app.app_context():
        engine = db.engine

    def count(*_args):
        counter["n"] += 1

    def once(target):
        if callable(target):
            with app.test_request_context("/dashboards/sag"):
                target()
                db.session.remove()
            return
        assert client.get(target).status_code == 200, target

    event.listen(engine, "before_cursor_execute", count)
    rows = []
    try:
        for label, target in paths:
            for _ in range(5):
                once(target)
            times = []
            counter["n"] = 0
            for _ in range(requests):
                began = time.perf_counter()
                once(target)
                times.append((time.perf_counter() - began) * 1000)
            rows.append((label, statistics.median(times), statistics.quantiles(times, n=20)[-1],
                         counter["n"] / requests))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return rows


def run(url: str, organisations: int, requests: int, name: str) -> list[str]:
    """The table rows of one database."""
    from sip.partners.figures import dashboard_charts

    app = fresh_app(url)
    ids = build(app, organisations)
    paths = [("`/healthz` (floor)", "/healthz"), ("`/partners` (first page of 50)", "/partners"),
             ("`/partners?type=NNGO&country=ML`", "/partners?type=NNGO&country=ML"),
             ("`/partners/<id>`", f"/partners/{ids['organisation']}"),
             (f"`/partners/register.csv` (HXL, {organisations})", "/partners/register.csv"),
             (f"`/partners/register.xlsx` ({organisations})", "/partners/register.xlsx"),
             ("SAG dashboard's localisation section", lambda: dashboard_charts("en")),
             ("`/partners/commitments`", "/partners/commitments")]
    rows = measure(app, paths, requests)
    floor = rows[0][1]
    return [f"| {label} | {name} | {p50:.2f} | {p95:.2f} | {queries:.0f} | {p50 / floor:.1f} |"
            for label, p50, p95, queries in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--postgres")
    args = parser.parse_args()
    lines = ["| page | database | p50 ms | p95 ms | queries/request | p50 × floor |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    with tempfile.TemporaryDirectory() as folder:
        lines += run(f"sqlite:///{Path(folder) / 'bench.sqlite'}", args.organisations, args.requests, "SQLite")
    if args.postgres:
        lines += run(args.postgres, args.organisations, args.requests, "PostgreSQL")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
