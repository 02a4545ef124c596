"""The `flask sip` commands."""
from pathlib import Path

from sqlalchemy import func, inspect, select

from sip.extensions import db
from sip.plan.models import Activity, Commitment, Outcome, Output, Pillar, Responsibility, Strategy

SOURCE = Path(__file__).resolve().parent.parent / "seed" / "source" / "sip-2023-11.fr.txt"


def row_counts() -> dict[str, int]:
    """Rows per table of the plan."""
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Strategy, Pillar, Outcome, Output, Activity, Responsibility, Commitment)}


def test_setup_migrates_an_empty_database_and_loads_the_plan(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["sip", "setup"])
    assert result.exit_code == 0, result.output
    assert "Loaded the plan" in result.output
    with empty_app.app_context():
        assert "alembic_version" in inspect(db.engine).get_table_names()
        counts = row_counts()
    assert (counts["pillar"], counts["outcome"], counts["output"], counts["activity"], counts["commitment"]) == (4, 11, 20, 50, 12)


def test_setup_run_twice_changes_nothing(empty_app):
    runner = empty_app.test_cli_runner()
    runner.invoke(args=["sip", "setup"])
    with empty_app.app_context():
        before = row_counts()
    result = runner.invoke(args=["sip", "setup"])
    assert result.exit_code == 0
    assert "nothing changed" in result.output
    with empty_app.app_context():
        assert row_counts() == before


def test_check_plan_lists_the_numbering_warnings_and_exits_0(seeded):
    result = seeded.test_cli_runner().invoke(args=["sip", "check-plan"])
    assert result.exit_code == 0, result.output
    assert "2.3.2.1" in result.output and "2.3.3" in result.output
    assert "0 error(s)" in result.output


def test_check_plan_exits_1_on_a_duplicate_code(seeded):
    with seeded.app_context():
        pillar = db.session.scalar(select(Pillar).where(Pillar.number == 2))
        db.session.add(Outcome(pillar=pillar, code="1.1", text={"fr": "Doublon", "en": "Duplicate"}, position=999))
        db.session.commit()
    result = seeded.test_cli_runner().invoke(args=["sip", "check-plan"])
    assert result.exit_code == 1
    assert "error" in result.output and "1.1" in result.output


def test_check_plan_without_a_plan_says_what_to_do(app):
    result = app.test_cli_runner().invoke(args=["sip", "check-plan"])
    assert result.exit_code == 1
    assert "sip setup" in result.output


def test_import_text_dry_run_prints_what_it_read_and_its_warnings(app):
    result = app.test_cli_runner().invoke(args=["sip", "import-text", str(SOURCE), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "4 pillars, 11 outcomes, 20 outputs, 50 activities, 12 commitments" in result.output
    assert "4.2.3.1" in result.output and "warning" in result.output


def test_import_text_reports_errors_and_exits_1(app, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("Pilier 1 : Essai\n\nBut : Un but.\n\n1.1.1.1 Une activité orpheline.\tGCSM\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["sip", "import-text", str(bad), "--dry-run"])
    assert result.exit_code == 1
    assert "error" in result.output


def test_import_text_without_dry_run_changes_nothing_and_says_why(app):
    result = app.test_cli_runner().invoke(args=["sip", "import-text", str(SOURCE)])
    assert result.exit_code == 2
    assert "--dry-run" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Activity)) == 0
