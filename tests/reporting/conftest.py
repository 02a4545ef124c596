"""Fixtures of the reporting tests."""
from datetime import date

import pytest

from sip.extensions import db


@pytest.fixture
def make_plan(app):
    """Builder: a synthetic plan of a chosen size, each activity led by (and accountable to) one working group.

    As tests/conftest.py's, with the plan's own status in `plan_status` and the accountable body set.
    """
    from sip.bodies.models import Body
    from sip.plan.models import Activity, Outcome, Output, Pillar, Responsibility, Strategy

    def build(pillars=1, outcomes=1, outputs=1, activities=1, code="test-plan"):
        with app.app_context():
            strategy = Strategy(code=code, title={"fr": "Plan d'essai", "en": "Test plan"},
                                starts_on=date(2022, 1, 1), ends_on=date(2026, 12, 31))
            body = Body(slug=f"wg-{code}", kind="working_group", name={"fr": "GT essai", "en": "Test WG"}, aliases=[])
            db.session.add_all([strategy, body])
            db.session.flush()
            position = 0
            for p in range(1, pillars + 1):
                pillar = Pillar(strategy=strategy, number=p, title={"fr": f"Pilier {p}", "en": f"Pillar {p}"},
                                goal={"fr": "But", "en": "Goal"})
                for o in range(1, outcomes + 1):
                    position += 1
                    outcome = Outcome(pillar=pillar, code=f"{p}.{o}", text={"fr": "R", "en": "O"}, position=position)
                    for u in range(1, outputs + 1):
                        position += 1
                        output = Output(outcome=outcome, code=f"{p}.{o}.{u}", text={"fr": "P", "en": "O"},
                                        position=position)
                        for a in range(1, activities + 1):
                            position += 1
                            activity = Activity(strategy_id=strategy.id, code=f"{p}.{o}.{u}.{a}", position=position,
                                                text={"fr": f"Activité {a}", "en": f"Activity {a}"},
                                                plan_status="planned", accountable_body_id=body.id)
                            activity.responsibilities.append(Responsibility(body_id=body.id, role="lead"))
                            output.activities.append(activity)
                db.session.add(pillar)
            db.session.commit()
            return strategy.id

    return build


def make_accountable(slug: str, *codes: str) -> None:
    """Make a body accountable for activities of the loaded plan, as an applied amendment would (in an app context).

    The real plan makes the GLC accountable for 3.1.2.1, which the training working group also leads; the tests of
    the full reporting cycle give it to the working group, so that its report sets both activities' statuses."""
    from sqlalchemy import select

    from sip.bodies.models import Body
    from sip.plan.models import Activity
    from sip.reporting import statuses

    body = db.session.scalar(select(Body).where(Body.slug == slug))
    activities = list(db.session.scalars(select(Activity).where(Activity.code.in_(codes))))
    for activity in activities:
        activity.accountable_body_id = body.id
    statuses.refresh(activities[0].strategy_id, [a.id for a in activities])
    db.session.commit()
