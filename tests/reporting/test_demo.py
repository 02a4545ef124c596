"""The demo reports that `setup --demo` fills: deterministic, idempotent, every state, every report labelled."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from seed.demo import create_demo_accounts
from seed.demo_reports import create_demo_reports
from sip.accounts.models import User
from sip.bodies.models import Body
from sip.core.models import AuditEntry
from sip.extensions import db
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from sip.reporting import services
from sip.reporting.models import ActivityUpdate, GroupReport, ReportingPeriod
from tests.conftest import load_real_seed

DEMO_TODAY = date(2026, 11, 22)
DEMO_PERIODS = [f"{year}-Q{quarter}" for year in (2024, 2025, 2026) for quarter in (1, 2, 3, 4)][:11]
DEMO_BODIES = ("sag", "wg-partnerships", "wg-training", "working-groups")


def build_demo() -> None:
    """The plan, its periods, the demo accounts and the demo reports, in the current app context."""
    load_real_seed()
    services.ensure_periods(current_strategy())
    db.session.commit()
    create_demo_accounts()
    create_demo_reports(today=DEMO_TODAY)


@pytest.fixture
def demo(app):
    """The app with the demo built."""
    with app.app_context():
        build_demo()
        db.session.remove()
    return app


def reports(app) -> list[GroupReport]:
    """Every report with its body, period and updates, detached."""
    with app.app_context():
        found = list(db.session.scalars(select(GroupReport).order_by(GroupReport.id)))
        for report in found:
            report.body, report.period, [u.activity for u in report.updates]  # load before detaching
        db.session.expunge_all()
        return found


def picture(app) -> dict:
    """What a reader of the demo sees: periods, each report's state, dates and texts, activity statuses."""
    with app.app_context():
        periods = [(p.code, p.state, p.opens_on, p.due_on, p.glm_name)
                   for p in db.session.scalars(select(ReportingPeriod).order_by(ReportingPeriod.year,
                                                                               ReportingPeriod.quarter))]
        statuses = {code: status for code, status in db.session.execute(select(Activity.code, Activity.status))}
    rows = {}
    for report in reports(app):
        updates = sorted((u.activity.code, u.status, u.progress_pct, u.achievements, u.challenges, u.next_steps,
                          u.support_needed, u.evidence_links, u.no_progress) for u in report.updates)
        rows[(report.period.code, report.body.slug)] = (
            report.state, report.summary, report.review_note, report.demo, _day(report.created_at),
            _day(report.submitted_at), _day(report.reviewed_at), report.version, updates)
    return {"periods": periods, "reports": rows, "statuses": statuses}


def _day(moment):
    """A timestamp to the minute, without its time zone (SQLite drops it)."""
    return moment.replace(tzinfo=None, second=0, microsecond=0) if moment else None


def counts(app) -> dict:
    """Rows of the tables the demo writes to."""
    with app.app_context():
        return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                for model in (GroupReport, ActivityUpdate, AuditEntry, User, ReportingPeriod)}


# --- deterministic and idempotent ---------------------------------------------------------------


def test_the_generator_gives_the_same_reports_and_statuses_on_two_fresh_databases(demo):
    first = picture(demo)
    with demo.app_context():
        db.drop_all()
        db.create_all()
        build_demo()
        db.session.remove()
    second = picture(demo)
    assert len(first["reports"]) > 30
    assert second == first


def test_running_the_generator_again_creates_nothing_more(demo):
    before, demo_picture = counts(demo), picture(demo)
    with demo.app_context():
        result = create_demo_reports(today=DEMO_TODAY)
    assert (result.reports, result.periods, result.glm_marked) == (0, [], 0)
    assert counts(demo) == before and picture(demo) == demo_picture


def test_setup_demo_prints_the_demo_reports_once_and_twice_creates_nothing_more(empty_app):
    runner = empty_app.test_cli_runner()
    first = runner.invoke(args=["sip", "setup", "--demo"])
    assert first.exit_code == 0, first.output
    found = re.search(r"Demo reports: (\d+) reports for 2024-Q1 … 2026-Q3\.", first.output)
    assert found, first.output
    before = counts(empty_app)
    assert int(found.group(1)) == before["group_report"]
    second = runner.invoke(args=["sip", "setup", "--demo"])
    assert second.exit_code == 0, second.output
    assert "Demo reports exist already; nothing changed." in second.output
    assert counts(empty_app) == before


