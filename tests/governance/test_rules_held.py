"""Governance rules that no test used to hold (issue 23): a stale amendment cannot be endorsed; a GLM dated today."""
from datetime import date, timedelta

import pytest

from sip.extensions import db
from sip.governance import services
from sip.governance.models import Amendment
from sip.governance.services import GovernanceError
from tests.governance.conftest import GLM_DAY, TRAINING, activity, glm_period, person
from tests.test_access import snapshot

ANOTHER_WORDING = {"fr": "Une autre formulation.", "en": "Another wording."}


def fresh(amendment_id: int) -> Amendment:
    """The amendment, read again from the database."""
    db.session.expire_all()
    return db.session.get(Amendment, amendment_id)


# What the GLM verifies first, what was proposed meanwhile, and what the SAG is then told.
STALE = {
    "its text changed": (dict(kind="edit_text"), dict(kind="edit_text", text=ANOTHER_WORDING),
                         "has changed since this was proposed"),
    "it moved": (dict(kind="move", output_code="1.1.1", code="1.1.1.9"), dict(kind="move", output_code="3.1.2"),
                 "has moved since this was proposed"),
    "it was retired": (dict(kind="retire", retire_as="completed"), dict(kind="edit_text", text=ANOTHER_WORDING),
                       "has been retired since this was proposed"),
    "its code was taken": (
        dict(kind="move", output_code="1.1.1", code="1.1.1.9"),
        dict(kind="add", code="1.1.1.9", output_code="1.1.1", text={"fr": "Nouvelle.", "en": ""},
             responsibilities=[{"body": "wg-training", "role": "lead"}]),
        "exists already"),
}


@pytest.mark.parametrize("first,later,reason", STALE.values(), ids=list(STALE))
def test_the_sag_cannot_endorse_an_amendment_that_went_stale(seeded, world, propose, endorse, verify, first, later,
                                                             reason):
    applied = propose(**first, role="secretariat")
    stale = propose(**later, rationale="Another view.")
    endorse(applied)
    verify(applied)
    with seeded.app_context():
        before = snapshot()
        with pytest.raises(GovernanceError) as refusal:
            services.decide_sag(fresh(stale), person(world, "sag"), True)
        db.session.rollback()
        assert "can no longer be endorsed" in str(refusal.value)
        assert reason in " ".join(refusal.value.problems)
        assert snapshot() == before and fresh(stale).state == "proposed"
        # the SAG can still reject it, with a note saying why
        services.decide_sag(fresh(stale), person(world, "sag"), False, "Overtaken by the GLM's decision.")
        assert fresh(stale).state == "rejected"


def test_an_amendment_that_did_not_go_stale_is_endorsed(seeded, world, propose, endorse, verify):
    # The control of the test above: the same two proposals on different activities do not clash.
    applied = propose(role="secretariat")
    other = propose(of="3.1.2.1", text=ANOTHER_WORDING, rationale="Another view.")
    endorse(applied)
    verify(applied)
    with seeded.app_context():
        services.decide_sag(fresh(other), person(world, "sag"), True)
        assert fresh(other).state == "endorsed"


def test_a_glm_held_today_may_verify_and_one_dated_tomorrow_may_not(seeded, world, propose, endorse):
    made = propose()
    endorse(made)
    with seeded.app_context():
        secretariat = person(world, "secretariat")
        before = snapshot()
        with pytest.raises(GovernanceError) as refusal:
            services.record_glm(fresh(made), secretariat, True, glm_period(), GLM_DAY + timedelta(days=1),
                                today=GLM_DAY)
        db.session.rollback()
        assert "cannot be in the future" in " ".join(refusal.value.problems)
        assert snapshot() == before
        version = services.record_glm(fresh(made), secretariat, True, glm_period(), GLM_DAY, today=GLM_DAY)
        assert (version.effective_on, fresh(made).state) == (GLM_DAY, "applied")
        assert activity(TRAINING).text["en"] == "Run regional trainings in humanitarian logistics."
        assert GLM_DAY == date(2026, 11, 20)
