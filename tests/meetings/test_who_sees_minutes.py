"""Who sees a meeting's minutes, state by state: endorsed minutes anyone signed in; circulated minutes the body's
members and who runs its meetings (its lead, the secretariat); drafts only who runs its meetings; nobody signed out.

Through the pages (the meeting page shows the text or not, the minutes' PDF answers 200 or 403) and the rule itself,
person by person, for the people the pages cannot reach (signed out, deactivated, no minutes at all)."""
from datetime import date, datetime, timedelta

import pytest

from sip.meetings import services
from sip.meetings.models import Meeting, Minutes
from sip.meetings.permissions import can_view_minutes
from tests.conftest import log_in
from tests.governance.conftest import person
from tests.helpers import page_text
from tests.meetings.helpers import meeting_of
from tests.rule_people import ANONYMOUS, body, someone

STATES = ("draft", "circulated", "endorsed")
TEXT = {state: f"{state.upper()} MINUTES OF THE TRAINING GROUP" for state in STATES}
PEOPLE = {
    "member": [("wg-training", "member")],
    "co_lead": [("wg-training", "co_lead")],
    "lead": [("wg-training", "lead")],
    "outsider": [("wg-partnerships", "lead")],  # signed in, leads another group
    "viewer": [],
    "sag": [("sag", "member")],
    "secretariat": [("rome-support-team", "member")],
}
# What each person sees of the training group's minutes.
SEES = {
    "member": {"circulated", "endorsed"},
    "co_lead": set(STATES),
    "lead": set(STATES),
    "outsider": {"endorsed"},
    "viewer": {"endorsed"},
    "sag": {"endorsed"},
    "secretariat": set(STATES),
}


@pytest.fixture
def minutes_world(seeded, make_user, monkeypatch):
    """Three past meetings of the training group, with draft, circulated and endorsed minutes (ids by state); people
    made on demand by role; the PDF stubbed (who may have it is tested here, not the printing)."""
    monkeypatch.setattr("sip.meetings.pdf.render_minutes", lambda meeting, minutes, summary: b"%PDF-1.7 stub")
    people = {"lead": make_user("Lead Person", bodies=PEOPLE["lead"])}
    with seeded.app_context():
        lead = person(people, "lead")
        past = datetime.combine(date.today() - timedelta(days=3), datetime.min.time()).replace(hour=10)
        ids = {}
        for hours, state in enumerate(STATES):
            meeting = meeting_of("wg-training", "wg", past + timedelta(hours=hours), lead, title=f"Training {state}")
            services.save_minutes(meeting, lead, TEXT[state], "en")
            if state != "draft":
                services.circulate_minutes(meeting, lead)
            if state == "endorsed":
                services.endorse_minutes(meeting, lead)
            assert meeting.current_minutes.state == state
            ids[state] = meeting.id

    def client_of(role: str):
        client = seeded.test_client()
        if role != "anonymous":
            if role not in people:
                people[role] = make_user(f"{role} person", bodies=PEOPLE[role])
            log_in(client, people[role])
        return client

    return {"ids": ids, "client_of": client_of}


@pytest.mark.parametrize("role", list(SEES))
def test_the_meeting_page_shows_the_minutes_text_only_to_whom_the_state_allows(seeded, minutes_world, role):
    client = minutes_world["client_of"](role)
    for state in STATES:
        page = page_text(client.get(f"/meetings/{minutes_world['ids'][state]}?lang=en"))
        assert (TEXT[state] in page) == (state in SEES[role]), f"{role} and {state} minutes"
        if state not in SEES[role]:
            assert "The minutes are being written; they are shown once circulated to the body." in page


@pytest.mark.parametrize("role", list(SEES))
def test_the_minutes_pdf_is_given_only_to_whom_the_state_allows(seeded, minutes_world, role):
    client = minutes_world["client_of"](role)
    for state in STATES:
        response = client.get(f"/meetings/{minutes_world['ids'][state]}/minutes/1.pdf")
        assert response.status_code == (200 if state in SEES[role] else 403), f"{role} and {state} minutes"


def test_circulated_minutes_are_hidden_from_someone_outside_the_body(seeded, minutes_world):
    """The other group's lead sees the endorsed minutes (the control), not the circulated ones."""
    client = minutes_world["client_of"]("outsider")
    assert TEXT["endorsed"] in page_text(client.get(f"/meetings/{minutes_world['ids']['endorsed']}"))
    assert TEXT["circulated"] not in page_text(client.get(f"/meetings/{minutes_world['ids']['circulated']}"))


def test_a_signed_out_visitor_gets_neither_the_minutes_nor_their_pdf(seeded, minutes_world):
    client = minutes_world["client_of"]("anonymous")
    for state in STATES:
        page = client.get(f"/meetings/{minutes_world['ids'][state]}")
        pdf = client.get(f"/meetings/{minutes_world['ids'][state]}/minutes/1.pdf")
        assert page.status_code == pdf.status_code == 302
        assert TEXT[state] not in page_text(page) and pdf.headers["Location"].startswith("/login?next=")


# --- the rule itself, in memory ---------------------------------------------------------------------------------


def readers() -> tuple[dict, object]:
    """The training group and one person per kind of reader (not saved)."""
    training = body("wg-training")
    people = {
        "member": someone((training, "member")),
        "co_lead": someone((training, "co_lead")),
        "lead": someone((training, "lead")),
        "outsider": someone((body("wg-partnerships"), "lead")),
        "viewer": someone(),
        "sag": someone((body("sag", "advisory_group"), "member")),
        "secretariat": someone((body("rome-support-team", "support_team"), "member")),
        "admin": someone(admin=True),
        "former_member": someone((training, "member"), ended=True),
        "former_lead": someone((training, "lead"), ended=True),
        "deactivated_lead": someone((training, "lead"), active=False),
        "deactivated_secretariat": someone((body("rome-support-team", "support_team"), "member"), active=False),
        "anonymous": ANONYMOUS,
        "nobody": None,
    }
    return people, training


RULE_SEES = {
    **SEES,
    "admin": set(STATES),  # an admin is the secretariat (sip/accounts/permissions.py is_secretariat)
    "former_member": {"endorsed"},
    "former_lead": {"endorsed"},
    "deactivated_lead": set(),
    "deactivated_secretariat": set(),
    "anonymous": set(),
    "nobody": set(),
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("who", list(RULE_SEES))
def test_who_may_view_minutes_in_each_state(models, who, state):
    people, training = readers()
    minutes = Minutes(meeting=Meeting(body=training, kind="wg"), state=state, revision=1)
    assert can_view_minutes(people[who], minutes) is (state in RULE_SEES[who])


@pytest.mark.parametrize("who", list(RULE_SEES))
def test_nobody_views_minutes_that_do_not_exist(models, who):
    people, _training = readers()
    assert can_view_minutes(people[who], None) is False
