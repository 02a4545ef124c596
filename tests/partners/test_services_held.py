"""The register's services held at their edges: each field written, each refusal's exact message, each audit entry."""
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from flask import current_app
from sqlalchemy import func, select

from sip.accounts.models import Organisation
from sip.core.models import AuditEntry, OutboxMail
from sip.extensions import db
from sip.partners import queries, services
from sip.partners.models import CommitmentAcknowledgement, FocalPoint, JoinRequest
from sip.partners.services import OrganisationData, PartnerError
from sip.plan.queries import current_strategy
from tests.partners.conftest import JOINED, organisation, user
from tests.test_access import snapshot

TODAY = date.today()
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture
def reg(seeded, register):
    """An app context over the small register."""
    with seeded.app_context():
        yield register
        db.session.remove()


def secretariat(reg):
    return user(reg["people"]["secretariat"])


def entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def refused(call, message: str) -> None:
    """The call raises PartnerError with exactly this message and leaves every table as it was."""
    before = snapshot()
    with pytest.raises(PartnerError) as raised:
        call()
    assert str(raised.value) == message
    db.session.rollback()
    assert snapshot() == before


# --- problems -------------------------------------------------------------------------------------------------------


def test_clean_data_has_no_problem_and_is_normalised_in_place():
    data = OrganisationData(name=" Aa ", acronym="  ", website="  ", country="mali", countries=["ML", "mali", "BF"])
    assert services.problems(data) == []
    assert (data.name, data.acronym, data.website, data.country, data.countries) == ("Aa", None, None, "ML",
                                                                                      ["ML", "BF"])
    data = OrganisationData(name="B", acronym=" AB ", website=" https://b.example.org ")
    assert services.problems(data) == [] and (data.acronym, data.website) == ("AB", "https://b.example.org")
    data = OrganisationData(name=None, acronym=None, website=None, countries=None)
    assert services.problems(data) == ["Give the organisation's name."]
    assert (data.name, data.acronym, data.website, data.countries) == ("", None, None, [])


def test_lengths_are_refused_only_beyond_their_limit():
    at_limit = OrganisationData(name="n" * 200, acronym="a" * 40, website="https://" + "w" * 292)
    assert services.problems(at_limit) == []
    over = OrganisationData(name="n" * 201, acronym="a" * 41, website="https://" + "w" * 293)
    assert services.problems(over) == ["The name is longer than 200 characters.",
                                       "The acronym is longer than 40 characters.",
                                       "The website must be an address starting with http:// or https://."]


def test_every_problem_is_named_with_the_value_typed():
    data = OrganisationData(name="", kind="friend", type="NGO", country="Atlantis", countries=["ML", "QQ"],
                            website="ftp://x.example.org", joined_on=date(2025, 1, 2), left_on=date(2025, 1, 1))
    assert services.problems(data) == [
        "Give the organisation's name.", "Unknown kind “friend”: partner or stakeholder.", "Unknown type “NGO”.",
        "Unknown country “Atlantis”: give an ISO 3166 code such as ML, or a name.",
        "Unknown country “QQ”: give an ISO 3166 code such as ML, or a name.",
        "The website must be an address starting with http:// or https://.", "It cannot leave before it joined."]
    assert data.country == "Atlantis" and data.countries == ["ML"]
    assert services.problems(OrganisationData(name="X", kind=None)) == [
        "Unknown kind “”: partner or stakeholder."]


def test_leaving_the_day_it_joined_and_known_types_are_accepted():
    data = OrganisationData(name="X", kind="stakeholder", type="UN", website="HTTP://x.example.org",
                            joined_on=date(2025, 1, 2), left_on=date(2025, 1, 2))
    assert services.problems(data) == []
    assert services.problems(OrganisationData(name="X", website="https:// x")) == [
        "The website must be an address starting with http:// or https://."]


# --- organisations --------------------------------------------------------------------------------------------------


def test_a_registered_organisation_holds_every_field_and_its_audit_entry_the_snapshot(reg):
    data = OrganisationData(name="Logistique Solidaire", acronym="LS", kind="stakeholder", type="CBO", country="ML",
                            countries=["BF"], website="https://ls.example.org", joined_on=date(2025, 3, 1),
                            left_on=date(2030, 1, 1))
    created = services.create_organisation(data, secretariat(reg))
    db.session.expire_all()
    stored = db.session.get(Organisation, created.id)
    assert (stored.name, stored.acronym, stored.kind, stored.type, stored.country, stored.countries, stored.website,
            stored.joined_on, stored.left_on) == ("Logistique Solidaire", "LS", "stakeholder", "CBO", "ML", ["BF"],
                                                  "https://ls.example.org", date(2025, 3, 1), date(2030, 1, 1))
    [entry] = entries("organisation.created")
    assert entry.entity == "organisation" and entry.entity_id == str(created.id) and entry.before is None
    assert entry.after == {"name": "Logistique Solidaire", "acronym": "LS", "kind": "stakeholder", "type": "CBO",
                           "country": "ML", "countries": ["BF"], "website": "https://ls.example.org",
                           "joined_on": "2025-03-01", "left_on": "2030-01-01"}
    assert entry.user_id == reg["people"]["secretariat"]


