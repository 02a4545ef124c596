"""Cycle services held by what they write: carry-over decisions, closing a strategy and opening the next (issue 23)."""
from datetime import date, datetime, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import event, func, insert, select, update

from sip.accounts.models import User
from sip.bodies.models import Body
from sip.core.models import AuditEntry
from sip.cycles import services
from sip.cycles.models import CarryOver
from sip.cycles.services import CycleError
from sip.extensions import db
from sip.governance.models import Amendment
from sip.meetings.models import ActionPoint, Meeting
from sip.plan.models import Activity, Outcome, Output, Pillar, Strategy
from sip.reporting.models import GroupReport, ReportingPeriod
from tests.conftest import counting_queries

REASON = {"fr": "Le guide est publié.", "en": "The guidance is published."}
# The closing plan's activities and their statuses; the next plan has the first three codes.
CLOSING = {"1.1.1.1": "planned", "1.1.1.2": "on_track", "1.1.1.3": "completed", "1.1.1.4": "delayed"}
NEXT = ("1.1.1.1", "1.1.1.2", "1.1.1.3")


def plan(code: str, starts: int, ends: int, state: str, activities: dict, predecessor=None) -> Strategy:
    """A strategy with one output holding these activities ({code: status or a text dict})."""
    strategy = Strategy(code=code, title={"fr": code, "en": code}, starts_on=date(starts, 1, 1),
                        ends_on=date(ends, 12, 31), state=state, predecessor_id=predecessor)
    db.session.add(strategy)
    db.session.flush()
    pillar = Pillar(strategy=strategy, number=1, title={"fr": "Pilier", "en": "Pillar"}, goal={"fr": "But", "en": "Goal"})
    output = Output(outcome=Outcome(pillar=pillar, code="1.1", text={"fr": "R", "en": "O"}, position=1),
                    code="1.1.1", text={"fr": "P", "en": "O"}, position=2)
    for position, (activity, value) in enumerate(activities.items(), start=3):
        text = value if isinstance(value, dict) or value is None else {"fr": f"Activité {activity}",
                                                                        "en": f"Activity {activity}"}
        status = value if isinstance(value, str) else "planned"
        output.activities.append(Activity(strategy_id=strategy.id, code=activity, text=text, position=position,
                                          plan_status=status))
    db.session.add(pillar)
    db.session.commit()
    return strategy


@pytest.fixture
def world(app_ctx, make_user):
    """A current 2022–2026 plan of four activities (one completed), a draft 2027–2028 plan following it, a working
    group and the secretariat's person."""
    actor = db.session.get(User, make_user("Sam Secretariat", password=None))
    closing = plan("plan-a", 2022, 2026, "current", CLOSING)
    following = plan("plan-b", 2027, 2028, "draft", dict.fromkeys(NEXT, "planned"), predecessor=closing.id)
    group = Body(slug="wg-training", kind="working_group", name={"fr": "GT", "en": "WG"}, aliases=[])
    db.session.add(group)
    db.session.commit()
    return SimpleNamespace(actor=actor, closing=closing, next=following, group=group)


def old(world, code: str) -> Activity:
    """The closing plan's activity with this code."""
    return db.session.scalar(select(Activity).where(Activity.strategy_id == world.closing.id, Activity.code == code))


def new(world, code: str) -> Activity:
    """The next plan's activity with this code."""
    return db.session.scalar(select(Activity).where(Activity.strategy_id == world.next.id, Activity.code == code))


def entries() -> list[AuditEntry]:
    """The audit trail, oldest first."""
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def carries() -> list[tuple]:
    """Every decision as (from code, decision, to code, reason, decided by)."""
    return [(c.from_activity.code, c.decision, c.to_activity.code if c.to_activity else None, c.reason,
             c.decided_by_id) for c in db.session.scalars(select(CarryOver).order_by(CarryOver.id))]


def period(world, year: int, quarter: int, state: str, strategy=None) -> ReportingPeriod:
    """A quarter of the closing plan (or another) in this state."""
    found = ReportingPeriod(strategy_id=(strategy or world.closing).id, year=year, quarter=quarter, state=state)
    db.session.add(found)
    db.session.commit()
    return found


