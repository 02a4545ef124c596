"""Migration 0010: the API tokens and the record of removed personal data come and go with it; existing accounts
and their audit trail (from which deactivation times are read) are untouched."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from sip.extensions import db


def tables() -> set[str]:
    """The database's tables now."""
    return set(inspect(db.engine).get_table_names())


def test_0010_adds_the_token_and_removal_tables_and_takes_them_away_again(empty_app):
    with empty_app.app_context():
        upgrade(revision="0010_api_privacy")
        assert {"api_token", "personal_data_removal"} <= tables()
        columns = {c["name"] for c in inspect(db.engine).get_columns("api_token")}
        assert {"token_hash", "expires_at", "revoked_at", "window_count"} <= columns
        db.session.execute(text("INSERT INTO user_account (email, name, session_token, active, is_admin, created_at) "
                                "VALUES ('kept@example.org', 'Kept Person', 't', true, false, CURRENT_TIMESTAMP)"))
        db.session.execute(text("INSERT INTO audit_entry (at, action, entity, entity_id) "
                                "VALUES (CURRENT_TIMESTAMP, 'user.deactivated', 'user_account', '1')"))
        db.session.commit()
        downgrade(revision="0009_meetings")
        assert not {"api_token", "personal_data_removal"} & tables()
        upgrade(revision="0010_api_privacy")
        assert db.session.execute(text("SELECT name FROM user_account")).scalar() == "Kept Person"
        assert db.session.execute(text("SELECT action FROM audit_entry")).scalar() == "user.deactivated"
        db.session.remove()
