"""Carry-over decisions: each unfinished activity of the closing plan continues, merges or closes with a reason.

The fixtures here (a world of people, a small next plan built with the models) serve the other cycles tests too.
"""
from datetime import date

import pytest
from sqlalchemy import func, select

from sip.accounts.models import User
from sip.core.models import AuditEntry
from sip.cycles import queries, services
from sip.cycles.models import CarryOver
from sip.cycles.services import CycleError
from sip.extensions import db
from sip.plan.models import Activity, Outcome, Output, Pillar, Strategy
from sip.plan.queries import current_strategy
from sip.reporting.services import ensure_periods
from tests.test_access import MEMBERSHIPS

NEXT_CODES = ("1.1.1.1", "1.1.1.2", "1.1.1.3")  # the small next plan's activities
REASON = {"fr": "Le guide est publié.", "en": "The guidance is published."}


@pytest.fixture
def people(seeded, make_user):
    """The real plan with its periods (none open), and one person per role (ids by role)."""
    ids = {role: make_user(f"{role} person", bodies=bodies) for role, bodies in MEMBERSHIPS.items()}
    with seeded.app_context():
        ensure_periods(current_strategy())
        db.session.commit()
    return ids


def build_next_plan(codes=NEXT_CODES, texts=None, predecessor=True) -> int:
    """A small draft 2027–2030 plan following the current one (inside an app context); returns its id."""
    current = current_strategy() or queries.find_strategy("2022-2026")
    strategy = Strategy(code="glc-sip-2027-2030", title={"fr": "Plan 2027-2030", "en": "Plan 2027-2030"},
                        starts_on=date(2027, 1, 1), ends_on=date(2030, 12, 31), state="draft",
                        predecessor_id=current.id if predecessor and current else None)
    db.session.add(strategy)
    db.session.flush()
    pillar = Pillar(strategy=strategy, number=1, title={"fr": "Pilier", "en": "Pillar"}, goal={"fr": "But", "en": "Goal"})
    outcome = Outcome(pillar=pillar, code="1.1", text={"fr": "Réalisation", "en": "Outcome"}, position=1)
    output = Output(outcome=outcome, code="1.1.1", text={"fr": "Produit", "en": "Output"}, position=2)
    for position, code in enumerate(codes, start=3):
        text = (texts or {}).get(code, {"fr": f"Activité suivante {code}", "en": f"Next activity {code}"})
        output.activities.append(Activity(strategy_id=strategy.id, code=code, text=text, position=position))
    db.session.add(pillar)
    db.session.commit()
    return strategy.id


@pytest.fixture
def next_plan(seeded, people):
    """The id of a small draft 2027–2030 plan that follows the current one."""
    with seeded.app_context():
        return build_next_plan()


def secretariat(people) -> User:
    """The secretariat's person (inside an app context)."""
    return db.session.get(User, people["secretariat"])


def old(code: str) -> Activity:
    """The activity of the 2022–2026 (closing) plan with this code."""
    return queries.activity_by_code(queries.find_strategy("2022-2026"), code)


def new(next_id: int, code: str) -> Activity:
    """The activity of the next plan with this code."""
    return queries.activity_by_code(db.session.get(Strategy, next_id), code)


def counts() -> tuple[int, int]:
    """(carry-over rows, audit entries): a refusal changes neither."""
    return (db.session.scalar(select(func.count()).select_from(CarryOver)),
            db.session.scalar(select(func.count()).select_from(AuditEntry)))


def test_an_unfinished_activity_continues_as_an_activity_of_the_next_plan(seeded, people, next_plan):
    with seeded.app_context():
        services.decide_carry_over(old("1.1.1.2"), "continue", secretariat(people), to_activity=new(next_plan, "1.1.1.1"))
        carry = db.session.scalar(select(CarryOver))
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "carry_over.decided"))
        assert (carry.from_activity.code, carry.to_activity.code, carry.decision) == ("1.1.1.2", "1.1.1.1", "continue")
        assert carry.to_activity.strategy_id == next_plan and carry.decided_by_id == people["secretariat"]
        assert entry.after["activity"] == "1.1.1.2" and entry.after["to"] == "1.1.1.1" and entry.before is None


def test_several_old_activities_merge_into_the_same_new_activity(seeded, people, next_plan):
    with seeded.app_context():
        target = new(next_plan, "1.1.1.3")
        for code in ("1.1.1.3", "1.1.1.4"):
            services.decide_carry_over(old(code), "merge", secretariat(people), to_activity=target)
        merged = db.session.scalars(select(CarryOver).where(CarryOver.to_activity_id == target.id)).all()
        assert sorted(carry.from_activity.code for carry in merged) == ["1.1.1.3", "1.1.1.4"]