def test_an_organisation_created_without_commit_is_rolled_back_with_the_transaction(reg):
    services.create_organisation(OrganisationData(name="Passagère"), None, commit=False)
    db.session.rollback()
    assert organisation("Passagère") is None
    services.create_organisation(OrganisationData(name="Durable"), None)
    db.session.rollback()
    assert organisation("Durable").joined_on is None and entries("organisation.created")[0].user_id is None


def test_a_refused_registration_says_every_problem_and_writes_nothing(reg):
    refused(lambda: services.create_organisation(OrganisationData(name="", type="NGO"), secretariat(reg)),
            "Give the organisation's name. Unknown type “NGO”.")
    refused(lambda: services.create_organisation(OrganisationData(name=" world food programme "), secretariat(reg)),
            "An organisation with this name already exists.")


def test_an_organisation_keeps_its_own_name_but_cannot_take_anothers(reg):
    als = organisation("Action Logistique Sahel")
    data = OrganisationData(name="action logistique sahel", acronym="ALS", country="ML", joined_on=JOINED)
    assert services.update_organisation(als, data, secretariat(reg), rationale="renamed") is True
    [entry] = entries("organisation.updated")
    assert entry.rationale == "renamed" and entry.user_id == reg["people"]["secretariat"]
    assert entry.before["name"] == "Action Logistique Sahel" and entry.after["name"] == "action logistique sahel"
    assert (entry.entity, entry.entity_id) == ("organisation", str(als.id))
    db.session.expire_all()
    assert organisation("action logistique sahel").countries == []
    als = organisation("action logistique sahel")
    refused(lambda: services.update_organisation(als, OrganisationData(name="World Food Programme"), None),
            "An organisation with this name already exists.")


def test_an_update_without_commit_is_rolled_back_with_the_transaction(reg):
    als = organisation("Action Logistique Sahel")
    services.update_organisation(als, OrganisationData(name="Autre Nom"), None, commit=False)
    db.session.rollback()
    assert organisation("Action Logistique Sahel") is not None and entries("organisation.updated") == []


def test_an_update_that_sets_a_departure_ends_the_focal_points_still_running(reg):
    als = organisation("Action Logistique Sahel")
    leaving = date(2030, 6, 1)
    ended_before = FocalPoint(organisation_id=als.id, user_id=reg["target"], since=JOINED, until=date(2030, 5, 1))
    ending_that_day = FocalPoint(organisation_id=als.id, user_id=reg["target"], since=JOINED, until=leaving)
    db.session.add_all([ended_before, ending_that_day])
    db.session.commit()
    data = OrganisationData(name=als.name, acronym="ALS", type="NNGO", country="ML", countries=["ML", "BF", "NE"],
                            website="https://als.example.org", joined_on=JOINED, left_on=leaving)
    assert services.update_organisation(als, data, secretariat(reg)) is True
    db.session.expire_all()
    assert db.session.get(FocalPoint, reg["ids"]["point"]).until == date(2030, 5, 31)
    assert db.session.get(FocalPoint, ending_that_day.id).until == date(2030, 5, 31)
    assert db.session.get(FocalPoint, ended_before.id).until == date(2030, 5, 1)
    [entry] = entries("organisation.updated")
    assert entry.before["left_on"] is None and entry.after["left_on"] == "2030-06-01"


def test_an_update_of_other_fields_leaves_the_focal_points_alone(reg):
    gone = organisation("Ancien Partenaire")
    point = FocalPoint(organisation_id=gone.id, user_id=reg["target"], since=JOINED)
    db.session.add(point)
    db.session.commit()
    data = OrganisationData(name=gone.name, type="UN", country="GB", joined_on=JOINED, left_on=gone.left_on)
    assert services.update_organisation(gone, data, None) is True
    db.session.expire_all()
    assert db.session.get(FocalPoint, point.id).until is None


# --- departures -----------------------------------------------------------------------------------------------------


