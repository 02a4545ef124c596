"""Each role's home page on the demo data (`setup --demo`: the demo reports and seed/demo_home.py): what needs them
now, with links to the exact pages; the empty states; the anonymous home page unchanged; a bounded query count."""
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from seed.demo_home import create_demo_home
from sip.accounts.models import User
from sip.accounts.passwords import hash_password
from sip.extensions import db
from sip.governance.models import Amendment
from sip.inbox.models import HomeVisit
from sip.inbox.queries import SHOWN
from tests.conftest import DEFAULT_PASSWORD, built_once, counting_queries
from tests.reporting.test_demo import DEMO_TODAY, build_demo

SECRETARIAT, SAG, TRAINING_LEAD = "rome.demo@example.org", "sag.demo@example.org", "lead.training.demo@example.org"
PARTNERSHIPS_LEAD, TRAINING_MEMBER, VIEWER = ("lead.partnerships.demo@example.org", "member.training.demo@example.org",
                                              "viewer.demo@example.org")


@pytest.fixture
def demo(app):
    """The demo as `setup --demo` builds it on DEMO_TODAY, every demo person with the tests' password; the SAG
    member last looked at their home page on 1 November 2026."""
    with app.app_context():
        built_once("home-demo", _build_home_demo)
        db.session.remove()
    return app


def _build_home_demo() -> None:
    """The demo and its home pages' state, with the tests' password (built once per process, then copied)."""
    build_demo()
    create_demo_home(DEMO_TODAY)
    for user in db.session.scalars(select(User).where(User.email.like("%demo@%"))):
        user.password_hash = user.password_hash and hash_password(DEFAULT_PASSWORD)
    sag = db.session.scalar(select(User).where(User.email == SAG))
    db.session.add(HomeVisit(user_id=sag.id, seen_at=datetime(2026, 11, 1, tzinfo=timezone.utc)))
    db.session.commit()


