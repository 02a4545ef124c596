"""Writes to reporting: periods, saving and submitting reports, review, comments; each write audited."""
import re
from dataclasses import asdict, dataclass, fields
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from sip.bodies.models import Body
from sip.core import audit
from sip.core.models import utcnow
from sip.extensions import db
from sip.plan.models import STATUSES, Activity, Responsibility, Strategy
from sip.plan.queries import current_strategy
from sip.reporting import signals, statuses
from sip.reporting.models import (
    EDITABLE_STATES,
    REPORT_STATES,
    UPDATE_TEXT_FIELDS,
    ActivityUpdate,
    GroupReport,
    ReportComment,
    ReportingPeriod,
)

PERIOD_CODE = re.compile(r"^(\d{4})-Q([1-4])$")
# Carried unchanged, these make the lead confirm before submitting: stale plans and proof are the costly kind.
CONFIRM_CARRIED = ("next_steps", "evidence_links")


class ReportError(ValueError):
    """A refused reporting action; `problems` lists what to fix, for the user."""

    saved: "GroupReport | None" = None  # set by write_report when the draft was saved but submitting was refused

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


class CarriedUnconfirmed(ReportError):
    """Submitting was stopped to ask: next steps or evidence repeat the last accepted update unchanged."""

    def __init__(self, carried: list):
        super().__init__(_("Some next steps or evidence links are carried unchanged from the last accepted update: "
                           "confirm to submit them as they are."))
        self.carried = carried  # [(activity, ["next_steps", "evidence_links"])]


class VersionConflict(Exception):
    """Someone saved the report after the form was opened; carries the report as it is now."""

    def __init__(self, report: GroupReport):
        super().__init__("the report changed since the form was opened")
        self.report = report


# --- periods ------------------------------------------------------------------------------------


def parse_period_code(code: str) -> tuple[int, int]:
    """(year, quarter) from "2026-Q4"; ReportError for anything else."""
    match = PERIOD_CODE.match((code or "").strip().upper())
    if not match:
        raise ReportError(_("Write the period as YEAR-Qn, for example 2026-Q4."))
    return int(match.group(1)), int(match.group(2))


def strategy_quarters(strategy: Strategy) -> list[tuple[int, int]]:
    """Every (year, quarter) from the strategy's start to its end."""
    quarters = []
    year, quarter = strategy.starts_on.year, (strategy.starts_on.month - 1) // 3 + 1
    while date(year, 3 * quarter - 2, 1) <= strategy.ends_on:
        quarters.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return quarters


def ensure_periods(strategy: Strategy) -> int:
    """Create the upcoming periods of every quarter of the strategy that has none; return how many."""
    existing = {tuple(row) for row in db.session.execute(
        select(ReportingPeriod.year, ReportingPeriod.quarter).where(ReportingPeriod.strategy_id == strategy.id)
    )}
    missing = [yq for yq in strategy_quarters(strategy) if yq not in existing]
    for year, quarter in missing:
        db.session.add(ReportingPeriod(strategy_id=strategy.id, year=year, quarter=quarter, state="upcoming"))
    if missing:
        audit.record("periods.created", "strategy", strategy.id, after={"count": len(missing)})
        statuses.refresh(strategy.id)  # every activity gets a row in the new quarters
    return len(missing)


def find_period(strategy: Strategy, code: str) -> ReportingPeriod | None:
    """The period with this code ("2026-Q4"), or None."""
    try:
        year, quarter = parse_period_code(code)
    except ReportError:
        return None
    return db.session.scalar(select(ReportingPeriod).where(
        ReportingPeriod.strategy_id == strategy.id, ReportingPeriod.year == year, ReportingPeriod.quarter == quarter))


def open_period(period: ReportingPeriod, due_on: date, actor, opens_on: date | None = None) -> None:
    """Open a period for reports, due on `due_on`."""
    opens_on = opens_on or date.today()
    if period.state == "closed":
        raise ReportError(_("%(period)s is closed; it cannot be opened again.", period=period.code))
    if due_on < opens_on:
        raise ReportError(_("The due date must not be before the day the period opens."))
    before = {"state": period.state, "due_on": period.due_on and period.due_on.isoformat()}
    period.state, period.opens_on, period.due_on = "open", opens_on, due_on
    audit.record("period.opened", "reporting_period", period.id, before=before,
                 after={"state": "open", "due_on": due_on.isoformat()}, user_id=_id(actor))
    signals.period_opened.send(period, actor=actor)
    db.session.commit()


