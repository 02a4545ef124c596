"""Fixtures of the hardening tests: a populated world, database fingerprints, hypothesis settings, real servers."""
import hashlib
import os
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, Phase, settings

from sip.extensions import db
from tests.conftest import DEFAULT_PASSWORD, load_real_seed, log_in  # noqa: F401
from tests.hardening.servers import (
    server_database,  # noqa: F401
    start_gunicorn,  # noqa: F401
    throwaway_postgres,  # noqa: F401
)

# Property tests: SIP_HYPOTHESIS_SCALE=0.2 for a quick look, 5 for a long hunt; 1 keeps tests/hardening within about
# 3 minutes on 2 shared cores. derandomize: CI runs the same examples every time (no flaky red). A failure reports
# the first failing example at once; SIP_HYPOTHESIS_SHRINK=1 shrinks it to the smallest one (which can take minutes).
SCALE = float(os.environ.get("SIP_HYPOTHESIS_SCALE", "1"))
PHASES = [Phase.explicit, Phase.generate] + ([Phase.shrink] if os.environ.get("SIP_HYPOTHESIS_SHRINK") == "1" else [])
settings.register_profile(
    "hardening", deadline=None, derandomize=True, print_blob=True, database=None, phases=PHASES,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def examples(count: int) -> settings:
    """Hypothesis settings for `count` examples (times SIP_HYPOTHESIS_SCALE)."""
    return settings(settings.get_profile("hardening"), max_examples=max(1, int(count * SCALE)))


# --- what the database holds --------------------------------------------------------------------------------------


def fingerprint(exclude: tuple[str, ...] = ()) -> dict[str, tuple[int, str]]:
    """(row count, hash of the sorted rows) of every table: equal fingerprints mean an unchanged database.

    Fast enough to run around each of several thousand requests: on SQLite the rows are read as the driver returns
    them (no type conversion); on PostgreSQL the server hashes every table in one query.
    """
    names = [table.name for table in db.metadata.sorted_tables if table.name not in exclude]
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            query = " UNION ALL ".join(
                f"SELECT '{name}', count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                f'FROM "{name}" t' for name in names)
            return {name: (count, digest) for name, count, digest in conn.exec_driver_sql(query)}
        result = {}
        for name in names:
            rows = sorted(map(repr, conn.exec_driver_sql(f'SELECT * FROM "{name}"').fetchall()))
            result[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return result


def fingerprint_of(app, exclude: tuple[str, ...] = ()) -> dict[str, tuple[int, str]]:
    """fingerprint() in an application context of its own."""
    with app.app_context():
        return fingerprint(exclude)


def changed_tables(before: dict, after: dict) -> list[str]:
    """The tables whose rows differ."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


# --- what a refusal must show -------------------------------------------------------------------------------------

MESSAGE_MARKERS = re.compile(r'class="(?:[^"]* )?(?:error|flash-error)(?: [^"]*)?"|role="alert"|<h1>\s*\d{3} ·')


def shows_a_message(response) -> bool:
    """True when a refusal tells the reader something: a field error, an alert, or an error page."""
    if response.status_code in (301, 302, 303):
        return True  # sent elsewhere (to sign in, or back to the page with a flash message)
    text = response.get_data(as_text=True)
    if response.status_code in (404, 410) and "<h1>" in text:
        return True  # "no such page" and "link no longer valid" pages explain themselves
    if response.mimetype == "application/json":
        return '"error"' in text
    if response.mimetype == "text/plain":
        return bool(text.strip())
    return bool(MESSAGE_MARKERS.search(text))


# --- a populated application ----------------------------------------------------------------------------------------

ROLES = {
    "viewer": [],
    "wg_member": [("wg-training", "member")],
    "wg_lead": [("wg-training", "lead")],
    "other_lead": [("wg-partnerships", "lead")],
    "sag": [("sag", "member")],
    "secretariat": [("rome-support-team", "member")],
}
OPEN_PERIOD = "2026-Q4"


@pytest.fixture
def world(app, make_user):
    """The real plan, every quarter, 2026-Q4 open, one person per role (ids), an invitee without a password."""
    from sip.plan.queries import current_strategy
    from sip.reporting.services import ensure_periods, find_period, open_period

    with app.app_context():
        load_real_seed()
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.commit()
        open_period(find_period(strategy, OPEN_PERIOD), date(2027, 1, 15), actor=None, opens_on=date(2026, 10, 1))
        db.session.remove()
    people = {role: make_user(f"{role} person", bodies=memberships) for role, memberships in ROLES.items()}
    people["invitee"] = make_user("Invited Person", password=None)
    return people


_CLIENTS: dict = {}


def signed_in(app, person_id: int):
    """A test client signed in as the person, kept for the examples of one test (signing in costs a hash)."""
    client = _CLIENTS.get(person_id)
    if client is None or client.application is not app:
        if client is not None and client.application is not app:
            _CLIENTS.clear()  # a new test, a new app: the clients of the previous one are of no use
        client = app.test_client()
        log_in(client, person_id)
        _CLIENTS[person_id] = client
    return client


@pytest.fixture
def no_mail(monkeypatch):
    """E-mails are collected instead of sent."""
    from tests.smtp import capture_queued

    return capture_queued(monkeypatch)  # e-mails are only queued in the outbox; nothing is sent
