"""Opening the next plan: the template, reading it or a plan document row by row, creating the draft, copying a
plan, and editing a draft."""
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update

from sip.accounts.models import User
from sip.core.models import AuditEntry
from sip.cycles import importing
from sip.cycles.services import CycleError
from sip.cycles.template import template_workbook
from sip.extensions import db
from sip.governance.models import ActivityRevision, PlanVersion
from sip.plan.models import Activity, Commitment, GlossaryTerm, Output, Strategy
from sip.plan.queries import current_strategy
from sip.reporting import statuses
from sip.reporting.models import ActivityStatus, ReportingPeriod
from sip.reporting.services import ensure_periods

SEED_TEXT = Path(__file__).resolve().parents[2] / "seed" / "source" / "sip-2023-11.fr.txt"
NEXT = (date(2027, 1, 1), date(2031, 12, 31))


@pytest.fixture
def ctx(seeded, make_user):
    """The real plan, a secretariat member; yields the app context and the member."""
    secretariat = make_user("Rome Person", bodies=[("rome-support-team", "member")])
    with seeded.app_context():
        yield db.session.get(User, secretariat)
        db.session.remove()


def counts() -> tuple[int, int]:
    """How many strategies and activities the database holds."""
    return (db.session.scalar(select(func.count()).select_from(Strategy)),
            db.session.scalar(select(func.count()).select_from(Activity)))


def edited(data: bytes, sheet: str, row: int, column: int, value) -> bytes:
    """The workbook with one cell changed (columns from 1)."""
    book = load_workbook(io.BytesIO(data))
    book[sheet].cell(row=row, column=column).value = value  # cell(value=None) would leave the cell as it is
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def live_activities(strategy: Strategy) -> dict[str, dict]:
    """Code → text of the strategy's activities in the plan."""
    rows = db.session.scalars(select(Activity).where(Activity.strategy_id == strategy.id,
                                                     Activity.retired_on.is_(None)))
    return {a.code: a.text for a in rows}


def output_codes(strategy: Strategy) -> list[str]:
    """The codes of the strategy's outputs."""
    from sip.plan.models import Outcome, Pillar

    return sorted(db.session.scalars(select(Output.code).join(Outcome).join(Pillar)
                                     .where(Pillar.strategy_id == strategy.id)))


# --- the template --------------------------------------------------------------------------------


def test_the_empty_template_has_a_sheet_a_level_with_headings_in_french_and_english(ctx):
    book = load_workbook(io.BytesIO(template_workbook()))
    assert book.sheetnames == ["strategy", "pillars", "outcomes", "outputs", "activities", "bodies"]
    headings = [cell.value for cell in book["activities"][1]]
    assert headings[:3] == ["Code", "Produit / Output", "Texte (français) / Text (French)"]
    assert book["activities"].max_row == 1
    slugs = [row[0] for row in book["bodies"].iter_rows(min_row=2, values_only=True)]
    assert "wg-training" in slugs and "sag" in slugs
    assert book["bodies"].protection.sheet


def test_the_prefilled_template_proposes_the_plan_for_the_following_years(ctx):
    book = load_workbook(io.BytesIO(template_workbook(current_strategy())))
    code, title_fr, title_en, starts_on, ends_on = next(book["strategy"].iter_rows(min_row=2, values_only=True))
    assert code == "glc-sip-2027-2031" and "2027–2031" in title_en
    assert (starts_on.date(), ends_on.date()) == NEXT
    rows = {row[0]: row for row in book["activities"].iter_rows(min_row=2, values_only=True)}
    assert rows["3.1.1.2"][1] == "3.1.1" and "wg-training:lead" in rows["3.1.1.2"][4]


def test_a_text_that_looks_like_a_formula_stays_text_in_the_template(ctx):
    activity = db.session.scalar(select(Activity).where(Activity.code == "3.1.1.2"))
    activity.text = {"fr": "=HYPERLINK(\"x\")", "en": "+1 training"}
    db.session.commit()
    book = load_workbook(io.BytesIO(template_workbook(current_strategy())))
    row = next(r for r in book["activities"].iter_rows(min_row=2) if r[0].value == "3.1.1.2")
    assert row[2].data_type == "s" and row[2].value == "=HYPERLINK(\"x\")"


