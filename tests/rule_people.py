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


def common_bodies() -> dict[str, Body]:
    """The bodies every rule table starts from: the training group, the Rome support team (the secretariat), the SAG."""
    return {"wg": body("wg-training"), "team": body("rome-support-team", "support_team"),
            "sag": body("sag", "advisory_group")}


def common_people(wg: Body, team: Body, sag: Body) -> dict:
    """The kinds of person every rule table is checked against, keyed by kind; each table adds its own.

    The group's lead and member, a former and a deactivated lead; a SAG member; the secretariat (a member and the lead
    of the team, a former and a deactivated member); an admin and a deactivated admin; a viewer with no body; a
    signed-out visitor; no user at all."""
    return {
        "lead": someone((wg, "lead")),
        "member": someone((wg, "member")),
        "former_lead": someone((wg, "lead"), ended=True),
        "deactivated_lead": someone((wg, "lead"), active=False),
        "sag": someone((sag, "member")),
        "secretariat": someone((team, "member")),
        "team_lead": someone((team, "lead")),
        "former_secretariat": someone((team, "member"), ended=True),
        "deactivated_secretariat": someone((team, "member"), active=False),
        "admin": someone(admin=True),
        "deactivated_admin": someone(admin=True, active=False),
        "viewer": someone(),
        "anonymous": ANONYMOUS,
        "nobody": None,
    }
