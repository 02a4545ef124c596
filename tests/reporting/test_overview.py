"""The reports overview (/reports) and the periods page (/reports/periods), through the test client."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sip.bodies.models import Body
from sip.core.models import AuditEntry, utcnow
from sip.extensions import db
from sip.plan.models import Activity, Strategy
from sip.plan.queries import current_strategy
from sip.reporting import services
from sip.reporting.models import ActivityUpdate, GroupReport, ReportingPeriod
from tests.conftest import counting_queries, log_in
from tests.helpers import page_text

TODAY = date.today()
PAST_DUE = TODAY - timedelta(days=10)
FUTURE_DUE = TODAY + timedelta(days=30)
MEMBERSHIPS = {
    "viewer": [],
    "wg_lead": [("wg-training", "lead")],
    "sag": [("sag", "member")],
    "secretariat": [("rome-support-team", "member")],
}
ROLES = ["anonymous", *MEMBERSHIPS]


# --- builders -----------------------------------------------------------------------------------


@pytest.fixture
def periods(seeded):
    """The real plan with its 20 reporting periods (2022-Q1 … 2026-Q4), all upcoming."""
    with seeded.app_context():
        services.ensure_periods(current_strategy())
        db.session.commit()
    return seeded


@pytest.fixture
def open_period(periods):
    """Builder: open a period of the real plan with a due date (opened 30 days before the earlier of due/today)."""

    def do(code, due_on, *, close=False):
        with periods.app_context():
            period = services.find_period(current_strategy(), code)
            services.open_period(period, due_on, None, opens_on=min(due_on, TODAY) - timedelta(days=30))
            if close:
                services.close_period(period, None)

    return do


@pytest.fixture
def make_report(periods):
    """Builder: a body's report for a period in a state, with updates {activity code: fields}; returns its id."""

    def build(slug, code, state, updates=None):
        with periods.app_context():
            body = db.session.scalar(select(Body).where(Body.slug == slug))
            period = services.find_period(current_strategy(), code)
            delivered = state in ("submitted", "returned", "accepted")
            report = GroupReport(body=body, period=period, state=state, submitted_at=utcnow() if delivered else None)
            db.session.add(report)
            for activity_code, fields in (updates or {}).items():
                activity = db.session.scalar(select(Activity).where(Activity.code == activity_code))
                report.updates.append(ActivityUpdate(activity=activity, **fields))
            db.session.commit()
            return report.id

    return build


@pytest.fixture
def people(periods, make_user):
    """One signed-up person per role (the anonymous reader has none)."""
    return {role: make_user(f"{role} person", bodies=bodies) for role, bodies in MEMBERSHIPS.items()}


def client_as(app, people, role):
    """A test client signed in as the person of a role (or anonymous)."""
    client = app.test_client()
    if role != "anonymous":
        log_in(client, people[role])
    return client


def snapshot(app) -> dict:
    """Every row of every table, to prove that a refused request changed nothing."""
    with app.app_context():
        return {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
                for table in db.metadata.sorted_tables}


def period_row(app, code) -> dict:
    """What the database holds about a period."""
    with app.app_context():
        period = services.find_period(current_strategy(), code)
        return {"state": period.state, "opens_on": period.opens_on, "due_on": period.due_on, "glm": period.glm,
                "glm_name": period.glm_name}


def audit_of(app, action) -> list[AuditEntry]:
    """The audit entries of an action, oldest first."""
    with app.app_context():
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        entries = list(db.session.scalars(query))
        db.session.expunge_all()
        return entries


def report_link_text(html: str, code: str, slug: str) -> str:
    """The visible text of the link to a body's report for a period (tags removed, spaces collapsed)."""
    match = re.search(rf'<a href="/reports/{re.escape(code)}/{re.escape(slug)}">(.*?)</a>', html, re.S)
    assert match, f"no link to the report of {slug} for {code}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def section(html: str, section_id: str) -> str:
    """The HTML of one <section id=…> of the page ('' when absent)."""
    match = re.search(rf'<section id="{section_id}".*?</section>', html, re.S)
    return match.group(0) if match else ""


# --- /reports: who sees what --------------------------------------------------------------------


