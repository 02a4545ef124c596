"""Writes to the plan (loading the seed) and checks of its consistency."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from sip.bodies.models import Body
from sip.bodies.services import ensure_bodies
from sip.core import audit
from sip.extensions import db
from sip.governance import history
from sip.plan import consistency
from sip.plan.models import default_accountable, Activity, Commitment, GlossaryTerm, Outcome, Output, Pillar, Responsibility, Strategy


@dataclass
class SeedResult:
    """What loading the seed did."""

    bodies_created: int
    strategy_created: bool
    counts: dict


def load_seed(plan: dict, bodies: list[dict], commitments: dict, glossary: list[dict]) -> SeedResult:
    """Load the seed's bodies and plan; a plan already present is left as it is (idempotent)."""
    bodies_created = ensure_bodies(bodies)
    code = plan["strategy"]["code"]
    existing = db.session.scalar(select(Strategy).where(Strategy.code == code))
    if existing:
        history.ensure_baseline(existing)  # a plan loaded before versions existed (the migration also does this)
        return SeedResult(bodies_created, False, {})
    body_ids = dict(db.session.execute(select(Body.slug, Body.id)).all())
    strategy = _add_strategy(plan["strategy"], commitments)
    counts = _add_pillars(strategy, plan["pillars"], body_ids)
    counts["commitments"] = _add_commitments(strategy, commitments["items"])
    counts["glossary"] = _add_glossary(strategy, glossary, body_ids)
    audit.record("plan.seed_loaded", "strategy", strategy.id, after={"code": code, **counts})
    history.ensure_baseline(strategy)  # the seed is the first version of the plan: "November 2023 revision"
    return SeedResult(bodies_created, True, counts)


def _add_strategy(record: dict, commitments: dict) -> Strategy:
    """Create the strategy row."""
    strategy = Strategy(
        code=record["code"],
        title=record["title"],
        revision=record.get("revision"),
        starts_on=date.fromisoformat(record["starts_on"]),
        ends_on=date.fromisoformat(record["ends_on"]),
        sections=record.get("sections", []),
        commitments_intro={key: value for key, value in commitments.items() if key != "items"},
    )
    db.session.add(strategy)
    db.session.flush()
    return strategy


def _add_pillars(strategy: Strategy, pillars: list[dict], body_ids: dict) -> dict:
    """Create pillars, outcomes, outputs, activities and responsibilities; return counts."""
    counts = dict(pillars=0, outcomes=0, outputs=0, activities=0, responsibilities=0)
    position = 0
    for p in pillars:
        pillar = Pillar(strategy=strategy, number=p["number"], title=p["title"], goal=p["goal"])
        counts["pillars"] += 1
        for o in p["outcomes"]:
            position += 1
            outcome = Outcome(pillar=pillar, code=o["code"], text=o["text"], position=position)
            counts["outcomes"] += 1
            for u in o["outputs"]:
                position += 1
                output = Output(outcome=outcome, code=u["code"], text=u["text"], position=position)
                counts["outputs"] += 1
                for a in u["activities"]:
                    position += 1
                    output.activities.append(_activity(strategy, a, position, body_ids))
                    counts["activities"] += 1
                    counts["responsibilities"] += len(a["responsibilities"])
        db.session.add(pillar)
    db.session.flush()
    return counts


def _activity(strategy: Strategy, record: dict, position: int, body_ids: dict) -> Activity:
    """Build one activity with its responsibilities."""
    activity = Activity(
        strategy_id=strategy.id,
        code=record["code"],
        text=record["text"],
        plan_status=record["status"],
        position=position,
        footnote=record.get("footnote"),
        footnote_url=record.get("footnote_url"),
    )
    for index, r in enumerate(record["responsibilities"]):
        activity.responsibilities.append(
            Responsibility(body_id=body_ids[r["body"]], role=r["role"], note=r.get("note"), position=index)
        )
    activity.accountable_body_id = default_accountable(activity.responsibilities)
    return activity


def _add_commitments(strategy: Strategy, items: list[dict]) -> int:
    """Create the minimum commitments; return how many."""
    db.session.add_all(Commitment(strategy_id=strategy.id, number=i["number"], text=i["text"]) for i in items)
    return len(items)


def _add_glossary(strategy: Strategy, terms: list[dict], body_ids: dict) -> int:
    """Create the glossary; return how many terms."""
    for position, t in enumerate(terms, start=1):
        db.session.add(
            GlossaryTerm(
                strategy_id=strategy.id,
                position=position,
                term=t["term"],
                definition=t["definition"],
                source=t.get("source"),
                body_id=body_ids.get(t.get("body")),
            )
        )
    return len(terms)


def check_plan(strategy: Strategy) -> tuple[list, list]:
    """Numbering warnings and hard errors of the plan as stored."""
    from sip.plan.queries import load_tree

    return consistency.check(load_tree(strategy))
