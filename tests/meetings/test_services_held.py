"""Meeting services held to their word: each refusal names its problems and writes nothing, each write is audited."""
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from sip.accounts.models import Membership, User
from sip.core.models import AuditEntry, OutboxMail
from sip.extensions import db
from sip.governance.models import Amendment
from sip.meetings import services
from sip.meetings.models import ActionPoint, AgendaItem, Attendance, CalendarKey, Decision, Meeting, Minutes
from sip.plan.queries import current_strategy
from sip.reporting.services import find_period
from tests.governance.conftest import activity, person
from tests.meetings.helpers import body, meeting_of
from tests.meetings.test_services import GLM_DAY, endorsed_amendment, glm_with_attendance, world  # noqa: F401

PAST = datetime(2026, 11, 10, 10, 0)  # a Tuesday morning in Rome, before today
FUTURE = datetime(2099, 1, 12, 10, 0)


@pytest.fixture
def ctx(seeded, world):
    """An application context with the people of `world` at hand ({role: User} through `who`)."""
    with seeded.app_context():
        yield lambda role: person(world, role)
        db.session.remove()


def audits(action) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def refused(call, *args, **kwargs) -> list[str]:
    """The problems of a refused call (after checking it audited nothing)."""
    entries = count(AuditEntry)
    with pytest.raises(services.MeetingError) as refusal:
        call(*args, **kwargs)
    db.session.rollback()
    assert str(refusal.value) == "Nothing was saved." and count(AuditEntry) == entries
    return refusal.value.problems


def exactly(message: str) -> str:
    """A pattern matching this whole message only."""
    return f"^{re.escape(message)}$"


def data(**changes) -> services.MeetingData:
    """A valid meeting of the training group, with some fields changed."""
    fields = {"body": body("wg-training"), "kind": "wg", "title": {"en": "Call"}, "starts": PAST,
              "place": "Rome", "languages": ["en"]}
    return services.MeetingData(**(fields | changes))


def glm_period():
    return find_period(current_strategy(), "2026-Q4")


# --- scheduling ---------------------------------------------------------------------------------


def test_a_meeting_is_stored_as_typed_cleaned_in_utc_and_audited(ctx):
    rome = ctx("secretariat")
    meeting = services.create_meeting(services.MeetingData(
        body=body("glc"), kind="glm", title={"en": "  GLM\r\nNovember ", "fr": "\r"},
        starts=datetime(2026, 11, 20, 9, 30),
        timezone="Africa/Nairobi", duration_minutes=services.DURATION_MAX, place="  " + "P" * 250,
        link=" https://meet.example.org/glm ", languages=["en", "fr", "de"], period=glm_period()), rome)
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.title == {"en": "GLM\nNovember"}
    assert meeting.starts_utc == datetime(2026, 11, 20, 6, 30, tzinfo=timezone.utc)
    assert (meeting.kind, meeting.body_id, meeting.timezone, meeting.duration_minutes) == (
        "glm", body("glc").id, "Africa/Nairobi", services.DURATION_MAX)
    assert meeting.place == "P" * 200 and meeting.link == "https://meet.example.org/glm"
    assert meeting.languages == ["fr", "en"] and meeting.period_id == glm_period().id
    assert meeting.created_by_id == rome.id
    (entry,) = audits("meeting.created")
    assert (entry.entity, entry.entity_id, entry.user_id) == ("meeting", str(meeting.id), rome.id)
    assert entry.after == {"body": body("glc").id, "kind": "glm", "title": {"en": "GLM\nNovember"},
                           "starts_at": "2026-11-20T06:30:00+00:00", "timezone": "Africa/Nairobi",
                           "place": "P" * 200, "link": "https://meet.example.org/glm", "languages": ["fr", "en"],
                           "period": glm_period().id}


def test_a_meeting_s_start_is_stored_in_utc_whatever_the_server_s_time_zone(ctx, monkeypatch):
    """09:30 in Nairobi is 06:30 UTC, written with a UTC offset, on a server set to New York too."""
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        fields, problems = services.check_meeting(data(starts=datetime(2026, 11, 20, 9, 30), timezone="Africa/Nairobi"))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert problems == []
    assert fields["starts_at"].isoformat() == "2026-11-20T06:30:00+00:00"


@pytest.mark.parametrize("kind", ["glm", "sag"])
def test_a_group_s_lead_may_not_call_a_glm_or_a_sag_consultation_for_the_group(ctx, kind):
    """Those two kinds are the secretariat's, whichever body the lead names (the permission reads the kind asked)."""
    with pytest.raises(services.NotAllowed, match=exactly(
            "You may not create this meeting: the secretariat creates GLM plenaries and SAG consultations, a group's "
            "lead the group's meetings.")):
        services.create_meeting(data(kind=kind), ctx("wg_lead"))
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_typed_text_keeps_its_lines_whatever_the_line_ends(ctx):
    """Windows (CR LF) and old Mac (CR) line ends become one line end each; spaces around go."""
    assert services._clean("  We met.\r\nWe agreed.\rWe left.\n ") == "We met.\nWe agreed.\nWe left."
    assert services._clean(None) == ""


def test_a_meeting_other_than_a_glm_keeps_no_period_and_an_online_one_no_place(ctx):
    meeting = services.create_meeting(data(kind="other", period=glm_period(), place="   ",
                                           link="http://meet.example.org/x", duration_minutes=1), ctx("wg_lead"))
    assert (meeting.period_id, meeting.place, meeting.link, meeting.duration_minutes) == (
        None, None, "http://meet.example.org/x", 1)
    assert meeting.title == {"en": "Call"} and meeting.languages == ["en"]


