"""Who may reach what: every route of the app × every role, with the database unchanged on every refusal."""
from datetime import date

import pytest
from sqlalchemy import select

from sip.accounts.models import Membership
from sip.dashboards.assets import plotly_js_version
from sip.extensions import db
from sip.plan.queries import current_strategy
from sip.reporting.services import ensure_periods, find_period, open_period
from tests.conftest import log_in

ROLES = ["anonymous", "viewer", "wg_member", "other_lead", "wg_lead", "sag", "secretariat"]
MEMBERSHIPS = {
    "viewer": [],
    "wg_member": [("wg-training", "member")],
    "other_lead": [("wg-partnerships", "lead")],
    "wg_lead": [("wg-training", "lead")],
    "sag": [("sag", "member")],
    "secretariat": [("rome-support-team", "member")],
}

# Routes that anyone, signed in or not, may use.
PUBLIC = {
    "core.home", "core.healthz", "core.service_worker", "plan.index", "plan.activity", "plan.commitments", "plan.glossary", "plan.about",
    "bodies.index", "bodies.show", "accounts.login", "accounts.accept_invitation", "accounts.request_reset",
    "accounts.reset_password", "static", "dashboards_assets.plotly", "governance.plan_versions",
    "governance.version_diff",
    "inbox.unsubscribe",  # the signed token in the link is the proof (a mail client's one-click POST)
    "meetings.feed",  # a calendar feed: the secret link is the proof (calendar apps cannot sign in)
    # the read API's public resources, its document and reference, and the personal-data page
    "api.strategies", "api.pillars", "api.activities", "api.activity", "api.bodies", "api.periods", "api.updates",
    "api.versions", "api.version_diff", "api.iati", "api_web.openapi_json", "api_web.index", "api_web.reference",
    "privacy.notice",
    "partners.index", "partners.show", "partners.export_xlsx", "partners.export_hxl",  # the register follows the plan
    "metrics.metrics",  # for the addresses in SIP_METRICS_ALLOW only (the test client's 127.0.0.1): tests/ops
}

EVERYONE = dict.fromkeys(ROLES, 200)
SIGNED_IN = {"anonymous": 302, **dict.fromkeys(ROLES[1:], 200)}
SECRETARIAT_READ = {"anonymous": 302, **dict.fromkeys(ROLES[1:-1], 403), "secretariat": 200}
SECRETARIAT_WRITE = {"anonymous": 302, **dict.fromkeys(ROLES[1:-1], 403), "secretariat": 302}
EXPORTERS = {"anonymous": 302, **dict.fromkeys(["viewer", "wg_member", "other_lead", "wg_lead"], 403), "sag": 200,
             "secretariat": 200}

