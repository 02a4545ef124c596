"""The pages of opening the next plan: who may use them, the preview with its errors by row, the confirmation, the
copy, and editing the draft."""
import io
import re
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from sip.cycles.template import template_workbook
from sip.extensions import db
from sip.plan.models import Activity, Strategy
from sip.plan.queries import current_strategy
from tests.conftest import log_in
from tests.helpers import page_text
from tests.test_access import MEMBERSHIPS, ROLES, SECRETARIAT_READ, SECRETARIAT_WRITE, snapshot

SEED_TEXT = Path(__file__).resolve().parents[2] / "seed" / "source" / "sip-2023-11.fr.txt"
SECRETARIAT_REFUSED = {**SECRETARIAT_WRITE, "secretariat": 400}  # the form or the service refuses: nothing written
DRAFT = "/strategies/2027-2031/draft"
# (endpoint, method, path, form data, expected status per role), for tests/test_access.py's every_entry(); in this
# module's world the current plan has a 2027–2031 draft copied from it.
MATRIX = [
    ("cycles.new", "GET", "/strategies/new", None, SECRETARIAT_READ),
    ("cycles.template", "GET", "/strategies/template.xlsx", None, SECRETARIAT_READ),
    ("cycles.strategy_template", "GET", "/strategies/2022-2026/template.xlsx", None, SECRETARIAT_READ),
    ("cycles.upload", "POST", "/strategies/new/upload", {}, SECRETARIAT_REFUSED),
    ("cycles.confirm", "POST", "/strategies/new/confirm", {"token": "x" * 32}, SECRETARIAT_WRITE),  # expired: back
    ("cycles.copy", "POST", "/strategies/new/copy", {"copy-starts_on": "2026-01-01", "copy-ends_on": "2030-12-31"},
     SECRETARIAT_REFUSED),
    ("cycles.draft", "GET", DRAFT, None, SECRETARIAT_READ),
    ("cycles.draft_activity", "GET", f"{DRAFT}/activities/3.1.1.2", None, SECRETARIAT_READ),
    ("cycles.draft_activity", "POST", f"{DRAFT}/activities/3.1.1.2", {"text_fr": "", "rows-0-body": "wg-training",
                                                                      "rows-0-role": "lead"}, SECRETARIAT_REFUSED),
    ("cycles.draft_add", "GET", f"{DRAFT}/add", None, SECRETARIAT_READ),
    ("cycles.draft_add", "POST", f"{DRAFT}/add", {"code": ""}, SECRETARIAT_REFUSED),
    ("cycles.draft_remove", "POST", f"{DRAFT}/activities/3.1.1.2/remove", {}, SECRETARIAT_WRITE),
]
PAGES = ["/strategies/new", "/strategies/template.xlsx", "/strategies/2022-2026/template.xlsx"]


@pytest.fixture
def people(seeded, make_user, tmp_path):
    """A secretariat member and a working group lead (ids); uploads kept in the test's folder."""
    seeded.config["SIP_PLAN_UPLOADS"] = str(tmp_path / "uploads")
    return {"secretariat": make_user("Rome Person", bodies=[("rome-support-team", "member")]),
            "lead": make_user("Lead Person", bodies=[("wg-training", "lead")])}


def client_of(app, user_id=None):
    """A test client, signed in when a user is given."""
    client = app.test_client()
    if user_id is not None:
        log_in(client, user_id)
    return client


def prefilled(app, **changes) -> bytes:
    """The template filled with the current plan, with cells changed ({(sheet, row, column): value})."""
    with app.app_context():
        data = template_workbook(current_strategy())
    book = load_workbook(io.BytesIO(data))
    for (sheet, row, column), value in changes.get("cells", {}).items():
        book[sheet].cell(row=row, column=column).value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(client, data: bytes, name: str = "plan.xlsx", **fields):
    """Post a file to the preview."""
    return client.post("/strategies/new/upload", data={"plan_file": (io.BytesIO(data), name), **fields},
                       content_type="multipart/form-data")


