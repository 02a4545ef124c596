"""Plan pages through the test client, on the real plan, in both languages."""
import re

from tests.helpers import page_text

import pytest

from sip.extensions import db
from tests.conftest import counting_queries

COMPLETED = ["1.1.1.1", "2.2.1.1", "2.2.1.4", "2.3.3.1"]


def activity_codes(response) -> list[str]:
    """The activity codes linked from a plan page, in page order."""
    return re.findall(r'href="/plan/activities/([\d.]+)"', page_text(response))


def test_plan_shows_every_pillar_and_all_fifty_activities(seeded, client):
    response = client.get("/plan?lang=fr")
    html = page_text(response)
    assert response.status_code == 200
    assert len(activity_codes(response)) == 50
    for title in ["Base de partenariat", "Normes et politique", "Renforcement de la capacité d'intervention", "Soutien opérationnel"]:
        assert title in html


def test_plan_keeps_the_source_codes_and_order(seeded, client):
    codes = activity_codes(client.get("/plan"))
    assert codes[:3] == ["1.1.1.1", "1.1.1.2", "1.1.1.3"]
    assert codes.index("2.3.2.1") == codes.index("2.2.1.4") + 1  # printed under output 2.2.2
    assert codes[-1] == "4.4.2.2"


def test_plan_in_french_shows_french_labels_and_texts(seeded, client):
    html = page_text(client.get("/plan?lang=fr"))
    assert "Pilier 1" in html and "Réalisation 1.1" in html and "Produit 1.1.1" in html
    assert "Créer une note d'orientation claire" in html


def test_plan_in_english_shows_english_labels_and_texts(seeded, client):
    html = page_text(client.get("/plan?lang=en"))
    assert "Pillar 1" in html and "Outcome 1.1" in html and "Output 1.1.1" in html
    assert "Partnership" in html
    assert "Base de partenariat" not in html


def test_filter_by_body_shows_only_that_bodys_activities(seeded, client):
    assert activity_codes(client.get("/plan?body=wg-training")) == ["3.1.1.2", "3.1.2.1"]


def test_filter_by_status_shows_the_completed_activities(seeded, client):
    assert activity_codes(client.get("/plan?status=completed")) == COMPLETED


def test_filter_by_pillar_shows_only_that_pillar(seeded, client):
    codes = activity_codes(client.get("/plan?pillar=3"))
    assert codes and all(code.startswith("3.") for code in codes)


def test_search_ignores_case_and_accents(seeded, client):
    with_accents = activity_codes(client.get("/plan?q=préparation"))
    assert with_accents and activity_codes(client.get("/plan?q=PREPARATION")) == with_accents
    assert "2.2.1.1" in with_accents


def test_search_finds_an_activity_by_its_code(seeded, client):
    assert activity_codes(client.get("/plan?q=4.2.3.1")) == ["4.2.3.1"]


def test_search_needs_every_word(seeded, client):
    assert activity_codes(client.get("/plan?q=RACI matrice")) == ["2.2.1.4"]


def test_filters_combine(seeded, client):
    assert activity_codes(client.get("/plan?body=glc&pillar=3")) == ["3.1.2.1"]


def test_filters_are_kept_in_the_form_so_the_url_can_be_shared(seeded, client):
    html = page_text(client.get("/plan?body=wg-training&q=formation"))
    assert '<option selected value="wg-training">' in html
    assert 'value="formation"' in html


@pytest.mark.parametrize("query", ["status=bogus", "body=no-such-body", "pillar=9", "pillar=abc"])
def test_an_invalid_filter_is_refused_with_a_message_and_ignored(seeded, client, query):
    response = client.get(f"/plan?{query}&lang=en")
    assert response.status_code == 400
    assert "this value is not valid and was ignored" in page_text(response)
    assert len(activity_codes(response)) == 50


def test_no_match_explains_itself(seeded, client):
    html = page_text(client.get("/plan?q=zzzzzz&lang=en"))
    assert "No activity matches these filters." in html


