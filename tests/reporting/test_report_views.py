"""The report page through the test client: who sees and writes what, the cycle, conflicts, comments, queries."""
import re
from datetime import date

import pytest
from sqlalchemy import select

from sip.accounts.models import User
from sip.bodies.models import Body
from sip.bodies.queries import find_body
from sip.extensions import db
from sip.plan.models import Activity, Responsibility, Strategy
from sip.plan.queries import current_strategy
from sip.reporting import services
from sip.reporting.services import UpdateData
from tests.conftest import counting_queries, log_in
from tests.helpers import page_text
from tests.test_access import snapshot
from tests.reporting.conftest import make_accountable

URL = "/reports/2026-Q4/wg-training"
FIRST, SECOND = "3.1.1.2", "3.1.2.1"  # the activities wg-training reports on
PEOPLE = {
    "lead": [("wg-training", "lead")],
    "member": [("wg-training", "member")],
    "other_lead": [("wg-partnerships", "lead")],
    "sag": [("sag", "member")],
    "secretariat": [("rome-support-team", "member")],
    "viewer": [],
}


def open_quarters(app, strategy_id=None, codes=("2026-Q3", "2026-Q4")):
    """Create the strategy's periods and open some quarters."""
    with app.app_context():
        strategy = db.session.get(Strategy, strategy_id) if strategy_id else current_strategy()
        services.ensure_periods(strategy)
        db.session.commit()
        for code in codes:
            year, quarter = services.parse_period_code(code)
            opens = date(year, 3 * quarter - 2, 1)
            services.open_period(services.find_period(strategy, code), date(year + 1, 1, 15), actor=None,
                                 opens_on=opens)


@pytest.fixture
def world(seeded, make_user):
    """The real plan, 2026-Q3 and 2026-Q4 open, and one person per role (by name: "lead", "member" …)."""
    open_quarters(seeded)
    people = {role: make_user(f"{role.replace('_', ' ').title()} Person", bodies=bodies)
              for role, bodies in PEOPLE.items()}
    with seeded.app_context():
        make_accountable("wg-training", SECOND)  # the working group's report sets both statuses
        query = select(Activity.code, Activity.id).where(Activity.code.in_([FIRST, SECOND]))
        ids = dict(db.session.execute(query).all())
    return {"people": people, "ids": ids}


def client_of(app, world, role):
    """A test client signed in as the person with this role."""
    client = app.test_client()
    log_in(client, world["people"][role])
    return client


def form(world, version=0, summary="", action="save", **updates):
    """What the browser posts: every field of the form, as typed (updates keyed FIRST/SECOND as "first"/"second")."""
    data = {"version": str(version), "summary": summary, "action": action}
    for key, code in (("first", FIRST), ("second", SECOND)):
        prefix = f"a{world['ids'][code]}-"
        fields = {"status": "", "progress_pct": "", "achievements": "", "challenges": "", "next_steps": "",
                  "support_needed": "", "evidence_links": "", **updates.get(key, {})}
        if fields.pop("no_progress", False):
            data[prefix + "no_progress"] = "y"
        data.update({prefix + name: value for name, value in fields.items()})
    return data


COMPLETE = {"first": {"status": "on_track", "progress_pct": "60", "achievements": "Trained 40 logisticians."},
            "second": {"status": "planned", "no_progress": True}}


def stored(app, slug="wg-training", code="2026-Q4"):
    """The report as the database holds it: state, version, summary, and each update by activity code."""
    with app.app_context():
        strategy = current_strategy()
        report = services.find_report(find_body(slug), services.find_period(strategy, code))
        if report is None:
            return None
        return {"state": report.state, "version": report.version, "summary": report.summary,
                "review_note": report.review_note,
                "updates": {u.activity.code: UpdateData.of(u) for u in report.updates}}


def db_snapshot(app):
    with app.app_context():
        return snapshot()


def hidden_version(html) -> str:
    return re.search(r'<input[^>]*name="version"[^>]*value="(\d+)"', html).group(1)


def textarea(html, name) -> str:
    """The text inside a textarea, as the browser would show it."""
    return re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>\r?\n?(.*?)</textarea>', html, re.S).group(1)


