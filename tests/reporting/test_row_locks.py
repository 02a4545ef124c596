"""Two saves of one group's report at once, on PostgreSQL: the second waits for the first's lock, then sees its new
version and meets a conflict instead of overwriting it (SQLite has one writer at a time: the race cannot happen)."""
import threading

import pytest
from sqlalchemy import text

from sip.extensions import db
from sip.reporting import services
from sip.reporting.models import GroupReport
from sip.reporting.services import VersionConflict
from tests.conftest import SERVER_URL
from tests.reporting.test_services import ctx, world  # noqa: F401  ctx and world are fixtures


@pytest.mark.skipif(not SERVER_URL, reason="row locks: the PostgreSQL pass")
def test_a_save_made_while_another_save_holds_the_report_waits_then_meets_the_conflict(ctx):
    draft = ctx.write()
    report_id, version = draft.id, draft.version
    locked, release = threading.Event(), threading.Event()
    engine = db.engine

    def other_save():  # another tab of the group holds the report's row, saves, commits when told
        with engine.connect() as conn:
            conn.execute(text("SELECT id FROM group_report WHERE id = :id FOR UPDATE"), {"id": report_id})
            conn.execute(text("UPDATE group_report SET version = version + 1, summary = 'THEIRS' WHERE id = :id"),
                         {"id": report_id})
            locked.set()
            release.wait(10)
            conn.commit()

    other = threading.Thread(target=other_save)
    other.start()
    assert locked.wait(10)
    threading.Timer(1.0, release.set).start()  # the other save commits while ours waits for its lock
    with pytest.raises(VersionConflict):
        services.save_report(ctx.body, ctx.period("2026-Q4"), ctx.lead, version, "OURS", ctx.complete())
    other.join(10)
    db.session.rollback()
    db.session.expire_all()
    saved = db.session.get(GroupReport, report_id)
    assert (saved.summary, saved.version) == ("THEIRS", version + 1)


@pytest.mark.skipif(not SERVER_URL, reason="row locks: the PostgreSQL pass")
def test_reading_a_report_while_a_save_holds_its_row_does_not_wait_for_the_lock(ctx):
    """Only a save locks the report's row: a reader (the report page, the overview) goes on while a save is under
    way, instead of queueing behind it."""
    draft = ctx.write()
    report_id = draft.id
    db.session.commit()
    locked, release = threading.Event(), threading.Event()
    engine = db.engine

    def saving():  # a save holds the report's row until told
        with engine.connect() as conn:
            conn.execute(text("SELECT id FROM group_report WHERE id = :id FOR UPDATE"), {"id": report_id})
            locked.set()
            release.wait(10)
            conn.rollback()

    other = threading.Thread(target=saving)
    other.start()
    try:
        assert locked.wait(10)
        db.session.execute(text("SET LOCAL lock_timeout = '2s'"))  # a reader that waited would fail, not hang
        found = services.find_report(ctx.body, ctx.period("2026-Q4"))
        assert found is not None and found.id == report_id
    finally:
        release.set()
        other.join(10)
        db.session.rollback()