def close_period(period: ReportingPeriod, actor) -> None:
    """Close a period: its reports can no longer be written or submitted."""
    if period.state != "open":
        raise ReportError(_("Only an open period can be closed."))
    period.state = "closed"
    audit.record("period.closed", "reporting_period", period.id, before={"state": "open"}, after={"state": "closed"},
                 user_id=_id(actor))
    db.session.commit()


def set_glm(period: ReportingPeriod, glm: bool, glm_name: str | None, actor) -> None:
    """Mark (or unmark) a period as the one whose reports a GLM plenary looks at."""
    before = {"glm": period.glm, "glm_name": period.glm_name}
    period.glm = glm
    period.glm_name = ((glm_name or "").strip() or None) if glm else None
    audit.record("period.glm", "reporting_period", period.id, before=before,
                 after={"glm": period.glm, "glm_name": period.glm_name}, user_id=_id(actor))
    db.session.commit()


def _id(actor) -> int | None:
    """The id of the acting user (None for the system)."""
    return getattr(actor, "id", None)


# --- what a report covers -----------------------------------------------------------------------


def is_accountable(activity: Activity, body_id: int) -> bool:
    """True when this body's report sets the activity's status (an activity that names no accountable body takes
    the status from any responsible body's report, as before accountability existed)."""
    return activity.accountable_body_id in (None, body_id)


def _in_plan_for(body: Body, strategy_id: int):
    """SELECT the activities in the strategy's plan (not retired) that the body is accountable or responsible for."""
    responsible = select(Responsibility.activity_id).where(Responsibility.body_id == body.id)
    # IN (subquery) rather than JOIN + DISTINCT: PostgreSQL cannot compare the JSON columns DISTINCT would need.
    return (select(Activity)
            .where(Activity.strategy_id == strategy_id,
                   or_(Activity.accountable_body_id == body.id, Activity.id.in_(responsible)),
                   Activity.retired_on.is_(None))
            .order_by(Activity.position))


def reportable_activities(body: Body, report: GroupReport | None = None, *,
                          strategy_id: int | None = None) -> list[Activity]:
    """The activities a body reports on: those in the plan it is accountable for (a full update) or responsible
    for (a contribution note), not completed or discontinued.

    A draft or returned report also keeps the activities it already holds while the plan still gives them to the
    body (a status accepted meanwhile for another quarter does not take typed text away); a submitted or accepted
    report covers exactly its updates. Three queries.
    """
    if report is not None and report.id and not report.editable:
        return sorted((u.activity for u in report.updates), key=lambda a: a.position)
    if strategy_id is None:  # the report's quarter's strategy, else the current one
        period = report.period if report is not None else None
        strategy_id = period.strategy_id if period is not None else current_strategy().id
    activities = list(db.session.scalars(_in_plan_for(body, strategy_id)))
    if not activities:
        return []
    held = {u.activity_id for u in report.updates} if report is not None and report.id else set()
    still_open = statuses.open_status_ids(strategy_id, [a.id for a in activities])
    return [a for a in activities if a.id in still_open or a.id in held]


def sync_open_reports(strategy_id: int, activity_ids: list[int], actor=None) -> int:
    """After the plan changed (an activity added, moved, retired or given a new accountable body): make every
    unsubmitted report of an open period cover exactly what its body now reports on, for these activities. In the
    caller's transaction (never commits); a removed update's text stays in the history. Returns the reports
    changed."""
    ids = set(activity_ids)
    if not ids:
        return 0
    db.session.flush()
    reports = list(db.session.scalars(
        select(GroupReport).join(ReportingPeriod, GroupReport.period_id == ReportingPeriod.id)
        .where(ReportingPeriod.strategy_id == strategy_id, ReportingPeriod.state == "open",
               GroupReport.state.in_(EDITABLE_STATES))
        .options(selectinload(GroupReport.updates), joinedload(GroupReport.body), joinedload(GroupReport.period))
    ))
    changed = 0
    for report in reports:
        changed += reconcile_report(report, actor, only=ids)
    return changed