def save_as(app, world, role, action="save", version=None, summary="Quarter summary.", **updates):
    """Post the form as `role`, from the report's current version unless another is given."""
    if version is None:
        version = (stored(app) or {"version": 0})["version"]
    return client_of(app, world, role).post(URL, data=form(world, version, summary, action, **(updates or COMPLETE)))


def submitted(app, world):
    """wg-training's report, saved and submitted by its lead."""
    response = save_as(app, world, "lead", action="submit")
    assert response.status_code == 302, page_text(response)[:2000]


def accepted(app, world):
    submitted(app, world)
    assert client_of(app, world, "secretariat").post(URL + "/review", data={"decision": "accept"}).status_code == 302


# --- who sees and writes what ---------------------------------------------------------------------


def test_lead_fills_and_saves_a_draft_and_sees_it_confirmed(seeded, world):
    client = client_of(seeded, world, "lead")
    page = page_text(client.get(URL))
    assert "Save draft" in page and 'value="submit"' in page and hidden_version(page) == "0"
    response = client.post(URL, data=form(world, 0, "A busy quarter.", **COMPLETE))
    assert response.status_code == 302 and response.headers["Location"] == URL
    page = page_text(client.get(URL))
    assert "Draft saved." in page
    assert textarea(page, f"a{world['ids'][FIRST]}-achievements") == "Trained 40 logisticians."
    assert hidden_version(page) == "1"
    report = stored(seeded)
    assert report["state"] == "draft" and report["summary"] == "A busy quarter."
    assert report["updates"][FIRST].status == "on_track" and report["updates"][FIRST].progress_pct == 60
    assert report["updates"][SECOND].no_progress


def test_page_shows_period_due_date_body_and_state(seeded, world):
    page = page_text(client_of(seeded, world, "lead").get(URL))
    assert "2026-Q4" in page and "January 15, 2027" in page and "Training" in page
    assert '<span class="report-state delivery-pending">Not due yet</span>' in page  # nothing saved, due in 2027
    for code in (FIRST, SECOND):
        assert f'href="/plan/activities/{code}"' in page


def test_member_can_save_a_draft(seeded, world):
    assert save_as(seeded, world, "member").status_code == 302
    assert stored(seeded)["state"] == "draft"


def test_member_sees_no_submit_button_and_submitting_is_403_with_nothing_changed(seeded, world):
    save_as(seeded, world, "member")
    client = client_of(seeded, world, "member")
    page = page_text(client.get(URL))
    assert "Save draft" in page and 'value="submit"' not in page
    before = db_snapshot(seeded)
    response = client.post(URL, data=form(world, 1, "Submitted by a member?", "submit", **COMPLETE))
    assert response.status_code == 403
    assert db_snapshot(seeded) == before


@pytest.mark.parametrize("draft_exists", [False, True])
def test_lead_of_another_group_gets_403_and_changes_nothing(seeded, world, draft_exists):
    if draft_exists:
        save_as(seeded, world, "lead")
    client = client_of(seeded, world, "other_lead")
    assert client.get(URL).status_code == 403
    before = db_snapshot(seeded)
    for action in ("save", "submit"):
        posted = form(world, 1 if draft_exists else 0, "Hijack", action, **COMPLETE)
        assert client.post(URL, data=posted).status_code == 403
    assert client.post(URL + "/comments", data={"text": "Hello"}).status_code == 403
    assert db_snapshot(seeded) == before


def test_sag_member_cannot_see_a_draft_but_sees_a_submitted_report(seeded, world):
    save_as(seeded, world, "lead")
    client = client_of(seeded, world, "sag")
    assert client.get(URL).status_code == 403
    submitted(seeded, world)
    response = client.get(URL)
    page = page_text(response)
    assert response.status_code == 200
    assert "Trained 40 logisticians." in page and "Save draft" not in page and "<textarea" in page  # comment box only


