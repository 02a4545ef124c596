"""The main journey through the plan in a real browser; the secretariat names a body's reporting focal point."""
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from sip.accounts.models import Membership, User
from sip.accounts.passwords import hash_password
from sip.bodies.models import Body
from sip.extensions import db
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from sip.reporting import services
from sip.reporting.models import ActivityUpdate, GroupReport
from tests.browser.journeys import sign_in
from tests.conftest import DEFAULT_PASSWORD


def test_reader_opens_the_plan_switches_to_english_filters_by_training_wg_and_opens_an_activity(live_server, page):
    page.goto(f"{live_server}/plan")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Pilier 1")

    page.locator("[data-lang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("Pillar 1")

    page.get_by_label("Responsible body").select_option("wg-training")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(f"{live_server}/plan?body=wg-training&status=&pillar=&q=")
    links = page.locator("a[href^='/plan/activities/']")
    expect(links).to_have_count(2)

    links.first.click()
    expect(page).to_have_url(f"{live_server}/plan/activities/3.1.1.2")
    expect(page.get_by_role("heading", level=1)).to_contain_text("3.1.1.2")
    expect(page.locator("dl.facts")).to_contain_text("Training")
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_language_choice_is_remembered_across_pages(live_server, page):
    page.goto(f"{live_server}/plan?lang=en")
    page.get_by_role("link", name="Bodies").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bodies")


def accept_q4_on_track_then_q3_at_risk(app) -> None:
    """On the live server's database: the training group's 2026-Q4 report (3.1.1.2 On track) accepted, then its
    returned and resubmitted 2026-Q3 report (At risk)."""
    with app.app_context():
        strategy = current_strategy()
        services.ensure_periods(strategy)
        db.session.commit()
        body = db.session.scalar(select(Body).where(Body.slug == "wg-training"))
        activity = db.session.scalar(select(Activity).where(Activity.code == "3.1.1.2"))
        for code, opens, due, status in (("2026-Q4", date(2026, 10, 1), date(2027, 1, 15), "on_track"),
                                         ("2026-Q3", date(2026, 7, 1), date(2026, 10, 15), "at_risk")):
            period = services.find_period(strategy, code)
            services.open_period(period, due, actor=None, opens_on=opens)
            report = GroupReport(body=body, period=period, state="draft", version=1, summary="Done.", updates=[
                ActivityUpdate(activity=activity, status=status, progress_pct=60, achievements=f"{code} work.")])
            db.session.add(report)
            db.session.commit()
            services.submit_report(report, None)
            if code == "2026-Q3":
                services.return_report(report, None, "Say more about the risks.")
                services.submit_report(report, None)
            services.accept_report(report, None)
        db.session.remove()


def test_reader_finds_an_activity_on_track_and_reads_who_is_accountable_and_its_status_by_quarter(live_server,
                                                                                                  live_app, page):
    accept_q4_on_track_then_q3_at_risk(live_app)
    page.goto(f"{live_server}/plan?lang=en")
    page.get_by_label("Status").select_option("on_track")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("a[href^='/plan/activities/']")).to_have_count(1)
    page.get_by_role("link", name="3.1.1.2").click()

    expect(page.locator("#current-status")).to_contain_text("On track")
    expect(page.locator("#accountable")).to_contain_text("Training")
    expect(page.locator("#accountable")).to_contain_text("its report sets the status")
    table = page.get_by_role("table", name="The activity's status at each quarter")
    expect(table.locator("tr[data-quarter='2026-Q4']")).to_contain_text("On track")
    expect(table.locator("tr[data-quarter='2026-Q3']")).to_contain_text("At risk")
    expect(table.locator("tr[data-quarter='2026-Q3']")).to_contain_text("Accepted report of 2026-Q3")


def test_the_secretariat_names_the_clusters_reporting_focal_point(live_server, live_app, page):
    with live_app.app_context():
        team = db.session.scalar(select(Body).where(Body.slug == "rome-support-team"))
        db.session.add_all([
            User(email="secretariat@example.org", name="Sara Secretariat", language="en",
                 password_hash=hash_password(DEFAULT_PASSWORD), memberships=[Membership(body=team, role="member")]),
            User(email="focal@example.org", name="Fatou Focal", language="en",
                 password_hash=hash_password(DEFAULT_PASSWORD))])
        db.session.commit()
        db.session.remove()
    sign_in(page, live_server, "secretariat@example.org")
    page.goto(f"{live_server}/bodies/glc?lang=en")
    expect(page.locator("#focal-point")).to_contain_text("Reported by: nobody yet")
    page.get_by_role("link", name="Name who files the report").click()

    page.get_by_label("A person, the focal point").check()
    page.get_by_label("Person who files the report").select_option(label="Fatou Focal <focal@example.org>")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(f"{live_server}/bodies/glc")
    expect(page.get_by_role("status")).to_contain_text("Fatou Focal now files the report of")
    expect(page.locator("#focal-point")).to_contain_text("Reported by: Fatou Focal (focal point).")
    expect(page.locator("#focal-point")).to_contain_text("focal@example.org")