def test_the_template_of_the_current_plan_round_trips_into_a_draft(ctx):
    current = current_strategy()
    result = importing.read_template(template_workbook(current))
    assert result.errors == []
    draft = importing.create_draft(result, ctx)
    assert (draft.state, draft.slug, draft.predecessor_id) == ("draft", "2027-2031", current.id)
    assert live_activities(draft) == live_activities(current)
    training = db.session.scalar(select(Activity).where(Activity.strategy_id == draft.id, Activity.code == "3.1.1.2"))
    assert [r.body.slug for r in training.responsibilities] == ["wg-training"]
    assert training.accountable_body.slug == "wg-training"


def test_creating_a_draft_copies_the_annexes_records_the_first_version_and_audits(ctx):
    current = current_strategy()
    draft = importing.create_draft(importing.read_template(template_workbook(current)), ctx)
    count = db.session.scalar(select(func.count()).select_from(Commitment).where(Commitment.strategy_id == draft.id))
    assert count == len(current.commitments) > 0
    terms = db.session.scalar(select(func.count()).select_from(GlossaryTerm).where(GlossaryTerm.strategy_id == draft.id))
    assert terms == len(current.glossary)
    version = db.session.scalar(select(PlanVersion).where(PlanVersion.strategy_id == draft.id))
    assert (version.sequence, version.tag, version.effective_on) == (1, "2027-01", NEXT[0])
    assert version.name == {"fr": "Plan 2027–2031 (première version)", "en": "2027–2031 plan (first version)"}
    named = db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "plan_version",
                                                        AuditEntry.entity_id == str(version.id))).all()
    assert [(e.action, e.after["name"], e.after["effective_on"]) for e in named] == [
        ("plan_version.created", version.name, NEXT[0].isoformat())]  # named once, as it was created
    revisions = db.session.scalar(select(func.count()).select_from(ActivityRevision)
                                  .where(ActivityRevision.version_id == version.id))
    assert revisions == len(live_activities(draft))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "strategy.imported"))
    assert (entry.entity_id, entry.user_id, entry.after["activities"]) == (str(draft.id), ctx.id, revisions)


def test_the_drafts_quarters_are_created_from_its_dates_with_due_dates_and_glms(ctx):
    draft = importing.create_draft(importing.read_template(template_workbook(current_strategy())), ctx)
    periods = db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.strategy_id == draft.id)
                                 .order_by(ReportingPeriod.year, ReportingPeriod.quarter)).all()
    assert [p.code for p in periods][:2] == ["2027-Q1", "2027-Q2"] and periods[-1].code == "2031-Q4"
    assert len(periods) == 20 and {p.state for p in periods} == {"upcoming"}
    assert periods[0].due_on == date(2027, 4, 15)
    assert [p.code for p in periods if p.glm][:2] == ["2027-Q2", "2027-Q4"]
    assert periods[1].glm_names == {"fr": "GLM juin 2027", "en": "GLM June 2027"}
    rows = db.session.scalar(select(func.count()).select_from(ActivityStatus)
                             .where(ActivityStatus.period_id == periods[0].id))
    assert rows == len(live_activities(draft))


# --- bad input, refused row by row ----------------------------------------------------------------

