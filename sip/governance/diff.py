"""What changed in the plan between two versions: added, retired, reworded (with a word diff), moved, bodies changed."""
import difflib
from collections import defaultdict
from dataclasses import dataclass, field

import pandas as pd
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sip.core.i18n import pick
from sip.extensions import db
from sip.governance.models import PLAN_STATES, ActivityRevision, Amendment, PlanVersion
from sip.governance.queries import revisions_in
from sip.plan.models import ROLES, Strategy

CHANGE_KINDS = ("added", "removed", "retired", "reinstated", "reworded", "moved", "responsibilities")
# The kinds of amendment that make each kind of change.
MADE_BY = {"added": ("add",), "removed": (), "retired": ("retire",), "reinstated": (), "reworded": ("edit_text", "add"),
           "moved": ("move",), "responsibilities": ("responsibilities", "add")}
DATAFRAME_COLUMNS = ["kind", "change", "code", "code_before", "output_before", "output_after", "before", "after",
                     "text_diff", "bodies_before", "bodies_after", "text", "amendments"]


def change_labels() -> dict:
    """The name of each kind of change, in the current language."""
    return {
        "added": _("Added"),
        "removed": _("Removed"),
        "retired": _("Retired"),
        "reinstated": _("Reinstated"),
        "reworded": _("Reworded"),
        "moved": _("Moved"),
        "responsibilities": _("Responsibilities changed"),
    }


@dataclass
class Segment:
    """A run of words of a text diff: kept ("equal"), removed ("delete") or added ("insert")."""

    op: str
    text: str


def word_diff(before: str, after: str) -> list[Segment]:
    """The word-level difference between two texts, as segments to show with <del> and <ins>.

    Words are compared without the spaces between them (so spaces never align two texts), and the texts are
    shown with single spaces, as the plan stores them.
    """
    old, new = (before or "").split(), (after or "").split()
    segments: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            _add_words(segments, "equal", new[j1:j2])
            continue
        if op in ("delete", "replace"):
            _add_words(segments, "delete", old[i1:i2])
        if op in ("insert", "replace"):
            _add_words(segments, "insert", new[j1:j2])
    return segments


def _add_words(segments: list[Segment], op: str, words: list[str]) -> None:
    """Add a run of words, with a space before it when something comes before."""
    if not words:
        return
    if segments:
        _append(segments, "equal", " ")
    _append(segments, op, " ".join(words))


def _append(segments: list[Segment], op: str, text: str) -> None:
    """Add a segment, merging it with the previous one of the same kind."""
    if segments and segments[-1].op == op:
        segments[-1].text += text
    else:
        segments.append(Segment(op, text))


def plain_diff(segments: list[Segment]) -> str:
    """A word diff as plain text: [-removed-] {+added+}."""
    marks = {"equal": "{}", "delete": "[-{}-]", "insert": "{{+{}+}}"}
    return "".join(marks[s.op].format(s.text) for s in segments)


@dataclass
class ActivityChange:
    """One change to one activity between the two versions."""

    kind: str
    before: ActivityRevision | None
    after: ActivityRevision | None
    amendments: list[Amendment] = field(default_factory=list)
    text_diff: dict[str, list[Segment]] = field(default_factory=dict)  # per language, for "reworded"

    @property
    def code(self) -> str:
        """The activity's code in the later version (in the earlier one when it was removed)."""
        return (self.after or self.before).code


@dataclass
class VersionDiff:
    """The changes from one version to a later one, in plan order."""

    from_version: PlanVersion
    to_version: PlanVersion
    changes: list[ActivityChange]

    def counts(self) -> dict[str, int]:
        """How many changes of each kind."""
        counts: dict[str, int] = defaultdict(int)
        for change in self.changes:
            counts[change.kind] += 1
        return dict(counts)


def _pairs(revision: ActivityRevision) -> list[tuple[int, str]]:
    """The (body, role) pairs of a revision, in order."""
    return [(r.body_id, r.role) for r in revision.responsibilities]


def _same_text(one: dict, other: dict) -> bool:
    """True when two bilingual texts say the same (spaces aside)."""
    return all(" ".join((one.get(lang) or "").split()) == " ".join((other.get(lang) or "").split())
               for lang in ("fr", "en"))


def changes_between(before: ActivityRevision | None, after: ActivityRevision | None) -> list[ActivityChange]:
    """The changes to one activity between two of its revisions (either may be missing)."""
    if before is None:
        return [ActivityChange("added", None, after)]
    if after is None:
        return [ActivityChange("removed", before, None)]
    changes = []
    if before.state == "active" and after.state != "active":
        changes.append(ActivityChange("retired", before, after))
    elif before.state != "active" and after.state == "active":
        changes.append(ActivityChange("reinstated", before, after))
    if not _same_text(before.text or {}, after.text or {}):
        diffs = {lang: word_diff((before.text or {}).get(lang) or "", (after.text or {}).get(lang) or "")
                 for lang in ("fr", "en")}
        changes.append(ActivityChange("reworded", before, after, text_diff=diffs))
    if before.output_id != after.output_id or before.code != after.code:
        changes.append(ActivityChange("moved", before, after))
    if _pairs(before) != _pairs(after) or before.accountable_body_id != after.accountable_body_id:
        changes.append(ActivityChange("responsibilities", before, after))
    return changes


