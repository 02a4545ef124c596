"""The secretariat's administration pages (people, memberships, organisations) and members on body pages."""
import re
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import select, text

from sip.accounts.models import Membership, Organisation, User
from sip.core.models import AuditEntry
from sip.extensions import db
from tests.conftest import counting_queries, log_in
from tests.helpers import page_text
from tests.smtp import capture_queued, delivered

COUNTED_TABLES = ("user_account", "membership", "organisation", "audit_entry")


def row_counts(app) -> dict[str, int]:
    """How many rows the tables that administration writes to hold."""
    with app.app_context():
        return {table: db.session.scalar(text(f"SELECT count(*) FROM {table}")) for table in COUNTED_TABLES}


def audit_actions(app) -> list[str]:
    """Actions of the audit trail, oldest first, without the logins."""
    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))
        return [action for action in actions if not action.startswith("login.")]


@pytest.fixture
def sent_mail(monkeypatch):
    """The e-mails queued in the outbox: a list of (to, subject, body)."""
    return capture_queued(monkeypatch)


@pytest.fixture
def make_organisation(app):
    """Builder: an organisation, optionally with people (user ids) in it; returns its id."""

    def build(name, *, acronym=None, kind="partner", type_="INGO", country=None, people=()):
        with app.app_context():
            organisation = Organisation(name=name, acronym=acronym, kind=kind, type=type_, country=country)
            db.session.add(organisation)
            db.session.flush()
            for user_id in people:
                db.session.get(User, user_id).organisation_id = organisation.id
            db.session.commit()
            return organisation.id

    return build


@pytest.fixture
def world(app, make_user):
    """A target person in the training WG (no password yet), a candidate outside it, and the target's membership."""
    target = make_user("Tina Target", email="tina@example.org", bodies=[("wg-training", "member")], password=None)
    candidate = make_user("Carl Candidate", email="carl@example.org")
    make_user("Sam Sag", bodies=[("sag", "member")])
    with app.app_context():
        membership = db.session.scalar(select(Membership.id).where(Membership.user_id == target))
    return {"target": target, "candidate": candidate, "membership": membership}


# (name, method, URL, form data, what the secretariat sees afterwards)
ROUTES = [
    ("people", "GET", "/admin/people", None, "People"),
    ("invite form", "GET", "/admin/people/invite", None, "Invite someone"),
    ("invite", "POST", "/admin/people/invite", {"email": "new.person@example.org", "name": "New Person",
                                                "body": "", "role": "member", "organisation": "", "language": ""},
     "new.person@example.org is registered. The invitation e-mail is on its way"),
    ("person", "GET", "/admin/people/{target}", None, "tina@example.org"),
    ("add membership", "POST", "/admin/people/{target}/memberships", {"body": "sag", "role": "member"},
     "Tina Target now belongs to sag."),
    ("deactivate", "POST", "/admin/people/{target}/active", {"active": "0"},
     "Tina Target is deactivated and signed out everywhere."),
    ("resend invitation", "POST", "/admin/people/{target}/invitation", {},
     "A new invitation e-mail to tina@example.org is on its way"),
    ("end membership", "POST", "/admin/memberships/{membership}/end", {}, "Tina Target no longer belongs to wg-training."),
    ("organisations", "GET", "/admin/organisations", None, "Register an organisation"),
    ("create organisation", "POST", "/admin/organisations", {"name": "Logistics Partners", "kind": "partner", "type": "NNGO"},
     "Logistics Partners is registered."),
    ("body members", "GET", "/admin/bodies/wg-training", None, "Members of wg-training"),
    ("add body member", "POST", "/admin/bodies/wg-training/members", {"person": "{candidate}", "role": "member"},
     "Carl Candidate now belongs to wg-training."),
]
ROUTE_IDS = [route[0] for route in ROUTES]


def call(client, world, method, url, data):
    """Make the request of a route, with the ids of `world` filled in."""
    url = url.format(**world)
    if method == "GET":
        return client.get(url + "?lang=en")
    data = {key: value.format(**world) for key, value in (data or {}).items()}
    return client.post(url + "?lang=en", data=data)


DENIED = {
    "viewer": [],
    "WG lead": [("wg-partnerships", "lead")],
    "SAG member": [("sag", "member")],
}


