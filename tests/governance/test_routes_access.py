"""Who may reach the governance and bodies routes: every route × every role, the database unchanged on a refusal.

The entries have the shape of tests/test_access.py's MATRIX, so that they can move there; {placeholders} are
filled from the world built here.
"""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from sip.bodies.models import Body
from sip.extensions import db
from sip.governance import services
from sip.plan.models import Output
from sip.plan.queries import current_strategy
from sip.reporting.services import ensure_periods, find_period, open_period, set_glm
from tests.conftest import log_in
from tests.governance.conftest import activity, person
from tests.test_access import MEMBERSHIPS, ROLES, snapshot

EVERYONE = dict.fromkeys(ROLES, 200)
SIGNED_IN = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)}
SECRETARIAT_READ = {"anonymous": 302, **dict.fromkeys(ROLES[1:-1], 403), "secretariat": 200}
SECRETARIAT_WRITE = {"anonymous": 302, **dict.fromkeys(ROLES[1:-1], 403), "secretariat": 302}
CHANGE_READ = {"anonymous": 302, "viewer": 403, "wg_member": 403, "other_lead": 403, "wg_lead": 200, "sag": 403,
               "secretariat": 200}
CHANGE_WRITE = {**CHANGE_READ, "wg_lead": 302, "secretariat": 302}
NEW_READ = {**CHANGE_READ, "other_lead": 200}
NEW_WRITE = {**CHANGE_WRITE, "other_lead": 302}

MATRIX = [
    ("governance.amendments", "GET", "/amendments", None, SIGNED_IN),
    ("governance.amendment", "GET", "/amendments/{proposed}", None, SIGNED_IN),
    ("governance.sag_decision", "POST", "/amendments/{proposed}/sag", {"decision": "endorse"},
     {"anonymous": 302, **dict.fromkeys(ROLES[1:], 403), "sag": 302}),
    ("governance.propose_change", "GET", "/plan/activities/3.1.1.2/propose", None, CHANGE_READ),
    ("governance.propose_form", "GET", "/plan/activities/3.1.1.2/propose/edit_text", None, CHANGE_READ),
    ("governance.propose_form", "POST", "/plan/activities/3.1.1.2/propose/edit_text",
     {"text_fr": "Nouveau texte.", "text_en": "New text.", "rationale": "Because."}, CHANGE_WRITE),
    ("governance.propose_activity", "GET", "/amendments/new", None, NEW_READ),
    ("governance.propose_activity", "POST", "/amendments/new",
     {"output": "{output}", "code": "3.1.1.3", "text_fr": "Nouvelle activité.", "rationale": "Because.",
      "rows-0-body": "wg-training", "rows-0-role": "lead"}, NEW_WRITE),
    ("governance.accountability", "GET", "/plan/accountability", None, SECRETARIAT_READ),
    ("governance.plan_versions", "GET", "/plan/versions", None, EVERYONE),
    ("governance.version_diff", "GET", "/plan/versions/diff", None, EVERYONE),
    ("governance.import_revision", "GET", "/amendments/import", None, SECRETARIAT_READ),
    ("governance.import_revision", "POST", "/amendments/import", {"action": "preview"},
     {**SECRETARIAT_WRITE, "secretariat": 400}),  # no document: 400 "Choose a plan document", nothing changed
    ("governance.hand_over", "POST", "/bodies/wg-training/hand-over",
     {"to-3.1.1.2": "wg-partnerships", "rationale": "The mandate ends."}, SECRETARIAT_WRITE),
    ("bodies.new_group", "GET", "/bodies/new", None, SECRETARIAT_READ),
    ("bodies.new_group", "POST", "/bodies/new",
     {"name_en": "Data Working Group", "slug": "wg-data", "formed_on": "2026-01-15"}, SECRETARIAT_WRITE),
    ("bodies.dissolve", "GET", "/bodies/wg-training/dissolve", None, SECRETARIAT_READ),
    ("bodies.dissolve", "POST", "/bodies/wg-training/dissolve", {"on": "2026-01-15", "confirm": "y"},
     {**SECRETARIAT_WRITE, "secretariat": 400}),  # it holds activities: 400, nothing changed
    ("bodies.dissolve", "POST", "/bodies/wg-spare/dissolve", {"on": "2026-01-15", "confirm": "y"}, SECRETARIAT_WRITE),
]


@pytest.fixture
def access_world(seeded, make_user):
    """The world of tests/test_access.py, plus a GLM period, a proposed and an endorsed amendment, a spare group."""
    people = {role: make_user(f"{role} person", bodies=MEMBERSHIPS[role]) for role in ROLES[1:]}
    proposer = make_user("Proposer", bodies=[("wg-training", "lead")])
    with seeded.app_context():
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.add(Body(slug="wg-spare", kind="working_group", name={"fr": "GT", "en": "Spare WG"}, aliases=[]))
        db.session.commit()
        open_period(find_period(strategy, "2026-Q4"), date(2027, 1, 15), actor=None, opens_on=date(2026, 11, 1))
        glm = find_period(strategy, "2025-Q4")
        set_glm(glm, True, "GLM November 2025", actor=None)
        ids = {**people, "proposer": proposer}
        lead, secretariat = person(ids, "proposer"), person(ids, "secretariat")
        proposed = services.propose(strategy, services.Change("retire", activity=activity("3.1.2.1"),
                                                              retire_as="completed"), "Done.", lead)
        endorsed = services.propose(strategy, services.Change("edit_text", activity=activity("3.1.2.1"),
                                                              text={"fr": "Former.", "en": "Train."}), "Shorter.",
                                    secretariat)
        services.decide_sag(endorsed, person(ids, "sag"), True)
        # Endorsed before the GLM of November 2025 that the matrix records (a GLM cannot verify it earlier).
        endorsed.proposed_at = endorsed.sag_at = datetime(2025, 11, 3, 9, tzinfo=timezone.utc)
        db.session.commit()
        output = db.session.scalar(select(Output.id).where(Output.code == "3.1.1"))
        placeholders = {"proposed": proposed.id, "endorsed": endorsed.id, "glm": glm.id, "output": output}
    return {"people": people, "ids": placeholders}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method,path,data,expected", MATRIX, ids=[f"{m} {p}" for _, m, p, _, _ in MATRIX])
def test_access(seeded, access_world, role, endpoint, method, path, data, expected):
    client = seeded.test_client()
    if role != "anonymous":
        log_in(client, access_world["people"][role])
    url = path.format(**access_world["ids"])
    form = {key: value.format(**access_world["ids"]) for key, value in (data or {}).items()}
    with seeded.app_context():
        before = snapshot()
    response = client.get(url) if method == "GET" else client.post(url, data=form)
    assert response.status_code == expected[role], response.get_data(as_text=True)[:800]
    if method == "POST" and expected[role] in (302, 400, 403) and (role == "anonymous" or expected[role] != 302):
        with seeded.app_context():
            assert snapshot() == before, "a refused write changed the database"
    if method == "POST" and expected[role] == 302 and role != "anonymous":
        with seeded.app_context():
            assert snapshot() != before, "an accepted write changed nothing"
    if response.status_code == 302 and role == "anonymous" and expected["anonymous"] == 302:
        assert response.headers["Location"].startswith("/login?next=")


def test_every_governance_route_is_in_the_matrix(app):
    covered = {(endpoint, method) for endpoint, method, *_ in MATRIX}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("governance.") or rule.endpoint in ("bodies.new_group", "bodies.dissolve"):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (rule.endpoint, method) in covered, f"{method} {rule.rule} has no access rule"