@pytest.mark.parametrize("state,expected", [("none", 403), ("draft", 403), ("submitted", 403), ("accepted", 200)])
def test_viewer_sees_only_accepted_reports(seeded, world, state, expected):
    if state == "draft":
        save_as(seeded, world, "lead")
    elif state == "submitted":
        submitted(seeded, world)
    elif state == "accepted":
        accepted(seeded, world)
    response = client_of(seeded, world, "viewer").get(URL)
    assert response.status_code == expected
    if expected == 200:
        page = page_text(response)
        assert "Trained 40 logisticians." in page and "Save draft" not in page and "Add the comment" not in page


def test_secretariat_sees_a_draft_read_only(seeded, world):
    save_as(seeded, world, "lead")
    page = page_text(client_of(seeded, world, "secretariat").get(URL))
    assert "Trained 40 logisticians." in page and "Save draft" not in page


@pytest.mark.parametrize("method,path", [("GET", URL), ("POST", URL), ("POST", URL + "/review"),
                                         ("POST", URL + "/comments")])
def test_anonymous_is_sent_to_sign_in_with_nothing_changed(seeded, world, method, path):
    client = seeded.test_client()
    before = db_snapshot(seeded)
    response = client.get(path) if method == "GET" else client.post(path, data=form(world, **COMPLETE))
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert db_snapshot(seeded) == before


@pytest.mark.parametrize("path", ["/reports/2026-Q5/wg-training", "/reports/1999-Q1/wg-training",
                                  "/reports/nonsense/wg-training", "/reports/2026-Q4/no-such-body"])
def test_unknown_period_or_body_is_404(seeded, world, path):
    assert client_of(seeded, world, "secretariat").get(path).status_code == 404


def test_upcoming_period_is_read_only_for_the_lead(seeded, world):
    client = client_of(seeded, world, "lead")
    page = page_text(client.get("/reports/2026-Q2/wg-training"))
    assert "not open for reports yet" in page and "Save draft" not in page
    before = db_snapshot(seeded)
    response = client.post("/reports/2026-Q2/wg-training", data=form(world, **COMPLETE))
    assert response.status_code == 403 and db_snapshot(seeded) == before


# --- saving and submitting ------------------------------------------------------------------------


def test_submit_with_something_missing_lists_what_and_keeps_the_draft(seeded, world):
    response = save_as(seeded, world, "lead", action="submit", summary="",
                       first={"status": "on_track", "achievements": "Trained 40 logisticians."}, second={})
    page = page_text(response)
    assert response.status_code == 400
    assert "Saved, but not submitted" in page
    assert f"{SECOND}: choose a status." in page
    assert f"{SECOND}: write this quarter's achievements" in page
    assert "Write a summary of the quarter" in page
    assert f"{FIRST}:" not in page.split("Saved, but not submitted")[1].split("</ul>")[0]
    report = stored(seeded)
    assert report["state"] == "draft" and report["updates"][FIRST].achievements == "Trained 40 logisticians."
    assert hidden_version(page) == str(report["version"])  # saving again from this page is not a conflict


def test_bad_progress_is_refused_with_nothing_saved(seeded, world):
    response = save_as(seeded, world, "lead", first={"status": "on_track", "progress_pct": "150"}, second={})
    page = page_text(response)
    assert response.status_code == 400
    assert "Nothing was saved" in page and "between 0 and 100" in page and FIRST in page
    assert stored(seeded) is None


def test_bad_evidence_link_is_refused_with_nothing_saved(seeded, world):
    response = save_as(seeded, world, "lead", first={"achievements": "Kept", "evidence_links": "javascript:alert(1)"},
                       second={})
    page = page_text(response)
    assert response.status_code == 400 and "not a web address" in page
    assert textarea(page, f"a{world['ids'][FIRST]}-achievements") == "Kept"  # what was typed is still there
    assert stored(seeded) is None


def test_user_text_is_escaped(seeded, world):
    save_as(seeded, world, "lead", summary="<b>bold</b>",
            first={"achievements": "<script>alert('x')</script>", "evidence_links": "https://example.org/?a=1&b=\"2\""},
            second={})
    html = client_of(seeded, world, "secretariat").get(URL).get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<b>bold</b>" not in html