@pytest.mark.parametrize("name, method, url, data, seen", ROUTES, ids=ROUTE_IDS)
def test_anonymous_reader_is_sent_to_sign_in_and_nothing_changes(app, client, world, sent_mail, name, method, url, data, seen):
    before = row_counts(app)
    response = call(client, world, method, url, data)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    assert location.startswith("/login?next=" + quote(url.format(**world), safe=""))
    assert row_counts(app) == before
    assert sent_mail == []


@pytest.mark.parametrize("role", DENIED)
@pytest.mark.parametrize("name, method, url, data, seen", ROUTES, ids=ROUTE_IDS)
def test_people_outside_the_secretariat_get_403_and_nothing_changes(app, client, make_user, world, sent_mail, role,
                                                                    name, method, url, data, seen):
    log_in(client, make_user(bodies=DENIED[role]))
    before = row_counts(app)
    response = call(client, world, method, url, data)
    assert response.status_code == 403
    assert row_counts(app) == before
    assert sent_mail == []


@pytest.mark.parametrize("who", ["secretariat member", "admin without membership"])
@pytest.mark.parametrize("name, method, url, data, seen", ROUTES, ids=ROUTE_IDS)
def test_secretariat_and_admins_may_use_every_page(app, client, make_user, world, sent_mail, who, name, method, url, data,
                                                   seen):
    if who == "admin without membership":
        actor = make_user("Ada Admin", admin=True)
    else:
        actor = make_user("Rita Rome", bodies=[("rome-support-team", "member")])
    log_in(client, actor)
    before = row_counts(app)
    response = call(client, world, method, url, data)
    if method == "GET":
        assert response.status_code == 200
        assert row_counts(app) == before
    else:
        assert response.status_code == 302
        assert row_counts(app)["audit_entry"] > before["audit_entry"]
        response = client.get(response.headers["Location"])
    assert seen in page_text(response)


def test_the_admin_menu_link_leads_to_the_people_list(app, client, make_user):
    log_in(client, make_user(bodies=[("rome-support-team", "member")]))
    html = page_text(client.get("/?lang=en"))
    assert 'href="/admin/people"' in html


# --- people list --------------------------------------------------------------------------------


@pytest.fixture
def secretariat(client, make_user):
    """A signed-in member of the Rome support team; returns their id."""
    user = make_user("Rita Rome", email="rita@example.org", bodies=[("rome-support-team", "member")])
    log_in(client, user)
    return user


def people_names(response) -> list[str]:
    """The names in the people list, in order."""
    return re.findall(r'<td><a href="/admin/people/\d+">([^<]+)</a>', page_text(response))


def test_people_list_shows_name_email_organisation_bodies_state_and_last_sign_in(app, client, secretariat, make_user,
                                                                               make_organisation):
    jean = make_user("Jean Dupont", email="jean@example.org", bodies=[("wg-training", "lead")])
    make_organisation("Action Logistique Sahel", acronym="ALS", people=[jean])
    make_user("Dora Gone", active=False)
    html = page_text(client.get("/admin/people?lang=en"))
    row = re.search(r"<tr>\s*<td><a href=\"/admin/people/%d\">Jean Dupont</a>.*?</tr>" % jean, html, re.S).group(0)
    assert "jean@example.org" in row
    assert "ALS" in row and 'title="Action Logistique Sahel"' in row
    assert "wg-training" in row and "Lead" in row
    assert "Active" in row and "Never" in row
    rita_row = re.search(r"<tr>\s*<td><a href=\"/admin/people/%d\">Rita Rome</a>.*?</tr>" % secretariat, html, re.S).group(0)
    assert "Never" not in rita_row  # she has just signed in
    assert "Deactivated" in html
    assert 'href="/admin/people/invite"' in html and 'href="/admin/organisations"' in html


def test_people_search_matches_name_or_email_whatever_the_case(app, client, secretariat, make_user):
    make_user("Jean Dupont", email="jd@example.org")
    make_user("Amina Diallo", email="amina@wfp.example")
    assert people_names(client.get("/admin/people?q=DUPONT")) == ["Jean Dupont"]
    assert people_names(client.get("/admin/people?q=Wfp.Example")) == ["Amina Diallo"]


def test_people_search_treats_percent_and_underscore_as_plain_characters(app, client, secretariat, make_user):
    make_user("Jean Dupont")
    assert people_names(client.get("/admin/people?q=%25")) == []
    assert people_names(client.get("/admin/people?q=_")) == []