def strategy_count(app) -> int:
    """How many strategies there are."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Strategy))


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(seeded, people, path):
    response = client_of(seeded).get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", PAGES)
def test_a_working_group_lead_may_not_open_a_plan(seeded, people, path):
    assert client_of(seeded, people["lead"]).get(path).status_code == 403


def test_a_lead_may_not_upload_or_copy(seeded, people):
    client = client_of(seeded, people["lead"])
    assert upload(client, prefilled(seeded)).status_code == 403
    assert client.post("/strategies/new/copy", data={"copy-starts_on": "2027-01-01", "copy-ends_on": "2031-12-31"}).status_code == 403
    assert strategy_count(seeded) == 1


def test_the_secretariat_sees_the_three_ways(seeded, people):
    response = client_of(seeded, people["secretariat"]).get("/strategies/new")
    text = page_text(response)
    assert response.status_code == 200
    assert "1. Fill the template" in text and "2. Import a plan document" in text and "3. Copy the current plan" in text
    assert 'value="2027-01-01"' in text  # the copy proposes the years after the current plan


def test_the_secretariat_downloads_the_templates(seeded, people):
    client = client_of(seeded, people["secretariat"])
    empty = client.get("/strategies/template.xlsx")
    assert empty.status_code == 200 and empty.mimetype.endswith("spreadsheetml.sheet")
    filled = load_workbook(io.BytesIO(client.get("/strategies/2022-2026/template.xlsx").data))
    assert filled["activities"].max_row == 51


def test_the_preview_shows_the_errors_by_row_and_writes_nothing(seeded, people):
    client = client_of(seeded, people["secretariat"])
    data = prefilled(seeded, cells={("activities", 3, 5): "wg-nowhere:lead", ("activities", 4, 4): None})
    response = upload(client, data)
    text = page_text(response)
    assert response.status_code == 400
    assert "3 errors: nothing can be created until the file is corrected." in text
    assert '<tr class="has-error" data-sheet="activities" data-row="3"><td>activities</td><td>3</td>' \
           '<td>Unknown body “wg-nowhere”: see the sheet “bodies” for the slugs.</td></tr>' in text
    assert "The accountable body “wg-partnerships” must be one of the responsible bodies." in text
    assert text.index('data-row="3"') < text.index('data-row="4"><td>activities</td><td>4</td><td>The text in English '
                                                   'is missing.</td>')  # in the file's order
    assert "Create the draft" not in text
    assert strategy_count(seeded) == 1


def test_a_good_file_is_previewed_then_created_as_a_draft_on_confirmation(seeded, people):
    client = client_of(seeded, people["secretariat"])
    response = upload(client, prefilled(seeded))
    text = page_text(response)
    assert response.status_code == 200
    assert "4 pillars, 11 outcomes, 20 outputs, 50 activities." in text
    assert strategy_count(seeded) == 1  # nothing written by the preview
    token = text.split('name="token" type="hidden" value="')[1].split('"')[0]
    created = client.post("/strategies/new/confirm", data={"token": token})
    assert created.status_code == 302 and created.headers["Location"].endswith("/strategies/2027-2031/draft")
    draft_page = client.get("/strategies/2027-2031/draft")
    assert "The 2027–2031 plan is created as a draft" in page_text(draft_page)
    with seeded.app_context():
        draft = db.session.scalar(select(Strategy).where(Strategy.slug == "2027-2031"))
        assert draft.state == "draft"
    again = client.post("/strategies/new/confirm", data={"token": token}, follow_redirects=True)
    assert "This preview has expired" in page_text(again) and strategy_count(seeded) == 2


def test_another_person_cannot_confirm_an_upload(seeded, people, make_user):
    client = client_of(seeded, people["secretariat"])
    text = page_text(upload(client, prefilled(seeded)))
    token = text.split('name="token" type="hidden" value="')[1].split('"')[0]
    other = client_of(seeded, make_user("Other Rome", bodies=[("rome-support-team", "member")]))
    other.post("/strategies/new/confirm", data={"token": token})
    assert strategy_count(seeded) == 1


def test_a_plan_document_is_previewed_with_english_to_be_written(seeded, people):
    client = client_of(seeded, people["secretariat"])
    response = upload(client, SEED_TEXT.read_bytes(), "plan.txt", starts_on="2027-01-01", ends_on="2031-12-31")
    text = page_text(response)
    assert response.status_code == 200 and "English text to be written." in text
    assert "Create the draft" in text


def test_copying_the_current_plan_opens_its_draft(seeded, people):
    client = client_of(seeded, people["secretariat"])
    response = client.post("/strategies/new/copy", data={"copy-starts_on": "2027-01-01", "copy-ends_on": "2031-12-31"},
                           follow_redirects=True)
    text = page_text(response)
    assert "The current plan is copied as the 2027–2031 draft." in text
    assert 'id="activity-3.1.1.2"' in text and 'id="activity-1.1.1.1"' not in text  # completed: left out


def test_a_copy_over_the_current_dates_is_refused_with_the_reason(seeded, people):
    client = client_of(seeded, people["secretariat"])
    response = client.post("/strategies/new/copy", data={"copy-starts_on": "2026-01-01", "copy-ends_on": "2030-12-31"})
    assert response.status_code == 400 and "overlap the 2022–2026 strategy" in page_text(response)
    assert strategy_count(seeded) == 1


@pytest.fixture
def draft(seeded, people):
    """A draft copied from the current plan, and the secretariat's client."""
    client = client_of(seeded, people["secretariat"])
    client.post("/strategies/new/copy", data={"copy-starts_on": "2027-01-01", "copy-ends_on": "2031-12-31"})
    return client


