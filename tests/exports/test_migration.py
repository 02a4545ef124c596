"""Migration 0011 (the GLM pack): existing single-language GLM names become names in both languages, and back."""
import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from sip.extensions import db
from tests.conftest import load_real_seed


def test_glm_names_become_bilingual_with_french_month_names_and_come_back_on_downgrade(empty_app):
    with empty_app.app_context():
        upgrade()
        load_real_seed()
        db.session.remove()
        downgrade(revision="0010_api_privacy")  # a database as it was: one glm_name per period
        strategy = db.session.execute(text("SELECT id FROM strategy")).scalar()
        db.session.execute(text(
            "INSERT INTO reporting_period (strategy_id, year, quarter, state, glm, glm_name) VALUES "
            "(:s, 2031, 2, 'upcoming', :yes, 'GLM June 2031'), (:s, 2031, 4, 'upcoming', :yes, 'Rome plenary')"),
            {"s": strategy, "yes": True})
        db.session.commit()
        upgrade()
        rows = dict(db.session.execute(text(
            "SELECT quarter, glm_names FROM reporting_period WHERE year = 2031 ORDER BY quarter")).all())
        names = {quarter: json.loads(value) if isinstance(value, str) else value for quarter, value in rows.items()}
        assert names[2] == {"fr": "GLM juin 2031", "en": "GLM June 2031"}
        assert names[4] == {"fr": "Rome plenary", "en": "Rome plenary"}  # kept in both, for the secretariat to translate
        assert "glm_highlights" in db.inspect(db.engine).get_table_names()
        db.session.remove()
        downgrade(revision="0010_api_privacy")
        back = dict(db.session.execute(text(
            "SELECT quarter, glm_name FROM reporting_period WHERE year = 2031 ORDER BY quarter")).all())
        assert back == {2: "GLM June 2031", 4: "Rome plenary"}
        db.session.remove()
        upgrade()
