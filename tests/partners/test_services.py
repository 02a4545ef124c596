"""The register's services: organisations, focal points, departures, requests to join, acknowledgements, reminders;
every write audited, every refusal leaving the database as it was."""
import copy
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from sip.accounts.models import Organisation
from sip.core.models import AuditEntry, OutboxMail
from sip.extensions import db
from sip.partners import queries, services
from sip.partners.models import CommitmentAcknowledgement, FocalPoint, JoinRequest
from sip.partners.services import OrganisationData, PartnerError
from sip.plan.queries import current_strategy
from tests.partners.conftest import organisation, user
from tests.test_access import snapshot


def actions() -> list[str]:
    """The audit trail's actions, oldest first."""
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def ctx(seeded, register):
    """An app context over the register."""
    with seeded.app_context():
        yield register
        db.session.remove()


def secretariat(ctx):
    return user(ctx["people"]["secretariat"])


def test_registering_an_organisation_stores_codes_and_audits_it(ctx):
    data = OrganisationData(name="  Logistique Solidaire ", acronym="LS", kind="stakeholder", type="CBO",
                            country="Côte d’Ivoire", countries=["mali", "BF", "Burkina Faso"],
                            website="https://ls.example.org", joined_on=date(2025, 3, 1))
    created = services.create_organisation(data, secretariat(ctx))
    db.session.refresh(created)
    assert (created.name, created.country, created.countries) == ("Logistique Solidaire", "CI", ["ML", "BF"])
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.created"))
    assert entry.after["name"] == "Logistique Solidaire" and entry.user_id == ctx["people"]["secretariat"]


@pytest.mark.parametrize("data, message", [
    (OrganisationData(name=""), "Give the organisation's name."),
    (OrganisationData(name="X", type="NGO"), "Unknown type “NGO”."),
    (OrganisationData(name="X", kind="friend"), "Unknown kind “friend”"),
    (OrganisationData(name="X", country="Atlantis"), "Unknown country “Atlantis”"),
    (OrganisationData(name="X", countries=["ML", "QQ"]), "Unknown country “QQ”"),
    (OrganisationData(name="X", website="als.example.org"), "starting with http:// or https://"),
    (OrganisationData(name="X", joined_on=date(2025, 1, 2), left_on=date(2025, 1, 1)), "cannot leave before"),
    (OrganisationData(name="world food programme"), "already exists"),
])
def test_bad_data_is_refused_and_nothing_is_written(ctx, data, message):
    before = snapshot()
    with pytest.raises(PartnerError, match=message):
        # a copy: the checks tidy the data in place, and a second run in one process (mutmut's) must see it as written
        services.create_organisation(copy.deepcopy(data), secretariat(ctx))
    db.session.rollback()
    assert snapshot() == before


def test_an_update_records_before_and_after_and_nothing_when_nothing_changed(ctx):
    als = organisation("Action Logistique Sahel")
    data = OrganisationData(name=als.name, acronym=als.acronym, kind=als.kind, type=als.type, country="ML",
                            countries=list(als.countries), website=als.website, joined_on=als.joined_on)
    assert services.update_organisation(als, data, secretariat(ctx)) is False
    data.countries = ["ML"]
    assert services.update_organisation(als, data, secretariat(ctx)) is True
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.updated"))
    assert entry.before["countries"] == ["ML", "BF", "NE"] and entry.after["countries"] == ["ML"]


def test_a_departure_keeps_the_organisation_and_ends_its_focal_points(ctx):
    als = organisation("Action Logistique Sahel")
    services.record_departure(als, date.today(), "Closed its Sahel office", secretariat(ctx))
    db.session.expire_all()
    als = organisation("Action Logistique Sahel")
    assert als.left_on == date.today() and als.has_left
    point = db.session.get(FocalPoint, ctx["ids"]["point"])
    assert point.until == date.today() - timedelta(days=1)
    assert queries.current_focal_point_ids(als, date.today() + timedelta(days=1)) == set()
    assert "organisation.left" in actions()
    with pytest.raises(PartnerError, match="already left"):
        services.record_departure(als, date.today(), None, secretariat(ctx))
    assert als.id not in [o.id for o in queries.register_page(queries.RegisterFilters(), 1).items]
    assert als.id in [o.id for o in queries.register_page(queries.RegisterFilters(standing="former"), 1).items]


