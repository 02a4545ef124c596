"""Reporting boundaries that no test used to hold (issue 23): a due date on the opening day, acceptance moving the
report's version on, "carried" and "no progress", and carry-over that never takes the quarter's own report."""
from datetime import date, timedelta

import pytest

from sip.extensions import db
from sip.reporting import services
from sip.reporting.services import ReportError
from tests.reporting.test_services import FIRST, SECOND, ctx, world  # noqa: F401  ctx and world are fixtures
from tests.test_access import snapshot

SPRING_OPENS = date(2026, 4, 1)


def test_a_period_may_be_due_on_the_day_it_opens_but_not_the_day_before(ctx):
    spring = ctx.period("2026-Q2")
    before = snapshot()
    with pytest.raises(ReportError, match="must not be before the day the period opens"):
        services.open_period(spring, SPRING_OPENS - timedelta(days=1), actor=None, opens_on=SPRING_OPENS)
    db.session.rollback()
    assert snapshot() == before
    services.open_period(spring, SPRING_OPENS, actor=None, opens_on=SPRING_OPENS)
    db.session.expire_all()
    spring = ctx.period("2026-Q2")
    assert (spring.state, spring.opens_on, spring.due_on) == ("open", SPRING_OPENS, SPRING_OPENS)


def test_accepting_a_report_moves_its_version_on_by_one(ctx):
    report = ctx.write(submit=True)
    submitted = report.version
    services.accept_report(report, ctx.secretariat)
    db.session.expire_all()
    report = services.find_report(ctx.body, ctx.period())
    assert (report.state, report.version) == ("accepted", submitted + 1)


def test_returning_a_report_moves_its_version_on_by_one(ctx):
    report = ctx.write(submit=True)
    submitted = report.version
    services.return_report(report, ctx.secretariat, "Add the numbers.")
    db.session.expire_all()
    assert services.find_report(ctx.body, ctx.period()).version == submitted + 1


def test_an_update_with_no_progress_ticked_is_never_marked_carried(ctx):
    ctx.accepted_quarter()
    previous = services.last_accepted_updates(list(ctx.ids()), ctx.period())
    same = {activity_id: services.carried_data(update) for activity_id, update in previous.items()}
    first = ctx.activity(FIRST).id
    assert ctx.update_of(ctx.write(same), FIRST).carried  # the control: the same text, progress claimed
    same[first].no_progress = True
    update = ctx.update_of(ctx.write(same), FIRST)
    assert update.no_progress and not update.carried
    assert update.achievements == same[first].achievements  # the text is kept; it is just not claimed as carried


def test_carry_over_never_takes_the_quarters_own_accepted_report(ctx):
    services.open_period(ctx.period("2026-Q2"), date(2026, 7, 15), actor=None, opens_on=SPRING_OPENS)
    ctx.accepted_quarter(code="2026-Q2", text="Spring text.")
    ctx.accepted_quarter(code="2026-Q3", text="Summer text.")
    ids = list(ctx.ids())
    summer = services.last_accepted_updates(ids, ctx.period("2026-Q3"))
    autumn = services.last_accepted_updates(ids, ctx.period("2026-Q4"))
    assert summer[ctx.activity(FIRST).id].achievements == "Spring text."  # not its own quarter's
    assert autumn[ctx.activity(FIRST).id].achievements == "Summer text."  # the control: the quarter before counts
    assert summer[ctx.activity(SECOND).id].report.period.code == "2026-Q2"


def test_a_report_starts_from_the_quarter_before_never_from_its_own_quarter(ctx):
    # Written again in the quarter of an accepted report (another group's, or after a return), it starts from
    # the quarter before, never from itself.
    services.open_period(ctx.period("2026-Q2"), date(2026, 7, 15), actor=None, opens_on=SPRING_OPENS)
    ctx.accepted_quarter(code="2026-Q2", text="Spring text.")
    ctx.accepted_quarter(code="2026-Q3", text="Summer text.")
    previous = services.previous_updates(ctx.body, [ctx.activity(FIRST)], ctx.period("2026-Q3"))
    assert [u.achievements for u in previous.values()] == ["Spring text."]
