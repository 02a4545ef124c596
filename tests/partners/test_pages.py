"""The register's pages through the test client: what each reader sees, the forms' confirmations and refusals, and
the share of partners that acknowledged on activity 1.3.1.4's page."""
import re

from sqlalchemy import func, select

from sip.accounts.models import Organisation
from sip.core.models import AuditEntry
from sip.extensions import db
from sip.partners.models import CommitmentAcknowledgement, JoinRequest
from tests.conftest import counting_queries
from tests.helpers import page_text
from tests.partners.conftest import client_as, organisation
from tests.test_access import snapshot


def register_names(html: str) -> list[str]:
    """The organisations listed in the register's table, in order."""
    table = re.search(r'<table class="register" id="register">.*?</table>', html, re.S)
    return re.findall(r'<td><a href="/partners/\d+">(.*?)</a>', table.group(0)) if table else []


def test_the_register_lists_current_members_with_country_names_in_the_readers_language(seeded, register):
    client = seeded.test_client()
    english = page_text(client.get("/partners?lang=en"))
    assert register_names(english) == ["Action Logistique Sahel", "Sahel Communautés", "Université de Logistique",
                                       "World Food Programme"]
    assert "Burkina Faso, Niger" in english and "National NGO" in english
    french = page_text(client.get("/partners?lang=fr"))
    assert "Italie" in french and "Tchad" in french  # WFP's headquarters and one of its countries


def test_the_register_filters_by_kind_type_country_and_says_when_nothing_matches(seeded, register):
    client = seeded.test_client()
    assert register_names(page_text(client.get("/partners?kind=stakeholder"))) == ["Université de Logistique"]
    assert register_names(page_text(client.get("/partners?type=CBO"))) == ["Sahel Communautés"]
    assert register_names(page_text(client.get("/partners?country=TD"))) == ["World Food Programme"]
    assert register_names(page_text(client.get("/partners?standing=former"))) == ["Ancien Partenaire"]
    html = page_text(client.get("/partners?country=JP&lang=en"))
    assert "No organisation matches these filters." in html


def test_a_filter_value_that_does_not_exist_is_refused_with_the_whole_register(seeded, register):
    response = seeded.test_client().get("/partners?type=NGO&lang=en")
    assert response.status_code == 400
    assert len(register_names(page_text(response))) == 4


def test_the_register_page_costs_the_same_queries_whatever_its_size(seeded, register):
    client = seeded.test_client()
    client.get("/partners")
    with counting_queries(seeded) as few:
        client.get("/partners")
    with seeded.app_context():
        db.session.add_all([Organisation(name=f"ONG {n}", kind="partner", type="NNGO", country="ML",
                                         countries=["ML"]) for n in range(40)])
        db.session.commit()
    with counting_queries(seeded) as many:
        client.get("/partners")
    assert many() == few()


def test_an_organisation_page_shows_its_entry_focal_points_and_bodies(seeded, register):
    html = page_text(client_as(seeded, register, "secretariat").get(f"/partners/{register['ids']['wfp']}?lang=en"))
    assert "World Food Programme" in html and "UN agency" in html and "Italy" in html
    assert 'id="bodies"' in html and "1 member" in html  # the training lead works there
    assert "Not acknowledged yet" in html


def test_a_stakeholder_is_not_asked_to_acknowledge_the_commitments(seeded, register):
    html = page_text(seeded.test_client().get(f"/partners/{register['ids']['uni']}?lang=en"))
    assert 'id="commitments"' not in html


def test_an_organisation_that_left_says_so_and_keeps_its_history(seeded, register):
    html = page_text(seeded.test_client().get(f"/partners/{register['ids']['gone']}?lang=en"))
    assert "This organisation left the cluster on June 30, 2024." in html


def test_an_unknown_organisation_is_404(seeded, register):
    assert seeded.test_client().get("/partners/99999").status_code == 404


def test_the_secretariat_registers_an_organisation_and_sees_it_confirmed(seeded, register):
    client = client_as(seeded, register, "secretariat")
    response = client.post("/partners/new?lang=en", data={
        "name": "Logistique Solidaire", "acronym": "LS", "kind": "partner", "type": "CBO", "country": "TD",
        "countries": ["TD", "CM"], "website": "https://ls.example.org", "joined_on": "2025-02-01"},
        follow_redirects=True)
    html = page_text(response)
    assert "Logistique Solidaire is registered." in html
    assert "Chad, Cameroon" in html and "February 1, 2025" in html


def test_a_refused_entry_shows_the_error_and_changes_nothing(seeded, register):
    client = client_as(seeded, register, "secretariat")
    with seeded.app_context():
        before = snapshot()
    response = client.post(f"/partners/{register['ids']['als']}/edit?lang=en", data={
        "name": "World Food Programme", "kind": "partner", "website": "not a site"})
    assert response.status_code == 400
    html = page_text(response)
    assert "The website must be an address starting with http:// or https://." in html
    with seeded.app_context():
        assert snapshot() == before


def test_the_edit_form_starts_from_the_entry(seeded, register):
    html = page_text(client_as(seeded, register, "secretariat").get(f"/partners/{register['ids']['als']}/edit"))
    assert 'value="Action Logistique Sahel"' in html
    assert re.search(r'<option selected value="BF">', html)


