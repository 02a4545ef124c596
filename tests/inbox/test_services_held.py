"""Notification services held to their word: who is told and mailed, what is read, chosen, unsubscribed, digested."""
from datetime import date, datetime, timedelta, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from sip.accounts.models import Membership, User
from sip.bodies.models import Body
from sip.core.models import AuditEntry, OutboxMail
from sip.extensions import db
from sip.inbox import mails, services
from sip.inbox.events import Audience
from sip.inbox.models import Notification, NotificationPreference

REPORT = {"body": {"en": "Training WG", "fr": "GT Formation"}, "period": "2026-Q4"}
LINK = ("reports.report", {"period": "2026-Q4", "slug": "wg-training"})
NOW = datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc)


@pytest.fixture
def people(app, make_user):
    """Four people with no membership ({name: id}): English, French, no language, and one who can no longer sign
    in."""
    return {"en": make_user("Ann English", language="en"), "fr": make_user("Fanny French", language="fr"),
            "none": make_user("Nora None"), "inactive": make_user("Ian Inactive", active=False, language="en")}


@pytest.fixture
def ctx(app, people):
    """An application (and request) context with the people at hand."""
    with app.test_request_context():
        yield Context(people)
        db.session.remove()


class Context:
    """Look-ups and builders of the tests below."""

    def __init__(self, ids):
        self.ids = ids

    def user(self, name: str) -> User:
        return db.session.get(User, self.ids[name])

    def notify(self, kind="report_submitted", key="event-1", names=("en", "fr", "none"), actor=None, **options):
        return services.notify(kind, key, Audience(user_ids=tuple(self.ids[n] for n in names)), actor, LINK,
                               REPORT, **options)

    def rows(self, key="event-1") -> dict[str, Notification]:
        names = {v: k for k, v in self.ids.items()}
        return {names[n.user_id]: n for n in db.session.scalars(select(Notification)
                                                                 .where(Notification.event_key == key))}

    def item(self, name, kind="report_accepted", at=NOW, key=None, read_at=None, mailed_at=None, digested_at=None,
             period="2026-Q4"):
        """A notification written directly, dated `at`."""
        row = Notification(user_id=self.ids[name], kind=kind, event_key=key or f"{kind}-{name}-{at.isoformat()}",
                           created_at=at, endpoint=LINK[0], endpoint_args=LINK[1], params=REPORT | {"period": period},
                           read_at=read_at, mailed_at=mailed_at, digested_at=digested_at)
        db.session.add(row)
        db.session.commit()
        return row

    def choose(self, name, kind, delivery):
        db.session.add(NotificationPreference(user_id=self.ids[name], kind=kind, delivery=delivery))
        db.session.commit()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audits(action) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


# --- telling people -----------------------------------------------------------------------------


def test_notify_tells_everyone_concerned_but_the_actor_and_stamps_only_the_instant_ones_as_mailed(ctx):
    ctx.choose("fr", "report_submitted", "never")
    ctx.choose("fr", "report_accepted", "instant")  # a choice for another kind does not count
    ctx.choose("none", "report_submitted", "digest")
    assert ctx.notify(names=("en", "fr", "none", "inactive"), actor=ctx.user("en")) == 2
    db.session.commit()
    rows = ctx.rows()
    assert set(rows) == {"fr", "none"}  # not the actor, not the inactive person
    row = rows["fr"]
    assert (row.kind, row.event_key, row.endpoint, row.endpoint_args, row.params) == (
        "report_submitted", "event-1", LINK[0], LINK[1], REPORT)
    assert row.created_at is not None and row.read_at is None and row.digested_at is None
    assert rows["fr"].mailed_at is None and rows["none"].mailed_at is None  # never, digest: no instant mail
    outbox = list(db.session.scalars(select(OutboxMail)))
    assert [(m.kind, m.expander, m.expander_args) for m in outbox] == [
        ("notification", services.INSTANT_MAILS, {"event_key": "event-1"})]


