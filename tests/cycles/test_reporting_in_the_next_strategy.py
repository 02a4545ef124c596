"""Reporting once the next strategy is current: a group reports on the activities of the quarter's strategy only,
though it is still named on the closed strategy's activities (they are kept, not retired)."""
import re

import pytest
from sqlalchemy import select

from sip.bodies.models import Body
from sip.extensions import db
from sip.plan.models import Activity
from sip.reporting import services
from sip.reporting.models import ReportingPeriod
from tests.cycles.two_strategies import make_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The closed 2022–2026 record and the current 2027–2031 plan, with the same bodies named in both."""
    built = make_world(tmp_path_factory, "next-reports")
    yield built
    with built["app"].app_context():
        db.engine.dispose()


def named_in_both(world) -> list[Body]:
    """The bodies responsible for activities in both strategies."""
    def bodies_of(strategy_id):
        return {a.accountable_body_id for a in db.session.scalars(select(Activity).where(
            Activity.strategy_id == strategy_id, Activity.retired_on.is_(None))) if a.accountable_body_id}
    both = bodies_of(world["closed"]) & bodies_of(world["next"])
    return list(db.session.scalars(select(Body).where(Body.id.in_(both)).order_by(Body.slug)))


def test_a_group_reports_on_the_activities_of_its_quarter_s_strategy_only(world):
    with world["app"].app_context():
        period = db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.strategy_id == world["next"])
                                   .order_by(ReportingPeriod.id).limit(1))
        bodies = named_in_both(world)
        assert bodies, "no body is named in both strategies"
        for body in bodies:
            activities = services.reportable_activities(body, None, strategy_id=period.strategy_id)
            assert activities, body.slug
            assert {a.strategy_id for a in activities} == {world["next"]}, body.slug
            closed = services.reportable_activities(body, None, strategy_id=world["closed"])
            assert {a.strategy_id for a in closed} <= {world["closed"]}, body.slug


def test_the_report_page_of_a_next_strategy_quarter_lists_that_plan_s_activities_only(world):
    from tests.cycles.two_strategies import SECRETARIAT, sign_in

    client = world["app"].test_client()
    assert sign_in(client, SECRETARIAT).status_code == 302
    with world["app"].app_context():
        period = db.session.scalar(select(ReportingPeriod).where(ReportingPeriod.strategy_id == world["next"])
                                   .order_by(ReportingPeriod.id).limit(1))
        slugs = [body.slug for body in named_in_both(world)]
    for slug in slugs:
        page = client.get(f"/reports/{period.code}/{slug}?lang=en")
        assert page.status_code == 200, slug
        html = page.get_data(as_text=True)
        assert "Next: " in html, slug  # the 2027–2031 plan's activities ("Next: …")
        texts = re.findall(r'class="code">[^<]*</a> ([^<]*)', html)
        assert texts and [t for t in texts if not t.startswith("Next: ")] == [], slug