def amendment(world, state: str, strategy=None) -> Amendment:
    """An amendment rewording 1.1.1.1, in this state."""
    found = Amendment(strategy_id=(strategy or world.closing).id, kind="edit_text", state=state,
                      activity_id=old(world, "1.1.1.1").id, rationale="Clearer.")
    db.session.add(found)
    db.session.commit()
    return found


def action_point(world, status: str, due: date) -> ActionPoint:
    """An action point of the working group, in this status."""
    meeting = Meeting(body_id=world.group.id, kind="wg", title={"fr": "Réunion", "en": "Meeting"},
                      starts_at=datetime(2026, 10, 1, 9, tzinfo=timezone.utc), languages=["en"])
    db.session.add(meeting)
    db.session.flush()
    point = ActionPoint(meeting_id=meeting.id, text={"en": "Share the slides"}, body_id=world.group.id, due_on=due,
                        status=status)
    db.session.add(point)
    db.session.commit()
    return point


def meanwhile(statement):
    """While the next flush runs, another request's write (the statement) lands just before it, once."""

    done = []

    def write(session, _context, _instances):
        if not done:
            done.append(statement)
            session.connection().execute(statement)

    event.listen(db.session(), "before_flush", write)


def decide_unfinished(world) -> None:
    """Every unfinished activity of the closing plan closed as completed."""
    for code in ("1.1.1.1", "1.1.1.2", "1.1.1.4"):
        services.decide_carry_over(old(world, code), "completed", world.actor, reason=REASON)


# --- texts in both languages --------------------------------------------------------------------------------------


def test_a_bilingual_text_is_trimmed_with_windows_line_ends_and_empty_languages_dropped(app_ctx):
    assert services.bilingual({"fr": "  Un\r\ndeux ", "en": " \r\n "}, 10) == {"fr": "Un\ndeux"}
    assert services.bilingual({"fr": None, "en": "  "}, 10) is None
    assert services.bilingual(None, 10) is None
    assert services.bilingual({"en": "x" * 10}, 10) == {"en": "x" * 10}  # exactly the limit


def test_a_text_over_the_limit_in_either_language_is_refused_saying_the_limit(app_ctx):
    for value in ({"fr": "x" * 11}, {"fr": "court", "en": "y" * 11}):
        with pytest.raises(CycleError, match=r"^A text is too long \(at most 10 characters\)\.$") as refused:
            services.bilingual(value, 10)
        assert refused.value.problems == []
    assert services.bilingual({"fr": " " + "x" * 10 + " \r\n"}, 10) == {"fr": "x" * 10}  # measured once trimmed


def test_a_cycle_error_keeps_the_problems_to_settle(app_ctx):
    assert CycleError("No.", ["one", "two"]).problems == ["one", "two"] and str(CycleError("No.")) == "No."


# --- carry-over ---------------------------------------------------------------------------------------------------


def test_a_continuation_is_saved_with_who_and_when_and_audited_with_the_activity(world):
    carry = services.decide_carry_over(old(world, "1.1.1.2"), " continue ", world.actor,
                                       to_activity=new(world, "1.1.1.1"))
    assert carries() == [("1.1.1.2", "continue", "1.1.1.1", None, world.actor.id)]
    assert carry.decided_at is not None
    [entry] = entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id, entry.before) == (
        "carry_over.decided", "carry_over", str(carry.id), world.actor.id, None)
    assert entry.after == {"activity": "1.1.1.2", "decision": "continue", "to": "1.1.1.1", "reason": None}


def test_a_decision_from_the_command_line_has_no_person(world):
    services.decide_carry_over(old(world, "1.1.1.2"), "discontinued", None, reason={"en": " Dropped. "})
    assert carries() == [("1.1.1.2", "discontinued", None, {"en": "Dropped."}, None)]
    assert entries()[0].user_id is None


