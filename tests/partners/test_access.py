"""Who may reach each page of the register, with the database unchanged on every refusal; and contact details by
role on every page, export and error."""
import io

import pytest

from tests.helpers import page_text
from tests.partners.conftest import client_as, user
from tests.test_access import ROLES, snapshot

EVERYONE = dict.fromkeys(ROLES, 200)
SIGNED_IN = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)}
SIGNED_IN_WRITE = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 302)}
SECRETARIAT_READ = {"anonymous": 302, **dict.fromkeys(ROLES[1:-1], 403), "secretariat": 200}
SECRETARIAT_WRITE = {"anonymous": 302, **dict.fromkeys(ROLES[1:-1], 403), "secretariat": 302}
SECRETARIAT_REFUSED = {"anonymous": 302, **dict.fromkeys(ROLES[1:-1], 403), "secretariat": 400}
# the viewer is the focal point of Action Logistique Sahel
FOCAL_POINT_WRITE = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 403), "viewer": 302}

# (endpoint, method, path, form data, expected status per role); {als}, {point}, {request}, {target} are filled in.
MATRIX = [
    ("partners.index", "GET", "/partners", None, EVERYONE),
    ("partners.show", "GET", "/partners/{als}", None, EVERYONE),
    ("partners.export_xlsx", "GET", "/partners/register.xlsx", None, EVERYONE),
    ("partners.export_hxl", "GET", "/partners/register.csv", None, EVERYONE),
    ("partners.figures_csv", "GET", "/partners/figures/partners-by-type.csv", None, SIGNED_IN),
    ("partners.new", "GET", "/partners/new", None, SECRETARIAT_READ),
    ("partners.new", "POST", "/partners/new", {"name": "New NGO", "kind": "partner", "type": "NNGO",
                                               "country": "ML"}, SECRETARIAT_WRITE),
    ("partners.edit", "GET", "/partners/{als}/edit", None, SECRETARIAT_READ),
    ("partners.edit", "POST", "/partners/{als}/edit", {"name": "Action Logistique Sahel", "kind": "partner",
                                                       "type": "NNGO", "country": "BF"}, SECRETARIAT_WRITE),
    ("partners.leave", "POST", "/partners/{als}/leave", {"note": "Closed its office"}, SECRETARIAT_WRITE),
    ("partners.add_focal_point", "POST", "/partners/{als}/focal-points", {"person": "{target}", "body": ""},
     SECRETARIAT_WRITE),
    ("partners.end_focal_point", "POST", "/partners/focal-points/{point}/end", {}, SECRETARIAT_WRITE),
    ("partners.acknowledge", "POST", "/partners/{als}/commitments", {"confirm": "y"}, FOCAL_POINT_WRITE),
    ("partners.join", "GET", "/partners/join", None, SIGNED_IN),
    ("partners.join", "POST", "/partners/join", {"name": "Logistique Solidaire", "kind": "stakeholder",
                                                 "justification": "We store relief items."}, SIGNED_IN_WRITE),
    ("partners.requests", "GET", "/partners/requests", None, SECRETARIAT_READ),
    ("partners.decide", "POST", "/partners/requests/{request}/decide", {"decision": "approve"}, SECRETARIAT_WRITE),
    ("partners.commitments", "GET", "/partners/commitments", None, SECRETARIAT_READ),
    ("partners.remind", "POST", "/partners/commitments/remind", {}, SECRETARIAT_WRITE),
    ("partners.import_preview", "GET", "/partners/import", None, SECRETARIAT_READ),
    ("partners.import_preview", "POST", "/partners/import", {}, SECRETARIAT_REFUSED),
    ("partners.import_confirm", "POST", "/partners/import/confirm", {"payload": "not-a-token"}, SECRETARIAT_REFUSED),
]


def _ids(register) -> dict:
    return {**register["ids"], "target": register["target"]}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method,path,data,expected", MATRIX, ids=[f"{m} {p}" for _, m, p, _, _ in MATRIX])
