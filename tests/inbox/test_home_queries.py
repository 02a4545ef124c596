"""What needs each person now (sip.inbox.queries.home_for), on small data built for each role: leads, members, the
secretariat, the SAG, and people with nothing waiting."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from sip.accounts.models import User
from sip.bodies.models import Body
from sip.extensions import db
from sip.governance import services as governance
from sip.inbox.models import HomeVisit
from sip.inbox.queries import FIRST_VISIT, VISIT_GAP, home_for
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from sip.reporting import services as reporting
from sip.reporting.services import UpdateData, ensure_periods, find_period, open_period
from tests.test_access import MEMBERSHIPS

TODAY = date(2026, 12, 2)  # 2026-Q4 is open, due 2027-01-15
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)
DUE = date(2027, 1, 15)
ACCOUNTABLE = "3.1.1.2"  # the training working group sets this activity's status
NOTE = "Please add the number of people trained."


@pytest.fixture
def world(seeded, make_user):
    """The real plan, 2026-Q4 open and due on 15 January 2027, one person per role (ids by role)."""
    people = {role: make_user(f"{role.replace('_', ' ').title()} Person", bodies=bodies)
              for role, bodies in MEMBERSHIPS.items()}
    with seeded.app_context():
        strategy = current_strategy()
        ensure_periods(strategy)
        db.session.commit()
        open_period(find_period(strategy, "2026-Q4"), DUE, actor=None, opens_on=date(2026, 11, 1))
    return people


def person(world, role: str) -> User:
    """The User of a role."""
    return db.session.get(User, world[role])


def body(slug: str) -> Body:
    """The body with this slug."""
    return db.session.scalar(select(Body).where(Body.slug == slug))


def q4():
    """The open period."""
    return find_period(current_strategy(), "2026-Q4")


def updates_for(slug: str, filled: bool = True) -> dict:
    """Updates for every activity the body reports on: complete (`filled`) or empty."""
    found = {}
    for activity in reporting.reportable_activities(body(slug)):
        accountable = reporting.is_accountable(activity, body(slug).id)
        if not filled:
            found[activity.id] = UpdateData()
        elif accountable:
            found[activity.id] = UpdateData(status="on_track", achievements=f"Work on {activity.code}.")
        else:
            found[activity.id] = UpdateData(achievements=f"Help on {activity.code}.")
    return found


def file_report(world, slug: str, role: str, *, submit: bool = False, filled: bool = True, submitted_at=None):
    """A body's 2026-Q4 report written (and submitted) by a role; returns it."""
    report = reporting.write_report(body(slug), q4(), person(world, role), 0, "The quarter." if filled else "",
                                    updates_for(slug, filled), submit=submit, confirmed=True)
    db.session.commit()
    if submitted_at is not None:
        report.submitted_at = submitted_at
        db.session.commit()
    return report


def home(app, world, role: str, **kwargs):
    """The home page lists of a role, on TODAY, in English."""
    with app.test_request_context("/?lang=en"):
        found = home_for(person(world, role), today=kwargs.pop("today", TODAY), now=kwargs.pop("now", NOW), **kwargs)
    # The visit is written on a connection of its own; end this read transaction before the test writes again, as a
    # request ends its own.
    db.session.commit()
    return found


def activity_count(slug: str) -> int:
    """How many activities the body's report must update (those it is accountable for)."""
    return sum(1 for a in reporting.reportable_activities(body(slug)) if reporting.is_accountable(a, body(slug).id))


# --- leads --------------------------------------------------------------------------------------


def test_lead_sees_their_groups_report_not_started_with_its_due_date_and_every_activity_left(seeded, world):
    with seeded.app_context():
        found = home(seeded, world, "wg_lead")
        [item] = found.to_file.items
        assert item.title.endswith(" — 2026-Q4")
        assert item.url == "/reports/2026-Q4/wg-training"
        assert (item.state, item.due_on, item.days_left) == ("Not started", DUE, 44)
        assert item.outstanding == activity_count("wg-training") > 0
        assert item.note is None


