"""The workbook the secretariat fills to import the next plan: one sheet a level of the plan, and the bodies.

Each sheet has one header row; each heading says the column in French and in English ("Titre (français) / Title
(French)"), and the reader also takes the bare key ("title_fr"). Responsible bodies are written as body slugs with
their roles ("wg-training:lead; sag:contributor"); the "bodies" sheet lists the slugs (read-only, for reference).

Pre-filled with a strategy, the workbook is that plan proposed for the next period: the same tree, with the years of
the code, the title and the dates moved on to the period that follows (the secretariat corrects them as needed).
Every text is written as text: a cell that begins with "=" stays text and is never read as a formula.
"""
import io
import re
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sip.bodies.models import Body
from sip.extensions import db
from sip.plan.models import Activity, Outcome, Output, Pillar, Responsibility, Strategy

# sheet -> [(key, French heading, English heading)], in column order
COLUMNS: dict[str, list[tuple[str, str, str]]] = {
    "strategy": [
        ("code", "Code", "Code"),
        ("title_fr", "Titre (français)", "Title (French)"),
        ("title_en", "Titre (anglais)", "Title (English)"),
        ("starts_on", "Début (AAAA-MM-JJ)", "Starts on (YYYY-MM-DD)"),
        ("ends_on", "Fin (AAAA-MM-JJ)", "Ends on (YYYY-MM-DD)"),
    ],
    "pillars": [
        ("number", "Numéro", "Number"),
        ("title_fr", "Titre (français)", "Title (French)"),
        ("title_en", "Titre (anglais)", "Title (English)"),
        ("goal_fr", "But (français)", "Goal (French)"),
        ("goal_en", "But (anglais)", "Goal (English)"),
    ],
    "outcomes": [
        ("code", "Code", "Code"),
        ("pillar", "Pilier", "Pillar"),
        ("text_fr", "Texte (français)", "Text (French)"),
        ("text_en", "Texte (anglais)", "Text (English)"),
    ],
    "outputs": [
        ("code", "Code", "Code"),
        ("outcome", "Réalisation", "Outcome"),
        ("text_fr", "Texte (français)", "Text (French)"),
        ("text_en", "Texte (anglais)", "Text (English)"),
    ],
    "activities": [
        ("code", "Code", "Code"),
        ("output", "Produit", "Output"),
        ("text_fr", "Texte (français)", "Text (French)"),
        ("text_en", "Texte (anglais)", "Text (English)"),
        ("responsible", "Entités responsables (slug:rôle; …)", "Responsible bodies (slug:role; …)"),
        ("accountable", "Entité redevable (slug)", "Accountable body (slug)"),
    ],
    "bodies": [
        ("slug", "Slug", "Slug"),
        ("name_fr", "Nom (français)", "Name (French)"),
        ("name_en", "Nom (anglais)", "Name (English)"),
    ],
}
PLAN_SHEETS = ("strategy", "pillars", "outcomes", "outputs", "activities")
WIDTHS = {"code": 12, "number": 10, "pillar": 10, "outcome": 12, "output": 12, "starts_on": 22, "ends_on": 22,
          "slug": 28, "accountable": 28, "responsible": 44}
HEADER_FILL = PatternFill("solid", fgColor="00557F")
HEADER_FONT = Font(bold=True, color="FFFFFF")
MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def heading(fr: str, en: str) -> str:
    """A column's heading in both languages."""
    return fr if fr == en else f"{fr} / {en}"


def template_workbook(strategy: Strategy | None = None) -> bytes:
    """The import template: empty, or pre-filled with the strategy's plan proposed for the next period."""
    book = Workbook()
    book.remove(book.active)
    rows = _plan_rows(strategy) if strategy is not None else {}
    for sheet in PLAN_SHEETS:
        _write_sheet(book, sheet, rows.get(sheet, []))
    bodies = _write_sheet(book, "bodies", _body_rows())
    bodies.protection.sheet = True  # a reference list: bodies are created on the bodies pages, not here
    _validate_accountable(book["activities"], bodies.max_row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(book: Workbook, name: str, rows: list[list]):
    """A sheet with its header row, frozen, and the rows (text stays text, dates are dates)."""
    sheet = book.create_sheet(name)
    columns = COLUMNS[name]
    for index, (key, fr, en) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=heading(fr, en))
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[cell.column_letter].width = WIDTHS.get(key, 50)
    sheet.freeze_panes = "A2"
    for number, values in enumerate(rows, start=2):
        for index, value in enumerate(values, start=1):
            _put(sheet.cell(row=number, column=index), value)
    return sheet


