"""`flask sip open-period`, `close-period` and `periods`: what the operator sees and what the database holds."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from sip.core.models import AuditEntry
from sip.extensions import db
from sip.plan.queries import current_strategy
from sip.reporting import services
from sip.reporting.models import ReportingPeriod

TODAY = date.today()


@pytest.fixture
def periods_app(seeded):
    """The real plan with its 20 upcoming periods (2022-Q1 … 2026-Q4)."""
    with seeded.app_context():
        services.ensure_periods(current_strategy())
        db.session.commit()
    return seeded


def run(app, *args):
    """Invoke `flask sip <args>`; returns click's result."""
    return app.test_cli_runner().invoke(args=["sip", *args])


def period_row(app, code: str) -> tuple:
    """(state, opens_on, due_on) of a period."""
    with app.app_context():
        period = services.find_period(current_strategy(), code)
        return period.state, period.opens_on, period.due_on


def snapshot(app) -> tuple:
    """Every period's state and dates, and the number of audit entries: what a refused command must not change."""
    with app.app_context():
        rows = db.session.execute(select(ReportingPeriod.year, ReportingPeriod.quarter, ReportingPeriod.state,
                                         ReportingPeriod.opens_on, ReportingPeriod.due_on)
                                  .order_by(ReportingPeriod.id)).all()
        return [tuple(row) for row in rows], db.session.scalar(select(func.count()).select_from(AuditEntry))


def set_state(app, code: str, due: date, state: str) -> None:
    """Open a period (and close it when asked) through the services."""
    with app.app_context():
        period = services.find_period(current_strategy(), code)
        services.open_period(period, due, None, opens_on=due - timedelta(days=20))
        if state == "closed":
            services.close_period(period, None)


# --- open-period --------------------------------------------------------------------------------


def test_open_period_opens_the_quarter_with_its_due_date_and_opening_day(periods_app):
    result = run(periods_app, "open-period", "2026-Q4", "--due", "2027-01-15", "--opens", "2026-12-20")
    assert result.exit_code == 0, result.output
    assert "2026-Q4 is open" in result.output and "2027-01-15" in result.output
    assert period_row(periods_app, "2026-Q4") == ("open", date(2026, 12, 20), date(2027, 1, 15))


def test_open_period_is_audited_as_the_system(periods_app):
    run(periods_app, "open-period", "2026-Q4", "--due", "2027-01-15", "--opens", "2026-12-20")
    with periods_app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "period.opened"))
        assert (entry.user_id, entry.after) == (None, {"state": "open", "due_on": "2027-01-15"})


def test_open_period_without_opens_opens_today(periods_app):
    due = TODAY + timedelta(days=30)
    # "Today" is read around the command, not when the module was imported: a run that crosses midnight failed.
    before = date.today()
    result = run(periods_app, "open-period", "2026-q4", "--due", due.isoformat())
    after = date.today()
    assert result.exit_code == 0, result.output
    state, opened, due_on = period_row(periods_app, "2026-Q4")
    assert (state, due_on) == ("open", due) and opened in (before, after)


def test_open_period_again_moves_the_due_date_and_keeps_the_opening_day(periods_app):
    run(periods_app, "open-period", "2026-Q4", "--due", "2027-01-15", "--opens", "2026-12-20")
    result = run(periods_app, "open-period", "2026-Q4", "--due", "2027-01-31")
    assert result.exit_code == 0, result.output
    assert "now due on 2027-01-31" in result.output
    assert period_row(periods_app, "2026-Q4") == ("open", date(2026, 12, 20), date(2027, 1, 31))


