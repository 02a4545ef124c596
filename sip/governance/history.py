"""Plan versions and activity revisions: the baseline version, recording a revision, and the plan as of a version."""
import re
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from sip.core import audit
from sip.core.i18n import current_language, pick
from sip.extensions import db
from sip.governance.models import ActivityRevision, PlanVersion, RevisionResponsibility
from sip.plan.models import CLOSED_STATUSES, Activity, Output, Strategy, search_text

# The seed is the November 2023 revision of the 2022–2026 plan: the first version the tracker records.
BASELINE_TAG = "2023-11"
BASELINE_NAME = {"fr": "Révision de novembre 2023", "en": "November 2023 revision"}
BASELINE_EFFECTIVE_ON = date(2023, 11, 1)
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TAG_MAX = 80


class AsOfError(ValueError):
    """An ?as_of= value that names no version of the plan; the message is for the reader."""


def plan_state(activity: Activity) -> str:
    """Where an activity stands in the plan itself: active, completed or discontinued.

    Retired by an amendment, or marked done in the plan's own text (the seed's "TERMINÉ", which names no
    body). An activity that a report calls completed stays active in the plan until an amendment retires it.
    """
    if activity.retired_on is not None:
        return activity.plan_status if activity.plan_status in CLOSED_STATUSES else "completed"
    if activity.plan_status in CLOSED_STATUSES and not activity.responsibilities:
        return activity.plan_status
    return "active"


def versions(strategy: Strategy) -> list[PlanVersion]:
    """The strategy's versions, oldest first."""
    query = select(PlanVersion).where(PlanVersion.strategy_id == strategy.id).order_by(PlanVersion.sequence)
    return list(db.session.scalars(query))


def latest_version(strategy: Strategy) -> PlanVersion | None:
    """The current version of the plan."""
    query = (select(PlanVersion).where(PlanVersion.strategy_id == strategy.id)
             .order_by(PlanVersion.sequence.desc()).limit(1))
    return db.session.scalar(query)


def ensure_baseline(strategy: Strategy, actor_id: int | None = None, *, tag: str = BASELINE_TAG,
                    name: dict | None = None, effective_on: date = BASELINE_EFFECTIVE_ON) -> PlanVersion | None:
    """Record the plan as it stands as its first version, once (by default the seed's "November 2023 revision"; a
    new plan names its own); None when it exists."""
    if db.session.scalar(select(PlanVersion.id).where(PlanVersion.strategy_id == strategy.id).limit(1)):
        return None
    version = PlanVersion(strategy_id=strategy.id, sequence=1, tag=tag, name=dict(name or BASELINE_NAME),
                          effective_on=effective_on, created_by_id=actor_id)
    db.session.add(version)
    db.session.flush()
    activities = db.session.scalars(
        select(Activity).where(Activity.strategy_id == strategy.id).options(selectinload(Activity.responsibilities))
    )
    count = 0
    for activity in activities:
        db.session.add(new_revision(activity, version))
        count += 1
    audit.record("plan_version.created", "plan_version", version.id, user_id=actor_id,
                 after={"tag": version.tag, "name": version.name, "effective_on": effective_on.isoformat(),
                        "sequence": 1, "activities": count})
    return version


def new_revision(activity: Activity, version: PlanVersion) -> ActivityRevision:
    """A revision holding the activity as it is now, valid from `version`."""
    revision = ActivityRevision(activity_id=activity.id, version_id=version.id)
    fill_revision(revision, activity)
    return revision


def fill_revision(revision: ActivityRevision, activity: Activity) -> None:
    """Copy the activity's plan fields (code, text, output, place, state, responsibilities and the accountable body)
    into the revision."""
    revision.code, revision.text = activity.code, dict(activity.text or {})
    revision.accountable_body_id = activity.accountable_body_id
    revision.output_id, revision.position = activity.output_id, activity.position
    revision.state = plan_state(activity)
    revision.search_text = search_text(activity.code, activity.text)
    revision.responsibilities = [
        RevisionResponsibility(body_id=r.body_id, role=r.role, note=r.note, position=index)
        for index, r in enumerate(activity.responsibilities)
    ]


def current_revision(activity: Activity) -> ActivityRevision | None:
    """The activity's revision that holds today."""
    return db.session.scalar(select(ActivityRevision).where(ActivityRevision.activity_id == activity.id,
                                                            ActivityRevision.superseded_by_id.is_(None)))