def test_full_cycle_from_draft_to_accepted_status_on_the_activity_page(seeded, world):
    lead, secretariat = client_of(seeded, world, "lead"), client_of(seeded, world, "secretariat")
    assert "Planned" in page_text(lead.get(f"/plan/activities/{FIRST}"))
    # the lead saves a draft, then submits it
    assert lead.post(URL, data=form(world, 0, "Summary.", **COMPLETE)).status_code == 302
    response = lead.post(URL, data=form(world, 1, "Summary.", "submit", **COMPLETE))
    assert response.status_code == 302
    assert "Report submitted for review." in page_text(lead.get(URL))
    assert stored(seeded)["state"] == "submitted"
    # the secretariat returns it with a note
    page = page_text(secretariat.get(URL))
    assert "Return to the group" in page and "Accept" in page
    response = secretariat.post(URL + "/review", data={"decision": "return", "note": "Say where the training was."})
    assert response.status_code == 302
    # the lead sees the note, edits and resubmits
    page = page_text(lead.get(URL))
    assert "What to fix" in page and "Say where the training was." in page
    version = hidden_version(page)
    edited = {**COMPLETE, "first": {**COMPLETE["first"], "achievements": "Trained 40 logisticians in Nairobi."}}
    assert lead.post(URL, data=form(world, version, "Summary.", "submit", **edited)).status_code == 302
    assert stored(seeded)["state"] == "submitted"
    # the secretariat accepts; the report is read-only and the activity shows its new status
    assert secretariat.post(URL + "/review", data={"decision": "accept", "note": ""}).status_code == 302
    report = stored(seeded)
    assert report["state"] == "accepted" and report["updates"][FIRST].achievements.endswith("in Nairobi.")
    page = page_text(lead.get(URL))
    assert "Save draft" not in page and "Return to the group" not in page
    activity_page = page_text(lead.get(f"/plan/activities/{FIRST}"))
    assert 'class="status status-on_track">On track<' in activity_page


def test_accepted_report_cannot_be_changed_and_the_typed_text_is_shown_back(seeded, world):
    accepted(seeded, world)
    lead = client_of(seeded, world, "lead")
    version = stored(seeded)["version"]
    before = db_snapshot(seeded)
    edited = {**COMPLETE, "first": {**COMPLETE["first"], "achievements": "Late change."}}
    response = lead.post(URL, data=form(world, version, "Quarter summary.", **edited))
    assert response.status_code == 403
    assert "Late change." in page_text(response)
    assert db_snapshot(seeded) == before


def test_returning_without_a_note_is_refused(seeded, world):
    submitted(seeded, world)
    response = client_of(seeded, world, "secretariat").post(URL + "/review", data={"decision": "return", "note": " "})
    assert response.status_code == 400
    assert "a note is required to return a report" in page_text(response)
    assert stored(seeded)["state"] == "submitted"


@pytest.mark.parametrize("role", ["lead", "member", "sag", "viewer", "other_lead"])
def test_only_the_secretariat_reviews(seeded, world, role):
    submitted(seeded, world)
    client = client_of(seeded, world, role)
    before = db_snapshot(seeded)
    assert client.post(URL + "/review", data={"decision": "accept"}).status_code == 403
    assert client.post(URL + "/review", data={"decision": "return", "note": "No."}).status_code == 403
    assert db_snapshot(seeded) == before
    if role in ("lead", "sag"):
        assert "Return to the group" not in page_text(client.get(URL))


def test_secretariat_cannot_review_a_draft(seeded, world):
    save_as(seeded, world, "lead")
    response = client_of(seeded, world, "secretariat").post(URL + "/review", data={"decision": "accept"})
    assert response.status_code == 403 and stored(seeded)["state"] == "draft"


# --- carry forward on the page --------------------------------------------------------------------


def test_new_report_is_prefilled_from_the_last_accepted_one_and_marked_carried(seeded, world):
    q3 = "/reports/2026-Q3/wg-training"
    lead, secretariat = client_of(seeded, world, "lead"), client_of(seeded, world, "secretariat")
    assert lead.post(q3, data=form(world, 0, "Q3.", "submit", **COMPLETE)).status_code == 302
    assert secretariat.post(q3 + "/review", data={"decision": "accept"}).status_code == 302
    page = page_text(lead.get(URL))
    assert textarea(page, f"a{world['ids'][FIRST]}-achievements") == "Trained 40 logisticians."
    assert page.count("Carried from 2026-Q3 — not new text") == 2
    # once this quarter's text is written, the mark goes
    fresh = {"first": {**COMPLETE["first"], "achievements": "New this quarter."}, "second": {"status": "planned"}}
    assert lead.post(URL, data=form(world, 0, "Q4.", **fresh)).status_code == 302
    assert page_text(lead.get(URL)).count("Carried from 2026-Q3 — not new text") == 1