# (sheet, row, column, value, the sheet and row the error names, words of its reason)
BAD = {
    "duplicate code": ("activities", 3, 1, "1.1.1.1", ("activities", 3), "Duplicate code"),
    "unknown body": ("activities", 2, 5, "wg-nowhere:lead", ("activities", 2), "Unknown body “wg-nowhere”"),
    "unknown role": ("activities", 2, 5, "wg-training:boss", ("activities", 2), "Unknown role “boss”"),
    "unknown accountable body": ("activities", 4, 6, "wg-nowhere", ("activities", 4), "Unknown accountable body"),
    "unknown parent": ("outputs", 2, 2, "9.9", ("outputs", 2), "Unknown outcome “9.9”"),
    "code not under its parent": ("activities", 2, 1, "2.1.1.9", ("activities", 2), "is not under its output 1.1.1"),
    "dates missing": ("strategy", 2, 4, None, ("strategy", 2), "first and last days"),
    "ends before it starts": ("strategy", 2, 5, date(2026, 12, 31), ("strategy", 2), "ends before it starts"),
    "dates overlapping a strategy": ("strategy", 2, 4, date(2026, 7, 1), ("strategy", 2), "overlap the 2022–2026"),
    "missing french": ("outcomes", 2, 3, "", ("outcomes", 2), "in French is missing"),
    "missing english": ("activities", 2, 4, None, ("activities", 2), "in English is missing"),
    "code taken": ("strategy", 2, 1, "glc-sip-2022-2026", ("strategy", 2), "exists already"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_row_is_refused_with_its_sheet_row_and_reason_and_nothing_is_written(ctx, case):
    sheet, row, column, value, where, words = BAD[case]
    data = edited(template_workbook(current_strategy()), sheet, row, column, value)
    before = counts()
    result = importing.read_template(data)
    assert any((e.sheet, e.row) == where and words in e.message for e in result.errors), result.errors
    with pytest.raises(CycleError):
        importing.create_draft(result, ctx)
    assert counts() == before


def test_a_workbook_without_a_sheet_or_a_column_is_refused(ctx):
    book = load_workbook(io.BytesIO(template_workbook()))
    del book["outputs"]
    book["activities"].cell(row=1, column=6, value="Something else")
    buffer = io.BytesIO()
    book.save(buffer)
    messages = {(e.sheet, e.row, e.message) for e in importing.read_template(buffer.getvalue()).errors}
    assert ("outputs", 0, "The sheet “outputs” is missing.") in messages
    assert ("activities", 1, "The column “Entité redevable (slug) / Accountable body (slug)” is missing.") in messages


def test_a_file_that_is_not_a_workbook_is_refused(ctx, tmp_path):
    assert importing.read_template(b"not a workbook").errors[0].sheet == "file"
    other = tmp_path / "plan.docx"
    other.write_bytes(b"x")
    assert importing.read_file(other).errors[0].sheet == "file"


def test_a_second_import_overlapping_the_first_draft_is_refused(ctx):
    data = template_workbook(current_strategy())
    importing.create_draft(importing.read_template(data), ctx)
    before = counts()
    again = importing.read_template(edited(data, "strategy", 2, 1, "another-code"))
    assert [e.message for e in again.errors] == [
        "These dates overlap the 2027–2031 strategy (glc-sip-2027-2031, from 2027-01-01 to 2031-12-31)."]
    with pytest.raises(CycleError):
        importing.create_draft(again, ctx)
    assert counts() == before


# --- a plan document in the SIP text format -----------------------------------------------------


def test_the_seed_document_imports_as_a_french_draft_with_english_to_be_written(ctx, tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text(SEED_TEXT.read_text(encoding="utf-8"), encoding="utf-8")
    result = importing.read_file(path, starts_on=NEXT[0], ends_on=NEXT[1])
    assert result.errors == []
    assert "English text to be written." in {w.message for w in result.warnings}
    assert result.plan.strategy.code == "glc-sip-2027-2031"
    draft = importing.create_draft(result, ctx)
    activities = live_activities(draft)
    assert set(activities) == set(live_activities(current_strategy()))
    assert activities["3.1.1.2"]["en"] == "" and activities["3.1.1.2"]["fr"]


def test_a_document_without_dates_is_refused(ctx):
    result = importing.read_text(SEED_TEXT.read_text(encoding="utf-8"))
    assert any(e.sheet == "strategy" and "first and last days" in e.message for e in result.errors)


def test_a_document_naming_an_unknown_body_is_refused_at_its_line(ctx):
    text = SEED_TEXT.read_text(encoding="utf-8")
    line = next(n for n, item in enumerate(text.split("\n"), 1) if item.startswith("3.1.1.2"))
    lines = text.split("\n")
    lines[line - 1] = lines[line - 1].split("\t")[0] + "\tGroupe inconnu"
    result = importing.read_text("\n".join(lines), starts_on=NEXT[0], ends_on=NEXT[1])
    assert any(e.sheet == "text" and e.row == line and "Groupe inconnu" in e.message for e in result.errors)


# --- copying a plan -------------------------------------------------------------------------------


def test_a_copy_leaves_out_the_activities_completed_or_discontinued(ctx):
    current = current_strategy()
    ensure_periods(current)
    db.session.commit()
    reported = db.session.scalar(select(Activity.id).where(Activity.code == "3.1.1.2"))
    latest = statuses.latest_period_id(current.id)
    db.session.execute(update(ActivityStatus).where(ActivityStatus.activity_id == reported,
                                                    ActivityStatus.period_id == latest).values(status="discontinued"))
    db.session.commit()
    draft = importing.copy_strategy(current, ctx, *NEXT)
    copied = set(live_activities(draft))
    assert "3.1.1.2" not in copied and "1.1.1.1" not in copied  # reported discontinued; TERMINÉ in the plan
    assert copied == set(live_activities(current)) - {"3.1.1.2", "1.1.1.1", "2.2.1.1", "2.2.1.4", "2.3.3.1"}
    assert (draft.state, draft.code, draft.predecessor_id) == ("draft", "glc-sip-2027-2031", current.id)
    assert output_codes(draft) == output_codes(current)  # the whole tree, even an output left without activity
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.entity_id == str(draft.id),
                                                             AuditEntry.action == "strategy.copied"))


def test_a_copy_over_the_current_dates_is_refused_and_writes_nothing(ctx):
    before = counts()
    with pytest.raises(CycleError, match="overlap"):
        importing.copy_strategy(current_strategy(), ctx, date(2026, 1, 1), date(2030, 12, 31))
    assert counts() == before


# --- editing a draft ------------------------------------------------------------------------------


@pytest.fixture
def draft(ctx):
    """A draft copied from the current plan."""
    return importing.copy_strategy(current_strategy(), ctx, *NEXT)


def draft_activity(strategy: Strategy, code: str) -> Activity | None:
    """The draft's activity with this code."""
    return db.session.scalar(select(Activity).where(Activity.strategy_id == strategy.id, Activity.code == code))


def test_a_drafts_activity_is_reworded_and_given_other_bodies(ctx, draft):
    activity = draft_activity(draft, "3.1.1.2")
    importing.update_draft_activity(activity, "Former.", "Train.", [("wg-training", "lead"), ("sag", "contributor")],
                                    "sag", ctx)
    db.session.expire_all()
    activity = draft_activity(draft, "3.1.1.2")
    assert activity.text == {"fr": "Former.", "en": "Train."}
    assert [(r.body.slug, r.role) for r in activity.responsibilities] == [("wg-training", "lead"), ("sag", "contributor")]
    assert activity.accountable_body.slug == "sag"
    revision = db.session.scalar(select(ActivityRevision).where(ActivityRevision.activity_id == activity.id))
    assert revision.text == {"fr": "Former.", "en": "Train."}


def test_an_edit_naming_an_unknown_body_is_refused(ctx, draft):
    activity = draft_activity(draft, "3.1.1.2")
    with pytest.raises(CycleError, match="Unknown body"):
        importing.update_draft_activity(activity, "Former.", "", [("wg-nowhere", "lead")], None, ctx)


def test_an_activity_is_added_to_and_removed_from_a_draft(ctx, draft):
    output = draft_activity(draft, "3.1.1.2").output
    added = importing.add_draft_activity(output, "3.1.1.9", "Nouvelle.", "New.", [("wg-training", "lead")], None, ctx)
    assert added.accountable_body.slug == "wg-training"
    assert db.session.scalar(select(func.count()).select_from(ActivityStatus)
                             .where(ActivityStatus.activity_id == added.id)) == 20
    with pytest.raises(CycleError, match="already exists"):
        importing.add_draft_activity(output, "3.1.1.9", "Encore.", "", [("wg-training", "lead")], None, ctx)
    importing.remove_draft_activity(draft_activity(draft, "3.1.1.9"), ctx)
    assert draft_activity(draft, "3.1.1.9") is None


def test_the_current_plan_is_not_edited_as_a_draft(ctx):
    activity = db.session.scalar(select(Activity).where(Activity.code == "3.1.1.2"))
    with pytest.raises(CycleError, match="Only a draft"):
        importing.update_draft_activity(activity, "Former.", "Train.", [("wg-training", "lead")], None, ctx)
    with pytest.raises(CycleError, match="Only a draft"):
        importing.remove_draft_activity(activity, ctx)