# (endpoint, method, path, form data, expected status per role); {target}, {membership} and {body} are filled in.
MATRIX = [
    ("core.home", "GET", "/", None, EVERYONE),
    ("core.healthz", "GET", "/healthz", None, EVERYONE),
    ("core.service_worker", "GET", "/sw.js", None, EVERYONE),
    ("plan.index", "GET", "/plan", None, EVERYONE),
    ("plan.activity", "GET", "/plan/activities/3.1.1.2", None, EVERYONE),
    ("plan.commitments", "GET", "/plan/commitments", None, EVERYONE),
    ("plan.glossary", "GET", "/plan/glossary", None, EVERYONE),
    ("plan.about", "GET", "/plan/about", None, EVERYONE),
    ("bodies.index", "GET", "/bodies", None, EVERYONE),
    ("bodies.show", "GET", "/bodies/wg-training", None, EVERYONE),
    ("static", "GET", "/static/css/sip.css", None, EVERYONE),
    ("accounts.login", "GET", "/login", None, {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)}),
    ("accounts.request_reset", "GET", "/password-reset", None, EVERYONE),
    ("accounts.accept_invitation", "GET", "/invitations/not-a-token", None, dict.fromkeys(ROLES, 410)),
    ("accounts.reset_password", "GET", "/password-reset/not-a-token", None, dict.fromkeys(ROLES, 410)),
    ("accounts.login", "POST", "/login", {"email": "nobody@example.org", "password": "not a password at all"},
     dict.fromkeys(ROLES, 401)),
    ("accounts.request_reset", "POST", "/password-reset", {"email": "nobody@example.org"}, dict.fromkeys(ROLES, 302)),
    ("accounts.accept_invitation", "POST", "/invitations/not-a-token", {"password": "a good long passphrase"},
     dict.fromkeys(ROLES, 410)),
    ("accounts.reset_password", "POST", "/password-reset/not-a-token", {"password": "a good long passphrase"},
     dict.fromkeys(ROLES, 410)),
    ("accounts.account", "GET", "/account", None, SIGNED_IN),
    ("accounts.account", "POST", "/account", {"profile-name": "Renamed Person"}, {"anonymous": 302, **dict.fromkeys(ROLES[1:], 302)}),
    ("accounts.logout", "POST", "/logout", {}, {"anonymous": 302, **dict.fromkeys(ROLES[1:], 302)}),
    ("admin.people", "GET", "/admin/people", None, SECRETARIAT_READ),
    ("admin.invite", "GET", "/admin/people/invite", None, SECRETARIAT_READ),
    ("admin.invite", "POST", "/admin/people/invite", {"email": "new@example.org", "name": "New Person", "role": "member"},
     SECRETARIAT_WRITE),
    ("admin.person", "GET", "/admin/people/{target}", None, SECRETARIAT_READ),
    ("admin.add_membership", "POST", "/admin/people/{target}/memberships",
     {"body": "glc", "role": "member", "since": "2026-01-01"}, SECRETARIAT_WRITE),
    ("admin.set_active", "POST", "/admin/people/{target}/active", {"active": "0"}, SECRETARIAT_WRITE),
    ("admin.resend_invitation", "POST", "/admin/people/{invitee}/invitation", {}, SECRETARIAT_WRITE),
    ("admin.end_membership", "POST", "/admin/memberships/{membership}/end", {}, SECRETARIAT_WRITE),
    ("admin.body_members", "GET", "/admin/bodies/wg-training", None, SECRETARIAT_READ),
    ("admin.add_body_member", "POST", "/admin/bodies/glc/members", {"person": "{target}", "role": "member"},
     SECRETARIAT_WRITE),
    ("reports_overview.index", "GET", "/reports", None, SIGNED_IN),
    ("reports_overview.periods", "GET", "/reports/periods", None, SECRETARIAT_READ),
    ("reports_overview.open_period", "POST", "/reports/periods/2026-Q3/open", {"due_on": "2027-01-15"}, SECRETARIAT_WRITE),
    ("reports_overview.close_period", "POST", "/reports/periods/2026-Q4/close", {"confirm": "y"}, SECRETARIAT_WRITE),
    ("reports_overview.set_glm", "POST", "/reports/periods/2026-Q4/glm", {"glm": "y", "glm_name": "GLM November 2026"},
     SECRETARIAT_WRITE),
    ("reports.report", "GET", "/reports/2026-Q4/wg-training", None,
     {"anonymous": 302, "viewer": 403, "wg_member": 200, "other_lead": 403, "wg_lead": 200, "sag": 403, "secretariat": 200}),
    ("reports.report", "POST", "/reports/2026-Q4/wg-training", {"version": "0", "summary": "Draft", "action": "save"},
     {"anonymous": 302, "viewer": 403, "wg_member": 302, "other_lead": 403, "wg_lead": 302, "sag": 403, "secretariat": 403}),
    ("reports.review", "POST", "/reports/2026-Q4/wg-training/review", {"decision": "accept"},
     {"anonymous": 302, **dict.fromkeys(ROLES[1:], 403)}),
    ("reports.comment", "POST", "/reports/2026-Q4/wg-training/comments", {"text": "Hello"},
     {"anonymous": 302, **dict.fromkeys(ROLES[1:], 403)}),
    ("dashboards.index", "GET", "/dashboards", None, {"anonymous": 302, **dict.fromkeys(ROLES[1:], 302)}),
    ("dashboards.sag", "GET", "/dashboards/sag", None, SIGNED_IN),
    ("dashboards.sag_csv", "GET", "/dashboards/sag/plan.csv", None, SIGNED_IN),
    ("dashboards.glm", "GET", "/dashboards/glm", None, SIGNED_IN),
    ("dashboards.body", "GET", "/dashboards/bodies/wg-training", None, SIGNED_IN),
    ("dashboards_assets.plotly", "GET", f"/assets/plotly-{plotly_js_version()}.min.js", None, EVERYONE),
    ("exports.index", "GET", "/exports", None, EXPORTERS),
    ("exports.glm_pdf", "GET", "/exports/glm.pdf?period=2026-Q4&lang=fr", None, EXPORTERS),
    ("exports.glm_pptx", "GET", "/exports/glm.pptx?period=2026-Q4&lang=fr", None, EXPORTERS),
    ("exports.sip_xlsx", "GET", "/exports/sip.xlsx?period=2026-Q4&lang=fr", None, EXPORTERS),
    ("exports.activities_csv", "GET", "/exports/activities.csv?period=2026-Q4&lang=fr", None, EXPORTERS),
    ("exports.updates_csv", "GET", "/exports/updates.csv?period=2026-Q4&lang=fr", None, EXPORTERS),
    ("admin.organisations", "GET", "/admin/organisations", None, SECRETARIAT_READ),
    ("admin.organisations", "POST", "/admin/organisations", {"name": "New NGO", "kind": "partner", "type": "NNGO"},
     SECRETARIAT_WRITE),
]