@pytest.mark.parametrize("changes,problem", [
    ({"kind": "party"}, "Choose the kind of meeting."),
    ({"body": None}, "Choose the body that meets."),
    ({"body": "sag"}, "A working-group meeting is a meeting of a body of another kind; choose “Other meeting” or "
                      "another body."),
    ({"title": {"en": " ", "fr": None}}, "Write the title, in French, English or both."),
    ({"title": None}, "Write the title, in French, English or both."),
    ({"title": {"fr": "T" * 201}}, "The title is at most 200 characters long."),
    ({"timezone": "Mars/Base"}, "Choose the time zone the meeting is held in."),
    ({"timezone": ""}, "Choose the time zone the meeting is held in."),
    ({"timezone": None}, "Choose the time zone the meeting is held in."),
    ({"starts": None}, "Give the date and time the meeting starts."),
    ({"duration_minutes": 0}, "The meeting lasts between 1 minute and 7 days."),
    ({"duration_minutes": None}, "The meeting lasts between 1 minute and 7 days."),
    ({"duration_minutes": services.DURATION_MAX + 1}, "The meeting lasts between 1 minute and 7 days."),
    ({"place": None}, "Say where it is held: a place, an online link, or both."),
    ({"link": "ftp://meet.example.org"}, "The online link is a web address starting with https://."),
    ({"link": "https://meet.example.org/a room"}, "The online link is a web address starting with https://."),
    ({"link": "https://" + "x" * 493}, "The online link is a web address starting with https://."),
    ({"languages": ["de"]}, "Choose the meeting's language(s)."),
    ({"languages": None}, "Choose the meeting's language(s)."),
])
def test_each_problem_of_a_meeting_is_named_and_nothing_is_saved(ctx, changes, problem):
    if changes.get("body") == "sag":
        changes = changes | {"body": body("sag")}  # a copy: the parameters are shared between runs
    assert refused(services.create_meeting, data(**changes), ctx("secretariat")) == [problem]
    assert count(Meeting) == 0


def test_a_link_of_five_hundred_characters_and_a_title_of_two_hundred_are_accepted(ctx):
    meeting = services.create_meeting(data(link="https://" + "x" * 492, title={"fr": "T" * 200}), ctx("wg_lead"))
    assert len(meeting.link) == 500 and meeting.title == {"fr": "T" * 200}


@pytest.mark.parametrize("period", [None, "not a glm"])
def test_a_glm_plenary_needs_a_period_marked_as_a_glm(ctx, period):
    chosen = find_period(current_strategy(), "2026-Q3") if period else None
    problems = refused(services.create_meeting, data(body=body("glc"), kind="glm", period=chosen), ctx("secretariat"))
    assert problems == ["Choose the GLM this plenary is: a reporting period marked as a GLM period."]


def test_a_dissolved_body_holds_no_more_meetings_even_for_the_secretariat(ctx):
    body("wg-training").dissolved_on = date.today() - timedelta(days=1)
    db.session.commit()
    assert refused(services.create_meeting, data(), ctx("secretariat")) == [
        "This body is dissolved; it holds no more meetings."]
    with pytest.raises(services.NotAllowed, match=exactly(
            "You may not create this meeting: the secretariat creates GLM plenaries and SAG consultations, a group's "
            "lead the group's meetings.")):
        services.create_meeting(data(), ctx("wg_lead"))


# --- agenda -------------------------------------------------------------------------------------


def test_agenda_points_are_numbered_in_order_linked_to_what_they_are_about_and_audited(ctx):
    lead = ctx("wg_lead")
    earlier = meeting_of("wg-training", "wg", PAST, lead)
    point = services.add_action_point(earlier, lead, services.ActionPointData(
        text={"en": "Do it"}, body=body("wg-training"), due_on=date(2026, 12, 1)))
    meeting = meeting_of("wg-training", "wg", FUTURE, lead)
    first = services.add_agenda_item(meeting, lead, {"en": " Welcome\r\n", "fr": ""})
    second = services.add_agenda_item(meeting, lead, None, activity=activity("3.1.1.2"))
    third = services.add_agenda_item(meeting, lead, {"fr": "Suivi"}, action_point=point)
    assert [i.position for i in (first, second, third)] == [1, 2, 3]
    assert (first.title, second.title, third.title) == ({"en": "Welcome"}, {}, {"fr": "Suivi"})
    assert second.activity_id == activity("3.1.1.2").id and third.action_point_id == point.id
    assert services.add_agenda_item(earlier, lead, {"en": "Other meeting"}).position == 1
    entries = audits("meeting.agenda_item_added")
    assert (entries[0].entity, entries[0].entity_id, entries[0].user_id) == ("meeting", str(meeting.id), lead.id)
    assert entries[0].after == {"item": first.id, "title": {"en": "Welcome"}, "activity": None, "report": None,
                                "amendment": None, "action_point": None}
    assert entries[2].after["action_point"] == point.id and entries[1].after["activity"] == activity("3.1.1.2").id


def test_an_agenda_point_needs_a_title_unless_it_is_about_something_and_never_a_long_one(ctx):
    lead = ctx("wg_lead")
    meeting = meeting_of("wg-training", "wg", FUTURE, lead)
    assert refused(services.add_agenda_item, meeting, lead, {"en": "  "}) == [
        "Write the agenda point, in French, English or both."]
    assert refused(services.add_agenda_item, meeting, lead, {"en": "A" * 201}, activity=activity("3.1.1.2")) == [
        "The title is at most 200 characters long."]
    assert services.add_agenda_item(meeting, lead, {"en": "A" * 200}, activity=activity("3.1.1.2")).title == {
        "en": "A" * 200}
    assert count(AgendaItem) == 1