def test_a_changed_decision_is_audited_with_what_it_was_and_what_it_becomes(world):
    activity = old(world, "1.1.1.2")
    services.decide_carry_over(activity, "completed", world.actor, reason=REASON)
    carry = services.decide_carry_over(activity, "merge", world.actor, to_activity=new(world, "1.1.1.3"))
    assert carries() == [("1.1.1.2", "merge", "1.1.1.3", None, world.actor.id)]
    decided, changed = entries()
    assert (changed.action, changed.entity_id) == ("carry_over.changed", str(carry.id))
    assert changed.before == {"decision": "completed", "to": None, "reason": REASON}
    assert changed.after == {"activity": "1.1.1.2", "decision": "merge", "to": "1.1.1.3", "reason": None}


def test_the_same_decision_again_returns_it_and_writes_nothing(world):
    activity = old(world, "1.1.1.2")
    first = services.decide_carry_over(activity, "continue", world.actor, to_activity=new(world, "1.1.1.2"))
    again = services.decide_carry_over(activity, "continue", None, to_activity=new(world, "1.1.1.2"))
    assert again is first and len(entries()) == 1
    assert carries() == [("1.1.1.2", "continue", "1.1.1.2", None, world.actor.id)]


@pytest.mark.parametrize("decision, target, reason, message", [
    ("postpone", None, REASON, "Choose what becomes of the activity: continue, merge, completed or discontinued."),
    ("", None, REASON, "Choose what becomes of the activity: continue, merge, completed or discontinued."),
    ("completed", "1.1.1.1", REASON, "An activity closed as completed or discontinued names no activity of the next "
                                     "plan."),
    ("discontinued", None, {"fr": " ", "en": ""}, "Say why activity 1.1.1.2 closes: a reason is required."),
    ("continue", None, None, "Name the activity of the 2027–2028 plan it continues as."),
])
def test_a_decision_that_cannot_be_taken_is_refused_saying_why_and_writes_nothing(world, decision, target, reason,
                                                                                  message):
    to_activity = new(world, target) if target else None
    with pytest.raises(CycleError, match=f"^{message}$".replace("(", r"\(").replace(")", r"\)")):
        services.decide_carry_over(old(world, "1.1.1.2"), decision, world.actor, to_activity=to_activity,
                                   reason=reason)
    assert carries() == [] and entries() == []


def test_a_target_in_another_plan_is_refused_naming_the_next_plan(world):
    with pytest.raises(CycleError, match="^Activity 1.1.1.1 is not in the next plan \\(2027–2028\\).$"):
        services.decide_carry_over(old(world, "1.1.1.2"), "merge", world.actor, to_activity=old(world, "1.1.1.1"))
    assert carries() == []


def test_a_finished_activity_is_refused_naming_it(world):
    with pytest.raises(CycleError, match="^Activity 1.1.1.3 is finished: it needs no carry-over decision.$"):
        services.decide_carry_over(old(world, "1.1.1.3"), "completed", world.actor, reason=REASON)
    assert carries() == []


def test_continuing_with_no_next_plan_is_refused_but_closing_with_a_reason_is_not(world):
    world.next.state = "closed"  # no draft follows any more
    db.session.commit()
    with pytest.raises(CycleError, match="^There is no next plan yet: import or prepare it first, then say where the "
                                         "activity continues.$"):
        services.decide_carry_over(old(world, "1.1.1.2"), "continue", world.actor, to_activity=new(world, "1.1.1.1"))
    services.decide_carry_over(old(world, "1.1.1.2"), "completed", world.actor, reason=REASON)
    assert carries() == [("1.1.1.2", "completed", None, REASON, world.actor.id)]


def test_only_the_current_strategys_activities_get_decisions(world):
    with pytest.raises(CycleError, match="^Carry-over is decided for the activities of the current strategy, while "
                                         "it closes.$"):
        services.decide_carry_over(new(world, "1.1.1.2"), "completed", world.actor, reason=REASON)
    assert carries() == []


