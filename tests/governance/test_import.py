"""Importing the next revision of the plan document: the differences, then the amendments in one step (CLI and page)."""
import io

import pytest
from sqlalchemy import func, select

from seed import SOURCE_DOCUMENT
from sip.extensions import db
from sip.governance import importer
from sip.governance.models import Amendment
from sip.plan.queries import current_strategy
from tests.governance.conftest import client_as, person
from tests.helpers import page_text
from tests.test_access import snapshot

EXPECTED = {("move", "1.3.1.1"), ("edit_text", "3.1.1.2"), ("add", "3.1.1.3"), ("responsibilities", "3.1.2.1"),
            ("retire", "3.1.2.2"), ("retire", "4.4.2.2")}


def revised_document() -> str:
    """The November 2023 document with six changes: one of each kind, and an activity dropped."""
    lines = SOURCE_DOCUMENT.read_text(encoding="utf-8-sig").split("\n")
    index = {line.split(" ", 1)[0]: number for number, line in enumerate(lines) if line[:1].isdigit()}
    moved = lines[index["1.3.1.1"]]
    lines[index["3.1.1.2"]] = lines[index["3.1.1.2"]].replace("des plateformes de formation",
                                                              "des plateformes régionales de formation")
    lines[index["3.1.2.1"]] = lines[index["3.1.2.1"]].split("\t")[0] + "\tGroupe de travail sur la formation"
    lines[index["3.1.2.2"]] = lines[index["3.1.2.2"]].split("\t")[0] + "\tTERMINÉ"
    lines[index["3.1.1.2"]] += "\n3.1.1.3 Organiser un atelier annuel des formateurs.\tGroupe de travail sur la formation"
    lines[index["3.1.1.2"]] += "\n" + moved
    lines[index["4.4.2.2"]] = ""
    lines[index["1.3.1.1"]] = ""
    return "\n".join(lines)


def found_changes(found) -> set[tuple[str, str]]:
    """(kind, code) of each change found."""
    return {(change.kind, importer.describe(change)[0]) for change in found.changes}


def test_the_source_document_says_what_the_seeded_plan_says(seeded):
    with seeded.app_context():
        found = importer.compare_document(current_strategy(),
                                          importer.read_document(SOURCE_DOCUMENT.read_text(encoding="utf-8-sig")))
        assert (found.changes, found.errors, found.warnings) == ([], [], [])


def test_a_revised_document_gives_one_change_per_difference(seeded):
    with seeded.app_context():
        found = importer.compare_document(current_strategy(), importer.read_document(revised_document()))
        assert found.errors == []
        assert found_changes(found) == EXPECTED
        reworded = next(c for c in found.changes if c.kind == "edit_text")
        assert reworded.text == {"fr": reworded.activity.text["fr"].replace("plateformes de", "plateformes régionales de"),
                                 "en": ""}


def test_a_document_with_errors_gives_no_change(seeded):
    with seeded.app_context():
        found = importer.compare_document(current_strategy(), importer.read_document(
            revised_document().replace("\tTERMINÉ", "\tGroupe inconnu")))
        assert found.changes == [] and any("unknown body" in error for error in found.errors)


# --- the command --------------------------------------------------------------------------------


@pytest.fixture
def document(tmp_path):
    """The revised document as a file."""
    path = tmp_path / "sip-2025.fr.txt"
    path.write_text(revised_document(), encoding="utf-8")
    return path


def run(app, *args):
    """Run `flask sip propose-revision …`."""
    return app.test_cli_runner().invoke(args=["sip", "propose-revision", *map(str, args)])


def emails(app, world) -> dict[str, str]:
    """The e-mail of each role's person."""
    with app.app_context():
        return {role: person(world, role).email for role in world}


def test_a_dry_run_prints_the_differences_and_changes_nothing(seeded, world, document):
    with seeded.app_context():
        before = snapshot()
    result = run(seeded, document, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "edit_text         3.1.1.2" in result.output and "add               3.1.1.3" in result.output
    assert "6 change(s) to propose" in result.output and "Dry run: nothing was changed." in result.output
    with seeded.app_context():
        assert snapshot() == before


def test_the_command_creates_the_amendments_in_one_step_and_a_second_run_adds_none(seeded, world, document):
    secretariat = emails(seeded, world)["secretariat"]
    result = run(seeded, document, "--as", secretariat, "--rationale", "Revision agreed by the SAG in 2025.")
    assert result.exit_code == 0, result.output
    assert "Created 6 amendment(s)" in result.output
    with seeded.app_context():
        made = db.session.scalars(select(Amendment)).all()
        assert {(a.kind, a.code) for a in made} == EXPECTED
        assert {(a.state, a.origin, a.origin_note, a.proposed_by_id) for a in made} == {
            ("proposed", "import", "sip-2025.fr.txt", world["secretariat"])}
    again = run(seeded, document, "--as", secretariat, "--rationale", "Again.")
    assert again.exit_code == 0 and "0 change(s) to propose, 6 already proposed" in again.output
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Amendment)) == 6