def test_an_action_point_of_a_meeting_is_not_put_on_its_own_agenda(ctx):
    lead = ctx("wg_lead")
    meeting = meeting_of("wg-training", "wg", PAST, lead)
    point = services.add_action_point(meeting, lead, services.ActionPointData(
        text={"en": "Do it"}, body=body("wg-training"), due_on=date(2026, 12, 1)))
    assert refused(services.add_agenda_item, meeting, lead, None, action_point=point) == [
        "An action point of this meeting cannot be on its own agenda."]
    assert count(AgendaItem) == 0


def test_only_who_manages_the_meeting_sets_its_agenda_attendance_and_action_points(ctx):
    meeting = meeting_of("wg-training", "wg", PAST, ctx("wg_lead"))
    member = ctx("wg_member")
    with pytest.raises(services.NotAllowed, match=exactly("Only the secretariat or the body's lead sets the agenda.")):
        services.add_agenda_item(meeting, member, {"en": "Mine"})
    with pytest.raises(services.NotAllowed, match=exactly(
            "Only the secretariat or the body's lead records attendance.")):
        services.record_attendance(meeting, member, person=member)
    with pytest.raises(services.NotAllowed, match=exactly(
            "Only the secretariat or the body's lead records action points.")):
        services.add_action_point(meeting, member, services.ActionPointData(
            text={"en": "Do it"}, body=body("wg-training"), due_on=date(2026, 12, 1)))
    row = services.record_attendance(meeting, ctx("wg_lead"), person=member)
    with pytest.raises(services.NotAllowed, match=exactly(
            "Only the secretariat or the body's lead records attendance.")):
        services.remove_attendance(row, member)
    db.session.rollback()
    assert count(AgendaItem) == 0 and count(ActionPoint) == 0 and count(Attendance) == 1


# --- attendance ---------------------------------------------------------------------------------


def test_at_a_glm_a_partners_people_vote_once_per_partner_and_stakeholders_observe(ctx, world):
    meeting = glm_with_attendance(world)
    rows = {db.session.get(User, a.user_id).name: a for a in meeting.attendance}
    assert {name: a.voting for name, a in rows.items()} == {
        "Delegate WFP": True, "Delegate ALS": True, "Delegate HLA": True, "Delegate Uni": False}
    assert rows["Delegate WFP"].organisation_id == ctx("delegate_wfp").organisation_id
    wfp = ctx("delegate_wfp").organisation
    services.record_attendance(meeting, ctx("secretariat"), organisation=wfp)  # the organisation as such
    assert services.voting_partners(meeting) == 3
    entry = audits("meeting.attendance_added")[0]
    assert (entry.entity, entry.entity_id, entry.user_id) == ("meeting", str(meeting.id), ctx("secretariat").id)
    assert entry.after == {"attendance": rows["Delegate WFP"].id, "person": ctx("delegate_wfp").id,
                           "organisation": wfp.id, "voting": True}


def test_outside_a_glm_nobody_present_votes(ctx):
    meeting = meeting_of("wg-training", "wg", PAST, ctx("wg_lead"))
    row = services.record_attendance(meeting, ctx("wg_lead"), person=ctx("delegate_wfp"))
    assert row.voting is False and services.voting_partners(meeting) == 0


def test_someone_already_present_or_nobody_at_all_is_refused(ctx):
    rome = ctx("secretariat")
    meeting = meeting_of("wg-training", "wg", PAST, rome)
    delegate = ctx("delegate_als")
    services.record_attendance(meeting, rome, person=delegate)
    services.record_attendance(meeting, rome, organisation=ctx("delegate_wfp").organisation)
    assert refused(services.record_attendance, meeting, rome, person=delegate) == [
        "Delegate ALS is already listed as present."]
    assert refused(services.record_attendance, meeting, rome, organisation=ctx("delegate_wfp").organisation) == [
        "WFP is already listed as present."]
    assert refused(services.record_attendance, meeting, rome) == ["Choose a person or an organisation."]
    services.record_attendance(meeting, rome, organisation=delegate.organisation)  # ALS as such, beside its delegate
    services.record_attendance(meeting, rome, person=ctx("delegate_wfp"))  # WFP's delegate, beside WFP as such
    assert count(Attendance) == 4


def test_taking_someone_off_the_list_is_audited(ctx):
    rome = ctx("secretariat")
    meeting = meeting_of("wg-training", "wg", PAST, rome)
    row = services.record_attendance(meeting, rome, person=ctx("delegate_hla"))
    row_id, organisation = row.id, row.organisation_id
    services.remove_attendance(row, rome)
    assert count(Attendance) == 0
    (entry,) = audits("meeting.attendance_removed")
    assert (entry.entity, entry.entity_id, entry.user_id) == ("meeting", str(meeting.id), rome.id)
    assert entry.before == {"attendance": row_id, "person": ctx("delegate_hla").id, "organisation": organisation,
                            "voting": False}


# --- minutes ------------------------------------------------------------------------------------


def test_a_draft_is_saved_cleaned_then_rewritten_in_place_each_time_audited(ctx):
    lead, rome = ctx("wg_lead"), ctx("secretariat")
    meeting = meeting_of("wg-training", "wg", PAST, lead)
    first = services.save_minutes(meeting, lead, "  We met.\r\nWe agreed.\r", "en")
    assert (first.revision, first.state, first.text, first.language, first.written_by_id, first.correction_note) == (
        1, "draft", "We met.\nWe agreed.", "en", lead.id, None)
    written = first.written_at
    again = services.save_minutes(meeting, rome, "Nous nous sommes réunis.", "fr")
    assert again.id == first.id and (again.revision, again.text, again.language, again.written_by_id) == (
        1, "Nous nous sommes réunis.", "fr", rome.id)
    assert again.written_at >= written and count(Minutes) == 1
    created, rewritten = audits("minutes.saved")
    assert (created.entity, created.entity_id, created.user_id) == ("meeting_minutes", str(first.id), lead.id)
    assert created.before is None and created.rationale is None
    assert created.after == {"meeting": meeting.id, "revision": 1, "language": "en", "text": "We met.\nWe agreed."}
    assert rewritten.user_id == rome.id
    assert rewritten.before == {"revision": 1, "language": "en", "text": "We met.\nWe agreed."}
    assert rewritten.after == {"meeting": meeting.id, "revision": 1, "language": "fr",
                               "text": "Nous nous sommes réunis."}