def test_a_departure_is_audited_with_the_note_and_ends_only_the_running_focal_points(reg):
    als = organisation("Action Logistique Sahel")
    old = FocalPoint(organisation_id=als.id, user_id=reg["target"], since=JOINED, until=date(2023, 6, 1))
    db.session.add(old)
    db.session.commit()
    services.record_departure(als, date(2025, 1, 10), "  Closed  ", secretariat(reg))
    db.session.expire_all()
    assert organisation("Action Logistique Sahel").left_on == date(2025, 1, 10)
    assert db.session.get(FocalPoint, reg["ids"]["point"]).until == date(2025, 1, 9)
    assert db.session.get(FocalPoint, old.id).until == date(2023, 6, 1)
    [entry] = entries("organisation.left")
    assert (entry.entity, entry.entity_id, entry.rationale, entry.user_id) == (
        "organisation", str(als.id), "Closed", reg["people"]["secretariat"])
    assert entry.before["left_on"] is None and entry.after["left_on"] == "2025-01-10"


def test_a_departure_without_a_note_has_no_rationale(reg):
    services.record_departure(organisation("World Food Programme"), TODAY, "   ", None)
    services.record_departure(organisation("Sahel Communautés"), TODAY, None, None)
    assert [(e.rationale, e.user_id) for e in entries("organisation.left")] == [(None, None), (None, None)]


def test_a_departure_planned_for_later_may_be_moved(reg):
    wfp = organisation("World Food Programme")
    services.record_departure(wfp, TODAY + timedelta(days=30), None, None)
    services.record_departure(wfp, TODAY + timedelta(days=10), None, None)
    db.session.expire_all()
    assert organisation("World Food Programme").left_on == TODAY + timedelta(days=10)


def test_a_departure_is_refused_once_it_has_happened_or_before_joining(reg):
    gone = organisation("Ancien Partenaire")
    refused(lambda: services.record_departure(gone, TODAY, None, None), "Ancien Partenaire has already left.")
    wfp = organisation("World Food Programme")
    refused(lambda: services.record_departure(wfp, JOINED - timedelta(days=1), None, None),
            "It cannot leave before it joined.")
    services.record_departure(wfp, JOINED, None, None)
    assert organisation("World Food Programme").left_on == JOINED
    refused(lambda: services.record_departure(organisation("World Food Programme"), TODAY, None, None),
            "World Food Programme has already left.")


def test_an_organisation_never_joined_may_leave_any_day(reg):
    created = services.create_organisation(OrganisationData(name="Sans Date"), None)
    services.record_departure(created, date(2000, 1, 1), None, None)
    assert organisation("Sans Date").left_on == date(2000, 1, 1)


# --- focal points ---------------------------------------------------------------------------------------------------


def test_a_focal_point_is_named_from_today_and_audited(reg):
    als = organisation("Action Logistique Sahel")
    point = services.add_focal_point(als, user(reg["target"]), None, secretariat(reg))
    db.session.expire_all()
    point = db.session.get(FocalPoint, point.id)
    assert (point.organisation_id, point.user_id, point.body_id, point.since, point.until) == (
        als.id, reg["target"], None, TODAY, None)
    [entry] = entries("focal_point.named")
    assert (entry.entity, entry.entity_id, entry.user_id) == ("focal_point", str(point.id),
                                                              reg["people"]["secretariat"])
    assert entry.after == {"organisation": als.id, "user": reg["target"], "body": None, "since": TODAY.isoformat()}


def test_a_focal_point_in_a_body_from_a_given_day(reg):
    from sip.bodies.queries import find_body

    als = organisation("Action Logistique Sahel")
    body = find_body("wg-training")
    point = services.add_focal_point(als, user(reg["people"]["viewer"]), body, None, since=date(2024, 2, 1))
    assert (point.body_id, point.since) == (body.id, date(2024, 2, 1))
    assert entries("focal_point.named")[0].after == {"organisation": als.id, "user": reg["people"]["viewer"],
                                                     "body": "wg-training", "since": "2024-02-01"}


def test_a_focal_point_is_refused_for_a_former_organisation_or_a_deactivated_person(reg, make_user):
    gone = organisation("Ancien Partenaire")
    target = user(reg["target"])
    refused(lambda: services.add_focal_point(gone, target, None, None), "Ancien Partenaire has left the cluster.")
    als = organisation("Action Logistique Sahel")
    sag = user(reg["people"]["sag"])
    refused(lambda: services.add_focal_point(als, sag, None, None),
            f"{sag.name} does not work for Action Logistique Sahel.")
    target.active = False
    db.session.commit()
    refused(lambda: services.add_focal_point(als, user(reg["target"]), None, None),
            "Target Person is deactivated.")
    viewer = user(reg["people"]["viewer"])
    refused(lambda: services.add_focal_point(als, viewer, None, None),
            f"{viewer.name} is already this focal point.")


