"""The demo reports that `setup --demo` fills: a real quarter under the one-truth model (every accountable body
reports, the status table agrees with the accepted reports, the training lead has an open report to fill),
deterministic, idempotent, every state, every report labelled."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from seed.demo import create_demo_accounts
from seed.demo_reports import create_demo_reports
from sip.accounts.models import Membership, User
from sip.bodies.models import Body
from sip.core.models import AuditEntry
from sip.extensions import db
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from sip.reporting import services
from sip.reporting.models import ActivityStatus, ActivityUpdate, GroupReport, ReportingPeriod
from sip.reporting.statuses import current_statuses
from tests.conftest import built_once, load_real_seed

DEMO_TODAY = date(2026, 12, 2)  # the world's today: 2026-Q4 is the open quarter
DEMO_PERIODS = [f"{year}-Q{quarter}" for year in (2024, 2025, 2026) for quarter in (1, 2, 3, 4)]
CLOSED_PERIODS, OPEN_PERIOD = DEMO_PERIODS[:-1], DEMO_PERIODS[-1]
DEMO_BODIES = ("country-support-teams", "glc", "rome-support-team", "sag", "wg-partnerships", "wg-training",
               "working-groups")


def build_demo() -> None:
    """The plan, its periods, the demo accounts and the demo reports, in the current app context."""
    load_real_seed()
    services.ensure_periods(current_strategy())
    db.session.commit()
    create_demo_accounts()
    create_demo_reports(today=DEMO_TODAY)


@pytest.fixture
def demo(app):
    """The app with the demo built (once per process, then copied)."""
    with app.app_context():
        built_once("reporting-demo", build_demo)
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
        codes = dict(db.session.execute(select(Activity.id, Activity.code)).all())
        statuses = {codes[a]: current.status for a, current in current_statuses(current_strategy().id).items()}
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
    found = re.search(r"Demo reports: (\d+) reports for 2024-Q1 … \d{4}-Q[1-4]\.", first.output)
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


def test_every_body_accountable_for_an_open_activity_reports_and_has_accepted_reports(demo):
    with demo.app_context():  # open in the plan: not completed (TERMINÉ) when it was printed
        accountable = set(db.session.scalars(select(Body.slug).join(Activity, Activity.accountable_body_id == Body.id)
                                             .where(Activity.plan_status == "planned")))
    assert accountable == {"country-support-teams", "glc", "rome-support-team", "sag", "wg-partnerships",
                           "wg-training"}
    accepted = {r.body.slug for r in reports(demo) if r.state == "accepted"}
    assert accountable <= accepted
    last_closed = {r.body.slug for r in reports(demo) if r.period.code == CLOSED_PERIODS[-1] and r.state == "accepted"}
    assert accountable <= last_closed  # so the current statuses are the last closed quarter's


def test_the_demo_covers_every_report_state(demo):
    by_key = {(r.period.code, r.body.slug): r for r in reports(demo)}
    states = {r.state for r in by_key.values()}
    assert {"accepted", "returned", "submitted", "draft"} <= states
    late = [r for r in by_key.values() if r.submitted_at and r.submitted_at.date() > r.period.due_on]
    on_time = [r for r in by_key.values() if r.submitted_at and r.submitted_at.date() <= r.period.due_on]
    assert late and on_time
    missing = [(code, slug) for code in DEMO_PERIODS for slug in DEMO_BODIES if (code, slug) not in by_key]
    assert any(code in CLOSED_PERIODS for code, _slug in missing)  # missing in a closed period


def test_in_the_open_quarter_the_training_lead_has_a_report_to_fill_and_the_others_show_every_state(demo):
    by_key = {(r.period.code, r.body.slug): r for r in reports(demo)}
    with demo.app_context():
        period = db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.year == 2026,
                                                                ReportingPeriod.quarter == 4))
        assert (period.state, period.due_on) == ("open", date(2027, 1, 15)) and period.due_on > DEMO_TODAY
        training = db.session.scalar(select(Body).where(Body.slug == "wg-training"))
        to_fill = services.reportable_activities(training)
        lead = db.session.scalar(select(User).join(Membership).where(
            User.email == "lead.training.demo@example.org", Membership.body_id == training.id,
            Membership.role == "lead"))
    assert lead is not None and len(to_fill) >= 2  # several activities, one of them a contribution note
    assert {a.accountable_body_id == training.id for a in to_fill} == {True, False}
    training_report = by_key.get((OPEN_PERIOD, "wg-training"))
    assert training_report is None or (training_report.state == "draft" and training_report.submitted_at is None)
    states = {slug: by_key[(OPEN_PERIOD, slug)].state if (OPEN_PERIOD, slug) in by_key else "not started"
              for slug in DEMO_BODIES}
    assert {"submitted", "returned", "draft", "not started"} <= set(states.values())
    returned = [by_key[(OPEN_PERIOD, slug)] for slug, state in states.items() if state == "returned"]
    assert all(r.review_note for r in returned)
    assert not any(r.state == "accepted" for r in by_key.values() if r.period.code == OPEN_PERIOD)


def test_there_is_a_demo_sag_lead(demo):
    with demo.app_context():
        leads = db.session.scalars(select(User.email).join(Membership).join(Body, Membership.body_id == Body.id)
                                   .where(Body.slug == "sag", Membership.role == "lead")).all()
    assert leads == ["lead.sag.demo@example.org"]


def test_the_cluster_reports_through_the_secretariat_and_the_country_teams_through_their_focal_point(demo):
    with demo.app_context():
        glc, country = (db.session.scalar(select(Body).where(Body.slug == slug))
                        for slug in ("glc", "country-support-teams"))
        rome = db.session.scalar(select(User.id).where(User.email == "rome.demo@example.org"))
        focal = db.session.scalar(select(User.id).where(User.email == "country.demo@example.org"))
        assert glc.reported_by_secretariat and glc.focal_point_id is None
        assert country.focal_point_id == focal and not country.reported_by_secretariat
        filed = {slug: set(db.session.scalars(select(GroupReport.submitted_by_id).join(Body).where(
            Body.slug == slug, GroupReport.submitted_at.is_not(None)))) for slug in ("glc", "country-support-teams")}
    assert filed == {"glc": {rome}, "country-support-teams": {focal}}


def test_every_status_the_demo_intends_is_among_the_current_statuses(demo):
    statuses = picture(demo)["statuses"]
    counts = {status: list(statuses.values()).count(status) for status in set(statuses.values())}
    assert set(counts) == {"planned", "on_track", "at_risk", "delayed", "completed"}
    assert counts["on_track"] > counts["at_risk"] >= 3 and counts["delayed"] >= 3 and counts["planned"] <= 3


def test_the_status_table_agrees_with_the_accepted_reports_of_the_accountable_bodies(demo):
    latest: dict[str, tuple] = {}
    for report in reports(demo):
        if report.state != "accepted":
            continue
        rank = (report.period.year, report.period.quarter)
        for update in report.updates:
            if update.activity.accountable_body_id == report.body_id:
                assert update.status and not update.contribution
                if rank >= latest.get(update.activity.code, ((0, 0), None))[0]:
                    latest[update.activity.code] = (rank, update.status)
    statuses = picture(demo)["statuses"]
    assert len(latest) >= 40
    assert {code: statuses[code] for code in latest} == {code: status for code, (_rank, status) in latest.items()}
    with demo.app_context():
        sizes = db.session.execute(select(ActivityStatus.period_id, func.count()).group_by(ActivityStatus.period_id))
        assert {size for _period, size in sizes} == {50}  # each quarter's counts sum to the plan


def test_contribution_notes_carry_no_status(demo):
    notes = [(r.body.slug, u) for r in reports(demo) for u in r.updates
             if u.activity.accountable_body_id != r.body_id]
    assert {slug for slug, _u in notes} >= {"wg-training", "working-groups", "sag", "glc"}
    assert all(u.contribution and not u.status and u.progress_pct is None and u.achievements for _s, u in notes)


def test_returned_then_accepted_reports_keep_the_return_in_their_audit_trail(demo):
    with demo.app_context():
        returned = set(db.session.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "report.returned")))
        accepted = set(db.session.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "report.accepted")))
    assert returned & accepted


def test_demo_periods_are_closed_then_open_with_the_glms_marked(demo):
    periods = {code: (state, opens, due, glm) for code, state, opens, due, glm in picture(demo)["periods"]}
    for code in CLOSED_PERIODS:
        assert periods[code][0] == "closed" and periods[code][2] is not None, code
    assert periods["2026-Q3"][:3] == ("closed", date(2026, 9, 21), date(2026, 10, 15))
    assert periods["2026-Q4"] == ("open", DEMO_TODAY - timedelta(days=12), date(2027, 1, 15), "GLM November 2026")
    assert periods["2024-Q2"][3] == "GLM June 2024" and periods["2025-Q4"][3] == "GLM November 2025"
    assert periods["2023-Q4"][0] == "upcoming"  # before the demo: untouched


def test_the_open_quarter_follows_the_day_the_demo_is_made(app):
    with app.app_context():
        load_real_seed()
        services.ensure_periods(current_strategy())
        db.session.commit()
        create_demo_accounts()
        result = create_demo_reports(today=date(2026, 8, 10))
        states = dict(db.session.execute(select(ReportingPeriod.quarter, ReportingPeriod.state)
                                         .where(ReportingPeriod.year == 2026)).all())
    assert result.periods[-1] == "2026-Q3" and states == {1: "closed", 2: "closed", 3: "open", 4: "upcoming"}


def test_demo_statuses_move_over_time_and_activities_show_their_last_accepted_status(demo):
    history: dict[str, list[str]] = {}
    for report in sorted(reports(demo), key=lambda r: (r.period.year, r.period.quarter)):
        if report.state == "accepted":
            for update in report.updates:
                if not update.contribution:
                    history.setdefault(update.activity.code, []).append(update.status)
    assert any(path[0] == "planned" and "on_track" in path and path[-1] == "completed" for path in history.values())
    assert any({"at_risk", "delayed"} & set(path[:-1]) and path[-1] == "on_track" for path in history.values())
    statuses = picture(demo)["statuses"]
    assert all(statuses[code] == path[-1] for code, path in history.items())


def test_demo_dates_fall_inside_their_period_and_never_after_today(demo):
    for report in reports(demo):
        period = report.period
        assert period.opens_on - timedelta(days=20) <= report.created_at.date() <= DEMO_TODAY
        if report.submitted_at:
            assert period.opens_on <= report.submitted_at.date() <= min(period.due_on + timedelta(days=45), DEMO_TODAY)
        if report.reviewed_at:
            assert report.submitted_at.date() - timedelta(days=10) <= report.reviewed_at.date() <= DEMO_TODAY


def test_demo_reports_are_filed_by_the_demo_people_and_reviewed_by_the_demo_secretariat(demo):
    filers = {"wg-training": "lead.training.demo@example.org", "wg-partnerships": "lead.partnerships.demo@example.org",
              "sag": "lead.sag.demo@example.org", "rome-support-team": "rome.demo@example.org"}
    with demo.app_context():
        emails = dict(db.session.execute(select(User.id, User.email)).all())
        rome = db.session.scalar(select(User.id).where(User.email == "rome.demo@example.org"))
        for slug, email in filers.items():
            body = db.session.scalar(select(Body.id).where(Body.slug == slug))
            filed = list(db.session.scalars(select(GroupReport).where(GroupReport.body_id == body)))
            assert filed and {emails[r.submitted_by_id] for r in filed if r.submitted_at} == {email}, slug
            assert all(r.reviewed_by_id == rome for r in filed if r.reviewed_at)
        reviewed = db.session.scalars(select(AuditEntry.user_id).where(AuditEntry.action == "report.accepted")).all()
        assert reviewed and set(reviewed) == {rome}


def test_demo_updates_have_the_texts_a_report_needs(demo):
    for report in reports(demo):
        for update in report.updates:
            where = (report.period.code, report.body.slug, update.activity.code)
            if update.contribution:  # a note: what the body did and will do
                assert "Next quarter" in update.achievements and not update.status, where
                continue
            assert update.status and update.next_steps, where
            assert update.no_progress or update.achievements, where
            if update.status in ("at_risk", "delayed"):
                assert update.challenges and update.support_needed, where


def test_demo_texts_vary_from_activity_to_activity(demo):
    for report in reports(demo):
        texts = [u.achievements for u in report.updates if u.achievements]
        assert len(set(texts)) >= len(texts) - 1, (report.period.code, report.body.slug)
    assert not any("lorem" in u.achievements.lower() for r in reports(demo) for u in r.updates)
