"""Opening the next plan: read it (the XLSX template or a plan document in the SIP text format) into rows, check
every row, and create it as a draft strategy only once the secretariat confirms; or copy a plan as a draft.

Reading never writes: it returns an ImportResult whose errors name the sheet, the row and the reason. Creating the
draft (create_draft, copy_strategy) checks again, writes the whole plan in one transaction (its quarters, its first
version and its commitments and glossary with it), and audits it. Draft editing changes a draft's activities
directly: a draft is the secretariat's until it is opened, so it needs no amendments.
"""
import io
import json
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from flask_babel import gettext as _
from openpyxl import load_workbook
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from sip.bodies.models import Body
from sip.core import audit
from sip.cycles.models import CarryOver
from sip.cycles.services import CycleError
from sip.cycles.template import COLUMNS, PLAN_SHEETS, heading, renamed
from sip.extensions import db
from sip.governance import history
from sip.governance.models import ActivityRevision
from sip.plan import reader
from sip.plan.models import (CLOSED_STATUSES, ROLES, Activity, Commitment, GlossaryTerm, Outcome, Output, Pillar,
                             Responsibility, Strategy, default_accountable)
from sip.plan.queries import current_strategy
from sip.reporting import statuses
from sip.reporting.models import ActivityStatus, ReportingPeriod
from sip.reporting.services import ensure_periods

