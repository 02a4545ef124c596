"""The secretariat names who files the report of a body that is not a group of people; the body page says who."""
import re

import pytest
from sqlalchemy import select

from sip.core.models import AuditEntry
from sip.extensions import db
from tests.governance.conftest import body, client_as, world  # noqa: F401
from tests.helpers import page_text
from tests.test_access import ROLES, snapshot

URL = "/bodies/glc/focal-point"


def reporter(slug: str = "glc") -> tuple:
    """Who files the body's report now: (focal point id, by the secretariat)."""
    found = body(slug)
    db.session.refresh(found)
    return found.focal_point_id, found.reported_by_secretariat


def test_a_body_with_nobody_named_says_the_secretariat_names_a_focal_point(seeded, client):
    html = page_text(client.get("/bodies/glc?lang=en"))
    assert "Reported by: nobody yet — the secretariat names a focal point." in html
    assert 'href="/bodies/glc/focal-point"' not in html


def test_a_working_group_page_names_no_focal_point_its_members_report(seeded, client):
    assert 'id="focal-point"' not in page_text(client.get("/bodies/wg-training?lang=en"))


def test_the_secretariat_names_a_person_and_the_body_page_says_who_files_its_report(seeded, world):
    client = client_as(seeded, world, "secretariat")
    form = page_text(client.get(URL + "?lang=en"))
    assert "Who files the report of" in form and "Sag Person" in form
    response = client.post(URL + "?lang=en", data={"who": "person", "person": str(world["sag"])},
                           follow_redirects=True)
    html = page_text(response)
    assert "Sag Person now files the report of Global Logistics Cluster, as its focal point." in html
    assert "Reported by: Sag Person (focal point)." in html
    with seeded.app_context():
        assert reporter() == (world["sag"], False)
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "body.focal_point"))
        assert entry.user_id == world["secretariat"]
        assert entry.after == {"focal_point": world["sag"], "secretariat": False}


def test_the_secretariat_can_file_the_report_on_the_bodys_behalf(seeded, world):
    client = client_as(seeded, world, "secretariat")
    client.post(URL, data={"who": "person", "person": str(world["sag"])})
    html = page_text(client.post("/bodies/country-support-teams/focal-point?lang=en", data={"who": "secretariat"},
                                 follow_redirects=True))
    assert "The secretariat now files the report of" in html
    assert "Reported by: the secretariat on its behalf." in html
    with seeded.app_context():
        assert reporter("country-support-teams") == (None, True)
        assert reporter() == (world["sag"], False)


def test_the_form_starts_from_who_files_the_report_today(seeded, world):
    client = client_as(seeded, world, "secretariat")
    client.post(URL, data={"who": "person", "person": str(world["sag"])})
    html = page_text(client.get(URL))
    assert f'<option selected value="{world["sag"]}">' in html
    assert re.search(r'<input checked [^>]*value="person">', html)


def test_the_focal_points_contact_details_are_shown_only_to_those_who_may_see_them(seeded, world, client):
    client_as(seeded, world, "secretariat").post(URL, data={"who": "person", "person": str(world["sag"])})
    with seeded.app_context():
        from sip.accounts.models import User
        email = db.session.get(User, world["sag"]).email
    assert email not in page_text(client.get("/bodies/glc"))
    assert email not in page_text(client_as(seeded, world, "viewer").get("/bodies/glc"))
    assert email in page_text(client_as(seeded, world, "secretariat").get("/bodies/glc"))


@pytest.mark.parametrize("data, problem", [
    ({"who": "person", "person": ""}, "Choose the person who files the report."),
    ({"who": "person", "person": "99999"}, "This person cannot be named: choose an active account from the list."),
    ({"who": "everybody"}, "Not a valid choice"),
    ({}, "Choose who files the report."),
])
def test_bad_input_is_refused_with_the_reason_and_changes_nothing(seeded, world, data, problem):
    client = client_as(seeded, world, "secretariat")
    with seeded.app_context():
        before = snapshot()
    response = client.post(URL + "?lang=en", data=data)
    assert response.status_code == 400
    assert problem in page_text(response)
    with seeded.app_context():
        assert snapshot() == before