@pytest.mark.parametrize("args, says, exit_code", [
    (["2026-Q5", "--due", "2027-01-15"], "YEAR-Qn", 1),
    (["Q4-2026", "--due", "2027-01-15"], "YEAR-Qn", 1),
    (["2031-Q1", "--due", "2031-04-15"], "no reporting period 2031-Q1", 1),
    (["2026-Q4", "--due", "2027-13-15"], "Invalid value for '--due'", 2),
    (["2026-Q4", "--due", "15/01/2027"], "Invalid value for '--due'", 2),
    (["2026-Q4", "--due", "2027-01-15", "--opens", "someday"], "Invalid value for '--opens'", 2),
    (["2026-Q4", "--due", "2026-12-01", "--opens", "2026-12-20"], "must not be before the day the period opens", 1),
    (["2026-Q4"], "Missing option '--due'", 2),
], ids=["quarter-5", "reversed-code", "unknown-period", "month-13", "wrong-date-format", "bad-opening-day",
        "due-before-opens", "no-due-date"])
def test_open_period_refuses_with_a_clear_error_and_changes_nothing(periods_app, args, says, exit_code):
    before = snapshot(periods_app)
    result = run(periods_app, "open-period", *args)
    assert result.exit_code == exit_code, result.output
    assert says in result.output
    assert snapshot(periods_app) == before


def test_open_period_refuses_a_closed_period_and_changes_nothing(periods_app):
    set_state(periods_app, "2026-Q2", date(2026, 7, 15), "closed")
    before = snapshot(periods_app)
    result = run(periods_app, "open-period", "2026-Q2", "--due", "2027-01-15")
    assert result.exit_code == 1
    assert "2026-Q2 is closed; it cannot be opened again." in result.output
    assert snapshot(periods_app) == before


def test_open_period_without_a_plan_says_to_run_setup(app):
    result = run(app, "open-period", "2026-Q4", "--due", "2027-01-15")
    assert result.exit_code == 1
    assert "sip setup" in result.output


# --- close-period -------------------------------------------------------------------------------


def test_close_period_closes_an_open_period_and_audits_it(periods_app):
    set_state(periods_app, "2026-Q3", date(2026, 10, 15), "open")
    result = run(periods_app, "close-period", "2026-Q3")
    assert result.exit_code == 0, result.output
    assert "2026-Q3 is closed" in result.output
    assert period_row(periods_app, "2026-Q3")[0] == "closed"
    with periods_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "period.closed")) == 1


@pytest.mark.parametrize("code, state, says", [
    ("2026-Q4", "upcoming", "2026-Q4 is upcoming. Only an open period can be closed."),
    ("2026-Q2", "closed", "2026-Q2 is closed. Only an open period can be closed."),
    ("2026-Q9", None, "YEAR-Qn"),
    ("2019-Q1", None, "no reporting period 2019-Q1"),
], ids=["upcoming", "already-closed", "bad-code", "unknown-period"])
def test_close_period_refuses_with_a_clear_error_and_changes_nothing(periods_app, code, state, says):
    if state == "closed":
        set_state(periods_app, code, date(2026, 7, 15), "closed")
    before = snapshot(periods_app)
    result = run(periods_app, "close-period", code)
    assert result.exit_code == 1
    assert says in result.output
    assert snapshot(periods_app) == before


# --- periods ------------------------------------------------------------------------------------


def test_periods_lists_every_period_with_its_state_dates_and_glm(periods_app):
    set_state(periods_app, "2026-Q2", date(2026, 7, 15), "closed")
    run(periods_app, "open-period", "2026-Q3", "--due", "2026-10-15", "--opens", "2026-09-21")
    with periods_app.app_context():
        services.set_glm(services.find_period(current_strategy(), "2026-Q2"), True, "GLM June 2026", None)
    result = run(periods_app, "periods")
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()[1:-1]}
    assert len(lines) == 20 and "2022-Q1" in lines and "2026-Q4" in lines
    assert lines["2026-Q2"] == ["2026-Q2", "closed", "2026-06-25", "2026-07-15", "GLM", "June", "2026"]
    assert lines["2026-Q3"] == ["2026-Q3", "open", "2026-09-21", "2026-10-15"]
    assert lines["2026-Q4"] == ["2026-Q4", "upcoming", "-", "-"]
    assert result.output.splitlines()[-1] == "1 open, 18 upcoming, 1 closed."


def test_periods_without_a_plan_says_to_run_setup(app):
    result = run(app, "periods")
    assert result.exit_code == 1
    assert "sip setup" in result.output