MAX_ROWS = 5000
TEXT_MAX = 2000
CODE_MAX = 80
CODE_PATTERNS = {"outcome": re.compile(r"^\d{1,3}\.\d{1,3}$"), "output": re.compile(r"^\d{1,3}(\.\d{1,3}){2}$"),
                 "activity": re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")}
# The quarters whose reports a GLM looks at, and its month (as the demo's June and November GLMs).
GLM_QUARTERS = {2: ("juin", "June"), 4: ("novembre", "November")}
DUE_AFTER_END = 15  # the planned due date of a quarter's reports, days after its end (the period form may move it)
TEXT_SHEET = "text"  # the "sheet" of a plan document's rows: their row is the document's line
# The reader's own issues that the checks below report (as errors, with the same wording for both formats).
_COVERED = ("duplicate code", "does not start with the code of its", "has no responsible body")


@dataclass
class RowError:
    """A problem with one row of the file: its sheet, its row (the line of a text document; 0: the whole sheet or
    the form) and what is wrong."""

    sheet: str
    row: int
    message: str


@dataclass
class StrategyRow:
    """The strategy: its code, title and dates."""

    code: str = ""
    title: dict = field(default_factory=dict)
    starts_on: date | None = None
    ends_on: date | None = None
    row: int = 2
    sheet: str = "strategy"


@dataclass
class PillarRow:
    """A pillar, with its title and goal."""

    number: int | None
    title: dict
    goal: dict
    row: int = 0
    sheet: str = "pillars"


@dataclass
class OutcomeRow:
    """An outcome and the number of its pillar."""

    code: str
    pillar: int | None
    text: dict
    row: int = 0
    sheet: str = "outcomes"


@dataclass
class OutputRow:
    """An output and the code of its outcome."""

    code: str
    outcome: str
    text: dict
    row: int = 0
    sheet: str = "outputs"


@dataclass
class BodyRole:
    """A responsible body (its slug) and its role, with the note a plan document may give."""

    body: str
    role: str
    note: dict | None = None


@dataclass
class ActivityRow:
    """An activity: its output, texts, responsible bodies and accountable body (None: the default rule)."""

    code: str
    output: str
    text: dict
    responsibilities: list[BodyRole] = field(default_factory=list)
    accountable: str | None = None
    status: str = "planned"
    footnote: dict | None = None
    footnote_url: str | None = None
    row: int = 0
    sheet: str = "activities"


@dataclass
class PlanRows:
    """A plan as read, level by level, each row knowing where it came from."""

    strategy: StrategyRow | None = None
    pillars: list[PillarRow] = field(default_factory=list)
    outcomes: list[OutcomeRow] = field(default_factory=list)
    outputs: list[OutputRow] = field(default_factory=list)
    activities: list[ActivityRow] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many pillars, outcomes, outputs and activities."""
        return {"pillars": len(self.pillars), "outcomes": len(self.outcomes), "outputs": len(self.outputs),
                "activities": len(self.activities)}


@dataclass
class ImportResult:
    """A plan as read, with every error (nothing can be created while there is one) and warning."""

    plan: PlanRows
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the plan may be created as a draft."""
        return not self.errors and bool(self.plan.activities)

    def errors_of(self, sheet: str, row: int) -> list[str]:
        """The errors of one row."""
        return [e.message for e in self.errors if e.sheet == sheet and e.row == row]


# --- reading ------------------------------------------------------------------------------------


def read_file(path, **strategy) -> ImportResult:
    """Read a template (.xlsx) or a plan document (.txt); `strategy` (code, title, starts_on, ends_on) names the
    strategy of a document, which does not say it."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_template(path.read_bytes())
    if suffix == ".txt":
        return read_text(path.read_text(encoding="utf-8-sig", errors="replace"), **strategy)
    return _refused("file", _("Give the filled template (.xlsx) or a plan document in the SIP text format (.txt)."))


def _refused(sheet: str, message: str, row: int = 0) -> ImportResult:
    """A result with one error and no plan."""
    return ImportResult(PlanRows(), [RowError(sheet, row, message)])


def read_template(data: bytes) -> ImportResult:
    """Read the filled template: every row checked, French and English both required."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        return _refused("file", _("This is not an Excel workbook (.xlsx) that can be read."))
    errors: list[RowError] = []
    try:
        tables = {sheet: _table(book, sheet, errors) for sheet in PLAN_SHEETS}
    finally:
        book.close()
    if errors:
        return ImportResult(PlanRows(), errors)
    plan = _plan_from_tables(tables, errors)
    result = ImportResult(plan, errors)
    check(result, require_english=True)
    return result


def _folded(value) -> str:
    """A heading as compared: lower case, no accents, single spaces."""
    text = unicodedata.normalize("NFKD", str(value or "").strip().casefold())
    return " ".join("".join(ch for ch in text if not unicodedata.combining(ch)).split())


def _headings(sheet: str) -> dict[str, str]:
    """Every way a column of the sheet may be headed, folded, to its key."""
    found = {}
    for key, fr, en in COLUMNS[sheet]:
        for name in (key, fr, en, heading(fr, en)):
            found.setdefault(_folded(name), key)
    return found


def _table(book, sheet: str, errors: list[RowError]) -> list[tuple[int, dict]]:
    """The sheet's rows as (row number, {key: cell}), blank rows left out; errors for a missing sheet or column."""
    if sheet not in book.sheetnames:
        errors.append(RowError(sheet, 0, _("The sheet “%(sheet)s” is missing.", sheet=sheet)))
        return []
    rows = book[sheet].iter_rows(values_only=True, max_row=MAX_ROWS + 1)
    header = next(rows, ())
    known = _headings(sheet)
    columns = {}
    for index, cell in enumerate(header or ()):
        key = known.get(_folded(cell))
        if key and key not in columns:
            columns[key] = index
    missing = [heading(fr, en) for key, fr, en in COLUMNS[sheet] if key not in columns]
    for name in missing:
        errors.append(RowError(sheet, 1, _("The column “%(column)s” is missing.", column=name)))
    table = []
    for number, cells in enumerate(rows, start=2):
        values = {key: cells[index] if index < len(cells) else None for key, index in columns.items()}
        if any(_text(value) for value in values.values()):
            table.append((number, values))
    return table


def _text(value) -> str:
    """A cell as trimmed text ("" when empty; 3.0 as "3")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    return " ".join(str(value).split())


def _number(value) -> int | None:
    """A pillar number, or None when the cell holds none."""
    text = _text(value)
    return int(text) if text.isdigit() else None


def _day(value) -> date | None:
    """A spreadsheet date or YYYY-MM-DD text; None when empty or not a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(_text(value)[:10])
    except ValueError:
        return None


def _plan_from_tables(tables: dict, errors: list[RowError]) -> PlanRows:
    """The template's sheets as plan rows (cells that are not what their column holds reported)."""
    plan = PlanRows()
    strategies = tables["strategy"]
    if strategies:
        number, cells = strategies[0]
        plan.strategy = StrategyRow(_text(cells["code"]), _both(cells, "title"), _day(cells["starts_on"]),
                                    _day(cells["ends_on"]), row=number)
        for key in ("starts_on", "ends_on"):
            if _text(cells[key]) and plan.strategy.__dict__[key] is None:
                errors.append(RowError("strategy", number, _("“%(value)s” is not a date (YYYY-MM-DD).",
                                                            value=_text(cells[key]))))
        for extra, _cells in strategies[1:]:
            errors.append(RowError("strategy", extra, _("The sheet holds one strategy: leave this row empty.")))
    for number, cells in tables["pillars"]:
        plan.pillars.append(PillarRow(_number(cells["number"]), _both(cells, "title"), _both(cells, "goal"), number))
    for number, cells in tables["outcomes"]:
        plan.outcomes.append(OutcomeRow(_text(cells["code"]), _number(cells["pillar"]), _both(cells, "text"), number))
    for number, cells in tables["outputs"]:
        plan.outputs.append(OutputRow(_text(cells["code"]), _text(cells["outcome"]), _both(cells, "text"), number))
    for number, cells in tables["activities"]:
        responsibilities = _body_roles(_text(cells["responsible"]), "activities", number, errors)
        plan.activities.append(ActivityRow(_text(cells["code"]), _text(cells["output"]), _both(cells, "text"),
                                           responsibilities, _text(cells["accountable"]) or None, row=number))
    return plan


def _both(cells: dict, name: str) -> dict:
    """The French and English cells of a text column."""
    return {"fr": _text(cells[f"{name}_fr"]), "en": _text(cells[f"{name}_en"])}


def _body_roles(cell: str, sheet: str, row: int, errors: list[RowError]) -> list[BodyRole]:
    """"wg-training:lead; sag:contributor" as body roles (a body without a role leads)."""
    found = []
    for item in re.split(r"[;,\n]", cell or ""):
        slug, _sep, role = item.partition(":")
        slug, role = slug.strip(), (role.strip().casefold() or "lead")
        if not slug:
            continue
        if role not in ROLES:
            errors.append(RowError(sheet, row, _("Unknown role “%(role)s” for %(body)s: write lead, contributor, "
                                                 "organiser or participant.", role=role, body=slug)))
            continue
        found.append(BodyRole(slug, role))
    return found


def read_text(text: str, *, code: str | None = None, title: dict | None = None, starts_on: date | None = None,
              ends_on: date | None = None) -> ImportResult:
    """Read a plan document in the SIP text format (French; the strategy's code, title and dates given apart).

    Its English texts are missing: each is a warning ("English text to be written"), the draft can be completed.
    """
    from sip.governance.importer import read_document

    document = read_document(text)
    plan = PlanRows(strategy=_strategy_row(code, title, starts_on, ends_on))
    for pillar in document.pillars:
        plan.pillars.append(PillarRow(pillar.number, _french(pillar.title), _french(pillar.goal), pillar.line,
                                      TEXT_SHEET))
        for outcome in pillar.outcomes:
            plan.outcomes.append(OutcomeRow(outcome.code, pillar.number, _french(outcome.text), outcome.line,
                                            TEXT_SHEET))
            for output in outcome.outputs:
                plan.outputs.append(OutputRow(output.code, outcome.code, _french(output.text), output.line,
                                              TEXT_SHEET))
                plan.activities.extend(_document_activity(a, output.code) for a in output.activities)
    result = ImportResult(plan)
    for issue in document.errors:
        if not any(part in issue.message for part in _COVERED):
            result.errors.append(RowError(TEXT_SHEET, issue.line, issue.message))
    for issue in document.warnings:
        if not any(part in issue.message for part in _COVERED):
            result.warnings.append(RowError(TEXT_SHEET, issue.line, issue.message))
    check(result, require_english=False)
    return result


def _french(text: str) -> dict:
    """A document's French text, the English to be written."""
    return {"fr": text or "", "en": ""}


def _document_activity(activity: reader.Activity, output_code: str) -> ActivityRow:
    """An activity of a plan document as a row."""
    return ActivityRow(
        activity.code, output_code, _french(activity.text),
        [BodyRole(r.body, r.role, r.note) for r in activity.responsibilities], None, activity.status,
        _french(activity.footnote) if activity.footnote else None, activity.footnote_url or None,
        activity.line, TEXT_SHEET)


def _strategy_row(code: str | None, title: dict | None, starts_on: date | None, ends_on: date | None) -> StrategyRow:
    """The strategy of a document, as given in the form; the code and title default to the current strategy's
    with the new years."""
    current = current_strategy()
    if current is not None and starts_on and ends_on and (not code or not title):
        default_code, default_title = renamed(current, starts_on.year, ends_on.year)
        code, title = code or default_code, title or default_title
    return StrategyRow(code or "", dict(title or {}), starts_on, ends_on, row=0)


# --- checking -----------------------------------------------------------------------------------


def check(result: ImportResult, require_english: bool) -> None:
    """Check the plan's rows against each other and the database; add each problem to the result."""
    plan = result.plan
    bodies = {body.slug: body for body in db.session.scalars(select(Body))}
    _check_strategy(plan.strategy, result, require_english)
    if not plan.pillars and not any(e.sheet in ("pillars", TEXT_SHEET) for e in result.errors):
        result.errors.append(RowError(_sheet(plan, "pillars"), 0, _("The plan has no pillar.")))
    pillars = _check_pillars(plan.pillars, result, require_english)
    printed = _printed_numbering()
    outcomes = _check_level(plan.outcomes, "outcome", "pillar", {str(n) for n in pillars}, result, require_english,
                            printed)
    outputs = _check_level(plan.outputs, "output", "outcome", outcomes, result, require_english, printed)
    _check_level(plan.activities, "activity", "output", outputs, result, require_english, printed)
    for activity in plan.activities:
        _check_bodies(activity, bodies, result)
    order = {sheet: index for index, sheet in enumerate(("file", *PLAN_SHEETS, TEXT_SHEET))}
    for found in (result.errors, result.warnings):
        found.sort(key=lambda e: (order.get(e.sheet, 0), e.row))  # in the file's order


def _sheet(plan: PlanRows, sheet: str) -> str:
    """The sheet rows of this level come from: the template's, or the document's."""
    return TEXT_SHEET if plan.strategy is not None and plan.strategy.row == 0 else sheet


def _check_strategy(row: StrategyRow | None, result: ImportResult, require_english: bool) -> None:
    """The strategy: a free code, a title, dates in order that overlap no other strategy."""
    errors = result.errors
    if row is None:
        errors.append(RowError("strategy", 2, _("The strategy's row (code, title, dates) is missing.")))
        return
    if not row.code:
        errors.append(RowError(row.sheet, row.row, _("Give the strategy a code, for example glc-sip-2027-2031.")))
    elif len(row.code) > CODE_MAX:
        errors.append(RowError(row.sheet, row.row, _("The code is at most %(max)d characters long.", max=CODE_MAX)))
    elif db.session.scalar(select(Strategy.id).where(Strategy.code == row.code)):
        errors.append(RowError(row.sheet, row.row, _("A strategy with the code “%(code)s” exists already.",
                                                     code=row.code)))
    _check_texts(row, {_("title"): row.title}, result, require_english)
    if row.starts_on is None or row.ends_on is None:
        errors.append(RowError(row.sheet, row.row, _("Give the strategy's first and last days (YYYY-MM-DD).")))
        return
    if row.ends_on <= row.starts_on:
        errors.append(RowError(row.sheet, row.row, _("The strategy ends before it starts.")))
        return
    for other in overlapping(row.starts_on, row.ends_on):
        errors.append(RowError(row.sheet, row.row, _(
            "These dates overlap the %(years)s strategy (%(code)s, from %(start)s to %(end)s).", years=other.years,
            code=other.code, start=other.starts_on.isoformat(), end=other.ends_on.isoformat())))


def overlapping(starts_on: date, ends_on: date) -> list[Strategy]:
    """The strategies, drafts and closed ones included, whose dates overlap these."""
    return list(db.session.scalars(select(Strategy).where(Strategy.starts_on <= ends_on, Strategy.ends_on >= starts_on)
                                   .order_by(Strategy.starts_on)))


def _check_texts(row, texts: dict, result: ImportResult, require_english: bool) -> None:
    """Each text in French (always) and English (an error in the template, else a warning), not too long."""
    for name, text in texts.items():
        if not text.get("fr"):
            result.errors.append(RowError(row.sheet, row.row, _("The %(name)s in French is missing.", name=name)))
        if not text.get("en"):
            if require_english:
                result.errors.append(RowError(row.sheet, row.row, _("The %(name)s in English is missing.",
                                                                    name=name)))
            else:
                result.warnings.append(RowError(row.sheet, row.row, _("English text to be written.")))
        if any(len(value or "") > TEXT_MAX for value in text.values()):
            result.errors.append(RowError(row.sheet, row.row, _("The %(name)s is at most %(max)d characters long.",
                                                                name=name, max=TEXT_MAX)))


def _check_pillars(rows: list[PillarRow], result: ImportResult, require_english: bool) -> set[int]:
    """Each pillar numbered once; returns the numbers."""
    seen: dict[int, int] = {}
    for row in rows:
        if row.number is None or row.number < 1:
            result.errors.append(RowError(row.sheet, row.row, _("Give the pillar a number (1, 2, 3 …).")))
        elif row.number in seen:
            result.errors.append(RowError(row.sheet, row.row, _("Duplicate code: pillar %(code)s is also on row "
                                                                "%(row)d.", code=row.number, row=seen[row.number])))
        else:
            seen[row.number] = row.row
        _check_texts(row, {_("title"): row.title, _("goal"): row.goal}, result, require_english)
    return set(seen)


def _printed_numbering() -> set[tuple[str, str]]:
    """(code, parent's code) of the current plan's items whose code does not extend their parent's: printed so
    (the 2022–2026 plan has output 2.3.3 under outcome 2.2), people cite them so, and a copy keeps them."""
    current = current_strategy()
    if current is None:
        return set()
    pairs = set(db.session.execute(select(Outcome.code, Pillar.number).join(Pillar)
                                   .where(Pillar.strategy_id == current.id)).all())
    pairs |= set(db.session.execute(select(Output.code, Outcome.code).join(Outcome, Output.outcome_id == Outcome.id)
                                    .join(Pillar).where(Pillar.strategy_id == current.id)).all())
    pairs |= set(db.session.execute(select(Activity.code, Output.code).join(Output, Activity.output_id == Output.id)
                                    .where(Activity.strategy_id == current.id)).all())
    return {(code, str(parent)) for code, parent in pairs if not code.startswith(f"{parent}.")}


def _check_level(rows: list, level: str, parent: str, parents: set[str], result: ImportResult,
                 require_english: bool, printed: set[tuple[str, str]]) -> set[str]:
    """Outcomes, outputs or activities: a well-formed code used once, a known parent whose code it extends (or
    under which the current plan prints it); returns the codes."""
    seen: dict[str, int] = {}
    names = {"outcome": _("outcome"), "output": _("output"), "activity": _("activity"), "pillar": _("pillar")}
    for row in rows:
        code, parent_code = row.code, str(getattr(row, parent) or "")
        errors = result.errors
        if not CODE_PATTERNS[level].match(code):
            errors.append(RowError(row.sheet, row.row, _("“%(code)s” is not the code of an %(level)s, for example "
                                                          "%(example)s.", code=code, level=names[level],
                                                          example={"outcome": "1.2", "output": "1.2.3",
                                                                   "activity": "1.2.3.4"}[level])))
        elif code in seen:
            errors.append(RowError(row.sheet, row.row, _("Duplicate code: %(level)s %(code)s is also on row %(row)d.",
                                                          level=names[level], code=code, row=seen[code])))
        else:
            seen[code] = row.row
        if parent_code not in parents:
            errors.append(RowError(row.sheet, row.row, _("Unknown %(parent)s “%(code)s”: it is not in the plan.",
                                                          parent=names[parent], code=parent_code)))
        elif code and not code.startswith(parent_code + ".") and (code, parent_code) in printed:
            result.warnings.append(RowError(row.sheet, row.row, _(
                "Code %(code)s is not under its %(parent)s %(parent_code)s, as the current plan prints it.",
                code=code, parent=names[parent], parent_code=parent_code)))
        elif code and not code.startswith(parent_code + "."):
            errors.append(RowError(row.sheet, row.row, _("Code %(code)s is not under its %(parent)s %(parent_code)s: "
                                                          "it should begin with “%(parent_code)s.”.", code=code,
                                                          parent=names[parent], parent_code=parent_code)))
        _check_texts(row, {_("text"): row.text}, result, require_english)
    return set(seen)


def _check_bodies(row: ActivityRow, bodies: dict[str, Body], result: ImportResult) -> None:
    """The responsible and accountable bodies: known, not dissolved, each role once; the accountable one listed."""
    for problem in body_problems(row.responsibilities, row.accountable, bodies):
        result.errors.append(RowError(row.sheet, row.row, problem))
    if not row.responsibilities and row.status not in CLOSED_STATUSES:
        result.warnings.append(RowError(row.sheet, row.row, _("Activity %(code)s has no responsible body yet.",
                                                              code=row.code)))


def body_problems(items: list[BodyRole], accountable: str | None, bodies: dict[str, Body]) -> list[str]:
    """What is wrong with an activity's responsible bodies and accountable body (slugs), for the reader."""
    problems, seen = [], set()
    for item in items:
        body = bodies.get(item.body)
        if body is None:
            problems.append(_("Unknown body “%(slug)s”: see the sheet “bodies” for the slugs.", slug=item.body))
        elif not body.is_active:
            problems.append(_("The body “%(slug)s” is dissolved; it cannot be made responsible.", slug=item.body))
        elif item.role not in ROLES:
            problems.append(_("Unknown role “%(role)s” for %(body)s.", role=item.role, body=item.body))
        elif (item.body, item.role) in seen:
            problems.append(_("%(body)s is listed twice with the same role.", body=item.body))
        seen.add((item.body, item.role))
    if accountable:
        if accountable not in bodies:
            problems.append(_("Unknown accountable body “%(slug)s”.", slug=accountable))
        elif items and accountable not in {item.body for item in items}:
            problems.append(_("The accountable body “%(slug)s” must be one of the responsible bodies.",
                              slug=accountable))
    return problems


# --- creating the draft -------------------------------------------------------------------------


def create_draft(result: ImportResult, actor) -> Strategy:
    """Create the plan read as a draft strategy following the current one; CycleError while it has errors."""
    if result.errors:
        raise CycleError(_("The plan has errors: correct them and import it again; nothing was created."))
    if not result.plan.activities:
        raise CycleError(_("The plan has no activity; nothing was created."))
    current = current_strategy()
    return _create(result.plan, actor, current, "strategy.imported")


def copy_strategy(strategy: Strategy, actor, starts_on: date, ends_on: date, code: str | None = None,
                  title: dict | None = None) -> Strategy:
    """The strategy's plan copied as a draft for new dates: the whole tree, without the activities completed or
    discontinued (by their current status) or retired."""
    default_code, default_title = renamed(strategy, starts_on.year, ends_on.year)
    plan = plan_rows(strategy)
    plan.strategy = StrategyRow(code or default_code, dict(title or default_title), starts_on, ends_on, row=0)
    result = ImportResult(plan)
    check(result, require_english=False)
    if result.errors:
        raise CycleError(" ".join(dict.fromkeys(e.message for e in result.errors)))
    return _create(plan, actor, strategy, "strategy.copied")


def plan_rows(strategy: Strategy) -> PlanRows:
    """A strategy's plan as rows, leaving out finished activities and dissolved bodies (for a copy)."""
    activities = list(db.session.scalars(
        select(Activity).where(Activity.strategy_id == strategy.id, Activity.retired_on.is_(None))
        .order_by(Activity.position)
        .options(selectinload(Activity.responsibilities).joinedload(Responsibility.body),
                 selectinload(Activity.output), selectinload(Activity.accountable_body))))
    current = statuses.current_statuses(strategy.id)
    plan = PlanRows()
    pillars = db.session.scalars(select(Pillar).where(Pillar.strategy_id == strategy.id).order_by(Pillar.number)
                                 .options(selectinload(Pillar.outcomes).selectinload(Outcome.outputs)))
    for pillar in pillars:
        plan.pillars.append(PillarRow(pillar.number, dict(pillar.title or {}), dict(pillar.goal or {})))
        for outcome in pillar.outcomes:
            plan.outcomes.append(OutcomeRow(outcome.code, pillar.number, dict(outcome.text or {})))
            plan.outputs.extend(OutputRow(o.code, outcome.code, dict(o.text or {})) for o in outcome.outputs)
    for activity in activities:
        status = current[activity.id].status if activity.id in current else activity.plan_status
        if status in CLOSED_STATUSES:
            continue
        kept = [BodyRole(r.body.slug, r.role, r.note) for r in activity.responsibilities if r.body.is_active]
        accountable = activity.accountable_body.slug if activity.accountable_body else None
        plan.activities.append(ActivityRow(
            activity.code, activity.output.code, dict(activity.text or {}), kept,
            accountable if accountable in {k.body for k in kept} else None,
            footnote=activity.footnote, footnote_url=activity.footnote_url))
    return plan


def _create(plan: PlanRows, actor, predecessor: Strategy | None, action: str) -> Strategy:
    """Write the plan as a draft strategy with its quarters, its first version, commitments and glossary."""
    actor_id = getattr(actor, "id", None)
    row = plan.strategy
    try:
        strategy = Strategy(code=row.code, title=row.title, starts_on=row.starts_on, ends_on=row.ends_on, state="draft",
                            sections=[], predecessor_id=predecessor.id if predecessor else None,
                            commitments_intro=dict(predecessor.commitments_intro or {}) if predecessor else None)
        db.session.add(strategy)
        db.session.flush()
        counts = _add_tree(strategy, plan)
        if predecessor is not None:
            counts.update(_copy_annexes(predecessor, strategy))
        counts["periods"] = plan_periods(strategy)
        history.ensure_baseline(strategy, actor_id, **first_version(strategy))
        audit.record(action, "strategy", strategy.id, user_id=actor_id, after={
            "code": strategy.code, "slug": strategy.slug, "starts_on": row.starts_on.isoformat(),
            "ends_on": row.ends_on.isoformat(), "predecessor": predecessor.code if predecessor else None, **counts})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return strategy


def _add_tree(strategy: Strategy, plan: PlanRows) -> dict:
    """Create the pillars, outcomes, outputs and activities (in plan order); return the counts."""
    bodies = dict(db.session.execute(select(Body.slug, Body.id)).all())
    pillars, outcomes, outputs = {}, {}, {}
    for row in plan.pillars:
        pillars[row.number] = Pillar(strategy=strategy, number=row.number, title=row.title, goal=row.goal)
        db.session.add(pillars[row.number])
    position = 0
    for row in sorted(plan.outcomes, key=lambda r: _sort_key(r.code)):
        position += 1
        outcomes[row.code] = Outcome(pillar=pillars[row.pillar], code=row.code, text=row.text, position=position)
        db.session.add(outcomes[row.code])
    for row in sorted(plan.outputs, key=lambda r: _sort_key(r.code)):
        position += 1
        outputs[row.code] = Output(outcome=outcomes[row.outcome], code=row.code, text=row.text, position=position)
        db.session.add(outputs[row.code])
    db.session.flush()
    responsibilities = 0
    for row in sorted(plan.activities, key=lambda r: _sort_key(r.code)):
        position += 1
        activity = Activity(strategy_id=strategy.id, output=outputs[row.output], code=row.code, text=row.text,
                            plan_status=row.status, position=position, footnote=row.footnote,
                            footnote_url=row.footnote_url)
        _set_responsibilities(activity, row.responsibilities, row.accountable, bodies)
        responsibilities += len(row.responsibilities)
        db.session.add(activity)
    db.session.flush()
    return {**plan.counts(), "responsibilities": responsibilities}


def _sort_key(code: str) -> tuple:
    """Plan order of a code: 1.10 after 1.9."""
    return tuple(int(part) for part in code.split("."))


def _set_responsibilities(activity: Activity, items: list[BodyRole], accountable: str | None,
                          bodies: dict[str, int]) -> None:
    """Make these bodies responsible; the accountable one named, else the default rule's."""
    activity.responsibilities.clear()
    for index, item in enumerate(items):
        activity.responsibilities.append(Responsibility(body_id=bodies[item.body], role=item.role, note=item.note,
                                                        position=index))
    activity.accountable_body_id = bodies[accountable] if accountable else default_accountable(
        activity.responsibilities)


def _copy_annexes(source: Strategy, strategy: Strategy) -> dict:
    """The minimum commitments and the glossary of the strategy before, copied."""
    commitments = list(db.session.scalars(select(Commitment).where(Commitment.strategy_id == source.id)))
    terms = list(db.session.scalars(select(GlossaryTerm).where(GlossaryTerm.strategy_id == source.id)))
    db.session.add_all(Commitment(strategy_id=strategy.id, number=c.number, text=dict(c.text)) for c in commitments)
    db.session.add_all(GlossaryTerm(strategy_id=strategy.id, position=t.position, term=dict(t.term),
                                    definition=dict(t.definition), source=t.source, body_id=t.body_id) for t in terms)
    return {"commitments": len(commitments), "glossary": len(terms)}


def plan_periods(strategy: Strategy) -> int:
    """The strategy's quarters (sip.reporting.services.ensure_periods), each with its planned due date, and the
    June and November GLMs marked on Q2 and Q4 as the current plan has them; returns how many were created."""
    created = ensure_periods(strategy)
    periods = db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.strategy_id == strategy.id,
                                                               ReportingPeriod.state == "upcoming"))
    for period in periods:
        period.due_on = period.due_on or period.ends_on + timedelta(days=DUE_AFTER_END)
        if period.quarter in GLM_QUARTERS and not period.glm:
            french, english = GLM_QUARTERS[period.quarter]
            period.glm = True
            period.glm_name = {"fr": f"GLM {french} {period.year}", "en": f"GLM {english} {period.year}"}
    return created


