"""The register's import (preview, row errors, nothing written before the confirmation, a refused file changes
nothing) and its exports (XLSX and HXL CSV, checked with libhxl, the HXL reference library; no personal data)."""
import io
import re

import hxl
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from sip.accounts.models import Organisation
from sip.core.models import AuditEntry
from sip.extensions import db
from tests.helpers import page_text
from tests.partners.conftest import client_as, organisation
from tests.test_access import snapshot

GOOD_CSV = ("Name,Acronym,Partner or stakeholder,Type,Headquarters country,Countries where it operates,Website,"
            "Joined on\r\n"
            "Logistique Solidaire,LS,partner,National NGO,Tchad,\"TD; CM\",https://ls.example.org,2025-02-01\r\n"
            "Réseau Communautaire du Lac,RCL,stakeholder,CBO,NE,,,\r\n"
            "World Food Programme,WFP,partner,UN,IT,\"ML, TD, SD\",,2023-01-15\r\n")
BAD_CSV = ("Nom;Type;Pays du siège\r\n"
           "Bonne ONG;ONG nationale;ML\r\n"
           "Mauvais Type;ONG;ML\r\n"
           "Bonne ONG;NNGO;ML\r\n"
           "Pays Inconnu;NNGO;XX\r\n")


def upload(client, content: bytes, filename: str):
    return client.post("/partners/import?lang=en", data={"spreadsheet": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count(Organisation.id))),
                db.session.scalar(select(func.count(AuditEntry.id))))


def payload(html: str) -> str:
    return re.search(r'name="payload" type="hidden" value="([^"]+)"', html).group(1)


def test_a_good_file_is_previewed_without_writing_then_imported_once_confirmed(seeded, register):
    client = client_as(seeded, register, "secretariat")
    before = counts(seeded)
    response = upload(client, GOOD_CSV.encode("utf-8"), "register.csv")
    html = page_text(response)
    assert response.status_code == 200
    assert "2 organisations to register and 1 to update. Nothing is written until you confirm." in html
    assert counts(seeded) == before
    done = client.post("/partners/import/confirm?lang=en", data={"payload": payload(html)}, follow_redirects=True)
    assert "Import done: 2 organisations registered, 1 updated." in page_text(done)
    with seeded.app_context():
        solidaire = organisation("Logistique Solidaire")
        assert (solidaire.type, solidaire.country, solidaire.countries) == ("NNGO", "TD", ["TD", "CM"])
        assert organisation("World Food Programme").countries == ["ML", "TD", "SD"]
        assert organisation("Réseau Communautaire du Lac").kind == "stakeholder"
        assert db.session.scalar(select(AuditEntry.after).where(AuditEntry.action == "organisation.imported")) == {
            "created": 2, "updated": 1}


def test_a_file_with_errors_lists_them_by_row_offers_no_confirmation_and_writes_nothing(seeded, register):
    client = client_as(seeded, register, "secretariat")
    with seeded.app_context():
        before = snapshot()
    response = upload(client, BAD_CSV.encode("cp1252"), "registre.csv")
    html = page_text(response)
    assert response.status_code == 400
    assert "3 rows have errors: nothing can be imported until the file is corrected." in html
    rows = dict(re.findall(r'<tr class="has-error" data-row="(\d+)">(.*?)</tr>', html, re.S))
    assert set(rows) == {"3", "4", "5"}
    assert "Unknown type “ONG”." in rows["3"]
    assert "Duplicate name: “Bonne ONG” is also on row 2." in rows["4"]
    assert "Unknown country “XX”" in rows["5"]
    assert "Confirm the import" not in html
    with seeded.app_context():
        assert snapshot() == before


@pytest.mark.parametrize("content, filename, message", [
    (b"", "empty.csv", "The file is empty."),
    (b"PK\x03\x04 not really a workbook", "broken.xlsx", "This is not an Excel workbook (.xlsx) that can be read."),
    (b"%PDF-1.7", "register.pdf", "Give an Excel workbook (.xlsx) or a CSV file."),
    (b"Organisme,Pays\r\nA,ML\r\n", "register.csv", "The file has no column of names"),
    (b"Name\r\n\r\n", "register.csv", "The file has no organisation to import."),
])
def test_a_file_that_cannot_be_read_is_refused_and_changes_nothing(seeded, register, content, filename, message):
    client = client_as(seeded, register, "secretariat")
    before = counts(seeded)
    response = upload(client, content, filename)
    assert response.status_code == 400
    assert message in page_text(response)
    assert counts(seeded) == before


def test_an_altered_preview_is_refused_and_changes_nothing(seeded, register):
    client = client_as(seeded, register, "secretariat")
    html = page_text(upload(client, GOOD_CSV.encode("utf-8"), "register.csv"))
    token = payload(html)
    before = counts(seeded)
    response = client.post("/partners/import/confirm?lang=en", data={"payload": token[:-3] + "abc"})
    assert response.status_code == 400
    assert "This preview has expired or was altered" in page_text(response)
    assert counts(seeded) == before


