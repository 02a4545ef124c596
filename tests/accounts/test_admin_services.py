"""Services behind the secretariat's administration, called directly."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from sip.accounts import queries, services
from sip.accounts.models import Membership, Organisation, User
from sip.core.models import AuditEntry, OutboxMail
from sip.extensions import db
from tests.smtp import capture_queued


@pytest.fixture
def sent_mail(monkeypatch):
    """The e-mails queued in the outbox: a list of (to, subject, body)."""
    return capture_queued(monkeypatch)


@pytest.fixture
def actor(build_user):
    """A member of the Rome support team, as a loaded User."""
    return build_user("Rita Rome", bodies=[("rome-support-team", "member")])


@pytest.fixture
def build_user(app_ctx, make_user):
    """Builder: `make_user` returning the loaded User in this test's session."""

    def build(*args, **kwargs):
        # The builder writes in its own session: end this session's transaction first, so that it holds no
        # lock (after any POST in the same thread, SQLite transactions begin IMMEDIATE) and then sees the
        # builder's commit.
        db.session.commit()
        user_id = make_user(*args, **kwargs)
        db.session.commit()
        return db.session.get(User, user_id)

    return build


def audit_actions() -> list[str]:
    """Actions of the audit trail, oldest first."""
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def count(model) -> int:
    """Rows of a table."""
    return db.session.scalar(select(func.count()).select_from(model))


# --- resend_invitation --------------------------------------------------------------------------


def test_resend_invitation_emails_a_link_in_the_persons_language_and_is_audited(actor, build_user, sent_mail):
    person = build_user("Jean Dupont", email="jean@example.org", password=None, language="fr")
    services.resend_invitation(person, actor)
    [(to, subject, body)] = sent_mail
    assert to == "jean@example.org"
    assert "Jean Dupont" in body and re.search(r"/invitations/\S+", body)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.invitation_resent"))
    assert (entry.entity, entry.entity_id, entry.user_id) == ("user_account", str(person.id), actor.id)


def test_resend_invitation_refuses_someone_who_has_a_password(actor, build_user, sent_mail):
    person = build_user()
    with pytest.raises(services.AccountError, match="already chosen a password"):
        services.resend_invitation(person, actor)
    assert sent_mail == [] and "user.invitation_resent" not in audit_actions()


def test_resend_invitation_refuses_a_deactivated_person(actor, build_user, sent_mail):
    person = build_user(password=None, active=False)
    with pytest.raises(services.AccountError, match="deactivated"):
        services.resend_invitation(person, actor)
    assert sent_mail == []


def test_resend_invitation_queues_the_mail_in_the_same_transaction_as_its_audit_entry(actor, build_user, smtp_server):
    smtp_server.stop()  # a mail server that is down changes nothing for the secretariat
    person = build_user(password=None)
    services.resend_invitation(person, actor)
    db.session.rollback()  # whatever was not committed is gone
    assert "user.invitation_resent" in audit_actions()
    [mail] = db.session.scalars(select(OutboxMail)).all()
    assert (mail.to_address, mail.kind, mail.state) == (person.email, "invitation", "queued")


# --- invite_user (used by the invitation page) ---------------------------------------------------


def test_invite_user_with_an_unknown_body_leaves_nobody_behind(actor, sent_mail):
    people = count(User)
    person = services.NewPerson(email="nadia@example.org", name="Nadia", body_slug="no-such-body", role="member")
    with pytest.raises(services.AccountError, match="There is no body"):
        services.invite_user(person, actor)
    assert count(User) == people and sent_mail == []
    assert services.find_user("nadia@example.org") is None


# --- add_membership -----------------------------------------------------------------------------


def test_add_membership_refuses_a_second_membership_of_the_same_body(actor, build_user):
    person = build_user(bodies=[("wg-training", "member")])
    with pytest.raises(services.AccountError, match="already belongs to this body"):
        services.add_membership(person, "wg-training", "lead", actor=actor)


def test_add_membership_refuses_a_period_overlapping_an_ended_one(actor, build_user):
    person = build_user(bodies=[("wg-training", "member")])
    person.memberships[0].since, person.memberships[0].until = date(2023, 1, 1), date(2023, 12, 31)
    db.session.commit()
    with pytest.raises(services.AccountError, match="already belongs to this body"):
        services.add_membership(person, "wg-training", "lead", actor=actor, since=date(2023, 6, 1))
    membership = services.add_membership(person, "wg-training", "lead", actor=actor, since=date(2024, 1, 1))
    assert membership.in_force()


def test_add_membership_again_on_the_day_one_was_added_and_ended_is_refused_clearly(actor, build_user):
    # Added today, ended at once (until = yesterday): the same (person, body, start day) may not be stored twice.
    person = build_user()
    membership = services.add_membership(person, "rome-support-team", "member", actor=actor)
    services.end_membership(membership, actor)
    with pytest.raises(services.AccountError, match="choose another start date"):
        services.add_membership(person, "rome-support-team", "member", actor=actor)
    tomorrow = date.today() + timedelta(days=1)
    assert services.add_membership(person, "rome-support-team", "member", actor=actor, since=tomorrow).since == tomorrow


