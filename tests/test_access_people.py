"""Who may reach drafts, comments, contact details and proposals: the people the main matrix leaves out.

A person whose membership has ended, a deactivated account (signed in before it was deactivated), the lead of a
country support team and the lead of the cluster (bodies that do not propose activities), and a SAG member, each
on every route that touches a draft, a comment, someone's contact details or a proposal; a current lead of the
group as the control that proves each route grants what it should. Where a page answers 200, what it must keep
from the person (an internal comment, a draft's text, a member's e-mail) is checked in the page itself.
"""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sip.accounts.models import Membership, User
from sip.bodies.queries import find_body
from sip.extensions import db
from sip.plan.models import Output
from sip.plan.queries import current_strategy
from sip.reporting import services
from tests.conftest import log_in
from tests.test_access import snapshot

# person: (memberships, what happened to them after signing in)
PEOPLE = {
    "wg_lead": ([("wg-training", "lead")], None),  # the control: a current lead of the group
    "former_member": ([("wg-training", "member")], "ended"),
    "former_lead": ([("wg-training", "lead")], "ended"),
    "deactivated_lead": ([("wg-training", "lead")], "deactivated"),
    "support_lead": ([("country-support-teams", "lead")], None),
    "cluster_lead": ([("glc", "lead")], None),
    "sag": ([("sag", "member")], None),
}
ROLES = list(PEOPLE)
GONE = 302  # a deactivated account is signed out: to the sign-in page

DRAFT_TEXT = "DRAFT-ONLY SUMMARY"
INTERNAL = "INTERNAL-ONLY REMARK"
VISIBLE = "A remark for the group."
CONTACT = "carl.current@example.org"  # a current member of the training group

DRAFT_READ = {**dict.fromkeys(ROLES, 403), "wg_lead": 200, "deactivated_lead": GONE}
DRAFT_WRITE = {**DRAFT_READ, "wg_lead": 302}
SUBMITTED_READ = {**DRAFT_READ, "sag": 200}
SUBMITTED_COMMENT = {**DRAFT_WRITE, "sag": 302}
PUBLIC_PAGE = dict.fromkeys(ROLES, 200)
PROPOSE_READ = DRAFT_READ
PROPOSE_WRITE = DRAFT_WRITE

# (what, method, path, form data, expected status per person, (text kept from the page, people who may see it))
MATRIX = [
    ("the draft", "GET", "/reports/2026-Q4/wg-training", None, DRAFT_READ, (DRAFT_TEXT, {"wg_lead"})),
    ("saving the draft", "POST", "/reports/2026-Q4/wg-training",
     {"version": "{version}", "summary": "Rewritten.", "action": "save"}, DRAFT_WRITE, None),
    ("submitting the draft", "POST", "/reports/2026-Q4/wg-training",
     {"version": "{version}", "summary": "Rewritten.", "action": "submit"},
     {**DRAFT_WRITE, "wg_lead": 400}, None),  # the lead may submit; the draft lacks its updates: 400, kept
    ("commenting on the draft", "POST", "/reports/2026-Q4/wg-training/comments", {"text": "Hello"}, DRAFT_WRITE,
     None),
    ("the submitted report", "GET", "/reports/2026-Q3/wg-training", None, SUBMITTED_READ, (INTERNAL, set())),
    ("commenting on the submitted report", "POST", "/reports/2026-Q3/wg-training/comments", {"text": "Noted."},
     SUBMITTED_COMMENT, None),
    ("the group's members", "GET", "/bodies/wg-training", None, PUBLIC_PAGE, (CONTACT, {"wg_lead"})),
    ("proposing a change", "GET", "/plan/activities/3.1.1.2/propose", None, PROPOSE_READ, None),
    ("proposing a new activity", "GET", "/amendments/new", None, PROPOSE_READ, None),
    ("sending a new activity", "POST", "/amendments/new",
     {"output": "{output}", "code": "3.1.1.3", "text_fr": "Nouvelle activité.", "rationale": "Because.",
      "rows-0-body": "wg-training", "rows-0-role": "lead"}, PROPOSE_WRITE, None),
]


@pytest.fixture
def people_world(seeded, make_user):
    """The real plan; 2026-Q3 open with a submitted training report (a visible and an internal comment); 2026-Q4
    open with a draft; one signed-in client per person, then memberships ended and the account deactivated."""
    ids = {role: make_user(f"{role} person", bodies=bodies) for role, (bodies, _) in PEOPLE.items()}
    make_user("Carl Current", bodies=[("wg-training", "member")], email=CONTACT)
    secretariat = make_user("Secretariat person", bodies=[("rome-support-team", "member")])
    clients = {}
    for role, person in ids.items():
        clients[role] = seeded.test_client()
        assert log_in(clients[role], person).status_code == 302
    with seeded.app_context():
        strategy, group = current_strategy(), find_body("wg-training")
        services.ensure_periods(strategy)
        db.session.commit()
        q3, q4 = services.find_period(strategy, "2026-Q3"), services.find_period(strategy, "2026-Q4")
        services.open_period(q3, date(2026, 10, 15), actor=None, opens_on=date(2026, 7, 1))
        services.open_period(q4, date(2027, 1, 15), actor=None, opens_on=date(2026, 10, 1))
        lead, writer = db.session.get(User, ids["wg_lead"]), db.session.get(User, secretariat)
        submitted = services.write_report(group, q3, lead, 0, "Submitted summary.", {})
        submitted.state = "submitted"
        db.session.commit()
        services.add_comment(submitted, writer, VISIBLE, internal=False)
        services.add_comment(submitted, writer, INTERNAL, internal=True)
        draft = services.write_report(group, q4, lead, 0, DRAFT_TEXT, {})
        for role, (_, fate) in PEOPLE.items():
            if fate == "ended":
                for membership in db.session.scalars(select(Membership).where(Membership.user_id == ids[role])):
                    membership.since, membership.until = date.today() - timedelta(30), date.today() - timedelta(1)
            elif fate == "deactivated":
                db.session.get(User, ids[role]).active = False
        db.session.commit()
        output = db.session.scalar(select(Output.id).where(Output.code == "3.1.1"))
        placeholders = {"version": draft.version, "output": output}
    return {"clients": clients, "ids": placeholders}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("what,method,path,data,expected,kept", MATRIX, ids=[m[0] for m in MATRIX])
def test_access_of_people_who_lost_or_never_had_the_right(seeded, people_world, role, what, method, path, data,
                                                          expected, kept):
    client = people_world["clients"][role]
    form = {key: value.format(**people_world["ids"]) for key, value in (data or {}).items()}
    with seeded.app_context():
        before = snapshot()
    response = client.get(path) if method == "GET" else client.post(path, data=form)
    assert response.status_code == expected[role], f"{role} on {what}: " + response.get_data(as_text=True)[:500]
    if expected[role] == GONE and role == "deactivated_lead":
        assert response.headers["Location"].startswith("/login")
    if method == "POST":
        with seeded.app_context():
            if expected[role] == 403 or role == "deactivated_lead":
                assert snapshot() == before, "a refused write changed the database"
            else:  # a submission refused for what the report lacks still saves the draft
                assert snapshot() != before, "an accepted write changed nothing"
    if response.status_code == 200 and kept is not None:
        text, who_may_see = kept
        assert (text in response.get_data(as_text=True)) is (role in who_may_see), f"{role} and {text!r}"
    if what == "the submitted report" and response.status_code == 200:
        assert VISIBLE in response.get_data(as_text=True)  # the page shows comments: the hiding is what is tested