@pytest.mark.parametrize("text,language,note,problems", [
    (" \r\n ", "en", None, ["Write the minutes."]),
    (None, "en", None, ["Write the minutes."]),
    ("M" * (services.MINUTES_MAX + 1), "en", None, ["The minutes are at most 100000 characters long."]),
    ("Minutes.", "de", None, ["Say which language the minutes are written in."]),
    ("Minutes.", "en", "N" * (services.NOTE_MAX + 1), ["The note is at most 2000 characters long."]),
])
def test_each_problem_of_the_minutes_is_named_and_nothing_is_saved(ctx, text, language, note, problems):
    lead = ctx("wg_lead")
    meeting = meeting_of("wg-training", "wg", PAST, lead)
    assert refused(services.save_minutes, meeting, lead, text, language, note) == problems
    assert count(Minutes) == 0


def test_minutes_of_the_longest_length_are_kept(ctx):
    lead = ctx("wg_lead")
    meeting = meeting_of("wg-training", "wg", PAST, lead)
    text = "M" * services.MINUTES_MAX
    assert services.save_minutes(meeting, lead, text, "en", "N" * services.NOTE_MAX).text == text


def test_minutes_are_written_only_once_the_meeting_has_begun(ctx):
    lead = ctx("wg_lead")
    meeting = meeting_of("wg-training", "wg", FUTURE, lead)
    with pytest.raises(services.NotAllowed, match=exactly(
            "Only the secretariat or the body's lead writes the minutes, once the meeting has begun.")):
        services.save_minutes(meeting, lead, "Too early.", "en")
    with pytest.raises(services.NotAllowed, match=exactly(
            "Only the secretariat or the body's lead circulates the minutes.")):
        services.circulate_minutes(meeting, lead)
    assert count(Minutes) == 0


def test_circulated_minutes_are_frozen_and_told_to_the_bodys_current_active_members_in_their_language(
        ctx, make_user):
    lead = ctx("wg_lead")
    french = make_user("Francine Membre", bodies=[("wg-training", "member")], language="fr")
    gone = make_user("Gone Member", bodies=[("wg-training", "member")])
    asleep = make_user("Asleep Member", bodies=[("wg-training", "member")], active=False)
    leaving = make_user("Leaving Member", bodies=[("wg-training", "member")])
    coming = make_user("Coming Member", bodies=[("wg-training", "member")])
    db.session.rollback()  # see the people made in their own context
    db.session.scalar(select(Membership).where(Membership.user_id == coming)).since = date.today() + timedelta(days=1)
    ended = db.session.scalar(select(Membership).where(Membership.user_id == gone))
    ended.since, ended.until = date(2025, 1, 1), date.today() - timedelta(days=1)
    db.session.scalar(select(Membership).where(Membership.user_id == leaving)).until = date.today()  # still today
    db.session.commit()
    meeting = services.create_meeting(data(title={"en": "November call", "fr": "Appel de novembre"}), lead)
    with pytest.raises(services.MeetingError, match=exactly("There is no draft of the minutes to circulate.")):
        services.circulate_minutes(meeting, lead)
    minutes = services.save_minutes(meeting, lead, "We met.", "en")
    circulated = services.circulate_minutes(meeting, lead)
    assert circulated.id == minutes.id and circulated.state == "circulated" and circulated.circulated_at is not None
    (entry,) = audits("minutes.circulated")
    assert (entry.entity, entry.entity_id, entry.user_id) == ("meeting_minutes", str(minutes.id), lead.id)
    assert entry.before == {"state": "draft"} and entry.after == {"state": "circulated", "revision": 1}
    mails = {m.to_address: m for m in db.session.scalars(select(OutboxMail).where(
        OutboxMail.kind == "minutes.circulated"))}
    emails = {uid: db.session.get(User, uid).email for uid in (french, gone, asleep, leaving, coming)}
    assert set(mails) == {lead.email, ctx("wg_member").email, emails[french], emails[leaving]}
    english = mails[lead.email]
    assert english.subject == "Minutes to read: November call"
    assert english.body == (
        f"Hello {lead.name},\n\nThe minutes of “November call” have been circulated for endorsement. Read them, "
        f"and tell the body's lead of any correction before they are endorsed: "
        f"http://sip.test/meetings/{meeting.id}#minutes")
    assert mails[emails[french]].subject != english.subject and "Appel de novembre" in mails[emails[french]].subject
    assert refused(services.save_minutes, meeting, lead, "Changed.", "en") == [
        "The minutes have been circulated; they wait for endorsement and can no longer be changed."]
    with pytest.raises(services.MeetingError, match=exactly("There is no draft of the minutes to circulate.")):
        services.circulate_minutes(meeting, lead)


