"""/healthz (database, migrations, the worker's heartbeat), /metrics (Prometheus text, for configured addresses only)
and the heartbeat the worker's sweep writes."""
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from sip.core import heartbeat, outbox
from sip.core.models import WorkerHeartbeat, utcnow
from sip.extensions import db

# The access matrix (tests/test_access.py): /metrics answers every role from an allowed address (the test client's
# 127.0.0.1); tests below check it answers nobody from anywhere else.
MATRIX = [
    ("metrics.metrics", "GET", "/metrics", None, dict.fromkeys(
        ["anonymous", "viewer", "wg_member", "other_lead", "wg_lead", "sag", "secretariat"], 200)),
]


def beat_at(app, seconds_ago: int) -> None:
    """A worker's heartbeat, that long ago."""
    with app.app_context():
        heartbeat.beat("worker-host:1", now=utcnow() - timedelta(seconds=seconds_ago))
        db.session.remove()


def test_health_says_the_worker_is_alive_after_a_recent_heartbeat(app, client):
    beat_at(app, 5)
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["worker"]["alive"] is True
    assert 4 <= health["worker"]["age_seconds"] <= 60


def test_health_is_degraded_but_up_when_the_worker_stopped_beating(app, client):
    beat_at(app, 3600)
    response = client.get("/healthz")
    assert response.status_code == 200  # pages work; mail waits in the outbox
    assert response.get_json()["status"] == "degraded" and response.get_json()["worker"]["alive"] is False


def test_health_with_no_worker_ever_says_so(client):
    health = client.get("/healthz").get_json()
    assert health["worker"] == {"alive": False, "last_heartbeat": None, "age_seconds": None}


def test_health_answers_503_when_the_database_is_at_another_migration_than_the_code(app, versioned, client):
    from sqlalchemy import text

    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)"))
            connection.execute(text("DELETE FROM alembic_version"))
            connection.execute(text("INSERT INTO alembic_version VALUES ('0007_mail_security_inbox')"))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["migrations"]["state"] == "mismatch"
    assert response.get_json()["migrations"]["database"] == "0007_mail_security_inbox"


def test_health_says_the_migrations_are_at_the_codes_head(app, versioned, client):
    from sqlalchemy import text

    from sip.core.doctor import code_head

    head = code_head(app.extensions["migrate"].directory)
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32) NOT NULL)"))
            connection.execute(text("DELETE FROM alembic_version"))
            connection.execute(text("INSERT INTO alembic_version VALUES (:head)"), {"head": head})
    assert client.get("/healthz").get_json()["migrations"] == {"state": "at head", "database": head, "code": head}


def test_the_workers_sweep_writes_its_heartbeat_and_a_clean_stop_removes_it(app):
    from sip.core.queue import Queue, make_huey

    with app.app_context():
        queue = Queue(app, make_huey("memory://", name="heartbeat-test"))
        queue.sweep.call_local()
        rows = db.session.query(WorkerHeartbeat).all()
        assert len(rows) == 1 and heartbeat.is_alive(heartbeat.last_beat(), 180)
        heartbeat.stopped()
        assert heartbeat.last_beat() is None


# --- /metrics ---------------------------------------------------------------------------------------------------


def metrics_of(client) -> dict:
    """The scraped samples, by (name, labels)."""
    text = client.get("/metrics").get_data(as_text=True)
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def test_metrics_count_requests_by_route_and_status_and_tell_the_outbox_and_the_worker(app, client):
    client.get("/healthz")
    client.get("/no-such-page")
    with app.app_context():
        outbox.enqueue("someone@example.org", "Hello", "Body\n", kind="test")
        db.session.commit()
    beat_at(app, 2)
    samples = metrics_of(client)
    assert samples[("sip_http_requests_total", (("endpoint", "core.healthz"), ("method", "GET"),
                                                ("status", "200")))] >= 1
    assert samples[("sip_http_requests_total", (("endpoint", "none"), ("method", "GET"), ("status", "404")))] >= 1
    assert samples[("sip_http_request_duration_seconds_count", (("endpoint", "core.healthz"), ("method", "GET")))] >= 1
    assert samples[("sip_outbox_mails", (("state", "queued"),))] == 1
    assert samples[("sip_outbox_mails", (("state", "failed"),))] == 0
    assert 1 <= samples[("sip_worker_heartbeat_age_seconds", ())] < 60


def test_metrics_count_the_export_files_served(app, client):
    from sip.core import metrics

    app.add_url_rule("/exports/_test.csv", "exports.test_file", lambda: "code,status\n")
    before = metrics.EXPORTS.labels("exports.test_file")._value.get()
    assert client.get("/exports/_test.csv").status_code == 200
    assert metrics.EXPORTS.labels("exports.test_file")._value.get() == before + 1


@pytest.mark.parametrize("address", ["203.0.113.5", "10.0.0.8", "::ffff:203.0.113.5"])
def test_metrics_answer_404_to_an_address_that_is_not_allowed(client, address):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": address}).status_code == 404


def test_metrics_answer_a_configured_network(app, client):
    app.config["SIP_METRICS_ALLOW"] = ("10.0.0.0/8",)
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 404


def test_behind_a_proxy_metrics_see_the_forwarded_client_not_the_proxy(app, database_url):
    from sip import create_app
    from sip.config import TestConfig

    config = TestConfig(database_url)
    config.SIP_TRUSTED_PROXIES = 1
    proxied = create_app(config).test_client()
    assert proxied.get("/metrics", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 404
    assert proxied.get("/metrics").status_code == 200  # straight from 127.0.0.1 (Prometheus on the host)


def test_the_daily_jobs_run_on_the_workers_scheduler_not_on_cron(app):
    from sip.core.queue import Queue, make_huey

    app.config.update(SIP_REMINDERS_CRON="0 7 * * *", SIP_DIGEST_CRON="0 7 * * *", SIP_ANONYMISE_CRON="30 2 * * *")
    with app.app_context():
        jobs = Queue(app, make_huey("memory://", name="scheduler-test")).jobs
    assert {"daily-reminders", "inbox.digests", "privacy.anonymise"} <= set(jobs)
