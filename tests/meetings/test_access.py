"""Who may reach the meetings' routes: every route × every role, the database unchanged on every refusal.

The entries have the shape of tests/test_access.py's MATRIX (which lists them for its every-route check); they run
here, in a world of meetings in every state a route needs: {placeholders} are filled from it.
"""
from datetime import date, datetime, timedelta, timezone

import pytest

from sip.extensions import db
from sip.governance import services as governance
from sip.meetings import calendars, services
from sip.plan.queries import current_strategy
from sip.reporting.services import ensure_periods, find_period, set_glm
from tests.conftest import log_in
from tests.governance.conftest import activity, person
from tests.meetings.helpers import glm_meeting, meeting_of
from tests.test_access import MEMBERSHIPS, ROLES, snapshot

EVERYONE = dict.fromkeys(ROLES, 200)
SIGNED_IN = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)}
SIGNED_IN_WRITE = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 302)}
SECRETARIAT_WRITE = {"anonymous": 302, **dict.fromkeys(ROLES[1:-1], 403), "secretariat": 302}
# The training group's meetings: its lead and the secretariat run them.
MANAGE = {**SECRETARIAT_WRITE, "wg_lead": 302}
LEAD_ONLY = {**SECRETARIAT_WRITE, "wg_lead": 302, "secretariat": 403}  # a group's minutes: its lead endorses
CONVENERS = {"anonymous": 302, "viewer": 403, "wg_member": 403, "other_lead": 200, "wg_lead": 200, "sag": 403,
             "secretariat": 200}
BODY_READERS = {"anonymous": 302, "viewer": 403, "wg_member": 200, "other_lead": 403, "wg_lead": 200, "sag": 403,
                "secretariat": 200}  # circulated minutes: the body's members and who runs its meetings
OWNER_WRITE = {**MANAGE, "wg_member": 302}  # an action point owned by the group's member

MATRIX = [
    ("meetings.index", "GET", "/meetings", None, SIGNED_IN),
    ("meetings.new", "GET", "/meetings/new", None, CONVENERS),
    ("meetings.new", "POST", "/meetings/new",
     {"body": "wg-training", "kind": "wg", "title_en": "Monthly call", "starts": "2027-01-12T14:00",
      "timezone": "Africa/Nairobi", "duration": "60", "link": "https://meet.example.org/wg", "languages": "en"},
     {**MANAGE, "other_lead": 403}),
    ("meetings.show", "GET", "/meetings/{wg}", None, SIGNED_IN),
    ("meetings.add_agenda", "POST", "/meetings/{wg}/agenda", {"title_en": "Training calendar 2027"}, MANAGE),
    ("meetings.add_attendance", "POST", "/meetings/{wg}/attendance", {"person": "{lead}"}, MANAGE),
    ("meetings.remove_attendance", "POST", "/meetings/{wg}/attendance/{attendance}/remove", {}, MANAGE),
    ("meetings.save_minutes", "POST", "/meetings/{wg}/minutes", {"text": "We met.", "language": "en"}, MANAGE),
    ("meetings.circulate_minutes", "POST", "/meetings/{draft}/minutes/circulate", {}, MANAGE),
    ("meetings.endorse_minutes", "POST", "/meetings/{circulated}/minutes/endorse", {}, LEAD_ONLY),
    ("meetings.endorse_minutes", "POST", "/meetings/{glm}/minutes/endorse", {}, SECRETARIAT_WRITE),
    ("meetings.minutes_pdf", "GET", "/meetings/{circulated}/minutes/1.pdf", None, BODY_READERS),
    ("meetings.add_decision", "POST", "/meetings/{wg}/decisions", {"text_en": "Train in French too."}, MANAGE),
    ("meetings.add_decision", "POST", "/meetings/{glm}/decisions", {"text_en": "Next GLM in Nairobi."},
     SECRETARIAT_WRITE),
    ("meetings.add_verdict", "POST", "/meetings/{glm}/verdicts",
     {"amendment": "{endorsed}", "method": "consensus", "outcome": "verify"}, SECRETARIAT_WRITE),
    ("meetings.add_action_point", "POST", "/meetings/{wg}/action-points",
     {"text_en": "Share the calendar.", "body": "wg-training", "due_on": "2027-01-31"}, MANAGE),
    ("meetings.action_point_status", "POST", "/action-points/{point}/status", {"status": "done"}, OWNER_WRITE),
    ("meetings.meeting_ics", "GET", "/meetings/{wg}.ics", None, SIGNED_IN),
    ("meetings.calendar_links", "GET", "/calendar", None, SIGNED_IN),
    ("meetings.renew_calendar", "POST", "/calendar/renew", {}, SIGNED_IN_WRITE),
    ("meetings.renew_calendar", "POST", "/calendar/renew", {"body": "wg-training"}, MANAGE),
    ("meetings.feed", "GET", "/calendar/{token}.ics", None, EVERYONE),  # the secret link is the proof
]