def test_anonymous_reader_is_sent_to_sign_in_from_the_reports_page(people, client):
    response = client.get("/reports")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_viewer_sees_only_accepted_reports_with_an_explanation(periods, people, open_period, make_report):
    open_period("2026-Q3", FUTURE_DUE)
    make_report("wg-training", "2026-Q3", "accepted")
    make_report("wg-partnerships", "2026-Q3", "submitted")
    make_report("sag", "2026-Q3", "draft")
    html = page_text(client_as(periods, people, "viewer").get("/reports"))
    accepted = section(html, "accepted")
    assert "the Rome support team has accepted" in accepted
    assert 'href="/reports/2026-Q3/wg-training"' in accepted
    assert "/reports/2026-Q3/wg-partnerships" not in html and "/reports/2026-Q3/sag" not in html
    assert not section(html, "matrix") and not section(html, "mine")


def test_viewer_is_told_when_no_report_has_been_accepted(periods, people, open_period):
    open_period("2026-Q3", FUTURE_DUE)
    html = page_text(client_as(periods, people, "viewer").get("/reports"))
    assert "No report of this period has been accepted yet." in html


def test_viewer_is_told_when_no_period_was_ever_opened(periods, people):
    html = page_text(client_as(periods, people, "viewer").get("/reports"))
    assert "No reporting period has been opened yet" in html


def test_wg_lead_sees_their_groups_report_for_each_open_period_with_state_and_due_date(periods, people, open_period,
                                                                                    make_report):
    open_period("2026-Q3", FUTURE_DUE)
    open_period("2026-Q2", PAST_DUE)
    open_period("2026-Q1", PAST_DUE, close=True)
    make_report("wg-training", "2026-Q3", "draft")
    html = page_text(client_as(periods, people, "wg_lead").get("/reports?lang=en"))
    mine = section(html, "mine")
    rows = re.findall(r'data-body="([^"]+)" data-period="([^"]+)"', mine)
    assert rows == [("wg-training", "2026-Q3"), ("wg-training", "2026-Q2")]  # open periods only, newest first
    assert report_link_text(mine, "2026-Q3", "wg-training").startswith("Continue the report")
    assert report_link_text(mine, "2026-Q2", "wg-training").startswith("Start the report")
    q3 = mine.split('data-period="2026-Q3"')[1].split("</tr>")[0]
    q2 = mine.split('data-period="2026-Q2"')[1].split("</tr>")[0]
    assert "Not due yet" in q3 and "Draft" in q3 and "Overdue" not in q3 and FUTURE_DUE.strftime("%Y") in q3
    assert "Overdue" in q2 and "Missing" not in q2  # still open: overdue, not missing
    assert not section(html, "matrix") and not section(html, "accepted")


def test_sag_member_sees_the_sags_reports(periods, people, open_period, make_report):
    open_period("2026-Q3", FUTURE_DUE)
    make_report("sag", "2026-Q3", "returned")
    mine = section(page_text(client_as(periods, people, "sag").get("/reports")), "mine")
    assert re.findall(r'data-body="([^"]+)"', mine) == ["sag"]
    assert "Returned" in mine
    assert report_link_text(mine, "2026-Q3", "sag").startswith("Continue the report")


def test_member_is_told_when_no_period_is_open(periods, people):
    html = page_text(client_as(periods, people, "wg_lead").get("/reports"))
    assert "No period is open. The secretariat opens one on the periods page" in html


def test_secretariat_sees_the_matrix_and_a_link_to_the_periods_page(periods, people, open_period):
    open_period("2026-Q3", FUTURE_DUE)
    html = page_text(client_as(periods, people, "secretariat").get("/reports"))
    assert 'href="/reports/periods"' in html
    matrix = section(html, "matrix")
    bodies = re.findall(r'<th scope="row"><a href="/bodies/([^"]+)"', matrix)
    # Every body accountable or responsible for an open activity reports, not only the working groups and the SAG.
    assert bodies == ["wg-partnerships", "wg-training", "working-groups", "rome-support-team", "glc",
                      "country-support-teams", "sag"]
    # A member of the Rome support team files its report too.
    assert re.findall(r'data-body="([^"]+)"', section(html, "mine")) == ["rome-support-team"]
    assert not section(html, "accepted")