def test_each_role_reaches_only_its_pages_of_the_register(seeded, register, role, endpoint, method, path, data,
                                                         expected):
    client = client_as(seeded, register, role)
    ids = _ids(register)
    url = path.format(**ids)
    form = {key: value.format(**ids) for key, value in (data or {}).items()}
    with seeded.app_context():
        before = snapshot()
    response = client.get(url) if method == "GET" else client.post(url, data=form)
    assert response.status_code == expected[role], response.get_data(as_text=True)[:500]
    if method == "POST" and response.status_code in (302, 400, 403) and (role == "anonymous" or expected[role] != 302):
        with seeded.app_context():
            assert snapshot() == before, "a refused write changed the database"
    if response.status_code == 302 and role == "anonymous":
        assert response.headers["Location"].startswith("/login?next=")


def test_every_route_of_the_register_is_in_its_matrix(app):
    covered = {(endpoint, method) for endpoint, method, *_ in MATRIX}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("partners."):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (rule.endpoint, method) in covered, f"{method} {rule.rule} has no access rule"


def test_a_private_plan_hides_the_register_from_anonymous_readers(seeded, register):
    seeded.config["SIP_PUBLIC_PLAN"] = False
    try:
        for path in ("/partners", f"/partners/{register['ids']['als']}", "/partners/register.csv"):
            response = seeded.test_client().get(path)
            assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
        assert client_as(seeded, register, "viewer").get("/partners").status_code == 200
    finally:
        seeded.config["SIP_PUBLIC_PLAN"] = True


# --- contact details ----------------------------------------------------------------------------


def _contact(seeded, register) -> tuple[str, str]:
    with seeded.app_context():
        person = user(register["people"]["viewer"])
        return person.email, person.phone


@pytest.mark.parametrize("role, sees", [("anonymous", False), ("wg_member", False), ("sag", False),
                                        ("viewer", True), ("secretariat", True)])
def test_a_focal_points_contact_details_show_only_to_the_secretariat_and_the_person(seeded, register, role, sees):
    email, phone = _contact(seeded, register)
    html = page_text(client_as(seeded, register, role).get(f"/partners/{register['ids']['als']}?lang=en"))
    assert (email in html) is sees
    assert (phone in html) is sees
    if role == "anonymous":
        assert "Viewer Person" not in html  # no names of people in public pages either
    else:
        assert "Viewer Person" in html


def test_someone_sharing_a_body_with_the_focal_point_sees_their_contact_details(seeded, register, make_user):
    from sip.accounts.models import Membership
    from sip.extensions import db
    from tests.partners.conftest import client_as as as_client

    email, _phone = _contact(seeded, register)
    with seeded.app_context():
        from sip.bodies.queries import find_body
        db.session.add(Membership(user_id=register["people"]["viewer"], body=find_body("wg-training"), role="member"))
        db.session.commit()
    assert email in page_text(as_client(seeded, register, "wg_member").get(f"/partners/{register['ids']['als']}"))
    assert email not in page_text(as_client(seeded, register, "other_lead").get(f"/partners/{register['ids']['als']}"))


@pytest.mark.parametrize("path", ["/partners", "/partners/register.csv", "/partners/register.xlsx",
                                  "/partners/figures/local-share.csv", "/partners/figures/organisations-per-group.csv"])
def test_no_register_list_export_or_figure_holds_a_persons_name_or_contact(seeded, register, path):
    email, phone = _contact(seeded, register)
    body = client_as(seeded, register, "secretariat").get(path).get_data()
    if path.endswith(".xlsx"):
        from openpyxl import load_workbook
        book = load_workbook(io.BytesIO(body), read_only=True)
        body = "\n".join(str(cell) for row in book.worksheets[0].iter_rows(values_only=True) for cell in row).encode()
    text = body.decode("utf-8", errors="replace")
    for secret in (email, phone, "Viewer Person", "Target Person"):
        assert secret not in text


def test_a_refused_form_shows_no_contact_details_to_a_reader_who_may_not_see_them(seeded, register):
    # the focal point's own refused acknowledgement re-renders the page for them; a member of nothing sees no e-mail
    email, _phone = _contact(seeded, register)
    client = client_as(seeded, register, "wg_member")
    response = client.post(f"/partners/{register['ids']['als']}/commitments", data={})
    assert response.status_code == 403
    assert email not in page_text(response)
