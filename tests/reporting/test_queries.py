"""Reading reports (sip.reporting.queries) directly: states, lateness, counts, paging, history, query counts."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sip.bodies.models import Body
from sip.extensions import db
from sip.plan.models import Activity, Responsibility, Strategy
from sip.reporting import queries, services, statuses
from sip.reporting.models import ActivityUpdate, GroupReport, ReportingPeriod
from tests.conftest import counting_queries

TODAY = date(2026, 11, 20)


@pytest.fixture
def plan(app_ctx, make_plan):
    """A synthetic plan (one working group responsible for five activities) with its periods, in an app context."""
    make_plan(activities=5)
    strategy = db.session.scalar(select(Strategy))
    services.ensure_periods(strategy)
    db.session.commit()
    return strategy


def period(strategy, code, state="open", due_on=None) -> ReportingPeriod:
    """A period of the plan, put in a state with a due date."""
    found = services.find_period(strategy, code)
    found.state, found.due_on = state, due_on
    db.session.commit()
    return found


def body(slug="wg-test-plan") -> Body:
    """A body by slug."""
    return db.session.scalar(select(Body).where(Body.slug == slug))


def activities() -> list[Activity]:
    """The plan's activities in order."""
    return list(db.session.scalars(select(Activity).order_by(Activity.position)))


def report(of, in_period, state, updates=()) -> GroupReport:
    """A report with updates given as dicts of fields (each with its `activity`)."""
    made = GroupReport(body=of, period=in_period, state=state)
    for fields in updates:
        made.updates.append(ActivityUpdate(**fields))
    db.session.add(made)
    db.session.commit()
    return made


# --- where a report stands -----------------------------------------------------------------------


@pytest.mark.parametrize("period_state,state,due_on,word", [
    ("open", "missing", TODAY - timedelta(days=1), "Overdue"),
    ("open", "draft", TODAY - timedelta(days=1), "Overdue"),
    ("open", "returned", TODAY - timedelta(days=1), "Overdue"),
    ("open", "missing", TODAY, "Not due yet"),  # due today is not overdue yet
    ("open", "draft", TODAY + timedelta(days=5), "Not due yet"),
    ("open", "missing", None, "Not due yet"),
    ("closed", "missing", TODAY - timedelta(days=60), "Missing"),
    ("closed", "draft", TODAY - timedelta(days=60), "Missing"),  # never "Draft + Overdue" on a closed quarter
    ("upcoming", "missing", None, "Not open"),
])
def test_a_report_not_delivered_is_not_due_yet_then_overdue_then_missing_once_the_quarter_closed(
        period_state, state, due_on, word):
    status = queries.report_status(Body(slug="wg"), ReportingPeriod(year=2026, quarter=3, state=period_state,
                                                                    due_on=due_on), state, None, TODAY)
    assert status.label == word
    assert status.detail == (None if state == "missing" else state.capitalize())


@pytest.mark.parametrize("submitted_on,word", [(TODAY - timedelta(days=3), "On time"),
                                               (TODAY + timedelta(days=2), "Delivered late")])
def test_a_delivered_report_is_on_time_or_delivered_late_whatever_the_quarter_became(submitted_on, word):
    from datetime import datetime
    for period_state in ("open", "closed"):
        period = ReportingPeriod(year=2026, quarter=3, state=period_state, due_on=TODAY)
        status = queries.report_status(Body(slug="wg"), period, "accepted",
                                       datetime(submitted_on.year, submitted_on.month, submitted_on.day, 12), TODAY)
        assert (status.label, status.detail) == (word, "Accepted")


# --- one's own reports --------------------------------------------------------------------------


def test_my_reports_counts_activities_still_needing_an_update(plan):
    q3 = period(plan, "2026-Q3", due_on=TODAY + timedelta(days=10))
    a1, a2, a3, a4, a5 = activities()
    report(body(), q3, "draft", [
        {"activity": a1, "status": "on_track", "achievements": "Trained 40 people."},  # done
        {"activity": a2, "status": "on_track", "achievements": "Same text.", "carried": True},  # carried: to do
        {"activity": a3, "status": "delayed", "achievements": "", "no_progress": True},  # no progress: done
        {"activity": a4, "status": None, "achievements": "Written, but no status."},  # to do
        {"activity": a5, "status": "on_track", "achievements": "   "},  # blank: to do
    ])
    [row] = queries.my_reports([body()], plan, TODAY)
    assert (row.state, row.label, row.outstanding) == ("draft", "Not due yet", 3)


