"""Reading one report page: the report, its activities, what carries forward and the comments, in a number of
queries that does not grow with the number of activities."""
from dataclasses import dataclass, field, fields

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from sip.bodies.models import Body
from sip.extensions import db
from sip.plan.models import Activity, Responsibility
from sip.reporting import services, statuses
from sip.reporting.models import ActivityUpdate, GroupReport, ReportComment, ReportingPeriod
from sip.reporting.services import UpdateData


def load_report(body: Body, period: ReportingPeriod) -> GroupReport | None:
    """The body's report for the period with its updates, their activities, the comments and the people named."""
    query = (
        select(GroupReport)
        .where(GroupReport.body_id == body.id, GroupReport.period_id == period.id)
        .options(
            selectinload(GroupReport.updates).joinedload(ActivityUpdate.activity),
            selectinload(GroupReport.comments).joinedload(ReportComment.author),
            joinedload(GroupReport.updated_by),
            joinedload(GroupReport.submitted_by),
            joinedload(GroupReport.reviewed_by),
        )
        .execution_options(populate_existing=True)
    )
    return db.session.scalar(query)


def load_responsibilities(activities: list[Activity]) -> None:
    """Load the responsible and accountable bodies of all these activities at once (not one query per activity)."""
    if activities:
        db.session.scalars(
            select(Activity)
            .where(Activity.id.in_([a.id for a in activities]))
            .options(selectinload(Activity.responsibilities).joinedload(Responsibility.body),
                     joinedload(Activity.accountable_body))
        ).all()


def period_codes(update_ids) -> dict[int, str]:
    """The period ("2026-Q3") each of these updates was written for, by update id (one query)."""
    ids = {i for i in update_ids if i}
    if not ids:
        return {}
    rows = db.session.execute(
        select(ActivityUpdate.id, ReportingPeriod.year, ReportingPeriod.quarter)
        .join(GroupReport, ActivityUpdate.report_id == GroupReport.id)
        .join(ReportingPeriod, GroupReport.period_id == ReportingPeriod.id)
        .where(ActivityUpdate.id.in_(ids))
    )
    return {update_id: f"{year}-Q{quarter}" for update_id, year, quarter in rows}


@dataclass
class Section:
    """One activity of the report page."""

    activity: Activity
    update: ActivityUpdate | None = None  # what the report holds (None: not saved yet)
    previous: ActivityUpdate | None = None  # the activity's last accepted update from an earlier quarter
    previous_period: str | None = None  # that update's period
    saved_from_period: str | None = None  # the period a saved update was carried from (it may not be the latest)
    carried_period: str | None = None  # set when what is shown repeats that period's text: not new text
    current: statuses.Current | None = None  # the activity's current status
    contribution: bool = False  # the body is responsible, not accountable: a note, no status
    carried_fields: list[str] = field(default_factory=list)  # texts shown that repeat the last accepted update
    carried_fields_period: str | None = None  # the quarter those texts come from

    def starting_data(self) -> UpdateData:
        """What the form starts with: the saved update, else the last accepted one carried forward."""
        if self.update is not None:
            return UpdateData.of(self.update)
        return services.carried_data(self.previous, self.contribution)

    @property
    def accountable_name(self):
        """The name of the body whose report sets the status (for a contribution's label)."""
        body = self.activity.accountable_body
        return (body.short_name or body.name) if body is not None else None


def report_sections(body: Body, period: ReportingPeriod, report: GroupReport | None) -> list[Section]:
    """The sections of the report page, each with the saved update, the last accepted one and the activity's
    current status (a number of queries that does not grow with the activities)."""
    activities = services.reportable_activities(body, report, strategy_id=period.strategy_id)
    load_responsibilities(activities)
    previous = services.previous_updates(body, activities, period)
    current = statuses.current_statuses(period.strategy_id, [a.id for a in activities]) if activities else {}
    saved = {u.activity_id: u for u in report.updates} if report is not None else {}
    codes = period_codes([p.id for p in previous.values()] + [u.carried_from_id for u in saved.values()])
    sections = []
    for activity in activities:
        last, update = previous.get(activity.id), saved.get(activity.id)
        contribution = update.contribution if update is not None and not (report and report.editable) \
            else not services.is_accountable(activity, body.id)
        sections.append(Section(activity, update, last, codes.get(last.id) if last else None,
                                saved_from_period=codes.get(update.carried_from_id) if update else None,
                                current=current.get(activity.id), contribution=contribution))
    return sections


def mark_carried(sections: list[Section], shown: dict[int, UpdateData] | None) -> None:
    """Mark the sections whose text repeats the last accepted update, so nobody mistakes it for new text.

    `shown` is what the form holds (typed or pre-filled); None for a read-only page, where the saved flag counts.
    """
    for section in sections:
        if shown is None:
            carried = section.update is not None and section.update.carried
            section.carried_period = (section.saved_from_period or section.previous_period) if carried else None
            section.carried_fields = list(section.update.carried_fields or []) if section.update is not None else []
            section.carried_fields_period = section.saved_from_period or section.previous_period
        else:
            data = shown.get(section.activity.id, UpdateData())
            carried = (section.previous is not None and not data.no_progress
                       and data.same_text_as(services.carried_data(section.previous, section.contribution)))
            section.carried_period = section.previous_period if carried else None
            section.carried_fields = services.carried_fields(data, section.previous)
            section.carried_fields_period = section.previous_period


@dataclass
class Difference:
    """A field on which the report as saved now ("theirs") and the posted form ("yours") differ."""

    activity: Activity | None  # None for the summary
    name: str  # the field: "summary", "status", "achievements" …
    theirs: object
    yours: object


def _same(a, b) -> bool:
    """Equal as a reader would judge: surrounding spaces, line endings and empty vs missing do not count."""
    def norm(value):
        if isinstance(value, str) or value is None:
            return (value or "").replace("\r\n", "\n").strip()
        return value
    return norm(a) == norm(b)


def differences(report: GroupReport | None, activities: list[Activity], summary: str,
                typed: dict[int, UpdateData]) -> list[Difference]:
    """Every field where the report now in the database differs from what was just posted."""
    saved = {u.activity_id: UpdateData.of(u) for u in report.updates} if report is not None else {}
    found = []
    if not _same(report.summary if report is not None else "", summary):
        found.append(Difference(None, "summary", report.summary if report is not None else "", summary))
    for activity in activities:
        theirs, yours = saved.get(activity.id, UpdateData()), typed.get(activity.id, UpdateData())
        for f in fields(UpdateData):
            if not _same(getattr(theirs, f.name), getattr(yours, f.name)):
                found.append(Difference(activity, f.name, getattr(theirs, f.name), getattr(yours, f.name)))
    return found
