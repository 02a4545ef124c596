"""The carry-over, closing and opening pages, who may use them, and an activity's page across its two lives."""
from datetime import date

import pytest
from sqlalchemy import select

from sip.cycles.models import CarryOver
from sip.extensions import db
from sip.plan.models import Strategy
from sip.plan.queries import current_strategy
from sip.reporting.services import close_period, find_period, open_period
from tests.conftest import log_in
from tests.cycles.test_carry_over import REASON, build_next_plan, new, next_plan, old, people, secretariat  # noqa: F401
from tests.cycles.test_closing import decide_all
from tests.test_access import ROLES, SECRETARIAT_READ, SECRETARIAT_WRITE

REFUSED_TO_SECRETARIAT = {**SECRETARIAT_WRITE, "secretariat": 400}  # the service refuses: nothing is ready yet
# (endpoint, method, path, form data, expected status per role), for tests/test_access.py's every_entry(). In its
# world (and in this module's) nothing is decided yet and there is no draft: closing, notes and opening are refused.
MATRIX = [
    ("cycles.carry_over", "GET", "/strategies/2022-2026/carry-over", None, SECRETARIAT_READ),
    ("cycles.decide_carry_over", "POST", "/strategies/2022-2026/carry-over/1.1.1.2",
     {"decision": "completed", "reason_en": "Done."}, SECRETARIAT_WRITE),
    ("cycles.closing", "GET", "/strategies/2022-2026/close", None, SECRETARIAT_READ),
    ("cycles.close", "POST", "/strategies/2022-2026/close", {"confirm": "y"}, REFUSED_TO_SECRETARIAT),
    ("cycles.closing_notes", "POST", "/strategies/2022-2026/notes", {"notes_en": "Notes"}, REFUSED_TO_SECRETARIAT),
    ("cycles.open_draft", "POST", "/strategies/2022-2026/open", {}, REFUSED_TO_SECRETARIAT),
]


def client_as(app, people, role: str):
    """A test client signed in as the person with this role (anonymous for "anonymous")."""
    client = app.test_client()
    if role != "anonymous":
        log_in(client, people[role])
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method,path,data,expected", MATRIX, ids=[f"{m} {p}" for _, m, p, _, _ in MATRIX])
def test_only_the_secretariat_manages_the_cycle(seeded, people, role, endpoint, method, path, data, expected):
    client = client_as(seeded, people, role)
    response = client.open(path, method=method, data=data)
    assert response.status_code == expected[role]
    if role == "anonymous":
        assert "/login" in response.headers["Location"]


def test_the_carry_over_page_lists_the_unfinished_activities_by_pillar(seeded, people, next_plan):
    html = client_as(seeded, people, "secretariat").get("/strategies/2022-2026/carry-over?lang=en").get_data(as_text=True)
    assert 'id="activity-1.1.1.2"' in html and 'id="activity-1.1.1.1"' not in html  # 1.1.1.1 is completed
    assert 'id="pillar-4"' in html and "46 unfinished activities, 0 decided, 46 to decide." in html
    assert '<option value="1.1.1.3">' in html  # the next plan's activities to choose from