def reconcile_report(report: GroupReport, actor=None, only: set[int] | None = None) -> bool:
    """Add the updates a draft lacks, drop those its body no longer reports on (texts kept in the audit entry),
    and turn an update into a contribution note or back as accountability moved (`only`: these activities).
    Does not commit; True when something changed (the report's version then moves on, so that a form opened
    before the change meets a conflict instead of silently losing text)."""
    covered = [a for a in reportable_activities(report.body, report) if only is None or a.id in only]
    wanted = {a.id: a for a in covered}
    held = {u.activity_id: u for u in report.updates if only is None or u.activity_id in only}
    removed = [held[a] for a in held if a not in wanted]
    added = [wanted[a] for a in wanted if a not in held]
    switched = [held[a] for a in held if a in wanted
                and held[a].contribution == is_accountable(wanted[a], report.body.id)]
    if not (removed or added or switched):
        return False
    for update in removed + switched:
        _record_dropped(report, update, actor, "removed" if update in removed else "switched")
    for update in removed:
        report.updates.remove(update)
    previous = previous_updates(report.body, added + [u.activity for u in switched], report.period)
    for activity in added:
        _store_update(report, None, activity, carried_data(previous.get(activity.id)), previous.get(activity.id))
    for update in switched:
        kept = UpdateData.of(update)
        _store_update(report, update, update.activity, kept, previous.get(update.activity_id))
    report.version += 1
    db.session.flush()
    audit.record("report.synced", "group_report", report.id, user_id=_id(actor),
                 after={"added": sorted(a.code for a in added), "removed": sorted(u.activity.code for u in removed),
                        "contribution": sorted(u.activity.code for u in switched if u.contribution),
                        "accountable": sorted(u.activity.code for u in switched if not u.contribution),
                        "version": report.version})
    return True


def _record_dropped(report: GroupReport, update: ActivityUpdate, actor, how: str) -> None:
    """Keep in the history what an update said before the plan took it out of the report (or turned it into a
    contribution note, which keeps the note only)."""
    texts = {name: getattr(update, name) for name in UPDATE_TEXT_FIELDS if getattr(update, name)}
    if how == "switched" and (update.contribution or not (
            update.status or update.progress_pct is not None or set(texts) - {"achievements"})):
        return  # a note becoming a full update, or an update that held nothing but the note (which stays)
    audit.record("report.update_removed" if how == "removed" else "report.update_to_contribution", "group_report",
                 report.id, user_id=_id(actor),
                 before={"activity": update.activity.code, "status": update.status,
                         "progress_pct": update.progress_pct, "contribution": update.contribution, **texts},
                 after={"period": report.period.code, "body": report.body.slug})


def last_accepted_updates(activity_ids: list[int], period: ReportingPeriod, *, body_id: int | None = None,
                          statuses_only: bool = False) -> dict[int, ActivityUpdate]:
    """The latest accepted update of each activity from a period before this one (one query); `body_id`: that
    body's only; `statuses_only`: leave contribution notes out."""
    if not activity_ids:
        return {}
    order = ReportingPeriod.year * 10 + ReportingPeriod.quarter
    conditions = [ActivityUpdate.activity_id.in_(activity_ids), GroupReport.state == "accepted",
                  order < period.year * 10 + period.quarter]
    if body_id is not None:
        conditions.append(GroupReport.body_id == body_id)
    if statuses_only:
        conditions.append(ActivityUpdate.contribution.is_(False))
    ranked = (
        select(ActivityUpdate.id, func.row_number().over(partition_by=ActivityUpdate.activity_id,
                                                          order_by=order.desc()).label("rank"))
        .join(GroupReport, ActivityUpdate.report_id == GroupReport.id)
        .join(ReportingPeriod, GroupReport.period_id == ReportingPeriod.id)
        .where(*conditions)
        .subquery()
    )
    latest = select(ActivityUpdate).where(ActivityUpdate.id.in_(select(ranked.c.id).where(ranked.c.rank == 1)))
    return {update.activity_id: update for update in db.session.scalars(latest)}


