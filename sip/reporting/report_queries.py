"""Reading one report page: the report, its activities, what carries forward and the comments, in a number of
queries that does not grow with the number of activities."""
from dataclasses import dataclass, fields

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from sip.bodies.models import Body
from sip.extensions import db
from sip.plan.models import Activity, Responsibility
from sip.reporting import services
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
    """Load the responsible bodies of all these activities at once (instead of one query per activity)."""
    if activities:
        db.session.scalars(
            select(Activity)
            .where(Activity.id.in_([a.id for a in activities]))
            .options(selectinload(Activity.responsibilities).joinedload(Responsibility.body))
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

    def starting_data(self) -> UpdateData:
        """What the form starts with: the saved update, else the last accepted one carried forward."""
        return UpdateData.of(self.update) if self.update is not None else services.carried_data(self.previous)


def report_sections(body: Body, period: ReportingPeriod, report: GroupReport | None) -> list[Section]:
    """The sections of the report page, each with the saved update and the last accepted one (four queries)."""
    activities = services.reportable_activities(body, report)
    load_responsibilities(activities)
    previous = services.last_accepted_updates([a.id for a in activities], period)
    saved = {u.activity_id: u for u in report.updates} if report is not None else {}
    codes = period_codes([p.id for p in previous.values()] + [u.carried_from_id for u in saved.values()])
    sections = []
    for activity in activities:
        last, update = previous.get(activity.id), saved.get(activity.id)
        sections.append(Section(activity, update, last, codes.get(last.id) if last else None,
                                saved_from_period=codes.get(update.carried_from_id) if update else None))
    return sections


def mark_carried(sections: list[Section], shown: dict[int, UpdateData] | None) -> None:
    """Mark the sections whose text repeats the last accepted update, so nobody mistakes it for new text.

    `shown` is what the form holds (typed or pre-filled); None for a read-only page, where the saved flag counts.
    """
    for section in sections:
        if shown is None:
            carried = section.update is not None and section.update.carried
            section.carried_period = (section.saved_from_period or section.previous_period) if carried else None
        else:
            data = shown.get(section.activity.id, UpdateData())
            carried = (section.previous is not None and not data.no_progress
                       and data.same_text_as(services.carried_data(section.previous)))
            section.carried_period = section.previous_period if carried else None


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
