"""Fixtures for the report pack: the real plan with the demo reports, one person per role, signed-in clients."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from seed.demo import create_demo_accounts
from seed.demo_reports import create_demo_reports
from sip.bodies.models import Body
from sip.extensions import db
from sip.plan.models import Activity, Responsibility
from sip.plan.queries import current_strategy
from sip.reporting import services, statuses
from sip.reporting.models import ActivityUpdate, GroupReport
from tests.conftest import built_once, load_real_seed, log_in

DEMO_TODAY = date(2026, 11, 22)  # keeps the demo's timestamps out of the future, as tests/reporting does
GLM_PERIOD = "2026-Q2"  # the demo's latest GLM quarter with accepted reports (GLM June 2026)
from tests.test_access import MEMBERSHIPS  # noqa: E402  one person per role, as in the access matrix
# The demo people's names, e-mails and phones must never appear in an export.
# Taken from the demo's own list, so that a demo person added later is covered too.
from seed.demo import PEOPLE as _DEMO_PEOPLE  # noqa: E402

PERSONAL = tuple(name for _, _, name, *_ in _DEMO_PEOPLE) + tuple(email for _, email, *_ in _DEMO_PEOPLE) + (
    "example.org/people",)


@pytest.fixture
def demo(app):
    """The real plan, its 20 quarters, the demo people and their reports (2024-Q1 … 2026-Q3); built once per
    process and copied for the next tests."""
    with app.app_context():
        built_once("exports-demo", _build_demo)
        db.session.remove()
    return app


def _build_demo() -> None:
    """The demo plan, people and reports, on DEMO_TODAY."""
    load_real_seed()
    services.ensure_periods(current_strategy())
    db.session.commit()
    create_demo_accounts()
    create_demo_reports(today=DEMO_TODAY)


@pytest.fixture
def people(app, make_user):
    """Builder: one person per role of the access matrix (bodies made as working groups when not loaded)."""
    made: dict[str, int] = {}

    def person(role: str) -> int:
        if role not in made:
            made[role] = make_user(f"Export {role}", bodies=MEMBERSHIPS[role], email=f"{role}@example.org")
        return made[role]

    return person


@pytest.fixture
def client_as(app, people):
    """Builder: a test client signed in with a role ("anonymous" stays signed out)."""

    def build(role: str):
        client = app.test_client()
        if role != "anonymous":
            assert log_in(client, people(role)).status_code == 302
        return client

    return build


def strategy_id(app) -> int:
    """The id of the loaded strategy."""
    with app.app_context():
        return current_strategy().id


def period_of(code: str):
    """The reporting period with this code (inside an app context)."""
    from sip.reporting.models import ReportingPeriod

    year, quarter = code.split("-Q")
    return db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.year == int(year),
                                                          ReportingPeriod.quarter == int(quarter)))


# --- a hand-made plan -------------------------------------------------------------------------------------------


def at(day: date) -> datetime:
    """Noon UTC of a day, as a submission or review time."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)


@pytest.fixture
def plan(app, make_plan):
    """A hand-made plan: pillars 1 and 2, activities 1.1.1.1, 1.1.1.2, 2.1.1.1, 2.1.1.2, all led by "Test WG"
    (wg-test-plan); "Second WG" (wg-second) also contributes to 2.1.1.2. Its 20 quarters exist, all upcoming."""
    make_plan(pillars=2, outcomes=1, outputs=1, activities=2)
    with app.app_context():
        second = Body(slug="wg-second", kind="working_group", name={"fr": "Deuxième GT", "en": "Second WG"},
                      aliases=[])
        db.session.add(second)
        db.session.flush()
        activity = db.session.scalar(select(Activity).where(Activity.code == "2.1.1.2"))
        db.session.add(Responsibility(activity_id=activity.id, body_id=second.id, role="contributor", position=1))
        services.ensure_periods(current_strategy())
        db.session.commit()
    return app


@pytest.fixture
def open_period(plan):
    """Builder: open a quarter from its first day with a due date, close it when told, mark it as a GLM's."""

    def do(code, due_on, *, close=False, glm=None):
        with plan.app_context():
            period = services.find_period(current_strategy(), code)
            services.open_period(period, due_on, None, opens_on=period.starts_on)
            if close:
                services.close_period(period, None)
            if glm:
                services.set_glm(period, True, glm, None)

    return do