def previous_updates(body: Body, activities: list[Activity], period: ReportingPeriod) -> dict[int, ActivityUpdate]:
    """What each activity's update in the body's report starts from: for an activity it is accountable for, the
    activity's last accepted update (whichever body wrote it); for a contribution, its own last note (two
    queries at most)."""
    own = [a.id for a in activities if is_accountable(a, body.id)]
    notes = [a.id for a in activities if not is_accountable(a, body.id)]
    found = last_accepted_updates(own, period, statuses_only=True)
    found.update(last_accepted_updates(notes, period, body_id=body.id))
    return found


@dataclass
class UpdateData:
    """What the form says about one activity."""

    status: str | None = None
    progress_pct: int | None = None
    achievements: str = ""
    challenges: str = ""
    next_steps: str = ""
    support_needed: str = ""
    evidence_links: str = ""
    no_progress: bool = False

    @classmethod
    def of(cls, update: ActivityUpdate) -> "UpdateData":
        """The data of a stored update."""
        return cls(**{f.name: getattr(update, f.name) for f in fields(cls)})

    def same_text_as(self, other: "UpdateData") -> bool:
        """True when nothing was changed from `other` (status, progress and every text)."""
        mine, theirs = asdict(self), asdict(other)
        mine.pop("no_progress"), theirs.pop("no_progress")
        return {k: (v or "") if isinstance(v, str) or v is None else v for k, v in mine.items()} == {
            k: (v or "") if isinstance(v, str) or v is None else v for k, v in theirs.items()}


def carried_data(previous: ActivityUpdate | None, contribution: bool = False) -> UpdateData:
    """The starting point of an activity's update: its last accepted update (only its note, for a contribution),
    or nothing."""
    if previous is None:
        return UpdateData()
    if contribution:
        return UpdateData(achievements=previous.achievements or "")
    data = UpdateData.of(previous)
    data.no_progress = False
    return data


def _same(a: str | None, b: str | None) -> bool:
    """Equal texts as a reader sees them (surrounding spaces and line endings do not count)."""
    return (a or "").replace("\r\n", "\n").strip() == (b or "").replace("\r\n", "\n").strip()


def carried_fields(data: UpdateData, previous: ActivityUpdate | None) -> list[str]:
    """The text fields of an update that repeat the last accepted one word for word (empty ones do not count)."""
    if previous is None:
        return []
    return [name for name in UPDATE_TEXT_FIELDS
            if (getattr(data, name) or "").strip() and _same(getattr(data, name), getattr(previous, name))]


def find_report(body: Body, period: ReportingPeriod, *, for_update: bool = False) -> GroupReport | None:
    """The body's report for the period, if anyone has saved one; `for_update` locks its row until the commit (on
    PostgreSQL a concurrent save then waits and sees the new version, a 409, instead of overwriting it)."""
    query = select(GroupReport).where(GroupReport.body_id == body.id, GroupReport.period_id == period.id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)  # the view loaded it already
    return db.session.scalar(query)


# --- writing ------------------------------------------------------------------------------------


def check_update(activity: Activity, data: UpdateData) -> list[str]:
    """Problems with one update that prevent saving it (bad status, progress, links)."""
    problems = []
    if data.status and data.status not in STATUSES:
        problems.append(_("%(code)s: the status is not one of the list.", code=activity.code))
    if data.progress_pct is not None and not 0 <= data.progress_pct <= 100:
        problems.append(_("%(code)s: progress is a percentage between 0 and 100.", code=activity.code))
    for link in (line.strip() for line in data.evidence_links.splitlines()):
        if link and not re.match(r"^https?://[^\s/$.?#].[^\s]*$", link, re.IGNORECASE):
            problems.append(_("%(code)s: “%(link)s” is not a web address (http:// or https://).", code=activity.code,
                              link=link[:80]))
    return problems