def test_people_filter_by_body_keeps_current_members_only(app, client, secretariat, make_user):
    make_user("Lead Person", bodies=[("wg-training", "lead")])
    make_user("Other Person", bodies=[("sag", "member")])
    former = make_user("Former Member", bodies=[("wg-training", "member")])
    with app.app_context():
        db.session.scalar(select(Membership).where(Membership.user_id == former)).until = date.today() - timedelta(days=1)
        db.session.commit()
    assert people_names(client.get("/admin/people?body=wg-training")) == ["Lead Person"]


def test_people_filter_by_state(app, client, secretariat, make_user):
    make_user("Dora Gone", active=False)
    assert people_names(client.get("/admin/people?state=inactive")) == ["Dora Gone"]
    assert "Dora Gone" not in people_names(client.get("/admin/people?state=active"))


def test_people_filter_with_an_unknown_value_is_ignored_and_says_so(app, client, secretariat):
    response = client.get("/admin/people?state=sleeping&lang=en")
    assert response.status_code == 400
    assert "this value is not valid and was ignored." in page_text(response)
    assert people_names(response) == ["Rita Rome"]


def test_people_list_says_when_nobody_matches(app, client, secretariat):
    html = page_text(client.get("/admin/people?q=nobody-like-this&lang=en"))
    assert "Nobody matches these filters." in html


def test_people_list_is_paginated_25_a_page(app, client, secretariat, make_user):
    for n in range(29):
        make_user(f"Person {n:02d}")
    first = client.get("/admin/people?lang=en")
    assert len(people_names(first)) == 25
    assert "Page 1 of 2" in page_text(first)
    second = client.get("/admin/people?page=2&lang=en")
    assert len(people_names(second)) == 5
    assert set(people_names(first)).isdisjoint(people_names(second))
    assert "30 people" in page_text(second)


def test_people_list_runs_as_many_queries_for_30_people_as_for_3(app, client, secretariat, make_user, make_organisation):
    def add_people(count, start):
        ids = [make_user(f"Person {start + n:02d}", bodies=[("wg-training", "member"), ("sag", "lead")])
               for n in range(count)]
        make_organisation(f"Organisation {start}", acronym=f"O{start}", people=ids)

    add_people(2, 0)
    with counting_queries(app) as count:
        assert len(people_names(client.get("/admin/people"))) == 3
    few = count()
    add_people(27, 10)
    with counting_queries(app) as count:
        assert len(people_names(client.get("/admin/people"))) == 25
    assert count() == few


# --- inviting -----------------------------------------------------------------------------------


def test_invite_form_offers_organisations_and_bodies_from_the_database(app, client, secretariat, make_organisation):
    make_organisation("World Food Programme", acronym="WFP")
    html = page_text(client.get("/admin/people/invite?lang=en"))
    assert re.search(r'<option value="\d+">World Food Programme \(WFP\)</option>', html)
    assert '<option value="rome-support-team">rome-support-team</option>' in html
    assert '<option value="">No organisation</option>' in html and '<option value="">No body</option>' in html


def test_invite_creates_the_person_and_emails_them_a_link_to_choose_a_password(app, client, secretariat, sent_mail, world,
                                                                              make_organisation):
    organisation = make_organisation("World Food Programme")
    response = client.post("/admin/people/invite", data={
        "email": "Nadia@Example.org", "name": "Nadia Nour", "language": "fr", "organisation": str(organisation),
        "body": "wg-training", "role": "co_lead"})
    assert response.status_code == 302
    [(to, subject, body)] = sent_mail
    assert to == "nadia@example.org"
    link = re.search(r"https?://\S+", body).group(0)
    assert urlsplit(link).path.startswith("/invitations/")
    with app.app_context():
        nadia = db.session.scalar(select(User).where(User.email == "nadia@example.org"))
        assert nadia.password_hash is None and nadia.organisation_id == organisation and nadia.language == "fr"
        assert [(m.body.slug, m.role) for m in nadia.memberships] == [("wg-training", "co_lead")]
        assert response.headers["Location"] == f"/admin/people/{nadia.id}"
    assert audit_actions(app) == ["user.created", "membership.added"]
    assert client.application.test_client().get(urlsplit(link).path).status_code == 200


