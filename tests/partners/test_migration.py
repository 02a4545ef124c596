"""Migration 0008: the register's tables at head match the models, and existing organisations keep their data, the
country typed before turned into its code."""
import json

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from sip.extensions import db

TABLES = {"focal_point", "join_request", "commitment_acknowledgement"}


def test_the_registers_tables_and_columns_at_head_match_the_models(empty_app):
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        mine = [d for d in differences if any(name in repr(d) for name in (*TABLES, "'organisation'"))]
        assert mine == []


def test_existing_organisations_get_country_codes_and_keep_what_is_not_a_country(empty_app):
    with empty_app.app_context():
        upgrade(revision="0007_mail_security_inbox")
        db.session.execute(text("INSERT INTO organisation (name, kind, type, country) VALUES "
                                "('Action Logistique Sahel', 'partner', 'NNGO', 'Mali'), "
                                "('Croix-Rouge', 'partner', 'RCRC', 'Côte d’Ivoire'), "
                                "('Université', 'stakeholder', 'academia', 'fr'), "
                                "('Ailleurs', 'stakeholder', NULL, 'Sahel region'), "
                                "('Sans pays', 'partner', NULL, NULL)"))
        db.session.commit()
        upgrade(revision="0008_partners")
        rows = db.session.execute(text("SELECT name, country, countries, joined_on, left_on FROM organisation "
                                       "ORDER BY id")).all()
        assert [(name, country) for name, country, *_ in rows] == [
            ("Action Logistique Sahel", "ML"), ("Croix-Rouge", "CI"), ("Université", "FR"),
            ("Ailleurs", "Sahel region"), ("Sans pays", None)]
        assert all((json.loads(c) if isinstance(c, str) else c) == [] for _n, _c, c, *_ in rows)
        assert all(joined is None and left is None for *_x, joined, left in rows)
        assert TABLES <= set(inspect(db.engine).get_table_names())
        db.session.remove()  # end the reading transaction: on PostgreSQL it would hold the table the downgrade alters
        downgrade(revision="0007_mail_security_inbox")
        assert not TABLES & set(inspect(db.engine).get_table_names())
        assert "countries" not in {c["name"] for c in inspect(db.engine).get_columns("organisation")}
        db.session.remove()
