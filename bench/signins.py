"""Sign-ins during report saves (issue 19, finding 7): 75 simultaneous sign-ins while a lead saves a report draft.

Run: `.venv/bin/python bench/signins.py` (`--help` for options). For each database (SQLite, and PostgreSQL when
`--postgres URL` names a server: a scratch database `<name>_signins` is created on it and dropped afterwards), it
prepares the real plan and an open quarter (tests/hardening/servers.py), gives 75 more people and the lead a password
hashed with the production argon2 settings, and starts gunicorn with the production settings (sip/gunicorn_config.py:
one worker per core, 4 threads, preloaded app). Then:

- floor: the lead saves the report draft `--saves` times in a row, nobody else on the server;
- load: `--waves` times, 75 threads each GET the login page, wait for one another, and POST /login at the same
  moment (one in two with a wrong password, each from its own client address through X-Forwarded-For, the server
  trusting one proxy), while the lead saves the draft again and again.

It reports the statuses, the server errors (status 0 or 5xx: must be 0), the saves' p50/p95 (floor and under load)
and the sign-ins' p50/p95. `--mode before` serves `before_app()`: the same app with argon2 run inside the request's
write transaction, as it was before finding 7 was closed (the sign-in throttle's other changes are not undone), to
measure what the change is worth in the same run. Exit status 1 when the current code ("after") had a server error.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import statistics
import subprocess  # nosec B404: starting gunicorn is what this script is for
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: bench/ is on the path, the project is not
    sys.path.insert(0, str(ROOT))

from tests.hardening.servers import (  # noqa: E402
    PASSWORD,
    Browser,
    ReportPage,
    complete_report,
    csrf_token,
    drop_postgres_database,
    free_port,
    prepare_database,
    scratch_postgres_database,
    wait_for,
)

GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PEOPLE = 75
SLUG = "wg-training"
WRONG = "not the password of anyone here"


def before_app():
    """The app as it was before finding 7: argon2 runs inside the request's transaction (SQLite's write lock held)."""
    from app import app
    from sip.accounts import services

    @contextlib.contextmanager
    def inside_the_transaction():
        yield

    services._outside_write_transaction = inside_the_transaction
    return app


# --- set-up -----------------------------------------------------------------------------------------------------


def prepare(url: str) -> dict:
    """The plan, an open quarter, the lead, and PEOPLE more people; every password hashed as in production."""
    from argon2 import PasswordHasher
    from sqlalchemy import update

    from sip import create_app
    from sip.accounts.models import User
    from sip.config import TestConfig
    from sip.extensions import db

    prepared = prepare_database(url)
    production_hash = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PASSWORD)
    app = create_app(TestConfig(url))
    with app.app_context():
        people = [f"signin{n:02d}@example.org" for n in range(PEOPLE)]
        db.session.add_all(User(email=email, name=f"Person {n}") for n, email in enumerate(people))
        db.session.flush()
        db.session.execute(update(User).values(password_hash=production_hash))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return {"period": prepared.period, "lead": prepared.people[f"lead:{SLUG}"], "people": people}


class Server:
    """gunicorn with the production settings on a loopback port, serving `app:app` or the bench's before_app()."""

    def __init__(self, url: str, mode: str, workdir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        target = {"after": "app:app", "before": "bench.signins:before_app()"}.get(mode, mode)
        env = {key: value for key, value in os.environ.items() if not key.startswith(("SIP_", "FLASK_"))}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        env.update(SIP_DATABASE_URL=url, SECRET_KEY="bench-signins-" + "x" * 40, SIP_ENV="development",
                   SIP_INSTANCE_PATH=str(workdir), SIP_BASE_URL=self.url, SIP_BIND=f"127.0.0.1:{self.port}",
                   SIP_TRUSTED_PROXIES="1", PYTHONDONTWRITEBYTECODE="1")
        self.log = open(workdir / f"gunicorn-{self.port}.log", "wb")
        self.process = subprocess.Popen(  # nosec B603
            [str(GUNICORN), "-c", "python:sip.gunicorn_config", "--access-logfile", "/dev/null", target],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(self.url + "/healthz", timeout=60)

    def stop(self) -> None:
        """Stop gunicorn (TERM, then KILL)."""
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


# --- the load ---------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What the threads saw."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    errors: list = field(default_factory=list)
    save_ms: list = field(default_factory=list)
    signin_ms: list = field(default_factory=list)

    def seen(self, what: str, answer, started: float) -> None:
        """Count one timed answer."""
        elapsed = (time.monotonic() - started) * 1000
        with self.lock:
            self.statuses[f"{what} {answer.status}"] += 1
            if answer.status == 0 or answer.status >= 500:
                self.errors.append(f"{what}: {answer.status} {answer.error or answer.text[:120]}")
            (self.save_ms if what == "save" else self.signin_ms).append(elapsed)


def save_once(browser: Browser, path: str, tally: Tally, n: int) -> None:
    """Read the report and save its draft (only the POST is timed)."""
    answer = browser.get(path)
    if answer.status != 200:
        tally.seen("read", answer, time.monotonic())
        return
    page = ReportPage.read(answer.text)
    data = complete_report(page, f"Bench summary, save {n}.", f"Achievements, save {n}.", action="save")
    started = time.monotonic()
    tally.seen("save", browser.post(path, data), started)


def saver(server: Server, setup: dict, tally: Tally, *, count: int | None = None, until: threading.Event | None = None):
    """The lead saving the draft `count` times, or until the event is set."""
    browser = Browser(server.url, timeout=120)
    browser.sign_in(setup["lead"])
    path = f"/reports/{setup['period']}/{SLUG}"
    n = 0
    while (count is not None and n < count) or (until is not None and not until.is_set()):
        n += 1
        save_once(browser, path, tally, n)


def signer(server: Server, email: str, address: str, right: bool, barrier: threading.Barrier, tally: Tally) -> None:
    """One person: open the login page, wait for everyone, sign in."""
    browser = Browser(server.url, timeout=120)
    token = csrf_token(browser.get("/login").text)
    barrier.wait()
    started = time.monotonic()
    answer = browser.request("POST", "/login", {"email": email, "password": PASSWORD if right else WRONG,
                                                "csrf_token": token}, headers={"X-Forwarded-For": address})
    tally.seen("sign-in", answer, started)


def measure(server: Server, setup: dict, options, saving: Server | None = None) -> dict:
    """The floor (saves alone), then waves of simultaneous sign-ins during saves (on `saving` when given)."""
    saving = saving or server
    floor = Tally()
    saver(saving, setup, floor, count=options.saves)
    loaded = Tally()
    done = threading.Event()
    lead = threading.Thread(target=saver, args=(saving, setup, loaded), kwargs={"until": done})
    lead.start()
    started = time.monotonic()
    for wave in range(options.waves):
        barrier = threading.Barrier(PEOPLE)
        people = [threading.Thread(target=signer, args=(server, email, f"10.{wave}.{n // 200}.{n % 200 + 1}",
                                                        n % 2 == 0, barrier, loaded))
                  for n, email in enumerate(setup["people"])]
        for person in people:
            person.start()
        for person in people:
            person.join()
    done.set()
    lead.join()
    return {"floor": floor, "loaded": loaded, "seconds": time.monotonic() - started}


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0 when empty)."""
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def line(database: str, mode: str, result: dict) -> str:
    """One Markdown table row."""
    floor, loaded = result["floor"], result["loaded"]
    errors = len(floor.errors) + len(loaded.errors)
    statuses = ", ".join(f"{key}×{count}" for key, count in sorted(loaded.statuses.items()))
    return (f"| {database} | {mode} | {errors} | {percentile(floor.save_ms, 50):.0f} / {percentile(floor.save_ms, 95):.0f} "
            f"| {len(loaded.save_ms)} | {percentile(loaded.save_ms, 50):.0f} / {percentile(loaded.save_ms, 95):.0f} "
            f"| {percentile(loaded.signin_ms, 50):.0f} / {percentile(loaded.signin_ms, 95):.0f} | {statuses} |")


HEADER = ("| database | code | server errors | floor: save p50 / p95 ms | saves under load | save p50 / p95 ms "
          "| sign-in p50 / p95 ms | statuses under load |\n|---|---|---|---|---|---|---|---|")


def run(options) -> int:
    """Every database × mode; prints the table; 1 when the current code had a server error."""
    rows, failed = [], False
    databases = ["sqlite"] + (["postgresql"] if options.postgres else [])
    for database in databases:
        workdir = Path(tempfile.mkdtemp(prefix="sip-signins-"))
        if database == "sqlite":
            url = f"sqlite:///{workdir / 'signins.sqlite'}"
        else:
            from sqlalchemy import make_url

            url = scratch_postgres_database(options.postgres, f"{make_url(options.postgres).database}_signins")
        try:
            setup = prepare(url)
            for mode in options.modes:
                server = Server(url, mode, workdir)
                saving = Server(url, mode, workdir) if options.separate else None
                try:
                    result = measure(server, setup, options, saving)
                finally:
                    server.stop()
                    if saving:
                        saving.stop()
                rows.append(line(database, mode + (" (saves on a 2nd server)" if saving else ""), result))
                print(rows[-1], flush=True)
                for error in (result["floor"].errors + result["loaded"].errors)[:5]:
                    print("   ", error.splitlines()[0], flush=True)
                failed |= mode == "after" and bool(result["floor"].errors or result["loaded"].errors)
        finally:
            if database != "sqlite":
                drop_postgres_database(url)
    print()
    print(f"{PEOPLE} simultaneous sign-ins × {options.waves} waves during saves; floor: {options.saves} saves alone.")
    print(HEADER)
    print("\n".join(rows))
    return 1 if failed else 0


def parse_args(argv):
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waves", type=int, default=3, help="waves of 75 simultaneous sign-ins (default 3)")
    parser.add_argument("--saves", type=int, default=30, help="saves of the floor (default 30)")
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("SIP_TEST_POSTGRES_URL"),
                        help="also run on PostgreSQL: a scratch database is made on this URL's server")
    parser.add_argument("--mode", dest="modes", action="append",
                        help="code to measure: before, after, or a gunicorn app target (module:app or module:factory(),"
                             " e.g. to try a patch); repeat for several (default: before and after)")
    parser.add_argument("--separate", action="store_true",
                        help="the lead saves through a second gunicorn on the same database, so that the saves wait "
                             "for the database only, not for a thread of a server busy with argon2")
    options = parser.parse_args(argv)
    options.modes = options.modes or ["before", "after"]
    return options


if __name__ == "__main__":
    sys.exit(run(parse_args(sys.argv[1:])))