def test_secretariat_member_who_leads_a_group_also_sees_their_groups_reports(periods, make_user, open_period):
    open_period("2026-Q3", FUTURE_DUE)
    both = make_user("Both hats", bodies=[("rome-support-team", "member"), ("wg-training", "lead")])
    client = periods.test_client()
    log_in(client, both)
    html = page_text(client.get("/reports"))
    assert "/reports/2026-Q3/wg-partnerships" in section(html, "matrix")
    # The support team files its own report through its members.
    assert re.findall(r'data-body="([^"]+)"', section(html, "mine")) == ["wg-training", "rome-support-team"]


def test_secretariat_is_told_when_no_period_was_opened(periods, people):
    html = page_text(client_as(periods, people, "secretariat").get("/reports"))
    assert "No period is open. The secretariat opens one on the periods page." in html
    assert "<table" not in section(html, "matrix")


def test_people_outside_the_secretariat_do_not_get_a_link_to_the_periods_page(periods, people, open_period):
    open_period("2026-Q3", FUTURE_DUE)
    for role in ("viewer", "wg_lead", "sag"):
        assert 'href="/reports/periods"' not in page_text(client_as(periods, people, role).get("/reports"))


# --- the secretariat's matrix -------------------------------------------------------------------


def test_matrix_says_where_each_report_stands_in_one_word_with_its_state_beside(periods, people, open_period,
                                                                               make_report):
    open_period("2026-Q3", PAST_DUE)
    open_period("2026-Q2", PAST_DUE, close=True)
    open_period("2026-Q4", FUTURE_DUE)
    make_report("wg-training", "2026-Q3", "draft")
    make_report("wg-partnerships", "2026-Q3", "submitted")
    make_report("working-groups", "2026-Q3", "returned")
    make_report("sag", "2026-Q2", "accepted")
    make_report("wg-training", "2026-Q4", "draft")
    html = section(page_text(client_as(periods, people, "secretariat").get("/reports?lang=en")), "matrix")
    cell = lambda code, slug: report_link_text(html, code, slug).split(": ", 1)[1]  # noqa: E731
    assert cell("2026-Q3", "wg-training") == "Overdue Draft"
    assert cell("2026-Q3", "wg-partnerships") == "Delivered late Submitted"  # submitted today, after the due date
    assert cell("2026-Q3", "working-groups") == "Overdue Returned"
    assert cell("2026-Q3", "sag") == "Overdue"
    assert cell("2026-Q2", "sag") == "Delivered late Accepted"
    assert cell("2026-Q2", "wg-training") == "Missing"  # the quarter closed without it: never "Missing + Overdue"
    assert cell("2026-Q4", "wg-training") == "Not due yet Draft"
    assert cell("2026-Q4", "sag") == "Not due yet"  # never "Missing" before the due date
    columns = re.findall(r'<th scope="col" id="period-([^"]+)"', html)
    assert columns == ["2026-Q4", "2026-Q3", "2026-Q2"]  # newest first; upcoming periods are not shown


def test_matrix_cells_name_their_body_and_period_for_screen_readers(periods, people, open_period):
    open_period("2026-Q3", FUTURE_DUE)
    html = section(page_text(client_as(periods, people, "secretariat").get("/reports?lang=en")), "matrix")
    assert report_link_text(html, "2026-Q3", "wg-training") == "Training WG, 2026-Q3: Not due yet"
    assert "<caption>" in html


def test_matrix_shows_eight_periods_and_links_to_older_ones(periods, people, open_period):
    codes = [f"{year}-Q{quarter}" for year in (2023, 2024, 2025) for quarter in (1, 2, 3, 4)]
    for code in codes:
        open_period(code, PAST_DUE, close=True)
    client = client_as(periods, people, "secretariat")
    html = page_text(client.get("/reports"))
    columns = re.findall(r'<th scope="col" id="period-([^"]+)"', html)
    assert columns == codes[::-1][:8]
    assert 'href="/reports?before=2024-Q1"' in html
    older = page_text(client.get("/reports?before=2024-Q1"))
    assert re.findall(r'<th scope="col" id="period-([^"]+)"', older) == ["2023-Q4", "2023-Q3", "2023-Q2", "2023-Q1"]
    assert "before=" not in section(older, "matrix") and "Latest periods" in older


