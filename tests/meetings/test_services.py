"""Meetings through their services and pages: scheduling, attendance at a GLM, minutes from draft to endorsed and
corrected, a GLM's verdict on an amendment by vote, action points on every page that shows them, their reminders,
the iCalendar files, and the migration of verifications recorded before meetings."""
from datetime import date, datetime, timedelta, timezone

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from sip.accounts.models import Organisation, User
from sip.core.models import OutboxMail
from sip.extensions import db
from sip.governance import services as governance
from sip.governance.models import Amendment, PlanVersion
from sip.meetings import calendars, queries, services
from sip.meetings.models import ActionPoint, Decision, Meeting
from sip.meetings.reminders import send_overdue_reminders
from sip.plan.queries import current_strategy
from sip.reporting.services import ensure_periods, find_period, set_glm
from tests.conftest import log_in
from tests.governance.conftest import activity, person
from tests.helpers import page_text
from tests.meetings.helpers import body, glm_meeting, meeting_of
from tests.test_access import MEMBERSHIPS, snapshot

GLM_DAY = date(2026, 11, 20)


@pytest.fixture
def world(seeded, make_user):
    """One person per role, 2026-Q4 marked as the November 2026 GLM, three partners (one a national NGO) and a
    stakeholder, each partner with a delegate."""
    people = {role: make_user(f"{role.title()} Person", bodies=bodies) for role, bodies in MEMBERSHIPS.items()}
    with seeded.app_context():
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.commit()
        set_glm(find_period(strategy, "2026-Q4"), True, "GLM November 2026", actor=None)
        for name, kind, kind_of in (("WFP", "partner", "UN"), ("ALS", "partner", "NNGO"), ("HLA", "partner", "INGO"),
                                    ("Uni", "stakeholder", "academia")):
            db.session.add(Organisation(name=name, acronym=name, kind=kind, type=kind_of))
        db.session.commit()
    for name in ("WFP", "ALS", "HLA", "Uni"):
        user_id = make_user(f"Delegate {name}", email=f"{name.lower()}@example.org")
        with seeded.app_context():
            db.session.get(User, user_id).organisation = db.session.scalar(
                select(Organisation).where(Organisation.name == name))
            db.session.commit()
        people[f"delegate_{name.lower()}"] = user_id
    return people


def endorsed_amendment(world, on: date = date(2026, 11, 2)) -> Amendment:
    """A rewording of 3.1.1.2 proposed by the training lead and endorsed by the SAG on `on` (in an app context)."""
    made = governance.propose(current_strategy(), governance.Change(
        "edit_text", activity=activity("3.1.1.2"), text={"en": "Train partners region by region.", "fr": "Former."}),
        "Clearer.", person(world, "wg_lead"))
    governance.decide_sag(made, person(world, "sag"), True)
    made.proposed_at = made.sag_at = datetime(on.year, on.month, on.day, 9, tzinfo=timezone.utc)
    db.session.commit()
    return made


def glm_with_attendance(world) -> Meeting:
    """The November 2026 GLM with the delegates of three partners and of a stakeholder present."""
    rome = person(world, "secretariat")
    meeting = glm_meeting(find_period(current_strategy(), "2026-Q4"), GLM_DAY, rome, title="GLM November 2026")
    for name in ("wfp", "als", "hla", "uni"):
        services.record_attendance(meeting, rome, person=person(world, f"delegate_{name}"))
    return meeting


# --- scheduling ---------------------------------------------------------------------------------


def test_a_group_lead_schedules_the_group_meeting_and_its_time_is_kept_in_its_zone(seeded, world):
    with seeded.app_context():
        meeting = meeting_of("wg-training", "wg", datetime(2027, 1, 12, 14, 0), person(world, "wg_lead"),
                             zone="Africa/Nairobi")
        assert meeting.starts_utc == datetime(2027, 1, 12, 11, 0, tzinfo=timezone.utc)
        assert meeting.local_start.hour == 14 and meeting.local_date == date(2027, 1, 12)


@pytest.mark.parametrize("slug,kind,role", [("glc", "glm", "wg_lead"), ("sag", "sag", "sag"),
                                            ("wg-training", "wg", "other_lead"), ("wg-training", "wg", "wg_member")])
def test_only_the_secretariat_creates_glms_and_sag_consultations_and_a_lead_their_group_meetings(
        seeded, world, slug, kind, role):
    with seeded.app_context():
        before = snapshot()
        with pytest.raises(services.NotAllowed):
            meeting_of(slug, kind, datetime(2027, 1, 12, 14, 0), person(world, role))
        db.session.rollback()
        assert snapshot() == before


