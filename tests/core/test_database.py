"""Database engine settings on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError

from sip.core.database import intending_to_write
from sip.extensions import db
from sip.plan.models import Responsibility
from tests.conftest import SERVER_URL

sqlite_only = pytest.mark.skipif(bool(SERVER_URL), reason="SQLite pragmas")


@sqlite_only
def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(app_ctx):
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def _begins(app, run) -> list[str]:
    """The BEGIN statements issued while running `run`."""
    seen = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn, cursor, statement, *args: seen.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return [s for s in seen if s.startswith("BEGIN")]


@sqlite_only
def test_sqlite_write_transactions_begin_immediate_and_reads_do_not(app_ctx):
    def read():
        db.session.execute(text("SELECT 1"))
        db.session.rollback()

    def write():
        with intending_to_write():
            read()

    assert _begins(app_ctx, read) == ["BEGIN"]
    assert _begins(app_ctx, write) == ["BEGIN IMMEDIATE"]


@sqlite_only
def test_a_post_request_begins_its_transaction_immediate(app):
    app.add_url_rule("/_probe", "probe", lambda: str(db.session.execute(text("SELECT 1")).scalar()), methods=["POST"])
    client = app.test_client()
    assert _begins(app, lambda: client.post("/_probe")) == ["BEGIN IMMEDIATE"]


def test_foreign_keys_are_enforced(app_ctx):
    db.session.add(Responsibility(activity_id=999, body_id=999, role="lead"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@sqlite_only
def test_a_get_after_a_post_on_the_same_thread_begins_deferred(app):
    app.add_url_rule("/_probe_post", "probe_post", lambda: "ok", methods=["POST"])
    app.add_url_rule("/_probe_get", "probe_get", lambda: str(db.session.execute(text("SELECT 1")).scalar()))
    client = app.test_client()
    client.post("/_probe_post")
    assert _begins(app, lambda: client.get("/_probe_get")) == ["BEGIN"]


@sqlite_only
def test_a_signed_in_post_after_a_get_loads_its_user_inside_an_immediate_transaction(app, make_user):
    # The session check loads the user before the view; were it to run before the request's write intent is set,
    # it would begin a deferred transaction that a later write cannot upgrade when another connection committed
    # meanwhile ("database is locked": 503s on saves during sign-ins).
    from tests.conftest import log_in

    user = make_user("Probe Person")
    app.config["SIP_MFA_REQUIRED_ROLES"] = ("secretariat", "admin")  # its check loads the signed-in user
    app.add_url_rule("/_probe_signed_post", "probe_signed_post", lambda: "ok", methods=["POST"])
    client = app.test_client()
    log_in(client, user)
    client.get("/account")
    assert set(_begins(app, lambda: client.post("/_probe_signed_post"))) == {"BEGIN IMMEDIATE"}
