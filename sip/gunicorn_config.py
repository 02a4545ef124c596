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
Logs go to standard output (access) and standard error (the rest), one JSON object per line, gunicorn's own lines
included (`logconfig_dict`, see sip.core.logs); SIP_LOG_FORMAT=text keeps gunicorn's plain lines.

Settings come from the environment, after the settings file named by SIP_ENV_FILE (sip.config.load_environment_file:
the same file, read the same way, as the worker, the scheduled jobs and the command line).

gunicorn 25+ opens a control socket, by default `$HOME/.gunicorn/gunicorn.ctl`: two servers of one user on one host
would share it, and the first to stop would delete the other's. Each server gets its own under the instance folder,
named after its address (SIP_CONTROL_SOCKET=off turns it off, or names another path).

With several workers, each keeps its own request metrics; prometheus-client's multiprocess mode adds them up from
files in PROMETHEUS_MULTIPROC_DIR (one folder per server under the instance folder, emptied when it starts).
"""
import os
import re
import shutil
from pathlib import Path

from sip.config import instance_folder, load_environment_file

load_environment_file()

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
# gunicorn believes X-Forwarded-Proto (https behind nginx) only from these addresses.
forwarded_allow_ips = os.environ.get("SIP_FORWARDED_ALLOW_IPS", "127.0.0.1")
if (os.environ.get("SIP_LOG_FORMAT") or "json").lower() == "json":
    from sip.core.logs import gunicorn_logconfig

    logconfig_dict = gunicorn_logconfig()

_instance = instance_folder()
_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", bind).strip("-")  # one per server address: two servers, two sockets
_control = os.environ.get("SIP_CONTROL_SOCKET", "").strip()
if _control.lower() in ("off", "0", "no"):
    control_socket_disable = True
else:
    control_socket = _control or str(_instance / f"gunicorn-{_name}.ctl")
    if len(control_socket) > 100:  # a Unix socket's path has room for about 107 bytes
        control_socket_disable = True
_metrics = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_instance / f"metrics-{_name}")))


def on_starting(server):
    """Before the workers: refuse to start when the database does not answer (one line, no traceback), and start
    the request metrics afresh (the files of the previous run are of dead processes)."""
    from app import app
    from sip.core.doctor import require_database

    require_database(app)  # ConfigError is a RuntimeError: gunicorn prints "Error: …" and exits 1
    shutil.rmtree(_metrics, ignore_errors=True)
    _metrics.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    """A worker's metrics stay counted after it exits; its live gauges go (prometheus-client's multiprocess mode)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_fork(server, worker):
    """A forked worker starts with an empty connection pool of its own (connections are not shared across forks)."""
    from app import app
    from sip.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
