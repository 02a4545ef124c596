"""Fixtures of the operations tests."""
import pytest
from sqlalchemy import text

from sip.extensions import db


@pytest.fixture
def versioned(app):
    """Lets a test write the database's migration version (alembic_version, outside the models' tables); the table is
    dropped before and after, so that on PostgreSQL, where tests share one schema, no other test sees it."""
    def drop():
        with app.app_context(), db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    drop()
    yield
    drop()
