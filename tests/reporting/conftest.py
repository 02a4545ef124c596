"""Fixtures of the reporting tests."""

from sip.extensions import db


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