# --- no lost work ---------------------------------------------------------------------------------


def test_saving_over_a_newer_save_is_409_with_both_texts_and_the_users_text_kept(seeded, world):
    mine = {**COMPLETE, "first": {**COMPLETE["first"], "achievements": "My own careful text."}}
    theirs = {**COMPLETE, "first": {**COMPLETE["first"], "achievements": "Their quicker text."}}
    assert save_as(seeded, world, "lead", **theirs).status_code == 302  # version 0 → 1
    member = client_of(seeded, world, "member")
    response = member.post(URL, data=form(world, 0, "Quarter summary.", **mine))  # opened at version 0
    page = page_text(response)
    assert response.status_code == 409
    assert "Their version" in page and "Your version" in page
    assert "Their quicker text." in page and "My own careful text." in page
    assert "Lead Person" in page  # who saved it
    assert textarea(page, f"a{world['ids'][FIRST]}-achievements") == "My own careful text."
    assert hidden_version(page) == "1"
    assert stored(seeded)["updates"][FIRST].achievements == "Their quicker text."
    # saving the offered form keeps the member's text
    assert member.post(URL, data=form(world, hidden_version(page), "Quarter summary.", **mine)).status_code == 302
    assert stored(seeded)["updates"][FIRST].achievements == "My own careful text."


def test_conflict_page_lists_only_the_fields_that_differ(seeded, world):
    save_as(seeded, world, "lead")
    mine = {**COMPLETE, "second": {"status": "delayed", "no_progress": True}}
    page = page_text(client_of(seeded, world, "member").post(URL, data=form(world, 0, "Quarter summary.", **mine)))
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<th scope=\"row\">(.*?)</th>", page, re.S)
    assert [(re.sub(r"<[^>]+>", "", code).strip(), label) for code, label in rows] == [(SECOND, "Status")]


# --- comments -------------------------------------------------------------------------------------


def test_internal_comments_are_hidden_from_the_group(seeded, world):
    save_as(seeded, world, "lead")
    secretariat = client_of(seeded, world, "secretariat")
    assert "Internal to the secretariat" in page_text(secretariat.get(URL))
    visible = {"text": "For the group: good start."}
    internal = {"text": "Between us: numbers look high.", "internal": "y"}
    assert secretariat.post(URL + "/comments", data=visible).status_code == 302
    assert secretariat.post(URL + "/comments", data=internal).status_code == 302
    lead_page = page_text(client_of(seeded, world, "lead").get(URL))
    assert "For the group: good start." in lead_page and "Secretariat Person" in lead_page
    assert "numbers look high" not in lead_page and "Internal to the secretariat" not in lead_page
    secretariat_page = page_text(secretariat.get(URL))
    assert "numbers look high" in secretariat_page and ">internal<" in secretariat_page


def test_group_cannot_make_a_comment_internal(seeded, world):
    save_as(seeded, world, "lead")
    member = client_of(seeded, world, "member")
    assert member.post(URL + "/comments", data={"text": "Secret from whom?", "internal": "y"}).status_code == 302
    assert "Secret from whom?" in page_text(client_of(seeded, world, "lead").get(URL))


def test_sag_may_comment_on_a_submitted_report_and_viewer_may_not(seeded, world):
    submitted(seeded, world)
    assert client_of(seeded, world, "sag").post(URL + "/comments", data={"text": "Well done."}).status_code == 302
    viewer = client_of(seeded, world, "viewer")
    before = db_snapshot(seeded)
    assert viewer.post(URL + "/comments", data={"text": "Me too."}).status_code == 403
    assert db_snapshot(seeded) == before


