"""Strategy cycles: opening, carrying over and closing (each step audited).

What blocks closing a strategy (`closing_check`), decided for issue 21:
- an open quarter: its reports are still being written or reviewed (close it on the periods page first). A quarter
  never opened (the tracker may have started mid-strategy, or the strategy closes early) has no report to wait for:
  it is listed, it does not block;
- a pending amendment (proposed or endorsed): the SAG or the GLM must decide it first, or it would be lost with the
  plan it changes;
- an unfinished activity with no carry-over decision: each one continues, merges or closes with a reason.
Listed without blocking: the unsubmitted reports of open quarters (they explain why a quarter stays open), the
quarters never opened, and the open action points (meetings' action points belong to a body, not to a strategy:
they carry over unchanged).
"""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from sip.core import audit
from sip.core.models import utcnow
from sip.cycles import queries
from sip.cycles.models import CARRIED, CARRY_DECISIONS, CarryOver
from sip.extensions import db
from sip.governance.models import OPEN_STATES, Amendment
from sip.meetings.models import ActionPoint
from sip.plan import closed
from sip.plan.models import CLOSED_STATUSES, Activity, Strategy
from sip.reporting import statuses
from sip.reporting.models import EDITABLE_STATES, GroupReport, ReportingPeriod

REASON_MAX = 2000
NOTES_MAX = 10000
LANGUAGES = ("fr", "en")


class CycleError(ValueError):
    """A step refused, with the reason in the reader's language; `problems` lists what to settle first."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


def _id(actor) -> int | None:
    """The acting user's id (None for the command line)."""
    return getattr(actor, "id", None)


def bilingual(value: dict | None, limit: int) -> dict | None:
    """Text typed in both languages, trimmed; None when both are empty. CycleError when one is too long."""
    cleaned = {lang: ((value or {}).get(lang) or "").replace("\r\n", "\n").strip() for lang in LANGUAGES}
    if any(len(text) > limit for text in cleaned.values()):
        raise CycleError(_("A text is too long (at most %(max)d characters).", max=limit))
    cleaned = {lang: text for lang, text in cleaned.items() if text}
    return cleaned or None


# --- carry-over ---------------------------------------------------------------------------------------------------


def _as_json(carry: CarryOver | None) -> dict | None:
    """A decision as the audit trail keeps it."""
    if carry is None:
        return None
    target = carry.to_activity
    return {"decision": carry.decision, "to": target.code if target is not None else None, "reason": carry.reason}


def _check_decision(activity: Activity, decision: str, to_activity: Activity | None, reason: dict | None):
    """The next plan a decision names (None for a closing); CycleError when the decision cannot be taken."""
    strategy = db.session.get(Strategy, activity.strategy_id)
    if decision not in CARRY_DECISIONS:
        raise CycleError(_("Choose what becomes of the activity: continue, merge, completed or discontinued."))
    if strategy.state != "current":
        raise CycleError(_("Carry-over is decided for the activities of the current strategy, while it closes."))
    if statuses.current_status(activity).status in CLOSED_STATUSES:
        raise CycleError(_("Activity %(code)s is finished: it needs no carry-over decision.", code=activity.code))
    if decision not in CARRIED:
        if to_activity is not None:
            raise CycleError(_("An activity closed as completed or discontinued names no activity of the next plan."))
        if reason is None:
            raise CycleError(_("Say why activity %(code)s closes: a reason is required.", code=activity.code))
        return None
    following = queries.next_plan(strategy)
    if following is None:
        raise CycleError(_("There is no next plan yet: import or prepare it first, then say where the activity "
                           "continues."))
    if to_activity is None:
        raise CycleError(_("Name the activity of the %(years)s plan it continues as.", years=following.years))
    if to_activity.strategy_id != following.id:
        raise CycleError(_("Activity %(code)s is not in the next plan (%(years)s).", code=to_activity.code,
                           years=following.years))
    return following