def first_version(strategy: Strategy) -> dict:
    """The first version of a new plan, named after it and in force from its first day."""
    return {"tag": f"{strategy.starts_on.year}-{strategy.starts_on.month:02d}",
            "name": {"fr": f"Plan {strategy.years} (première version)", "en": f"{strategy.years} plan (first version)"},
            "effective_on": strategy.starts_on}


# --- editing a draft ----------------------------------------------------------------------------


def _draft_only(strategy: Strategy) -> None:
    """CycleError unless the strategy is a draft."""
    if strategy.state != "draft":
        raise CycleError(_("Only a draft plan is edited here; the plan in force changes through amendments."))


def _checked_activity(text_fr: str, text_en: str, responsibilities: list, accountable: str | None) -> tuple:
    """The text and body roles of an edited activity, or CycleError with every problem."""
    text = {"fr": " ".join((text_fr or "").split()), "en": " ".join((text_en or "").split())}
    items = [item if isinstance(item, BodyRole) else BodyRole(*item) for item in responsibilities]
    bodies = {body.slug: body for body in db.session.scalars(select(Body))}
    problems = [] if text["fr"] else [_("Write the activity's text in French.")]
    if any(len(value) > TEXT_MAX for value in text.values()):
        problems.append(_("The text is at most %(max)d characters long.", max=TEXT_MAX))
    problems += body_problems(items, accountable or None, bodies)
    if problems:
        raise CycleError(" ".join(problems))
    return text, items, {slug: body.id for slug, body in bodies.items()}


