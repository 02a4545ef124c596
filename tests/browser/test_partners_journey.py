"""The minimum commitments in a real browser: a partner's focal point acknowledges them for their organisation from
its page in the register, and the secretariat sees the share of partners move, on its follow-up page and on
activity 1.3.1.4's page."""
from datetime import date

from playwright.sync_api import expect

from sip.accounts.models import Membership, Organisation, User
from sip.accounts.passwords import hash_password
from sip.bodies.models import Body
from sip.extensions import db
from sip.partners.models import FocalPoint
from tests.browser.journeys import sign_in
from tests.conftest import DEFAULT_PASSWORD


def add_partners_and_people(app) -> None:
    """Two partners, a stakeholder, the focal point of Action Logistique Sahel, and a secretariat member."""
    with app.app_context():
        rome_team = db.session.scalar(db.select(Body).where(Body.slug == "rome-support-team"))
        als = Organisation(name="Action Logistique Sahel", acronym="ALS", kind="partner", type="NNGO", country="ML",
                           countries=["ML", "BF"], joined_on=date(2023, 1, 15))
        wfp = Organisation(name="World Food Programme", acronym="WFP", kind="partner", type="UN", country="IT",
                           countries=[], joined_on=date(2023, 1, 15))
        uni = Organisation(name="Université de Logistique", kind="stakeholder", type="academia", countries=[])
        focal = User(email="focal@example.org", name="Awa Coulibaly", language="en", organisation=als,
                     password_hash=hash_password(DEFAULT_PASSWORD))
        rome = User(email="rome@example.org", name="Giulia Rossi", language="en",
                    password_hash=hash_password(DEFAULT_PASSWORD))
        db.session.add_all([als, wfp, uni, focal, rome, Membership(user=rome, body=rome_team, role="member")])
        db.session.flush()
        db.session.add(FocalPoint(organisation_id=als.id, user_id=focal.id, since=date(2024, 1, 1)))
        db.session.commit()


def test_a_focal_point_acknowledges_the_commitments_and_the_secretariat_sees_the_share_move(live_server, live_app,
                                                                                             browser, page):
    add_partners_and_people(live_app)
    secretariat = browser.new_context(locale="en-GB").new_page()
    sign_in(secretariat, live_server, "rome@example.org")
    secretariat.goto(f"{live_server}/partners/commitments")
    expect(secretariat.locator("#commitments-share")).to_contain_text("0 of 2 partners have acknowledged (0 %).")

    sign_in(page, live_server, "focal@example.org")
    page.get_by_role("link", name="Partners", exact=True).click()
    page.get_by_role("link", name="Action Logistique Sahel").click()
    commitments = page.locator("#commitments")
    expect(commitments).to_contain_text("Not acknowledged yet")
    commitments.get_by_role("button", name="Acknowledge the commitments").click()
    expect(page.locator("#acknowledge_form-error, .error, [role=alert]").first).to_be_visible()  # the box first
    commitments = page.locator("#commitments")
    commitments.get_by_label("I confirm that our staff know the twelve minimum commitments.").check()
    commitments.get_by_role("button", name="Acknowledge the commitments").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Thank you: Action Logistique Sahel has acknowledged the minimum commitments.")
    expect(page.locator("#commitments")).to_contain_text("by Awa Coulibaly")

    secretariat.reload()
    expect(secretariat.locator("#commitments-share")).to_contain_text("1 of 2 partners have acknowledged (50 %).")
    expect(secretariat.locator("#acknowledgements tr.done")).to_contain_text("Action Logistique Sahel")
    secretariat.goto(f"{live_server}/plan/activities/1.3.1.4")
    expect(secretariat.locator("#commitments-acknowledged")).to_contain_text(
        "1 of 2 partners have acknowledged the minimum commitments (50 %).")
    secretariat.context.close()
