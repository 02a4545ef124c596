"""The `flask sip` commands."""
from pathlib import Path

from sqlalchemy import func, inspect, select

from sip.extensions import db
from sip.plan.models import Activity, Commitment, Outcome, Output, Pillar, Responsibility, Strategy
from tests.smtp import delivered

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


def _users(app) -> list:
    """(email, admin, [(body, role)]) of every user."""
    from sip.accounts.models import User

    with app.app_context():
        return [(u.email, u.is_admin, [(m.body.slug, m.role) for m in u.memberships])
                for u in db.session.scalars(select(User).order_by(User.id))]


def test_setup_without_demo_creates_no_account(empty_app):
    empty_app.test_cli_runner().invoke(args=["sip", "setup"])
    assert _users(empty_app) == []


def test_setup_demo_creates_one_account_per_role_and_prints_passwords_once(empty_app):
    runner = empty_app.test_cli_runner()
    first = runner.invoke(args=["sip", "setup", "--demo"])
    assert first.exit_code == 0, first.output
    users = _users(empty_app)
    assert ("rome.demo@example.org", False, [("rome-support-team", "member")]) in users
    assert ("lead.training.demo@example.org", False, [("wg-training", "lead")]) in users
    assert ("viewer.demo@example.org", False, []) in users
    assert ("lead.sag.demo@example.org", False, [("sag", "lead")]) in users
    assert ("country.demo@example.org", False, []) in users  # the country teams' reporting focal point
    assert ("invited.demo@example.org", False, [("wg-training", "member")]) in users  # invited, no password yet
    # one account per role, each with its password printed once (the domains' demo data adds people of its own: the
    # register's representatives, a former member due for anonymisation)
    printed = [line for line in first.output.splitlines() if line.startswith("  ") and ".demo@example.org" in line]
    assert len(printed) == 9, first.output  # and the invitee, who has no password yet
    password = next(line.split()[-1] for line in first.output.splitlines() if "rome.demo@example.org" in line)
    assert log_in_with(empty_app, "rome.demo@example.org", password) == 302
    second = runner.invoke(args=["sip", "setup", "--demo"])
    assert "exist already" in second.output and password not in second.output
    assert len(_users(empty_app)) == len(users)  # a second run adds nobody


def log_in_with(app, email: str, password: str) -> int:
    """Status of a login attempt."""
    return app.test_client().post("/login", data={"email": email, "password": password}).status_code


def test_setup_demo_is_refused_in_production(empty_app):
    empty_app.config["SIP_ENV"] = "production"
    result = empty_app.test_cli_runner().invoke(args=["sip", "setup", "--demo"])
    assert result.exit_code == 2
    assert "development only" in result.output
    with empty_app.app_context():
        assert inspect(db.engine).get_table_names() == []


def test_create_user_with_a_password_from_stdin_can_sign_in(seeded):
    runner = seeded.test_cli_runner()
    result = runner.invoke(args=["sip", "create-user", "Lead@Example.org", "--name", "Jean Dupont", "--body", "wg-training",
                                 "--membership", "lead", "--password-stdin"], input="a long passphrase for the cli\n")
    assert result.exit_code == 0, result.output
    assert _users(seeded) == [("lead@example.org", False, [("wg-training", "lead")])]
    assert log_in_with(seeded, "lead@example.org", "a long passphrase for the cli") == 302


def test_create_user_refuses_a_common_password_with_a_clear_message(seeded):
    result = seeded.test_cli_runner().invoke(args=["sip", "create-user", "a@example.org", "--name", "A", "--password-stdin"],
                                             input="password1234\n")
    assert result.exit_code == 1
    assert "too common" in result.output
    assert _users(seeded) == []


def test_create_user_refuses_a_short_password(seeded):
    result = seeded.test_cli_runner().invoke(args=["sip", "create-user", "a@example.org", "--name", "A", "--password-stdin"],
                                             input="short\n")
    assert result.exit_code == 1 and "at least 12 characters" in result.output
    assert _users(seeded) == []


def test_create_user_refuses_an_unknown_body_and_creates_nobody(seeded):
    result = seeded.test_cli_runner().invoke(args=["sip", "create-user", "a@example.org", "--name", "A", "--body", "no-such",
                                                   "--password-stdin"], input="a long passphrase for the cli\n")
    assert result.exit_code == 1 and "no-such" in result.output
    assert _users(seeded) == []


def test_create_user_admin_without_password_gets_an_invitation(seeded, capsys):
    result = seeded.test_cli_runner().invoke(args=["sip", "create-user", "boss@example.org", "--name", "Boss", "--admin"])
    assert result.exit_code == 0, result.output
    assert "invitation queued" in result.output
    assert _users(seeded) == [("boss@example.org", True, [])]
    assert "http://sip.test/invitations/" not in capsys.readouterr().out + result.output  # the worker sends it
    delivered(seeded)  # without SIP_SMTP_URL the worker prints it
    assert "http://sip.test/invitations/" in capsys.readouterr().out


def test_setup_records_the_seed_as_the_first_version_of_the_plan(empty_app):
    from sip.governance.models import ActivityRevision, PlanVersion

    runner = empty_app.test_cli_runner()
    runner.invoke(args=["sip", "setup"])
    runner.invoke(args=["sip", "setup"])
    with empty_app.app_context():
        assert [(v.tag, v.name["en"]) for v in db.session.scalars(select(PlanVersion))] == [
            ("2023-11", "November 2023 revision")]
        assert db.session.scalar(select(func.count()).select_from(ActivityRevision)) == 50


def test_import_text_without_dry_run_points_to_propose_revision(app):
    result = app.test_cli_runner().invoke(args=["sip", "import-text", str(SOURCE)])
    assert "sip propose-revision FILE" in result.output