def test_matrix_with_a_before_that_is_not_a_period_says_so_and_shows_the_latest(periods, people, open_period):
    open_period("2026-Q3", FUTURE_DUE)
    response = client_as(periods, people, "secretariat").get("/reports?before=<b>soon</b>")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "is not a period" in html and "<b>soon</b>" not in html
    assert 'id="period-2026-Q3"' in html


def test_matrix_leaves_out_dissolved_bodies_and_bodies_that_do_not_report(periods, people, open_period):
    open_period("2026-Q3", FUTURE_DUE)
    with periods.app_context():
        db.session.scalar(select(Body).where(Body.slug == "wg-partnerships")).dissolved_on = TODAY - timedelta(days=1)
        # A cluster accountable for nothing does not report.
        db.session.add(Body(slug="idle-cluster", kind="cluster", name={"en": "Idle"}, aliases=[]))
        db.session.commit()
    html = section(page_text(client_as(periods, people, "secretariat").get("/reports")), "matrix")
    assert "/reports/2026-Q3/wg-partnerships" not in html
    assert "/reports/2026-Q3/idle-cluster" not in html
    assert "/reports/2026-Q3/wg-training" in html
    assert "/reports/2026-Q3/glc" in html and "/reports/2026-Q3/rome-support-team" in html


# --- the lead's list: activities that still need an update ---------------------------------------


def test_lead_list_counts_the_activities_that_still_need_an_update(periods, people, open_period, make_report):
    open_period("2026-Q3", FUTURE_DUE)
    open_period("2026-Q2", FUTURE_DUE)
    # The training WG is accountable for 3.1.1.2 and adds a contribution note to 3.1.2.1 (the GLC is accountable):
    # the update is carried over unchanged, the note is optional.
    make_report("wg-training", "2026-Q3", "draft", {
        "3.1.1.2": {"status": "on_track", "achievements": "Same as last quarter.", "carried": True},
        "3.1.2.1": {"contribution": True, "achievements": ""},
    })
    html = section(page_text(client_as(periods, people, "wg_lead").get("/reports?lang=en")), "mine")
    q3 = html.split('data-period="2026-Q3"')[1].split("</tr>")[0]
    q2 = html.split('data-period="2026-Q2"')[1].split("</tr>")[0]
    assert re.search(r'class="outstanding">1 activity<', q3)
    assert re.search(r'class="outstanding">1 activity<', q2)  # no report yet: the one it is accountable for


def test_lead_list_says_none_when_every_activity_is_updated(periods, people, open_period, make_report):
    open_period("2026-Q3", FUTURE_DUE)
    make_report("wg-training", "2026-Q3", "draft", {
        "3.1.1.2": {"status": "on_track", "achievements": "Trained 40 logisticians."},
        "3.1.2.1": {"status": "delayed", "achievements": "Same as last quarter.", "carried": True, "no_progress": True},
    })
    html = section(page_text(client_as(periods, people, "wg_lead").get("/reports?lang=en")), "mine")
    assert 'class="outstanding">None<' in html


# --- /reports/periods ---------------------------------------------------------------------------


def test_anonymous_reader_is_sent_to_sign_in_from_the_periods_page(people, client):
    response = client.get("/reports/periods")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ["viewer", "wg_lead", "sag"])
def test_periods_page_is_refused_to_everyone_but_the_secretariat(periods, people, role):
    assert client_as(periods, people, role).get("/reports/periods").status_code == 403