def test_a_second_continuation_into_the_same_activity_is_refused_naming_the_first(world):
    target = new(world, "1.1.1.1")
    services.decide_carry_over(old(world, "1.1.1.4"), "merge", world.actor, to_activity=target)
    with pytest.raises(CycleError, match="^Activity 1.1.1.4 already leads to 1.1.1.1 of the next plan: choose “merge” "
                                         "for both.$"):
        services.decide_carry_over(old(world, "1.1.1.2"), "continue", world.actor, to_activity=target)
    assert [c[0] for c in carries()] == ["1.1.1.4"]


def test_merging_into_another_activitys_continuation_is_refused_naming_it(world):
    target = new(world, "1.1.1.1")
    services.decide_carry_over(old(world, "1.1.1.4"), "completed", world.actor, reason=REASON)  # not a target
    services.decide_carry_over(old(world, "1.1.1.1"), "continue", world.actor, to_activity=target)
    with pytest.raises(CycleError, match="^Activity 1.1.1.1 continues as 1.1.1.1: change it to “merge” first, then "
                                         "merge this one.$"):
        services.decide_carry_over(old(world, "1.1.1.2"), "merge", world.actor, to_activity=target)
    assert [c[:3] for c in carries()] == [("1.1.1.4", "completed", None), ("1.1.1.1", "continue", "1.1.1.1")]


def test_an_activity_may_turn_its_own_continuation_into_a_merge_and_others_may_then_merge(world):
    target = new(world, "1.1.1.1")
    services.decide_carry_over(old(world, "1.1.1.1"), "continue", world.actor, to_activity=target)
    services.decide_carry_over(old(world, "1.1.1.1"), "merge", world.actor, to_activity=target)
    services.decide_carry_over(old(world, "1.1.1.2"), "merge", world.actor, to_activity=target)
    services.decide_carry_over(old(world, "1.1.1.1"), "continue", world.actor, to_activity=new(world, "1.1.1.2"))
    assert [c[:3] for c in carries()] == [("1.1.1.1", "continue", "1.1.1.2"), ("1.1.1.2", "merge", "1.1.1.1")]


def test_a_decision_saved_meanwhile_by_someone_else_is_not_overwritten_and_says_so(world):
    activity = old(world, "1.1.1.2")
    assert world.actor.id  # loaded, as the signed-in person of a request is
    meanwhile(insert(CarryOver).values(from_activity_id=activity.id, decision="discontinued", reason=REASON))
    with pytest.raises(CycleError, match="^Someone else decided for activity 1.1.1.2 meanwhile: reload the page and "
                                         "decide again.$"):
        services.decide_carry_over(activity, "completed", world.actor, reason=REASON)
    assert carries() == [] and entries() == []  # the transaction was rolled back whole


# --- the closing check --------------------------------------------------------------------------------------------


def test_the_closing_check_lists_what_is_open_in_order_and_leaves_out_what_is_settled(app, world):
    q4, q3 = period(world, 2026, 4, "open"), period(world, 2026, 3, "open")
    q2 = period(world, 2026, 2, "closed")
    never = period(world, 2025, 1, "upcoming")
    period(world, 2027, 1, "open", strategy=world.next)
    other = Body(slug="wg-partnerships", kind="working_group", name={"fr": "GT2", "en": "WG2"}, aliases=[])
    db.session.add(other)
    db.session.flush()
    # Written in an order unlike the quarters' (the later quarter's report first): they are listed as written.
    returned = GroupReport(body_id=world.group.id, period_id=q3.id, state="returned")
    db.session.add(returned)
    db.session.flush()
    draft = GroupReport(body_id=world.group.id, period_id=q4.id, state="draft")
    db.session.add_all([draft, GroupReport(body_id=other.id, period_id=q4.id, state="submitted"),
                        GroupReport(body_id=other.id, period_id=q2.id, state="draft")])  # a closed quarter's
    db.session.commit()
    proposed, endorsed = amendment(world, "proposed"), amendment(world, "endorsed")
    amendment(world, "rejected")
    amendment(world, "proposed", strategy=world.next)
    late, soon = action_point(world, "open", date(2027, 3, 1)), action_point(world, "open", date(2027, 1, 1))
    action_point(world, "done", date(2026, 12, 1))
    services.decide_carry_over(old(world, "1.1.1.4"), "completed", world.actor, reason=REASON)
    check = services.closing_check(world.closing)
    assert [p.code for p in check.open_quarters] == ["2026-Q3", "2026-Q4"]
    assert check.never_opened == [never]
    assert [r.id for r in check.unsubmitted_reports] == [returned.id, draft.id]
    with counting_queries(app) as queries:  # each report comes with its body and quarter
        assert [(r.body.slug, r.period.code) for r in check.unsubmitted_reports] == [
            ("wg-training", "2026-Q3"), ("wg-training", "2026-Q4")]
        assert [p.body.slug for p in check.open_action_points] == ["wg-training", "wg-training"]
    assert queries() == 0
    assert check.pending_amendments == [proposed, endorsed]
    assert check.open_action_points == [soon, late]
    assert [a.code for a in check.undecided] == ["1.1.1.1", "1.1.1.2"] and check.decided == 1
    assert check.blocking == [
        "Quarters still open (close them first): 2026-Q3, 2026-Q4.",
        f"Amendments waiting for the SAG or the GLM: {proposed.id}, {endorsed.id}.",
        "Unfinished activities with no carry-over decision: 1.1.1.1, 1.1.1.2.",
    ]
    assert check.can_close is False


