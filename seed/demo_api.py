"""Demo data of the read API and of personal data: the viewer's token for a partner dashboard (in use) and an older
one revoked; a former working-group member deactivated thirteen months ago, whom `flask --app app sip anonymise`
anonymises; and one erased on request. Created once (nothing changes when run again)."""
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from sip.accounts.models import Membership, User
from sip.api.models import ApiToken
from sip.api.services import hash_token
from sip.bodies.models import Body
from sip.core import audit
from sip.core.models import AuditEntry
from sip.extensions import db

VIEWER = "viewer.demo@example.org"
FORMER = "former.training.demo@example.org"
ERASED = "erased.demo@example.org"


def _moment(day: date, hour: int = 10) -> datetime:
    """A day at an hour, UTC."""
    return datetime.combine(day, time(hour), tzinfo=timezone.utc)


def _former_member(email: str, name: str, since: date, left: date) -> User:
    """A training-group member who left on `left` and was deactivated then (with the audit entry that says so)."""
    body = db.session.scalar(select(Body).where(Body.slug == "wg-training"))
    person = User(email=email, name=name, language="en", active=False, created_at=_moment(since))
    db.session.add(person)
    db.session.flush()
    db.session.add(Membership(user=person, body=body, role="member", since=since, until=left))
    entry = audit.record("user.deactivated", "user_account", person.id, before={"active": True},
                         after={"active": False})
    entry.at = _moment(left)
    return person


def create_demo_api(today: date) -> bool:
    """Create the demo tokens and former members once; True when created."""
    viewer = db.session.scalar(select(User).where(User.email == VIEWER))
    if viewer is None or db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == viewer.id)):
        return False
    # The secrets are random and never shown: the demo's tokens show how the account page lists them.
    import secrets

    used = ApiToken(user_id=viewer.id, name="Partner dashboard (demo)", token_hash=hash_token(secrets.token_hex(32)),
                    hint="sip_demo01", created_at=_moment(today - timedelta(days=40)),
                    expires_at=_moment(today + timedelta(days=50)), last_used_at=_moment(today - timedelta(days=1), 7))
    revoked = ApiToken(user_id=viewer.id, name="Old spreadsheet import (demo)",
                       token_hash=hash_token(secrets.token_hex(32)), hint="sip_demo02",
                       created_at=_moment(today - timedelta(days=200)), expires_at=_moment(today + timedelta(days=165)),
                       last_used_at=_moment(today - timedelta(days=60)), revoked_at=_moment(today - timedelta(days=45)))
    db.session.add_all([used, revoked])
    if db.session.scalar(select(User.id).where(User.email == FORMER)) is None:
        _former_member(FORMER, "Tomás Former (demo)", today - timedelta(days=900), today - timedelta(days=395))
    if db.session.scalar(select(User.id).where(User.email == ERASED)) is None:
        from sip.accounts.privacy import remove_personal_data

        person = _former_member(ERASED, "Erin Erased (demo)", today - timedelta(days=700), today - timedelta(days=90))
        remove_personal_data(person, "request", rationale="Demo: asked by e-mail to the secretariat")
    db.session.commit()
    return db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "user.erased")) is not None
