"""Reading the plan in a constant number of queries, and filtering it in memory."""
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sip.core.i18n import pick
from sip.extensions import db
from sip.plan.models import Activity, Outcome, Output, Pillar, Responsibility, Strategy


def current_strategy() -> Strategy | None:
    """The strategy the app shows (the first loaded)."""
    return db.session.scalar(select(Strategy).order_by(Strategy.id).limit(1))


def load_tree(strategy: Strategy) -> list[Pillar]:
    """Pillars with outcomes, outputs, activities, responsibilities and bodies: six queries, any size."""
    options = (
        selectinload(Pillar.outcomes)
        .selectinload(Outcome.outputs)
        .selectinload(Output.activities)
        .selectinload(Activity.responsibilities)
        .selectinload(Responsibility.body)
    )
    query = select(Pillar).where(Pillar.strategy_id == strategy.id).order_by(Pillar.number).options(options)
    return list(db.session.scalars(query))


def fold(text: str) -> str:
    """Lower-case text without accents, so that "preparation" finds "préparation"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@dataclass
class PlanFilters:
    """The filters of the plan page, as given in the URL."""

    body: str | None = None
    status: str | None = None
    pillar: int | None = None
    q: str | None = None

    @property
    def active(self) -> bool:
        """True when any filter is set."""
        return any(value not in (None, "") for value in (self.body, self.status, self.pillar, self.q))


@dataclass
class Row:
    """An activity with its place in the tree."""

    pillar: Pillar
    outcome: Outcome
    output: Output
    activity: Activity


def rows(tree: list[Pillar]) -> list[Row]:
    """Every activity of the tree, in plan order."""
    return [
        Row(pillar, outcome, output, activity)
        for pillar in tree
        for outcome in pillar.outcomes
        for output in outcome.outputs
        for activity in output.activities
    ]


def _haystack(row: Row) -> str:
    """The folded text a search looks in: code, activity text in both languages, body names."""
    parts = [row.activity.code, *row.activity.text.values()]
    for responsibility in row.activity.responsibilities:
        parts += [*responsibility.body.name.values(), *(responsibility.body.short_name or {}).values()]
    return fold(" ".join(parts))


def matches(row: Row, filters: PlanFilters) -> bool:
    """True when an activity passes every filter."""
    activity = row.activity
    if filters.status and activity.status != filters.status:
        return False
    if filters.pillar and row.pillar.number != filters.pillar:
        return False
    if filters.body and filters.body not in {r.body.slug for r in activity.responsibilities}:
        return False
    if filters.q:
        haystack = _haystack(row)
        return all(word in haystack for word in fold(filters.q).split())
    return True


@dataclass
class OutputGroup:
    """An output and its activities on the page."""

    output: Output
    activities: list = field(default_factory=list)


@dataclass
class OutcomeGroup:
    """An outcome and its outputs on the page."""

    outcome: Outcome
    outputs: list = field(default_factory=list)


@dataclass
class PillarGroup:
    """A pillar and its outcomes on the page."""

    pillar: Pillar
    outcomes: list = field(default_factory=list)


def group(selected: list[Row]) -> list[PillarGroup]:
    """Regroup a list of activities (in plan order) into pillar → outcome → output."""
    pillars: list[PillarGroup] = []
    for row in selected:
        if not pillars or pillars[-1].pillar is not row.pillar:
            pillars.append(PillarGroup(row.pillar))
        outcomes = pillars[-1].outcomes
        if not outcomes or outcomes[-1].outcome is not row.outcome:
            outcomes.append(OutcomeGroup(row.outcome))
        outputs = outcomes[-1].outputs
        if not outputs or outputs[-1].output is not row.output:
            outputs.append(OutputGroup(row.output))
        outputs[-1].activities.append(row.activity)
    return pillars


def status_counts(selected: list[Row]) -> dict[str, int]:
    """How many of the selected activities are in each status."""
    counts: dict[str, int] = {}
    for row in selected:
        counts[row.activity.status] = counts.get(row.activity.status, 0) + 1
    return counts


def find_activity(strategy: Strategy, code: str) -> Activity | None:
    """The activity with this code, with its output, outcome, pillar and bodies loaded."""
    query = (
        select(Activity)
        .where(Activity.strategy_id == strategy.id, Activity.code == code)
        .options(
            selectinload(Activity.output).selectinload(Output.outcome).selectinload(Outcome.pillar),
            selectinload(Activity.responsibilities).selectinload(Responsibility.body),
        )
    )
    return db.session.scalar(query)


def neighbours(strategy: Strategy, activity: Activity) -> tuple[str | None, str | None]:
    """Codes of the activities before and after this one in plan order."""
    before = db.session.scalar(
        select(Activity.code)
        .where(Activity.strategy_id == strategy.id, Activity.position < activity.position)
        .order_by(Activity.position.desc())
        .limit(1)
    )
    after = db.session.scalar(
        select(Activity.code)
        .where(Activity.strategy_id == strategy.id, Activity.position > activity.position)
        .order_by(Activity.position)
        .limit(1)
    )
    return before, after


def sort_text(text: dict, lang: str) -> str:
    """Folded text in a language, for sorting lists by name."""
    return fold(pick(text, lang))