def test_lead_sees_what_is_left_in_a_half_filled_draft(seeded, world):
    with seeded.app_context():
        file_report(world, "wg-training", "wg_lead", filled=False)
        [item] = home(seeded, world, "wg_lead").to_file.items
        assert item.state == "Draft"
        assert item.outstanding == activity_count("wg-training")
        file_report_again = reporting.write_report(
            body("wg-training"), q4(), person(world, "wg_lead"), reporting.find_report(body("wg-training"), q4()).version,
            "The quarter.", updates_for("wg-training"), submit=False)
        db.session.commit()
        assert file_report_again.state == "draft"
        [item] = home(seeded, world, "wg_lead").to_file.items
        assert item.outstanding == 0


def test_lead_sees_a_returned_report_with_the_reviewers_note_and_a_link_to_it(seeded, world):
    with seeded.app_context():
        report = file_report(world, "wg-training", "wg_lead", submit=True)
        assert home(seeded, world, "wg_lead").to_file.items == []  # submitted: nothing to do
        reporting.return_report(report, person(world, "secretariat"), NOTE)
        [item] = home(seeded, world, "wg_lead").to_file.items
        assert (item.state, item.note) == ("Returned", NOTE)
        assert item.url == "/reports/2026-Q4/wg-training#review-note"


def test_a_lead_of_another_group_does_not_see_the_training_report(seeded, world):
    with seeded.app_context():
        titles = [item.url for item in home(seeded, world, "other_lead").to_file.items]
        assert titles == ["/reports/2026-Q4/wg-partnerships"]


# --- members ------------------------------------------------------------------------------------


def test_member_sees_their_groups_drafts_only(seeded, world):
    with seeded.app_context():
        found = home(seeded, world, "wg_member")
        assert found.to_file is None  # a member does not submit
        assert found.drafts is not None and found.drafts.items == []  # not started: no draft yet
        report = file_report(world, "wg-training", "wg_member", filled=False)
        [item] = home(seeded, world, "wg_member").drafts.items
        assert (item.url, item.state) == ("/reports/2026-Q4/wg-training", "Draft")
        reporting.write_report(body("wg-training"), q4(), person(world, "wg_lead"), report.version, "Done.",
                               updates_for("wg-training"), submit=True, confirmed=True)
        db.session.commit()
        assert home(seeded, world, "wg_member").drafts.items == []


# --- the secretariat ----------------------------------------------------------------------------


def test_secretariat_sees_submitted_reports_oldest_first_with_a_link_to_the_review(seeded, world):
    with seeded.app_context():
        file_report(world, "wg-partnerships", "other_lead", submit=True,
                    submitted_at=datetime(2026, 11, 20, 9, tzinfo=timezone.utc))
        file_report(world, "wg-training", "wg_lead", submit=True,
                    submitted_at=datetime(2026, 11, 10, 9, tzinfo=timezone.utc))
        found = home(seeded, world, "secretariat")
        assert [item.url for item in found.to_review.items] == [
            "/reports/2026-Q4/wg-training#review", "/reports/2026-Q4/wg-partnerships#review"]
        assert found.to_review.items[0].note == "Wg Lead Person"  # who submitted it
        assert found.to_review.total == 2


def test_secretariat_sees_the_groups_past_their_due_date_and_not_those_that_delivered(seeded, world):
    with seeded.app_context():
        assert home(seeded, world, "secretariat").overdue.items == []  # before the due date
        file_report(world, "wg-training", "wg_lead", submit=True)
        file_report(world, "wg-partnerships", "other_lead", filled=False)
        found = home(seeded, world, "secretariat", today=DUE + timedelta(days=5))
        urls = [item.url for item in found.overdue.items]
        assert "/reports/2026-Q4/wg-partnerships" in urls  # a draft is not delivered
        assert "/reports/2026-Q4/sag" in urls  # nothing saved at all
        assert "/reports/2026-Q4/wg-training" not in urls  # submitted
        partnerships = next(item for item in found.overdue.items if "wg-partnerships" in item.url)
        assert (partnerships.state, partnerships.days_left) == ("Draft", -5)


def test_secretariat_sees_endorsed_amendments_waiting_for_a_glm(seeded, world):
    with seeded.app_context():
        activity = db.session.scalar(select(Activity).where(Activity.code == ACCOUNTABLE))
        change = governance.Change("edit_text", activity=activity, text={"fr": "Former.", "en": "Train."})
        amendment = governance.propose(current_strategy(), change, "Shorter.", person(world, "wg_lead"))
        assert home(seeded, world, "secretariat").to_verify.items == []  # proposed: the SAG's turn
        governance.decide_sag(amendment, person(world, "sag"), endorse=True)
        [item] = home(seeded, world, "secretariat").to_verify.items
        assert item.url == f"/amendments/{amendment.id}"
        assert f"Amendment {amendment.id}" in item.title and ACCOUNTABLE in item.title


