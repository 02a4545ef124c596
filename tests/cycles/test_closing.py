"""Closing a strategy (once nothing blocks), its closing notes, and opening the next plan."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from sip.bodies.models import Body
from sip.core.models import AuditEntry
from sip.cycles import services
from sip.cycles.services import CycleError
from sip.extensions import db
from sip.governance import services as governance
from sip.governance.models import Amendment
from sip.meetings.models import ActionPoint, Meeting
from sip.plan.closed import ClosedStrategyError
from sip.plan.models import Strategy
from sip.plan.queries import current_strategy
from sip.reporting.models import GroupReport, ReportingPeriod
from sip.reporting.services import close_period, find_period, open_period
from tests.cycles.test_carry_over import REASON, build_next_plan, next_plan, old, people, secretariat  # noqa: F401

NOTES = {"fr": "Bilan : la plupart des activités sont poursuivies.", "en": "Most activities carry on."}


def decide_all(people) -> int:
    """Close every undecided unfinished activity of the current plan as completed; returns how many."""
    undecided = services.closing_check(current_strategy()).undecided
    for activity in undecided:
        services.decide_carry_over(activity, "completed", secretariat(people), reason=REASON)
    return len(undecided)


def body(slug: str) -> Body:
    """The body with this slug."""
    return db.session.scalar(select(Body).where(Body.slug == slug))


def open_action_point() -> None:
    """A working group's meeting that gave it an open action point."""
    group = body("wg-training")
    meeting = Meeting(body_id=group.id, kind="wg", title={"fr": "Réunion", "en": "Meeting"},
                      starts_at=datetime(2026, 10, 1, 9, tzinfo=timezone.utc), languages=["en"])
    db.session.add(meeting)
    db.session.flush()
    db.session.add(ActionPoint(meeting_id=meeting.id, text={"en": "Share the slides"}, body_id=group.id,
                               due_on=date(2027, 2, 1)))
    db.session.commit()


def open_quarter_with_a_draft() -> ReportingPeriod:
    """2026-Q4 open, with the training group's report still a draft."""
    period = find_period(current_strategy(), "2026-Q4")
    open_period(period, date(2027, 1, 15), actor=None, opens_on=date(2026, 11, 1))
    db.session.add(GroupReport(body_id=body("wg-training").id, period_id=period.id, state="draft", summary="",
                               version=1))
    db.session.commit()
    return period


def propose_amendment(people, strategy=None) -> Amendment:
    """The secretariat proposes rewording 3.1.1.2."""
    change = governance.Change("edit_text", activity=old("3.1.1.2"), text={"fr": "Nouveau texte", "en": "New text"})
    return governance.propose(strategy or current_strategy(), change, "Clearer.", secretariat(people))


def audit_count() -> int:
    """How many audit entries there are."""
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_the_closing_check_lists_what_is_still_open(seeded, people):
    with seeded.app_context():
        period = open_quarter_with_a_draft()
        propose_amendment(people)
        open_action_point()
        check = services.closing_check(current_strategy())
        assert [p.code for p in check.open_quarters] == ["2026-Q4"]
        assert [r.body.slug for r in check.unsubmitted_reports] == ["wg-training"]
        assert len(check.pending_amendments) == 1 and len(check.open_action_points) == 1
        assert len(check.undecided) == 46 and check.decided == 0
        assert period not in check.never_opened and len(check.never_opened) == 19
        assert len(check.blocking) == 3 and not check.can_close
        assert "2026-Q4" in check.blocking[0] and "3.1.1.2" not in check.blocking[1]


def test_open_action_points_and_quarters_never_opened_do_not_block(seeded, people):
    with seeded.app_context():
        open_action_point()
        decide_all(people)
        check = services.closing_check(current_strategy())
        assert check.open_action_points and check.never_opened
        assert check.can_close and check.decided == 46


def test_closing_is_refused_while_something_blocks_and_writes_nothing(seeded, people):
    with seeded.app_context():
        strategy = current_strategy()
        propose_amendment(people)
        decide_all(people)
        before = audit_count()
        with pytest.raises(CycleError) as refusal:
            services.close_strategy(strategy, secretariat(people), NOTES)
        db.session.rollback()
        assert any("Amendments waiting" in problem for problem in refusal.value.problems)
        assert (current_strategy().state, current_strategy().closing_notes, audit_count()) == ("current", None, before)