@pytest.mark.parametrize("role", ["wg_lead", "sag", "viewer"])
def test_only_a_secretariat_member_may_import(seeded, world, document, role):
    result = run(seeded, document, "--as", emails(seeded, world)[role], "--rationale", "Because.")
    assert result.exit_code == 1 and "not an active member of the secretariat" in result.output
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Amendment)) == 0


def test_creating_without_a_proposer_or_rationale_is_a_usage_error(seeded, world, document):
    result = run(seeded, document)
    assert result.exit_code == 2 and "--as EMAIL" in result.output


def test_a_document_with_errors_creates_nothing_and_exits_1(seeded, world, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("Pilier 1 : Essai\n\n1.1.1.1 Une activité orpheline.\tGCSM\n", encoding="utf-8")
    result = run(seeded, bad, "--as", emails(seeded, world)["secretariat"], "--rationale", "x")
    assert result.exit_code == 1 and "error:" in result.output


def test_a_file_that_is_not_utf8_is_refused(seeded, world, tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Pilier 1 : Réseau".encode("latin-1"))
    result = run(seeded, bad, "--dry-run")
    assert result.exit_code == 1 and "not UTF-8" in result.output


# --- the page -----------------------------------------------------------------------------------


def upload(client, text: bytes, **data):
    """Post a document to the import page."""
    return client.post("/amendments/import", data={"document": (io.BytesIO(text), "sip-2025.fr.txt"), **data},
                       content_type="multipart/form-data")


def test_the_page_previews_the_differences_then_creates_the_amendments(seeded, world):
    client = client_as(seeded, world, "secretariat")
    with seeded.app_context():
        before = snapshot()
    preview = upload(client, revised_document().encode("utf-8"), action="preview")
    html = page_text(preview)
    assert preview.status_code == 200 and "Create 6 amendments for the SAG" in html
    assert 'data-kind="move"' in html and "Organiser un atelier annuel des formateurs." in html
    with seeded.app_context():
        assert snapshot() == before
    text = revised_document()
    created = client.post("/amendments/import", data={"text": text, "source": "sip-2025.fr.txt", "action": "create",
                                                       "rationale": "Revision agreed in 2025."})
    assert created.status_code == 302 and created.headers["Location"].endswith("/amendments?state=proposed")
    assert "6 amendments proposed from the document" in page_text(client.get("/amendments?lang=en"))
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Amendment)) == 6


@pytest.mark.parametrize("content,message", [
    ("Pilier 1 : Réseau".encode("latin-1"), "not UTF-8"),
    (b"x" * (1024 * 1024 + 1), "larger than"),
    ("Pilier 1 : Essai\n\n1.1.1.1 Une activité orpheline.\tGCSM\n".encode(), "The document has errors"),
])
def test_a_malformed_upload_is_refused_with_a_message_and_changes_nothing(seeded, world, content, message):
    client = client_as(seeded, world, "secretariat")
    with seeded.app_context():
        before = snapshot()
    response = upload(client, content, action="create", rationale="Because.")
    assert response.status_code == 400 and message in page_text(response)
    with seeded.app_context():
        assert snapshot() == before


def test_creating_from_the_page_needs_a_rationale(seeded, world):
    client = client_as(seeded, world, "secretariat")
    response = client.post("/amendments/import", data={"text": revised_document(), "action": "create", "rationale": ""})
    assert response.status_code == 400 and "a rationale is required" in page_text(response)


@pytest.mark.parametrize("role,status", [("anonymous", 302), ("viewer", 403), ("wg_lead", 403), ("sag", 403),
                                         ("secretariat", 200)])
def test_only_the_secretariat_opens_the_import_page(seeded, world, role, status):
    assert client_as(seeded, world, role).get("/amendments/import").status_code == status
