"""Fixtures: a fresh app and database per test, clients, builders, query counting, a live server.

The suite runs in parallel (pytest-xdist, `make test`): each worker process has its own databases. On SQLite each
test has its own file anyway; on PostgreSQL each worker gets a database of its own (`sip_test_gw0`, …), derived
from SIP_TEST_DATABASE_URL and created when missing. A fresh database is cheap: the empty schema and the real plan
are built once per worker and copied into each test's database (SQLite's backup API; on PostgreSQL, rows copied
from a snapshot schema), instead of creating every table and loading the seed for every test.
"""
import atexit
import os
import shutil
import sqlite3
import tempfile
import threading
from contextlib import contextmanager

import pytest
from flask import current_app
from sqlalchemy import create_engine, event, make_url, text
from werkzeug.serving import make_server

from seed import load_json
from sip import create_app
from sip.core import database
from sip.config import TestConfig
from sip.extensions import db
from tests.smtp import smtp_server  # noqa: F401

# The xdist worker running this process ("gw0", "gw1", …), or "" when the suite runs in one process.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_database(url: str, worker: str) -> str:
    """The URL of this worker's own database on the server of `url` (`<name>_<worker>`), created when missing."""
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


# Set by `make test` for its second pass; every test then runs on PostgreSQL. Under xdist each worker rewrites the
# variable to its own database before any test module reads it (tests/hardening/servers.py, the bench smoke test).
SERVER_URL = os.environ.get("SIP_TEST_DATABASE_URL")
if SERVER_URL and WORKER:
    SERVER_URL = os.environ["SIP_TEST_DATABASE_URL"] = _worker_database(SERVER_URL, WORKER)
_server_schema_ready = False


# --- URL builders compiled once per process ---------------------------------------------------------------------


def _reuse_url_builders() -> None:
    """Compile each route's URL builder once per process instead of once per app.

    Werkzeug compiles Python code for every rule of every new app (about half of what create_app costs, and each
    test makes a new app). The compiled function depends only on the rule's text, its parsed parts and defaults,
    and reads its converters from the rule it is bound to at call time, so the same function serves every app.
    """
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    compiled: dict = {}

    def reused(self, append_unknown: bool = True):
        defaults = tuple(sorted((key, repr(value)) for key, value in (self.defaults or {}).items()))
        key = (type(self), self.rule, tuple(self._trace), defaults, append_unknown)
        function = compiled.get(key)
        if function is None:
            function = compiled[key] = compile_builder(self, append_unknown)
        return function

    Rule._compile_builder = reused


_reuse_url_builders()


# --- fresh databases ----------------------------------------------------------------------------------------------

_templates: dict[str, str] = {}  # "empty" / "seeded" -> SQLite file of this process
PRISTINE = "sip_test_pristine"  # app.extensions flag: the database is our fresh schema, untouched since


def _template_dir() -> str:
    """A temporary folder of this process for its template databases (removed at exit)."""
    if "dir" not in _templates:
        _templates["dir"] = tempfile.mkdtemp(prefix=f"sip-test-templates-{WORKER or 'main'}-")
        atexit.register(shutil.rmtree, _templates["dir"], True)
    return _templates["dir"]


def _settle(path: str) -> None:
    """Fold a SQLite file's write-ahead log into it, so that the file alone is the whole database."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _sqlite_template(kind: str) -> str:
    """The SQLite file with the empty current schema ("empty") or the real plan loaded ("seeded"), built once."""
    if kind not in _templates:
        path = os.path.join(_template_dir(), f"{kind}.sqlite")
        if kind == "empty":
            application = create_app(TestConfig(f"sqlite:///{path}"))
            with application.app_context():
                db.create_all()
        else:
            shutil.copyfile(_sqlite_template("empty"), path)
            application = create_app(TestConfig(f"sqlite:///{path}"))
            with application.app_context():
                _load_seed_service()
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
        _settle(path)
        _templates[kind] = path
    return _templates[kind]


def _restore_sqlite(kind: str) -> None:
    """Replace the current app's SQLite database by a template (SQLite's online backup, through the app's engine)."""
    db.session.remove()
    source = sqlite3.connect(f"file:{_sqlite_template(kind)}?mode=ro", uri=True)
    target = db.engine.raw_connection()
    try:
        source.backup(target.driver_connection)
    finally:
        target.close()
        source.close()