def test_plan_page_without_a_plan_says_how_to_load_one(client):
    response = client.get("/plan?lang=en")
    assert response.status_code == 200
    assert "sip setup" in page_text(response)


def test_plan_is_paginated_when_it_grows(seeded, client, app):
    app.config["PLAN_PAGE_SIZE"] = 20
    first, third = client.get("/plan?lang=en"), client.get("/plan?page=3&lang=en")
    assert len(activity_codes(first)) == 20 and len(activity_codes(third)) == 10
    assert "Page 1 of 3" in first.get_data(as_text=True)
    assert activity_codes(client.get("/plan?page=99")) == activity_codes(third)


def test_plan_page_queries_do_not_grow_with_the_plan(app, client, make_plan):
    app.config["PLAN_PAGE_SIZE"] = 10_000
    make_plan(pillars=1, outcomes=1, outputs=1, activities=2)
    with counting_queries(app) as small:
        assert len(activity_codes(client.get("/plan"))) == 2
    with app.app_context():
        db.drop_all()
        db.create_all()
    make_plan(pillars=3, outcomes=4, outputs=3, activities=5)
    with counting_queries(app) as large:
        assert len(activity_codes(client.get("/plan"))) == 180
    assert small() == large() <= 11  # 11 with the strategies, for the strategy bar


def test_activity_page_shows_text_place_bodies_roles_and_status(seeded, client):
    html = page_text(client.get("/plan/activities/1.3.1.1?lang=en"))
    assert "Organiser" in html and "Participant" in html
    assert "Outcome 1.3" in html and "Output 1.3.1" in html
    assert "Planned" in html


def test_activity_page_in_french(seeded, client):
    html = page_text(client.get("/plan/activities/2.2.1.4?lang=fr"))
    assert "matrice RACI" in html and "Terminée" in html


def test_wrapped_activity_is_shown_whole(seeded, client):
    html = page_text(client.get("/plan/activities/4.2.3.1?lang=fr"))
    assert "mettre en relation les partenaires avec des forums appropriés" in html


def test_unknown_activity_code_is_404(seeded, client):
    response = client.get("/plan/activities/9.9.9.9?lang=en")
    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_commitments_page_lists_the_twelve_commitments(seeded, client):
    html = page_text(client.get("/plan/commitments?lang=fr"))
    assert html.count("<li value=") == 12
    assert "Respecter les principes humanitaires" in html


def test_glossary_page_links_terms_to_their_bodies(seeded, client):
    html = page_text(client.get("/plan/glossary?lang=en"))
    assert 'href="/bodies/rome-support-team"' in html


def test_about_page_shows_the_plans_introduction(seeded, client):
    html = page_text(client.get("/plan/about?lang=fr"))
    assert "Gestion et rapports du SIP" in html


def test_home_page_links_into_the_plan(seeded, client):
    html = page_text(client.get("/?lang=en"))
    assert 'href="/plan"' in html and "Browse the plan" in html


def test_every_page_has_the_navigation_and_a_language_switcher(seeded, client):
    for url in ["/", "/plan", "/plan/activities/1.1.1.2", "/bodies", "/bodies/sag", "/plan/glossary", "/nowhere"]:
        html = page_text(client.get(url + "?lang=en"))
        assert 'href="/bodies"' in html and 'data-lang="fr"' in html, url


def test_activity_page_queries_do_not_grow_with_the_plan(app, client, make_plan):
    make_plan(pillars=1, outcomes=1, outputs=1, activities=2)
    with counting_queries(app) as small:
        assert client.get("/plan/activities/1.1.1.2").status_code == 200
    with app.app_context():
        db.drop_all()
        db.create_all()
    make_plan(pillars=3, outcomes=4, outputs=3, activities=5)
    with counting_queries(app) as large:
        assert client.get("/plan/activities/2.2.2.2").status_code == 200
    # The strategy, the activity, its bodies, its neighbours, its reports, its contribution notes, its versions, and
    # from the status table its quarters, the latest quarter and its current status (with SQLite's BEGIN); its
    # other lives in another strategy (carry-over); the strategies, for the strategy bar.
    assert small() == large() <= 13