def compare(strategy: Strategy, from_version: PlanVersion, to_version: PlanVersion) -> VersionDiff:
    """Every change between two versions (taken in time order), with the amendments that made them."""
    if from_version.sequence > to_version.sequence:
        from_version, to_version = to_version, from_version
    old = {r.activity_id: r for r in revisions_in(from_version)}
    new = {r.activity_id: r for r in revisions_in(to_version)}
    made_by = _amendments_between(strategy, from_version, to_version)
    changes = []
    for activity_id in sorted(old.keys() | new.keys(), key=lambda i: (new.get(i) or old.get(i)).position):
        for change in changes_between(old.get(activity_id), new.get(activity_id)):
            change.amendments = [a for a in made_by.get(activity_id, []) if a.kind in MADE_BY[change.kind]]
            changes.append(change)
    return VersionDiff(from_version, to_version, changes)


def _amendments_between(strategy: Strategy, from_version: PlanVersion, to_version: PlanVersion) -> dict:
    """The amendments applied after `from_version` up to `to_version`, by activity (one query)."""
    later = select(PlanVersion.id).where(PlanVersion.strategy_id == strategy.id,
                                         PlanVersion.sequence > from_version.sequence,
                                         PlanVersion.sequence <= to_version.sequence)
    query = (select(Amendment).where(Amendment.state == "applied", Amendment.version_id.in_(later))
             .order_by(Amendment.id).options(joinedload(Amendment.version)))
    by_activity: dict[int, list[Amendment]] = defaultdict(list)
    for amendment in db.session.scalars(query):
        by_activity[amendment.activity_id].append(amendment)
    return by_activity


# --- as a table, for the Excel export -----------------------------------------------------------


def _bodies(revision: ActivityRevision | None, lang: str) -> str:
    """A revision's responsible bodies as text: "Body (role); Body (role)"."""
    if revision is None:
        return ""
    accountable = _("accountable")
    return "; ".join(f"{pick(r.body.short_name or r.body.name, lang)} ({ROLES.get(r.role, r.role)}"
                     f"{', ' + accountable if r.body_id == revision.accountable_body_id else ''})"
                     for r in revision.responsibilities)


def _values(change: ActivityChange, lang: str) -> tuple[str, str, str]:
    """The before and after values of a change, and its plain-text word diff, in `lang`."""
    before, after = change.before, change.after
    if change.kind == "added":
        return "", pick(after.text, lang), ""
    if change.kind == "removed":
        return pick(before.text, lang), "", ""
    if change.kind in ("retired", "reinstated"):
        return str(PLAN_STATES[before.state]), str(PLAN_STATES[after.state]), ""
    if change.kind == "reworded":
        old, new = before.text or {}, after.text or {}
        shown = lang if (old.get(lang) or new.get(lang)) else ("fr" if lang == "en" else "en")
        return old.get(shown) or "", new.get(shown) or "", plain_diff(change.text_diff[shown])
    if change.kind == "moved":
        return f"{before.code} ({before.output.code})", f"{after.code} ({after.output.code})", ""
    return _bodies(before, lang), _bodies(after, lang), ""


def version_diff(strategy: Strategy, from_version: PlanVersion, to_version: PlanVersion,
                 lang: str = "en") -> pd.DataFrame:
    """The changes between two versions as a DataFrame, one row per change, texts in `lang` (see DATAFRAME_COLUMNS)."""
    diff = compare(strategy, from_version, to_version)
    rows = []
    with force_locale(lang):
        labels = change_labels()
        for change in diff.changes:
            before, after, text_diff = _values(change, lang)
            latest = change.after or change.before
            rows.append({
                "kind": change.kind,
                "change": labels[change.kind],
                "code": change.code,
                "code_before": change.before.code if change.before else "",
                "output_before": change.before.output.code if change.before else "",
                "output_after": change.after.output.code if change.after else "",
                "before": before,
                "after": after,
                "text_diff": text_diff,
                "bodies_before": _bodies(change.before, lang),
                "bodies_after": _bodies(change.after, lang),
                "text": pick(latest.text, lang),
                "amendments": ", ".join(str(a.id) for a in change.amendments),
            })
    frame = pd.DataFrame(rows, columns=DATAFRAME_COLUMNS)
    frame.attrs.update({"from": diff.from_version.tag, "to": diff.to_version.tag})
    return frame