@pytest.fixture
def make_report(plan):
    """Builder: a body's report for a quarter in a state, with updates {activity code: fields}; accepted reports get
    a review time (`reviewed_on`, else the submission day). The status table is then refreshed, as accepting a
    report refreshes it."""

    def build(slug, code, state, updates=None, *, summary="", submitted_on=None, reviewed_on=None, submitted_by=None):
        with plan.app_context():
            body = db.session.scalar(select(Body).where(Body.slug == slug))
            period = services.find_period(current_strategy(), code)
            reviewed = reviewed_on or submitted_on
            report = GroupReport(body=body, period=period, state=state, summary=summary,
                                 submitted_at=at(submitted_on) if submitted_on else None,
                                 reviewed_at=at(reviewed) if state == "accepted" and reviewed else None,
                                 submitted_by_id=submitted_by, reviewed_by_id=submitted_by)
            db.session.add(report)
            for activity_code, fields in (updates or {}).items():
                activity = db.session.scalar(select(Activity).where(Activity.code == activity_code))
                report.updates.append(ActivityUpdate(activity=activity, **fields))
            statuses.refresh(current_strategy().id)
            db.session.commit()
            return report.id

    return build


@pytest.fixture
def quarters(plan, open_period, make_report, make_user):
    """2026-Q2 closed (GLM June 2026) and 2026-Q3 open, with accepted, submitted, returned and draft reports.

    Accepted: 2026-Q2 1.1.1.1 on track ("Q2 ACHIEVEMENT"), 1.1.1.2 at risk (its challenge is a formula), 2.1.1.1
    completed; 2026-Q3 1.1.1.1 delayed ("Q3 ACHIEVEMENT", support "@finance", a contact e-mail and phone in the
    text), 2.1.1.2 on track. Submitted, returned and draft reports say things that must never show.
    """
    writer = make_user("Jeanne Rapporteuse", email="jeanne.rapporteuse@example.org", bodies=[("wg-test-plan", "lead")])
    open_period("2026-Q2", date(2026, 7, 15), close=True, glm="GLM June 2026")
    open_period("2026-Q3", date(2026, 10, 15))
    make_report("wg-test-plan", "2026-Q2", "accepted", {
        "1.1.1.1": {"status": "on_track", "progress_pct": 20, "achievements": "Q2 ACHIEVEMENT"},
        "1.1.1.2": {"status": "at_risk", "challenges": '=HYPERLINK("http://evil.example","x")',
                    "support_needed": "+ two staff"},
        "2.1.1.1": {"status": "completed", "achievements": "Done in Q2."},
    }, summary="Q2 went well.", submitted_on=date(2026, 7, 10), submitted_by=writer)
    make_report("wg-test-plan", "2026-Q3", "accepted", {
        "1.1.1.1": {"status": "delayed", "progress_pct": 25, "achievements": "Q3 ACHIEVEMENT",
                    "challenges": "-funding cut; call jeanne.rapporteuse@example.org or +41 22 555 12 34",
                    "support_needed": "@finance", "evidence_links": "https://example.org/q3\nmailto:jeanne@x.org"},
        "2.1.1.2": {"status": "on_track", "achievements": "Second step."},
    }, summary="Q3: training delayed.", submitted_on=date(2026, 10, 10), submitted_by=writer)
    make_report("wg-second", "2026-Q3", "submitted", {
        "2.1.1.2": {"status": "discontinued", "achievements": "SUBMITTED-ONLY TEXT"},
    }, summary="SUBMITTED-ONLY SUMMARY", submitted_on=date(2026, 10, 1))
    make_report("wg-second", "2026-Q2", "returned", {
        "2.1.1.2": {"status": "delayed", "achievements": "RETURNED-ONLY TEXT"},
    }, summary="RETURNED-ONLY SUMMARY", submitted_on=date(2026, 7, 1))
    return plan


HIDDEN = ("SUBMITTED-ONLY", "RETURNED-ONLY", "DRAFT-ONLY", "Jeanne", "jeanne.rapporteuse", "555 12 34")