def test_endorsed_minutes_are_kept_and_a_correction_is_a_new_revision_with_its_reason(ctx):
    lead = ctx("wg_lead")
    meeting = meeting_of("wg-training", "wg", PAST, lead)
    services.save_minutes(meeting, lead, "We met.", "en")
    services.circulate_minutes(meeting, lead)
    with pytest.raises(services.NotAllowed, match=exactly("You may not endorse these minutes.")):
        services.endorse_minutes(meeting, ctx("wg_member"))
    db.session.rollback()
    assert meeting.current_minutes.state == "circulated" and not audits("minutes.endorsed")
    endorsed = services.endorse_minutes(meeting, lead)
    assert (endorsed.state, endorsed.endorsed_by_id) == ("endorsed", lead.id) and endorsed.endorsed_at is not None
    (entry,) = audits("minutes.endorsed")
    assert (entry.entity, entry.entity_id, entry.user_id) == ("meeting_minutes", str(endorsed.id), lead.id)
    assert entry.before == {"state": "circulated"} and entry.after == {"state": "endorsed", "revision": 1}
    assert refused(services.save_minutes, meeting, lead, "Corrected.", "en", "  ") == [
        "The endorsed minutes are kept as they are; say what this revision corrects."]
    correction = services.save_minutes(meeting, lead, "We met on Tuesday.", "en", " The day. ")
    assert (correction.revision, correction.state, correction.correction_note) == (2, "draft", "The day.")
    assert db.session.get(Minutes, endorsed.id).text == "We met."
    last = audits("minutes.saved")[-1]
    assert last.rationale == "The day." and last.before is None and last.after["revision"] == 2


# --- decisions ----------------------------------------------------------------------------------


def test_a_decision_is_recorded_cleaned_by_consensus_and_audited(ctx):
    lead = ctx("wg_lead")
    meeting = meeting_of("wg-training", "wg", PAST, lead)
    decision = services.record_decision(meeting, lead, {"en": " Adopt the plan.\r\n", "fr": ""})
    assert (decision.text, decision.method, decision.recorded_by_id, decision.meeting_id) == (
        {"en": "Adopt the plan."}, "consensus", lead.id, meeting.id)
    (entry,) = audits("meeting.decision_recorded")
    assert (entry.entity, entry.entity_id, entry.user_id) == ("meeting_decision", str(decision.id), lead.id)
    assert entry.after == {"meeting": meeting.id, "text": {"en": "Adopt the plan."}}
    assert refused(services.record_decision, meeting, lead, {"fr": " "}) == [
        "Write the decision, in French, English or both."]
    assert refused(services.record_decision, meeting, lead, {"fr": "D" * 2001}) == [
        "The decision is at most 2000 characters long."]
    with pytest.raises(services.NotAllowed, match=exactly("You may not record this meeting's decisions.")):
        services.record_decision(meeting, ctx("wg_member"), {"en": "Mine."})
    assert count(Decision) == 1


@pytest.mark.parametrize("verdict,expected", [
    (services.Verdict("consensus", verified=True), (True, [])),
    (services.Verdict("consensus", verified=False), (False, [])),
    (services.Verdict("consensus"), (None, ["Say whether the plenary verified or rejected it."])),
    (services.Verdict("show of hands"), (None, ["Say how the plenary decided: by consensus or by vote."])),
    (services.Verdict("vote", votes_for=2, votes_against=1, votes_abstaining=0), (True, [])),
    (services.Verdict("vote", votes_for=1, votes_against=1, votes_abstaining=1), (False, [])),
    (services.Verdict("vote", votes_for=0, votes_against=0, votes_abstaining=0),
     (False, ["No vote was counted; give the votes for, against and abstaining."])),
    (services.Verdict("vote", votes_for=3, votes_against=1, votes_abstaining=0),
     (True, ["4 votes were counted, but only 3 partner organisations with a vote are recorded as present "
             "(stakeholders observe and do not vote). Record the attendance first, or correct the count."])),
])
def test_a_verdict_is_read_from_its_method_and_counts(ctx, world, verdict, expected):
    meeting = glm_with_attendance(world)
    assert services.check_verdict(meeting, verdict) == expected


@pytest.mark.parametrize("counts", [(None, 0, 0), (1, -1, 0), (0, 0, services.VOTES_MAX + 1)])
def test_a_vote_needs_three_counts_none_negative_or_absurd(ctx, counts):
    meeting = meeting_of("glc", "other", PAST, ctx("secretariat"))
    verdict = services.Verdict("vote", votes_for=counts[0], votes_against=counts[1], votes_abstaining=counts[2])
    assert services.check_verdict(meeting, verdict) == (
        None, ["Give the number of votes for, against and abstaining (0 or more each)."])


def test_a_vote_may_count_every_partner_present_and_no_more_and_says_so_in_the_singular(ctx):
    rome = ctx("secretariat")
    meeting = meeting_of("glc", "other", PAST, rome)
    meeting.kind = "glm"
    db.session.commit()
    services.record_attendance(meeting, rome, person=ctx("delegate_wfp"))
    one = services.Verdict("vote", votes_for=0, votes_against=1, votes_abstaining=0)
    assert services.check_verdict(meeting, one) == (False, [])
    two = services.Verdict("vote", votes_for=1, votes_against=0, votes_abstaining=1)
    assert services.check_verdict(meeting, two)[1] == [
        "2 votes were counted, but only 1 partner organisation with a vote is recorded as present (stakeholders "
        "observe and do not vote). Record the attendance first, or correct the count."]
    most = services.Verdict("vote", votes_for=services.VOTES_MAX, votes_against=0, votes_abstaining=0)
    assert services.check_verdict(meeting, most)[0] is True  # counted (too many for the room, but a number)