def test_only_people_of_the_organisation_become_its_focal_points(ctx):
    als = organisation("Action Logistique Sahel")
    with pytest.raises(PartnerError, match="does not work for"):
        services.add_focal_point(als, user(ctx["people"]["sag"]), None, secretariat(ctx))
    from sip.bodies.queries import find_body

    point = services.add_focal_point(als, user(ctx["target"]), find_body("wg-training"), secretariat(ctx))
    assert point.body.slug == "wg-training" and point.in_force()
    with pytest.raises(PartnerError, match="already this focal point"):
        services.add_focal_point(als, user(ctx["target"]), find_body("wg-training"), secretariat(ctx))
    services.end_focal_point(point, secretariat(ctx))
    assert point.until == date.today() - timedelta(days=1) and not point.in_force()
    assert actions()[-2:] == ["focal_point.named", "focal_point.ended"]


def test_a_request_to_join_waits_and_a_second_one_for_the_same_name_is_refused(ctx):
    asker = user(ctx["asker"])
    join = services.request_to_join(asker, OrganisationData(name="Logistique Solidaire", kind="stakeholder"),
                                    "We store relief items.")
    assert join.state == "pending" and join.organisation_id is None
    with pytest.raises(PartnerError, match="already waiting"):
        services.request_to_join(asker, OrganisationData(name="logistique solidaire"), "Again")
    with pytest.raises(PartnerError, match="Say why"):
        services.request_to_join(asker, OrganisationData(name="Autre"), "  ")
    with pytest.raises(PartnerError, match="already a member"):
        services.request_to_join(asker, OrganisationData(name="World Food Programme", kind="partner"), "Why not")


def test_approving_registers_the_organisation_links_the_asker_and_names_them_focal_point(ctx):
    join = db.session.get(JoinRequest, ctx["ids"]["request"])
    created = services.decide_join_request(join, True, None, secretariat(ctx))
    assert (created.name, created.kind, created.type, created.country, created.joined_on) == (
        "Nouvelle ONG", "partner", "NNGO", "TD", date.today())
    asker = user(ctx["asker"])
    assert asker.organisation_id == created.id
    assert queries.current_focal_point_ids(created) == {asker.id}
    assert join.state == "approved" and join.decided_by_id == ctx["people"]["secretariat"]
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == services.DECISION_KIND))
    assert mail.to_address == asker.email and "Nouvelle ONG" in mail.subject
    assert {"organisation.created", "focal_point.named", "join_request.approved"} <= set(actions())
    with pytest.raises(PartnerError, match="already been decided"):
        services.decide_join_request(join, False, "no", secretariat(ctx))


def test_declining_needs_a_note_which_the_asker_receives(ctx):
    join = db.session.get(JoinRequest, ctx["ids"]["request"])
    before = snapshot()
    with pytest.raises(PartnerError, match="Say why the request is declined"):
        services.decide_join_request(join, False, "", secretariat(ctx))
    db.session.rollback()
    assert snapshot() == before
    services.decide_join_request(join, False, "Please apply through your country cluster first.", secretariat(ctx))
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == services.DECISION_KIND))
    assert "Please apply through your country cluster first." in mail.body
    assert db.session.scalar(select(func.count(Organisation.id)).where(Organisation.name == "Nouvelle ONG")) == 0


def test_a_stakeholder_that_asks_to_become_a_partner_changes_kind_when_approved(ctx):
    uni = organisation("Université de Logistique")
    join = services.request_to_join(user(ctx["asker"]), OrganisationData(name=uni.name, kind="partner"),
                                    "We now run a logistics programme.")
    assert join.organisation_id == uni.id
    services.decide_join_request(join, True, None, secretariat(ctx))
    assert organisation("Université de Logistique").kind == "partner"