def home_of(app, email: str | None) -> str:
    """The home page as a person sees it (None: a visitor), in English."""
    client = app.test_client()
    if email:
        response = client.post("/login", data={"email": email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302
    response = client.get("/?lang=en")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(html: str, name: str) -> str:
    """The HTML of one list of the home page ("" when the page has none)."""
    found = re.search(rf'<section id="home-{name}".*?</section>', html, re.S)
    return found.group(0) if found else ""


def links(html: str) -> list[str]:
    """The addresses the links of some HTML point to."""
    return re.findall(r'href="([^"]+)"', html)


def amendment_id(app, code: str) -> int:
    """The demo amendment on an activity."""
    with app.app_context():
        return next(a.id for a in db.session.scalars(select(Amendment)) if a.code == code)


# --- each role ----------------------------------------------------------------------------------


def test_the_secretariat_sees_reviews_overdue_groups_amendments_for_the_glm_and_pending_invitations(demo):
    html = home_of(demo, SECRETARIAT)
    assert "What needs you now" in html
    review = section(html, "to-review")
    assert links(review)[:2] == ["/reports/2026-Q4/rome-support-team#review", "/reports/2026-Q4/glc#review"]  # oldest first
    overdue = section(html, "overdue")
    assert "/reports/2026-Q4/wg-training" in links(overdue) and "overdue by" in overdue
    assert "/reports/2026-Q4/rome-support-team" not in links(overdue)  # submitted
    assert f"/amendments/{amendment_id(demo, '1.1.1.3')}" in links(section(html, "to-verify"))
    with demo.app_context():
        invited = db.session.scalar(select(User).where(User.email == "invited.demo@example.org"))
    invitations = section(html, "invitations")
    assert links(invitations) == [f"/admin/people/{invited.id}"] and "Chen Wei" in invitations
    assert section(html, "to-endorse") == "" and section(html, "accepted") == ""  # not a SAG member


def test_a_lead_sees_their_open_report_and_another_their_returned_report_with_the_note(demo):
    training = section(home_of(demo, TRAINING_LEAD), "to-file")
    assert links(training) == ["/reports/2026-Q4/wg-training"]
    assert "Not started" in training and "1 activity still to update" in training
    partnerships = section(home_of(demo, PARTNERSHIPS_LEAD), "to-file")
    assert links(partnerships) == ["/reports/2026-Q4/wg-partnerships#review-note"]
    assert "Returned" in partnerships and "Note from the review:" in partnerships
    with demo.app_context():
        from sip.reporting.models import GroupReport

        note = db.session.scalar(select(GroupReport.review_note).where(GroupReport.state == "returned"))
    assert note and note.replace("'", "&#39;") in partnerships


def test_a_sag_member_sees_amendments_to_endorse_and_reports_accepted_since_their_last_visit(demo):
    html = home_of(demo, SAG)
    assert links(section(html, "to-endorse")) == [f"/amendments/{amendment_id(demo, '3.1.1.2')}"]
    assert "/reports/2026-Q3/wg-training" in links(section(html, "accepted"))  # accepted on 8 November
    assert links(section(html, "drafts")) == ["/reports/2026-Q4/sag"]  # a member of the SAG, which reports too
    assert section(html, "to-review") == ""


def test_a_member_sees_the_empty_state_of_their_groups_drafts(demo):
    html = home_of(demo, TRAINING_MEMBER)
    assert "Your groups have no draft in progress." in section(html, "drafts")
    assert section(html, "to-file") == ""


def test_a_viewer_sees_only_their_notifications_with_their_empty_state(demo):
    html = home_of(demo, VIEWER)
    assert "What needs you now" in html
    assert "You have no unread notification." in section(html, "notifications")
    for name in ("to-file", "drafts", "to-review", "overdue", "to-verify", "invitations", "to-endorse", "accepted"):
        assert section(html, name) == ""


def test_the_secretariat_with_nothing_waiting_sees_each_empty_state(app, make_user, seeded):
    secretariat = make_user("Rome Person", bodies=[("rome-support-team", "member")])
    client = app.test_client()
    client.post("/login", data={"email": _email(app, secretariat), "password": DEFAULT_PASSWORD})
    html = client.get("/?lang=en").get_data(as_text=True)
    for text in ("No report waits for your review.", "No report is overdue.", "No endorsed amendment waits for a GLM.",
                 "Everyone invited has chosen a password."):
        assert text in html


def _email(app, user_id: int) -> str:
    """A person's e-mail address."""
    with app.app_context():
        return db.session.get(User, user_id).email


def test_a_sag_member_with_nothing_new_sees_the_empty_states(app, make_user, seeded):
    sag = make_user("Sag Person", bodies=[("sag", "member")])
    client = app.test_client()
    client.post("/login", data={"email": _email(app, sag), "password": DEFAULT_PASSWORD})
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "No amendment waits for your endorsement." in section(html, "to-endorse")
    assert "No report has been accepted since your last visit" in section(html, "accepted")


# --- the visitor's home page --------------------------------------------------------------------


def test_the_anonymous_home_page_is_the_same_as_without_the_inbox(demo):
    from sip.inbox.home import provide

    with_inbox = home_of(demo, None)
    providers = demo.extensions["sip_home"]
    demo.extensions["sip_home"] = [p for p in providers if p is not provide]
    try:
        without = home_of(demo, None)
    finally:
        demo.extensions["sip_home"] = providers
    assert with_inbox == without
    assert "What needs you now" not in with_inbox and "Browse the plan" in with_inbox


# --- cost ---------------------------------------------------------------------------------------


def test_the_secretariats_home_page_runs_a_bounded_number_of_queries_whatever_the_data(demo, make_user):
    client = demo.test_client()
    client.post("/login", data={"email": SECRETARIAT, "password": DEFAULT_PASSWORD})
    client.get("/")  # warm caches the app keeps (the plan's parts)
    with counting_queries(demo) as count:
        assert client.get("/?lang=en").status_code == 200
    first = count()
    for n in range(SHOWN + 3):  # more pending invitations than the page shows
        make_user(f"Invited {n}", password=None)
    with counting_queries(demo) as count:
        html = client.get("/?lang=en").get_data(as_text=True)
    assert count() == first <= 30  # 21 today, the header and core's own part included
    assert "and 4 more" in section(html, "invitations")