def test_plan_listing_is_kept_rendered_and_follows_an_accepted_report(seeded, client):
    from datetime import date

    from sqlalchemy import select

    from sip.bodies.models import Body
    from sip.plan.models import Activity
    from sip.plan.queries import current_strategy
    from sip.reporting import services
    from sip.reporting.models import ActivityUpdate, GroupReport

    with counting_queries(seeded) as first:
        before = client.get("/plan?q=1.3.1.1&lang=en").get_data(as_text=True)
    with counting_queries(seeded) as second:
        again = client.get("/plan?q=1.3.1.1&lang=en").get_data(as_text=True)
    assert again == before and second() < first()
    assert "status-planned" in before
    with seeded.app_context():
        strategy = current_strategy()
        services.ensure_periods(strategy)
        period = services.find_period(strategy, "2026-Q3")
        services.open_period(period, date(2026, 10, 15), None, opens_on=date(2026, 7, 1))
        activity = db.session.scalar(select(Activity).where(Activity.code == "1.3.1.1"))
        body = db.session.scalar(select(Body).where(Body.slug == "wg-training"))
        report = GroupReport(body=body, period=period, state="submitted", version=1,
                             updates=[ActivityUpdate(activity=activity, status="completed")])
        db.session.add(report)
        db.session.commit()
        services.accept_report(report, None)
        db.session.commit()
    after = client.get("/plan?q=1.3.1.1&lang=en").get_data(as_text=True)
    assert "status-completed" in after and "status-planned" not in after


def test_a_repeat_visit_to_the_plan_page_reads_only_the_data_fingerprint(seeded, client):
    first = client.get("/plan?pillar=2&lang=en").get_data(as_text=True)
    with counting_queries(seeded) as again:
        assert client.get("/plan?pillar=2&lang=en").get_data(as_text=True) == first
    assert again() <= 3  # the fingerprint, the strategy bar's strategies, and on SQLite the BEGIN the app issues itself


def test_the_kept_plan_page_offers_a_proposal_only_to_those_who_may_propose(seeded, client, make_user):
    from tests.conftest import log_in

    assert "Propose a new activity" not in page_text(client.get("/plan?lang=en"))
    lead = seeded.test_client()
    log_in(lead, make_user(bodies=[("wg-training", "lead")]))
    assert "Propose a new activity" in page_text(lead.get("/plan?lang=en"))
    assert "Propose a new activity" not in page_text(client.get("/plan?lang=en"))


def test_an_invalid_filter_is_refused_on_every_visit_not_only_the_first(seeded, client):
    for _ in range(2):
        response = client.get("/plan?status=bogus&lang=en")
        assert response.status_code == 400
        assert "this value is not valid and was ignored." in page_text(response)


PLAN_AND_BODY_PAGES = ["/plan", "/plan/activities/1.1.1.2", "/plan/commitments", "/plan/glossary", "/plan/about",
                       "/plan?as_of=2023-11", "/bodies", "/bodies/glc", "/bodies/no-such-body"]


def test_with_the_plan_not_public_every_plan_and_body_page_asks_to_sign_in_first(seeded, client):
    seeded.config["SIP_PUBLIC_PLAN"] = False
    for url in PLAN_AND_BODY_PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert client.get("/").status_code == 200  # the home page still says what this is


def test_with_the_plan_not_public_a_signed_in_reader_sees_it(seeded, client, make_user):
    from tests.conftest import log_in

    seeded.config["SIP_PUBLIC_PLAN"] = False
    log_in(client, make_user())
    for url in PLAN_AND_BODY_PAGES[:-1]:
        assert client.get(url).status_code == 200, url
    assert client.get("/bodies/no-such-body").status_code == 404