def test_a_focal_point_acknowledges_once_for_the_strategy(ctx):
    strategy = current_strategy()
    als = organisation("Action Logistique Sahel")
    viewer = user(ctx["people"]["viewer"])
    ack = services.acknowledge_commitments(als, viewer, strategy)
    assert (ack.organisation_id, ack.strategy_id, ack.user_id) == (als.id, strategy.id, viewer.id)
    with pytest.raises(PartnerError, match="already acknowledged"):
        services.acknowledge_commitments(als, viewer, strategy)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "commitments.acknowledged"))
    assert entry.user_id == viewer.id and entry.after["strategy"] == strategy.code


def test_only_a_partners_current_focal_point_may_acknowledge(ctx):
    strategy = current_strategy()
    with pytest.raises(PartnerError, match="Only a focal point"):
        services.acknowledge_commitments(organisation("Action Logistique Sahel"), user(ctx["target"]), strategy)
    with pytest.raises(PartnerError, match="Only partners"):
        services.acknowledge_commitments(organisation("Université de Logistique"), user(ctx["people"]["viewer"]),
                                         strategy)
    assert db.session.scalar(select(func.count(CommitmentAcknowledgement.id))) == 0


def test_the_share_counts_current_partners_only(ctx):
    strategy = current_strategy()
    # partners today: ALS, WFP, Sahel Communautés (Ancien Partenaire left, the university is a stakeholder)
    assert queries.acknowledgement_share(strategy).__dict__ == {"acknowledged": 0, "partners": 3}
    services.acknowledge_commitments(organisation("Action Logistique Sahel"), user(ctx["people"]["viewer"]),
                                     strategy)
    share = queries.acknowledgement_share(strategy)
    assert (share.acknowledged, share.partners, share.percent) == (1, 3, 33)
    rows = queries.commitment_rows(strategy)
    assert [r.organisation.name for r in rows] == ["Sahel Communautés", "World Food Programme",
                                                    "Action Logistique Sahel"]
    assert [r.focal_points for r in rows] == [0, 0, 1]


def test_a_reminder_queues_a_mail_per_focal_point_of_partners_that_have_not_acknowledged(ctx):
    strategy = current_strategy()
    wfp = organisation("World Food Programme")
    lead = user(ctx["people"]["wg_lead"])
    lead.language = "fr"
    services.add_focal_point(wfp, lead, None, secretariat(ctx))
    services.acknowledge_commitments(organisation("Action Logistique Sahel"), user(ctx["people"]["viewer"]),
                                     strategy)
    result = services.remind_partners(strategy, secretariat(ctx))
    assert (result.mails, result.organisations, result.unreachable) == (1, 1, ["Sahel Communautés"])
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.kind == services.REMINDER_KIND))
    assert mail.to_address == lead.email
    assert strategy.title["fr"] in mail.body  # in the focal point's language (the words once translated)
    assert "/partners/" in mail.body and "/plan/commitments" in mail.body
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "commitments.reminded"))
    assert entry.entity_id == str(wfp.id) and entry.after["recipients"] == [lead.id]


def test_the_register_filters_by_kind_type_and_country_of_operation(ctx):
    def names(**filters):
        return [o.name for o in queries.register_page(queries.RegisterFilters(**filters), 1).items]

    assert names(kind="stakeholder") == ["Université de Logistique"]
    assert names(type="NNGO") == ["Action Logistique Sahel"]
    assert names(country="TD") == ["World Food Programme"]  # operates there
    assert names(country="NE") == ["Action Logistique Sahel", "Sahel Communautés"]  # operates / headquarters
    assert names(country="GB") == []  # the partner there has left
    assert names(country="GB", standing="all") == ["Ancien Partenaire"]
    assert names(q="wfp") == ["World Food Programme"]


def test_the_organisation_takes_part_in_the_bodies_of_its_people_and_focal_points(ctx):
    wfp = organisation("World Food Programme")
    taking = queries.bodies_of_organisation(wfp)
    assert [(t.body.slug, t.members) for t in taking] == [("wg-training", 1)]
