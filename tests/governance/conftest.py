"""Fixtures of the governance tests: the real plan, a GLM period, one person per role, and amendment builders."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from sip.accounts.models import User
from sip.bodies.models import Body
from sip.extensions import db
from sip.governance import services
from sip.governance.models import Amendment
from sip.plan.models import Activity, Output
from sip.plan.queries import current_strategy
from sip.reporting.services import ensure_periods, find_period, set_glm
from tests.conftest import log_in
from tests.test_access import MEMBERSHIPS

GLM_DAY = date(2026, 11, 20)
# Proposals and endorsements in these tests happen before the GLM that verifies them, as they must (a GLM cannot
# verify what the SAG had not yet endorsed): the builders date them on this day, whatever the clock says.
SAG_DAY = date(2026, 11, 2)
ROLES = MEMBERSHIPS  # one person per role, as in the access matrix
TRAINING = "3.1.1.2"  # an activity of the training working group (lead)


@pytest.fixture
def world(seeded, make_user):
    """The real plan, 2026-Q4 marked as the period "GLM November 2026", and one person per role (ids by role)."""
    people = {role: make_user(f"{role.replace('_', ' ').title()} Person", bodies=bodies)
              for role, bodies in ROLES.items()}
    with seeded.app_context():
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.commit()
        set_glm(find_period(strategy, "2026-Q4"), True, "GLM November 2026", actor=None)
    return people


def person(role_ids: dict, role: str) -> User:
    """The User of a role (inside an app context)."""
    return db.session.get(User, role_ids[role])


def activity(code: str) -> Activity:
    """The live activity with this code."""
    return db.session.scalar(select(Activity).where(Activity.code == code))


def output(code: str) -> Output:
    """The output with this code."""
    return db.session.scalar(select(Output).where(Output.code == code))


def body(slug: str) -> Body:
    """The body with this slug."""
    return db.session.scalar(select(Body).where(Body.slug == slug))


def glm_period():
    """The reporting period marked as the November 2026 GLM."""
    return find_period(current_strategy(), "2026-Q4")


@pytest.fixture
def propose(seeded, world):
    """Builder: an amendment proposed by a role (default the training lead); returns its id (`of`: the activity's code; output_code= for outputs)."""

    def build(kind="edit_text", of=TRAINING, role="wg_lead", rationale="Clearer wording agreed in the group.",
              **change):
        with seeded.app_context():
            if kind == "edit_text" and "text" not in change:
                change["text"] = {"fr": "Organiser des formations régionales en logistique humanitaire.",
                                  "en": "Run regional trainings in humanitarian logistics."}
            if "output_code" in change:
                change["output"] = output(change.pop("output_code"))
            target = activity(of) if kind != "add" else None
            made = services.propose(current_strategy(), services.Change(kind, activity=target, **change), rationale,
                                    person(world, role))
            return made.id

    return build


@pytest.fixture
def endorse(seeded, world):
    """Builder: the SAG member endorses an amendment."""

    def build(amendment_id: int, note: str = "", on: date = SAG_DAY):
        with seeded.app_context():
            services.decide_sag(db.session.get(Amendment, amendment_id), person(world, "sag"), True, note)
        dated(seeded, amendment_id, on)

    return build


def dated(app, amendment_id: int, on: date) -> None:
    """Date an amendment's proposal and SAG decision on a day (9:00 UTC), as if they had happened then."""
    moment = datetime(on.year, on.month, on.day, 9, tzinfo=timezone.utc)
    with app.app_context():
        found = db.session.get(Amendment, amendment_id)
        proposed = found.proposed_at if found.proposed_at.tzinfo else found.proposed_at.replace(tzinfo=timezone.utc)
        found.proposed_at = min(proposed, moment)
        if found.sag_at is not None:
            found.sag_at = moment
        db.session.commit()


@pytest.fixture
def verify(seeded, world):
    """Builder: the secretariat records that the November 2026 GLM verified an amendment; returns the version tag."""

    def build(amendment_id: int, on: date = GLM_DAY):
        with seeded.app_context():
            version = services.record_glm(db.session.get(Amendment, amendment_id), person(world, "secretariat"), True,
                                          glm_period(), on, today=date(2026, 12, 31))
            return version.tag

    return build


def client_as(app, world, role: str):
    """A test client signed in as the person with this role (anonymous for "anonymous")."""
    client = app.test_client()
    if role != "anonymous":
        log_in(client, world[role])
    return client
