"""Fixtures of the plan tests: the real plan with 2026-Q3 and 2026-Q4 open, and reports accepted through the
reporting services (so that the status table is written as in production)."""
from datetime import date

import pytest
from sqlalchemy import select

from sip.bodies.models import Body
from sip.extensions import db
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from sip.reporting import services
from sip.reporting.models import ActivityUpdate, GroupReport


@pytest.fixture
def quarters_open(seeded):
    """The real plan, its periods created, 2026-Q3 and 2026-Q4 open for reports."""
    with seeded.app_context():
        strategy = current_strategy()
        services.ensure_periods(strategy)
        db.session.commit()
        for code, opens, due in (("2026-Q3", date(2026, 7, 1), date(2026, 10, 15)),
                                 ("2026-Q4", date(2026, 10, 1), date(2027, 1, 15))):
            services.open_period(services.find_period(strategy, code), due, actor=None, opens_on=opens)
    return seeded


@pytest.fixture
def report(quarters_open):
    """Builder: the body's report of a quarter giving an activity a status, submitted; then accepted, or returned
    and submitted again (accepted=False). Returns the report's id."""

    def build(period_code: str, status: str, code: str = "3.1.1.2", slug: str = "wg-training",
              accepted: bool = True, returned_first: bool = False) -> int:
        with quarters_open.app_context():
            period = services.find_period(current_strategy(), period_code)
            body = db.session.scalar(select(Body).where(Body.slug == slug))
            activity = db.session.scalar(select(Activity).where(Activity.code == code))
            note = activity.accountable_body_id != body.id  # a contribution note, as the report form stores it
            made = GroupReport(body=body, period=period, state="draft", version=1, summary="Quarter done.",
                               updates=[ActivityUpdate(activity=activity, status=None if note else status,
                                                       progress_pct=None if note else 40, contribution=note,
                                                       achievements=f"{period_code}: work done.")])
            db.session.add(made)
            db.session.commit()
            services.submit_report(made, None)
            db.session.commit()
            if returned_first:
                services.return_report(made, None, "Say more about the risks.")
                services.submit_report(made, None)
                db.session.commit()
            if accepted:
                services.accept_report(made, None)
            return made.id

    return build