def test_periods_page_lists_every_quarter_of_the_strategy_with_state_dates_glm_and_counts(periods, people, open_period,
                                                                                         make_report):
    open_period("2026-Q3", date(2026, 10, 15))
    with periods.app_context():
        services.set_glm(services.find_period(current_strategy(), "2026-Q3"), True, "GLM 2026, Rome", None)
    make_report("wg-training", "2026-Q3", "draft")
    make_report("sag", "2026-Q3", "draft")
    make_report("wg-partnerships", "2026-Q3", "accepted")
    response = client_as(periods, people, "secretariat").get("/reports/periods?lang=en")
    html = page_text(response)
    assert response.status_code == 200
    codes = re.findall(r'<tr id="period-([^"]+)"', html)
    assert len(codes) == 20 and codes[0] == "2022-Q1" and codes[-1] == "2026-Q4"
    row = html.split('id="period-2026-Q3"')[1].split("</tr>")[0]
    assert "Open" in row and "Oct 15, 2026" in row and "GLM 2026, Rome" in row
    # Due on 15 October, the accepted one submitted since: one word per report, every reporting body counted.
    assert "Overdue: 6" in row and "Delivered late: 1" in row and "Draft" not in row
    assert 'action="/reports/periods/2026-Q3/close"' in row
    upcoming = html.split('id="period-2026-Q4"')[1].split("</tr>")[0]
    assert "Upcoming" in upcoming and 'action="/reports/periods/2026-Q4/open"' in upcoming
    assert "/close" not in upcoming


def test_periods_page_forms_carry_a_csrf_token_and_a_post_without_it_is_refused(periods, people):
    client = client_as(periods, people, "secretariat")
    periods.config["WTF_CSRF_ENABLED"] = True
    html = page_text(client.get("/reports/periods"))
    forms = re.findall(r"<form method=\"post\" action=\"/reports/periods/[^\"]+\".*?</form>", html, re.S)
    assert len(forms) == 40  # open and GLM for each of the 20 periods
    assert all('name="csrf_token"' in form for form in forms)
    before = snapshot(periods)
    assert client.post("/reports/periods/2026-Q4/open", data={"due_on": "2027-01-15"}).status_code == 400
    assert snapshot(periods) == before


# --- writes: refused for everyone but the secretariat, with nothing changed ---------------------

WRITES = [
    ("/reports/periods/2026-Q4/open", {"due_on": "2027-01-15"}),
    ("/reports/periods/2026-Q3/close", {"confirm": "y"}),
    ("/reports/periods/2026-Q4/glm", {"glm": "y", "glm_name": "GLM 2027"}),
]


@pytest.mark.parametrize("url,data", WRITES, ids=[url.rsplit("/", 1)[1] for url, _ in WRITES])
def test_anonymous_writes_to_periods_are_sent_to_sign_in_and_change_nothing(periods, people, open_period, url, data):
    open_period("2026-Q3", FUTURE_DUE)
    before = snapshot(periods)
    response = periods.test_client().post(url, data=data)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert snapshot(periods) == before


@pytest.mark.parametrize("role", ["viewer", "wg_lead", "sag"])
@pytest.mark.parametrize("url,data", WRITES, ids=[url.rsplit("/", 1)[1] for url, _ in WRITES])
def test_writes_to_periods_by_others_than_the_secretariat_are_403_and_change_nothing(periods, people, open_period, role,
                                                                                    url, data):
    open_period("2026-Q3", FUTURE_DUE)
    client = client_as(periods, people, role)
    before = snapshot(periods)
    assert client.post(url, data=data).status_code == 403
    assert snapshot(periods) == before


def test_open_then_close_a_period_with_audit_entries(periods, people):
    client = client_as(periods, people, "secretariat")
    response = client.post("/reports/periods/2026-Q4/open", data={"due_on": "2027-01-15"})
    assert response.status_code == 302 and response.headers["Location"] == "/reports/periods#period-2026-Q4"
    assert period_row(periods, "2026-Q4") | {"opens_on": None} == {
        "state": "open", "opens_on": None, "due_on": date(2027, 1, 15), "glm": False, "glm_name": None}
    assert period_row(periods, "2026-Q4")["opens_on"] == TODAY
    assert "2026-Q4 is open: reports are due on January 15, 2027." in page_text(client.get("/reports/periods?lang=en"))

    response = client.post("/reports/periods/2026-Q4/close", data={"confirm": "y"})
    assert response.status_code == 302
    assert period_row(periods, "2026-Q4")["state"] == "closed"
    assert "2026-Q4 is closed" in page_text(client.get("/reports/periods?lang=en"))

    opened, closed = audit_of(periods, "period.opened"), audit_of(periods, "period.closed")
    assert [entry.user_id for entry in opened + closed] == [people["secretariat"]] * 2
    assert opened[0].before["state"] == "upcoming" and opened[0].after == {"state": "open", "due_on": "2027-01-15"}
    assert closed[0].after == {"state": "closed"}