def test_an_ended_focal_point_may_be_named_again(reg):
    als = organisation("Action Logistique Sahel")
    db.session.get(FocalPoint, reg["ids"]["point"]).until = YESTERDAY
    db.session.commit()
    again = services.add_focal_point(als, user(reg["people"]["viewer"]), None, None)
    assert again.in_force() and again.id != reg["ids"]["point"]


def test_ending_a_focal_point_on_a_day_and_refusing_to_end_it_twice(reg):
    point = db.session.get(FocalPoint, reg["ids"]["point"])
    services.end_focal_point(point, secretariat(reg), until=date(2030, 1, 1))
    assert db.session.get(FocalPoint, reg["ids"]["point"]).until == date(2030, 1, 1)
    [entry] = entries("focal_point.ended")
    assert (entry.entity, entry.entity_id, entry.after, entry.user_id) == (
        "focal_point", str(point.id), {"until": "2030-01-01"}, reg["people"]["secretariat"])
    services.end_focal_point(point, None, until=date(2029, 12, 31))  # brought forward
    assert db.session.get(FocalPoint, reg["ids"]["point"]).until == date(2029, 12, 31)
    services.end_focal_point(point, None)
    assert db.session.get(FocalPoint, reg["ids"]["point"]).until == YESTERDAY
    refused(lambda: services.end_focal_point(point, None), "This focal point has already ended.")
    refused(lambda: services.end_focal_point(point, None, until=TODAY), "This focal point has already ended.")


# --- requests to join -----------------------------------------------------------------------------------------------


def test_a_request_holds_what_was_asked_and_is_audited(reg):
    asker = user(reg["asker"])
    join = services.request_to_join(asker, OrganisationData(
        name=" Logistique Solidaire ", acronym="LS", kind="stakeholder", type="CBO", country="Mali",
        website="https://ls.example.org"), "  We store relief items.  ")
    db.session.expire_all()
    join = db.session.get(JoinRequest, join.id)
    assert (join.requested_by_id, join.organisation_id, join.name, join.acronym, join.kind, join.type, join.country,
            join.website, join.justification, join.state) == (
        reg["asker"], None, "Logistique Solidaire", "LS", "stakeholder", "CBO", "ML", "https://ls.example.org",
        "We store relief items.", "pending")
    [entry] = entries("join_request.created")
    assert (entry.entity, entry.entity_id, entry.user_id) == ("join_request", str(join.id), reg["asker"])
    assert entry.after == {"name": "Logistique Solidaire", "kind": "stakeholder", "organisation": None}


def test_a_request_for_a_known_organisation_takes_its_name_and_id(reg):
    join = services.request_to_join(user(reg["asker"]), OrganisationData(name="université de logistique"), "Why")
    uni = organisation("Université de Logistique")
    assert (join.organisation_id, join.name, join.kind) == (uni.id, "Université de Logistique", "partner")
    assert entries("join_request.created")[0].after["organisation"] == uni.id
    again = services.request_to_join(user(reg["asker"]), OrganisationData(name="Ancien Partenaire"), "Back")
    assert again.organisation_id == organisation("Ancien Partenaire").id


def test_a_request_is_refused_with_the_reason_and_nothing_written(reg, make_user):
    asker = user(reg["asker"])
    refused(lambda: services.request_to_join(SimpleNamespace(is_authenticated=False, id=None),
                                             OrganisationData(name="Autre"), "Why"), "Sign in to ask.")
    refused(lambda: services.request_to_join(asker, OrganisationData(name="Autre"), None),
            "Say why the organisation should join.")
    refused(lambda: services.request_to_join(asker, OrganisationData(name="", type="NGO"), "Why"),
            "Give the organisation's name. Unknown type “NGO”.")
    refused(lambda: services.request_to_join(asker, OrganisationData(name="world food programme"), "Why"),
            "World Food Programme is already a member as partner.")
    refused(lambda: services.request_to_join(asker, OrganisationData(name="Université de Logistique",
                                                                     kind="stakeholder"), "Why"),
            "Université de Logistique is already a member as stakeholder.")
    refused(lambda: services.request_to_join(asker, OrganisationData(name="NOUVELLE ONG"), "Why"),
            "A request for NOUVELLE ONG is already waiting for the secretariat.")


def test_a_decided_request_no_longer_blocks_a_new_one(reg):
    join = db.session.get(JoinRequest, reg["ids"]["request"])
    services.decide_join_request(join, False, "Not yet", None)
    again = services.request_to_join(user(reg["asker"]), OrganisationData(name="Nouvelle ONG"), "Now we are ready")
    assert again.state == "pending"


