"""Reader of the "SIP text format": a Strategy Implementation Plan exported as plain text.

The document has intro sections, a glossary ("Term : definition"), the plan itself
("Pilier N : …", "But : …", "Réalisation X.Y : …", "Produit X.Y.Z : …", activity lines
"X.Y.Z.W text<TAB>responsible bodies") and an annex of numbered commitments ("1. …").
The reader never raises on odd input: problems are reported as warnings and errors.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, NamedTuple

from .consistency import Issue, check

__all__ = [
    "Activity", "Commitment", "Issue", "Outcome", "Output", "Pillar", "Plan", "Responsibility",
    "UnknownBodyError", "body_aliases", "normalise", "parse_responsible", "read_plan", "read_plan_file",
]

SUPERSCRIPTS = "¹²³⁴⁵⁶⁷⁸⁹⁰"
COMPLETED = "terminé"
ROLE_QUALIFIERS = {"organise": "organiser", "participe": "participant"}
NOTE_TRANSLATIONS = {
    "sous l'égide du GCSM": "under the aegis of the SAG",
    "selon les lignes directrices de l'organisation": "in line with the organisation's guidelines",
}

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*\s*>")
_MARKER = re.compile(rf"[{SUPERSCRIPTS}]+")
_SPACED_MARKER = re.compile(rf"\s*[{SUPERSCRIPTS}]+")
_PILLAR = re.compile(r"Pilier\s+(\d{1,9})\s*:\s*(.*)")
_GOAL = re.compile(r"But\s*:\s*(.*)")
_OUTCOME = re.compile(r"Réalisation\s+(\d+(?:\.\d+)*)\s*(:?)\s*(.*)")
_OUTPUT = re.compile(r"Produit\s+(\d+(?:\.\d+)*)\s*(:?)\s*(.*)")
_ACTIVITY = re.compile(r"(\d+\.\d+\.\d+\.\d+)(?:\s+(.*))?")
_FOOTNOTE = re.compile(rf"([{SUPERSCRIPTS}]+)\s*(.*)")
_URL = re.compile(r"https?://\S+.*")
_COMMITMENT = re.compile(r"(\d{1,9})\.\s+(.*)")
_TABLE_RULE = re.compile(r"[-|:\s]+")
_AEGIS = re.compile(r"sous l'égide d(?:u|e la|e l'|es) ?(.+)")
_QUALIFIED = re.compile(r"(.*?)\s*\(([^()]*)\)")
_SEPARATOR = re.compile(
    ", | et |" + "|".join(rf"(?<=\({re.escape(word)}\)) " for word in ROLE_QUALIFIERS)
)
_LINE_KINDS = (
    ("pillar", _PILLAR), ("goal", _GOAL), ("outcome", _OUTCOME), ("output", _OUTPUT),
    ("activity", _ACTIVITY), ("footnote", _FOOTNOTE), ("url", _URL),
)
_PLAN_KINDS = {"pillar", "goal", "outcome", "output", "activity"}


class UnknownBodyError(ValueError):
    """Raised by parse_responsible when a cell names bodies that have no alias."""

    def __init__(self, names: list[str]):
        """Keep the unknown names."""
        super().__init__("unknown bodies: " + ", ".join(names))
        self.names = names


class _Line(NamedTuple):
    """One line of the plan part: its number, its classifying match and its two cells."""

    number: int
    match: re.Match | None
    left: str
    right: str


@dataclass
class Responsibility:
    """A body responsible for an activity, with its role and an optional bilingual note."""

    body: str
    role: str = "lead"
    note: dict | None = None


@dataclass
class Activity:
    """An activity ("X.Y.Z.W") with its status and responsible bodies."""

    code: str
    text: str
    status: str = "planned"
    responsible_text: str = ""
    responsibilities: list[Responsibility] = field(default_factory=list)
    line: int = 0
    footnote: str = ""
    footnote_url: str = ""


@dataclass
class Output:
    """An output ("Produit X.Y.Z") and its activities."""

    code: str
    text: str
    activities: list[Activity] = field(default_factory=list)
    line: int = 0


@dataclass
class Outcome:
    """An outcome ("Réalisation X.Y") and its outputs."""

    code: str
    text: str
    outputs: list[Output] = field(default_factory=list)
    line: int = 0


@dataclass
class Pillar:
    """A pillar ("Pilier N") with its goal and outcomes."""

    number: int
    title: str
    goal: str = ""
    outcomes: list[Outcome] = field(default_factory=list)
    line: int = 0


@dataclass
class Commitment:
    """A numbered minimum commitment from the annex."""

    number: int
    text: str


@dataclass
class Plan:
    """The whole document as read, with the warnings and errors found."""

    pillars: list[Pillar] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)
    glossary: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)

    def activities(self) -> Iterator[Activity]:
        """Yield every activity in document order."""
        for pillar in self.pillars:
            for outcome in pillar.outcomes:
                for output in outcome.outputs:
                    yield from output.activities

    def counts(self) -> dict[str, int]:
        """Return the number of pillars, outcomes, outputs, activities and commitments."""
        outcomes = [outcome for pillar in self.pillars for outcome in pillar.outcomes]
        return {
            "pillars": len(self.pillars),
            "outcomes": len(outcomes),
            "outputs": sum(len(outcome.outputs) for outcome in outcomes),
            "activities": sum(1 for _ in self.activities()),
            "commitments": len(self.commitments),
        }


def _strip_tags(text: str) -> str:
    """Remove simple markup tags such as <u>, </u>, <i>, </i>."""
    return _TAG.sub("", text)


def normalise(text: str) -> str:
    """Strip tags and footnote markers (with the space before them) and collapse whitespace."""
    return " ".join(_SPACED_MARKER.sub("", _strip_tags(text)).split())


def body_aliases(bodies: list[dict]) -> dict[str, str]:
    """Map every alias (and the French name) of each body to its slug."""
    aliases = {}
    for body in bodies:
        for alias in [body.get("name", {}).get("fr", ""), *body.get("aliases", [])]:
            if alias:
                aliases[normalise(alias)] = body["slug"]
    return aliases


def read_plan_file(path, aliases: dict[str, str] | None = None) -> Plan:
    """Read a SIP text file; aliases default to those of seed/bodies.json."""
    if aliases is None:
        from seed import load_json

        aliases = body_aliases(load_json("bodies"))
    return read_plan(Path(path).read_text(encoding="utf-8-sig", errors="replace"), aliases)


def read_plan(text: str, aliases: dict[str, str]) -> Plan:
    """Read a SIP text document into a Plan; never raises on odd input."""
    lines = [(number, line.rstrip("\r")) for number, line in enumerate(text.split("\n"), 1)]
    glossary_start, plan_start, annex_start = _section_starts(lines)
    plan = Plan(glossary=_read_glossary(lines[glossary_start:plan_start]))
    builder = _Builder(plan, aliases)
    for number, line in lines[plan_start:annex_start]:
        builder.feed(number, line)
    builder.finish()
    _read_commitments(lines[annex_start:], plan)
    return plan


def parse_responsible(cell: str, aliases: dict[str, str]) -> tuple[str, list[Responsibility]]:
    """Return (status, responsibilities) for a responsibility cell; raises UnknownBodyError on unknown bodies."""
    status, responsibilities, unknown = _parse_cell(cell, aliases)
    if unknown:
        raise UnknownBodyError(unknown)
    return status, responsibilities


def _section_starts(lines: list[tuple[int, str]]) -> tuple[int, int, int]:
    """Return the indexes where the glossary, the plan and the annex start."""
    plan_start = next((i for i, (_, line) in enumerate(lines) if _is_plan_line(line)), len(lines))
    glossary_start = next(
        (i for i, (_, line) in enumerate(lines[:plan_start]) if line.strip().startswith("Glossaire")),
        plan_start,
    )
    annex_start = next(
        (i for i, (_, line) in enumerate(lines) if i > plan_start and line.strip().startswith("Annexe")),
        len(lines),
    )
    return glossary_start, plan_start, annex_start


def _is_plan_line(line: str) -> bool:
    """Tell whether a line is a pillar, goal, outcome, output or activity line."""
    return _classify(line)[0] in _PLAN_KINDS


def _classify(line: str) -> tuple[str, re.Match | None]:
    """Return the kind of a line ("blank", "pillar", …, "plain") and its match on the left cell."""
    if not line.strip() or _TABLE_RULE.fullmatch(line):
        return "blank", None
    left = _strip_tags(line).partition("\t")[0].strip()
    for kind, pattern in _LINE_KINDS:
        match = pattern.fullmatch(left)
        if match:
            return kind, match
    return "plain", None


def _read_glossary(lines: list[tuple[int, str]]) -> list[tuple[str, str]]:
    """Return (term, definition) pairs from "Term : definition" lines."""
    entries = []
    for _, line in lines:
        term, colon, definition = normalise(line).partition(" : ")
        if colon and term and definition:
            entries.append((term, definition))
    return entries


def _read_commitments(lines: list[tuple[int, str]], plan: Plan) -> None:
    """Add the numbered commitments of the annex to the plan."""
    seen = set()
    for number, line in lines:
        match = _COMMITMENT.fullmatch(normalise(line))
        if not match:
            continue
        value = int(match.group(1))
        if value in seen:
            plan.errors.append(Issue(number, match.group(1), f"duplicate commitment {value}"))
            continue
        seen.add(value)
        plan.commitments.append(Commitment(value, match.group(2)))


def _parse_cell(cell: str, aliases: dict[str, str]) -> tuple[str, list[Responsibility], list[str]]:
    """Return (status, responsibilities, unknown body names) for a responsibility cell."""
    cell = normalise(cell)
    if cell.casefold() == COMPLETED:
        return "completed", [], []
    lookup = {normalise(name).casefold(): slug for name, slug in aliases.items()}
    responsibilities, unknown = [], []
    for item in _split_items(cell):
        responsibility = _parse_item(item, lookup)
        if responsibility:
            responsibilities.append(responsibility)
        else:
            unknown.append(item)
    return "planned", responsibilities, unknown


def _split_items(cell: str) -> list[str]:
    """Split a cell at top-level ", " and " et ", and after role qualifiers like "(organise)"."""
    items, start = [], 0
    for match in _SEPARATOR.finditer(cell):
        before = cell[: match.start()]
        if before.count("(") == before.count(")"):
            items.append(cell[start : match.start()])
            start = match.end()
    items.append(cell[start:])
    return [item.strip() for item in items if item.strip()]


def _parse_item(item: str, lookup: dict[str, str]) -> Responsibility | None:
    """Turn one cell item into a Responsibility, or None when its body is unknown."""
    aegis = _AEGIS.fullmatch(item)
    if aegis:
        slug = lookup.get(aegis.group(1).casefold())
        return Responsibility(slug, "contributor", _note(item)) if slug else None
    name, qualifier = _split_qualifier(item, lookup)
    slug = lookup.get(name.casefold())
    if not slug:
        return None
    if qualifier in ROLE_QUALIFIERS:
        return Responsibility(slug, ROLE_QUALIFIERS[qualifier])
    return Responsibility(slug, "lead", _note(qualifier) if qualifier else None)


def _split_qualifier(item: str, lookup: dict[str, str]) -> tuple[str, str | None]:
    """Split "Body (qualifier)" into its parts, unless the whole item is a known body name."""
    match = _QUALIFIED.fullmatch(item)
    if item.casefold() in lookup or not match:
        return item, None
    return match.group(1), match.group(2).strip()


def _note(text: str) -> dict:
    """Return a bilingual note for a qualifier ("en" is empty when no translation is known)."""
    return {"fr": text, "en": NOTE_TRANSLATIONS.get(text, "")}


class _Builder:
    """Builds the pillar tree line by line, tracking where the next line attaches."""

    def __init__(self, plan: Plan, aliases: dict[str, str]):
        """Start with an empty tree."""
        self.plan, self.aliases = plan, aliases
        self.pillar = self.outcome = self.output = self.last = None
        self.cited: dict[str, Activity] = {}
        self.footnoted: list[Activity] = []

    def feed(self, number: int, line: str) -> None:
        """Attach one line of the plan part to the tree."""
        kind, match = _classify(line)
        if kind != "blank":
            left, _, right = _strip_tags(line).partition("\t")
            getattr(self, "_on_" + kind)(_Line(number, match, left, right))

    def finish(self) -> None:
        """Resolve responsibility cells, then check the numbering of the whole tree."""
        for activity in self.plan.activities():
            self._resolve_cell(activity)
        warnings, errors = check(self.plan.pillars)
        self.plan.warnings.extend(warnings)
        self.plan.errors.extend(errors)
        if not self.plan.pillars:
            self.plan.errors.append(Issue(0, None, "no pillar found"))
        self.plan.warnings.sort(key=lambda issue: issue.line)
        self.plan.errors.sort(key=lambda issue: issue.line)

    def _warn(self, number: int, code: str | None, message: str) -> None:
        """Record a warning."""
        self.plan.warnings.append(Issue(number, code, message))

    def _error(self, number: int, code: str | None, message: str) -> None:
        """Record an error."""
        self.plan.errors.append(Issue(number, code, message))

    def _on_pillar(self, line: _Line) -> None:
        """Start a new pillar."""
        number, title = line.match.groups()
        self.pillar = Pillar(int(number), normalise(title), line=line.number)
        self.plan.pillars.append(self.pillar)
        self.outcome = self.output = self.last = None

    def _on_goal(self, line: _Line) -> None:
        """Set the goal of the current pillar."""
        self.last = None
        if self.pillar is None:
            self._error(line.number, None, "goal before any pillar")
        else:
            self.pillar.goal = normalise(line.match.group(1))

    def _on_outcome(self, line: _Line) -> None:
        """Start a new outcome in the current pillar."""
        code, colon, text = line.match.groups()
        self._check_colon(line.number, "Réalisation", code, colon)
        self.outcome = self.last = Outcome(code, normalise(text), line=line.number)
        self.output = None
        if self.pillar is None:
            self._error(line.number, code, f"outcome {code} before any pillar")
        else:
            self.pillar.outcomes.append(self.outcome)

    def _on_output(self, line: _Line) -> None:
        """Start a new output in the current outcome."""
        code, colon, text = line.match.groups()
        self._check_colon(line.number, "Produit", code, colon)
        self.output = self.last = Output(code, normalise(text), line=line.number)
        if self.outcome is None:
            self._error(line.number, code, f"output {code} before any outcome")
            self.output = None
        else:
            self.outcome.outputs.append(self.output)

    def _on_activity(self, line: _Line) -> None:
        """Add an activity to the current output."""
        code, text = line.match.group(1), line.match.group(2) or ""
        self.last = None
        if self.output is None:
            self._error(line.number, code, f"activity {code} before any output")
            return
        activity = self.last = Activity(code, normalise(text), responsible_text=line.right, line=line.number)
        self.output.activities.append(activity)
        self._cite(activity, text)

    def _on_footnote(self, line: _Line) -> None:
        """Attach a footnote text ("² …") to the activity citing its marker."""
        marker, text = line.match.groups()
        activity = self.cited.get(marker)
        self.last = None
        if activity is None:
            self._error(line.number, None, f"footnote {marker} is not cited by any activity")
            return
        activity.footnote = normalise(text)
        self.footnoted.append(activity)

    def _on_url(self, line: _Line) -> None:
        """Attach a URL line to the latest footnote that has none yet."""
        self.last = None
        pending = [activity for activity in self.footnoted if not activity.footnote_url]
        url = line.match.group(0).split()[0]
        if pending:
            pending[-1].footnote_url = url
        else:
            self._error(line.number, None, f"URL outside a footnote: {url[:80]}")

    def _on_plain(self, line: _Line) -> None:
        """Use a plain line as a wrapped text: an outcome/output text or an activity continuation."""
        if isinstance(self.last, (Outcome, Output)) and not self.last.text:
            self.last.text = normalise(line.left)
        elif isinstance(self.last, Activity):
            self._continue_activity(line)
        else:
            self._error(line.number, None, f"line cannot be attached to the plan: {normalise(line.left)[:80]}")

    def _continue_activity(self, line: _Line) -> None:
        """Append a continuation line to the last activity's text and responsibility cell."""
        activity = self.last
        activity.text = normalise(f"{activity.text} {line.left}")
        activity.responsible_text = f"{activity.responsible_text} {line.right}"
        self._cite(activity, line.left)
        self._warn(line.number, activity.code, f"activity {activity.code} wraps onto a continuation line")

    def _cite(self, activity: Activity, text: str) -> None:
        """Remember which footnote markers an activity's text cites."""
        for marker in _MARKER.findall(text):
            self.cited[marker] = activity

    def _check_colon(self, number: int, label: str, code: str, colon: str) -> None:
        """Warn when a "Produit"/"Réalisation" label has no colon after its code."""
        if not colon:
            self._warn(number, code, f"'{label} {code}' has no colon after its code")

    def _resolve_cell(self, activity: Activity) -> None:
        """Set an activity's status and responsibilities from its raw (possibly wrapped) cell."""
        cell = normalise(activity.responsible_text)
        status, responsibilities, unknown = _parse_cell(cell, self.aliases)
        activity.status, activity.responsibilities = status, responsibilities
        activity.responsible_text = "" if status == "completed" else cell
        for name in unknown:
            self._error(activity.line, activity.code, f"unknown body '{name}' in the responsibility column")