def test_closing_a_closed_period_is_refused_with_a_message(periods, people, open_period):
    open_period("2026-Q2", PAST_DUE, close=True)
    client = client_as(periods, people, "secretariat")
    before = snapshot(periods)
    response = client.post("/reports/periods/2026-Q2/close", data={"confirm": "y"})
    assert response.status_code == 400
    assert "Only an open period can be closed." in page_text(response)
    assert snapshot(periods) == before


def test_closing_without_ticking_the_confirmation_is_refused(periods, people, open_period):
    open_period("2026-Q3", FUTURE_DUE)
    client = client_as(periods, people, "secretariat")
    before = snapshot(periods)
    response = client.post("/reports/periods/2026-Q3/close", data={})
    assert response.status_code == 400
    assert "Tick the box to confirm that closing locks the period" in page_text(response)
    assert snapshot(periods) == before


def test_a_closed_period_cannot_be_opened_again(periods, people, open_period):
    open_period("2026-Q2", PAST_DUE, close=True)
    client = client_as(periods, people, "secretariat")
    before = snapshot(periods)
    response = client.post("/reports/periods/2026-Q2/open", data={"due_on": "2027-01-15"})
    assert response.status_code == 400
    assert "2026-Q2 is closed; it cannot be opened again." in page_text(response)
    assert snapshot(periods) == before


@pytest.mark.parametrize("due_on", ["", "15/01/2027", "2027-02-30", "<script>"])
def test_opening_with_a_date_that_is_not_one_is_refused(periods, people, due_on):
    client = client_as(periods, people, "secretariat")
    before = snapshot(periods)
    response = client.post("/reports/periods/2026-Q4/open", data={"due_on": due_on})
    assert response.status_code == 400
    assert "Give the due date as a date, for example 2027-01-15." in page_text(response)
    assert "<script>" not in response.get_data(as_text=True)
    assert snapshot(periods) == before


def test_opening_with_a_due_date_in_the_past_is_refused(periods, people):
    client = client_as(periods, people, "secretariat")
    before = snapshot(periods)
    response = client.post("/reports/periods/2026-Q4/open", data={"due_on": (TODAY - timedelta(days=1)).isoformat()})
    assert response.status_code == 400
    assert "The due date must not be before the day the period opens." in page_text(response)
    assert snapshot(periods) == before


def test_moving_the_due_date_of_an_open_period_keeps_the_day_it_opened(periods, people, open_period):
    open_period("2026-Q3", FUTURE_DUE)
    opened_on = period_row(periods, "2026-Q3")["opens_on"]
    client = client_as(periods, people, "secretariat")
    later = FUTURE_DUE + timedelta(days=7)
    assert client.post("/reports/periods/2026-Q3/open", data={"due_on": later.isoformat()}).status_code == 302
    assert period_row(periods, "2026-Q3") | {"glm": None} == {
        "state": "open", "opens_on": opened_on, "due_on": later, "glm": None, "glm_name": None}
    assert "Reports for 2026-Q3 are now due on" in page_text(client.get("/reports/periods?lang=en"))


def test_unknown_period_is_404_for_the_secretariat(periods, people):
    client = client_as(periods, people, "secretariat")
    assert client.post("/reports/periods/2031-Q1/open", data={"due_on": "2031-04-15"}).status_code == 404
    assert client.post("/reports/periods/not-a-period/close", data={"confirm": "y"}).status_code == 404