def test_invite_refuses_an_email_address_already_taken(app, client, secretariat, sent_mail, make_user):
    make_user("Jean Dupont", email="jean@example.org")
    before = row_counts(app)
    response = client.post("/admin/people/invite?lang=en", data={"email": "JEAN@example.org", "name": "Another Jean"})
    assert response.status_code == 400
    assert "An account with this e-mail address already exists." in page_text(response)
    assert row_counts(app) == before
    assert sent_mail == []


def test_invite_with_a_missing_name_shows_the_error_next_to_the_field(app, client, secretariat, sent_mail):
    before = row_counts(app)
    response = client.post("/admin/people/invite?lang=en", data={"email": "x@example.org", "name": ""})
    assert response.status_code == 400
    assert 'id="name-error"' in page_text(response)
    assert row_counts(app) == before


def test_invite_succeeds_with_the_mail_server_down_and_the_invitation_waits_in_the_outbox(app, client, secretariat,
                                                                                         smtp_server):
    smtp_server.stop()
    response = client.post("/admin/people/invite?lang=en", data={"email": "nadia@example.org", "name": "Nadia Nour"})
    assert response.status_code == 302
    html = page_text(client.get(response.headers["Location"]))
    assert "nadia@example.org is registered. The invitation e-mail is on its way (it waits in the outbox" in html
    assert delivered(app).retried == 1 and smtp_server.messages == []
    smtp_server.start()
    assert delivered(app, smtp_server, now=datetime.now(timezone.utc) + timedelta(hours=1))[0]["To"] == \
        "nadia@example.org"


# --- one person ---------------------------------------------------------------------------------


def test_person_page_shows_details_and_current_and_past_memberships(app, client, secretariat, make_user,
                                                                     make_organisation):
    person = make_user("Jean Dupont", email="jean@example.org", bodies=[("wg-training", "lead"), ("sag", "member")],
                       language="fr")
    make_organisation("Action Logistique Sahel", acronym="ALS", people=[person])
    with app.app_context():
        sag = db.session.scalar(select(Membership).join(Membership.body).where(Membership.user_id == person,
                                                                               Membership.body.has(slug="sag")))
        sag.since, sag.until = date(2023, 1, 1), date(2024, 6, 30)
        db.session.commit()
    html = page_text(client.get(f"/admin/people/{person}?lang=en"))
    assert "jean@example.org" in html and "Action Logistique Sahel (ALS)" in html and "Français" in html
    current, past = html.split("Past memberships")
    assert "wg-training" in current and "Lead" in current and ">End</button>" in current
    assert "sag" in past and "Jun 30, 2024" in past and ">End</button>" not in past


def test_unknown_person_is_404(app, client, secretariat):
    assert client.get("/admin/people/9999").status_code == 404
    assert client.post("/admin/people/9999/active", data={"active": "0"}).status_code == 404


def test_adding_a_membership_with_a_start_date(app, client, secretariat, world):
    response = client.post(f"/admin/people/{world['target']}/memberships",
                           data={"body": "sag", "role": "lead", "since": "2024-01-15"})
    assert response.status_code == 302
    with app.app_context():
        membership = db.session.scalar(select(Membership).where(Membership.user_id == world["target"],
                                                                Membership.body.has(slug="sag")))
        assert (membership.role, membership.since, membership.until) == ("lead", date(2024, 1, 15), None)
    assert audit_actions(app)[-1] == "membership.added"


def test_adding_a_body_the_person_already_belongs_to_is_refused(app, client, secretariat, world):
    before = row_counts(app)
    response = client.post(f"/admin/people/{world['target']}/memberships?lang=en",
                           data={"body": "wg-training", "role": "lead"})
    assert response.status_code == 400
    assert "This person already belongs to this body." in page_text(response)
    assert row_counts(app) == before


def test_ending_a_membership_moves_it_to_the_past(app, client, secretariat, world):
    response = client.post(f"/admin/memberships/{world['membership']}/end", data={"back": "person"})
    assert response.headers["Location"] == f"/admin/people/{world['target']}"
    with app.app_context():
        assert db.session.get(Membership, world["membership"]).until == date.today() - timedelta(days=1)
    assert audit_actions(app)[-1] == "membership.ended"
    html = page_text(client.get(f"/admin/people/{world['target']}?lang=en"))
    current, past = html.split('<section id="memberships">')[1].split("Past memberships")
    assert "wg-training" in past and "wg-training" not in current