def _check_target(activity: Activity, decision: str, to_activity: Activity | None) -> None:
    """One old activity continues as a new one; several may merge into one, but not into another's continuation."""
    if to_activity is None:
        return
    others = list(db.session.scalars(select(CarryOver).where(CarryOver.to_activity_id == to_activity.id,
                                                             CarryOver.from_activity_id != activity.id)
                                     .options(joinedload(CarryOver.from_activity))))
    if decision == "continue" and others:
        raise CycleError(_("Activity %(other)s already leads to %(code)s of the next plan: choose “merge” for both.",
                           other=others[0].from_activity.code, code=to_activity.code))
    taken = [other for other in others if other.decision == "continue"]
    if decision == "merge" and taken:
        raise CycleError(_("Activity %(other)s continues as %(code)s: change it to “merge” first, then merge this one.",
                           other=taken[0].from_activity.code, code=to_activity.code))


def decide_carry_over(activity: Activity, decision: str, actor, to_activity: Activity | None = None,
                      reason: dict | None = None) -> CarryOver:
    """Decide what becomes of an unfinished activity of the closing plan: it continues as (or merges into) an
    activity of the next plan, or closes as completed or discontinued with a reason. A new decision replaces the
    earlier one."""
    decision = (decision or "").strip()
    reason = bilingual(reason, REASON_MAX)
    _check_decision(activity, decision, to_activity, reason)
    _check_target(activity, decision, to_activity)
    carry = db.session.scalar(select(CarryOver).where(CarryOver.from_activity_id == activity.id)
                              .options(joinedload(CarryOver.to_activity)))
    before = _as_json(carry)
    after = {"decision": decision, "to": to_activity.code if to_activity is not None else None, "reason": reason}
    if before == after:
        return carry  # the same decision again: nothing to record
    if carry is None:
        carry = CarryOver(from_activity_id=activity.id)
        db.session.add(carry)
    carry.decision, carry.to_activity, carry.reason = decision, to_activity, reason
    carry.decided_by_id, carry.decided_at = _id(actor), utcnow()
    try:
        db.session.flush()
    except IntegrityError as error:  # another decision for this activity was saved meanwhile
        db.session.rollback()
        raise CycleError(_("Someone else decided for activity %(code)s meanwhile: reload the page and decide "
                           "again.", code=activity.code)) from error
    audit.record("carry_over.changed" if before else "carry_over.decided", "carry_over", carry.id,
                 before=before, after={"activity": activity.code, **after}, user_id=_id(actor))
    db.session.commit()
    return carry


# --- closing ------------------------------------------------------------------------------------------------------


@dataclass
class ClosingCheck:
    """What is still open in a strategy about to close; `blocking` says what must be settled first."""

    strategy: Strategy
    open_quarters: list[ReportingPeriod] = field(default_factory=list)
    never_opened: list[ReportingPeriod] = field(default_factory=list)
    unsubmitted_reports: list[GroupReport] = field(default_factory=list)
    pending_amendments: list[Amendment] = field(default_factory=list)
    open_action_points: list[ActionPoint] = field(default_factory=list)
    undecided: list[Activity] = field(default_factory=list)
    decided: int = 0

    @property
    def blocking(self) -> list[str]:
        """One sentence per kind of item that stops the closing."""
        problems = []
        if self.strategy.state != "current":
            problems.append(_("Only the current strategy can be closed."))
        if self.open_quarters:
            problems.append(_("Quarters still open (close them first): %(codes)s.",
                              codes=", ".join(period.code for period in self.open_quarters)))
        if self.pending_amendments:
            problems.append(_("Amendments waiting for the SAG or the GLM: %(numbers)s.",
                              numbers=", ".join(str(a.id) for a in self.pending_amendments)))
        if self.undecided:
            problems.append(_("Unfinished activities with no carry-over decision: %(codes)s.",
                              codes=", ".join(activity.code for activity in self.undecided)))
        return problems

    @property
    def can_close(self) -> bool:
        """True when nothing blocks the closing."""
        return not self.blocking


