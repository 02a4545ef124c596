"""Open activities with no accountable body: the query, `sip check-plan` and the secretariat's page."""
from datetime import date

import pytest

from sip.bodies.models import Body
from sip.extensions import db
from sip.governance import queries
from sip.plan.queries import current_strategy
from sip.reporting import statuses
from tests.governance.conftest import TRAINING, activity, body, client_as
from tests.test_access import ROLES, snapshot

PAGE = "/plan/accountability"
ALLOWED = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 403), "secretariat": 200}


def unaccountable_codes() -> list[tuple[str, str]]:
    """(code, reason) of every open activity without an accountable body."""
    return [(row.activity.code, row.reason) for row in queries.unaccountable_activities(current_strategy())]


def break_accountability(app) -> None:
    """Three broken activities: 3.1.1.2 with none, 3.1.2.1 accountable to a body not responsible for it, and
    3.1.2.2 accountable to a dissolved body."""
    with app.app_context():
        activity(TRAINING).accountable_body_id = None
        activity("3.1.2.1").accountable_body_id = body("wg-partnerships").id
        gone = Body(slug="wg-gone", kind="working_group", name={"fr": "GT dissous", "en": "Gone WG"}, aliases=[],
                    dissolved_on=date(2026, 1, 1))
        db.session.add(gone)
        db.session.flush()
        third = activity("3.1.2.2")
        third.responsibilities[0].body_id = gone.id
        third.accountable_body_id = gone.id
        db.session.commit()


def test_the_seeded_plan_has_no_open_activity_without_an_accountable_body(seeded, world):
    with seeded.app_context():
        assert unaccountable_codes() == []


def test_the_query_names_each_broken_activity_with_its_reason(seeded, world):
    break_accountability(seeded)
    with seeded.app_context():
        assert unaccountable_codes() == [(TRAINING, "none"), ("3.1.2.1", "not_responsible"),
                                         ("3.1.2.2", "dissolved")]


def test_completed_or_retired_activities_need_no_accountable_body(seeded, world):
    break_accountability(seeded)
    with seeded.app_context():
        retired = activity("3.1.2.1")
        retired.retired_on, retired.plan_status = date(2026, 11, 20), "discontinued"
        done = activity(TRAINING)
        done.plan_status = "completed"  # the plan says so: with no report, the status table follows it
        db.session.commit()
        statuses.refresh(current_strategy().id)
        db.session.commit()
        assert statuses.current_status(activity(TRAINING)).status == "completed"
        assert unaccountable_codes() == [("3.1.2.2", "dissolved")]


def test_check_plan_lists_them_and_exits_1(seeded, world):
    break_accountability(seeded)
    result = seeded.test_cli_runner().invoke(args=["sip", "check-plan"])
    assert result.exit_code == 1
    assert f"error: [{TRAINING}] No accountable body: propose a change of responsibilities" in result.output
    assert "error: [3.1.2.2] The accountable body is dissolved" in result.output
    assert "3 open activities without an accountable body." in result.output


def test_check_plan_on_the_seeded_plan_finds_none(seeded, world):
    result = seeded.test_cli_runner().invoke(args=["sip", "check-plan"])
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 open activities without an accountable body." in result.output


@pytest.mark.parametrize("role", ROLES)
def test_only_the_secretariat_opens_the_page(seeded, world, role):
    client = client_as(seeded, world, role)
    with seeded.app_context():
        before = snapshot()
    response = client.get(PAGE)
    assert response.status_code == ALLOWED[role]
    if role == "anonymous":
        assert response.headers["Location"].startswith("/login?next=")
    with seeded.app_context():
        assert snapshot() == before


def test_the_page_says_when_every_open_activity_has_an_accountable_body(seeded, world):
    page = client_as(seeded, world, "secretariat").get(f"{PAGE}?lang=en").get_data(as_text=True)
    assert "Every open activity has an accountable body." in page and "data-activity=" not in page


def test_each_row_links_to_the_activity_and_to_a_prefilled_proposal(seeded, world):
    break_accountability(seeded)
    client = client_as(seeded, world, "secretariat")
    page = client.get(f"{PAGE}?lang=en").get_data(as_text=True)
    assert "3 open activities have no accountable body." in page
    for code in (TRAINING, "3.1.2.1", "3.1.2.2"):
        assert f'data-activity="{code}"' in page and f'href="/plan/activities/{code}"' in page
        assert f'href="/plan/activities/{code}/propose/responsibilities"' in page
    assert "The accountable body is not among its responsible bodies: Partnerships WG" in page
    form = client.get("/plan/activities/3.1.2.1/propose/responsibilities?lang=en").get_data(as_text=True)
    assert '<option selected value="glc">' in form and 'id="accountable-0" value="0" checked' in form


def test_the_secretariat_finds_the_page_in_the_navigation_and_others_do_not(seeded, world):
    link = f'href="{PAGE}"'
    assert link in client_as(seeded, world, "secretariat").get("/plan?lang=en").get_data(as_text=True)
    for role in ("viewer", "wg_lead", "sag"):
        assert link not in client_as(seeded, world, role).get("/plan?lang=en").get_data(as_text=True)
