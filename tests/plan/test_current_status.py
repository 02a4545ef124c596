"""The plan and activity pages read each activity's current status and its status by quarter from the one status
table: the latest quarter's row, whatever order the reports were accepted in."""
import re

from sqlalchemy import select

from sip.extensions import db
from sip.plan import queries
from sip.plan.models import Activity
from sip.plan.queries import PlanFilters, current_strategy
from sip.reporting import statuses
from tests.helpers import page_text

CODE = "3.1.1.2"  # wg-training is accountable for it


def activity(code: str = CODE) -> Activity:
    """The live activity with this code."""
    return db.session.scalar(select(Activity).where(Activity.code == code))


def codes(response) -> list[str]:
    """The activity codes linked from a plan page, in page order."""
    return re.findall(r'href="/plan/activities/([\d.]+)"', page_text(response))


def quarter_rows(html: str) -> dict[str, str]:
    """The activity page's status-by-quarter table: {quarter: the row's text}."""
    table = re.search(r'<section id="status-by-quarter".*?</section>', html, re.S).group(0)
    return {quarter: " ".join(re.sub(r"<[^>]+>", " ", row).split())
            for quarter, row in re.findall(r'<tr data-quarter="([^"]+)">(.*?)</tr>', table, re.S)}


def q4_on_track_then_q3_at_risk(report) -> None:
    """Accept 2026-Q4's report (On track), then the returned and resubmitted 2026-Q3 one (At risk)."""
    report("2026-Q4", "on_track")
    report("2026-Q3", "at_risk", returned_first=True)


def test_the_plan_query_filters_and_counts_by_the_latest_quarters_status_not_the_last_accepted_report(
        quarters_open, report):
    q4_on_track_then_q3_at_risk(report)
    with quarters_open.app_context():
        strategy = current_strategy()
        on_track = queries.plan_page(strategy, PlanFilters(status="on_track"), 1, 100)
        at_risk = queries.plan_page(strategy, PlanFilters(status="at_risk"), 1, 100)
        everything = queries.plan_page(strategy, PlanFilters(), 1, 100)
        assert [a.code for a in on_track.page.items] == [CODE] and on_track.counts == {"on_track": 1}
        assert at_risk.page.items == [] and at_risk.counts == {}
        assert everything.counts["on_track"] == 1 and "at_risk" not in everything.counts
        assert sum(everything.counts.values()) == 50
        assert everything.current[activity().id] == "on_track"


def test_the_activitys_standing_gives_each_quarter_its_own_status_and_source(quarters_open, report):
    q4_on_track_then_q3_at_risk(report)
    with quarters_open.app_context():
        standing = queries.standing(activity())
        rows = {q.period.code: (q.status, q.source, standing.quarter_codes.get(q.reported_in_id))
                for q in standing.quarters}
        assert rows["2026-Q4"] == ("on_track", "report", "2026-Q4")
        assert rows["2026-Q3"] == ("at_risk", "report", "2026-Q3")
        assert list(rows) == ["2026-Q4", "2026-Q3"]  # the upcoming quarters are not shown
        assert (standing.current.status, standing.current.reported_in) == ("on_track", "2026-Q4")
        assert [r.body.slug for r in standing.accountable_roles] == ["wg-training"]


def test_the_quarter_table_agrees_with_what_the_dashboards_read_for_every_quarter(quarters_open, report):
    q4_on_track_then_q3_at_risk(report)
    with quarters_open.app_context():
        found = activity()
        standing = queries.standing(found)
        for row in standing.quarters:
            dashboard = {r.activity_id: r.status for r in db.session.execute(statuses.as_of_query([row.period.id]))}
            assert dashboard[found.id] == row.status, row.period.code
        assert [q.period.code for q in standing.quarters] == ["2026-Q4", "2026-Q3"]


def test_plan_page_says_on_track_and_the_activity_page_shows_q3_at_risk_and_q4_on_track(quarters_open, report,
                                                                                        client):
    q4_on_track_then_q3_at_risk(report)
    assert CODE in codes(client.get("/plan?status=on_track&lang=en"))
    assert CODE not in codes(client.get("/plan?status=at_risk&lang=en"))
    listing = page_text(client.get(f"/plan?q={CODE}&lang=en"))
    assert "status-on_track" in listing and "status-at_risk" not in listing
    html = page_text(client.get(f"/plan/activities/{CODE}?lang=en"))
    current = re.search(r'<dd id="current-status">(.*?)</dd>', html, re.S).group(1)
    assert "On track" in current and "Accepted report of 2026-Q4" in current
    rows = quarter_rows(html)
    assert rows["2026-Q4"].startswith("2026-Q4 On track 40 %") and "Accepted report of 2026-Q4" in rows["2026-Q4"]
    assert rows["2026-Q3"].startswith("2026-Q3 At risk 40 %") and "Accepted report of 2026-Q3" in rows["2026-Q3"]
    assert list(rows) == ["2026-Q4", "2026-Q3"]


def test_the_activity_page_names_the_accountable_body_and_the_others_as_contributors(seeded, client):
    html = page_text(client.get("/plan/activities/1.2.1.4?lang=en"))
    accountable = re.search(r'<dd id="accountable">(.*?)</dd>', html, re.S).group(1)
    contributors = re.search(r'<dd id="contributors">(.*?)</dd>', html, re.S).group(1)
    assert 'href="/bodies/glc"' in accountable and "its report sets the status" in accountable
    assert 'href="/bodies/sag"' in contributors and 'href="/bodies/glc"' not in contributors


def test_a_completed_activity_with_no_body_needs_no_accountable_body(seeded, client):
    html = page_text(client.get("/plan/activities/2.2.1.4?lang=en"))
    assert "None: the plan records this activity as completed." in html
    assert 'id="contributors"' not in html


def test_a_contribution_note_is_shown_beside_the_status_and_does_not_set_it(quarters_open, report, client):
    report("2026-Q4", "on_track", code="1.2.1.4", slug="glc")
    report("2026-Q4", "delayed", code="1.2.1.4", slug="sag")  # the SAG contributes: a note, not a status
    html = page_text(client.get("/plan/activities/1.2.1.4?lang=en"))
    assert "On track" in re.search(r'<dd id="current-status">(.*?)</dd>', html, re.S).group(1)
    notes = re.search(r'<dd id="contributions">(.*?)</dd>', html, re.S).group(1)
    assert 'href="/bodies/sag"' in notes and "2026-Q4: work done." in notes


def test_a_retired_activity_shows_the_status_it_was_retired_as(quarters_open, client):
    from datetime import date

    with quarters_open.app_context():
        found = activity("1.1.1.2")
        found.retired_on, found.plan_status = date(2026, 3, 31), "discontinued"  # as an applied retirement does
        statuses.refresh(found.strategy_id, [found.id])
        db.session.commit()
    html = page_text(client.get("/plan/activities/1.1.1.2?lang=en"))
    assert "Discontinued" in re.search(r'<dd id="current-status">(.*?)</dd>', html, re.S).group(1)
    assert "Retired on March 31, 2026 as Discontinued." in html
    assert "1.1.1.2" in codes(client.get("/plan?status=discontinued&lang=en"))