def closing_check(strategy: Strategy) -> ClosingCheck:
    """What is still open in the strategy: quarters, unsubmitted reports, pending amendments, open action points,
    unfinished activities without a carry-over decision (six queries)."""
    periods = list(db.session.scalars(select(ReportingPeriod).where(
        ReportingPeriod.strategy_id == strategy.id, ReportingPeriod.state != "closed")
        .order_by(ReportingPeriod.year, ReportingPeriod.quarter)))
    check = ClosingCheck(strategy, [p for p in periods if p.state == "open"],
                         [p for p in periods if p.state == "upcoming"])
    if check.open_quarters:
        check.unsubmitted_reports = list(db.session.scalars(
            select(GroupReport).where(GroupReport.period_id.in_([p.id for p in check.open_quarters]),
                                      GroupReport.state.in_(EDITABLE_STATES))
            .options(joinedload(GroupReport.body), joinedload(GroupReport.period)).order_by(GroupReport.id)))
    check.pending_amendments = list(db.session.scalars(select(Amendment).where(
        Amendment.strategy_id == strategy.id, Amendment.state.in_(OPEN_STATES)).order_by(Amendment.id)))
    check.open_action_points = list(db.session.scalars(
        select(ActionPoint).where(ActionPoint.status == "open").options(joinedload(ActionPoint.body))
        .order_by(ActionPoint.due_on, ActionPoint.id)))
    decided = queries.carry_overs(strategy)
    unfinished = [activity for activity, _status in queries.unfinished_activities(strategy)]
    check.undecided = [activity for activity in unfinished if activity.id not in decided]
    check.decided = len(unfinished) - len(check.undecided)
    return check


def close_strategy(strategy: Strategy, actor, notes: dict | None = None) -> None:
    """Close the current strategy once nothing blocks: it becomes read-only, kept with everything it had. The next
    plan, if prepared, stays a draft: opening it is a step of its own."""
    notes = bilingual(notes, NOTES_MAX)
    check = closing_check(strategy)
    if not check.can_close:
        raise CycleError(_("The %(years)s strategy cannot be closed yet.", years=strategy.years), check.blocking)
    with closed.closing():
        strategy.state, strategy.closed_at, strategy.closed_by_id = "closed", utcnow(), _id(actor)
        strategy.closing_notes = notes
        audit.record("strategy.closed", "strategy", strategy.id, before={"state": "current"},
                     after={"state": "closed", "notes": notes, "carried": check.decided}, user_id=_id(actor))
        db.session.commit()


def save_closing_notes(strategy: Strategy, notes: dict | None, actor) -> None:
    """Write the closing notes of a closed strategy (the one thing that still changes once it is closed)."""
    if not strategy.closed:
        raise CycleError(_("Closing notes are written for a closed strategy; give them when you close it."))
    notes = bilingual(notes, NOTES_MAX)
    before = strategy.closing_notes
    if before == notes:
        return
    with closed.closing():
        strategy.closing_notes = notes
        audit.record("strategy.closing_notes", "strategy", strategy.id, before={"notes": before},
                     after={"notes": notes}, user_id=_id(actor))
        db.session.commit()


# --- opening ------------------------------------------------------------------------------------------------------


def opening_problems(strategy: Strategy) -> list[str]:
    """What stops a draft from opening: an empty plan, activities without their French or English text."""
    texts = db.session.execute(select(Activity.code, Activity.text).where(Activity.strategy_id == strategy.id)
                               .order_by(Activity.position)).all()
    if not texts:
        return [_("The plan has no activity.")]
    missing = [code for code, text in texts if not all(((text or {}).get(lang) or "").strip() for lang in LANGUAGES)]
    if missing:
        return [_("Activities without their French or English text: %(codes)s.", codes=", ".join(missing))]
    return []


def open_strategy(strategy: Strategy, actor) -> None:
    """Make a draft the current strategy: every page without /s/<slug>/ shows it and reports are filed on it."""
    from sip.reporting.services import ensure_periods

    if strategy.state != "draft":
        raise CycleError(_("Only a draft strategy can be opened."))
    current = db.session.scalar(select(Strategy).where(Strategy.state == "current"))
    if current is not None:
        raise CycleError(_("Opening a second current strategy is refused: close the %(years)s strategy first.",
                           years=current.years))
    problems = opening_problems(strategy)
    if problems:
        raise CycleError(_("The %(years)s plan cannot be opened yet.", years=strategy.years), problems)
    strategy.state, strategy.opened_at = "current", utcnow()
    audit.record("strategy.opened", "strategy", strategy.id, before={"state": "draft"}, after={"state": "current"},
                 user_id=_id(actor))
    try:
        db.session.flush()  # the partial unique index refuses a second current strategy opened meanwhile
    except IntegrityError as error:
        db.session.rollback()
        raise CycleError(_("Opening a second current strategy is refused: another one was opened meanwhile.")) from error
    ensure_periods(strategy)
    db.session.commit()
