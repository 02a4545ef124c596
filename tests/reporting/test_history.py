"""An activity's history on its plan page: the accepted updates, quarter by quarter, for every reader."""
import re

import pytest
from sqlalchemy import select

from sip.bodies.models import Body
from sip.core.models import utcnow
from sip.extensions import db
from sip.plan.models import Activity, Strategy
from sip.plan.queries import current_strategy
from sip.reporting import services
from sip.reporting.models import ActivityUpdate, GroupReport, ReportingPeriod
from tests.conftest import counting_queries, log_in
from tests.helpers import page_text

ACTIVITY = "3.1.1.2"  # the training WG's activity


@pytest.fixture
def periods(seeded):
    """The real plan with its reporting periods."""
    with seeded.app_context():
        services.ensure_periods(current_strategy())
        db.session.commit()
    return seeded


@pytest.fixture
def make_update(periods):
    """Builder: a body's report for a period, in a state, with one update of ACTIVITY; returns the update's id."""

    def build(code, state, achievements, *, slug="wg-training", activity=ACTIVITY, **fields):
        with periods.app_context():
            body = db.session.scalar(select(Body).where(Body.slug == slug))
            period = services.find_period(current_strategy(), code)
            report = db.session.scalar(select(GroupReport).where(GroupReport.body_id == body.id,
                                                                 GroupReport.period_id == period.id))
            if report is None:
                report = GroupReport(body=body, period=period, state=state,
                                     submitted_at=utcnow() if state != "draft" else None)
                db.session.add(report)
            update = ActivityUpdate(activity=db.session.scalar(select(Activity).where(Activity.code == activity)),
                                    achievements=achievements, **fields)
            report.updates.append(update)
            db.session.commit()
            return update.id

    return build


def history_rows(html: str) -> list[str]:
    """The period codes of the history table's rows, in page order."""
    table = re.search(r'<section id="history".*?</section>', html, re.S).group(0)
    return re.findall(r'<tr data-period="([^"]+)"', table)


def history(html: str) -> str:
    """The history section's HTML."""
    return re.search(r'<section id="history".*?</section>', html, re.S).group(0)


def test_activity_without_accepted_reports_says_so(periods, client, make_update):
    make_update("2026-Q2", "submitted", "Submitted but not reviewed yet.")
    html = page_text(client.get(f"/plan/activities/{ACTIVITY}?lang=en"))
    assert "Progress quarter by quarter" in html
    assert "No accepted report mentions this activity yet." in history(html)
    assert "Submitted but not reviewed yet." not in html


def test_history_shows_accepted_updates_only_newest_first(periods, client, make_update):
    make_update("2025-Q4", "accepted", "Curriculum drafted.", status="on_track", progress_pct=30)
    make_update("2026-Q2", "accepted", "Forty logisticians trained.", status="at_risk", progress_pct=55,
                challenges="Funding gap for Q3.")
    make_update("2026-Q1", "accepted", "Pilot in Nairobi.", status="on_track", progress_pct=45)
    make_update("2026-Q3", "submitted", "Waiting for review.", status="completed", progress_pct=100)
    make_update("2024-Q4", "returned", "Sent back to the group.", status="delayed")
    make_update("2025-Q1", "draft", "Not submitted yet.", status="delayed")
    html = page_text(client.get(f"/plan/activities/{ACTIVITY}?lang=en"))
    section = history(html)
    assert history_rows(html) == ["2026-Q2", "2026-Q1", "2025-Q4"]
    for text in ("Forty logisticians trained.", "Pilot in Nairobi.", "Curriculum drafted.", "Funding gap for Q3."):
        assert text in section
    for text in ("Waiting for review.", "Sent back to the group.", "Not submitted yet."):
        assert text not in html
    newest = section.split('data-period="2026-Q2"')[1].split("</tr>")[0]
    assert "At risk" in newest and "55 %" in newest and "Training WG" in newest


def test_history_names_each_reporting_body_when_two_report_on_the_activity(periods, client, make_update):
    make_update("2026-Q1", "accepted", "Training side.", status="on_track")
    make_update("2026-Q1", "accepted", "Partnership side.", slug="wg-partnerships", status="on_track")
    html = page_text(client.get(f"/plan/activities/{ACTIVITY}?lang=en"))
    section = history(html)
    assert history_rows(html) == ["2026-Q1", "2026-Q1"]
    assert "Training WG" in section and "Partnerships WG" in section


def test_history_is_public_and_the_same_for_a_signed_in_viewer(periods, client, make_update, make_user):
    make_update("2026-Q1", "accepted", "Pilot in Nairobi.", status="on_track")
    anonymous = page_text(client.get(f"/plan/activities/{ACTIVITY}"))
    viewer = periods.test_client()
    log_in(viewer, make_user("Viewer"))
    assert "Pilot in Nairobi." in history(anonymous)
    assert history_rows(page_text(viewer.get(f"/plan/activities/{ACTIVITY}"))) == ["2026-Q1"]


def test_history_says_when_a_quarter_had_no_progress(periods, client, make_update):
    make_update("2026-Q1", "accepted", "", status="delayed", no_progress=True)
    html = page_text(client.get(f"/plan/activities/{ACTIVITY}?lang=en"))
    assert "No progress this quarter" in history(html)


def test_history_escapes_what_groups_typed_and_keeps_line_breaks(periods, client, make_update):
    make_update("2026-Q1", "accepted", "<script>alert(1)</script>\nSecond line", status="on_track",
                challenges="<img src=x onerror=alert(1)>")
    html = client.get(f"/plan/activities/{ACTIVITY}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Second line" in html


def test_history_of_another_activity_is_not_shown(periods, client, make_update):
    make_update("2026-Q1", "accepted", "About the other activity.", activity="3.1.2.1", status="on_track")
    html = page_text(client.get(f"/plan/activities/{ACTIVITY}"))
    assert "About the other activity." not in html and history_rows(html) == []


def test_activity_page_queries_do_not_grow_with_the_history(app, client, make_plan):
    make_plan(activities=2)
    counts = []
    for quarters in (1, 12):
        with app.app_context():
            strategy = db.session.scalar(select(Strategy))
            services.ensure_periods(strategy)
            activity = db.session.scalar(select(Activity).where(Activity.code == "1.1.1.2"))
            body = db.session.scalar(select(Body))
            done = {report.period_id for report in db.session.scalars(select(GroupReport))}
            for period in [p for p in strategy_periods(strategy) if p.id not in done][:quarters]:
                report = GroupReport(body=body, period=period, state="accepted")
                report.updates.append(ActivityUpdate(activity=activity, status="on_track", achievements="Done."))
                db.session.add(report)
            db.session.commit()
        with counting_queries(app) as count:
            html = page_text(client.get("/plan/activities/1.1.1.2"))
        assert len(history_rows(html)) == (1 if quarters == 1 else 13)
        counts.append(count())
    assert counts[0] == counts[1] <= 13, counts  # the page also reads the status table, contribution notes, its other lives (carry-over) and the strategy bar


def strategy_periods(strategy):
    """The strategy's periods in time order."""
    return list(db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.strategy_id == strategy.id)
                                   .order_by(ReportingPeriod.year, ReportingPeriod.quarter)))