def test_a_meeting_without_place_or_link_or_with_a_kind_of_another_body_is_refused_with_the_reasons(seeded, world):
    with seeded.app_context():
        data = services.MeetingData(body=body("wg-training"), kind="glm", title={}, starts=None, timezone="Mars/Base",
                                    languages=[])
        with pytest.raises(services.MeetingError) as refusal:
            services.create_meeting(data, person(world, "secretariat"))
        problems = " ".join(refusal.value.problems)
        for reason in ("a meeting of a body of another kind", "Write the title", "time zone", "date and time",
                       "a place, an online link", "language", "GLM period"):
            assert reason in problems
        assert db.session.scalar(select(func.count(Meeting.id))) == 0


# --- attendance and the GLM's verdict ------------------------------------------------------------


def test_at_a_glm_partners_vote_and_stakeholders_observe_and_the_page_shows_the_share_of_national_ngos(seeded, world):
    with seeded.app_context():
        meeting = glm_with_attendance(world)
        summary = queries.attendance_summary(meeting)
        assert (summary.people, summary.organisations, summary.voting, summary.observers) == (4, 4, 3, 1)
        assert summary.small_share == 25
        meeting_id = meeting.id
    client = seeded.test_client()
    log_in(client, world["viewer"])
    text = page_text(client.get(f"/meetings/{meeting_id}?lang=en"))
    assert "3 partners with a vote" in text and "1 observer (stakeholder)" in text
    assert "national NGOs and community-based organisations: 25% of the organisations present" in text


def test_a_glm_verifies_an_amendment_by_vote_and_the_plan_version_takes_the_meeting_date(seeded, world):
    with seeded.app_context():
        meeting = glm_with_attendance(world)
        made = endorsed_amendment(world)
        decision = services.record_verification(meeting, made, person(world, "secretariat"),
                                                services.Verdict("vote", votes_for=2, votes_against=0,
                                                                 votes_abstaining=1))
        made = db.session.get(Amendment, made.id)
        assert made.state == "applied" and made.glm_on == GLM_DAY
        assert made.version.effective_on == GLM_DAY and made.version.tag == "glm-2026-11-20"
        assert (decision.outcome, decision.method, decision.votes_for) == ("verified", "vote", 2)
        assert activity("3.1.1.2").text["en"] == "Train partners region by region."


def test_votes_exceeding_the_partners_present_are_refused_with_the_reason_and_nothing_changes(seeded, world):
    with seeded.app_context():
        meeting = glm_with_attendance(world)
        made = endorsed_amendment(world)
        before = snapshot()
        with pytest.raises(services.MeetingError) as refusal:
            services.record_verification(meeting, made, person(world, "secretariat"),
                                         services.Verdict("vote", votes_for=3, votes_against=1, votes_abstaining=0))
        db.session.rollback()
        assert "4 votes were counted, but only 3 partner organisations with a vote" in refusal.value.problems[0]
        assert snapshot() == before


def test_a_vote_with_more_against_rejects_the_amendment_and_says_the_count(seeded, world):
    with seeded.app_context():
        meeting = glm_with_attendance(world)
        made = endorsed_amendment(world)
        versions = db.session.scalar(select(func.count(PlanVersion.id)))
        services.record_verification(meeting, made, person(world, "secretariat"),
                                     services.Verdict("vote", votes_for=1, votes_against=2, votes_abstaining=0))
        made = db.session.get(Amendment, made.id)
        assert made.state == "rejected" and "1 for, 2 against" in made.glm_note
        assert db.session.scalar(select(func.count(PlanVersion.id))) == versions


# --- minutes ------------------------------------------------------------------------------------


def test_minutes_go_from_draft_to_endorsed_by_the_group_lead_and_a_correction_keeps_the_old_revision(seeded, world):
    with seeded.app_context():
        lead = person(world, "wg_lead")
        meeting = meeting_of("wg-training", "wg", datetime(2026, 11, 10, 10), lead)
        services.save_minutes(meeting, lead, "We agreed the 2027 plan.", "en")
        services.circulate_minutes(meeting, lead)
        told = db.session.scalars(select(OutboxMail.to_address).where(OutboxMail.kind == "minutes.circulated")).all()
        assert set(told) == {lead.email, person(world, "wg_member").email}  # the body's members read them
        with pytest.raises(services.MeetingError):
            services.save_minutes(meeting, lead, "Changed after circulating.", "en")
        db.session.rollback()
        with pytest.raises(services.NotAllowed):
            services.endorse_minutes(meeting, person(world, "secretariat"))  # a group's lead endorses its minutes
        services.endorse_minutes(meeting, lead)
        with pytest.raises(services.MeetingError, match="Nothing was saved"):
            services.save_minutes(meeting, lead, "Corrected.", "fr")  # a correction says what it corrects
        db.session.rollback()
        services.save_minutes(meeting, lead, "Nous avons adopté le plan 2027.", "fr", "The date of the plan.")
        revisions = [(m.revision, m.state, m.language) for m in db.session.get(Meeting, meeting.id).minutes]
        assert revisions == [(1, "endorsed", "en"), (2, "draft", "fr")]
        assert db.session.get(Meeting, meeting.id).minutes[0].text == "We agreed the 2027 plan."