def test_ending_a_membership_twice_is_refused(app, client, secretariat, world):
    client.post(f"/admin/memberships/{world['membership']}/end")
    before = row_counts(app)
    response = client.post(f"/admin/memberships/{world['membership']}/end?lang=en")
    assert response.status_code == 400
    assert "This membership has already ended." in page_text(response)
    assert row_counts(app) == before


def test_unknown_membership_is_404(app, client, secretariat):
    assert client.post("/admin/memberships/9999/end").status_code == 404


def test_deactivating_ends_the_persons_existing_session(app, client, secretariat, make_user):
    person = make_user("Jean Dupont")
    their_client = app.test_client()
    log_in(their_client, person)
    assert their_client.get("/account").status_code == 200
    response = client.post(f"/admin/people/{person}/active", data={"active": "0"})
    assert response.status_code == 302
    again = their_client.get("/account")
    assert again.status_code == 302 and again.headers["Location"].startswith("/login")
    with app.app_context():
        assert db.session.get(User, person).active is False
    assert audit_actions(app)[-1] == "user.deactivated"


def test_reactivating_lets_the_person_sign_in_again(app, client, secretariat, make_user):
    person = make_user("Dora Gone", active=False)
    response = client.post(f"/admin/people/{person}/active?lang=en", data={"active": "1"}, follow_redirects=True)
    assert "Dora Gone can sign in again." in page_text(response)
    assert log_in(app.test_client(), person).status_code == 302


def test_deactivating_yourself_is_refused(app, client, secretariat):
    assert "Deactivate</button>" not in page_text(client.get(f"/admin/people/{secretariat}?lang=en"))
    before = row_counts(app)
    response = client.post(f"/admin/people/{secretariat}/active?lang=en", data={"active": "0"})
    assert response.status_code == 400
    assert "You cannot deactivate yourself." in page_text(response)
    assert row_counts(app) == before
    assert client.get("/admin/people").status_code == 200


def test_set_active_with_a_value_other_than_0_or_1_is_refused(app, client, secretariat, make_user):
    person = make_user()
    before = row_counts(app)
    assert client.post(f"/admin/people/{person}/active", data={"active": "yes"}).status_code == 400
    assert row_counts(app) == before


def test_resend_button_shows_only_while_the_invitation_is_pending(app, client, secretariat, make_user):
    pending = make_user(password=None)
    settled = make_user()
    assert "Send the invitation again" in page_text(client.get(f"/admin/people/{pending}?lang=en"))
    assert "Send the invitation again" not in page_text(client.get(f"/admin/people/{settled}?lang=en"))


def test_resending_an_invitation_emails_a_new_link(app, client, secretariat, world, sent_mail):
    response = client.post(f"/admin/people/{world['target']}/invitation")
    assert response.status_code == 302
    [(to, _subject, body)] = sent_mail
    assert to == "tina@example.org"
    assert urlsplit(re.search(r"https?://\S+", body).group(0)).path.startswith("/invitations/")
    assert audit_actions(app)[-1] == "user.invitation_resent"


def test_resending_an_invitation_to_someone_with_a_password_is_refused(app, client, secretariat, make_user, sent_mail):
    person = make_user()
    before = row_counts(app)
    response = client.post(f"/admin/people/{person}/invitation?lang=en")
    assert response.status_code == 400
    assert "This person has already chosen a password" in page_text(response)
    assert row_counts(app) == before and sent_mail == []


def test_admin_forms_carry_a_csrf_token_and_a_post_without_it_is_refused(app, client, secretariat, world):
    app.config["WTF_CSRF_ENABLED"] = True
    html = page_text(client.get(f"/admin/people/{world['target']}"))
    forms = re.findall(r"<form method=\"post\".*?</form>", html, re.S)
    assert len(forms) >= 4  # deactivate, resend, end, add ... and sign out
    assert all('name="csrf_token"' in form for form in forms)
    before = row_counts(app)
    assert client.post(f"/admin/people/{world['target']}/active", data={"active": "0"}).status_code == 400
    assert row_counts(app) == before


# --- organisations ------------------------------------------------------------------------------