def _snapshot(activity: Activity) -> dict:
    """An activity as the audit keeps it."""
    return {"code": activity.code, "text": dict(activity.text or {}),
            "responsibilities": [f"{r.body.slug}:{r.role}" if r.body else f"{r.body_id}:{r.role}"
                                 for r in activity.responsibilities],
            "accountable_body_id": activity.accountable_body_id}


def update_draft_activity(activity: Activity, text_fr: str, text_en: str, responsibilities: list,
                          accountable: str | None, actor) -> Activity:
    """Reword a draft's activity and set its responsible bodies ((slug, role) pairs) and accountable body."""
    strategy = db.session.get(Strategy, activity.strategy_id)
    _draft_only(strategy)
    text, items, ids = _checked_activity(text_fr, text_en, responsibilities, accountable)
    before = _snapshot(activity)
    notes = {(r.body.slug, r.role): r.note for r in activity.responsibilities if r.body}
    activity.text = text
    activity.responsibilities.clear()
    db.session.flush()  # the old rows go first: (activity, body, role) is unique
    _set_responsibilities(activity, [BodyRole(i.body, i.role, i.note or notes.get((i.body, i.role))) for i in items],
                          accountable, ids)
    db.session.flush()
    db.session.expire(activity, ["responsibilities"])
    _refresh_first_version(activity)
    audit.record("activity.draft_updated", "activity", activity.id, user_id=getattr(actor, "id", None),
                 before=before, after=_snapshot(activity))
    db.session.commit()
    return activity