# --- decisions ------------------------------------------------------------------------------------------------------


def test_an_approval_is_recorded_on_the_request_and_mailed_with_the_link(reg):
    join = db.session.get(JoinRequest, reg["ids"]["request"])
    created = services.decide_join_request(join, True, "  Welcome  ", secretariat(reg))
    db.session.expire_all()
    join = db.session.get(JoinRequest, reg["ids"]["request"])
    assert (join.state, join.organisation_id, join.decided_by_id, join.decision_note) == (
        "approved", created.id, reg["people"]["secretariat"], "Welcome")
    assert join.decided_at is not None
    [entry] = entries("join_request.approved")
    assert (entry.entity, entry.entity_id, entry.rationale, entry.user_id) == (
        "join_request", str(join.id), "Welcome", reg["people"]["secretariat"])
    assert entry.after == {"state": "approved", "organisation": created.id}
    asker = user(reg["asker"])
    [mail] = db.session.scalars(select(OutboxMail)).all()
    assert (mail.kind, mail.to_address) == ("partners.join_decision", asker.email)
    assert mail.subject == "Nouvelle ONG has joined the Logistics Cluster"
    base = current_app.config["SIP_BASE_URL"].rstrip("/")
    assert mail.body == (f"Hello {asker.name},\n\nThe Rome support team approved your request: Nouvelle ONG is now "
                         f"a partner of the cluster.\n\n{base}/partners/{created.id}\n")
    [named] = entries("focal_point.named")
    point_id = db.session.scalar(select(FocalPoint.id).where(FocalPoint.organisation_id == created.id))
    assert (named.entity, named.entity_id) == ("focal_point", str(point_id))
    assert named.user_id == reg["people"]["secretariat"] and named.after == {
        "organisation": created.id, "user": asker.id, "body": None, "since": TODAY.isoformat()}
    [linked] = entries("user.organisation_set")
    assert (linked.entity, linked.entity_id, linked.after, linked.user_id) == (
        "user_account", str(asker.id), {"organisation": created.id}, reg["people"]["secretariat"])
    org = db.session.get(Organisation, created.id)
    assert (org.acronym, org.website, org.joined_on) == (None, None, TODAY)
    assert entries("organisation.created")[0].user_id == reg["people"]["secretariat"]


def test_a_decline_is_recorded_and_mailed_in_the_askers_language(reg):
    asker = user(reg["asker"])
    asker.language = "fr"
    db.session.commit()
    join = db.session.get(JoinRequest, reg["ids"]["request"])
    assert services.decide_join_request(join, False, "  Pas encore  ", secretariat(reg)) is None
    db.session.expire_all()
    join = db.session.get(JoinRequest, reg["ids"]["request"])
    assert (join.state, join.decision_note, join.organisation_id) == ("declined", "Pas encore", None)
    [entry] = entries("join_request.declined")
    assert entry.after == {"state": "declined", "organisation": None} and entry.rationale == "Pas encore"
    [mail] = db.session.scalars(select(OutboxMail)).all()
    assert mail.kind == "partners.join_decision" and mail.to_address == user(reg["asker"]).email
    assert mail.subject == "Votre demande d’adhésion de Nouvelle ONG au groupe sectoriel Logistique"
    assert mail.body.startswith(f"Bonjour {asker.name},\n\nL’équipe de soutien de Rome a refusé votre demande")
    assert mail.body.endswith("\n\nPas encore\n")
    assert organisation("Nouvelle ONG") is None


def test_a_decline_in_english_says_so(reg):
    join = db.session.get(JoinRequest, reg["ids"]["request"])
    services.decide_join_request(join, False, "Not yet", None)
    asker = user(reg["asker"])
    [mail] = db.session.scalars(select(OutboxMail)).all()
    assert mail.subject == "Your request for Nouvelle ONG to join the Logistics Cluster"
    assert mail.body == (f"Hello {asker.name},\n\nThe Rome support team declined your request for Nouvelle ONG, "
                         "with this note:\n\nNot yet\n")


def test_approving_a_request_whose_name_was_registered_since_joins_that_entry(reg):
    registered = services.create_organisation(OrganisationData(name="Nouvelle ONG", kind="stakeholder"), None)
    join = db.session.get(JoinRequest, reg["ids"]["request"])
    assert services.decide_join_request(join, True, None, None).id == registered.id
    db.session.expire_all()
    assert db.session.get(JoinRequest, reg["ids"]["request"]).organisation_id == registered.id
    assert db.session.scalar(select(func.count(Organisation.id)).where(Organisation.name == "Nouvelle ONG")) == 1
    assert organisation("Nouvelle ONG").kind == "partner"


