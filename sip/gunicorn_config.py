"""gunicorn settings for production: `gunicorn -c python:sip.gunicorn_config app:app`.

Workers and threads. The app is mostly CPU-bound Python (templates, pandas for the dashboards) with short waits on
the database, so it runs one worker process per core (`SIP_WORKERS`, default: the cores this process may use) and
a few threads in each (`SIP_THREADS`, default 4) to overlap those waits and slow clients on field connections
without the memory of more processes. Every worker is interchangeable: sessions live in signed cookies, login
throttling counts in the database, and the cached dashboard parts are checked against the database on every
request, so several servers can run this behind one load balancer on one PostgreSQL.

The app is loaded once in the master before the workers are forked (`preload_app`): a new or recycled worker
starts at once instead of importing everything again, and the workers share the loaded code's memory. No database
connection is opened before the fork, and each worker drops any pooled connection it inherited (`post_fork`).
Each worker is recycled after `max_requests` requests (with jitter, so they do not all restart at once), which
caps slow memory growth; a request that takes longer than `timeout` seconds is killed and the worker replaced.
Logs go to standard output and standard error, one JSON object per line (see sip.core.logs).
"""
import os

bind = os.environ.get("SIP_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SIP_WORKERS", len(os.sched_getaffinity(0))))
threads = int(os.environ.get("SIP_THREADS", 4))
worker_class = "gthread"
timeout = int(os.environ.get("SIP_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
preload_app = True
max_requests = 20000
max_requests_jitter = 2000
accesslog = "-"
errorlog = "-"
# One JSON object per request: time, method, path without its query string, status, bytes, duration, remote
# address. Query strings are left out: they may carry search words; the app redacts account-link tokens anyway.
access_log_format = (
    '{"time": "%(t)s", "kind": "access", "method": "%(m)s", "path": "%(U)s", "status": %(s)s, '
    '"bytes": "%(B)s", "duration_ms": %(M)s, "remote": "%(h)s"}'
)
forwarded_allow_ips = os.environ.get("SIP_FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_fork(server, worker):
    """A forked worker starts with an empty connection pool of its own (connections are not shared across forks)."""
    from app import app
    from sip.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