def test_the_carry_over_form_saves_and_shows_a_confirmation(seeded, people, next_plan):
    client = client_as(seeded, people, "secretariat")
    response = client.post("/strategies/2022-2026/carry-over/1.1.1.2?lang=en", follow_redirects=True,
                           data={"decision": "continue", "target": "1.1.1.1", "reason_fr": "", "reason_en": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Decision saved for activity 1.1.1.2: Continues in the next plan." in html
    assert 'id="activity-1.1.1.2" data-decision="continue"' in html
    with seeded.app_context():
        carry = db.session.scalar(select(CarryOver))
        assert (carry.from_activity.code, carry.to_activity.code, carry.to_activity.strategy_id) == \
            ("1.1.1.2", "1.1.1.1", next_plan)


def test_a_refused_decision_says_why_and_keeps_what_was_typed(seeded, people, next_plan):
    client = client_as(seeded, people, "secretariat")
    response = client.post("/strategies/2022-2026/carry-over/1.1.1.2?lang=en",
                           data={"decision": "continue", "target": "9.9.9.9", "reason_en": "Kept <b>text</b>"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="problems-1.1.1.2"' in html
    assert "There is no activity 9.9.9.9 in the next plan." in html
    assert 'value="9.9.9.9"' in html and "Kept &lt;b&gt;text&lt;/b&gt;" in html
    with seeded.app_context():
        assert db.session.scalar(select(CarryOver)) is None


def test_the_close_page_shows_what_blocks_and_offers_no_closing(seeded, people):
    with seeded.app_context():
        open_period(find_period(current_strategy(), "2026-Q4"), date(2027, 1, 15), actor=None)
    html = client_as(seeded, people, "secretariat").get("/strategies/2022-2026/close?lang=en").get_data(as_text=True)
    assert "Quarters still open (close them first): 2026-Q4." in html
    assert "Unfinished activities with no carry-over decision: 1.1.1.2" in html
    assert "cycles/2022-2026/close" not in html and 'action="/strategies/2022-2026/close"' not in html


def test_closing_then_notes_then_opening_through_the_pages(seeded, people):
    with seeded.app_context():
        following = build_next_plan()
        decide_all(people)
    client = client_as(seeded, people, "secretariat")
    page = client.get("/strategies/2022-2026/close?lang=en").get_data(as_text=True)
    assert "Nothing blocks the closing." in page and 'action="/strategies/2022-2026/close"' in page
    closed = client.post("/strategies/2022-2026/close?lang=en", follow_redirects=True,
                         data={"notes_fr": "Fin", "notes_en": "The end", "confirm": "y"}).get_data(as_text=True)
    assert "The 2022–2026 strategy is closed" in closed and 'action="/strategies/2027-2030/open"' in closed
    saved = client.post("/strategies/2022-2026/notes?lang=en", follow_redirects=True,
                        data={"notes_fr": "Fin.", "notes_en": "The end."}).get_data(as_text=True)
    assert "Closing notes saved." in saved
    opened = client.post("/strategies/2027-2030/open?lang=en", follow_redirects=True).get_data(as_text=True)
    assert "The 2027–2030 strategy is now the current one" in opened
    with seeded.app_context():
        assert db.session.scalar(select(Strategy.closing_notes).where(Strategy.slug == "2022-2026")) == \
            {"fr": "Fin.", "en": "The end."}
        assert current_strategy().id == following


def test_closing_without_confirming_is_refused(seeded, people):
    with seeded.app_context():
        decide_all(people)
    response = client_as(seeded, people, "secretariat").post("/strategies/2022-2026/close?lang=en",
                                                              data={"notes_en": "The end"})
    assert response.status_code == 400 and "Confirm that the strategy is to be closed." in response.get_data(as_text=True)
    with seeded.app_context():
        assert current_strategy().slug == "2022-2026"


def test_a_draft_with_untranslated_activities_cannot_be_opened_from_its_page(seeded, people):
    with seeded.app_context():
        decide_all(people)
        from sip.cycles import services

        services.close_strategy(current_strategy(), secretariat(people))
        build_next_plan(texts={"1.1.1.3": {"fr": "Texte", "en": ""}})
    client = client_as(seeded, people, "secretariat")
    page = client.get("/strategies/2027-2030/close?lang=en").get_data(as_text=True)
    assert "Activities without their French or English text: 1.1.1.3." in page
    assert 'action="/strategies/2027-2030/open"' not in page
    refused = client.post("/strategies/2027-2030/open?lang=en")
    assert refused.status_code == 400
    with seeded.app_context():
        assert current_strategy() is None


def carried_and_opened(app, people) -> None:
    """1.1.1.2 (reported in 2026-Q3) continues as 1.1.1.1 of the next plan; 2022–2026 closed, 2027–2030 opened."""
    from sip.cycles import services

    with app.app_context():
        period = find_period(current_strategy(), "2026-Q3")
        open_period(period, date(2026, 10, 15), actor=None, opens_on=date(2026, 9, 20))
        close_period(period, secretariat(people))
        following = build_next_plan()
        services.decide_carry_over(old("1.1.1.2"), "continue", secretariat(people), to_activity=new(following, "1.1.1.1"))
        decide_all(people)
        services.close_strategy(current_strategy(), secretariat(people))
        services.open_strategy(db.session.get(Strategy, following), secretariat(people))


def test_a_carried_activity_links_to_its_previous_life_and_shows_its_quarters(seeded, people):
    carried_and_opened(seeded, people)
    html = seeded.test_client().get("/plan/activities/1.1.1.1?lang=en").get_data(as_text=True)
    assert 'Continues activity\n          <a href="/s/2022-2026/plan/activities/1.1.1.2"' in html
    assert 'data-quarter="2026-Q3" data-strategy="2022-2026"' in html and "(2022–2026, " in html


def test_the_old_activity_links_to_its_next_life(seeded, people):
    carried_and_opened(seeded, people)
    html = seeded.test_client().get("/s/2022-2026/plan/activities/1.1.1.2?lang=en").get_data(as_text=True)
    assert 'Continues as activity\n            <a href="/plan/activities/1.1.1.1"' in html
    closed = seeded.test_client().get("/s/2022-2026/plan/activities/1.1.1.3?lang=en").get_data(as_text=True)
    assert "Closed with its strategy as completed: " in closed and "The guidance is published." in closed


def test_a_decision_on_the_current_plan_is_the_secretariats_until_the_closing(seeded, people, next_plan):
    with seeded.app_context():
        from sip.cycles import services

        services.decide_carry_over(old("1.1.1.2"), "continue", secretariat(people), to_activity=new(next_plan, "1.1.1.1"))
    viewer = client_as(seeded, people, "viewer").get("/plan/activities/1.1.1.2?lang=en").get_data(as_text=True)
    assert 'id="other-lives"' not in viewer
    html = client_as(seeded, people, "secretariat").get("/plan/activities/1.1.1.2?lang=en").get_data(as_text=True)
    assert 'href="/s/2027-2030/plan/activities/1.1.1.1"' in html


def test_a_closed_strategys_decisions_stay_readable_and_link_to_the_opened_plan(seeded, people):
    carried_and_opened(seeded, people)
    html = client_as(seeded, people, "secretariat").get("/strategies/2022-2026/carry-over?lang=en").get_data(as_text=True)
    assert 'id="activity-1.1.1.2" data-decision="continue"' in html and 'href="/plan/activities/1.1.1.1"' in html
    assert "carry-over-form" not in html and "its decisions are kept as they were taken" in html
