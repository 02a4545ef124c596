"""Meetings' pages through the test client: forms refuse bad input with nothing changed, the list's filters, the
calendar page, and query counts that do not grow with the number of meetings."""
from datetime import date, datetime, timedelta

from icalendar import Calendar
from sqlalchemy import func, select

from sip.extensions import db
from sip.meetings import calendars, services
from sip.meetings.models import Meeting
from tests.conftest import counting_queries, log_in
from tests.governance.conftest import person
from tests.helpers import page_text
from tests.meetings.helpers import meeting_of
from tests.meetings.test_services import world  # noqa: F401  (the fixture)
from tests.test_access import snapshot

NEW = {"body": "wg-training", "kind": "wg", "title_en": "Monthly call", "starts": "2027-01-12T14:00",
       "timezone": "Africa/Nairobi", "duration": "60", "link": "https://meet.example.org/wg", "languages": "en"}


def client_of(app, world, role: str):
    """A client signed in as a role's person."""
    client = app.test_client()
    log_in(client, world[role])
    return client


def test_a_lead_schedules_a_meeting_from_the_form_and_sees_the_confirmation(seeded, world):
    client = client_of(seeded, world, "wg_lead")
    response = client.post("/meetings/new?lang=en", data=NEW)
    assert response.status_code == 302
    assert "Meeting scheduled" in page_text(client.get(response.headers["Location"]))
    with seeded.app_context():
        meeting = db.session.scalars(select(Meeting)).one()
        assert meeting.local_start.strftime("%H:%M %Z") == "14:00 EAT"


def test_a_bad_meeting_form_is_refused_with_the_reasons_and_nothing_changes(seeded, world):
    client = client_of(seeded, world, "wg_lead")
    with seeded.app_context():
        before = snapshot()
    response = client.post("/meetings/new?lang=en", data={**NEW, "link": "ftp://x", "starts": "soon"})
    assert response.status_code == 400 and "Starts (local time where it is held)" in page_text(response)
    response = client.post("/meetings/new?lang=en", data={**NEW, "link": "ftp://x"})
    assert response.status_code == 400 and "starting with https://" in page_text(response)
    with seeded.app_context():
        assert snapshot() == before


def test_a_group_lead_cannot_schedule_a_glm_and_nothing_changes(seeded, world):
    client = client_of(seeded, world, "wg_lead")
    with seeded.app_context():
        before = snapshot()
    assert client.post("/meetings/new", data={**NEW, "body": "glc", "kind": "glm"}).status_code == 403
    with seeded.app_context():
        assert snapshot() == before


def test_the_list_filters_by_body_and_time_and_refuses_an_unknown_filter(seeded, world):
    with seeded.app_context():
        lead = person(world, "wg_lead")
        meeting_of("wg-training", "wg", datetime(2026, 11, 10, 10), lead, title="Past call")
        meeting_of("wg-training", "wg", datetime.now() + timedelta(days=30), lead, title="Next call")
    client = client_of(seeded, world, "viewer")
    upcoming = page_text(client.get("/meetings?when=upcoming&body=wg-training&lang=en"))
    assert "Next call" in upcoming and "Past call" not in upcoming
    assert client.get("/meetings?when=whenever").status_code == 400
    assert "No meeting matches these filters." in page_text(client.get("/meetings?body=sag&lang=en"))


def test_the_calendar_page_gives_the_person_their_link_and_a_person_without_bodies_gets_the_glms(seeded, world):
    client = client_of(seeded, world, "viewer")
    html = page_text(client.get("/calendar?lang=en"))
    token = html.split("/calendar/", 1)[1].split(".ics", 1)[0]
    with seeded.app_context():
        meeting_of("wg-training", "wg", datetime(2027, 1, 12, 14), person(world, "wg_lead"), title="Group only")
    feed = Calendar.from_ical(seeded.test_client().get(f"/calendar/{token}.ics").data)
    assert feed.events == []  # a group's meeting is not a viewer's


def test_the_list_and_a_meeting_page_do_not_query_more_with_more_meetings(seeded, world):
    with seeded.app_context():
        lead = person(world, "wg_lead")
        first = meeting_of("wg-training", "wg", datetime(2026, 11, 1, 10), lead)
        services.record_attendance(first, lead, person=person(world, "delegate_wfp"))
    client = client_of(seeded, world, "secretariat")
    client.get("/meetings")  # warm the per-process caches
    with counting_queries(seeded) as few:
        client.get("/meetings")
    with counting_queries(seeded) as one_page:
        client.get("/meetings/1")
    with seeded.app_context():
        lead = person(world, "wg_lead")
        for day in range(2, 14):
            meeting = meeting_of("wg-training", "wg", datetime(2026, 11, day, 10), lead)
            services.record_attendance(meeting, lead, person=person(world, "delegate_als"))
    with counting_queries(seeded) as many:
        client.get("/meetings")
    with counting_queries(seeded) as other_page:
        client.get("/meetings/13")
    assert many() == few() and other_page() == one_page()
    with seeded.app_context():
        assert db.session.scalar(select(func.count(Meeting.id))) == 13


def test_a_calendar_token_for_a_person_who_left_is_refused(seeded, world):
    with seeded.app_context():
        viewer = person(world, "viewer")
        token = calendars.token_for("user", viewer.id, services.calendar_salt("user", viewer.id))
        viewer.active = False
        db.session.commit()
    assert seeded.test_client().get(f"/calendar/{token}.ics").status_code == 404


def test_an_action_point_due_before_its_meeting_is_refused(seeded, world):
    with seeded.app_context():
        lead = person(world, "wg_lead")
        meeting_id = meeting_of("wg-training", "wg", datetime(2026, 11, 10, 10), lead).id
        before = snapshot()
    client = client_of(seeded, world, "wg_lead")
    response = client.post(f"/meetings/{meeting_id}/action-points?lang=en",
                           data={"text_en": "Too early", "body": "wg-training", "due_on": str(date(2026, 1, 1))})
    assert response.status_code == 400 and "cannot be before the meeting" in page_text(response)
    with seeded.app_context():
        assert snapshot(skip=("login_attempt", "audit_entry", "user_account")) == {
            k: v for k, v in before.items() if k not in ("login_attempt", "audit_entry", "user_account")}


def test_an_organisation_page_lists_the_meetings_it_attended_for_signed_in_readers(seeded, world):
    from sip.accounts.models import Organisation

    with seeded.app_context():
        rome = person(world, "secretariat")
        meeting = meeting_of("wg-training", "wg", datetime(2026, 11, 10, 10), rome, title="Call with ALS")
        services.record_attendance(meeting, rome, person=person(world, "delegate_als"))
        als = db.session.scalar(select(Organisation.id).where(Organisation.name == "ALS"))
    html = page_text(client_of(seeded, world, "viewer").get(f"/partners/{als}?lang=en"))
    assert "Meetings attended" in html and "Call with ALS" in html
    assert "Call with ALS" not in page_text(seeded.test_client().get(f"/partners/{als}?lang=en"))