def test_an_endorsement_by_someone_who_may_not_endorse_is_403_and_changes_nothing(seeded, world):
    with seeded.app_context():
        lead = person(world, "wg_lead")
        meeting = meeting_of("wg-training", "wg", datetime(2026, 11, 10, 10), lead)
        services.save_minutes(meeting, lead, "Minutes.", "en")
        services.circulate_minutes(meeting, lead)
        meeting_id = meeting.id
    client = seeded.test_client()
    log_in(client, world["wg_member"])
    with seeded.app_context():
        before = snapshot()
    assert client.post(f"/meetings/{meeting_id}/minutes/endorse").status_code in (400, 403)
    with seeded.app_context():
        assert snapshot() == before


def test_the_minutes_download_as_a_pdf(seeded, world):
    with seeded.app_context():
        lead = person(world, "wg_lead")
        meeting = meeting_of("wg-training", "wg", datetime(2026, 11, 10, 10), lead)
        services.save_minutes(meeting, lead, "We agreed the 2027 plan.", "en")
        meeting_id = meeting.id
    client = seeded.test_client()
    log_in(client, world["wg_lead"])
    response = client.get(f"/meetings/{meeting_id}/minutes/1.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_a_past_meeting_without_minutes_shows_minutes_missing_to_the_secretariat_only(seeded, world):
    with seeded.app_context():
        meeting_id = meeting_of("wg-training", "wg", datetime(2026, 11, 10, 10), person(world, "wg_lead")).id
    rome, member = seeded.test_client(), seeded.test_client()
    log_in(rome, world["secretariat"])
    log_in(member, world["wg_member"])
    assert "Minutes missing" in page_text(rome.get("/meetings?lang=en"))
    assert "Minutes missing" in page_text(rome.get(f"/meetings/{meeting_id}?lang=en"))
    assert "Minutes missing" not in page_text(member.get("/meetings?lang=en"))


# --- action points ------------------------------------------------------------------------------


def test_action_points_show_on_the_owner_home_the_body_page_the_activity_and_the_next_agenda(seeded, world):
    with seeded.app_context():
        lead = person(world, "wg_lead")
        first = meeting_of("wg-training", "wg", datetime(2026, 11, 10, 10), lead, title="November call")
        services.add_action_point(first, lead, services.ActionPointData(
            text={"en": "Publish the training calendar"}, body=body("wg-training"), due_on=date(2026, 11, 30),
            owner=person(world, "wg_member"), activity=activity("3.1.1.2")))
        following = meeting_of("wg-training", "wg", datetime(2027, 1, 12, 10), lead, title="January call").id
    member = seeded.test_client()
    log_in(member, world["wg_member"])
    for url in ("/?lang=en", "/bodies/wg-training?lang=en", "/plan/activities/3.1.1.2?lang=en",
                f"/meetings/{following}?lang=en"):
        assert "Publish the training calendar" in page_text(member.get(url)), url


def test_dropping_an_action_point_needs_a_note_and_its_owner_may_mark_it_done(seeded, world):
    with seeded.app_context():
        lead = person(world, "wg_lead")
        meeting = meeting_of("wg-training", "wg", datetime(2026, 11, 10, 10), lead)
        point = services.add_action_point(meeting, lead, services.ActionPointData(
            text={"en": "Do it"}, body=body("wg-training"), due_on=date(2026, 11, 30), owner=person(world, "wg_member")))
        with pytest.raises(services.MeetingError):
            services.set_action_point_status(point, lead, "dropped", "")
        db.session.rollback()
        services.set_action_point_status(db.session.get(ActionPoint, point.id), person(world, "wg_member"), "done")
        assert db.session.get(ActionPoint, point.id).status == "done"


def test_overdue_action_points_are_reminded_through_the_outbox_once_a_day(seeded, world):
    today = date.today()
    with seeded.app_context():
        lead = person(world, "wg_lead")
        meeting = meeting_of("wg-training", "wg", datetime.combine(today - timedelta(days=10), datetime.min.time()),
                             lead)
        services.add_action_point(meeting, lead, services.ActionPointData(
            text={"en": "Late thing"}, body=body("wg-training"), due_on=today - timedelta(days=3)))  # the leads hear
        services.add_action_point(meeting, lead, services.ActionPointData(
            text={"en": "Not yet due"}, body=body("wg-training"), due_on=today + timedelta(days=20)))
        first = send_overdue_reminders(today)
        again = send_overdue_reminders(today)
        tomorrow = send_overdue_reminders(today + timedelta(days=1))
        mails = db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "action_point.overdue")).all()
        assert (first.mails, again.mails, tomorrow.mails) == (1, 0, 1)
        assert {m.to_address for m in mails} == {lead.email} and "Late thing" in mails[0].body


