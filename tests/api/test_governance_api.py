"""Amendments through the API: the SAG's and the GLM's decisions, their rationale masked of contact details, and
a version's diff naming the amendments that made it — as the amendments and versions pages show them."""
from datetime import date

from sqlalchemy import select

from sip.accounts.models import User
from sip.extensions import db
from sip.governance import services
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from sip.reporting.services import ensure_periods, find_period
from tests.api.conftest import bearer
from tests.api.test_tokens import token_for


def test_an_amendment_reads_with_its_decisions_and_its_version(seeded, make_user):
    secretariat = make_user("Sara Secretariat", bodies=[("rome-support-team", "member")])
    sag = make_user("Sam Sag", bodies=[("sag", "member")])
    viewer = make_user("Vera Viewer")
    with seeded.app_context():
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.commit()
        activity = db.session.scalar(select(Activity).where(Activity.code == "1.1.1.2"))
        change = services.Change("edit_text", activity=activity,
                                 text={"fr": "Texte revu", "en": "Reworded text"})
        amendment = services.propose(strategy, change, "Clearer wording; ask sara@wfp.example",
                                     db.session.get(User, secretariat))
        services.decide_sag(amendment, db.session.get(User, sag), True, "Agreed")
        glm = find_period(strategy, "2026-Q4")
        glm.glm, glm.glm_name = True, "GLM November 2026"
        db.session.commit()
        services.record_glm(amendment, db.session.get(User, secretariat), True, glm, date.today(), "Verified")
        amendment_id = amendment.id
    client = seeded.test_client()
    token = token_for(seeded, viewer)
    body = client.get(f"/api/v1/amendments/{amendment_id}", headers=bearer(token)).get_json()
    assert (body["kind"], body["state"], body["activity"]) == ("edit_text", "applied", "1.1.1.2")
    assert body["sag_decision"]["note"] == "Agreed"
    assert body["glm_decision"] == {"glm": "GLM November 2026", "on": date.today().isoformat(), "note": "Verified"}
    assert "sara@wfp.example" not in body["rationale"] and "[…]" in body["rationale"]
    listed = client.get("/api/v1/amendments?state=applied", headers=bearer(token)).get_json()
    assert [a["id"] for a in listed["items"]] == [amendment_id] and listed["counts"] == {"applied": 1}
    versions = client.get("/api/v1/versions").get_json()["items"]
    newest, baseline = versions[0]["tag"], versions[-1]["tag"]
    assert versions[0]["amendments"] == 1
    diff = client.get(f"/api/v1/versions/{baseline}/diff/{newest}", headers=bearer(token)).get_json()
    assert [(c["kind"], c["code"], c["amendments"]) for c in diff["changes"]] == [("reworded", "1.1.1.2", [amendment_id])]
    anonymous = client.get(f"/api/v1/versions/{baseline}/diff/{newest}").get_json()
    assert anonymous["changes"][0]["amendments"] == []  # amendments are for signed-in readers, as on the page
    as_of = client.get(f"/api/v1/activities/1.1.1.2?as_of={baseline}").get_json()
    assert as_of["text"]["en"] != "Reworded text"
    assert client.get("/api/v1/activities/1.1.1.2").get_json()["text"]["en"] == "Reworded text"
