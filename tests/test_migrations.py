"""Migrations: the schema they build is the one the models describe, and they keep the data."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from sip.extensions import db
from sip.governance.models import ActivityRevision, PlanVersion
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
        # The seed is loaded with today's models, so at head; going down to 0003 keeps the plan's rows.
        upgrade()
        load_real_seed()
        downgrade(revision="0003")
        db.session.execute(text("UPDATE activity SET search_text = ''"))
        db.session.commit()
        downgrade(revision="0002")
        upgrade(revision="0003")
        activity = db.session.scalar(select(Activity).where(Activity.code == "2.2.1.1"))
        assert activity.search_text == search_text(activity.code, activity.text)
        assert "preparation" in activity.search_text


def test_governance_migration_records_an_existing_plan_as_its_first_version(empty_app):
    with empty_app.app_context():
        upgrade()
        load_real_seed()
        live = {a.code: (a.text, a.output_id, a.position, [(r.body_id, r.role) for r in a.responsibilities])
                for a in db.session.scalars(select(Activity))}
        db.session.remove()
        downgrade(revision="0004")  # a database as it was before governance: a plan and no version
        assert "plan_version" not in inspect(db.engine).get_table_names()
        upgrade()
        versions = db.session.scalars(select(PlanVersion)).all()
        assert [(v.sequence, v.tag, v.name["en"]) for v in versions] == [(1, "2023-11", "November 2023 revision")]
        revisions = db.session.scalars(select(ActivityRevision)).all()
        assert {r.code: (r.text, r.output_id, r.position, [(b.body_id, b.role) for b in r.responsibilities])
                for r in revisions} == live
        assert sorted(r.code for r in revisions if r.state == "completed") == ["1.1.1.1", "2.2.1.1", "2.2.1.4", "2.3.3.1"]
        assert all(r.version_id == versions[0].id and r.superseded_by_id is None for r in revisions)
        assert all(r.search_text == search_text(r.code, r.text) for r in revisions)


def test_governance_migration_leaves_an_empty_database_without_versions(empty_app):
    with empty_app.app_context():
        upgrade()
        assert db.session.scalar(select(func.count()).select_from(PlanVersion)) == 0
