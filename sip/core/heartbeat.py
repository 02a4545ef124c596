"""The background worker's heartbeat: each worker writes the time in its row of `worker_heartbeat` at every sweep
(sip/core/queue.py), so that /healthz, /metrics and `sip doctor` can say whether mail and the daily jobs run."""
import os
import socket
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select, update

from sip.core.database import intending_to_write
from sip.core.models import WorkerHeartbeat, utcnow
from sip.extensions import db


def worker_name() -> str:
    """This process as a worker: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def beat(name: str | None = None, now: datetime | None = None) -> None:
    """Record that this worker is alive now (its own row; committed at once)."""
    name = name or worker_name()
    now = now or utcnow()
    with intending_to_write():
        updated = db.session.execute(update(WorkerHeartbeat).where(WorkerHeartbeat.worker == name)
                                     .values(beat_at=now).execution_options(synchronize_session=False)).rowcount
        if not updated:
            db.session.add(WorkerHeartbeat(worker=name, started_at=now, beat_at=now))
        db.session.commit()


def stopped(name: str | None = None) -> None:
    """Forget this worker's row when it stops cleanly (a killed one's row simply grows old)."""
    with intending_to_write():
        db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.worker == (name or worker_name())))
        db.session.commit()


def last_beat() -> datetime | None:
    """When any worker last said it was alive (UTC), or None if none ever did."""
    when = db.session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
    if when is not None and when.tzinfo is None:  # SQLite gives back naive datetimes
        when = when.replace(tzinfo=timezone.utc)
    return when


def age_seconds(when: datetime, now: datetime | None = None) -> float:
    """Seconds since `when`."""
    return max(((now or utcnow()) - when).total_seconds(), 0.0)


def is_alive(when: datetime | None, stale_seconds: int, now: datetime | None = None) -> bool:
    """Whether a heartbeat at `when` is recent enough to say a worker runs."""
    return when is not None and (now or utcnow()) - when <= timedelta(seconds=stale_seconds)