def test_a_glm_held_where_the_day_has_already_turned_is_recorded_on_its_own_day(ctx, world, monkeypatch):
    """A plenary in a time zone ahead of UTC meets on a day the server's UTC clock has not reached yet: its verdict is
    recorded and dated on the meeting's own day, not refused as a date in the future."""
    from sip.governance import services as governance_services

    rome = ctx("secretariat")
    meeting = glm_with_attendance(world)
    meeting.timezone = "Pacific/Kiritimati"  # UTC+14
    meeting.starts_at = datetime(2026, 11, 20, 20, 0, tzinfo=timezone.utc)  # 21 November, 10:00 there
    db.session.commit()
    assert meeting.local_date == date(2026, 11, 21)
    made = endorsed_amendment(world)

    class ServerDay(date):
        @classmethod
        def today(cls):
            return date(2026, 11, 20)  # the server's UTC day: the plenary's eve

    monkeypatch.setattr(services, "date", ServerDay)
    monkeypatch.setattr(governance_services, "date", ServerDay)
    decision = services.record_verification(meeting, made, rome, services.Verdict("consensus", verified=True))
    amendment = db.session.get(Amendment, made.id)
    assert (db.session.get(Decision, decision.id).outcome, amendment.state, amendment.glm_on) == (
        "verified", "applied", date(2026, 11, 21))


def test_a_consensus_verification_applies_the_amendment_and_records_the_decision_audited(ctx, world):
    rome = ctx("secretariat")
    meeting = glm_with_attendance(world)
    made = endorsed_amendment(world)
    decision = services.record_verification(meeting, made, rome, services.Verdict("consensus", verified=True))
    decision = db.session.get(Decision, decision.id)
    code = db.session.get(Amendment, made.id).code
    assert (decision.outcome, decision.method, decision.amendment_id, decision.recorded_by_id) == (
        "verified", "consensus", made.id, rome.id)
    assert (decision.votes_for, decision.votes_against, decision.votes_abstaining) == (None, None, None)
    assert decision.text == {"en": f"Amendment {made.id} ({code}) verified by consensus.",
                             "fr": f"Amendement {made.id} ({code}) vérifié par consensus."}
    (entry,) = audits("meeting.decision_recorded")
    assert (entry.entity, entry.entity_id, entry.user_id) == ("meeting_decision", str(decision.id), rome.id)
    assert entry.after == {"meeting": meeting.id, "amendment": made.id, "outcome": "verified", "method": "consensus",
                           "for": None, "against": None, "abstaining": None}
    made = db.session.get(Amendment, made.id)
    assert made.state == "applied" and made.glm_on == GLM_DAY and made.glm_period_id == glm_period().id


def test_a_consensus_rejection_needs_the_plenarys_reason_and_keeps_it(ctx, world):
    rome = ctx("secretariat")
    meeting = glm_with_attendance(world)
    made = endorsed_amendment(world)
    with pytest.raises(services.MeetingError) as refusal:
        services.record_verification(meeting, made, rome, services.Verdict("consensus", verified=False))
    assert refusal.value.problems == ["Say why the GLM rejected it: a note is required."]
    assert count(Decision) == 0 and db.session.get(Amendment, made.id).state == "endorsed"
    decision = services.record_verification(meeting, db.session.get(Amendment, made.id), rome,
                                            services.Verdict("consensus", verified=False, note=" Out of scope. "))
    code = db.session.get(Amendment, made.id).code
    assert decision.text == {"en": f"Amendment {made.id} ({code}) rejected by consensus.",
                             "fr": f"Amendement {made.id} ({code}) rejeté par consensus."}
    made = db.session.get(Amendment, made.id)
    assert made.state == "rejected" and made.glm_note == "Out of scope."


def test_a_vote_is_written_with_its_counts_and_a_rejection_by_vote_says_them(ctx, world):
    rome = ctx("secretariat")
    meeting = glm_with_attendance(world)
    made = endorsed_amendment(world)
    decision = services.record_verification(meeting, made, rome, services.Verdict(
        "vote", votes_for=1, votes_against=2, votes_abstaining=0))
    code = db.session.get(Amendment, made.id).code
    assert (decision.outcome, decision.method, decision.votes_for, decision.votes_against,
            decision.votes_abstaining) == ("rejected", "vote", 1, 2, 0)
    assert decision.text == {
        "en": f"Amendment {made.id} ({code}) rejected by vote (for/against/abstaining: 1/2/0).",
        "fr": f"Amendement {made.id} ({code}) rejeté par vote (pour/contre/abstention : 1/2/0)."}
    assert db.session.get(Amendment, made.id).glm_note == "Rejected by vote: 1 for, 2 against, 0 abstaining."
    assert audits("meeting.decision_recorded")[0].after == {
        "meeting": meeting.id, "amendment": made.id, "outcome": "rejected", "method": "vote", "for": 1,
        "against": 2, "abstaining": 0}


def test_a_vote_that_verifies_says_its_counts_in_both_languages(ctx, world):
    meeting = glm_with_attendance(world)
    made = endorsed_amendment(world)
    decision = services.record_verification(meeting, made, ctx("secretariat"), services.Verdict(
        "vote", votes_for=2, votes_against=0, votes_abstaining=1, note="Well argued."))
    code = db.session.get(Amendment, made.id).code
    assert decision.text == {
        "en": f"Amendment {made.id} ({code}) verified by vote (for/against/abstaining: 2/0/1).",
        "fr": f"Amendement {made.id} ({code}) vérifié par vote (pour/contre/abstention : 2/0/1)."}


def test_a_rejection_by_vote_keeps_the_plenarys_own_note(ctx, world):
    meeting = glm_with_attendance(world)
    made = endorsed_amendment(world)
    services.record_verification(meeting, made, ctx("secretariat"), services.Verdict(
        "vote", votes_for=0, votes_against=2, votes_abstaining=0, note="Too costly."))
    assert db.session.get(Amendment, made.id).glm_note == "Too costly."


