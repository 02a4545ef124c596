"""Rules that no test used to hold (issue 23): each test fails when its rule is broken.

Who counts as signed in, the audit trail's client address and its CSV download, memberships that meet end to end,
and no hand-over for a body that is already dissolved. The access matrix for ended memberships, deactivated
accounts, support-team and cluster leads and SAG members is tests/test_access_people.py.
"""
import csv
import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from sip.accounts import services as accounts
from sip.accounts.models import Membership, User
from sip.accounts.permissions import bodies_of, can_view_contact, is_secretariat, is_signed_in
from sip.bodies.queries import find_body
from sip.core.models import AuditEntry
from sip.extensions import db
from sip.governance import services as governance
from sip.governance.permissions import can_hand_over
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from tests.conftest import log_in
from tests.test_access import snapshot

YESTERDAY = date.today() - timedelta(days=1)


# --- who counts as signed in ----------------------------------------------------------------------------------------


def test_an_inactive_account_does_not_count_as_signed_in_even_when_authenticated(seeded, make_user):
    # The login loader turns inactive users away first; the rule must hold on its own all the same.
    person, colleague = make_user("Ina Inactive", bodies=[("rome-support-team", "member")]), make_user(
        "Colin Colleague", bodies=[("rome-support-team", "member")])
    with seeded.app_context():
        user = db.session.get(User, person)
        assert user.is_authenticated and is_signed_in(user) and is_secretariat(user)  # the control
        user.active = False
        assert not is_signed_in(user)
        assert bodies_of(user) == set() and not is_secretariat(user)
        assert not can_view_contact(user, db.session.get(User, colleague))
    # An account that another way of signing in (an API token, a new login loader) holds as authenticated: the
    # rule must not lean on Flask-Login's mixin, which happens to answer is_authenticated from is_active.
    admin = SimpleNamespace(id=person, is_authenticated=True, is_active=False, is_admin=True,
                            current_memberships=list)
    assert not is_signed_in(admin) and not is_secretariat(admin) and bodies_of(admin) == set()
    assert is_signed_in(SimpleNamespace(id=person, is_authenticated=True, is_active=True))  # the control


# --- the audit trail keeps the client's address, and its download cannot run as a formula ---------------------------


def test_an_audit_entry_written_in_a_request_keeps_the_clients_address(seeded, make_user):
    person = make_user("Ada Address")
    client = seeded.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.23"
    assert log_in(client, person).status_code == 302
    assert client.post("/account", data={"profile-name": "Ada Renamed"}).status_code == 302
    with seeded.app_context():
        entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.user_id == person)))
        assert {entry.action for entry in entries} >= {"login.succeeded"} and len(entries) >= 2
        assert {entry.ip for entry in entries} == {"198.51.100.23"}


def test_the_audit_trail_csv_neutralises_cells_starting_with_a_tab_or_carriage_return(seeded, make_user):
    person = make_user("Sara Secretariat", bodies=[("rome-support-team", "member")])
    with seeded.app_context():
        db.session.add(AuditEntry(action="report.saved", entity="group_report", entity_id="7", user_id=person,
                                  rationale="\t=HYPERLINK(\"http://evil.example\")", ip="\r@x"))
        db.session.commit()
    client = seeded.test_client()
    log_in(client, person)
    response = client.get("/admin/audit.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"), newline="")))
    saved = next(row for row in rows if "report.saved" in row)
    assert "'\t=HYPERLINK(\"http://evil.example\")" in saved and "'\r@x" in saved
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


# --- memberships end to end -----------------------------------------------------------------------------------------


def test_a_membership_may_not_start_on_the_day_the_previous_one_ends(seeded, make_user):
    # A membership holds on its last day: starting a new one that day would make two hold at once.
    person, actor = make_user("Mia Member"), make_user("Sam Secretariat", bodies=[("rome-support-team", "member")])
    with seeded.app_context():
        user = db.session.get(User, person)
        first = accounts.add_membership(user, "wg-training", "member", actor=None, since=date(2025, 1, 1))
        first.until = date(2025, 12, 31)
        db.session.commit()
        assert first.in_force(date(2025, 12, 31)) and not first.in_force(date(2026, 1, 1))
        before = snapshot()
        with pytest.raises(accounts.AccountError, match="already belongs to this body"):
            accounts.add_membership(user, "wg-training", "lead", actor=db.session.get(User, actor),
                                    since=date(2025, 12, 31))
        db.session.rollback()
        assert snapshot() == before
        second = accounts.add_membership(user, "wg-training", "lead", actor=db.session.get(User, actor),
                                         since=date(2026, 1, 1))
        roles = [(m.role, m.since, m.until) for m in db.session.scalars(
            select(Membership).where(Membership.user_id == person).order_by(Membership.since))]
        assert roles == [("member", date(2025, 1, 1), date(2025, 12, 31)), ("lead", date(2026, 1, 1), None)]
        assert second.in_force(date(2026, 1, 1))


# --- no hand-over for a dissolved body ------------------------------------------------------------------------------


@pytest.fixture
def dissolved_training(seeded, make_user):
    """The real plan with the training working group dissolved yesterday; the id of a secretariat member."""
    secretariat = make_user("Sam Secretariat", bodies=[("rome-support-team", "member")])
    with seeded.app_context():
        group = find_body("wg-training")
        assert can_hand_over(db.session.get(User, secretariat), group)  # the control: while it is active
        group.dissolved_on = YESTERDAY
        db.session.commit()
    return secretariat


def test_a_hand_over_cannot_be_started_for_a_dissolved_body(seeded, dissolved_training):
    with seeded.app_context():
        actor, group = db.session.get(User, dissolved_training), find_body("wg-training")
        training = db.session.scalar(select(Activity).where(Activity.code == "3.1.1.2"))
        assert not can_hand_over(actor, group)
        before = snapshot()
        with pytest.raises(governance.GovernanceError, match="active body"):
            governance.propose_hand_over(current_strategy(), group,
                                         [governance.HandOver(training, find_body("wg-partnerships"))],
                                         "The mandate ended.", actor)
        db.session.rollback()
        assert snapshot() == before


def test_the_hand_over_form_of_a_dissolved_body_is_refused_and_proposes_nothing(seeded, dissolved_training):
    client = seeded.test_client()
    log_in(client, dissolved_training)
    with seeded.app_context():
        before = snapshot()
    response = client.post("/bodies/wg-training/hand-over",
                           data={"to-3.1.1.2": "wg-partnerships", "rationale": "The mandate ended."})
    assert response.status_code == 403
    with seeded.app_context():
        assert snapshot() == before
