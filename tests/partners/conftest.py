"""Fixtures of the register's tests: the real plan, one person per role, and a small register around them.

The register: Action Logistique Sahel (national NGO partner, Mali; the viewer works there and is its focal point for
the cluster, the "target" person works there too), World Food Programme (UN partner, member of the training group
through the training lead), Université de Logistique (academic stakeholder), Ancien Partenaire (a partner that
left). One request to join waits (from the "asker"), and the other lead works for Sahel Communautés (a CBO partner)
in the partnerships group.
"""
from datetime import date

import pytest
from sqlalchemy import select

from sip.accounts.models import Organisation, User
from sip.extensions import db
from sip.partners.models import FocalPoint, JoinRequest
from tests.conftest import log_in
from tests.test_access import MEMBERSHIPS, ROLES

JOINED = date(2023, 1, 15)


def organisation(name: str) -> Organisation:
    """The organisation with this name (inside an app context)."""
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def user(user_id: int) -> User:
    """A person by id (inside an app context)."""
    return db.session.get(User, user_id)


@pytest.fixture
def register(seeded, make_user):
    """One person per role, the small register, a focal point and a waiting request; ids by name."""
    people = {role: make_user(f"{role.replace('_', ' ').title()} Person", bodies=MEMBERSHIPS[role])
              for role in ROLES[1:]}
    target = make_user("Target Person")
    asker = make_user("Asker Person")
    with seeded.app_context():
        als = Organisation(name="Action Logistique Sahel", acronym="ALS", kind="partner", type="NNGO", country="ML",
                           countries=["ML", "BF", "NE"], website="https://als.example.org", joined_on=JOINED)
        wfp = Organisation(name="World Food Programme", acronym="WFP", kind="partner", type="UN", country="IT",
                           countries=["ML", "TD"], joined_on=JOINED)
        uni = Organisation(name="Université de Logistique", kind="stakeholder", type="academia", country="FR",
                           countries=[], joined_on=JOINED)
        gone = Organisation(name="Ancien Partenaire", kind="partner", type="INGO", country="GB", countries=[],
                            joined_on=JOINED, left_on=date(2024, 6, 30))
        cbo = Organisation(name="Sahel Communautés", kind="partner", type="CBO", country="NE", countries=["NE"],
                           joined_on=JOINED)
        db.session.add_all([als, wfp, uni, gone, cbo])
        db.session.flush()
        user(people["viewer"]).organisation_id = als.id
        user(people["viewer"]).phone = "+223 20 00 00 00"
        user(target).organisation_id = als.id
        user(people["wg_lead"]).organisation_id = wfp.id
        user(people["other_lead"]).organisation_id = cbo.id
        point = FocalPoint(organisation_id=als.id, user_id=people["viewer"], body_id=None, since=JOINED)
        db.session.add(point)
        db.session.flush()
        waiting = JoinRequest(requested_by_id=asker, name="Nouvelle ONG", kind="partner", type="NNGO", country="TD",
                              justification="We run trucks in Chad.")
        db.session.add(waiting)
        db.session.commit()
        ids = {"als": als.id, "wfp": wfp.id, "uni": uni.id, "gone": gone.id, "cbo": cbo.id, "point": point.id,
               "request": waiting.id}
    return {"people": people, "ids": ids, "target": target, "asker": asker}


def client_as(app, register, role: str):
    """A test client signed in as one of the register's people (a role, "target" or "asker"), or anonymous."""
    client = app.test_client()
    if role == "anonymous":
        return client
    log_in(client, register["people"].get(role) or register[role])
    return client