def add_draft_activity(output: Output, code: str, text_fr: str, text_en: str, responsibilities: list,
                       accountable: str | None, actor) -> Activity:
    """Add an activity at the end of a draft's output."""
    strategy = output.outcome.pillar.strategy
    _draft_only(strategy)
    code = (code or "").strip()
    problems = []
    if not CODE_PATTERNS["activity"].match(code):
        problems.append(_("Write the code as four numbers separated by dots, for example 3.1.1.3."))
    elif not code.startswith(output.code + "."):
        problems.append(_("Code %(code)s is not under its %(parent)s %(parent_code)s: it should begin with "
                          "“%(parent_code)s.”.", code=code, parent=_("output"), parent_code=output.code))
    elif db.session.scalar(select(Activity.id).where(Activity.strategy_id == strategy.id, Activity.code == code)):
        problems.append(_("Activity %(code)s already exists; choose another code.", code=code))
    if problems:
        raise CycleError(" ".join(problems))
    text, items, ids = _checked_activity(text_fr, text_en, responsibilities, accountable)
    activity = Activity(strategy_id=strategy.id, output=output, code=code, text=text, plan_status="planned",
                        position=history.position_after_output(strategy, output))
    _set_responsibilities(activity, items, accountable, ids)
    db.session.add(activity)
    db.session.flush()
    version = history.latest_version(strategy)
    if version is not None:
        db.session.add(history.new_revision(activity, version))
    statuses.refresh(strategy.id, [activity.id])  # its row in each quarter of the draft
    audit.record("activity.draft_added", "activity", activity.id, user_id=getattr(actor, "id", None),
                 after=_snapshot(activity))
    db.session.commit()
    return activity


