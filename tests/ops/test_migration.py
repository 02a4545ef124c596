"""The rollback the README's upgrade procedure relies on: the last migration goes down, keeping every other row, and
up again; and this version's own migration (the worker's heartbeat table)."""
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text

from sip.core import heartbeat
from sip.core.doctor import code_head
from sip.extensions import db
from sip.plan.models import Activity
from tests.conftest import load_real_seed


def revision() -> str | None:
    """The database's migration."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_the_last_migration_goes_down_keeping_the_data_and_up_again(empty_app):
    with empty_app.app_context():
        upgrade()
        head = code_head(empty_app.extensions["migrate"].directory)
        assert revision() == head
        load_real_seed()
        activities = db.session.scalar(select(func.count()).select_from(Activity))
        db.session.remove()
        downgrade(revision="-1")  # what `flask --app app db downgrade` does in the README's rollback
        previous = revision()
        assert previous != head and previous is not None
        db.session.remove()
        assert db.session.scalar(select(func.count()).select_from(Activity)) == activities
        db.session.remove()
        upgrade()
        assert revision() == head
        assert db.session.scalar(select(func.count()).select_from(Activity)) == activities


def test_the_heartbeat_table_comes_with_0012_and_goes_with_it(empty_app):
    with empty_app.app_context():
        upgrade(revision="0012_ops")
        assert "worker_heartbeat" in inspect(db.engine).get_table_names()
        heartbeat.beat("host:1")
        assert heartbeat.last_beat() is not None
        db.session.remove()
        downgrade(revision="0011_pack")
        assert "worker_heartbeat" not in inspect(db.engine).get_table_names()
        upgrade()
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM worker_heartbeat")).scalar() == 0
