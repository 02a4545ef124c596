"""Fixtures: a fresh app and database per test, clients, builders, query counting, a live server."""
import os
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text
from werkzeug.serving import make_server

from seed import load_json
from sip import create_app
from sip.config import TestConfig
from sip.extensions import db
from tests.smtp import smtp_server  # noqa: F401

# Set by `make test` for its second pass; every test then runs on PostgreSQL.
SERVER_URL = os.environ.get("SIP_TEST_DATABASE_URL")
_server_schema_ready = False


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
    """Empty every table so that the next test starts from a fresh database."""
    names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def _fresh_schema() -> None:
    """Every table of the current schema, empty: new tables on SQLite, emptied ones on PostgreSQL."""
    if SERVER_URL:
        _prepare_server_schema()
        _empty_server_tables()
    else:
        db.create_all()


def pytest_sessionstart(session):
    """Compile the translation catalogues, so that tests see the current French."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from sip.core.catalogues import TRANSLATIONS

    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file)
        with po_path.with_suffix(".mo").open("wb") as mo_file:
            write_mo(mo_file, catalogue)


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
    application = create_app(TestConfig(database_url))
    with application.app_context():
        _fresh_schema()
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


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


def load_real_seed() -> None:
    """Load the real plan from seed/ and commit."""
    from sip.plan.services import load_seed

    load_seed(load_json("plan.json"), load_json("bodies.json"), load_json("commitments.json"), load_json("glossary.json"))
    db.session.commit()


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
                                            text={"fr": f"Activité {a}", "en": f"Activity {a}"}, status="planned")
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