def remove_draft_activity(activity: Activity, actor) -> None:
    """Take an activity out of a draft (refused while an activity of the closing plan is carried into it)."""
    strategy = db.session.get(Strategy, activity.strategy_id)
    _draft_only(strategy)
    if db.session.scalar(select(CarryOver.id).where(CarryOver.to_activity_id == activity.id).limit(1)):
        raise CycleError(_("An activity of the closing plan is carried over into %(code)s: change that decision "
                           "first.", code=activity.code))
    before = _snapshot(activity)
    for revision in db.session.scalars(select(ActivityRevision).where(ActivityRevision.activity_id == activity.id)):
        db.session.delete(revision)
    db.session.execute(delete(ActivityStatus).where(ActivityStatus.activity_id == activity.id))
    activity_id = activity.id
    db.session.delete(activity)
    audit.record("activity.draft_removed", "activity", activity_id, user_id=getattr(actor, "id", None),
                 before=before)
    db.session.commit()


def _refresh_first_version(activity: Activity) -> None:
    """A draft has one version, its first: its revision of the activity follows the edits until it opens."""
    revision = history.current_revision(activity)
    if revision is not None:
        history.fill_revision(revision, activity)


# --- an upload kept between its preview and its confirmation ------------------------------------

# The uploaded file is kept on the server under a random token until it is confirmed (an hour at most): a plan's
# workbook or document is tens of kilobytes, too much to carry back and forth in the page, and the confirmation reads
# the very same file again, checked again against the database as it is then.
KEEP_FOR = timedelta(hours=1)
SUFFIXES = (".xlsx", ".txt")
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def uploads_folder() -> Path:
    """Where uploads wait for their confirmation (SIP_PLAN_UPLOADS, else the instance folder's plan-imports)."""
    from flask import current_app

    folder = Path(current_app.config.get("SIP_PLAN_UPLOADS") or Path(current_app.instance_path) / "plan-imports")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_upload(data: bytes, filename: str, actor, strategy: dict) -> str:
    """Keep an uploaded file (and the strategy fields typed with it) for its uploader; returns its token."""
    _forget_old_uploads()
    suffix = Path(filename or "").suffix.lower()
    token = secrets.token_urlsafe(24)
    folder = uploads_folder()
    stored = f"{token}{suffix if suffix in SUFFIXES else '.bin'}"
    (folder / stored).write_bytes(data)
    meta = {"user_id": getattr(actor, "id", None), "filename": Path(filename or "").name, "stored": stored,
            "kept_at": datetime.now().isoformat(),
            "strategy": {key: value.isoformat() if isinstance(value, date) else value
                         for key, value in strategy.items()}}
    (folder / f"{token}.json").write_text(json.dumps(meta), encoding="utf-8")
    return token