def test_notify_with_no_actor_tells_everyone_and_the_kinds_default_decides_the_instant_mail(ctx):
    ctx.choose("fr", "report_accepted", "instant")
    assert ctx.notify(kind="report_accepted") == 3
    db.session.commit()
    rows = ctx.rows()
    assert set(rows) == {"en", "fr", "none"}
    assert rows["fr"].mailed_at == rows["fr"].created_at  # chose instant
    assert rows["en"].mailed_at is None and rows["none"].mailed_at is None  # the kind's default: the digest


def test_notify_marks_a_default_instant_kind_as_mailed_at_the_moment_it_was_told(ctx):
    before = datetime.now(timezone.utc)
    ctx.notify()
    db.session.commit()
    row = ctx.rows()["en"]
    assert row.mailed_at is not None and row.mailed_at == row.created_at
    assert before.replace(tzinfo=None) <= row.created_at.replace(tzinfo=None)


def test_the_same_event_again_tells_nobody_twice_and_queues_no_second_mail(ctx):
    assert ctx.notify(names=("en",)) == 1
    assert ctx.notify() == 2  # those not told yet are told
    db.session.commit()
    assert ctx.notify() == 0
    db.session.commit()
    assert count(Notification) == 3 and count(OutboxMail) == 2
    assert ctx.notify(key="event-2", names=("en",)) == 1  # another event is news again


def test_notify_with_an_empty_audience_writes_nothing(ctx):
    assert services.notify("report_submitted", "event-1", Audience(), None, LINK, REPORT) == 0
    assert ctx.notify(names=("inactive",)) == 0
    db.session.commit()
    assert count(Notification) == 0 and count(OutboxMail) == 0


def test_notify_resolves_memberships_on_the_day_it_is_given(ctx):
    body = Body(slug="wg-future", kind="working_group", name={"en": "Future WG"}, aliases=[])
    db.session.add(body)
    db.session.add(Membership(user_id=ctx.ids["en"], body=body, role="member", since=date(2031, 1, 1)))
    db.session.commit()
    audience = Audience(body_ids=(body.id,))
    assert services.notify("report_accepted", "not-yet", audience, None, LINK, REPORT) == 0
    assert services.notify("report_accepted", "then", audience, None, LINK, REPORT, today=date(2031, 2, 1)) == 1


# --- the instant e-mails ------------------------------------------------------------------------


