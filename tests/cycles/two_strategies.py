"""A world of two strategies, built once per test module: the demo's 2022–2026 plan (periods, people, reports,
amendments, highlights, partners' acknowledgements), closed, and a 2027–2031 plan opened after it as the current one.

The next plan is the seed's plan with every activity's text marked "Next:" / "Suivant :", so that a page tells the
two apart; it has its own periods but no report yet.
"""
import copy
import hashlib
import json
from datetime import date

from sqlalchemy import select

from seed import load_json
from sip import create_app
from sip.accounts.models import User
from sip.config import TestConfig
from sip.extensions import db
from tests.conftest import DEFAULT_PASSWORD, SERVER_URL, _fresh_schema

CLOSED_SLUG, NEXT_SLUG = "2022-2026", "2027-2031"
NEXT_CODE = "glc-sip-2027-2031"
SECRETARIAT = "rome.demo@example.org"
VIEWER = "viewer.demo@example.org"
SAG_MEMBER = "sag.demo@example.org"
DEMO_TODAY = date(2026, 12, 2)


def next_plan() -> dict:
    """The seed's plan as the next strategy: other code, other years, every activity's text marked."""
    plan = copy.deepcopy(load_json("plan.json"))
    plan["strategy"].update(code=NEXT_CODE, starts_on="2027-01-01", ends_on="2031-12-31")
    for pillar in plan["pillars"]:
        for outcome in pillar["outcomes"]:
            for output in outcome["outputs"]:
                for activity in output["activities"]:
                    activity["text"] = {"fr": "Suivant : " + activity["text"]["fr"],
                                        "en": "Next: " + activity["text"]["en"]}
    return plan


def close_and_open(closed_id: int, next_id: int) -> None:
    """The old strategy closed and the next one current (in that order: at most one current), in the test set-up
    rather than through the closing service."""
    from sip.plan import closed
    from sip.plan.models import Strategy

    old, new = db.session.get(Strategy, closed_id), db.session.get(Strategy, next_id)
    with closed.closing():
        old.state = "closed"
        db.session.flush()
    new.state, new.predecessor_id = "current", old.id
    db.session.commit()


def build_two_strategies() -> dict:
    """The demo world with its strategy closed and the next one current, in the current app context; returns ids."""
    from seed.demo_home import create_demo_home
    from seed.demo_meetings import create_demo_meetings
    from seed.demo_pack import create_demo_pack
    from seed.demo_partners import create_demo_partners
    from sip.plan.models import Strategy
    from sip.plan.services import load_seed
    from sip.reporting.services import ensure_periods
    from tests.reporting.test_demo import build_demo

    build_demo()
    create_demo_home(DEMO_TODAY)
    create_demo_pack(DEMO_TODAY)
    create_demo_partners(DEMO_TODAY)
    create_demo_meetings(DEMO_TODAY)
    old = db.session.scalar(select(Strategy).where(Strategy.state == "current"))
    load_seed(next_plan(), load_json("bodies.json"), load_json("commitments.json"), load_json("glossary.json"))
    db.session.commit()
    new = db.session.scalar(select(Strategy).where(Strategy.code == NEXT_CODE))
    assert (old.slug, new.slug, new.state) == (CLOSED_SLUG, NEXT_SLUG, "draft")
    _last_records(old, new)
    close_and_open(old.id, new.id)
    ensure_periods(new)
    db.session.commit()
    secretariat = db.session.scalar(select(User).where(User.email == SECRETARIAT))
    from sip.accounts.passwords import hash_password

    for email in (SECRETARIAT, VIEWER, SAG_MEMBER):  # the demo's passwords are random: give them the tests' one
        db.session.scalar(select(User).where(User.email == email)).password_hash = hash_password(DEFAULT_PASSWORD)
    db.session.commit()
    return {"closed": old.id, "next": new.id, "secretariat": secretariat.id}


def _last_records(old, new) -> None:
    """What the demo lacks and a closed record may hold: a comment on a report, a carry-over decision."""
    from sip.cycles.models import CarryOver
    from sip.plan.models import Activity
    from sip.reporting.models import GroupReport, ReportingPeriod

    report = db.session.scalar(select(GroupReport).join(ReportingPeriod).where(ReportingPeriod.strategy_id == old.id)
                               .order_by(GroupReport.id).limit(1))
    author = db.session.scalar(select(User).where(User.email == SECRETARIAT))
    from sip.reporting.models import ReportComment

    db.session.add(ReportComment(report_id=report.id, author_id=author.id, text="Kept as it was."))
    first = {s: db.session.scalar(select(Activity.id).where(Activity.strategy_id == s, Activity.code == "1.1.1.1"))
             for s in (old.id, new.id)}
    db.session.add(CarryOver(from_activity_id=first[old.id], to_activity_id=first[new.id], decision="continue",
                             decided_by_id=author.id))
    db.session.commit()


def make_world(tmp_path_factory, name: str) -> dict:
    """A new app on a database of its own holding the two strategies; {"app", "closed", "next", "secretariat"}."""
    url = SERVER_URL or f"sqlite:///{tmp_path_factory.mktemp(name) / 'cycles.sqlite'}"
    application = create_app(TestConfig(url))
    with application.app_context():
        _fresh_schema()
        world = build_two_strategies()
        db.session.remove()
    return {"app": application, **world}


def sign_in(client, email: str, password: str = DEFAULT_PASSWORD):
    """Sign a client in by e-mail."""
    return client.post("/login", data={"email": email, "password": password})


# --- what a closed strategy holds ---------------------------------------------------------------------------------


def owned_rows(strategy_id: int) -> dict[str, str]:
    """{table: checksum of its rows that belong to the strategy}, for every table the read-only rule covers (found
    through the registrations of sip.plan.closed, so a table registered later is covered too), and the strategy's
    own row but its closing notes."""
    from sip.plan import closed
    from sip.plan.models import Strategy

    sums = {}
    for cls, (kind, attribute, _relationship) in closed._OWNED.items():
        column = getattr(cls, attribute)
        rows = db.session.execute(select(cls.__table__).order_by(*cls.__table__.primary_key.columns)).all()
        parents = {value for value in db.session.scalars(select(column)) if value is not None}
        strategy_of = ({parent: parent for parent in parents} if kind == "strategy"
                       else closed._RESOLVERS[kind](db.session, parents) if parents else {})
        position = list(cls.__table__.columns.keys()).index(column.property.columns[0].name)
        mine = [tuple(row) for row in rows if strategy_of.get(row[position]) == strategy_id]
        sums[cls.__tablename__] = _checksum(mine)
    row = db.session.execute(select(Strategy.__table__).where(Strategy.id == strategy_id)).one()._asdict()
    row.pop("closing_notes")
    sums["strategy"] = _checksum([tuple(row.items())])
    return sums


def _checksum(rows: list[tuple]) -> str:
    """A short digest of rows (with how many there are, for the failure message)."""
    text = json.dumps(rows, default=str, sort_keys=True)
    return f"{len(rows)}:{hashlib.sha256(text.encode()).hexdigest()[:16]}"
