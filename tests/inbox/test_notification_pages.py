"""Notification pages through the test client: the list, opening an item, marking all read, the unread count in
the header, the e-mail choices form, and who may reach each route."""
import re

import pytest
from sqlalchemy import func, select

from sip.accounts.models import User
from sip.core.models import AuditEntry, utcnow
from sip.extensions import db
from sip.inbox.models import Notification, NotificationPreference
from tests.conftest import log_in
from tests.helpers import page_text
from tests.test_access import PUBLIC, ROLES, snapshot, world  # noqa: F401  world is a fixture

SIGNED_IN = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)}
SIGNED_IN_WRITE = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 302)}
SETTINGS_FORM = {
    "report_submitted": "instant", "report_returned": "instant", "report_accepted": "digest",
    "report_comment": "digest", "period_opened": "never", "amendment_proposed": "instant",
    "amendment_endorsed": "digest", "amendment_rejected": "digest", "amendment_verified": "never",
}

# This module's routes in tests/test_access.py's format: (endpoint, method, path, form data, status per role).
MATRIX = [
    ("inbox.index", "GET", "/notifications", None, SIGNED_IN),
    ("inbox.open_notification", "GET", "/notifications/999999/open", None,
     {"anonymous": 302, **dict.fromkeys(ROLES[1:], 404)}),
    ("inbox.mark_all_read", "POST", "/notifications/read", {}, SIGNED_IN_WRITE),
    ("inbox.settings", "GET", "/notifications/settings", None, SIGNED_IN),
    ("inbox.settings", "POST", "/notifications/settings", SETTINGS_FORM, SIGNED_IN_WRITE),
    ("inbox.unsubscribe", "GET", "/notifications/unsubscribe/not-a-token", None, dict.fromkeys(ROLES, 410)),
    ("inbox.unsubscribe", "POST", "/notifications/unsubscribe/not-a-token", {"List-Unsubscribe": "One-Click"},
     dict.fromkeys(ROLES, 410)),
]


