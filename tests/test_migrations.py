"""Migrations: the schema they build is the one the models describe, and they keep the data."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from sip.extensions import db
from sip.plan.models import Activity, search_text
from tests.conftest import load_real_seed


def test_migrations_at_head_match_the_models(empty_app):
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []


def test_migrations_go_down_to_nothing_and_up_again(empty_app):
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "activity" in inspect(db.engine).get_table_names()


def test_search_text_migration_fills_the_existing_activities(empty_app):
    with empty_app.app_context():
        upgrade(revision="0003")
        load_real_seed()
        db.session.execute(text("UPDATE activity SET search_text = ''"))
        db.session.commit()
        downgrade(revision="0002")
        upgrade(revision="0003")
        activity = db.session.scalar(select(Activity).where(Activity.code == "2.2.1.1"))
        assert activity.search_text == search_text(activity.code, activity.text)
        assert "preparation" in activity.search_text