def test_the_closing_check_brings_each_unsubmitted_report_with_its_group(app, world):
    quarter = period(world, 2026, 4, "open")
    db.session.add(GroupReport(body_id=world.group.id, period_id=quarter.id, state="draft"))
    db.session.commit()
    strategy_id = world.closing.id
    db.session.expunge_all()  # nothing of the world left in memory, as in a new request
    check = services.closing_check(db.session.get(Strategy, strategy_id))
    with counting_queries(app) as queries:
        assert [(r.body.slug, r.period.code) for r in check.unsubmitted_reports] == [("wg-training", "2026-Q4")]
    assert queries() == 0


def test_open_and_never_opened_quarters_are_listed_by_year_then_quarter(world):
    for year, quarter in ((2026, 2), (2025, 4), (2026, 1)):
        period(world, year, quarter, "open")
        period(world, year - 2, quarter, "upcoming")
    check = services.closing_check(world.closing)
    assert [p.code for p in check.open_quarters] == ["2025-Q4", "2026-Q1", "2026-Q2"]
    assert [p.code for p in check.never_opened] == ["2023-Q4", "2024-Q1", "2024-Q2"]


def test_the_closing_check_lists_amendments_and_action_points_by_number_whatever_order_they_were_stored_in(world):
    # Stored with the higher number first (as a restored backup may hold them): SQLite hands rows back by number
    # anyway, PostgreSQL in the order they were stored, so only the PostgreSQL pass tells a missing ORDER BY apart.
    for number in (902, 901):
        db.session.add(Amendment(id=number, strategy_id=world.closing.id, kind="edit_text", state="proposed",
                                 activity_id=old(world, "1.1.1.1").id, rationale="Clearer."))
    db.session.add(Meeting(id=900, body_id=world.group.id, kind="wg", title={"fr": "Réunion", "en": "Meeting"},
                           starts_at=datetime(2026, 10, 1, 9, tzinfo=timezone.utc), languages=["en"]))
    db.session.flush()
    for number in (902, 901):  # due the same day
        db.session.add(ActionPoint(id=number, meeting_id=900, text={"en": f"Point {number}"}, body_id=world.group.id,
                                   due_on=date(2027, 1, 15), status="open"))
    db.session.commit()
    check = services.closing_check(world.closing)
    assert [a.id for a in check.pending_amendments] == [901, 902]
    assert [p.id for p in check.open_action_points] == [901, 902]
    assert check.blocking[0] == "Amendments waiting for the SAG or the GLM: 901, 902."


def test_with_no_open_quarter_no_report_is_listed(world):
    closed_quarter = period(world, 2026, 4, "closed")
    db.session.add(GroupReport(body_id=world.group.id, period_id=closed_quarter.id, state="draft"))
    db.session.commit()
    check = services.closing_check(world.closing)
    assert check.open_quarters == [] and check.unsubmitted_reports == [] and check.never_opened == []