def save_report(body: Body, period: ReportingPeriod, actor, version: int, summary: str,
                updates: dict[int, UpdateData]) -> GroupReport:
    """Save the group's draft (creating it the first time); 409-style VersionConflict when someone saved since."""
    report = find_report(body, period, for_update=True)
    if report is not None and not report.editable:
        raise ReportError(_("This report is %(state)s and can no longer be changed by the group.", state=REPORT_STATES[report.state]))
    if period.state != "open":
        raise ReportError(_("%(period)s is not open for reports.", period=period.code))
    current_version = report.version if report else 0
    if version != current_version:
        raise VersionConflict(report)
    activities = reportable_activities(body, report, strategy_id=period.strategy_id)
    problems = [p for a in activities for p in check_update(a, updates.get(a.id, UpdateData()))]
    if problems:
        raise ReportError(_("The report was not saved."), problems)
    if report is None:
        report = GroupReport(body=body, period=period, state="draft", version=0)
        db.session.add(report)
    previous = previous_updates(body, activities, period)
    stored = {u.activity_id: u for u in report.updates}
    covered = {a.id for a in activities}
    for update in [u for u in report.updates if u.activity_id not in covered]:
        # The plan gave the activity to another body and nobody synchronised this draft yet.
        _record_dropped(report, update, actor, "removed")
        report.updates.remove(update)
    for activity in activities:
        _store_update(report, stored.get(activity.id), activity, updates.get(activity.id, UpdateData()),
                      previous.get(activity.id))
    report.summary = (summary or "").strip()
    report.version += 1
    report.updated_at, report.updated_by_id = utcnow(), _id(actor)
    db.session.flush()
    audit.record("report.saved", "group_report", report.id, after={"version": report.version, "state": report.state},
                 user_id=_id(actor))
    return report


def _store_update(report: GroupReport, update: ActivityUpdate | None, activity: Activity, data: UpdateData,
                  previous: ActivityUpdate | None) -> None:
    """Write one activity's update (only a note when the body is not accountable for it), marking which texts
    repeat the last accepted update unchanged, and whether all of it does."""
    if update is None:
        update = ActivityUpdate(activity=activity)
        report.updates.append(update)
    contribution = not is_accountable(activity, report.body.id)
    if contribution:  # a note, in `achievements`: the accountable body's report sets status and progress
        data = UpdateData(achievements=data.achievements)
    for name, value in asdict(data).items():
        setattr(update, name, value.strip() if isinstance(value, str) else value)
    update.contribution = contribution
    update.carried = (previous is not None and not data.no_progress
                      and data.same_text_as(carried_data(previous, contribution)))
    update.carried_fields = carried_fields(data, previous)
    update.carried_from_id = previous.id if update.carried or update.carried_fields else None


def write_report(body: Body, period: ReportingPeriod, actor, version: int, summary: str,
                 updates: dict[int, UpdateData], submit: bool = False, confirmed: bool = False) -> GroupReport:
    """Save the group's report and, when asked, submit it (`confirmed`: next steps or evidence carried unchanged
    were confirmed); the save is kept even when submitting is refused."""
    try:
        report = save_report(body, period, actor, version, summary, updates)
    except (ReportError, VersionConflict):
        db.session.rollback()
        raise
    db.session.commit()
    if submit:
        try:
            submit_report(report, actor, confirmed=confirmed)
        except ReportError as error:
            error.saved = report  # the draft was committed above; only submitting was refused
            raise
        db.session.commit()
    return report


def submission_problems(report: GroupReport) -> list[str]:
    """What is missing before a report can be submitted, activity by activity."""
    problems = [] if report.summary.strip() else [_("Write a summary of the quarter for the whole report.")]
    for update in sorted(report.updates, key=lambda u: u.activity.position):
        code = update.activity.code
        if not update.status and not update.contribution:  # a contribution note carries no status
            problems.append(_("%(code)s: choose a status.", code=code))
        if not update.contribution and not update.no_progress and (not update.achievements.strip() or update.carried):
            problems.append(_("%(code)s: write this quarter's achievements, or tick “no progress this quarter”.",
                              code=code))
    return problems


def carried_unchanged(report: GroupReport) -> list[tuple[Activity, list[str]]]:
    """The activities whose next steps or evidence links repeat the last accepted update unchanged, with which of
    the two, in plan order."""
    found = []
    for update in sorted(report.updates, key=lambda u: u.activity.position):
        names = [name for name in CONFIRM_CARRIED if name in (update.carried_fields or [])]
        if names and not update.contribution:
            found.append((update.activity, names))
    return found


