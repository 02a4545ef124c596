"""Migrations: the schema they build is the one the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from sip.extensions import db


def test_migrations_at_head_match_the_models(empty_app):
    empty_app.app_context().push()
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_migrations_go_down_to_nothing_and_up_again(empty_app):
    empty_app.app_context().push()
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert "activity" in inspect(db.engine).get_table_names()