def test_empty_comment_is_400(seeded, world):
    save_as(seeded, world, "lead")
    response = client_of(seeded, world, "lead").post(URL + "/comments", data={"text": "   "})
    assert response.status_code == 400 and "Write a comment first." in page_text(response)


def test_comment_on_a_report_nobody_saved_is_403(seeded, world):
    client = client_of(seeded, world, "lead")
    with seeded.app_context():
        before = snapshot()
    assert client.post(URL + "/comments", data={"text": "Hi"}).status_code == 403
    with seeded.app_context():
        assert snapshot() == before  # no report, no comment, no audit entry


# --- queries --------------------------------------------------------------------------------------


def test_report_page_queries_stay_constant_as_activities_grow(app, make_plan, make_user):
    strategy_id = make_plan(activities=30)  # wg-test-plan is responsible for all 30
    with app.app_context():
        small = Body(slug="wg-small", kind="working_group", name={"fr": "Petit GT", "en": "Small WG"}, aliases=[])
        db.session.add(small)
        db.session.flush()
        for activity in db.session.scalars(select(Activity).order_by(Activity.position).limit(2)):
            db.session.add(Responsibility(activity_id=activity.id, body_id=small.id, role="lead"))
        db.session.commit()
    open_quarters(app, strategy_id, codes=("2026-Q3", "2026-Q4"))

    def counts(slug):
        lead = make_user(bodies=[(slug, "lead")])
        client = app.test_client()
        log_in(client, lead)
        url = f"/reports/2026-Q4/{slug}"
        with counting_queries(app) as new_report:
            assert client.get(url).status_code == 200
        with app.app_context():
            body = db.session.scalar(select(Body).where(Body.slug == slug))
            activities = services.reportable_activities(body)
            previous = db.session.scalar(select(Strategy).where(Strategy.id == strategy_id))
            assert previous is not None
            updates = {a.id: UpdateData(status="on_track", achievements=f"Text {a.code}") for a in activities}
            services.write_report(body, services.find_period(previous, "2026-Q4"), db.session.get(User, lead), 0,
                                  "Summary", updates)
            services.add_comment(services.find_report(body, services.find_period(previous, "2026-Q4")),
                                 db.session.get(User, lead), "A comment", internal=False)
        with counting_queries(app) as saved_report:
            page = page_text(client.get(url))
        assert page.count('class="card activity-update') == len(activities)  # full updates or contributions
        return new_report(), saved_report()

    small_counts, large_counts = counts("wg-small"), counts("wg-test-plan")
    assert small_counts == large_counts


# --- CSRF -----------------------------------------------------------------------------------------


def test_report_forms_carry_a_csrf_token_and_a_post_without_it_saves_nothing(seeded, world):
    submitted(seeded, world)
    secretariat = client_of(seeded, world, "secretariat")
    seeded.config["WTF_CSRF_ENABLED"] = True  # after signing in: the test sign-in posts no token
    html = page_text(secretariat.get(URL))
    forms = re.findall(r"<form method=\"post\".*?</form>", html, re.S)
    assert len(forms) == 3  # review, comment, sign out
    assert all('name="csrf_token"' in f for f in forms)
    before = db_snapshot(seeded)
    assert secretariat.post(URL + "/review", data={"decision": "accept"}).status_code == 400
    assert secretariat.post(URL + "/comments", data={"text": "Forged?"}).status_code == 400
    assert db_snapshot(seeded) == before


def test_report_form_posted_without_csrf_token_keeps_the_typed_text(seeded, world):
    lead = client_of(seeded, world, "lead")
    seeded.config["WTF_CSRF_ENABLED"] = True  # after signing in: the test sign-in posts no token
    assert 'name="csrf_token"' in page_text(lead.get(URL))
    response = lead.post(URL, data=form(world, 0, "Summary.", **COMPLETE))
    page = page_text(response)
    assert response.status_code == 400 and "The page had expired" in page
    assert textarea(page, f"a{world['ids'][FIRST]}-achievements") == "Trained 40 logisticians."
    assert stored(seeded) is None
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert lead.post(URL, data={**form(world, 0, "Summary.", **COMPLETE), "csrf_token": token}).status_code == 302
    assert stored(seeded)["updates"][FIRST].achievements == "Trained 40 logisticians."
