"""The cycles commands: close-strategy (and its dry run), open-strategy, demo-next-strategy."""
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from sip.core.models import AuditEntry
from sip.cycles.models import CarryOver
from sip.extensions import db
from sip.plan.models import Strategy
from sip.plan.queries import current_strategy
from sip.reporting.services import find_period, open_period
from tests.cycles.test_carry_over import REASON, build_next_plan, old, people, secretariat  # noqa: F401
from tests.cycles.test_closing import decide_all, open_action_point


def run(app, *args):
    """Run `flask sip …` and return the result."""
    return app.test_cli_runner().invoke(args=["sip", *args])


def totals() -> tuple:
    """(strategies, carry-overs, audit entries, current strategy's state)."""
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return count(Strategy), count(CarryOver), count(AuditEntry), db.session.scalar(
        select(Strategy.state).where(Strategy.slug == "2022-2026"))


def test_the_dry_run_lists_what_is_open_and_writes_nothing(seeded, people):
    with seeded.app_context():
        from datetime import date

        open_period(find_period(current_strategy(), "2026-Q4"), date(2027, 1, 15), actor=None)
        open_action_point()
        before = totals()
    result = run(seeded, "close-strategy", "2022-2026", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Open quarters (blocks closing): 2026-Q4" in result.output
    assert "Unfinished activities without a carry-over decision (blocks closing): 1.1.1.2," in result.output
    assert "Open action points (not bound to a strategy: they carry over unchanged): 1" in result.output
    assert "the closing is blocked; nothing written" in result.output
    with seeded.app_context():
        assert totals() == before


def test_closing_is_refused_with_what_blocks(seeded, people):
    with seeded.app_context():
        before = totals()
    result = run(seeded, "close-strategy", "2022-2026")
    assert result.exit_code == 1 and "cannot be closed yet" in result.stderr
    assert "Unfinished activities with no carry-over decision: 1.1.1.2" in result.stderr
    with seeded.app_context():
        assert totals() == before


def test_close_strategy_closes_with_its_notes_and_leaves_the_next_plan_a_draft(seeded, people):
    with seeded.app_context():
        build_next_plan()
        decide_all(people)
    result = run(seeded, "close-strategy", "2022-2026", "--notes-fr", "Fin.", "--notes-en", "The end.")
    assert result.exit_code == 0, result.output + result.stderr
    assert "Closed the 2022–2026 strategy" in result.output and "open-strategy --draft 2027-2030" in result.output
    with seeded.app_context():
        closed = db.session.scalar(select(Strategy).where(Strategy.slug == "2022-2026"))
        assert (closed.state, closed.closing_notes) == ("closed", {"fr": "Fin.", "en": "The end."})
        assert db.session.scalar(select(Strategy.state).where(Strategy.slug == "2027-2030")) == "draft"


def test_open_strategy_with_a_bad_file_prints_row_errors_and_writes_nothing(seeded, people, tmp_path):
    from sip.cycles.template import template_workbook

    with seeded.app_context():
        book = load_workbook(io.BytesIO(template_workbook(current_strategy())))
        book["activities"]["D2"] = None  # the first activity's English text
        book["activities"]["B3"] = "9.9.9"  # an output that does not exist
        before = totals()
    path = tmp_path / "next.xlsx"
    book.save(path)
    result = run(seeded, "open-strategy", str(path))
    assert result.exit_code == 1 and "Nothing imported" in result.stderr
    assert "activities row 2:" in result.stderr and "activities row 3:" in result.stderr
    with seeded.app_context():
        assert totals() == before


def test_open_strategy_imports_a_draft_and_leaves_it_a_draft_while_a_strategy_is_current(seeded, people, tmp_path):
    from sip.cycles.template import template_workbook

    path = tmp_path / "next.xlsx"
    with seeded.app_context():  # the small plan proposed for the period after it (2031–2034)
        path.write_bytes(template_workbook(db.session.get(Strategy, build_next_plan())))
    result = run(seeded, "open-strategy", str(path))
    assert result.exit_code == 0, result.output + result.stderr
    assert "as a draft" in result.output and "stays a draft" in result.output
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Strategy).where(Strategy.state == "draft")) == 2
        assert current_strategy().slug == "2022-2026"


def test_open_strategy_opens_an_existing_draft_once_the_old_one_is_closed(seeded, people):
    with seeded.app_context():
        build_next_plan()
    refused = run(seeded, "open-strategy", "--draft", "2027-2030")
    assert refused.exit_code == 1 and "Opening a second current strategy is refused" in refused.stderr
    with seeded.app_context():
        decide_all(people)
    assert run(seeded, "close-strategy", "2022-2026").exit_code == 0
    opened = run(seeded, "open-strategy", "--draft", "2027-2030")
    assert opened.exit_code == 0 and "Opened the 2027–2030 strategy" in opened.output
    with seeded.app_context():
        assert current_strategy().slug == "2027-2030"


def test_the_demo_next_strategy_is_a_draft_with_decisions_of_each_kind(seeded, people):
    result = run(seeded, "demo-next-strategy")
    assert result.exit_code == 0, result.output + result.stderr
    with seeded.app_context():
        decisions = dict(db.session.execute(select(CarryOver.decision, func.count()).group_by(CarryOver.decision)).all())
        assert decisions == {"continue": 3, "merge": 2, "completed": 1, "discontinued": 1}
        assert current_strategy().slug == "2022-2026"
        assert db.session.scalar(select(Strategy.state).where(Strategy.slug == "2027-2030")) == "draft"
    again = run(seeded, "demo-next-strategy")
    assert "exists already; nothing changed" in again.output