# --- what the demo holds ------------------------------------------------------------------------


def test_every_demo_report_is_labelled_as_demo_data(demo):
    found = reports(demo)
    assert found and all(r.demo for r in found)
    assert all(r.summary.startswith("[Demo] Demo data, not a real report.") for r in found)


def test_the_demo_covers_every_report_state(demo):
    by_key = {(r.period.code, r.body.slug): r for r in reports(demo)}
    states = {r.state for r in by_key.values()}
    assert {"accepted", "returned", "submitted", "draft"} <= states
    late = [r for r in by_key.values() if r.submitted_at and r.submitted_at.date() > r.period.due_on]
    on_time = [r for r in by_key.values() if r.submitted_at and r.submitted_at.date() <= r.period.due_on]
    assert late and on_time
    missing = [(code, slug) for code in DEMO_PERIODS for slug in DEMO_BODIES if (code, slug) not in by_key]
    assert any(code != "2026-Q3" for code, _slug in missing)  # missing in a closed period
    assert ("2026-Q3", "working-groups") in missing  # and in the open one


def test_returned_then_accepted_reports_keep_the_return_in_their_audit_trail(demo):
    with demo.app_context():
        returned = set(db.session.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "report.returned")))
        accepted = set(db.session.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "report.accepted")))
    assert returned & accepted


def test_demo_periods_are_closed_then_open_then_upcoming_with_the_glms_marked(demo):
    periods = {code: (state, opens, due, glm) for code, state, opens, due, glm in picture(demo)["periods"]}
    for code in DEMO_PERIODS[:-1]:
        assert periods[code][0] == "closed" and periods[code][2] is not None, code
    assert periods["2026-Q3"] == ("open", date(2026, 9, 21), date(2026, 10, 15), None)
    assert periods["2026-Q4"] == ("upcoming", None, None, "GLM November 2026")
    assert periods["2024-Q2"][3] == "GLM June 2024" and periods["2025-Q4"][3] == "GLM November 2025"
    assert periods["2023-Q4"][0] == "upcoming"  # before the demo: untouched


def test_demo_statuses_move_over_time_and_activities_show_their_last_accepted_status(demo):
    history: dict[str, list[str]] = {}
    for report in sorted(reports(demo), key=lambda r: (r.period.year, r.period.quarter)):
        if report.state == "accepted":
            for update in report.updates:
                history.setdefault(update.activity.code, []).append(update.status)
    assert any(path[0] == "planned" and "on_track" in path and path[-1] == "completed" for path in history.values())
    assert any({"at_risk", "delayed"} & set(path) for path in history.values())
    statuses = picture(demo)["statuses"]
    assert all(statuses[code] == path[-1] for code, path in history.items())


def test_demo_dates_fall_inside_their_period_and_never_after_today(demo):
    for report in reports(demo):
        period = report.period
        assert period.opens_on - timedelta(days=20) <= report.created_at.date() <= DEMO_TODAY
        if report.submitted_at:
            assert period.opens_on <= report.submitted_at.date() <= period.due_on + timedelta(days=45)
        if report.reviewed_at:
            assert report.submitted_at.date() - timedelta(days=10) <= report.reviewed_at.date() <= DEMO_TODAY


def test_demo_reports_are_filed_by_the_demo_lead_and_reviewed_by_the_demo_secretariat(demo):
    with demo.app_context():
        lead = db.session.scalar(select(User.id).where(User.email == "lead.training.demo@example.org"))
        rome = db.session.scalar(select(User.id).where(User.email == "rome.demo@example.org"))
        body = db.session.scalar(select(Body.id).where(Body.slug == "wg-training"))
        training = [r for r in db.session.scalars(select(GroupReport).where(GroupReport.body_id == body))]
        assert training and all(r.submitted_by_id == lead for r in training if r.submitted_at)
        assert all(r.reviewed_by_id == rome for r in training if r.reviewed_at)
        reviewed = db.session.scalars(select(AuditEntry.user_id).where(AuditEntry.action == "report.accepted")).all()
        assert reviewed and set(reviewed) == {rome}


def test_demo_updates_have_the_texts_a_report_needs(demo):
    for report in reports(demo):
        for update in report.updates:
            assert update.status
            assert update.no_progress or update.achievements, (report.period.code, update.activity.code)
            assert update.next_steps
            if update.status in ("at_risk", "delayed"):
                assert update.challenges and update.support_needed