def _prepare_server_schema() -> None:
    """On PostgreSQL, create the tables once per run (later tests start from emptied tables)."""
    global _server_schema_ready
    if not _server_schema_ready:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.create_all()
        _server_schema_ready = True


def _empty_server_tables() -> None:
    """Empty every table and restart every sequence so that the next test starts from a fresh database.

    DELETE, child tables first, costs about 2 ms on the small tables of a test where TRUNCATE costs about 80 ms
    (it replaces every table's files); TRUNCATE remains the fallback should rows refer to each other in a cycle.
    """
    tables = db.metadata.sorted_tables
    try:
        with db.engine.begin() as conn:
            for table in reversed(tables):
                conn.execute(table.delete())
            conn.execute(text("SELECT setval(c.oid::regclass, 1, false) FROM pg_class c JOIN pg_namespace n "
                              "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = 'public'"))
    except Exception:  # noqa: BLE001  a cycle of foreign keys: empty them all at once
        names = ", ".join(f'"{table.name}"' for table in tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def _fresh_schema() -> None:
    """Every table of the current schema, empty: a copy of the empty template on SQLite, emptied tables on
    PostgreSQL. The database is then marked pristine, so that load_real_seed may copy the seeded template."""
    if SERVER_URL:
        _prepare_server_schema()
        _empty_server_tables()
    else:
        _restore_sqlite("empty")
    current_app.extensions[PRISTINE] = True


def pytest_sessionstart(session):
    """Compile the translation catalogues, so that tests see the current French (once, before any worker starts:
    workers would otherwise rewrite the files that the others are reading)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from sip.core.catalogues import TRANSLATIONS

    if WORKER:
        return
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file)
        partial = po_path.with_suffix(f".mo.{os.getpid()}")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalogue)
        partial.replace(po_path.with_suffix(".mo"))


@pytest.fixture
def database_url(tmp_path) -> str:
    """The database of this test: a new SQLite file, or the PostgreSQL test database."""
    return SERVER_URL or f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def app(database_url):
    """A fresh application with an empty database of the current schema.

    No application context stays pushed: each test-client request gets its own, as in production, so
    nothing cached on `g` leaks from one request to the next. Tests that touch the database directly use
    the `app_ctx` fixture or `with app.app_context():`.
    """
    # A test-client POST of an earlier test leaves its write intent on this thread (a server thread sets it at each
    # request); a test starts without it, as a new request would.
    database.write_intent.set(False)
    if SERVER_URL:
        application = create_app(TestConfig(database_url))
        with application.app_context():
            _fresh_schema()
    else:  # a copy of the empty template, before anything opens the file
        shutil.copyfile(_sqlite_template("empty"), make_url(database_url).database)
        application = create_app(TestConfig(database_url))
        application.extensions[PRISTINE] = True
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def app_ctx(app):
    """An application context for tests that call services or queries directly (not with the client)."""
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def empty_app(database_url):
    """An application whose database has no table at all (for set-up and migration tests)."""
    global _server_schema_ready
    application = create_app(TestConfig(database_url))
    with application.app_context():
        if SERVER_URL:
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            _server_schema_ready = False
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def models():
    """Every model mapped, for tests that build objects without a database (one app for the whole process)."""
    return create_app(TestConfig("sqlite://"))


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


def _load_seed_service() -> None:
    """Load the real plan from seed/ through the service, and commit."""
    from sip.plan.services import load_seed

    load_seed(load_json("plan.json"), load_json("bodies.json"), load_json("commitments.json"), load_json("glossary.json"))
    db.session.commit()


def _all_tables_empty() -> bool:
    """True when no table of the schema holds a row."""
    query = " OR ".join(f'EXISTS (SELECT 1 FROM "{table.name}")' for table in db.metadata.sorted_tables)
    return not db.session.scalar(text(f"SELECT {query}"))


_server_snapshots: dict[str, list] = {}  # PostgreSQL: kind -> its sequences' positions, once its snapshot exists


def _snapshot_schema(kind: str) -> str:
    """The PostgreSQL schema that keeps a built world's rows."""
    return f"sip_snapshot_{kind.replace('-', '_')}"


def _snapshot_server(kind: str) -> None:
    """PostgreSQL: keep a copy of every table as it is now, in a schema of its own, and the sequences' positions."""
    schema = _snapshot_schema(kind)
    with db.engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
        for table in db.metadata.sorted_tables:
            conn.execute(text(f'CREATE TABLE {schema}."{table.name}" AS TABLE public."{table.name}"'))
        names = conn.scalars(text("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                  "WHERE c.relkind = 'S' AND n.nspname = 'public'")).all()
        _server_snapshots[kind] = [(name, *conn.execute(text(f'SELECT last_value, is_called FROM public."{name}"')).one())
                                   for name in names]


def _restore_server(kind: str) -> None:
    """PostgreSQL: copy a snapshot's rows into the empty tables, and the sequences' positions."""
    schema = _snapshot_schema(kind)
    with db.engine.begin() as conn:
        for table in db.metadata.sorted_tables:
            columns = ", ".join(f'"{column.name}"' for column in table.columns)
            conn.execute(text(f'INSERT INTO public."{table.name}" ({columns}) SELECT {columns} FROM {schema}."{table.name}"'))
        for name, value, called in _server_snapshots[kind]:
            conn.execute(text("SELECT setval(:name, :value, :called)"),
                         {"name": f'public."{name}"', "value": value, "called": called})


def built_once(kind: str, build) -> None:
    """The database as `build()` leaves a fresh one (inside an app context): built by the first test of this process
    that asks, then copied for the next ones (SQLite's backup API; PostgreSQL: rows copied from a snapshot schema).
    A database something was written to already is built as asked, without a copy. `build` must leave nothing
    outside the database that the tests read (files, the app's settings): only the rows are copied."""
    pristine = current_app.extensions.get(PRISTINE, False)
    session = db.session
    if not pristine or session.new or session.dirty or session.deleted or not _all_tables_empty():
        build()
        return
    copied = _server_snapshots if SERVER_URL else _templates
    if kind in copied:
        current_app.extensions.pop(PRISTINE, None)
        session.remove()
        _restore_server(kind) if SERVER_URL else _restore_sqlite(kind)
        return
    build()  # (load_real_seed inside it still finds the database pristine and copies the seed)
    current_app.extensions.pop(PRISTINE, None)
    session.commit()
    session.remove()
    if SERVER_URL:
        _snapshot_server(kind)
    else:
        path = os.path.join(_template_dir(), f"{kind}.sqlite")
        source = db.engine.raw_connection()
        target = sqlite3.connect(path)
        try:
            source.driver_connection.backup(target)
        finally:
            target.close()
            source.close()
        _settle(path)
        _templates[kind] = path


def load_real_seed() -> None:
    """Load the real plan from seed/ and commit.

    Into a fresh database (made by `_fresh_schema`, nothing written since) the rows that the seed service wrote once
    in this process are copied, which is much faster; anywhere else the service runs.
    """
    pristine = current_app.extensions.pop(PRISTINE, False)
    session = db.session
    if not pristine or session.new or session.dirty or session.deleted or not _all_tables_empty():
        _load_seed_service()
    elif SERVER_URL:
        session.remove()
        if "seed" not in _server_snapshots:
            _load_seed_service()
            _snapshot_server("seed")
        else:
            _restore_server("seed")
    else:
        _restore_sqlite("seeded")


@pytest.fixture
def seeded(app):
    """The app with the real plan loaded."""
    with app.app_context():
        load_real_seed()
    return app


@pytest.fixture
def make_plan(app):
    """Builder: a synthetic plan of a chosen size, for tests that vary the size of the data."""
    from sip.bodies.models import Body
    from sip.plan.models import Activity, Outcome, Output, Pillar, Responsibility, Strategy
    from datetime import date

    def build(pillars=1, outcomes=1, outputs=1, activities=1, code="test-plan"):
        with app.app_context():
            return _build(pillars, outcomes, outputs, activities, code)

    def _build(pillars, outcomes, outputs, activities, code):
        strategy = Strategy(code=code, title={"fr": "Plan d'essai", "en": "Test plan"},
                            starts_on=date(2022, 1, 1), ends_on=date(2026, 12, 31))
        body = Body(slug=f"wg-{code}", kind="working_group", name={"fr": "GT essai", "en": "Test WG"}, aliases=[])
        db.session.add_all([strategy, body])
        db.session.flush()
        position = 0
        for p in range(1, pillars + 1):
            pillar = Pillar(strategy=strategy, number=p, title={"fr": f"Pilier {p}", "en": f"Pillar {p}"},
                            goal={"fr": "But", "en": "Goal"})
            for o in range(1, outcomes + 1):
                position += 1
                outcome = Outcome(pillar=pillar, code=f"{p}.{o}", text={"fr": "R", "en": "O"}, position=position)
                for u in range(1, outputs + 1):
                    position += 1
                    output = Output(outcome=outcome, code=f"{p}.{o}.{u}", text={"fr": "P", "en": "O"}, position=position)
                    for a in range(1, activities + 1):
                        position += 1
                        activity = Activity(strategy_id=strategy.id, code=f"{p}.{o}.{u}.{a}", position=position,
                                            text={"fr": f"Activité {a}", "en": f"Activity {a}"}, plan_status="planned",
                                            accountable_body_id=body.id)
                        activity.responsibilities.append(Responsibility(body_id=body.id, role="lead"))
                        output.activities.append(activity)
            db.session.add(pillar)
        db.session.commit()
        return strategy.id

    return build


DEFAULT_PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_user(app):
    """Builder: a person with a password, memberships [(body slug, role)] and optionally the admin flag.

    Bodies that do not exist yet are created as working groups, so the builder works without the seed.
    """
    from sip.accounts.models import Membership, User
    from sip.accounts.passwords import hash_password
    from sip.bodies.models import Body

    counter = {"n": 0}

    def build(name=None, *, bodies=(), admin=False, password=DEFAULT_PASSWORD, active=True, language=None, email=None):
        counter["n"] += 1
        with app.app_context():
            user = User(email=email or f"person{counter['n']}@example.org", name=name or f"Person {counter['n']}",
                        password_hash=hash_password(password) if password else None, is_admin=admin,
                        active=active, language=language)
            db.session.add(user)
            for slug, role in bodies:
                body = db.session.scalar(db.select(Body).where(Body.slug == slug))
                if body is None:
                    body = Body(slug=slug, kind="working_group", name={"fr": slug, "en": slug}, aliases=[])
                    db.session.add(body)
                db.session.add(Membership(user=user, body=body, role=role))
            db.session.commit()
            return user.id

    return build


def log_in(client, user_id: int, password: str = DEFAULT_PASSWORD):
    """Sign a test client in as a user built by `make_user`; returns the response."""
    from sip.accounts.models import User

    with client.application.app_context():
        email = db.session.get(User, user_id).email
    return client.post("/login", data={"email": email, "password": password})


@contextmanager
def counting_queries(app):
    """Count the SQL statements run inside the block: `with counting_queries(app) as count: ...; count()`."""
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield lambda: len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def live_app(tmp_path):
    """The application that `live_server` serves (for tests that add data to it)."""
    url = SERVER_URL or f"sqlite:///{tmp_path / 'live.sqlite'}"
    return create_app(TestConfig(url))


@pytest.fixture
def live_server(live_app):
    """The app, with the real plan, served on a free loopback port in a thread; yields its base URL."""
    application = live_app
    with application.app_context():
        _fresh_schema()
        load_real_seed()
        db.session.remove()
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with application.app_context():
        db.engine.dispose()