def test_two_old_activities_cannot_both_continue_as_one_new_activity(seeded, people, next_plan):
    with seeded.app_context():
        target = new(next_plan, "1.1.1.1")
        services.decide_carry_over(old("1.1.1.2"), "continue", secretariat(people), to_activity=target)
        before = counts()
        with pytest.raises(CycleError, match="merge"):
            services.decide_carry_over(old("1.1.1.3"), "continue", secretariat(people), to_activity=target)
        assert counts() == before


def test_closing_an_activity_without_a_reason_is_refused_and_writes_nothing(seeded, people, next_plan):
    with seeded.app_context():
        before = counts()
        for decision in ("completed", "discontinued"):
            with pytest.raises(CycleError, match="reason is required"):
                services.decide_carry_over(old("1.1.1.2"), decision, secretariat(people), reason={"fr": " ", "en": ""})
        assert counts() == before


def test_an_activity_closed_as_completed_keeps_its_reason_in_both_languages(seeded, people):
    with seeded.app_context():
        services.decide_carry_over(old("1.1.1.2"), "completed", secretariat(people), reason=REASON)
        carry = db.session.scalar(select(CarryOver))
        assert (carry.decision, carry.to_activity_id, carry.reason) == ("completed", None, REASON)


def test_a_target_outside_the_next_plan_is_refused_and_writes_nothing(seeded, people, next_plan):
    with seeded.app_context():
        before = counts()
        with pytest.raises(CycleError, match="not in the next plan"):
            services.decide_carry_over(old("1.1.1.2"), "continue", secretariat(people), to_activity=old("1.1.1.3"))
        with pytest.raises(CycleError, match="Name the activity"):
            services.decide_carry_over(old("1.1.1.2"), "merge", secretariat(people))
        assert counts() == before


def test_continuing_before_there_is_a_next_plan_is_refused(seeded, people):
    with seeded.app_context():
        with pytest.raises(CycleError, match="no next plan"):
            services.decide_carry_over(old("1.1.1.2"), "continue", secretariat(people), to_activity=old("1.1.1.3"))
        assert counts()[0] == 0


def test_a_finished_activity_needs_no_decision(seeded, people, next_plan):
    with seeded.app_context():
        with pytest.raises(CycleError, match="finished"):
            services.decide_carry_over(old("1.1.1.1"), "completed", secretariat(people), reason=REASON)
        assert counts()[0] == 0


def test_an_unknown_decision_is_refused(seeded, people, next_plan):
    with seeded.app_context():
        with pytest.raises(CycleError):
            services.decide_carry_over(old("1.1.1.2"), "postpone", secretariat(people), reason=REASON)
        assert counts()[0] == 0


def test_changing_a_decision_replaces_it_and_the_audit_keeps_before_and_after(seeded, people, next_plan):
    with seeded.app_context():
        activity = old("1.1.1.2")
        services.decide_carry_over(activity, "continue", secretariat(people), to_activity=new(next_plan, "1.1.1.2"))
        services.decide_carry_over(activity, "discontinued", secretariat(people), reason=REASON)
        carries = db.session.scalars(select(CarryOver)).all()
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "carry_over.changed"))
        assert [(c.decision, c.to_activity_id) for c in carries] == [("discontinued", None)]
        assert entry.before == {"decision": "continue", "to": "1.1.1.2", "reason": None}
        assert entry.after["decision"] == "discontinued" and entry.after["reason"] == REASON


def test_the_same_decision_twice_is_recorded_once(seeded, people, next_plan):
    with seeded.app_context():
        for _ in range(2):
            services.decide_carry_over(old("1.1.1.2"), "completed", secretariat(people), reason=REASON)
        assert counts()[0] == 1
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action.like("carry_over.%"))) == 1


def test_the_next_plan_is_the_draft_that_follows_the_closing_one(seeded, people):
    with seeded.app_context():
        assert queries.next_plan(current_strategy()) is None
        following = build_next_plan()
        assert queries.next_plan(current_strategy()).id == following


def test_other_lives_read_both_ways(seeded, people, next_plan):
    with seeded.app_context():
        target = new(next_plan, "1.1.1.3")
        for code in ("1.1.1.3", "1.1.1.4"):
            services.decide_carry_over(old(code), "merge", secretariat(people), to_activity=target)
        previous, following = queries.other_lives(target)
        assert [carry.from_activity.code for carry in previous] == ["1.1.1.3", "1.1.1.4"] and following is None
        previous, following = queries.other_lives(old("1.1.1.4"))
        assert previous == [] and following.to_activity.code == "1.1.1.3"