def test_a_focal_point_acknowledges_and_the_activity_page_shows_the_share_move(seeded, register):
    activity = "/plan/activities/1.3.1.4?lang=en"
    anonymous = seeded.test_client()
    assert "0 of 3 partners have acknowledged the minimum commitments (0 %)." in page_text(anonymous.get(activity))
    focal = client_as(seeded, register, "viewer")
    page = page_text(focal.get(f"/partners/{register['ids']['als']}?lang=en"))
    assert "Acknowledge the commitments" in page
    refused = focal.post(f"/partners/{register['ids']['als']}/commitments?lang=en", data={})
    assert refused.status_code == 400 and "Tick the box to confirm." in page_text(refused)
    done = focal.post(f"/partners/{register['ids']['als']}/commitments?lang=en", data={"confirm": "y"},
                      follow_redirects=True)
    assert "Thank you: Action Logistique Sahel has acknowledged the minimum commitments." in page_text(done)
    assert "Acknowledged for" in page_text(done) and "by Viewer Person" in page_text(done)
    assert "1 of 3 partners have acknowledged the minimum commitments (33 %)." in page_text(anonymous.get(activity))
    assert "commitments-acknowledged" not in page_text(anonymous.get("/plan/activities/1.3.1.3"))


def test_the_secretariat_follows_who_acknowledged_and_sends_a_reminder(seeded, register):
    client = client_as(seeded, register, "secretariat")
    html = page_text(client.get("/partners/commitments?lang=en"))
    assert "0 of 3 partners have acknowledged (0 %)." in html
    assert "None: no one to remind" in html
    response = client.post("/partners/commitments/remind?lang=en", follow_redirects=True)
    html = page_text(response)
    assert "A reminder is on its way to 1 focal point." in html
    assert "No focal point to remind at: Sahel Communautés, World Food Programme." in html


def test_someone_asks_to_join_and_the_secretariat_approves_it(seeded, register):
    asker = client_as(seeded, register, "asker")
    response = asker.post("/partners/join?lang=en", data={
        "name": "Logistique Solidaire", "kind": "stakeholder", "type": "private", "country": "SN",
        "justification": "We store relief items in Dakar."}, follow_redirects=True)
    html = page_text(response)
    assert "Your request is sent" in html and "Waiting for the secretariat" in html
    with seeded.app_context():
        join_id = db.session.scalar(select(JoinRequest.id).where(JoinRequest.name == "Logistique Solidaire"))
    secretariat = client_as(seeded, register, "secretariat")
    listing = page_text(secretariat.get("/partners/requests?lang=en"))
    assert "We store relief items in Dakar." in listing and "Senegal" in listing
    decided = secretariat.post(f"/partners/requests/{join_id}/decide?lang=en", data={"decision": "approve"},
                               follow_redirects=True)
    assert "Logistique Solidaire: request approved." in page_text(decided)
    assert "Approved" in page_text(asker.get("/partners/join?lang=en"))
    with seeded.app_context():
        assert organisation("Logistique Solidaire").kind == "stakeholder"


def test_declining_without_a_note_is_refused_next_to_the_request(seeded, register):
    secretariat = client_as(seeded, register, "secretariat")
    response = secretariat.post(f"/partners/requests/{register['ids']['request']}/decide?lang=en",
                                data={"decision": "decline", "note": ""})
    assert response.status_code == 400
    assert "Say why the request is declined" in page_text(response)
    with seeded.app_context():
        assert db.session.get(JoinRequest, register["ids"]["request"]).state == "pending"


def test_the_secretariat_names_a_focal_point_and_ends_it(seeded, register):
    secretariat = client_as(seeded, register, "secretariat")
    als = register["ids"]["als"]
    response = secretariat.post(f"/partners/{als}/focal-points?lang=en",
                                data={"person": str(register["target"]), "body": "wg-training"}, follow_redirects=True)
    html = page_text(response)
    assert "Target Person is now a focal point of Action Logistique Sahel." in html
    assert "Training" in html
    refused = secretariat.post(f"/partners/{als}/focal-points?lang=en", data={"person": "", "body": ""})
    assert refused.status_code == 400 and "Choose a person." in page_text(refused)
    response = secretariat.post(f"/partners/focal-points/{register['ids']['point']}/end?lang=en",
                                follow_redirects=True)
    assert "Viewer Person is no longer a focal point of Action Logistique Sahel." in page_text(response)
    assert "Former focal points" in page_text(response)


def test_recording_a_departure_keeps_the_page_and_audits_it(seeded, register):
    secretariat = client_as(seeded, register, "secretariat")
    response = secretariat.post(f"/partners/{register['ids']['wfp']}/leave?lang=en",
                                data={"note": "Merged"}, follow_redirects=True)
    assert "World Food Programme leaves the cluster on" in page_text(response)
    with seeded.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.left"))
        assert entry.rationale == "Merged"
        assert db.session.scalar(select(func.count(CommitmentAcknowledgement.id))) == 0


def test_the_navigation_leads_to_the_register(seeded, register):
    html = page_text(seeded.test_client().get("/plan?lang=en"))
    assert '<a href="/partners"' in html