def test_organisations_list_shows_kind_type_country_and_number_of_people(app, client, secretariat, make_user,
                                                                         make_organisation):
    people = [make_user(), make_user()]
    make_organisation("Action Logistique Sahel", acronym="ALS", kind="partner", type_="NNGO", country="Mali",
                      people=people)
    make_organisation("Université de Logistique", kind="stakeholder", type_="academia", country="France")
    html = page_text(client.get("/admin/organisations?lang=en"))
    row = re.search(r"<tr>\s*<td>Action Logistique Sahel</td>.*?</tr>", html, re.S).group(0)
    cells = re.findall(r"<td>(.*?)</td>", row)
    assert cells == ["Action Logistique Sahel", "ALS", "Partner", "National NGO", "Mali", "2"]
    row = re.search(r"<tr>\s*<td>Université de Logistique</td>.*?</tr>", html, re.S).group(0)
    assert re.findall(r"<td>(.*?)</td>", row)[2:] == ["Stakeholder", "Academia", "France", "0"]


def test_organisations_list_says_when_there_is_none(app, client, secretariat):
    assert "No organisation is registered yet." in page_text(client.get("/admin/organisations?lang=en"))


def test_organisations_list_is_paginated_50_a_page(app, client, secretariat, make_organisation):
    for n in range(51):
        make_organisation(f"Organisation {n:02d}")
    first = page_text(client.get("/admin/organisations?lang=en"))
    assert first.count("<td>Organisation ") == 50 and "Page 1 of 2" in first
    second = page_text(client.get("/admin/organisations?page=2&lang=en"))
    assert second.count("<td>Organisation ") == 1 and "<td>Organisation 50</td>" in second


def test_creating_an_organisation_records_it(app, client, secretariat):
    response = client.post("/admin/organisations", data={"name": " Logistics Partners ", "acronym": "LP",
                                                          "kind": "stakeholder", "type": "private", "country": "Kenya"})
    assert response.status_code == 302
    with app.app_context():
        organisation = db.session.scalar(select(Organisation))
        assert (organisation.name, organisation.acronym, organisation.kind, organisation.type, organisation.country) == (
            "Logistics Partners", "LP", "stakeholder", "private", "KE")
    assert audit_actions(app) == ["organisation.created"]


def test_creating_an_organisation_with_a_name_taken_is_refused(app, client, secretariat, make_organisation):
    make_organisation("World Food Programme")
    before = row_counts(app)
    response = client.post("/admin/organisations?lang=en", data={"name": "world food programme", "kind": "partner"})
    assert response.status_code == 400
    assert "An organisation with this name already exists." in page_text(response)
    assert row_counts(app) == before


def test_creating_an_organisation_of_an_unknown_kind_is_refused(app, client, secretariat):
    before = row_counts(app)
    response = client.post("/admin/organisations", data={"name": "Somebody", "kind": "donor"})
    assert response.status_code == 400
    assert row_counts(app) == before


def test_organisation_names_are_escaped(app, client, secretariat):
    client.post("/admin/organisations", data={"name": "<script>alert(1)</script>", "kind": "partner"})
    html = client.get("/admin/organisations").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


# --- members of a body (administration) ---------------------------------------------------------


def test_body_members_page_lists_current_members_with_an_end_button(app, client, secretariat, world, make_user):
    html = page_text(client.get("/admin/bodies/wg-training?lang=en"))
    assert "Tina Target" in html and "tina@example.org" in html
    assert f'action="/admin/memberships/{world["membership"]}/end"' in html


def test_body_members_page_offers_only_active_people_not_yet_in_the_body(app, client, secretariat, world, make_user):
    make_user("Dora Gone", active=False)
    html = page_text(client.get("/admin/bodies/wg-training?lang=en"))
    options = re.findall(r'<option value="(\d*)">([^<]*)</option>', html)
    names = [label.split(" (")[0] for value, label in options if value]
    assert "Carl Candidate" in names and "Sam Sag" in names and "Rita Rome" in names
    assert "Tina Target" not in names and "Dora Gone" not in names


def test_adding_a_body_member_from_the_body_page(app, client, secretariat, world):
    response = client.post("/admin/bodies/wg-training/members", data={"person": str(world["candidate"]), "role": "lead"})
    assert response.headers["Location"] == "/admin/bodies/wg-training"
    with app.app_context():
        membership = db.session.scalar(select(Membership).where(Membership.user_id == world["candidate"]))
        assert (membership.body.slug, membership.role) == ("wg-training", "lead")