def test_an_approved_new_organisation_holds_what_was_asked_and_its_focal_point_from_today(reg):
    join = db.session.get(JoinRequest, reg["ids"]["request"])
    join.acronym, join.website, join.kind = "NONG", "https://nong.example.org", "stakeholder"
    db.session.commit()
    created = services.decide_join_request(join, True, None, None)
    db.session.expire_all()
    org = db.session.get(Organisation, created.id)
    assert (org.name, org.acronym, org.kind, org.type, org.country, org.website, org.joined_on, org.left_on) == (
        "Nouvelle ONG", "NONG", "stakeholder", "NNGO", "TD", "https://nong.example.org", TODAY, None)
    [point] = db.session.scalars(select(FocalPoint).where(FocalPoint.organisation_id == created.id)).all()
    assert (point.user_id, point.body_id, point.since, point.until) == (reg["asker"], None, TODAY, None)


def test_an_approval_that_fails_before_its_end_leaves_nothing_registered(reg, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the outbox is unavailable")

    monkeypatch.setattr(services.outbox, "enqueue", broken)
    before = snapshot()
    join = db.session.get(JoinRequest, reg["ids"]["request"])
    with pytest.raises(RuntimeError):
        services.decide_join_request(join, True, None, None)
    db.session.rollback()
    assert snapshot() == before and organisation("Nouvelle ONG") is None


def test_the_askers_focal_point_starts_the_day_the_organisation_joins(reg, monkeypatch):
    class Day(date):
        @classmethod
        def today(cls):
            return date(2031, 5, 4)

    monkeypatch.setattr(services, "date", Day)
    created = services.decide_join_request(db.session.get(JoinRequest, reg["ids"]["request"]), True, None, None)
    point = db.session.scalar(select(FocalPoint).where(FocalPoint.organisation_id == created.id))
    assert created.joined_on == point.since == date(2031, 5, 4)


def test_a_decision_without_a_note_on_an_approval_has_none(reg):
    join = db.session.get(JoinRequest, reg["ids"]["request"])
    services.decide_join_request(join, True, "   ", None)
    assert db.session.get(JoinRequest, reg["ids"]["request"]).decision_note is None
    assert entries("join_request.approved")[0].rationale is None


def test_a_decision_refused_writes_nothing(reg):
    join = db.session.get(JoinRequest, reg["ids"]["request"])
    refused(lambda: services.decide_join_request(join, False, "   ", None),
            "Say why the request is declined: the person who asked reads the note.")
    services.decide_join_request(join, False, "No", None)
    refused(lambda: services.decide_join_request(join, True, None, None), "This request has already been decided.")


def test_approving_a_former_partner_brings_it_back_today(reg):
    gone = organisation("Ancien Partenaire")
    join = services.request_to_join(user(reg["asker"]), OrganisationData(name=gone.name), "We are back")
    services.decide_join_request(join, True, None, secretariat(reg))
    db.session.expire_all()
    gone = organisation("Ancien Partenaire")
    assert (gone.joined_on, gone.left_on, gone.kind) == (TODAY, None, "partner")
    [entry] = entries("organisation.updated")
    assert entry.rationale == f"join request {join.id}" and entry.user_id == reg["people"]["secretariat"]
    assert (entry.entity, entry.entity_id) == ("organisation", str(gone.id))
    assert entry.before["left_on"] == "2024-06-30" and entry.after["left_on"] is None
    assert queries.current_focal_point_ids(gone) == {reg["asker"]}


def test_approving_a_kind_change_keeps_the_day_it_joined(reg):
    uni = organisation("Université de Logistique")
    join = services.request_to_join(user(reg["asker"]), OrganisationData(name=uni.name), "Partner now")
    services.decide_join_request(join, True, None, None)
    db.session.expire_all()
    uni = organisation("Université de Logistique")
    assert (uni.kind, uni.joined_on, uni.left_on) == ("partner", JOINED, None)


def test_approving_an_organisation_never_joined_sets_today(reg):
    created = services.create_organisation(OrganisationData(name="Sans Date", kind="stakeholder"), None)
    join = JoinRequest(requested_by_id=reg["asker"], organisation_id=created.id, name="Sans Date", kind="partner",
                       justification="Why")
    db.session.add(join)
    db.session.commit()
    services.decide_join_request(join, True, None, None)
    assert organisation("Sans Date").joined_on == TODAY


def test_an_asker_of_another_organisation_is_not_moved_nor_named(reg):
    viewer = user(reg["people"]["viewer"])
    join = services.request_to_join(viewer, OrganisationData(name="Université de Logistique"), "Partner now")
    services.decide_join_request(join, True, None, None)
    db.session.expire_all()
    assert user(reg["people"]["viewer"]).organisation_id == reg["ids"]["als"]
    assert queries.current_focal_point_ids(organisation("Université de Logistique")) == set()
    assert entries("user.organisation_set") == [] and entries("focal_point.named") == []


def test_an_asker_already_focal_point_is_not_named_twice(reg):
    viewer = user(reg["people"]["viewer"])
    join = JoinRequest(requested_by_id=viewer.id, organisation_id=reg["ids"]["als"], name="Action Logistique Sahel",
                       kind="partner", justification="Why")
    db.session.add(join)
    db.session.commit()
    services.decide_join_request(join, True, None, None)
    assert db.session.scalar(select(func.count(FocalPoint.id))) == 1 and entries("focal_point.named") == []


def test_an_asker_of_the_organisation_who_is_not_its_focal_point_is_named(reg):
    join = JoinRequest(requested_by_id=reg["target"], organisation_id=reg["ids"]["als"],
                       name="Action Logistique Sahel", kind="partner", justification="Why")
    db.session.add(join)
    db.session.commit()
    services.decide_join_request(join, True, None, None)
    assert queries.current_focal_point_ids(organisation("Action Logistique Sahel")) == {
        reg["target"], reg["people"]["viewer"]}
    assert entries("user.organisation_set") == []


# --- commitments ----------------------------------------------------------------------------------------------------


def test_an_acknowledgement_is_stored_and_audited(reg):
    strategy = current_strategy()
    als = organisation("Action Logistique Sahel")
    ack = services.acknowledge_commitments(als, user(reg["people"]["viewer"]), strategy)
    db.session.expire_all()
    ack = db.session.get(CommitmentAcknowledgement, ack.id)
    assert ack.at is not None
    [entry] = entries("commitments.acknowledged")
    assert (entry.entity, entry.entity_id, entry.user_id) == (
        "commitment_acknowledgement", str(ack.id), reg["people"]["viewer"])
    assert entry.after == {"organisation": als.id, "strategy": strategy.code, "user": reg["people"]["viewer"]}


def test_an_acknowledgement_is_refused_with_the_reason(reg):
    als = organisation("Action Logistique Sahel")
    viewer = user(reg["people"]["viewer"])
    refused(lambda: services.acknowledge_commitments(als, viewer, None), "There is no plan yet.")
    refused(lambda: services.acknowledge_commitments(organisation("Université de Logistique"), viewer,
                                                     current_strategy()),
            "Only partners are asked to acknowledge the minimum commitments.")
    refused(lambda: services.acknowledge_commitments(als, user(reg["target"]), current_strategy()),
            "Only a focal point of Action Logistique Sahel may acknowledge the commitments for it.")
    services.acknowledge_commitments(als, viewer, current_strategy())
    refused(lambda: services.acknowledge_commitments(als, viewer, current_strategy()),
            "Action Logistique Sahel has already acknowledged the commitments.")


def test_a_second_acknowledgement_at_the_same_moment_is_refused_and_the_first_kept(reg, monkeypatch):
    strategy = current_strategy()
    als = organisation("Action Logistique Sahel")
    viewer = user(reg["people"]["viewer"])
    first = services.acknowledge_commitments(als, viewer, strategy)
    monkeypatch.setattr(services.queries, "acknowledgement_of", lambda organisation, strategy: None)  # not seen yet
    refused(lambda: services.acknowledge_commitments(als, viewer, strategy),
            "Action Logistique Sahel has already acknowledged the commitments.")
    assert [a.id for a in db.session.scalars(select(CommitmentAcknowledgement))] == [first.id]
    assert len(entries("commitments.acknowledged")) == 1


def test_a_repeated_acknowledgement_is_refused_without_undoing_the_rest_of_the_transaction(reg):
    strategy = current_strategy()
    als = organisation("Action Logistique Sahel")
    viewer = user(reg["people"]["viewer"])
    services.acknowledge_commitments(als, viewer, strategy)
    als.acronym = "ALS-2"  # a change of the same transaction, not yet written
    with pytest.raises(PartnerError):
        services.acknowledge_commitments(als, viewer, strategy)
    assert db.session.scalar(select(Organisation.acronym).where(Organisation.id == als.id)) == "ALS-2"


# --- reminders ------------------------------------------------------------------------------------------------------


def test_a_reminder_mails_each_focal_point_and_audits_each_organisation(reg):
    strategy = current_strategy()
    wfp = organisation("World Food Programme")
    lead = user(reg["people"]["wg_lead"])
    services.add_focal_point(wfp, lead, None, None)
    result = services.remind_partners(strategy, secretariat(reg))
    assert (result.mails, result.organisations, result.unreachable) == (2, 2, ["Sahel Communautés"])
    mails = {m.to_address: m for m in db.session.scalars(select(OutboxMail))}
    viewer = user(reg["people"]["viewer"])
    assert set(mails) == {lead.email, viewer.email}
    mail = mails[lead.email]
    assert mail.kind == "partners.commitments"
    assert mail.subject == "The Logistics Cluster's minimum commitments: World Food Programme"
    base = current_app.config["SIP_BASE_URL"].rstrip("/")
    assert mail.body == (
        f"Hello {lead.name},\n\nAs focal point of World Food Programme, please make sure its staff know the twelve "
        f"minimum commitments of the strategy “{strategy.title['en']}”, then acknowledge them on your "
        f"organisation's page of the register.\n\nThe commitments: {base}/plan/commitments\n"
        f"Your organisation's page: {base}/partners/{wfp.id}\n")
    reminded = entries("commitments.reminded")
    assert {e.entity_id for e in reminded} == {str(wfp.id), str(reg["ids"]["als"])}
    assert all(e.entity == "organisation" and e.user_id == reg["people"]["secretariat"] for e in reminded)
    assert {e.entity_id: e.after for e in reminded}[str(wfp.id)] == {"strategy": strategy.code,
                                                                     "recipients": [lead.id]}


def test_a_reminder_with_nobody_to_write_to_sends_nothing(reg):
    for point in db.session.scalars(select(FocalPoint)):
        point.until = YESTERDAY
    db.session.commit()
    result = services.remind_partners(current_strategy(), None)
    assert (result.mails, result.organisations) == (0, 0)
    assert sorted(result.unreachable) == ["Action Logistique Sahel", "Sahel Communautés", "World Food Programme"]
    assert db.session.scalar(select(func.count(OutboxMail.id))) == 0 and entries("commitments.reminded") == []


# --- import and forms -----------------------------------------------------------------------------------------------


def test_an_import_creates_and_updates_and_counts_them(reg):
    rows = [OrganisationData(name="Nouvelle Une"), OrganisationData(name="Nouvelle Deux"),
            OrganisationData(name="World Food Programme", acronym="WFP", type="UN", country="IT",
                             countries=["ML", "TD"], joined_on=JOINED),
            OrganisationData(name="Université de Logistique", kind="stakeholder", type="UN", country="FR",
                             joined_on=JOINED),
            OrganisationData(name="Sahel Communautés", type="NNGO", country="NE", countries=["NE"], joined_on=JOINED)]
    assert services.import_rows(rows, secretariat(reg)) == (2, 2)
    [entry] = entries("organisation.imported")
    assert (entry.entity, entry.entity_id, entry.after, entry.user_id) == (
        "organisation", None, {"created": 2, "updated": 2}, reg["people"]["secretariat"])
    updates = entries("organisation.updated")
    assert [(e.rationale, e.user_id) for e in updates] == [("import", reg["people"]["secretariat"])] * 2
    assert [e.user_id for e in entries("organisation.created")] == [reg["people"]["secretariat"]] * 2
    assert organisation("Université de Logistique").type == "UN" and organisation("Nouvelle Deux") is not None


def test_a_refused_import_row_rolls_back_the_whole_import(reg):
    before = snapshot()
    with pytest.raises(PartnerError) as raised:
        services.import_rows([OrganisationData(name="World Food Programme", type="INGO"),
                              OrganisationData(name="Nouvelle Une"), OrganisationData(name="X", type="NGO")], None)
    assert str(raised.value) == "Unknown type “NGO”."
    assert snapshot() == before


def test_the_form_data_becomes_organisation_data():
    def field(value):
        return SimpleNamespace(data=value)

    form = SimpleNamespace(name=field(None), acronym=field("A"), kind=field("stakeholder"), type=field(""),
                           country=field(""), countries=field(["ml", " BF; NE"]), website=field("https://a.org"))
    data = services.data_from_form(form)
    assert data == OrganisationData(name="", acronym="A", kind="stakeholder", type=None, country=None,
                                    countries=["ml", "BF", "NE"], website="https://a.org", joined_on=None, left_on=None)
    form.name, form.type, form.country, form.countries = field("N"), field("UN"), field("ML"), field(None)
    form.joined_on, form.left_on = field(date(2024, 1, 1)), field(date(2025, 1, 1))
    data = services.data_from_form(form)
    assert (data.name, data.type, data.country, data.countries, data.joined_on, data.left_on) == (
        "N", "UN", "ML", [], date(2024, 1, 1), date(2025, 1, 1))
