"""`sip setup` run by several servers at once on a first deployment: one migrates and loads the plan, the others
wait for the lock (PostgreSQL's advisory lock, or a file lock beside the SQLite database), then find nothing to do.

Runs on the test's database: a SQLite file, or PostgreSQL when SIP_TEST_DATABASE_URL is set.
"""
import os
import subprocess  # nosec B404: `sip setup` as two servers would run it
import sys
import time

from sqlalchemy import func, select

from sip.config import ROOT
from sip.core.maintenance_cli import setup_lock
from sip.extensions import db
from sip.plan.models import Activity, Strategy


def start_setup(database_url: str, tmp_path, name: str):
    """`flask --app app sip setup` in a process of its own, its output to a file."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SIP_", "FLASK_"))}
    env.update(SIP_DATABASE_URL=database_url, SIP_ENV="development", SECRET_KEY="s" * 48, SIP_QUEUE_URL="off",
               SIP_INSTANCE_PATH=str(tmp_path / name))
    output = tmp_path / f"{name}.log"
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "sip", "setup"], cwd=ROOT, env=env,  # nosec
                               stdout=output.open("w"), stderr=subprocess.STDOUT)
    return process, output


def wait_until(condition, seconds: float = 60) -> None:
    """Poll until the condition holds; AssertionError after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_two_setups_at_once_wait_for_each_other_and_load_the_plan_once(empty_app, database_url, tmp_path):
    with empty_app.app_context():
        with setup_lock():  # a first `sip setup` that is still migrating
            runs = [start_setup(database_url, tmp_path, name) for name in ("server-1", "server-2")]
            wait_until(lambda: all("waiting for it to finish" in output.read_text() for _, output in runs))
            assert all(process.poll() is None for process, _ in runs)  # both wait, neither failed
        for process, _ in runs:
            process.wait(timeout=180)
        outputs = [output.read_text() for _, output in runs]
        assert [process.returncode for process, _ in runs] == [0, 0], outputs
        assert "Traceback" not in "".join(outputs)
        assert sum("Loaded the plan" in text for text in outputs) == 1
        assert sum("already loaded" in text for text in outputs) == 1
        db.session.remove()
        assert db.session.scalar(select(func.count()).select_from(Strategy)) == 1
        assert db.session.scalar(select(func.count()).select_from(Activity)) > 40


def test_two_setups_started_together_on_an_empty_database_both_succeed(empty_app, database_url, tmp_path):
    runs = [start_setup(database_url, tmp_path, name) for name in ("server-1", "server-2")]
    for process, _ in runs:
        process.wait(timeout=180)
    outputs = [output.read_text() for _, output in runs]
    assert [process.returncode for process, _ in runs] == [0, 0], outputs
    with empty_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Strategy)) == 1