@pytest.fixture
def meetings_world(seeded, make_user):
    """One person per role; past meetings of the training group (one plain, one with draft minutes, one with
    circulated minutes), a GLM plenary with circulated minutes and an endorsed amendment waiting for it."""
    people = {role: make_user(f"{role} person", bodies=MEMBERSHIPS[role]) for role in ROLES[1:]}
    with seeded.app_context():
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.commit()
        set_glm(find_period(strategy, "2026-Q4"), True, "GLM November 2026", actor=None)
        rome, lead = person(people, "secretariat"), person(people, "wg_lead")
        past = datetime.combine(date.today() - timedelta(days=3), datetime.min.time()).replace(hour=10)
        wg = meeting_of("wg-training", "wg", past, lead, title="Training WG")
        draft = meeting_of("wg-training", "wg", past + timedelta(hours=1), lead, title="Training WG 2")
        circulated = meeting_of("wg-training", "wg", past + timedelta(hours=2), lead, title="Training WG 3")
        attendance = services.record_attendance(wg, lead, person=person(people, "wg_member"))
        point = services.add_action_point(wg, lead, services.ActionPointData(
            text={"en": "Draft the 2027 calendar."}, body=wg.body, due_on=date.today() + timedelta(days=10),
            owner=person(people, "wg_member")))
        services.save_minutes(draft, lead, "Draft.", "en")
        services.save_minutes(circulated, lead, "Circulated.", "en")
        services.circulate_minutes(circulated, lead)
        glm = glm_meeting(find_period(strategy, "2026-Q4"), date.today() - timedelta(days=1), rome)
        services.save_minutes(glm, rome, "The plenary met.", "fr")
        services.circulate_minutes(glm, rome)
        endorsed = governance.propose(strategy, governance.Change("retire", activity=activity("3.1.2.1"),
                                                                  retire_as="completed"), "Done.", lead)
        governance.decide_sag(endorsed, person(people, "sag"), True)
        endorsed.sag_at = datetime.now(timezone.utc) - timedelta(days=2)  # endorsed before the GLM met
        token = calendars.token_for("user", lead.id, services.calendar_salt("user", lead.id))
        db.session.commit()
        ids = {"wg": wg.id, "draft": draft.id, "circulated": circulated.id, "glm": glm.id, "lead": lead.id,
               "attendance": attendance.id, "point": point.id, "endorsed": endorsed.id, "token": token}
    return {"people": people, "ids": ids}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method,path,data,expected", MATRIX, ids=[f"{m} {p}" for _, m, p, _, _ in MATRIX])
def test_meetings_access(seeded, meetings_world, role, endpoint, method, path, data, expected):
    client = seeded.test_client()
    if role != "anonymous":
        log_in(client, meetings_world["people"][role])
    url = path.format(**meetings_world["ids"])
    form = {key: value.format(**meetings_world["ids"]) for key, value in (data or {}).items()}
    with seeded.app_context():
        before = snapshot() if method == "POST" else None
    response = client.get(url) if method == "GET" else client.post(url, data=form)
    assert response.status_code == expected[role], response.get_data(as_text=True)[:800]
    if method == "POST" and (role == "anonymous" or expected[role] != 302):
        with seeded.app_context():
            assert snapshot() == before, "a refused write changed the database"
    if method == "POST" and expected[role] == 302 and role != "anonymous":
        with seeded.app_context():
            assert snapshot() != before, "an accepted write changed nothing"
    if response.status_code == 302 and role == "anonymous":
        assert response.headers["Location"].startswith("/login?next=")


def test_every_route_of_the_meetings_is_in_its_matrix(app):
    covered = {(endpoint, method) for endpoint, method, *_ in MATRIX}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("meetings."):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (rule.endpoint, method) in covered, f"{method} {rule.rule} has no access rule"
