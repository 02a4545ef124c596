"""Reading strategies and their carry-overs."""
from sqlalchemy import select

from sip.extensions import db
from sip.plan.models import Strategy


def all_strategies() -> list[Strategy]:
    """Every strategy, drafts included, oldest first."""
    return list(db.session.scalars(select(Strategy).order_by(Strategy.starts_on, Strategy.id)))
