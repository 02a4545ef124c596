"""Home page, health check and error pages."""
from sip import create_app
from sip.config import TestConfig

from tests.helpers import page_text


def test_healthz_reports_a_working_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"  # migrations and worker: tests/ops/test_health.py


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path):
    broken = create_app(TestConfig(f"sqlite:///{tmp_path / 'missing-dir' / 'db.sqlite'}"))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_home_page_without_a_plan_says_how_to_load_one(client):
    assert "sip setup" in page_text(client.get("/?lang=en"))


def test_error_pages_show_no_traceback(app, client):
    def boom():
        raise RuntimeError("secret internals")

    app.add_url_rule("/_boom", "boom", boom)
    response = client.get("/_boom?lang=en")
    html = page_text(response)
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert "secret internals" not in html and "Traceback" not in html


def test_a_database_without_tables_answers_503_with_what_to_do(empty_app):
    response = empty_app.test_client().get("/plan?lang=en")
    assert response.status_code == 503
    assert "sip setup" in page_text(response)