def test_marking_a_period_as_glm_with_a_name_and_unmarking_it(periods, people):
    client = client_as(periods, people, "secretariat")
    response = client.post("/reports/periods/2026-Q4/glm", data={"glm": "y", "glm_name": "  GLM 2027, Rome  "})
    assert response.status_code == 302
    row = period_row(periods, "2026-Q4")
    assert row["glm"] is True and row["glm_name"] == "GLM 2027, Rome"
    html = page_text(client.get("/reports/periods?lang=en"))
    assert "2026-Q4 is marked as the period the GLM “GLM 2027, Rome” looks at." in html
    assert client.post("/reports/periods/2026-Q4/glm", data={"glm_name": "GLM 2027, Rome"}).status_code == 302
    row = period_row(periods, "2026-Q4")
    assert row["glm"] is False and row["glm_name"] is None
    assert [entry.after for entry in audit_of(periods, "period.glm")] == [
        {"glm": True, "glm_name": "GLM 2027, Rome"}, {"glm": False, "glm_name": None}]


def test_marking_a_period_as_glm_without_a_name_is_refused(periods, people):
    client = client_as(periods, people, "secretariat")
    before = snapshot(periods)
    response = client.post("/reports/periods/2026-Q4/glm", data={"glm": "y", "glm_name": " "})
    assert response.status_code == 400
    assert "Give the GLM a name" in page_text(response)
    assert snapshot(periods) == before


def test_a_glm_name_longer_than_120_characters_is_refused(periods, people):
    client = client_as(periods, people, "secretariat")
    before = snapshot(periods)
    response = client.post("/reports/periods/2026-Q4/glm", data={"glm": "y", "glm_name": "G" * 121})
    assert response.status_code == 400
    assert "The GLM's name is at most 120 characters long." in page_text(response)
    assert snapshot(periods) == before


def test_glm_names_are_escaped(periods, people):
    client = client_as(periods, people, "secretariat")
    client.post("/reports/periods/2026-Q4/glm", data={"glm": "y", "glm_name": "<b>GLM</b>"})
    html = client.get("/reports/periods").get_data(as_text=True)
    assert "<b>GLM</b>" not in html and "&lt;b&gt;GLM&lt;/b&gt;" in html


# --- constant queries ---------------------------------------------------------------------------


def build_world(app, make_plan, make_user, size: int) -> dict:
    """A plan with `size` working groups, `size` open or closed periods and a report in every cell."""
    make_plan(activities=2)
    slugs = [f"wg-{n:02d}" for n in range(size)]
    people = {
        "secretariat": make_user("Secretariat", bodies=[("rome-support-team", "member")]),
        "lead": make_user("Lead", bodies=[(slug, "lead") for slug in slugs]),
        "viewer": make_user("Viewer"),
    }
    states = ["draft", "submitted", "returned", "accepted"]
    with app.app_context():
        strategy = db.session.scalar(select(Strategy))
        services.ensure_periods(strategy)
        chosen = list(db.session.scalars(select(ReportingPeriod).order_by(ReportingPeriod.id.desc()).limit(size)))
        activity = db.session.scalar(select(Activity))
        for n, period in enumerate(chosen):
            period.state, period.opens_on, period.due_on = ("open" if n % 2 else "closed"), PAST_DUE, PAST_DUE
        for b, body in enumerate(db.session.scalars(select(Body).where(Body.slug.in_(slugs)))):
            for p, period in enumerate(chosen):
                report = GroupReport(body=body, period=period, state=states[(b + p) % 4])
                report.updates.append(ActivityUpdate(activity=activity, status="on_track", achievements="Done."))
                db.session.add(report)
        db.session.commit()
    return people


@pytest.mark.parametrize("role", ["secretariat", "lead", "viewer"])
def test_reports_page_runs_as_many_queries_for_12_bodies_and_periods_as_for_3(app, make_plan, make_user, role):
    counts = []
    for size in (3, 12):
        if size == 12:
            with app.app_context():
                db.drop_all()
                db.create_all()
        people = build_world(app, make_plan, make_user, size)
        client = app.test_client()
        log_in(client, people[role])
        with counting_queries(app) as count:
            response = client.get("/reports")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert html.count('href="/reports/20') >= (size if role != "viewer" else min(size, 4) // 2)
        counts.append(count())
    assert counts[0] == counts[1] <= 14, counts  # 14 with the header's unread count and the strategy bar
