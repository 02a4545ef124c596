"""The report pack's tables as columns and rows: the plan and the updates, shared by the workbook and the CSV files.

Each column has its heading in the pack's language, its HXL hashtag (the Humanitarian Exchange Language row that
other humanitarian systems read; text columns in a language carry +i_fr or +i_en), a width for the workbook, and
how to read its value from a row. Values are text, numbers and dates (written as YYYY-MM-DD); the writers
neutralise formulas. An activity's status is the pack's: its row of the status table for the pack's quarter (for
the latest quarter, the current status the plan page shows). An update is the reporting body's, whoever filed it.
"""
from dataclasses import dataclass
from typing import Any, Callable

from flask_babel import gettext as _

from sip.exports.content import (ActivityItem, OutcomeItem, OutputItem, Pack, PillarItem, Update, status_label,
                                 update_history)
from sip.plan.models import STATUSES


@dataclass(frozen=True)
class Column:
    """A column of an exported table: heading, HXL hashtag, width in characters, and its value for a row."""

    header: str
    hxl: str
    width: int
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class PlanRow:
    """An activity with its place in the plan."""

    pillar: PillarItem
    outcome: OutcomeItem
    output: OutputItem
    activity: ActivityItem


@dataclass(slots=True)  # not frozen: a ×100 plan makes 120,000 of them, and a frozen one is slower to make
class UpdateRow:
    """An accepted update with its activity and pillar."""

    pillar: int
    activity: ActivityItem
    update: Update


def status_labels() -> dict[str, str]:
    """Each status in the current language, translated once (a table has a status on every row)."""
    return {status: status_label(status) for status in STATUSES}


def plan_rows(pack: Pack) -> list[PlanRow]:
    """Every activity of the plan in plan order, with its pillar, outcome and output."""
    return [PlanRow(pillar, outcome, output, activity)
            for pillar in pack.pillars for outcome in pillar.outcomes for output in outcome.outputs
            for activity in output.activities]


def plan_columns(pack: Pack) -> list[Column]:
    """The plan's columns: its place, texts, responsible bodies, status as of the quarter and latest report."""
    i, labels = f"+i_{pack.lang}", status_labels()
    return [
        Column(_("Pillar"), "#activity+pillar+code", 8, lambda r: r.pillar.number),
        Column(_("Code"), "#activity+code", 10, lambda r: r.activity.code),
        Column(_("Activity"), f"#activity+name{i}", 60, lambda r: r.activity.text),
        Column(_("Status as of %(period)s", period=pack.quarter), f"#status+name{i}", 16,
               lambda r: labels.get(r.activity.status, r.activity.status)),
        Column(_("Responsible bodies"), "#org+impl", 30, lambda r: r.activity.bodies_text),
        Column(_("Reported in"), "#date+quarter+reported", 11,
               lambda r: pack.q(r.activity.update.period) if r.activity.update else ""),
        Column(_("Reported on"), "#date+reported", 12,
               lambda r: r.activity.update.reported_on if r.activity.update else None),
        Column(_("Progress (%)"), "#indicator+progress+pct", 11,
               lambda r: r.activity.update.progress if r.activity.update else None),
        Column(_("Status code"), "#status+code", 13, lambda r: r.activity.status),
        Column(_("Pillar title"), f"#activity+pillar+name{i}", 28, lambda r: r.pillar.title),
        Column(_("Outcome"), "#activity+outcome+code", 9, lambda r: r.outcome.code),
        Column(_("Outcome text"), f"#activity+outcome+name{i}", 45, lambda r: r.outcome.text),
        Column(_("Output"), "#activity+output+code", 9, lambda r: r.output.code),
        Column(_("Output text"), f"#activity+output+name{i}", 45, lambda r: r.output.text),
    ]


def update_rows(pack: Pack) -> list[UpdateRow]:
    """Every accepted update up to the pack's quarter, one per activity, quarter and reporting body (one query)."""
    pillar_of = {a.id: pillar.number for pillar in pack.pillars for a in pillar.activities}
    return [UpdateRow(pillar_of[activity.id], activity, update) for activity, update in update_history(pack)]


def update_columns(pack: Pack) -> list[Column]:
    """The updates' columns: quarter, activity, reporting body, status, progress and what the body wrote; a
    contribution note of a body that is not accountable has no status."""
    i, labels = f"+i_{pack.lang}", status_labels()
    yes, no = _("Yes"), _("No")  # a yes/no word, as a reader filters on it
    return [
        Column(_("Quarter"), "#date+quarter", 10, lambda r: pack.q(r.update.period)),
        Column(_("Pillar"), "#activity+pillar+code", 8, lambda r: r.pillar),
        Column(_("Code"), "#activity+code", 10, lambda r: r.activity.code),
        Column(_("Activity"), f"#activity+name{i}", 50, lambda r: r.activity.text),
        Column(_("Status"), f"#status+name{i}", 14, lambda r: labels.get(r.update.status, r.update.status)),
        Column(_("Progress (%)"), "#indicator+progress+pct", 11, lambda r: r.update.progress),
        Column(_("Achievements"), "#description+achievements", 60, lambda r: r.update.achievements),
        Column(_("Challenges"), "#description+challenges", 45, lambda r: r.update.challenges),
        Column(_("Next steps"), "#description+next_steps", 45, lambda r: r.update.next_steps),
        Column(_("Support requested"), "#description+support", 45, lambda r: r.update.support_needed),
        Column(_("No progress this quarter"), "#indicator+no_progress+bool", 12,
               lambda r: yes if r.update.no_progress else no),
        Column(_("Reported by"), "#org+impl", 18, lambda r: pack.body_names.get(r.update.body, r.update.body)),
        Column(_("Reported on"), "#date+reported", 12, lambda r: r.update.reported_on),
        Column(_("Evidence links"), "#meta+url", 40, lambda r: r.update.evidence_links),
        Column(_("Status code"), "#status+code", 13, lambda r: r.update.status),
        Column(_("Reporting body code"), "#org+impl+code", 16, lambda r: r.update.body),
        Column(_("Contribution note (sets no status)"), "#indicator+contribution+bool", 14,
               lambda r: yes if r.update.contribution else no),
    ]