def test_adding_someone_who_is_not_offered_is_refused(app, client, secretariat, world):
    before = row_counts(app)
    response = client.post("/admin/bodies/wg-training/members", data={"person": str(world["target"]), "role": "lead"})
    assert response.status_code == 400
    assert row_counts(app) == before


def test_adding_without_choosing_a_person_says_so(app, client, secretariat, world):
    response = client.post("/admin/bodies/wg-training/members?lang=en", data={"person": "", "role": "member"})
    assert response.status_code == 400
    assert "Choose a person." in page_text(response)


def test_ending_a_membership_from_the_body_page_returns_there(app, client, secretariat, world):
    response = client.post(f"/admin/memberships/{world['membership']}/end?lang=en", data={"back": "body"},
                           follow_redirects=True)
    html = page_text(response)
    assert "Tina Target no longer belongs to wg-training." in html
    assert "Nobody belongs to this body at the moment." in html


def test_unknown_body_members_page_is_404(app, client, secretariat):
    assert client.get("/admin/bodies/no-such-body").status_code == 404


# --- members on the public body page ------------------------------------------------------------


@pytest.fixture
def training_member(seeded, make_user):
    """A member of the training WG with an e-mail and a phone."""
    user = make_user("Wanda Worker", email="wanda@example.org", bodies=[("wg-training", "member")])
    with seeded.app_context():
        db.session.get(User, user).phone = "+39 06 1234 5678"
        db.session.commit()
    return user


@pytest.mark.parametrize("reader, sees_contact", [
    ("secretariat", True),
    ("member of the same body", True),
    ("the person", True),
    ("member of another body", False),
    ("viewer", False),
])
def test_body_page_shows_members_and_contact_only_to_those_allowed(seeded, client, make_user, training_member, reader,
                                                                   sees_contact):
    readers = {
        "secretariat": lambda: make_user(bodies=[("rome-support-team", "member")]),
        "member of the same body": lambda: make_user(bodies=[("wg-training", "lead")]),
        "the person": lambda: training_member,
        "member of another body": lambda: make_user(bodies=[("wg-partnerships", "member")]),
        "viewer": lambda: make_user(),
    }
    log_in(client, readers[reader]())
    html = page_text(client.get("/bodies/wg-training?lang=en"))
    assert "Members" in html and "Wanda Worker" in html
    assert ("wanda@example.org" in html) is sees_contact
    assert ("+39 06 1234 5678" in html) is sees_contact


def test_anonymous_reader_sees_no_member_of_a_body(seeded, client, training_member):
    html = page_text(client.get("/bodies/wg-training?lang=en"))
    assert "Wanda Worker" not in html and "wanda@example.org" not in html
    assert "Members" not in html


def test_body_page_links_to_member_management_for_the_secretariat_only(seeded, client, make_user):
    secretariat_client, member_client = client, seeded.test_client()
    log_in(secretariat_client, make_user(bodies=[("rome-support-team", "member")]))
    log_in(member_client, make_user(bodies=[("wg-training", "member")]))
    assert 'href="/admin/bodies/wg-training"' in page_text(secretariat_client.get("/bodies/wg-training?lang=en"))
    assert 'href="/admin/bodies/wg-training"' not in page_text(member_client.get("/bodies/wg-training?lang=en"))


def test_body_page_lists_leads_first_and_leaves_out_former_and_deactivated_members(seeded, client, make_user):
    make_user("Zoe Lead", bodies=[("wg-training", "lead")])
    make_user("Adam Member", bodies=[("wg-training", "member")])
    make_user("Carla Colead", bodies=[("wg-training", "co_lead")])
    make_user("Dora Gone", bodies=[("wg-training", "member")], active=False)
    former = make_user("Fred Former", bodies=[("wg-training", "member")])
    with seeded.app_context():
        db.session.scalar(select(Membership).where(Membership.user_id == former)).until = date.today() - timedelta(days=1)
        db.session.commit()
    log_in(client, make_user())
    html = page_text(client.get("/bodies/wg-training?lang=en"))
    section = html.split('id="members"')[1]
    names = re.findall(r"<tr>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>", section)
    assert names == [("Zoe Lead", "Lead"), ("Carla Colead", "Co-lead"), ("Adam Member", "Member")]


def test_body_page_says_when_a_body_has_no_member(seeded, client, make_user):
    log_in(client, make_user())
    assert "Nobody belongs to this body at the moment." in page_text(client.get("/bodies/glc?lang=en"))
