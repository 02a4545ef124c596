"""Reading bodies and the activities they are responsible for."""
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from sip.bodies.models import Body
from sip.core.i18n import pick
from sip.extensions import db
from sip.plan.models import Activity, Output, Outcome, Responsibility
from sip.plan.queries import fold


def all_bodies() -> list[Body]:
    """Every body, in a stable order."""
    return list(db.session.scalars(select(Body).order_by(Body.id)))


def body_choices(lang: str) -> list[tuple[str, str]]:
    """(slug, name) pairs for a choice list, sorted by name in the reader's language."""
    choices = [(body.slug, pick(body.name, lang)) for body in all_bodies()]
    return sorted(choices, key=lambda choice: fold(choice[1]))


def activity_counts() -> dict[int, int]:
    """How many distinct activities each body is responsible for (one query)."""
    query = select(Responsibility.body_id, func.count(func.distinct(Responsibility.activity_id))).group_by(
        Responsibility.body_id
    )
    return dict(db.session.execute(query).all())


def find_body(slug: str) -> Body | None:
    """The body with this slug."""
    return db.session.scalar(select(Body).where(Body.slug == slug))


def responsibilities_of(body: Body) -> list[Responsibility]:
    """The body's responsibilities with their activities, in plan order."""
    query = (
        select(Responsibility)
        .join(Responsibility.activity)
        .where(Responsibility.body_id == body.id)
        .order_by(Activity.position)
        .options(
            selectinload(Responsibility.activity)
            .selectinload(Activity.output)
            .selectinload(Output.outcome)
            .selectinload(Outcome.pillar),
            selectinload(Responsibility.activity).selectinload(Activity.responsibilities),
        )
    )
    return list(db.session.scalars(query))
