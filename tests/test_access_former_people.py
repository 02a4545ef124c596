"""The routes this wave added, for people who no longer hold the right: a secretariat member whose membership has
ended, and a deactivated secretariat account (signed in before it was deactivated)."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from sip.accounts.models import Membership, User
from sip.extensions import db
from tests.conftest import log_in

# (method, path, data): the secretariat's pages added for accountability and focal points, and the audit trail.
ROUTES = [
    ("GET", "/plan/accountability", None),
    ("GET", "/bodies/glc/focal-point", None),
    ("POST", "/bodies/glc/focal-point", {"who": "secretariat"}),
    ("GET", "/admin/audit", None),
    ("GET", "/admin/audit/1", None),
    ("GET", "/admin/audit.csv", None),
]

# Every signed-in person's own pages (the inbox): a deactivated account is signed out there too.
PERSONAL = [
    ("GET", "/notifications", None),
    ("GET", "/notifications/settings", None),
    ("POST", "/notifications/settings", {"report_submitted": "never"}),
    ("POST", "/notifications/read", None),
    ("GET", "/account/two-step", None),
]


def _signed_in_secretariat(app, make_user):
    """A client signed in as a member of the Rome support team; the person's id."""
    person = make_user("Former Person", bodies=[("rome-support-team", "member")])
    client = app.test_client()
    assert log_in(client, person).status_code == 302
    return client, person


@pytest.mark.parametrize(("method", "path", "data"), ROUTES)
def test_a_secretariat_member_whose_membership_ended_is_refused(seeded, make_user, method, path, data):
    client, person = _signed_in_secretariat(seeded, make_user)
    with seeded.app_context():
        membership = db.session.scalar(select(Membership).where(Membership.user_id == person))
        membership.since, membership.until = date.today() - timedelta(days=30), date.today() - timedelta(days=1)
        db.session.commit()
    response = client.open(path, method=method, data=data)
    assert response.status_code == 403
    with seeded.app_context():
        assert db.session.scalar(select(User).where(User.id == person)).id == person
        from sip.bodies.models import Body

        glc = db.session.scalar(select(Body).where(Body.slug == "glc"))
        assert (glc.focal_point_id, glc.reported_by_secretariat) == (None, False)


@pytest.mark.parametrize(("method", "path", "data"), ROUTES)
def test_a_deactivated_secretariat_account_is_treated_as_signed_out(seeded, make_user, method, path, data):
    client, person = _signed_in_secretariat(seeded, make_user)
    with seeded.app_context():
        db.session.get(User, person).active = False
        db.session.commit()
    response = client.open(path, method=method, data=data)
    assert response.status_code in (302, 400)  # to the sign-in page; a POST without a session's CSRF token: 400
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
    with seeded.app_context():
        from sip.bodies.models import Body

        glc = db.session.scalar(select(Body).where(Body.slug == "glc"))
        assert (glc.focal_point_id, glc.reported_by_secretariat) == (None, False)


@pytest.mark.parametrize(("method", "path", "data"), PERSONAL)
def test_a_deactivated_account_reaches_none_of_its_own_pages(seeded, make_user, method, path, data):
    client, person = _signed_in_secretariat(seeded, make_user)
    with seeded.app_context():
        db.session.get(User, person).active = False
        db.session.commit()
    response = client.open(path, method=method, data=data)
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
    with seeded.app_context():
        from sip.inbox.models import NotificationPreference

        assert db.session.scalar(select(NotificationPreference)) is None


def test_a_secretariat_member_whose_membership_ended_cannot_reset_someones_two_step_sign_in(seeded, make_user):
    client, person = _signed_in_secretariat(seeded, make_user)
    target = make_user("Target Person", bodies=[("wg-training", "lead")])
    with seeded.app_context():
        membership = db.session.scalar(select(Membership).where(Membership.user_id == person))
        membership.since, membership.until = date.today() - timedelta(days=30), date.today() - timedelta(days=1)
        someone = db.session.get(User, target)
        someone.totp_secret, someone.mfa_enabled_at = "JBSWY3DPEHPK3PXP", datetime.now(timezone.utc)
        db.session.commit()
    response = client.post(f"/admin/people/{target}/two-step/reset", data={"confirm": "y"})
    assert response.status_code == 403
    with seeded.app_context():
        assert db.session.get(User, target).totp_secret == "JBSWY3DPEHPK3PXP"