def read_upload(data: bytes, filename: str, strategy: dict) -> ImportResult:
    """Read an uploaded file by its name's extension."""
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".xlsx":
        return read_template(data)
    if suffix == ".txt":
        return read_text(data.decode("utf-8-sig", errors="replace"), **strategy)
    return _refused("file", _("Give the filled template (.xlsx) or a plan document in the SIP text format (.txt)."))


def kept_upload(token: str, actor) -> tuple[ImportResult, str]:
    """Read a kept upload again (its uploader's only, within the hour); returns the result and the file's name."""
    meta_path = uploads_folder() / f"{token}.json" if _TOKEN.match(token or "") else None
    if meta_path is None or not meta_path.exists():
        raise CycleError(_("This preview has expired: upload the file again."))
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("user_id") != getattr(actor, "id", None) or \
            datetime.now() - datetime.fromisoformat(meta["kept_at"]) > KEEP_FOR:
        raise CycleError(_("This preview has expired: upload the file again."))
    strategy = {key: date.fromisoformat(value) if key in ("starts_on", "ends_on") and value else value
                for key, value in meta["strategy"].items()}
    stored = meta_path.parent / Path(meta["stored"]).name
    if not stored.exists():
        raise CycleError(_("This preview has expired: upload the file again."))
    data = stored.read_bytes()
    return read_upload(data, meta["filename"], strategy), meta["filename"]


def forget_upload(token: str) -> None:
    """Delete a kept upload (once created)."""
    if _TOKEN.match(token or ""):
        for path in uploads_folder().glob(f"{token}.*"):
            path.unlink(missing_ok=True)


def _forget_old_uploads() -> None:
    """Delete the uploads older than an hour (never confirmed)."""
    limit = datetime.now().timestamp() - KEEP_FOR.total_seconds()
    for path in uploads_folder().iterdir():
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def create_from_upload(token: str, actor) -> Strategy:
    """Create the draft of a kept upload, read and checked again; the upload is forgotten once created."""
    result, _filename = kept_upload(token, actor)
    if result.errors:
        raise CycleError(_("The file now has errors (%(first)s): upload it again.", first=result.errors[0].message))
    strategy = create_draft(result, actor)
    forget_upload(token)
    return strategy
