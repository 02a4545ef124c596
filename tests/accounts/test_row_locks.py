"""Two requests saving one account's password at once, on PostgreSQL: the second waits for the first's lock, then sees
its change and refuses (SQLite has no row locks: one writer at a time, so the race cannot happen there)."""
import threading

import pytest
from sqlalchemy import text

from sip.accounts import services
from sip.accounts.models import User
from sip.accounts.passwords import hash_password, verify_password
from sip.extensions import db
from tests.conftest import SERVER_URL

GOOD_TWELVE = "x7#Lq9!vR2@m"
THEIRS = "a different passphrase entirely"


@pytest.mark.skipif(not SERVER_URL, reason="row locks: the PostgreSQL pass")
def test_a_password_saved_while_another_request_holds_the_account_waits_then_refuses_and_keeps_theirs(
        app_ctx, make_user):
    user_id = make_user("Lea Locked", email="lea@example.org")
    user = db.session.get(User, user_id)
    theirs = hash_password(THEIRS)
    locked, release = threading.Event(), threading.Event()
    engine = db.engine

    def other_request():  # holds the account's row, changes its password, commits when told
        with engine.connect() as conn:
            conn.execute(text("SELECT id FROM user_account WHERE id = :id FOR UPDATE"), {"id": user_id})
            conn.execute(text("UPDATE user_account SET password_hash = :hash WHERE id = :id"),
                         {"hash": theirs, "id": user_id})
            locked.set()
            release.wait(10)
            conn.commit()

    other = threading.Thread(target=other_request)
    other.start()
    assert locked.wait(10)
    threading.Timer(1.0, release.set).start()  # the other request finishes while ours waits for its lock
    with pytest.raises(services.AccountError, match="changed meanwhile by another request; nothing was saved"):
        services.set_password(user, GOOD_TWELVE, action="account.password_reset")
    other.join(10)
    db.session.expire_all()
    assert verify_password(db.session.get(User, user_id).password_hash, THEIRS)