def every_entry() -> list[tuple]:
    """This matrix and those that need a world of their own (they run in their own module)."""
    from tests.bodies.test_focal_point import MATRIX as FOCAL_POINT
    from tests.governance.test_routes_access import MATRIX as GOVERNANCE

    entries = MATRIX + GOVERNANCE + FOCAL_POINT
    from tests.inbox.test_notification_pages import MATRIX as NOTIFICATIONS
    entries += NOTIFICATIONS
    from tests.accounts.test_mfa import MATRIX as TWO_STEP
    entries += TWO_STEP
    from tests.accounts.test_audit_trail import MATRIX as AUDIT_TRAIL
    entries += AUDIT_TRAIL
    # wave two: each domain's own matrix module adds its routes here (one line each)
    from tests.ops.test_health import MATRIX as OPS
    entries += OPS
    from tests.meetings.test_access import MATRIX as MEETINGS
    entries += MEETINGS
    from tests.api.test_access_api import MATRIX as API
    entries += API
    from tests.partners.test_access import MATRIX as PARTNERS
    entries += PARTNERS
    from tests.exports.test_pack_pages import MATRIX as PACK
    entries += PACK
    from tests.cycles.test_access import MATRIX as CYCLES
    from tests.cycles.test_cycle_pages import MATRIX as CLOSING
    from tests.cycles.test_import_pages import MATRIX as PLAN_IMPORT
    entries += CYCLES + CLOSING + PLAN_IMPORT
    return entries


def test_every_route_of_the_app_is_in_the_matrix(app):
    covered = {(endpoint, method) for endpoint, method, *_ in every_entry()}
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (rule.endpoint, method) in covered, f"{method} {rule.rule} ({rule.endpoint}) has no access rule"


def test_public_routes_are_exactly_the_listed_ones():
    public = {endpoint for endpoint, method, path, data, expected in every_entry()
              if expected["anonymous"] not in (302, 401, 403)}  # 401: the API asks for a token instead
    assert public == PUBLIC


# Public forms that count each request, whatever its answer, for the limiter and the audit trail (a reset request for
# an unknown address does the same work as for a known one): they may write those two tables and nothing else.
COUNTED = {"accounts.request_reset": ("login_attempt", "audit_entry")}


def snapshot(skip: tuple[str, ...] = ()) -> dict:
    """Every row of every table (but `skip`), to prove that a refused request changed nothing."""
    return {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
            for table in db.metadata.sorted_tables if table.name not in skip}


@pytest.fixture
def world(seeded, make_user):
    """The real plan and one person per role, plus a target person with a membership and an invitee."""
    people = {role: make_user(f"{role} person", bodies=MEMBERSHIPS[role]) for role in ROLES[1:]}
    target = make_user("Target Person", bodies=[("wg-partnerships", "member")])
    invitee = make_user("Invited Person", password=None)
    with seeded.app_context():
        membership = db.session.scalar(select(Membership.id).where(Membership.user_id == target))
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.commit()
        open_period(find_period(strategy, "2026-Q4"), date(2027, 1, 15), actor=None, opens_on=date(2026, 11, 1))
    return {"people": people, "ids": {"target": target, "invitee": invitee, "membership": membership}}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint,method,path,data,expected", MATRIX, ids=[f"{m} {p}" for _, m, p, _, _ in MATRIX])
def test_access(seeded, world, monkeypatch, role, endpoint, method, path, data, expected):
    client = seeded.test_client()
    if role != "anonymous":
        log_in(client, world["people"][role])
    url = path.format(**world["ids"])
    form = {key: value.format(**world["ids"]) for key, value in (data or {}).items()}
    skip = COUNTED.get(endpoint, ())
    with seeded.app_context():
        before = snapshot(skip)
    response = client.get(url) if method == "GET" else client.post(url, data=form)
    assert response.status_code == expected[role], response.get_data(as_text=True)[:500]
    if method == "POST" and expected[role] in (302, 403) and (role == "anonymous" or expected[role] == 403):
        with seeded.app_context():
            assert snapshot(skip) == before, "a refused write changed the database"
    if response.status_code == 302 and role == "anonymous" and endpoint not in PUBLIC:
        assert response.headers["Location"].startswith("/login?next=")