def test_a_strategy_that_is_not_current_cannot_close_whatever_else(world):
    check = services.closing_check(world.next)
    assert check.blocking == ["Only the current strategy can be closed.",
                              "Unfinished activities with no carry-over decision: 1.1.1.1, 1.1.1.2, 1.1.1.3."]


# --- closing ------------------------------------------------------------------------------------------------------


def test_closing_is_refused_listing_what_blocks_and_writes_nothing(world):
    with pytest.raises(CycleError, match="^The 2022–2026 strategy cannot be closed yet.$") as refused:
        services.close_strategy(world.closing, world.actor, {"en": "Notes"})
    assert refused.value.problems == ["Unfinished activities with no carry-over decision: 1.1.1.1, 1.1.1.2, 1.1.1.4."]
    db.session.rollback()
    assert (world.closing.state, world.closing.closing_notes, world.closing.closed_at) == ("current", None, None)
    assert entries() == []


def test_closing_sets_the_state_when_who_and_the_notes_and_audits_what_was_carried(world):
    period(world, 2025, 1, "upcoming")  # never opened: does not block
    action_point(world, "open", date(2027, 1, 1))  # carries over unchanged: does not block
    decide_unfinished(world)
    services.close_strategy(world.closing, world.actor, {"fr": " Bilan ", "en": ""})
    db.session.expire_all()
    closed = db.session.get(Strategy, world.closing.id)
    assert (closed.state, closed.closed_by_id, closed.closing_notes) == ("closed", world.actor.id, {"fr": "Bilan"})
    assert closed.closed_at is not None
    entry = entries()[-1]
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id) == (
        "strategy.closed", "strategy", str(closed.id), world.actor.id)
    assert entry.before == {"state": "current"}
    assert entry.after == {"state": "closed", "notes": {"fr": "Bilan"}, "carried": 3}


def test_closing_notes_too_long_are_refused_before_anything_is_checked(world):
    decide_unfinished(world)
    with pytest.raises(CycleError, match="at most 10000 characters"):
        services.close_strategy(world.closing, world.actor, {"en": "x" * 10001})
    assert db.session.get(Strategy, world.closing.id).state == "current"


def test_closing_from_the_command_line_records_no_person(world):
    decide_unfinished(world)
    services.close_strategy(world.closing, None)
    closed = db.session.get(Strategy, world.closing.id)
    assert (closed.state, closed.closed_by_id, closed.closing_notes) == ("closed", None, None)
    assert entries()[-1].user_id is None


def test_closing_notes_of_a_closed_strategy_are_saved_and_audited_once_per_change(world):
    decide_unfinished(world)
    services.close_strategy(world.closing, world.actor, {"en": "First"})
    audited = len(entries())
    services.save_closing_notes(world.closing, {"en": " First "}, world.actor)  # the same once trimmed
    assert len(entries()) == audited
    services.save_closing_notes(world.closing, {"fr": "Bilan", "en": "Review"}, world.actor)
    db.session.expire_all()
    assert db.session.get(Strategy, world.closing.id).closing_notes == {"fr": "Bilan", "en": "Review"}
    entry = entries()[-1]
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id) == (
        "strategy.closing_notes", "strategy", str(world.closing.id), world.actor.id)
    assert (entry.before, entry.after) == ({"notes": {"en": "First"}}, {"notes": {"fr": "Bilan", "en": "Review"}})
    services.save_closing_notes(world.closing, None, None)
    assert db.session.get(Strategy, world.closing.id).closing_notes is None
    assert (entries()[-1].before, entries()[-1].after, entries()[-1].user_id) == ({"notes": {"fr": "Bilan", "en": "Review"}}, {"notes": None}, None)


def test_closing_notes_of_a_strategy_not_closed_are_refused(world):
    with pytest.raises(CycleError, match="^Closing notes are written for a closed strategy; give them when you close "
                                         "it.$"):
        services.save_closing_notes(world.closing, {"en": "Too early"}, world.actor)
    assert db.session.get(Strategy, world.closing.id).closing_notes is None and entries() == []