def test_my_reports_without_a_report_counts_every_reportable_activity(plan):
    period(plan, "2026-Q3", due_on=TODAY - timedelta(days=1))
    a1, a2, *_ = activities()
    a1.plan_status = "completed"  # completed and retired activities are no longer reported on
    a2.retired_on = date(2025, 1, 1)
    statuses.refresh(plan.id)
    db.session.commit()
    [row] = queries.my_reports([body()], plan, TODAY)
    assert (row.state, row.label, row.outstanding) == ("missing", "Overdue", 3)
    assert row.outstanding == len(services.reportable_activities(body()))


def test_my_reports_lists_open_periods_only_newest_first_for_each_body(plan):
    other = Body(slug="wg-other", kind="working_group", name={"en": "Other", "fr": "Autre"}, aliases=[])
    db.session.add(other)
    db.session.add(Responsibility(body=other, activity=activities()[0], role="lead"))
    db.session.flush()
    activities()[1].accountable_body_id = other.id  # wg-other must update this one; the first is a contribution
    period(plan, "2026-Q2")
    period(plan, "2026-Q3")
    period(plan, "2026-Q1", state="closed")
    rows = queries.my_reports([body(), other], plan, TODAY)
    assert [(r.period.code, r.body.slug, r.outstanding) for r in rows] == [
        ("2026-Q3", "wg-test-plan", 4), ("2026-Q3", "wg-other", 1),
        ("2026-Q2", "wg-test-plan", 4), ("2026-Q2", "wg-other", 1)]


def test_my_reports_is_empty_when_no_period_is_open(plan):
    assert queries.my_reports([body()], plan, TODAY) == []


def test_reporting_bodies_of_a_person_are_their_working_groups_and_the_sag(app_ctx, make_user):
    person_id = make_user("Many hats", bodies=[("wg-b", "lead"), ("sag", "member"), ("rome-support-team", "member"),
                                               ("wg-a", "member")])
    for slug, kind in (("sag", "advisory_group"), ("rome-support-team", "support_team")):
        body(slug).kind = kind
    db.session.commit()
    person = queries.load_person(person_id)
    assert [b.slug for b in queries.reporting_bodies_of(person)] == ["wg-a", "wg-b", "sag"]


# --- the matrix ---------------------------------------------------------------------------------


def test_matrix_cells_say_where_each_report_stands_with_its_own_state_beside(plan):
    past = period(plan, "2026-Q2", state="closed", due_on=TODAY - timedelta(days=60))
    now = period(plan, "2026-Q3", due_on=TODAY - timedelta(days=1))
    report(body(), past, "accepted")
    report(body(), now, "returned")
    matrix = queries.report_matrix(plan, today=TODAY)
    [(row_body, cells)] = [(b, c) for b, c in matrix.rows if b.slug == "wg-test-plan"]
    assert [(c.period.code, c.state, c.label, c.detail) for c in cells] == [
        ("2026-Q3", "returned", "Overdue", "Returned"), ("2026-Q2", "accepted", "On time", "Accepted")]
    assert matrix.older is None and matrix.newer is False


def test_matrix_pages_through_periods_eight_at_a_time(plan):
    codes = [f"{year}-Q{quarter}" for year in (2023, 2024, 2025) for quarter in (1, 2, 3, 4)]
    for code in codes:
        period(plan, code, state="closed")
    first = queries.report_matrix(plan, today=TODAY)
    assert [p.code for p in first.periods] == codes[::-1][:8] and first.older == "2024-Q1"
    second = queries.report_matrix(plan, before=queries.rank_of(first.older), today=TODAY)
    assert [p.code for p in second.periods] == ["2023-Q4", "2023-Q3", "2023-Q2", "2023-Q1"]
    assert second.older is None and second.newer is True


def test_reporting_bodies_are_active_groups_and_every_body_accountable_or_responsible_for_an_open_activity(plan):
    glc = Body(slug="glc", kind="cluster", name={"en": "GLC"}, aliases=[])
    team = Body(slug="rome-support-team", kind="support_team", name={"en": "Rome"}, aliases=[])
    countries = Body(slug="country-support-teams", kind="country_teams", name={"en": "Countries"}, aliases=[])
    idle = Body(slug="idle", kind="cluster", name={"en": "Idle"}, aliases=[])
    db.session.add_all([
        Body(slug="sag", kind="advisory_group", name={"en": "SAG"}, aliases=[]), glc, team, countries, idle,
        Body(slug="wg-gone", kind="working_group", name={"en": "Gone"}, aliases=[], dissolved_on=date(2025, 1, 1)),
        Body(slug="wg-ending", kind="working_group", name={"en": "Ending"}, aliases=[], dissolved_on=date(2027, 1, 1)),
    ])
    db.session.flush()
    a1, a2, a3, a4, _a5 = activities()
    a1.accountable_body_id = glc.id  # accountable
    db.session.add(Responsibility(body=team, activity=a2, role="member"))  # responsible: a contribution
    countries_done = Responsibility(body=countries, activity=a3, role="lead")
    a3.accountable_body_id, a3.plan_status = countries.id, "completed"  # nothing open: not a reporting body
    db.session.add(countries_done)
    db.session.add(Responsibility(body=idle, activity=a4, role="member"))
    a4.retired_on = date(2025, 1, 1)  # retired: nothing to report
    statuses.refresh(plan.id)
    db.session.commit()
    assert [b.slug for b in queries.reporting_bodies(TODAY)] == [
        "wg-ending", "wg-test-plan", "rome-support-team", "glc", "sag"]


