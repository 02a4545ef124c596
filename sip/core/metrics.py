"""`/metrics` in Prometheus text format (prometheus-client), for the addresses in SIP_METRICS_ALLOW only.

What it counts: requests and their latency per route and status (in every gunicorn worker: with several workers,
sip/gunicorn_config.py sets PROMETHEUS_MULTIPROC_DIR and the client adds up their files), export files served, and,
read from the database at each scrape so that every process tells the same, the outbox by state (queue depth, mail
sent and failed), the task queue's length and the age of the worker's last heartbeat.
"""
import ipaddress
import os
import time

from flask import Blueprint, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

bp = Blueprint("metrics", __name__)

REQUESTS = Counter("sip_http_requests", "HTTP requests answered, by method, route and status.",
                   ["method", "endpoint", "status"])
LATENCY = Histogram("sip_http_request_duration_seconds", "Time spent answering a request, by method and route.",
                    ["method", "endpoint"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
EXPORTS = Counter("sip_exports", "Export files served (report pack, workbooks, CSV), by route.", ["endpoint"])


def allowed(address: str | None, allow: tuple[str, ...]) -> bool:
    """Whether a client address is one of the allowed addresses or networks (SIP_METRICS_ALLOW)."""
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    for entry in allow:
        try:
            if client in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


class DatabaseCollector:
    """What the database says at scrape time: mail in the outbox by state, task queue, worker heartbeat."""

    def collect(self):
        from sqlalchemy import func, select

        from sip.core import heartbeat
        from sip.core.models import OutboxMail
        from sip.extensions import db

        outbox = GaugeMetricFamily("sip_outbox_mails", "E-mails in the outbox by state (queued and sending: the "
                                   "queue depth; sent and failed: totals kept).", labels=["state"])
        counts = dict(db.session.execute(select(OutboxMail.state, func.count()).group_by(OutboxMail.state)).all())
        for state in ("queued", "sending", "sent", "failed"):
            outbox.add_metric([state], counts.get(state, 0))
        yield outbox
        beat = heartbeat.last_beat()
        age = GaugeMetricFamily("sip_worker_heartbeat_age_seconds", "Seconds since a worker last said it was alive "
                                "(NaN: never).")
        age.add_metric([], heartbeat.age_seconds(beat) if beat else float("nan"))
        yield age
        db.session.rollback()
        from sip.core.queue import get_queue

        try:
            queue = get_queue()
            pending = queue.huey.pending_count() if queue is not None else 0
        except Exception:  # noqa: BLE001  the queue's storage being away is itself what the gauge shows
            pending = float("nan")
        tasks = GaugeMetricFamily("sip_task_queue_length", "Tasks waiting in the worker's queue.")
        tasks.add_metric([], pending)
        yield tasks


def scrape() -> bytes:
    """The metrics of every web process (or this one) and of the database, as Prometheus text."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    database = CollectorRegistry(auto_describe=False)
    database.register(DatabaseCollector())
    return generate_latest(processes) + generate_latest(database)


@bp.get("/metrics")
def metrics():
    """Prometheus metrics, for the monitoring server's address only (404 to anyone else)."""
    if not allowed(request.remote_addr, tuple(current_app.config.get("SIP_METRICS_ALLOW", ()))):
        abort(404)
    return Response(scrape(), mimetype=CONTENT_TYPE_LATEST)


def install(app) -> None:
    """Time and count every request, and serve /metrics."""
    app.register_blueprint(bp)

    @app.before_request
    def _start_clock():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response):
        started = g.pop("metrics_started", None)
        endpoint = request.url_rule.endpoint if request.url_rule is not None else "none"
        if started is not None and endpoint != "metrics.metrics":
            REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
            LATENCY.labels(request.method, endpoint).observe(time.perf_counter() - started)
            if endpoint.startswith("exports.") and response.status_code == 200:
                EXPORTS.labels(endpoint).inc()
        return response