def test_a_confirmation_whose_name_was_taken_meanwhile_updates_it_instead(seeded, register):
    client = client_as(seeded, register, "secretariat")
    html = page_text(upload(client, GOOD_CSV.encode("utf-8"), "register.csv"))
    client.post("/partners/new", data={"name": "Logistique Solidaire", "kind": "stakeholder"})
    done = client.post("/partners/import/confirm?lang=en", data={"payload": payload(html)}, follow_redirects=True)
    assert "Import done: 1 organisations registered, 2 updated." in page_text(done)
    with seeded.app_context():
        assert organisation("Logistique Solidaire").kind == "partner"


def test_an_xlsx_workbook_is_read_with_its_dates(seeded, register):
    from datetime import date

    book = Workbook()
    sheet = book.active
    sheet.append(["Nom", "Sigle", "Statut", "Type", "Pays du siège", "Membre depuis"])
    sheet.append(["Logistique Solidaire", "LS", "Partenaire", "Secteur privé", "Sénégal", date(2025, 2, 1)])
    buffer = io.BytesIO()
    book.save(buffer)
    client = client_as(seeded, register, "secretariat")
    html = page_text(upload(client, buffer.getvalue(), "registre.xlsx"))
    client.post("/partners/import/confirm", data={"payload": payload(html)})
    with seeded.app_context():
        found = organisation("Logistique Solidaire")
        assert (found.kind, found.type, found.country, found.joined_on) == ("partner", "private", "SN",
                                                                            date(2025, 2, 1))


# --- exports ------------------------------------------------------------------------------------


def hxl_dataset(content: bytes, tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(content)
    return hxl.data(str(path), hxl.InputOptions(allow_local=True))


def test_the_hxl_export_is_valid_hxl_with_the_registers_hashtags(seeded, register, tmp_path):
    response = seeded.test_client().get("/partners/register.csv?lang=en&standing=all")
    assert response.headers["Content-Disposition"] == 'attachment; filename="sip-register-hxl.csv"'
    dataset = hxl_dataset(response.get_data(), tmp_path)
    tags = [column.display_tag for column in dataset.columns]
    for tag in ("#org+name", "#org+code", "#org+type+code", "#country+code", "#meta+url", "#date+start"):
        assert tag in tags
    rows = {row.get("#org+name"): row for row in dataset}
    assert set(rows) == {"Action Logistique Sahel", "World Food Programme", "Université de Logistique",
                         "Ancien Partenaire", "Sahel Communautés"}
    sahel = rows["Action Logistique Sahel"]
    assert (sahel.get("#org+code"), sahel.get("#org+type+code"), sahel.get("#country+code")) == ("ALS", "NNGO",
                                                                                                     "ML")
    assert sahel.get("#country+code+impl") == "ML, BF, NE"
    assert rows["Ancien Partenaire"].get("#date+end") == "2024-06-30"
    # libhxl's own validation: every row has a name and the type codes are the register's
    schema = hxl.schema([["#valid_tag", "#valid_required", "#valid_value+list"],
                         ["#org+name", "true", ""],
                         ["#org+type+code", "", "UN|INGO|NNGO|CBO|RCRC|government|private|academia"]])
    assert schema.validate(hxl_dataset(response.get_data(), tmp_path))
    from tests.api.hxl_core_schema import non_core  # every hashtag and attribute is one the HXL core defines

    assert non_core(dataset.columns) == []


def test_the_hxl_export_follows_the_registers_filters(seeded, register, tmp_path):
    response = seeded.test_client().get("/partners/register.csv?kind=stakeholder")
    assert [row.get("#org+name") for row in hxl_dataset(response.get_data(), tmp_path)] == [
        "Université de Logistique"]


def test_the_xlsx_export_has_headings_hashtags_and_one_row_per_organisation(seeded, register):
    response = seeded.test_client().get("/partners/register.xlsx?lang=fr")
    book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[1][:4] == ("#org+name", "#org+code", "#status+code", "#org+type+code")
    names = [row[0] for row in rows[2:]]
    assert names == ["Action Logistique Sahel", "Sahel Communautés", "Université de Logistique",
                     "World Food Programme"]
    assert "Italie" in rows[-1]  # country names in the reader's language


def test_an_exported_file_imports_back_without_changing_anything(seeded, register):
    exported = seeded.test_client().get("/partners/register.xlsx?standing=all").get_data()
    client = client_as(seeded, register, "secretariat")
    html = page_text(upload(client, exported, "sip-register.xlsx"))
    assert "0 organisations to register and 5 to update." in html
    done = client.post("/partners/import/confirm?lang=en", data={"payload": payload(html)}, follow_redirects=True)
    assert "Import done: 0 organisations registered, 0 updated." in page_text(done)