@pytest.mark.parametrize("size", [3, 12])
def test_matrix_runs_three_queries_whatever_the_number_of_bodies_and_periods(app, plan, size):
    # (the bodies' query loads the focal points with a second SELECT only when some body names one)
    periods = list(db.session.scalars(select(ReportingPeriod).order_by(ReportingPeriod.id).limit(size)))
    for p in periods:
        p.state = "closed"
    bodies = [Body(slug=f"wg-{n}", kind="working_group", name={"en": f"WG {n}"}, aliases=[]) for n in range(size)]
    db.session.add_all(bodies)
    db.session.add_all(GroupReport(body=b, period=p, state="submitted") for b in bodies for p in periods)
    db.session.commit()
    db.session.expire_all()
    assert plan.id  # the caller holds the strategy already: load it before counting
    with counting_queries(app) as count:
        matrix = queries.report_matrix(plan, today=TODAY)
        states = [cell.state for _, cells in matrix.rows for cell in cells]
    assert states.count("submitted") == size * min(size, 8)
    assert count() == 3


# --- viewers, the periods page, the history -----------------------------------------------------


def test_accepted_reports_are_the_only_ones_a_viewer_gets(plan):
    q2, q3 = period(plan, "2026-Q2", state="closed"), period(plan, "2026-Q3")
    other = Body(slug="wg-other", kind="working_group", name={"en": "Other"}, aliases=[])
    report(body(), q2, "accepted")
    report(other, q2, "submitted")
    report(other, q3, "draft")
    result = [(p.code, [r.body.slug for r in reports]) for p, reports in queries.accepted_reports(plan)]
    assert result == [("2026-Q3", []), ("2026-Q2", ["wg-test-plan"])]


def test_period_rows_count_every_reporting_bodys_report_by_where_it_stands(plan):
    q3 = period(plan, "2026-Q3", due_on=TODAY + timedelta(days=5))
    q2 = period(plan, "2026-Q2", state="closed", due_on=TODAY - timedelta(days=60))
    report(body(), q3, "draft")
    report(Body(slug="wg-2", kind="working_group", name={"en": "2"}, aliases=[]), q3, "draft")
    report(Body(slug="wg-3", kind="working_group", name={"en": "3"}, aliases=[]), q3, "submitted")
    db.session.add(Body(slug="wg-4", kind="working_group", name={"en": "4"}, aliases=[]))  # nothing saved: counted
    db.session.commit()
    rows = queries.period_rows(plan, TODAY)
    assert [r.period.code for r in rows][:2] == ["2022-Q1", "2022-Q2"] and len(rows) == 20
    [now] = [r for r in rows if r.period == q3]
    assert now.counts == {"pending": 3, "on_time": 1} and now.total == 4 and now.to_review == 1
    assert now.items() == [("On time", 1), ("Not due yet", 3)]
    [closed] = [r for r in rows if r.period == q2]
    assert closed.items() == [("Missing", 4)]
    [upcoming] = [r for r in rows if r.period.code == "2026-Q4"]
    assert upcoming.total == 0


def test_activity_history_is_the_accepted_updates_newest_first_in_one_query(app, plan):
    a1, a2, *_ = activities()
    for code, state in (("2025-Q4", "accepted"), ("2026-Q2", "accepted"), ("2026-Q1", "accepted"),
                        ("2026-Q3", "submitted")):
        report(body(), period(plan, code), state, [{"activity": a1, "achievements": code}, {"activity": a2}])
    db.session.expire_all()
    assert a1.id  # the caller holds the activity already: load it before counting
    with counting_queries(app) as count:
        history = queries.activity_history(a1)
        seen = [(u.report.period.code, u.report.body.slug, u.achievements) for u in history]
    assert seen == [("2026-Q2", "wg-test-plan", "2026-Q2"), ("2026-Q1", "wg-test-plan", "2026-Q1"),
                    ("2025-Q4", "wg-test-plan", "2025-Q4")]
    assert count() == 1