def test_instant_mails_go_to_the_active_people_told_at_once_each_in_their_language_with_their_own_link(ctx):
    ctx.choose("none", "report_submitted", "never")
    ctx.notify(names=("en", "fr", "none", "inactive"))
    ctx.item("en", kind="report_submitted", key="other-event", mailed_at=NOW)  # another event's: not in this one
    db.session.commit()
    mails_ = services.instant_mails({"event_key": "event-1"})
    assert [m["to_address"] for m in mails_] == [ctx.user("en").email, ctx.user("fr").email]  # by person
    english, french = mails_
    assert all(m["kind"] == "notification" for m in mails_)
    assert english["subject"] == "SIP Tracker: Training WG submitted its report for 2026-Q4; it waits for your review."
    assert "GT Formation" in french["subject"] and "Training WG" not in french["subject"]
    assert "http://sip.test/reports/2026-Q4/wg-training" in english["body"]
    for mail, name in ((english, "en"), (french, "fr")):
        link = mail["headers"]["List-Unsubscribe"][1:-1]
        assert mail["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert link in mail["body"] and "\x00" not in mail["body"]
        token = link.rsplit("/", 1)[1]
        assert mails.read_unsubscribe_token(token) == (ctx.ids[name], "report_submitted")


def test_instant_mails_of_people_with_the_same_language_each_carry_their_own_unsubscribe_link(ctx, make_user):
    other = make_user("Eve English", language="en")
    ctx.ids["other"] = other
    ctx.notify(names=("en", "other"))
    db.session.commit()
    first, second = services.instant_mails({"event_key": "event-1"})
    assert first["subject"] == second["subject"]
    assert first["headers"] != second["headers"]
    tokens = [m["headers"]["List-Unsubscribe"][1:-1].rsplit("/", 1)[1] for m in (first, second)]
    assert [mails.read_unsubscribe_token(t)[0] for t in tokens] == [ctx.ids["en"], other]


# --- reading ------------------------------------------------------------------------------------


def test_unread_lists_only_the_persons_unread_items_newest_first_up_to_the_limit(ctx):
    for hours in range(12):
        ctx.item("en", at=NOW - timedelta(hours=hours))
    ctx.item("en", at=NOW + timedelta(hours=1), read_at=NOW)  # read
    ctx.item("fr", at=NOW + timedelta(hours=2))  # someone else's
    items = services.unread(ctx.user("en"))
    assert [n.created_at.replace(tzinfo=None) for n in items] == [
        (NOW - timedelta(hours=h)).replace(tzinfo=None) for h in range(10)]
    assert len(services.unread(ctx.user("en"), limit=3)) == 3
    assert services.unread_count(ctx.user("en")) == 12
    assert services.unread_count(ctx.user("none")) == 0


def test_items_of_the_same_moment_list_the_latest_written_first(ctx):
    first, second = ctx.item("en", key="a"), ctx.item("en", key="b")
    assert [n.id for n in services.unread(ctx.user("en"))] == [second.id, first.id]
    assert [n.id for n in services.notifications_page(ctx.user("en"), 1).items] == [second.id, first.id]


def test_the_notifications_page_holds_the_persons_items_read_or_not_newest_first(ctx):
    for hours in range(30):
        ctx.item("en", at=NOW - timedelta(hours=hours), read_at=NOW if hours % 2 else None)
    ctx.item("fr", at=NOW + timedelta(hours=1))
    page = services.notifications_page(ctx.user("en"), 1)
    assert len(page.items) == 25 and all(isinstance(n, Notification) for n in page.items)
    assert page.items[0].created_at.replace(tzinfo=None) == NOW.replace(tzinfo=None)
    assert all(n.user_id == ctx.ids["en"] for n in page.items)
    assert len(services.notifications_page(ctx.user("en"), 2).items) == 5
    assert len(services.notifications_page(ctx.user("en"), 1, size=7).items) == 7


def test_a_person_finds_their_own_notification_and_nobody_elses(ctx):
    ctx.item("en", key="older")
    mine = ctx.item("en")
    assert services.find(ctx.user("en"), mine.id) is mine
    assert services.find(ctx.user("fr"), mine.id) is None


def test_a_notification_links_to_its_page_and_opens_through_the_marking_link(ctx):
    row = ctx.item("en")
    assert services.target_url(row) == "/reports/2026-Q4/wg-training"
    assert services.open_url(row) == f"/notifications/{row.id}/open"
    with force_locale("en"):
        assert services.text(row) == "The report of Training WG for 2026-Q4 was accepted."


def test_marking_read_touches_only_the_persons_own_unread_item(ctx):
    mine, theirs = ctx.item("en"), ctx.item("fr")
    earlier = ctx.item("en", key="read-before", read_at=NOW)
    services.mark_read(ctx.user("en"), theirs)
    services.mark_read(ctx.user("en"), earlier)
    services.mark_read(ctx.user("en"), mine)
    db.session.expire_all()
    assert theirs.read_at is None
    assert earlier.read_at.replace(tzinfo=None) == NOW.replace(tzinfo=None)  # first reading kept
    assert mine.read_at is not None


def test_marking_all_read_counts_and_marks_only_the_persons_unread_items(ctx):
    ctx.item("en", key="a"), ctx.item("en", key="b"), ctx.item("fr", key="c")
    ctx.item("en", key="d", read_at=NOW)
    assert services.mark_all_read(ctx.user("en")) == 2
    db.session.expire_all()
    assert count(Notification, Notification.read_at.is_(None)) == 1  # the French person's
    assert db.session.scalar(select(Notification.read_at).where(Notification.event_key == "d")).replace(
        tzinfo=None) == NOW.replace(tzinfo=None)
    assert services.mark_all_read(ctx.user("en")) == 0


# --- e-mail choices -----------------------------------------------------------------------------


def test_saving_choices_stores_them_and_audits_only_what_changed(ctx):
    changed = services.save_preferences(ctx.user("en"), {"report_submitted": "digest", "report_accepted": "digest"})
    assert changed == {"report_submitted": ["instant", "digest"]}  # report_accepted was already in the digest
    db.session.expire_all()
    assert services.preferences(ctx.user("en"))["report_submitted"] == "digest"
    assert services.preferences(ctx.user("fr"))["report_submitted"] == "instant"
    (entry,) = audits("notifications.preferences")
    assert (entry.entity, entry.entity_id, entry.user_id) == ("user_account", str(ctx.ids["en"]), ctx.ids["en"])
    assert entry.before == {"report_submitted": "instant"} and entry.after == {"report_submitted": "digest"}
    assert services.save_preferences(ctx.user("en"), {"report_submitted": "digest"}) == {}
    assert len(audits("notifications.preferences")) == 1  # nothing changed, nothing audited


def test_a_choice_changed_again_updates_the_one_row(ctx):
    services.save_preferences(ctx.user("en"), {"report_submitted": "never"})
    services.save_preferences(ctx.user("en"), {"report_submitted": "instant"})
    rows = list(db.session.scalars(select(NotificationPreference)))
    assert [(r.kind, r.delivery) for r in rows] == [("report_submitted", "instant")]


def test_a_persons_choice_leaves_everyone_elses_alone(ctx):
    ctx.choose("fr", "report_submitted", "never")
    services.save_preferences(ctx.user("en"), {"report_submitted": "digest"})
    services.unsubscribe(ctx.ids["none"], "report_submitted")
    db.session.expire_all()
    rows = {(r.user_id, r.kind): r.delivery for r in db.session.scalars(select(NotificationPreference))}
    assert rows == {(ctx.ids["fr"], "report_submitted"): "never", (ctx.ids["en"], "report_submitted"): "digest",
                    (ctx.ids["none"], "report_submitted"): "never"}


@pytest.mark.parametrize("choices", [{"no_such_kind": "never"}, {"report_submitted": "weekly"}])
def test_an_unknown_kind_or_delivery_is_refused_with_nothing_saved(ctx, choices):
    with pytest.raises(services.PreferenceError, match="^unknown kind or delivery$"):
        services.save_preferences(ctx.user("en"), choices)
    db.session.rollback()
    assert count(NotificationPreference) == 0 and count(AuditEntry) == 0


def test_an_unsubscribe_link_knows_whether_its_person_still_exists(ctx):
    assert services.person_exists(ctx.ids["en"]) is True
    assert services.person_exists(max(ctx.ids.values()) + 1) is False


def test_unsubscribing_one_kind_sets_it_to_never_and_audits_it(ctx):
    assert services.unsubscribe(ctx.ids["fr"], "report_returned") == ["report_returned"]
    db.session.expire_all()
    prefs = services.preferences(ctx.user("fr"))
    assert prefs["report_returned"] == "never" and prefs["report_submitted"] == "instant"
    (entry,) = audits("notifications.unsubscribed")
    assert (entry.entity, entry.entity_id, entry.user_id) == ("user_account", str(ctx.ids["fr"]), ctx.ids["fr"])
    assert entry.before == {"report_returned": "instant"} and entry.after == {"report_returned": "never"}
    assert entry.rationale == "one-click unsubscribe link"


def test_unsubscribing_from_digests_stops_exactly_the_kinds_that_came_in_the_digest(ctx):
    ctx.choose("en", "report_submitted", "digest")
    ctx.choose("en", "report_comment", "instant")
    stopped = services.unsubscribe(ctx.ids["en"], mails.DIGEST)
    assert set(stopped) == {"report_submitted", "report_accepted", "amendment_endorsed", "amendment_rejected",
                            "amendment_verified"}
    db.session.expire_all()
    prefs = services.preferences(ctx.user("en"))
    assert prefs["report_comment"] == "instant" and prefs["report_returned"] == "instant"
    assert all(prefs[kind] == "never" for kind in stopped)
    (entry,) = audits("notifications.unsubscribed")
    assert entry.before == dict.fromkeys(stopped, "digest") and entry.after == dict.fromkeys(stopped, "never")


def test_unsubscribing_a_person_who_no_longer_exists_changes_nothing(ctx):
    assert services.unsubscribe(max(ctx.ids.values()) + 1, "report_submitted") == []
    assert count(NotificationPreference) == 0 and count(AuditEntry) == 0


# --- digests ------------------------------------------------------------------------------------


def test_a_digest_holds_the_last_weeks_items_up_to_now_and_nothing_older_or_later(ctx):
    inside = [ctx.item("en", at=NOW, key="now"), ctx.item("en", at=NOW - timedelta(days=7) + timedelta(seconds=1),
                                                           key="almost-a-week")]
    outside = [ctx.item("en", at=NOW - timedelta(days=7), key="a-week"),
               ctx.item("en", at=NOW + timedelta(seconds=1), key="later")]
    assert services.send_digests(now=NOW) == 1
    db.session.expire_all()
    assert all(n.digested_at.replace(tzinfo=None) == NOW.replace(tzinfo=None) for n in inside)
    assert all(n.digested_at is None for n in outside)
    (mail,) = db.session.scalars(select(OutboxMail))
    assert mail.to_address == ctx.user("en").email and mail.kind == "digest"
    assert mail.subject == "SIP Tracker: your daily digest (2)"
    assert mail.body.startswith("Hello Ann English,") and mail.body.count("\n- ") == 2


def test_a_digest_is_one_mail_per_active_person_in_their_language_and_audited(ctx):
    ctx.item("en", at=NOW - timedelta(hours=1))
    ctx.item("fr", at=NOW - timedelta(hours=2)), ctx.item("fr", at=NOW - timedelta(hours=1))
    ctx.item("inactive", at=NOW - timedelta(hours=1))
    assert services.send_digests(now=NOW) == 2
    mails_ = {m.to_address: m for m in db.session.scalars(select(OutboxMail))}
    assert set(mails_) == {ctx.user("en").email, ctx.user("fr").email}
    french = mails_[ctx.user("fr").email]
    assert french.body.startswith("Bonjour Fanny French,") and "GT Formation" in french.body
    link = french.headers["List-Unsubscribe"][1:-1]
    assert french.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and link in french.body
    assert mails.read_unsubscribe_token(link.rsplit("/", 1)[1]) == (ctx.ids["fr"], mails.DIGEST)
    (entry,) = audits("notifications.digests")
    assert entry.entity == "notification" and entry.entity_id is None
    assert entry.after == {"digests": 2, "items": 3}
    assert services.send_digests(now=NOW) == 0
    assert len(audits("notifications.digests")) == 1  # no digest, no entry


def test_a_digest_follows_each_persons_choice_and_the_kinds_default(ctx):
    ctx.choose("en", "report_submitted", "digest")  # instant by default, moved to the digest
    ctx.choose("en", "amendment_endorsed", "never")  # another kind's choice applies to that kind only
    ctx.item("en", kind="amendment_endorsed", at=NOW - timedelta(hours=1))
    ctx.choose("fr", "report_accepted", "never")  # digest by default, stopped
    ctx.choose("none", "report_accepted", "instant")
    ctx.item("en", kind="report_submitted", at=NOW - timedelta(hours=1))
    ctx.item("fr", kind="report_submitted", at=NOW - timedelta(hours=1))  # instant by default: not in a digest
    ctx.item("fr", kind="report_accepted", at=NOW - timedelta(hours=1))
    ctx.item("none", kind="report_accepted", at=NOW - timedelta(hours=1))
    ctx.item("en", kind="report_accepted", at=NOW - timedelta(hours=1), mailed_at=NOW)  # mailed already
    ctx.item("en", kind="report_accepted", at=NOW - timedelta(hours=2), digested_at=NOW)  # digested already
    assert services.send_digests(now=NOW) == 1
    (mail,) = db.session.scalars(select(OutboxMail))
    assert mail.to_address == ctx.user("en").email and mail.subject == "SIP Tracker: your daily digest (1)"


def test_a_digest_without_a_time_gathers_what_is_there_now(ctx):
    ctx.item("en", at=datetime.now(timezone.utc) - timedelta(minutes=5))
    assert services.send_digests() == 1
    assert db.session.scalar(select(Notification.digested_at)) is not None


def test_the_workers_daily_job_sends_the_digests_on_the_configured_schedule(app, ctx):
    from sip.core.queue import PERIODIC

    job = next(job for job in PERIODIC if job.name == "inbox.digests")
    app.config["SIP_DIGEST_CRON"] = "off"
    assert job.cron(app.config) == "off"
    ctx.item("fr", at=datetime.now(timezone.utc) - timedelta(minutes=5))
    assert services.daily_digests() == 1
    db.session.expire_all()
    assert count(OutboxMail, OutboxMail.kind == "digest") == 1


def test_digests_go_out_person_by_person_each_listing_its_items_in_the_order_they_happened(ctx):
    ctx.item("fr", at=NOW - timedelta(hours=5), period="2026-Q1")  # the French person is told first
    ctx.item("en", at=NOW - timedelta(hours=1), period="2026-Q3")  # written first, happened last
    ctx.item("en", at=NOW - timedelta(hours=3), period="2026-Q2")
    assert services.send_digests(now=NOW) == 2
    first, second = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id))
    assert (first.to_address, second.to_address) == (ctx.user("en").email, ctx.user("fr").email)  # by person
    assert first.body.index("2026-Q2") < first.body.index("2026-Q3")