def test_a_verdict_on_an_amendment_not_endorsed_or_by_someone_else_is_refused_with_nothing_written(
        ctx, world):
    rome = ctx("secretariat")
    meeting = glm_with_attendance(world)
    made = endorsed_amendment(world)
    made.state = "proposed"
    db.session.commit()
    assert refused(services.record_verification, meeting, made, rome, services.Verdict("consensus", verified=True)) \
        == ["Choose an amendment the SAG has endorsed and no GLM has decided on yet."]
    assert refused(services.record_verification, meeting, None, rome, services.Verdict("consensus")) == [
        "Say whether the plenary verified or rejected it.",
        "Choose an amendment the SAG has endorsed and no GLM has decided on yet."]
    with pytest.raises(services.NotAllowed, match=exactly(
            "Only the secretariat records a GLM plenary's verdict on an amendment, once it has met.")):
        services.record_verification(meeting, made, ctx("wg_lead"), services.Verdict("consensus", verified=True))
    assert count(Decision) == 0


def test_a_refusal_by_the_plan_rolls_the_decision_back(ctx, world):
    meeting = glm_with_attendance(world)
    made = endorsed_amendment(world)
    with pytest.raises(services.MeetingError) as refusal:
        services.record_verification(meeting, made, ctx("secretariat"), services.Verdict(
            "consensus", verified=False, note="N" * 4001))
    assert str(refusal.value) == "Nothing was recorded."
    assert refusal.value.problems == ["The note is at most 4000 characters long."]
    assert count(Decision) == 0 and not audits("meeting.decision_recorded")
    assert db.session.get(Amendment, made.id).state == "endorsed"


# --- action points ------------------------------------------------------------------------------


def test_an_action_point_is_stored_with_its_owner_and_links_and_audited(ctx):
    lead = ctx("wg_lead")
    meeting = meeting_of("wg-training", "wg", PAST, lead)
    point = services.add_action_point(meeting, lead, services.ActionPointData(
        text={"en": " Publish the calendar \r\n"}, body=body("wg-training"), due_on=meeting.local_date,
        owner=ctx("wg_member"), activity=activity("3.1.1.2")))
    point = db.session.get(ActionPoint, point.id)
    assert (point.text, point.body_id, point.owner_id, point.due_on, point.activity_id, point.report_id,
            point.created_by_id, point.status) == (
        {"en": "Publish the calendar"}, body("wg-training").id, ctx("wg_member").id, date(2026, 11, 10),
        activity("3.1.1.2").id, None, lead.id, "open")
    (entry,) = audits("action_point.created")
    assert (entry.entity, entry.entity_id, entry.user_id) == ("action_point", str(point.id), lead.id)
    assert entry.after == {"meeting": meeting.id, "text": {"en": "Publish the calendar"},
                           "body": body("wg-training").id, "owner": ctx("wg_member").id, "due_on": "2026-11-10",
                           "activity": activity("3.1.1.2").id, "report": None}


def test_each_problem_of_an_action_point_is_named_and_nothing_is_saved(ctx, make_user):
    lead = ctx("wg_lead")
    meeting = meeting_of("wg-training", "wg", PAST, lead)
    asleep_id = make_user("Asleep Owner", active=False)
    db.session.rollback()  # see the person made in their own context
    asleep = db.session.get(User, asleep_id)

    def problems(**changes):
        fields = {"text": {"en": "Do it"}, "body": body("wg-training"), "due_on": date(2026, 12, 1)} | changes
        return refused(services.add_action_point, meeting, lead, services.ActionPointData(**fields))

    assert problems(text={"fr": ""}) == ["Write the action point, in French, English or both."]
    assert problems(body=None) == ["Choose the body that owns the action point."]
    assert problems(owner=asleep) == ["Asleep Owner can no longer sign in; choose someone else."]
    assert problems(due_on=None) == ["Give the due date, for example 2026-12-15."]
    assert problems(due_on=date(2026, 11, 9)) == ["The due date cannot be before the meeting."]
    body("wg-training").dissolved_on = date.today() - timedelta(days=1)
    db.session.commit()
    assert problems() == ["This body is dissolved; give the action point to another."]
    assert count(ActionPoint) == 0


def test_an_action_point_is_closed_and_opened_again_with_its_note_audited(ctx):
    lead = ctx("wg_lead")
    meeting = meeting_of("wg-training", "wg", PAST, lead)
    point = services.add_action_point(meeting, lead, services.ActionPointData(
        text={"en": "Do it"}, body=body("wg-training"), due_on=date(2026, 12, 1)))
    dropped = services.set_action_point_status(point, lead, "dropped", " No budget.\r\n")
    assert (dropped.status, dropped.status_note) == ("dropped", "No budget.") and dropped.closed_at is not None
    reopened = services.set_action_point_status(point, lead, "open")
    assert (reopened.status, reopened.status_note, reopened.closed_at) == ("open", None, None)
    done = services.set_action_point_status(point, ctx("secretariat"), "done", "")
    assert (done.status, done.status_note) == ("done", None) and done.closed_at is not None
    first, second, third = audits("action_point.updated")
    assert (first.entity, first.entity_id, first.user_id) == ("action_point", str(point.id), lead.id)
    assert first.before == {"status": "open", "note": None}
    assert first.after == {"status": "dropped", "note": "No budget."} and first.rationale == "No budget."
    assert second.before == {"status": "dropped", "note": "No budget."} and second.rationale is None
    assert third.after == {"status": "done", "note": None} and third.user_id == ctx("secretariat").id