def test_closing_sets_the_state_the_date_the_person_and_the_notes(seeded, people):
    with seeded.app_context():
        following = build_next_plan()
        decide_all(people)
        strategy = current_strategy()
        services.close_strategy(strategy, secretariat(people), NOTES)
        closed = db.session.get(Strategy, strategy.id)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "strategy.closed"))
        assert (closed.state, closed.closed_by_id, closed.closing_notes) == ("closed", people["secretariat"], NOTES)
        assert closed.closed_at is not None and entry.after["state"] == "closed" and entry.after["carried"] == 46
        assert current_strategy() is None and db.session.get(Strategy, following).state == "draft"


def test_a_closed_strategy_refuses_writes_to_its_reports_and_amendments(seeded, people):
    with seeded.app_context():
        period = open_quarter_with_a_draft()
        close_period(period, secretariat(people))
        decide_all(people)
        strategy = current_strategy()
        services.close_strategy(strategy, secretariat(people))
        report = db.session.scalar(select(GroupReport))
        report.summary = "Written after the closing"
        with pytest.raises(ClosedStrategyError):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(ClosedStrategyError):
            propose_amendment(people, db.session.get(Strategy, strategy.id))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Amendment)) == 0
        assert db.session.scalar(select(GroupReport.summary)) == ""


def test_carry_over_decisions_of_a_closed_strategy_are_refused(seeded, people):
    with seeded.app_context():
        decide_all(people)
        services.close_strategy(current_strategy(), secretariat(people))
        with pytest.raises(CycleError, match="current strategy"):
            services.decide_carry_over(old("1.1.1.2"), "discontinued", secretariat(people), reason=REASON)


def test_closing_notes_can_still_be_saved_on_a_closed_strategy(seeded, people):
    with seeded.app_context():
        decide_all(people)
        strategy = current_strategy()
        services.close_strategy(strategy, secretariat(people))
        services.save_closing_notes(strategy, {"fr": " Notes ", "en": "Notes"}, secretariat(people))
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "strategy.closing_notes"))
        assert db.session.get(Strategy, strategy.id).closing_notes == {"fr": "Notes", "en": "Notes"}
        assert entry.before == {"notes": None} and entry.after == {"notes": {"fr": "Notes", "en": "Notes"}}


def test_closing_notes_wait_for_the_closing(seeded, people):
    with seeded.app_context():
        with pytest.raises(CycleError, match="closed strategy"):
            services.save_closing_notes(current_strategy(), NOTES, secretariat(people))
        assert current_strategy().closing_notes is None


def test_opening_a_second_current_strategy_is_refused(seeded, people, next_plan):
    with seeded.app_context():
        before = audit_count()
        with pytest.raises(CycleError, match="Opening a second current strategy is refused"):
            services.open_strategy(db.session.get(Strategy, next_plan), secretariat(people))
        assert db.session.get(Strategy, next_plan).state == "draft" and audit_count() == before


def test_opening_needs_every_activity_in_french_and_in_english(seeded, people):
    with seeded.app_context():
        decide_all(people)
        services.close_strategy(current_strategy(), secretariat(people))
        draft = build_next_plan(texts={"1.1.1.2": {"fr": "Seulement en français", "en": " "}})
        with pytest.raises(CycleError) as refusal:
            services.open_strategy(db.session.get(Strategy, draft), secretariat(people))
        assert "1.1.1.2" in refusal.value.problems[0] and "1.1.1.1" not in refusal.value.problems[0]
        assert db.session.get(Strategy, draft).state == "draft" and current_strategy() is None


def test_opening_a_draft_makes_it_current_with_its_quarters(seeded, people):
    with seeded.app_context():
        decide_all(people)
        services.close_strategy(current_strategy(), secretariat(people))
        draft = build_next_plan()
        services.open_strategy(db.session.get(Strategy, draft), secretariat(people))
        opened = current_strategy()
        assert opened.id == draft and opened.opened_at is not None
        assert db.session.scalar(select(func.count()).select_from(ReportingPeriod)
                                 .where(ReportingPeriod.strategy_id == draft)) == 16
        assert db.session.scalar(select(AuditEntry.after).where(AuditEntry.action == "strategy.opened")) == \
            {"state": "current"}


def test_only_the_current_strategy_can_be_closed(seeded, people, next_plan):
    with seeded.app_context():
        with pytest.raises(CycleError) as refusal:
            services.close_strategy(db.session.get(Strategy, next_plan), secretariat(people))
        assert "Only the current strategy" in refusal.value.problems[0]
        assert db.session.get(Strategy, next_plan).state == "draft"