def test_a_digests_items_of_the_same_moment_are_listed_in_the_order_they_were_written(ctx):
    # Stored with the later-written item first (as a restored backup may hold them): SQLite hands rows back by
    # number anyway, PostgreSQL in the order they were stored, so only the PostgreSQL pass tells the tie-break apart.
    for number, period in ((902, "2026-Q3"), (901, "2026-Q2")):
        db.session.add(Notification(id=number, user_id=ctx.ids["en"], kind="report_accepted",
                                    event_key=f"same-moment-{number}", created_at=NOW - timedelta(hours=1),
                                    endpoint=LINK[0], endpoint_args=LINK[1], params=REPORT | {"period": period}))
        db.session.commit()
    assert services.send_digests(now=NOW) == 1
    body = db.session.scalar(select(OutboxMail.body).where(OutboxMail.kind == "digest"))
    assert body.index("2026-Q2") < body.index("2026-Q3")


def test_the_digest_query_locks_only_the_notifications_and_skips_those_another_run_holds(ctx, monkeypatch):
    from sqlalchemy.dialects import postgresql

    statements = []
    execute = db.session.execute
    monkeypatch.setattr(db.session, "execute", lambda statement, *a, **k: (statements.append(statement),
                                                                           execute(statement, *a, **k))[1])
    ctx.item("en", at=NOW - timedelta(hours=1))
    assert services.send_digests(now=NOW) == 1
    (query,) = [s for s in statements if getattr(s, "_for_update_arg", None) is not None]
    sql = str(query.compile(dialect=postgresql.dialect()))
    assert sql.endswith("FOR UPDATE OF notification SKIP LOCKED")