def test_the_secretariat_edits_a_drafts_activity(seeded, draft):
    page = draft.get("/strategies/2027-2031/draft/activities/3.1.1.2")
    assert page.status_code == 200 and '<option selected value="wg-training">' in page_text(page)
    response = draft.post("/strategies/2027-2031/draft/activities/3.1.1.2", data={
        "text_fr": "Former les partenaires.", "text_en": "Train partners.", "rows-0-body": "wg-training",
        "rows-0-role": "lead", "rows-1-body": "sag", "rows-1-role": "contributor", "accountable": "0"},
        follow_redirects=True)
    assert "Activity 3.1.1.2 is saved in the draft." in page_text(response)
    with seeded.app_context():
        activity = db.session.scalar(select(Activity).join(Strategy, Activity.strategy_id == Strategy.id)
                                     .where(Strategy.slug == "2027-2031", Activity.code == "3.1.1.2"))
        assert activity.text == {"fr": "Former les partenaires.", "en": "Train partners."}
        assert [r.body.slug for r in activity.responsibilities] == ["wg-training", "sag"]


def test_the_secretariat_adds_and_removes_a_drafts_activity(seeded, draft):
    with seeded.app_context():
        output_id = db.session.scalar(select(Activity.output_id).join(Strategy, Activity.strategy_id == Strategy.id)
                                      .where(Strategy.slug == "2027-2031", Activity.code == "3.1.1.2"))
    response = draft.post("/strategies/2027-2031/draft/add", data={
        "output": str(output_id), "code": "3.1.1.9", "text_fr": "Nouvelle.", "text_en": "",
        "rows-0-body": "wg-training", "rows-0-role": "lead", "accountable": "0"}, follow_redirects=True)
    assert "Activity 3.1.1.9 is added to the draft." in page_text(response)
    response = draft.post("/strategies/2027-2031/draft/activities/3.1.1.9/remove", follow_redirects=True)
    assert "Activity 3.1.1.9 is removed from the draft." in page_text(response)
    assert 'id="activity-3.1.1.9"' not in page_text(response)


def test_the_current_plan_has_no_draft_pages(seeded, people):
    client = client_of(seeded, people["secretariat"])
    assert client.get("/strategies/2022-2026/draft").status_code == 404
    assert client.get("/strategies/2022-2026/draft/activities/3.1.1.2").status_code == 404


def test_a_draft_is_hidden_from_anyone_but_the_secretariat(seeded, people, draft):
    assert client_of(seeded, people["lead"]).get("/s/2027-2031/plan").status_code == 404
    assert client_of(seeded).get("/s/2027-2031/plan").status_code == 404
    assert client_of(seeded, people["lead"]).get("/strategies/2027-2031/draft").status_code == 403
    assert draft.get("/s/2027-2031/plan").status_code == 200


def test_a_draft_seen_by_the_secretariat_stays_hidden_from_a_lead(seeded, people, draft):
    assert draft.get("/s/2027-2031/plan").status_code == 200
    assert client_of(seeded, people["lead"]).get("/s/2027-2031/plan").status_code == 404


# --- who may use each route -----------------------------------------------------------------------


@pytest.fixture
def world(seeded, make_user, tmp_path):
    """One person per role (ids by role) and a 2027–2031 draft copied from the current plan."""
    from sip.accounts.models import User
    from sip.cycles.importing import copy_strategy

    seeded.config["SIP_PLAN_UPLOADS"] = str(tmp_path / "uploads")
    ids = {role: make_user(f"{role} person", bodies=bodies) for role, bodies in MEMBERSHIPS.items()}
    with seeded.app_context():
        copy_strategy(current_strategy(), db.session.get(User, ids["secretariat"]), date(2027, 1, 1),
                      date(2031, 12, 31))
    return ids


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method,path,data,expected", MATRIX, ids=[f"{m} {p}" for _, m, p, _, _ in MATRIX])
def test_only_the_secretariat_opens_a_new_plan(seeded, world, role, endpoint, method, path, data, expected):
    client = client_of(seeded, world.get(role))
    with seeded.app_context():
        before = snapshot()
    response = client.open(path, method=method, data=data)
    assert response.status_code == expected[role]
    if role == "anonymous":
        assert "/login" in response.headers["Location"]
    if method == "POST" and expected[role] != 302:
        with seeded.app_context():
            assert snapshot() == before, "a refused write changed the database"


def test_every_route_of_opening_a_plan_is_in_its_matrix(app):
    covered = {(endpoint, method) for endpoint, method, *_ in MATRIX}
    for rule in app.url_map.iter_rules():
        if app.view_functions[rule.endpoint].__module__ == "sip.cycles.import_views":
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (rule.endpoint, method) in covered, f"{method} {rule.rule} has no access rule"


def test_the_copy_form_and_the_upload_form_have_their_own_field_ids(seeded, people):
    html = page_text(client_of(seeded, people["secretariat"]).get("/strategies/new?lang=en"))
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert [i for i in set(ids) if ids.count(i) > 1] == []
    assert '<label for="copy-starts_on"' in html
