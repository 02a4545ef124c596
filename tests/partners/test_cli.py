"""The register's commands: reminders about the commitments, and an import from a file (all rows or none)."""
from sqlalchemy import func, select

from sip.accounts.models import Organisation
from sip.core.models import OutboxMail
from sip.extensions import db


def test_remind_partners_queues_reminders_and_names_partners_with_no_focal_point(seeded, register):
    result = seeded.test_cli_runner().invoke(args=["sip", "remind-partners"])
    assert result.exit_code == 0, result.output
    assert "Queued 1 reminder(s) to 1 partner(s)." in result.output
    assert "No focal point at: Sahel Communautés, World Food Programme" in result.output
    with seeded.app_context():
        assert db.session.scalar(select(func.count(OutboxMail.id))) == 1


def test_import_register_writes_a_good_file_and_refuses_a_bad_one_whole(seeded, register, tmp_path):
    runner = seeded.test_cli_runner()
    good = tmp_path / "good.csv"
    good.write_text("Name,Type,Country\nLogistique Solidaire,NNGO,TD\n", encoding="utf-8")
    assert "1 new, 0 update(s); nothing written (--dry-run)." in runner.invoke(
        args=["sip", "import-register", str(good), "--dry-run"]).output
    bad = tmp_path / "bad.csv"
    bad.write_text("Name,Type,Country\nOne,NNGO,TD\nTwo,NGO,TD\n", encoding="utf-8")
    refused = runner.invoke(args=["sip", "import-register", str(bad)])
    assert refused.exit_code == 1 and "row 3: Unknown type “NGO”." in refused.output
    with seeded.app_context():
        assert db.session.scalar(select(func.count(Organisation.id))) == 5
    done = runner.invoke(args=["sip", "import-register", str(good)])
    assert "Imported: 1 new, 0 updated." in done.output
    with seeded.app_context():
        assert db.session.scalar(select(Organisation.country).where(Organisation.name == "Logistique Solidaire")) == "TD"