def test_each_problem_of_a_status_change_is_named_and_nothing_is_saved(ctx):
    lead = ctx("wg_lead")
    meeting = meeting_of("wg-training", "wg", PAST, lead)
    point = services.add_action_point(meeting, lead, services.ActionPointData(
        text={"en": "Do it"}, body=body("wg-training"), due_on=date(2026, 12, 1)))
    assert refused(services.set_action_point_status, point, lead, "paused") == ["Choose open, done or dropped."]
    assert refused(services.set_action_point_status, point, lead, "open") == ["The action point is already open."]
    assert refused(services.set_action_point_status, point, lead, "dropped", "  ") == [
        "Say why it is dropped: a note is required."]
    assert refused(services.set_action_point_status, point, lead, "done", "N" * 2001) == [
        "The note is at most 2000 characters long."]
    assert services.set_action_point_status(point, lead, "done", "N" * 2000).status == "done"
    with pytest.raises(services.NotAllowed, match=exactly(
            "Only the owner, the owning body's lead or the secretariat updates an action point.")):
        services.set_action_point_status(point, ctx("other_lead"), "open")
    db.session.rollback()
    assert db.session.get(ActionPoint, point.id).status == "done" and len(audits("action_point.updated")) == 1


# --- calendar links -----------------------------------------------------------------------------


def test_a_calendar_link_is_first_salted_alike_and_each_renewal_changes_it_audited(ctx):
    lead = ctx("wg_lead")
    training = body("wg-training")
    assert services.calendar_salt("user", lead.id) == services.FIRST_SALT == "first"
    services.renew_calendar("user", lead.id, lead)
    first = services.calendar_salt("user", lead.id)
    services.renew_calendar("user", lead.id, lead)
    second = services.calendar_salt("user", lead.id)
    assert first != second and len(second) == 22 and count(CalendarKey) == 1  # 16 random bytes
    assert services.calendar_salt("body", lead.id) == "first"  # a body's link is another owner's
    assert services.calendar_salt("user", ctx("secretariat").id) == "first"  # and so is another person's
    services.renew_calendar("body", training.id, ctx("secretariat"))
    assert services.calendar_salt("body", training.id) not in ("first", second)
    entries = audits("calendar.renewed")
    assert len(entries) == 3
    assert (entries[2].entity, entries[2].user_id) == ("calendar_key", ctx("secretariat").id)
    assert entries[2].after == {"owner": "body", "owner_id": training.id}
    key = db.session.scalar(select(CalendarKey).where(CalendarKey.owner_kind == "body"))
    assert entries[2].entity_id == str(key.id) and key.renewed_at is not None


def test_only_its_owner_renews_a_persons_calendar_link_and_a_body_lead_their_bodys(ctx):
    lead = ctx("wg_lead")
    with pytest.raises(services.NotAllowed, match=exactly("You renew your own calendar link only.")):
        services.renew_calendar("user", lead.id, ctx("secretariat"))
    with pytest.raises(services.NotAllowed, match=exactly(
            "Only the secretariat or the body's lead renews the body's calendar link.")):
        services.renew_calendar("body", body("wg-training").id, ctx("other_lead"))
    with pytest.raises(services.NotAllowed, match=exactly(
            "Only the secretariat or the body's lead renews the body's calendar link.")):
        services.renew_calendar("body", 999_999, ctx("secretariat"))
    services.renew_calendar("body", body("wg-training").id, lead)
    assert count(CalendarKey) == 1 and len(audits("calendar.renewed")) == 1


def test_a_refusal_carries_its_message_and_an_empty_list_of_problems_by_default():
    error = services.MeetingError("No.")
    assert str(error) == "No." and error.problems == []
    assert services.MeetingError("No.", ["a"]).problems == ["a"]
    assert isinstance(services.NotAllowed("No."), services.MeetingError)


def test_renewing_one_owners_calendar_link_leaves_every_other_owners_alone(ctx):
    from sip.bodies.models import Body

    lead, rome = ctx("wg_lead"), ctx("secretariat")
    namesake = db.session.get(Body, lead.id)  # a body whose id is the lead's: another owner all the same
    assert namesake is not None
    services.renew_calendar("user", lead.id, lead)
    services.renew_calendar("user", rome.id, rome)
    lead_salt, rome_salt = services.calendar_salt("user", lead.id), services.calendar_salt("user", rome.id)
    services.renew_calendar("body", namesake.id, rome)
    assert services.calendar_salt("user", lead.id) == lead_salt and services.calendar_salt("user", rome.id) == rome_salt
    assert services.calendar_salt("body", namesake.id) not in ("first", lead_salt, rome_salt)
    assert lead_salt != rome_salt and "first" not in (lead_salt, rome_salt) and count(CalendarKey) == 3


def test_an_agenda_point_about_a_report_or_an_amendment_keeps_what_it_is_about(ctx, world):
    from sip.reporting.models import GroupReport

    rome = ctx("secretariat")
    report = GroupReport(body_id=body("wg-training").id, period_id=glm_period().id)
    db.session.add(report)
    db.session.commit()
    made = endorsed_amendment(world)
    meeting = meeting_of("wg-training", "wg", FUTURE, rome)
    about_report = services.add_agenda_item(meeting, rome, None, report=report)
    about_amendment = services.add_agenda_item(meeting, rome, {}, amendment=made)
    assert (about_report.report_id, about_report.amendment_id) == (report.id, None)
    assert (about_amendment.amendment_id, about_amendment.report_id) == (made.id, None)
    entries = audits("meeting.agenda_item_added")
    assert (entries[0].after["report"], entries[1].after["amendment"]) == (report.id, made.id)
    point = services.add_action_point(meeting, rome, services.ActionPointData(
        text={"en": "Complete the report"}, body=body("wg-training"), due_on=date(2099, 2, 1), report=report))
    assert point.report_id == report.id and audits("action_point.created")[0].after["report"] == report.id