def record_revision(activity: Activity, version: PlanVersion) -> ActivityRevision:
    """After a change to the live activity: close its current revision and open one in `version`.

    A second change in the same version rewrites that version's revision instead (a version states one text).
    """
    db.session.flush()
    current = current_revision(activity)
    if current is not None and current.version_id == version.id:
        fill_revision(current, activity)
        return current
    if current is not None:
        current.superseded_by_id = version.id
    revision = new_revision(activity, version)
    db.session.add(revision)
    return revision


def position_after_output(strategy: Strategy, output: Output, exclude_id: int | None = None) -> int:
    """The position after the last activity of `output` (or of the outputs before it), making room for it.

    Positions order the whole plan; the activities and revisions after the slot move one down, together, so
    that every version's revisions keep their order.
    """
    earlier = (select(func.max(Activity.position)).join(Output, Activity.output_id == Output.id)
               .where(Activity.strategy_id == strategy.id, Output.position <= output.position))
    if exclude_id is not None:
        earlier = earlier.where(Activity.id != exclude_id)
    slot = (db.session.scalar(earlier) or 0) + 1
    of_strategy = select(Activity.id).where(Activity.strategy_id == strategy.id)
    db.session.execute(update(Activity).where(Activity.strategy_id == strategy.id, Activity.position >= slot)
                       .values(position=Activity.position + 1).execution_options(synchronize_session="fetch"))
    db.session.execute(update(ActivityRevision)
                       .where(ActivityRevision.activity_id.in_(of_strategy), ActivityRevision.position >= slot)
                       .values(position=ActivityRevision.position + 1).execution_options(synchronize_session="fetch"))
    return slot


# --- the plan as of a version or a date ---------------------------------------------------------


def resolve_as_of(strategy: Strategy, value: str) -> PlanVersion:
    """The version named by a tag, or in force on a date (YYYY-MM-DD); AsOfError with a message otherwise."""
    value = (value or "").strip()
    if not value or len(value) > TAG_MAX:
        raise AsOfError(_("Give a version's tag or a date written YYYY-MM-DD."))
    if DATE_PATTERN.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise AsOfError(_("“%(value)s” is not a date; write it as YYYY-MM-DD, for example 2024-06-30.",
                              value=value)) from None
        return version_on(strategy, day)
    version = db.session.scalar(select(PlanVersion).where(PlanVersion.strategy_id == strategy.id,
                                                          func.lower(PlanVersion.tag) == value.lower()))
    if version is None:
        raise AsOfError(_("No version of the plan is tagged “%(value)s”. The versions are listed on the page "
                          "“Versions of the plan”.", value=value))
    return version


def version_on(strategy: Strategy, day: date) -> PlanVersion:
    """The version in force on a day; AsOfError before the first recorded version."""
    version = db.session.scalar(
        select(PlanVersion).where(PlanVersion.strategy_id == strategy.id, PlanVersion.effective_on <= day)
        .order_by(PlanVersion.effective_on.desc(), PlanVersion.sequence.desc()).limit(1)
    )
    if version is None:
        first = db.session.scalar(select(PlanVersion).where(PlanVersion.strategy_id == strategy.id)
                                  .order_by(PlanVersion.sequence).limit(1))
        if first is None:
            raise AsOfError(_("No version of the plan is recorded yet."))
        raise AsOfError(_("The first version the tracker records is “%(name)s”, in force from %(date)s; there is "
                          "no record of the plan on %(day)s.", name=pick(first.name, current_language()) or first.tag,
                          date=format_date(first.effective_on, "long"), day=format_date(day, "long")))
    return version


def valid_in(version: PlanVersion) -> list:
    """SQL conditions on ActivityRevision: the revisions that make up the plan in `version`."""
    up_to = select(PlanVersion.id).where(PlanVersion.strategy_id == version.strategy_id,
                                         PlanVersion.sequence <= version.sequence)
    after = select(PlanVersion.id).where(PlanVersion.strategy_id == version.strategy_id,
                                         PlanVersion.sequence > version.sequence)
    return [ActivityRevision.version_id.in_(up_to),
            or_(ActivityRevision.superseded_by_id.is_(None), ActivityRevision.superseded_by_id.in_(after))]