# --- opening ------------------------------------------------------------------------------------------------------


def close_the_current_one(world) -> None:
    """The closing plan closed, so that the draft may open."""
    decide_unfinished(world)
    services.close_strategy(world.closing, world.actor)


def test_a_plan_with_no_activity_or_a_missing_translation_cannot_open(world):
    close_the_current_one(world)
    empty = Strategy(code="plan-c", title={"fr": "C", "en": "C"}, starts_on=date(2029, 1, 1),
                     ends_on=date(2030, 12, 31), state="draft")
    db.session.add(empty)
    db.session.commit()
    assert services.opening_problems(empty) == ["The plan has no activity."]
    gaps = plan("plan-d", 2031, 2032, "draft", {"1.1.1.1": {"fr": "Un", "en": " "}, "1.1.1.2": {"fr": "Deux", "en": "Two"},
                                                "1.1.1.3": {"en": "Three"}, "1.1.1.4": None})
    assert services.opening_problems(gaps) == ["Activities without their French or English text: 1.1.1.1, 1.1.1.3, "
                                               "1.1.1.4."]
    old_first = db.session.scalar(select(Activity).where(Activity.strategy_id == gaps.id, Activity.code == "1.1.1.1"))
    old_first.position = 99  # moved to the end of the plan: listed in plan order, not in the order of writing
    db.session.commit()
    assert services.opening_problems(gaps) == ["Activities without their French or English text: 1.1.1.3, 1.1.1.4, "
                                               "1.1.1.1."]
    assert services.opening_problems(world.next) == []
    audited = len(entries())
    with pytest.raises(CycleError, match="^The 2031–2032 plan cannot be opened yet.$") as refused:
        services.open_strategy(gaps, world.actor)
    assert refused.value.problems == services.opening_problems(gaps)
    db.session.rollback()
    assert db.session.get(Strategy, gaps.id).state == "draft" and len(entries()) == audited


def test_opening_the_draft_makes_it_current_with_its_quarters_and_audits_it(world):
    close_the_current_one(world)
    services.open_strategy(world.next, world.actor)
    db.session.expire_all()
    opened = db.session.get(Strategy, world.next.id)
    assert opened.state == "current" and opened.opened_at is not None
    assert db.session.scalar(select(func.count()).select_from(ReportingPeriod)
                             .where(ReportingPeriod.strategy_id == opened.id)) == 8
    [entry] = [entry for entry in entries() if entry.action == "strategy.opened"]
    assert (entry.action, entry.entity, entry.entity_id, entry.user_id, entry.before, entry.after) == (
        "strategy.opened", "strategy", str(opened.id), world.actor.id, {"state": "draft"}, {"state": "current"})


def test_a_strategy_that_is_not_a_draft_cannot_open(world):
    with pytest.raises(CycleError, match="^Only a draft strategy can be opened.$"):
        services.open_strategy(world.closing, world.actor)
    assert entries() == []


def test_a_second_current_strategy_is_refused_naming_the_one_to_close(world):
    with pytest.raises(CycleError, match="^Opening a second current strategy is refused: close the 2022–2026 strategy "
                                         "first.$"):
        services.open_strategy(world.next, None)
    db.session.rollback()
    assert db.session.get(Strategy, world.next.id).state == "draft" and entries() == []


def test_a_strategy_opened_meanwhile_by_someone_else_is_not_doubled_and_says_so(world):
    close_the_current_one(world)
    other = plan("plan-e", 2029, 2030, "draft", dict.fromkeys(NEXT, "planned"))
    audited = len(entries())
    assert world.actor.id and world.next.state == "draft"  # loaded, as in a request
    meanwhile(update(Strategy).where(Strategy.id == other.id).values(state="current"))
    with pytest.raises(CycleError, match="^Opening a second current strategy is refused: another one was opened "
                                         "meanwhile.$"):
        services.open_strategy(world.next, world.actor)
    assert db.session.get(Strategy, world.next.id).state == "draft" and len(entries()) == audited
    assert db.session.scalar(select(func.count()).select_from(ReportingPeriod)) == 0