def test_add_membership_is_audited_with_the_actor(actor, build_user):
    person = build_user()
    membership = services.add_membership(person, "rome-support-team", "co_lead", actor=actor)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "membership.added"))
    assert entry.entity_id == str(membership.id) and entry.user_id == actor.id
    assert entry.after == {"user": person.id, "body": "rome-support-team", "role": "co_lead"}


# --- end_membership -----------------------------------------------------------------------------


def test_end_membership_ends_it_yesterday_and_is_audited(actor, build_user):
    person = build_user(bodies=[("wg-training", "lead")])
    membership = person.memberships[0]
    services.end_membership(membership, actor)
    assert membership.until == date.today() - timedelta(days=1) and not membership.in_force()
    assert audit_actions()[-1] == "membership.ended"


def test_end_membership_refuses_one_already_ended(actor, build_user):
    person = build_user(bodies=[("wg-training", "lead")])
    membership = person.memberships[0]
    membership.until = date(2024, 3, 31)
    db.session.commit()
    entries = count(AuditEntry)
    with pytest.raises(services.AccountError, match="already ended"):
        services.end_membership(membership, actor)
    assert membership.until == date(2024, 3, 31) and count(AuditEntry) == entries


def test_end_membership_may_end_early_one_planned_to_end_later(actor, build_user):
    person = build_user(bodies=[("wg-training", "lead")])
    membership = person.memberships[0]
    membership.until = date.today() + timedelta(days=30)
    db.session.commit()
    services.end_membership(membership, actor)
    assert membership.until == date.today() - timedelta(days=1)


# --- set_active ---------------------------------------------------------------------------------


def test_set_active_deactivating_changes_the_session_token_and_is_audited(actor, build_user):
    person = build_user()
    token = person.session_token
    services.set_active(person, False, actor)
    assert person.active is False and person.session_token != token
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.deactivated"))
    assert entry.user_id == actor.id and entry.before == {"active": True}


def test_set_active_refuses_to_deactivate_oneself(actor):
    with pytest.raises(services.AccountError, match="cannot deactivate yourself"):
        services.set_active(actor, False, actor)
    assert actor.active is True


# --- create_organisation ------------------------------------------------------------------------


def test_create_organisation_trims_and_audits(actor):
    organisation = services.create_organisation("  Action Logistique Sahel ", " ALS ", "partner", "NNGO", " Mali ", actor)
    assert (organisation.name, organisation.acronym, organisation.country) == ("Action Logistique Sahel", "ALS", "ML")
    assert audit_actions()[-1] == "organisation.created"


def test_create_organisation_refuses_a_name_taken_whatever_the_case(actor):
    services.create_organisation("World Food Programme", "WFP", "partner", "UN", None, actor)
    with pytest.raises(services.AccountError, match="already exists"):
        services.create_organisation("WORLD FOOD PROGRAMME", None, "partner", None, None, actor)


def test_create_organisation_refuses_a_taken_name_starting_with_an_accented_capital(actor):
    # SQLite's lower() leaves "É" alone; without the exact comparison this reached the unique index (a 500).
    services.create_organisation("École de Logistique", None, "stakeholder", "academia", "France", actor)
    with pytest.raises(services.AccountError, match="already exists"):
        services.create_organisation("École de Logistique", None, "stakeholder", "academia", "France", actor)
    assert count(Organisation) == 1


@pytest.mark.parametrize("name, kind, type_, message", [
    ("  ", "partner", None, "Give the organisation's name."),
    ("Donors United", "donor", None, "Choose partner or stakeholder."),
    ("Donors United", "partner", "bank", "Choose a type from the list."),
])
def test_create_organisation_refuses_incomplete_or_unknown_values(actor, name, kind, type_, message):
    with pytest.raises(services.AccountError, match=re.escape(message)):
        services.create_organisation(name, None, kind, type_, None, actor)
    assert count(Organisation) == 0


# --- queries behind the pages -------------------------------------------------------------------


def test_people_page_clamps_a_page_number_past_the_end(actor, build_user):
    for _ in range(3):
        build_user()
    page = queries.people_page(queries.PeopleFilters(), 7, size=2)
    assert (page.number, page.pages, page.total, len(page.items)) == (2, 2, 4, 2)


def test_split_memberships_separates_current_from_ended(actor, build_user):
    person = build_user(bodies=[("wg-training", "lead"), ("sag", "member")])
    ended = next(m for m in person.memberships if m.body.slug == "sag")
    ended.until = date.today() - timedelta(days=1)
    db.session.commit()
    current, past = queries.split_memberships(person)
    assert [m.body.slug for m in current] == ["wg-training"] and past == [ended]


def test_candidates_for_a_body_leave_out_its_members_and_deactivated_people(actor, build_user):
    build_user("In Body", bodies=[("wg-training", "member")])
    build_user("Gone", active=False)
    build_user("Free")
    body = db.session.scalar(select(Membership).where(Membership.body.has(slug="wg-training"))).body
    assert [p.name for p in queries.candidates_for(body)] == ["Free", "Rita Rome"]
