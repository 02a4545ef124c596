"""A read-only world for the API's tests: the real plan with the demo's periods, people and reports, and a token
for each demo role, built once per module (the tests that write use the ordinary per-test fixtures)."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from sip import create_app
from sip.accounts.models import User
from sip.config import TestConfig
from sip.extensions import db
from tests.conftest import SERVER_URL, _fresh_schema
from tests.reporting.test_demo import build_demo

DEMO = {"viewer": "viewer.demo@example.org", "sag": "sag.demo@example.org", "secretariat": "rome.demo@example.org",
        "lead": "lead.training.demo@example.org", "member": "member.training.demo@example.org"}


def make_token(user_id: int, name: str = "test", days: int = 30) -> str:
    """A token of the person (in the current app context); returns the secret."""
    from sip.api.services import create_token

    _token, secret = create_token(db.session.get(User, user_id), name, days)
    return secret


@pytest.fixture(scope="module")
def api_world(tmp_path_factory):
    """The demo world and {role: token} (a module's tests must only read it)."""
    url = SERVER_URL or f"sqlite:///{tmp_path_factory.mktemp('api') / 'api.sqlite'}"
    application = create_app(TestConfig(url))
    with application.app_context():
        _fresh_schema()
        build_demo()
        ids = {role: db.session.scalar(select(User.id).where(User.email == email)) for role, email in DEMO.items()}
        tokens = {role: make_token(user_id, f"{role} token") for role, user_id in ids.items()}
        db.session.remove()
    yield {"app": application, "tokens": tokens, "ids": ids}
    with application.app_context():
        db.engine.dispose()


def bearer(token: str) -> dict:
    """The header that sends a token."""
    return {"Authorization": f"Bearer {token}"}


ONE_DAY = timedelta(days=1)
