"""People and bodies held in memory (never saved), for tests that call a permission rule directly.

The rules read only a person's flags and memberships and a body's kind and focal point, so the real models built
without a database are enough; the tests that use them ask for the `models` fixture, which loads every model once (the
mappers need them all to be known).
"""
from datetime import date, timedelta
from itertools import count

from flask_login import AnonymousUserMixin

from sip.accounts.models import Membership, User
from sip.bodies.models import Body

ANONYMOUS = AnonymousUserMixin()
# Generated ids start at a million, so that the fixed ids tests give a focal point or an owner (4001, 7001…) are
# never also given to someone else: with 1000 they were, once enough people had been made before in the process.
_ids = count(1_000_000)


def body(slug: str, kind: str = "working_group", **fields) -> Body:
    """A body that is not saved."""
    return Body(id=next(_ids), slug=slug, kind=kind, name={"en": slug}, aliases=[], **fields)


def someone(*memberships, admin: bool = False, active: bool = True, ended: bool = False, user_id: int | None = None):
    """A person with memberships (Body, role), each in force since last year (or ended yesterday, when `ended`)."""
    user = User(id=user_id or next(_ids), name="Someone", email="someone@example.org", is_admin=admin, active=active)
    today = date.today()
    for of, role in memberships:
        user.memberships.append(Membership(body=of, role=role, since=today - timedelta(days=365),
                                           until=today - timedelta(days=1) if ended else None))
    return user
