"""Consistency checks over a plan tree: pillars > outcomes > outputs > activities.

Works on any objects with the attribute names used by the reader's dataclasses
(``pillar.number``, ``pillar.outcomes``, ``outcome.code``, ``outcome.outputs``,
``output.code``, ``output.activities``, ``activity.code`` and, optionally,
``activity.responsibilities`` and ``activity.status`` or ``activity.plan_status``), e.g. ORM rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sip.plan.models import CLOSED_STATUSES

LEVELS = ("pillar", "outcome", "output", "activity")
CHILDREN = {"pillar": "outcomes", "outcome": "outputs", "output": "activities"}


@dataclass
class Issue:
    """A warning or error about one line or item of a plan (line 0 when unknown)."""

    line: int
    code: str | None
    message: str


@dataclass
class _Report:
    """Issues collected while walking a tree, plus the codes seen so far."""

    warnings: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


def check(pillars) -> tuple[list[Issue], list[Issue]]:
    """Return (warnings, errors) for numbering prefixes, missing/duplicate codes and unassigned activities."""
    report = _Report()
    _walk(pillars, 0, None, report)
    return report.warnings, report.errors


def _walk(nodes, depth: int, parent_code: str | None, report: _Report) -> None:
    """Check every node of one level, then recurse into its children."""
    level = LEVELS[depth]
    for node in nodes or ():
        code = code_of(node, level)
        _check_code(node, level, code, report)
        _check_prefix(node, level, code, parent_code, report)
        if level == "activity":
            _check_assignment(node, code, report)
        else:
            _walk(getattr(node, CHILDREN[level], None), depth + 1, code, report)


def code_of(node, level: str) -> str:
    """Return the node's code as text ("" when missing); a pillar's code is its number."""
    value = getattr(node, "number" if level == "pillar" else "code", None)
    return "" if value is None else str(value).strip()


def _line(node) -> int:
    """Return the node's source line, or 0 when it has none."""
    return getattr(node, "line", 0) or 0


def _check_code(node, level: str, code: str, report: _Report) -> None:
    """Report an empty code or a code already used elsewhere in the tree."""
    if not code:
        report.errors.append(Issue(_line(node), None, f"{level} without a code"))
    elif code in report.seen:
        report.errors.append(Issue(_line(node), code, f"duplicate code {code} ({level})"))
    report.seen.add(code)


def _check_prefix(node, level: str, code: str, parent_code: str | None, report: _Report) -> None:
    """Warn when a code does not start with its parent's code."""
    if not code or not parent_code or code.startswith(parent_code + "."):
        return
    parent = LEVELS[LEVELS.index(level) - 1]
    message = f"{level} {code} does not start with the code of its {parent} {parent_code}"
    report.warnings.append(Issue(_line(node), code, message))


def _check_assignment(activity, code: str, report: _Report) -> None:
    """Report an activity that has no responsible body and is neither completed nor discontinued."""
    if not hasattr(activity, "responsibilities") and not hasattr(activity, "status"):
        return
    # A document's activity has `status`; a stored one says what the plan says in `plan_status`.
    status = getattr(activity, "status", None) or getattr(activity, "plan_status", None)
    status = getattr(status, "value", status)
    if status in CLOSED_STATUSES or list(getattr(activity, "responsibilities", None) or ()):
        return
    message = f"activity {code} has no responsible body and is not completed"
    report.errors.append(Issue(_line(activity), code or None, message))
