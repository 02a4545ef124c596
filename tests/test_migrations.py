"""Migrations: the schema they build is the one the models describe, and they keep the data."""
import json

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
        # Read as the table is at 0003 (today's model has columns added later).
        code, texts, searched = db.session.execute(
            text("SELECT code, text, search_text FROM activity WHERE code = '2.2.1.1'")).one()
        texts = json.loads(texts) if isinstance(texts, str) else texts
        assert searched == search_text(code, texts)
        assert "preparation" in searched


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


def _accept(strategy, slug: str, code: str, quarter: str, status: str) -> None:
    """The body's report for the quarter, with this status for its accountable activities, accepted."""
    from sip.bodies.models import Body
    from sip.reporting import services

    body = db.session.scalar(select(Body).where(Body.slug == slug))
    period = services.find_period(strategy, quarter)
    period.state = "open"
    updates = {a.id: services.UpdateData(status=status if a.accountable_body_id == body.id else None,
                                         achievements=f"{code} {quarter}")
               for a in services.reportable_activities(body)}
    report = services.write_report(body, period, None, 0, "Summary", updates, submit=True)
    services.accept_report(report, None)


def test_status_migration_writes_each_quarter_from_the_accepted_reports_and_names_the_accountable_body(empty_app):
    from sip.plan.queries import current_strategy
    from sip.reporting import statuses
    from sip.reporting.models import ActivityStatus, ReportingPeriod
    from sip.reporting.services import ensure_periods

    with empty_app.app_context():
        upgrade()
        load_real_seed()
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.commit()
        # Q4 accepted first, then Q3: the current status is Q4's, and Q3 keeps its own.
        _accept(strategy, "wg-training", "3.1.1.2", "2026-Q4", "on_track")
        _accept(strategy, "wg-training", "3.1.1.2", "2026-Q3", "at_risk")
        rows = sorted(db.session.execute(
            select(Activity.code, ReportingPeriod.year, ReportingPeriod.quarter, ActivityStatus.status,
                   ActivityStatus.source)
            .join(Activity, ActivityStatus.activity_id == Activity.id)
            .join(ReportingPeriod, ActivityStatus.period_id == ReportingPeriod.id)).all())
        accountable = dict(db.session.execute(select(Activity.code, Activity.accountable_body_id)).all())
        assert len(rows) == 50 * 20
        assert {("3.1.1.2", 2026, 3, "at_risk", "report"), ("3.1.1.2", 2026, 4, "on_track", "report")} <= set(rows)
        db.session.remove()
        downgrade(revision="0005_governance")
        # As the code before it did: the status of the report accepted last overwrote the activity's.
        db.session.execute(text("UPDATE activity SET status = 'at_risk' WHERE code = '3.1.1.2'"))
        db.session.commit()
        upgrade()
        assert sorted(db.session.execute(
            select(Activity.code, ReportingPeriod.year, ReportingPeriod.quarter, ActivityStatus.status,
                   ActivityStatus.source)
            .join(Activity, ActivityStatus.activity_id == Activity.id)
            .join(ReportingPeriod, ActivityStatus.period_id == ReportingPeriod.id)).all()) == rows
        assert dict(db.session.execute(select(Activity.code, Activity.accountable_body_id)).all()) == accountable
        training = db.session.scalar(select(Activity).where(Activity.code == "3.1.1.2"))
        assert training.plan_status == "planned"  # what the plan says, no longer the report's word
        assert statuses.current_status(training).status == "on_track"
        assert sorted(db.session.scalars(select(Activity.code).where(Activity.plan_status == "completed"))) == [
            "1.1.1.1", "2.2.1.1", "2.2.1.4", "2.3.3.1"]