def submit_report(report: GroupReport, actor, confirmed: bool = False) -> None:
    """Submit a saved report for review; ReportError lists exactly what is missing; CarriedUnconfirmed asks to
    confirm next steps or evidence carried unchanged from the last accepted update (unless `confirmed`)."""
    if not report.editable:
        raise ReportError(_("Only a draft or a returned report can be submitted."))
    if not can_submit_now(report):
        raise ReportError(_("%(period)s is not open for reports.", period=report.period.code))
    problems = submission_problems(report)
    if problems:
        raise ReportError(_("The report is saved but not submitted yet."), problems)
    carried = carried_unchanged(report)
    if carried and not confirmed:
        raise CarriedUnconfirmed(carried)
    before = report.state
    report.state, report.submitted_at, report.submitted_by_id = "submitted", utcnow(), _id(actor)
    report.version += 1
    after = {"state": "submitted"}
    if carried:
        after["carried_confirmed"] = {a.code: names for a, names in carried}
    audit.record("report.submitted", "group_report", report.id, before={"state": before}, after=after,
                 user_id=_id(actor))
    signals.report_submitted.send(report, actor=actor)


def can_submit_now(report: GroupReport) -> bool:
    """A report can be submitted only while its period is open."""
    return report.period.state == "open"


def _lock_for_review(report: GroupReport) -> None:
    """Lock the report's row until the commit and read its state again (PostgreSQL: of two reviewers deciding at
    once, the second waits, then sees the first decision and is refused; SQLite's BEGIN IMMEDIATE already
    serialises them)."""
    db.session.scalar(select(GroupReport).where(GroupReport.id == report.id).with_for_update()
                      .execution_options(populate_existing=True))


def return_report(report: GroupReport, actor, note: str) -> None:
    """Send a submitted report back to the group with a note saying what to fix."""
    _lock_for_review(report)
    if report.state != "submitted":
        raise ReportError(_("Only a submitted report can be returned."))
    if not (note or "").strip():
        raise ReportError(_("Say what the group should fix: a note is required to return a report."))
    report.state, report.review_note = "returned", note.strip()
    report.reviewed_at, report.reviewed_by_id = utcnow(), _id(actor)
    report.version += 1
    audit.record("report.returned", "group_report", report.id, before={"state": "submitted"},
                 after={"state": "returned"}, rationale=report.review_note, user_id=_id(actor))
    signals.report_returned.send(report, actor=actor)
    db.session.commit()


def accept_report(report: GroupReport, actor, note: str | None = None) -> None:
    """Accept a submitted report: it becomes read-only and its statuses become the activities' current ones."""
    _lock_for_review(report)
    if report.state != "submitted":
        raise ReportError(_("Only a submitted report can be accepted."))
    strategy_id = report.period.strategy_id
    ids = [u.activity_id for u in report.updates]
    before = statuses.current_statuses(strategy_id, ids)
    report.state, report.review_note = "accepted", (note or "").strip() or None
    report.reviewed_at, report.reviewed_by_id = utcnow(), _id(actor)
    report.version += 1
    statuses.refresh(strategy_id, ids)
    after = statuses.current_statuses(strategy_id, ids)
    codes = {u.activity_id: u.activity.code for u in report.updates}
    changes = {codes[a]: [before[a].status, after[a].status] for a in ids
               if a in before and a in after and before[a].status != after[a].status}
    audit.record("report.accepted", "group_report", report.id, before={"state": "submitted"},
                 after={"state": "accepted", "statuses": changes}, user_id=_id(actor))
    signals.report_accepted.send(report, actor=actor)
    db.session.commit()


def add_comment(report: GroupReport, actor, text: str, internal: bool) -> ReportComment:
    """Comment on a report, for the group to see or internal to the secretariat."""
    if not (text or "").strip():
        raise ReportError(_("Write a comment first."))
    comment = ReportComment(report=report, author_id=actor.id, text=text.strip(), internal=internal)
    db.session.add(comment)
    db.session.flush()
    audit.record("report.commented", "report_comment", comment.id, after={"report": report.id, "internal": internal},
                 user_id=actor.id)
    signals.report_commented.send(comment, actor=actor)
    db.session.commit()
    return comment
