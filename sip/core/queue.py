"""The task queue (huey): delivers the outbox right after a commit, sweeps it every minute, runs periodic jobs.

SIP_QUEUE_URL chooses huey's storage: `sqlite:///instance/queue.sqlite` (the default, a file beside the database;
a relative path is taken from the project folder), `redis://host:6379/0` (RedisHuey; needs `pip install redis`),
`postgresql://…` (PostgresHuey, through psycopg 3), or `off` (no queue: nothing is enqueued after a commit; the
tests use this and call `sip.core.outbox.deliver_due()` themselves).

`flask --app app sip worker` runs huey's consumer (`run_worker`): worker threads execute the tasks; its scheduler
enqueues the outbox sweep every SIP_WORKER_SWEEP_SECONDS and the periodic jobs that domains register with
`@periodic("0 7 * * *")`. The huey instance is made per app, on first use, after every domain has registered its
jobs; each task runs in that app's context.
"""
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from flask import Flask, current_app

from sip.config import ROOT, ConfigError

log = logging.getLogger(__name__)
EXTENSION = "sip_queue"
_lock = threading.Lock()


@dataclass
class PeriodicJob:
    """A job a domain wants run on a schedule by the worker."""

    name: str
    cron: str | Callable[[dict], str | None]  # "minute hour day month weekday" (UTC), or config -> cron / None
    function: Callable[[], object]


PERIODIC: list[PeriodicJob] = []
TASKS: dict[str, Callable] = {}  # name -> function: work a domain hands to the worker with enqueue(name, ...)


def task(name: str):
    """Decorator: a function the worker runs, inside the app context, when `enqueue(name, *args)` asks for it. The
    module must be imported when the app is made (from the domain's init_app), in the web servers and the worker."""
    def decorate(function):
        TASKS[name] = function
        return function
    return decorate


def enqueue(name: str, *args) -> bool:
    """Hand a registered task to the worker; False when the queue is off (the caller then does the work itself)."""
    queue = get_queue()
    if queue is None:
        return False
    queue.tasks[name](*args)
    return True


def periodic(cron, *, name: str | None = None):
    """Decorator: run the function on a cron schedule in the worker, inside the app context.

    `cron` is "minute hour day month weekday" in UTC, e.g. "0 7 * * *" for every day at 07:00; or a function
    of the app's config returning such a string, or None / "off" to leave the job out. The module must be
    imported when the app is made (from the domain's init_app) for the worker to know the job.
    """
    def decorate(function):
        job_name = name or f"{function.__module__}.{function.__name__}"
        PERIODIC[:] = [job for job in PERIODIC if job.name != job_name] + [PeriodicJob(job_name, cron, function)]
        return function
    return decorate


class Queue:
    """An app's huey instance with its tasks: `deliver(ids)` and `sweep()` enqueue work for the worker."""

    def __init__(self, app: Flask, huey):
        from huey import crontab

        from sip.core import heartbeat, outbox

        self.huey = huey

        @huey.task(name="sip.deliver")
        def deliver(ids: list[int]):
            with app.app_context():
                outbox.deliver(ids)

        @huey.periodic_task(lambda _when: True, name="sip.sweep")  # every scheduler round: see run_worker
        def sweep():
            with app.app_context():
                heartbeat.beat()  # /healthz and `sip doctor` read it: the worker is alive and its scheduler turns
                outbox.deliver_due()

        self.deliver, self.sweep, self.jobs = deliver, sweep, {}
        self.tasks = {name: huey.task(name=f"sip.task.{name}")(_with_context(app, function))
                      for name, function in TASKS.items()}
        for job in PERIODIC:
            cron = job.cron(app.config) if callable(job.cron) else job.cron
            if not cron or str(cron).strip().lower() == "off":
                continue
            fields = str(cron).split()
            if len(fields) != 5:
                raise ConfigError(f"The schedule of {job.name} must have five fields (it is {cron!r}).")
            self.jobs[job.name] = huey.periodic_task(_once_a_minute(crontab(*fields)), name=f"sip.{job.name}")(
                _in_context(app, job.function))


def _once_a_minute(matches):
    """A crontab test that says yes at most once per matching minute (the scheduler may look several times)."""
    last = []

    def validate(when) -> bool:
        minute = when.replace(second=0, microsecond=0)
        if matches(when) and minute not in last:
            last[:] = [minute]
            return True
        return False
    return validate