def _put(cell, value) -> None:
    """Write a value; a text is kept as text even when it begins like a formula."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"


def _validate_accountable(sheet, last_body_row: int) -> None:
    """The accountable column offers the bodies' slugs (a typed slug is still checked on import)."""
    if last_body_row < 2:
        return
    column = sheet.cell(row=1, column=len(COLUMNS["activities"])).column_letter
    rule = DataValidation(type="list", formula1=f"=bodies!$A$2:$A${last_body_row}", allow_blank=True,
                          showErrorMessage=False)
    rule.add(f"{column}2:{column}2000")
    sheet.add_data_validation(rule)


def _body_rows() -> list[list]:
    """The bodies that may be made responsible (not dissolved), by slug."""
    bodies = db.session.scalars(select(Body).order_by(Body.slug))
    return [[b.slug, (b.name or {}).get("fr", ""), (b.name or {}).get("en", "")] for b in bodies if b.is_active]


def _plan_rows(strategy: Strategy) -> dict[str, list[list]]:
    """The strategy's plan as the rows of each sheet (activities retired from the plan left out)."""
    code, title, starts_on, ends_on = next_period(strategy)
    rows: dict[str, list[list]] = {"strategy": [[code, title.get("fr", ""), title.get("en", ""), starts_on, ends_on]],
                                   "pillars": [], "outcomes": [], "outputs": [], "activities": []}
    pillars = db.session.scalars(
        select(Pillar).where(Pillar.strategy_id == strategy.id).order_by(Pillar.number)
        .options(selectinload(Pillar.outcomes).selectinload(Outcome.outputs).selectinload(Output.activities)
                 .selectinload(Activity.responsibilities).joinedload(Responsibility.body),
                 selectinload(Pillar.outcomes).selectinload(Outcome.outputs).selectinload(Output.activities)
                 .joinedload(Activity.accountable_body)))
    for pillar in pillars:
        rows["pillars"].append([pillar.number, *_both(pillar.title), *_both(pillar.goal)])
        for outcome in pillar.outcomes:
            rows["outcomes"].append([outcome.code, pillar.number, *_both(outcome.text)])
            for output in outcome.outputs:
                rows["outputs"].append([output.code, outcome.code, *_both(output.text)])
                for activity in output.activities:
                    if activity.retired_on is None:
                        rows["activities"].append(_activity_row(activity, output))
    return rows


def _activity_row(activity: Activity, output: Output) -> list:
    """An activity's row: its code, output, texts, responsible bodies and accountable body."""
    responsible = "; ".join(f"{r.body.slug}:{r.role}" for r in activity.responsibilities)
    accountable = activity.accountable_body.slug if activity.accountable_body else ""
    return [activity.code, output.code, *_both(activity.text), responsible, accountable]


def _both(text: dict | None) -> tuple[str, str]:
    """French and English of a stored text."""
    return (text or {}).get("fr", "") or "", (text or {}).get("en", "") or ""


def next_period(strategy: Strategy) -> tuple[str, dict, date, date]:
    """The code, title and dates proposed for the strategy that follows this one: as many years, right after."""
    span = strategy.ends_on.year - strategy.starts_on.year + 1
    starts_on = date.fromordinal(strategy.ends_on.toordinal() + 1)
    ends_on = _years_later(strategy.ends_on, span)
    return (*renamed(strategy, starts_on.year, ends_on.year), starts_on, ends_on)


def _years_later(day: date, years: int) -> date:
    """The same day some years later (28 February for a 29th in a year without one)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def renamed(strategy: Strategy, first: int, last: int) -> tuple[str, dict]:
    """The strategy's code and title with its years ("2022-2026", "2022–2026") replaced by new ones."""
    old = re.compile(rf"{strategy.starts_on.year}(\s*[-–]\s*){strategy.ends_on.year}")
    code, count = old.subn(f"{first}-{last}", strategy.code)
    if not count:
        code = f"{strategy.code}-{first}-{last}"
    title = {lang: old.sub(lambda m: f"{first}{m.group(1)}{last}", text or "")
             for lang, text in (strategy.title or {}).items()}
    return code[:80], title
