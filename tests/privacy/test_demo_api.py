"""The demo shows the API tokens and personal data in a realistic state: the viewer's tokens (one in use, one
revoked), a former member due for anonymisation and one erased on request; made once."""
from datetime import datetime, time, timezone

from sqlalchemy import func, select

from seed.demo_api import FORMER, create_demo_api
from sip.accounts import privacy
from sip.accounts.models import User
from sip.api.models import ApiToken, PersonalDataRemoval
from sip.extensions import db
from tests.reporting.test_demo import DEMO_TODAY, build_demo


def test_the_demo_shows_tokens_and_former_members_and_is_made_once(app_ctx):
    build_demo()
    assert create_demo_api(today=DEMO_TODAY) is True
    assert create_demo_api(today=DEMO_TODAY) is False
    tokens = list(db.session.scalars(select(ApiToken).order_by(ApiToken.id)))
    assert [(t.revoked_at is None, t.last_used_at is not None) for t in tokens] == [(True, True), (False, True)]
    assert db.session.scalar(select(PersonalDataRemoval.reason)) == "request"
    noon = datetime.combine(DEMO_TODAY, time(12), tzinfo=timezone.utc)
    names = privacy.anonymise_expired(now=noon)  # the former member left thirteen months before the demo's today
    assert len(names) == 1
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == FORMER)) == 0