def test_an_inactive_person_cannot_be_named(seeded, world, make_user):
    gone = make_user("Gone Person", active=False)
    client = client_as(seeded, world, "secretariat")
    assert "Gone Person" not in page_text(client.get(URL))
    assert client.post(URL, data={"who": "person", "person": str(gone)}).status_code == 400
    with seeded.app_context():
        assert reporter() == (None, False)


def test_a_form_without_its_csrf_token_changes_nothing(seeded, world):
    client = client_as(seeded, world, "secretariat")
    seeded.config["WTF_CSRF_ENABLED"] = True  # after signing in: the test sign-in posts no token
    response = client.post(URL + "?lang=en", data={"who": "secretariat"})
    assert response.status_code == 400
    assert "The page had expired; nothing was changed." in page_text(response)
    with seeded.app_context():
        assert reporter() == (None, False)


def test_a_group_of_people_has_no_focal_point_page(seeded, world):
    client = client_as(seeded, world, "secretariat")
    assert client.get("/bodies/wg-training/focal-point").status_code == 404
    with seeded.app_context():
        before = snapshot()
    assert client.post("/bodies/sag/focal-point", data={"who": "secretariat"}).status_code == 404
    with seeded.app_context():
        assert snapshot() == before


SECRETARIAT_READ = {"anonymous": 302, **dict.fromkeys(ROLES[1:-1], 403), "secretariat": 200}
SECRETARIAT_WRITE = {"anonymous": 302, **dict.fromkeys(ROLES[1:-1], 403), "secretariat": 302}

# This module's routes in tests/test_access.py's format: (endpoint, method, path, form data, status per role).
MATRIX = [
    ("bodies.focal_point", "GET", URL, None, SECRETARIAT_READ),
    ("bodies.focal_point", "POST", URL, {"who": "secretariat"}, SECRETARIAT_WRITE),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method,path,data,expected", MATRIX, ids=[f"{m} {p}" for _, m, p, _, _ in MATRIX])
def test_only_the_secretariat_names_a_focal_point(seeded, world, role, endpoint, method, path, data, expected):
    client = client_as(seeded, world, role)
    with seeded.app_context():
        before = snapshot()
    response = client.get(path) if method == "GET" else client.post(path, data=data)
    assert response.status_code == expected[role]
    if role == "anonymous":
        assert response.headers["Location"].startswith("/login?next=")
    with seeded.app_context():
        changed = snapshot() != before
    assert changed == (method == "POST" and role == "secretariat")


@pytest.mark.parametrize("role", ROLES)
def test_only_the_secretariat_is_offered_the_focal_point_form(seeded, world, role):
    html = page_text(client_as(seeded, world, role).get("/bodies/glc"))
    assert ('href="/bodies/glc/focal-point"' in html) == (role == "secretariat")


def test_every_route_of_this_module_is_in_its_matrix(app):
    covered = {(endpoint, method) for endpoint, method, *_ in MATRIX}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "bodies.focal_point":
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (rule.endpoint, method) in covered, f"{method} {rule.rule} has no access rule"


def test_the_service_refuses_anyone_but_the_secretariat_and_changes_nothing(seeded, world):
    from sip.accounts.models import User
    from sip.bodies.services import BodyError, set_reporting_focal_point

    with seeded.app_context():
        lead = db.session.get(User, world["wg_lead"])
        with pytest.raises(BodyError, match="Only the secretariat"):
            set_reporting_focal_point(body("glc"), lead, person=lead)  # as the CLI or the API would call it
        db.session.rollback()
        assert reporter() == (None, False)
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "body.focal_point")) is None