def visible(response) -> str:
    """The text of a page as a reader sees it: tags dropped, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split())


def client_as(app, world, role: str):
    """A test client signed in as the person with this role (anonymous for "anonymous")."""
    client = app.test_client()
    if role != "anonymous":
        log_in(client, world["people"][role])
    return client


def add_notifications(app, user_id: int, count: int, *, read: bool = False) -> list[int]:
    """Give a person `count` notifications of a report submitted (the oldest first); returns their ids."""
    with app.app_context():
        rows = [Notification(user_id=user_id, kind="report_submitted", event_key=f"test:{user_id}:{n}:{read}",
                             endpoint="reports.report", endpoint_args={"period": "2026-Q4", "slug": "wg-training"},
                             params={"body": {"fr": "GT Formation", "en": "Training WG"}, "period": "2026-Q4"},
                             read_at=utcnow() if read else None)
                for n in range(count)]
        db.session.add_all(rows)
        db.session.commit()
        return [row.id for row in rows]


def unread_of(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(Notification.user_id == user_id,
                                                            Notification.read_at.is_(None)))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method,path,data,expected", MATRIX, ids=[f"{m} {p}" for _, m, p, _, _ in MATRIX])
def test_who_may_reach_the_notification_pages(seeded, world, role, endpoint, method, path, data, expected):
    client = client_as(seeded, world, role)
    with seeded.app_context():
        before = snapshot()
    response = client.get(path) if method == "GET" else client.post(path, data=data)
    assert response.status_code == expected[role], response.get_data(as_text=True)[:300]
    if method == "POST" and (role == "anonymous" or expected[role] in (403, 404, 410)):
        with seeded.app_context():
            assert snapshot() == before, "a refused write changed the database"
    if response.status_code == 302 and role == "anonymous" and endpoint not in PUBLIC:
        assert response.headers["Location"].startswith("/login?next=")


def test_every_notification_route_is_in_the_matrix(app):
    mine = {"inbox.index", "inbox.open_notification", "inbox.mark_all_read", "inbox.settings", "inbox.unsubscribe"}
    covered = {(endpoint, method) for endpoint, method, *_ in MATRIX}
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint in mine]
    assert {rule.endpoint for rule in rules} == mine
    for rule in rules:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (rule.endpoint, method) in covered


# --- the header ---------------------------------------------------------------------------------


def test_the_header_shows_signed_in_people_their_unread_count(seeded, world):
    lead = world["people"]["wg_lead"]  # told that 2026-Q4 opened
    add_notifications(seeded, lead, 2)
    html = visible(client_as(seeded, world, "wg_lead").get("/plan?lang=en"))
    assert re.search(r"Notifications \( ?3 unread ?\)", html)


def test_the_header_shows_no_count_when_all_is_read(seeded, world):
    html = page_text(client_as(seeded, world, "viewer").get("/plan?lang=en"))
    assert "Notifications" in html and "unread" not in html


def test_anonymous_visitors_see_no_notifications_link(seeded, world):
    html = client_as(seeded, world, "anonymous").get("/plan").get_data(as_text=True)
    assert "/notifications" not in html


def test_the_unread_count_costs_one_query_per_page(seeded, world):
    client = client_as(seeded, world, "wg_lead")
    client.get("/plan")  # warm up
    statements = []
    from sqlalchemy import event

    with seeded.app_context():
        engine = db.engine
    listener = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get("/plan/glossary")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len([s for s in statements if "FROM notification" in s]) == 1


# --- the list -----------------------------------------------------------------------------------


def test_the_list_shows_the_newest_first_with_unread_items_marked(seeded, world):
    lead = world["people"]["wg_lead"]
    add_notifications(seeded, lead, 1, read=True)
    html = visible(client_as(seeded, world, "wg_lead").get("/notifications?lang=en"))
    assert "Unread: 2026-Q4 is open for reports, due on January 15, 2027." in html
    assert "Unread: Training WG" not in html  # the one already read
    assert html.index("Training WG submitted its report for 2026-Q4") < html.index("2026-Q4 is open")  # newest first
    assert "Mark all read" in html


def test_the_list_is_in_the_readers_language(seeded, world):
    with seeded.app_context():
        db.session.get(User, world["people"]["viewer"]).language = "fr"
        db.session.commit()
    add_notifications(seeded, world["people"]["viewer"], 1)
    client = client_as(seeded, world, "viewer")
    assert "GT Formation" in page_text(client.get("/notifications?lang=fr"))
    assert "Training WG" in page_text(client.get("/notifications?lang=en"))


def test_an_empty_list_says_so(seeded, world):
    html = page_text(client_as(seeded, world, "viewer").get("/notifications?lang=en"))
    assert "No notifications yet." in html and "Mark all read" not in html


def test_the_list_is_paginated(seeded, world):
    add_notifications(seeded, world["people"]["viewer"], 30)
    client = client_as(seeded, world, "viewer")
    first = page_text(client.get("/notifications?lang=en"))
    assert first.count("Training WG submitted") == 25 and "Page 1 of 2" in first
    assert page_text(client.get("/notifications?page=2&lang=en")).count("Training WG submitted") == 5


def test_opening_an_item_marks_it_read_and_goes_to_its_page(seeded, world):
    viewer = world["people"]["viewer"]
    notification_id = add_notifications(seeded, viewer, 1)[0]
    client = client_as(seeded, world, "viewer")
    assert f'href="/notifications/{notification_id}/open"' in client.get("/notifications").get_data(as_text=True)
    response = client.get(f"/notifications/{notification_id}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/reports/2026-Q4/wg-training"
    assert unread_of(seeded, viewer) == 0


def test_nobody_opens_someone_elses_notification(seeded, world):
    notification_id = add_notifications(seeded, world["people"]["viewer"], 1)[0]
    response = client_as(seeded, world, "sag").get(f"/notifications/{notification_id}/open")
    assert response.status_code == 404
    assert unread_of(seeded, world["people"]["viewer"]) == 1


def test_mark_all_read_clears_the_count_and_says_so(seeded, world):
    lead = world["people"]["wg_lead"]
    add_notifications(seeded, lead, 3)
    response = client_as(seeded, world, "wg_lead").post("/notifications/read?lang=en", follow_redirects=True)
    assert "4 notifications marked read." in page_text(response)
    assert unread_of(seeded, lead) == 0


def test_mark_all_read_touches_nobody_else(seeded, world):
    add_notifications(seeded, world["people"]["viewer"], 2)
    client_as(seeded, world, "wg_lead").post("/notifications/read")
    assert unread_of(seeded, world["people"]["viewer"]) == 2


# --- e-mail choices -----------------------------------------------------------------------------


def test_the_settings_form_shows_the_defaults(seeded, world):
    html = client_as(seeded, world, "viewer").get("/notifications/settings?lang=en").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="report_submitted"[^>]*value="instant"', html)
    assert re.search(r'<input checked[^>]*name="report_accepted"[^>]*value="digest"', html)
    assert "Daily digest" in html and "Never" in html


def test_saving_the_settings_form_stores_each_choice_and_confirms(seeded, world):
    viewer = world["people"]["viewer"]
    response = client_as(seeded, world, "viewer").post("/notifications/settings?lang=en", data=SETTINGS_FORM,
                                                        follow_redirects=True)
    assert "Your e-mail choices are saved." in page_text(response)
    with seeded.app_context():
        stored = dict(db.session.execute(select(NotificationPreference.kind, NotificationPreference.delivery)
                                         .where(NotificationPreference.user_id == viewer)).all())
        assert stored == SETTINGS_FORM
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "notifications.preferences"))
        assert entry.user_id == viewer
        assert entry.after == {"period_opened": "never", "amendment_verified": "never"}


@pytest.mark.parametrize("bad", [{"report_submitted": "hourly"}, {"report_submitted": ""}])
def test_a_bad_choice_is_refused_with_400_and_nothing_is_saved(seeded, world, bad):
    client = client_as(seeded, world, "viewer")
    with seeded.app_context():
        before = snapshot()
    response = client.post("/notifications/settings?lang=en", data={**SETTINGS_FORM, **bad})
    assert response.status_code == 400
    assert "Nothing was saved" in page_text(response)
    with seeded.app_context():
        assert snapshot() == before