def test_secretariat_sees_invitations_not_yet_accepted_and_which_have_expired(seeded, world, make_user):
    invited = make_user("Invited Person", password=None)
    make_user("Gone Person", password=None, active=False)  # deactivated: nothing to chase
    with seeded.app_context():
        found = home(seeded, world, "secretariat")
        [item] = found.invitations.items
        assert (item.title, item.url, item.expired) == ("Invited Person", f"/admin/people/{invited}", False)
        db.session.get(User, invited).created_at = NOW - timedelta(days=30)
        db.session.commit()
        [item] = home(seeded, world, "secretariat").invitations.items
        assert item.expired


# --- the SAG ------------------------------------------------------------------------------------


def test_sag_member_sees_amendments_to_endorse_but_not_their_own_nor_decided_ones(seeded, world):
    with seeded.app_context():
        strategy = current_strategy()
        activity = db.session.scalar(select(Activity).where(Activity.code == ACCOUNTABLE))
        other = db.session.scalar(select(Activity).where(Activity.code == "3.1.2.1"))
        theirs = governance.propose(strategy, governance.Change("edit_text", activity=activity,
                                                                text={"fr": "Former.", "en": "Train."}),
                                    "Shorter.", person(world, "wg_lead"))
        governance.propose(strategy, governance.Change("retire", activity=other, retire_as="completed"),
                           "Done.", person(world, "secretariat"))
        found = home(seeded, world, "sag")
        assert len(found.to_endorse.items) == 2
        governance.decide_sag(theirs, person(world, "sag"), endorse=False, note="Not now.")
        [item] = home(seeded, world, "sag").to_endorse.items
        assert "3.1.2.1" in item.title


def test_sag_member_sees_reports_accepted_since_their_last_visit(seeded, world):
    with seeded.app_context():
        report = file_report(world, "wg-training", "wg_lead", submit=True)
        reporting.accept_report(report, person(world, "secretariat"))
        report.reviewed_at = NOW - timedelta(days=2)
        db.session.commit()
        first = home(seeded, world, "sag")
        assert [item.url for item in first.accepted.items] == ["/reports/2026-Q4/wg-training"]
        assert first.accepted_since == NOW - FIRST_VISIT
        visit = db.session.get(HomeVisit, world["sag"])
        db.session.refresh(visit)
        assert visit.seen_at.replace(tzinfo=timezone.utc) == NOW
        # Reloading within the hour keeps the list; coming back later shows only what is new since.
        assert home(seeded, world, "sag", now=NOW + timedelta(minutes=5)).accepted.items
        later = home(seeded, world, "sag", now=NOW + VISIT_GAP + timedelta(minutes=10))
        assert later.accepted.items == []
        assert later.accepted_since.replace(tzinfo=timezone.utc) == NOW + timedelta(minutes=5)


def test_only_the_sag_lists_accepted_reports_and_records_visits(seeded, world):
    with seeded.app_context():
        found = home(seeded, world, "wg_lead")
        assert found.accepted is None and found.to_endorse is None
        assert db.session.get(HomeVisit, world["wg_lead"]) is None


# --- nothing waiting ----------------------------------------------------------------------------


def test_a_viewer_has_no_role_list_and_the_secretariat_empty_ones(seeded, world):
    with seeded.app_context():
        viewer = home(seeded, world, "viewer")
        assert viewer.sections == []
        assert viewer.notifications.items == []
        secretariat = home(seeded, world, "secretariat")
        assert {"to_review", "overdue", "to_verify", "invitations"} <= set(secretariat.sections)
        for name in ("to_review", "overdue", "to_verify", "invitations"):
            assert getattr(secretariat, name).items == [] and getattr(secretariat, name).total == 0
        assert secretariat.accepted is None


def test_a_lead_with_no_open_period_has_an_empty_list(seeded, world):
    with seeded.app_context():
        reporting.close_period(q4(), None)
        found = home(seeded, world, "wg_lead")
        assert found.to_file is not None and found.to_file.items == []