def _in_context(app: Flask, function):
    """The job, run inside the app's context (a worker thread has none)."""
    def run():
        with app.app_context():
            return function()
    run.__name__ = function.__name__
    return run


def _with_context(app: Flask, function):
    """The task, run with its arguments inside the app's context."""
    def run(*args):
        with app.app_context():
            return function(*args)
    run.__name__ = function.__name__
    return run


def make_huey(url: str, name: str = "sip"):
    """A huey instance on the storage that `url` names (see the module's docstring); results are not kept."""
    import huey

    options = {"results": False, "utc": True}
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        path = path if path.is_absolute() else ROOT / path
        path.parent.mkdir(parents=True, exist_ok=True)
        return huey.SqliteHuey(name, filename=str(path), **options)
    if url.startswith(("redis://", "rediss://", "unix://")):
        try:
            import redis  # noqa: F401  huey needs it for Redis; say so plainly
        except ImportError as error:
            raise ConfigError("SIP_QUEUE_URL is a Redis URL: install the client with `pip install redis`.") from error
        return huey.RedisHuey(name, url=url, **options)
    if url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        dsn = "postgresql://" + url.split("://", 1)[1]
        return huey.PostgresHuey(name, dsn=dsn, **options)
    if url == "memory://":
        return huey.MemoryHuey(name, **options)
    raise ConfigError(f"SIP_QUEUE_URL must start with sqlite:///, redis://, postgresql:// or be 'off' (it is {url!r}).")


def get_queue(app: Flask | None = None) -> Queue | None:
    """The app's queue, made on first use; None when SIP_QUEUE_URL is off."""
    app = app or current_app._get_current_object()
    if EXTENSION not in app.extensions:
        with _lock:
            if EXTENSION not in app.extensions:
                url = (app.config.get("SIP_QUEUE_URL") or "off").strip()
                app.extensions[EXTENSION] = None if url.lower() == "off" else Queue(app, make_huey(url))
    return app.extensions[EXTENSION]


def dispatch(ids: list[int]) -> None:
    """Ask the worker to deliver these committed outbox rows now (nothing when the queue is off)."""
    queue = get_queue()
    if queue is not None:
        queue.deliver(list(ids))


def _consumer(huey, *, workers: int, periodic_seconds: int):
    """huey's consumer (threads) whose scheduler looks for periodic work every `periodic_seconds`, not every 60."""
    from huey.consumer import Consumer

    class SipConsumer(Consumer):
        def _create_scheduler(self):
            scheduler = super()._create_scheduler()
            scheduler.periodic_task_seconds = periodic_seconds
            return scheduler

    return SipConsumer(huey, workers=workers, periodic=True, worker_type="thread", scheduler_interval=1,
                       initial_delay=0.1, max_delay=1.0)


def run_worker(app: Flask, threads: int | None = None) -> None:
    """Run the worker in the foreground until SIGINT (finish the tasks in hand) or SIGTERM: huey's consumer with
    `threads` worker threads, the sweep every SIP_WORKER_SWEEP_SECONDS and every registered periodic job."""
    queue = get_queue(app)
    if queue is None:
        raise ConfigError("SIP_QUEUE_URL is off: there is no queue for a worker to run.")
    seconds = int(app.config.get("SIP_WORKER_SWEEP_SECONDS", 60))
    if seconds < 1 or seconds > 60 or 60 % seconds:
        raise ConfigError(f"SIP_WORKER_SWEEP_SECONDS must divide 60 (1, 2, 5, 10, 15, 20, 30 or 60; it is {seconds}).")
    huey_log = logging.getLogger("huey")  # the consumer says when it starts, what it runs and what failed
    huey_log.setLevel(logging.INFO)
    if not huey_log.hasHandlers():
        for handler in app.logger.handlers:  # the app's own format (JSON in production) and redaction
            huey_log.addHandler(handler)
    consumer = _consumer(queue.huey, workers=threads or int(app.config.get("SIP_WORKER_THREADS", 2)),
                              periodic_seconds=seconds)
    queue.sweep()  # at start: whatever waited while the worker was down, and rows a dead worker left 'sending'
    try:
        consumer.run()
    finally:
        from sip.core import heartbeat

        with app.app_context():
            try:
                heartbeat.stopped()  # a clean stop says so at once; /healthz then reports no worker
            except Exception:  # the database may be what stopped us
                log.warning("could not remove this worker's heartbeat", exc_info=True)