# --- calendars ----------------------------------------------------------------------------------


def test_a_meeting_ics_parses_back_with_its_time_zone(seeded, world):
    with seeded.app_context():
        meeting_id = meeting_of("wg-training", "wg", datetime(2027, 1, 12, 14, 0), person(world, "wg_lead"),
                                zone="Africa/Nairobi", title="January call").id
    client = seeded.test_client()
    log_in(client, world["viewer"])
    response = client.get(f"/meetings/{meeting_id}.ics")
    assert response.mimetype == "text/calendar"
    event = Calendar.from_ical(response.data).events[0]
    assert str(event["SUMMARY"]) == "January call"
    assert event.start == datetime(2027, 1, 12, 11, 0, tzinfo=timezone.utc)
    assert str(event.start.tzinfo) == "Africa/Nairobi" and event.start.hour == 14
    assert event.end - event.start == timedelta(minutes=120)


def test_a_person_feed_lists_their_body_meetings_and_a_renewed_link_stops_the_old_one(seeded, world):
    with seeded.app_context():
        lead = person(world, "wg_lead")
        meeting_of("wg-training", "wg", datetime(2027, 1, 12, 14, 0), lead, title="January call")
        meeting_of("wg-partnerships", "wg", datetime(2027, 1, 13, 14, 0), person(world, "other_lead"),
                   title="Not theirs")
        old = calendars.token_for("user", lead.id, services.calendar_salt("user", lead.id))
        db.session.commit()
    client = seeded.test_client()
    feed = Calendar.from_ical(client.get(f"/calendar/{old}.ics").data)
    assert [str(e["SUMMARY"]) for e in feed.events] == ["January call"]
    with seeded.app_context():
        services.renew_calendar("user", world["wg_lead"], person(world, "wg_lead"))
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get("/calendar/forged.ics").status_code == 404


# --- the migration ------------------------------------------------------------------------------


def test_the_migration_turns_recorded_verifications_into_decisions_of_glm_meetings(empty_app):
    from flask_migrate import downgrade, upgrade

    from tests.conftest import load_real_seed

    with empty_app.app_context():
        upgrade()
        load_real_seed()
        strategy = current_strategy()
        ensure_periods(strategy)
        period = find_period(strategy, "2026-Q4")
        set_glm(period, True, "GLM November 2026", actor=None)
        rome = User(email="rome@example.org", name="Rome")
        db.session.add(rome)
        db.session.commit()
        made = Amendment(strategy_id=strategy.id, kind="retire", state="applied", activity_id=activity("3.1.2.1").id,
                         retire_as="completed", rationale="Done.", glm_recorded_by_id=rome.id,
                         glm_recorded_at=datetime(2026, 11, 21, tzinfo=timezone.utc), glm_period_id=period.id,
                         glm_name="GLM November 2026", glm_on=GLM_DAY)
        db.session.add(made)
        db.session.commit()
        period_id, made_id = period.id, made.id
        db.session.remove()
        downgrade(revision="0008_partners")
        upgrade()
        meeting = db.session.scalars(select(Meeting)).one()
        decision = db.session.scalars(select(Decision)).one()
        assert (meeting.kind, meeting.local_date, meeting.period_id, meeting.body.slug) == ("glm", GLM_DAY, period_id,
                                                                                           "glc")
        assert (decision.amendment_id, decision.outcome, decision.method) == (made_id, "verified", "unrecorded")


def test_sag_minutes_are_endorsed_by_the_sag_chair_not_by_a_member_nor_the_secretariat(seeded, world, make_user):
    chair_id = make_user("Sag Chair", bodies=[("sag", "lead")])
    with seeded.app_context():
        rome, chair = person(world, "secretariat"), db.session.get(User, chair_id)
        meeting = meeting_of("sag", "sag", datetime(2026, 11, 12, 14), rome, title="SAG consultation")
        services.save_minutes(meeting, rome, "The SAG met.", "en")
        services.circulate_minutes(meeting, rome)
        for refused in (person(world, "sag"), rome):
            with pytest.raises(services.NotAllowed):
                services.endorse_minutes(meeting, refused)
            db.session.rollback()
        assert services.endorse_minutes(meeting, chair).endorsed_by_id == chair_id
