"""Addresses of strategies: /s/<slug>/… shows any page in that strategy, plain addresses the current one; the strategy
bar once there are two; the dashboards, the API and cached parts each in the strategy of their address. (With one
strategy, and the opening of the next one: test_one_strategy.py, on the ordinary per-test databases.)

The two-strategy world (tests/cycles/two_strategies.py) is built once for the module (the tests only read it), with a
draft 2032–2036 strategy beside the closed 2022–2026 record and the current 2027–2031 plan.
"""
import re
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from sip.extensions import db
from sip.plan.models import Activity, Strategy
from sip.reporting import statuses
from tests.cycles.two_strategies import CLOSED_SLUG, NEXT_SLUG, SECRETARIAT, VIEWER, make_world, sign_in
from tests.conftest import DEFAULT_PASSWORD
from tests.helpers import page_text

DRAFT_SLUG = "2032-2036"
CLOSED = f"/s/{CLOSED_SLUG}"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The two strategies and a draft third (an empty plan being prepared)."""
    built = make_world(tmp_path_factory, "addresses")
    with built["app"].app_context():
        draft = Strategy(code="glc-sip-2032-2036", title={"fr": "Plan suivant", "en": "Following plan"},
                         starts_on=date(2032, 1, 1), ends_on=date(2036, 12, 31))
        db.session.add(draft)
        db.session.commit()
        assert (draft.slug, draft.state) == (DRAFT_SLUG, "draft")
        db.session.remove()
    yield built
    with built["app"].app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def anonymous(world):
    """A client nobody signed in to."""
    return world["app"].test_client()


@pytest.fixture(scope="module")
def secretariat(world):
    """A client signed in as the secretariat."""
    client = world["app"].test_client()
    assert sign_in(client, SECRETARIAT).status_code == 302
    return client


@pytest.fixture(scope="module")
def viewer(world):
    """A client signed in as a reader who is not the secretariat."""
    client = world["app"].test_client()
    assert sign_in(client, VIEWER).status_code == 302
    return client


def bar(html: str) -> str:
    """The strategy bar of a page ("" when there is none)."""
    found = re.search(r'<nav class="strategy-bar.*?</nav>', html, re.S)
    return found.group(0) if found else ""


# --- the plan in each strategy ------------------------------------------------------------------------------------


def test_the_closed_strategy_s_address_shows_its_plan_and_every_link_keeps_the_address(world, anonymous):
    with world["app"].app_context():
        first = db.session.scalar(select(Activity.text).where(Activity.strategy_id == world["closed"])
                                  .order_by(Activity.position).limit(1))["en"]
        db.session.remove()
    html = page_text(anonymous.get(f"{CLOSED}/plan?lang=en"))
    assert "Next:" not in html
    assert first in html
    links = [link for link in re.findall(r'href="(/[^"]*)"', html) if not link.startswith("/s/")]
    # Only the bar's link to the current strategy leaves the closed one.
    assert links == ["/plan?lang=en"], links
    assert f'href="{CLOSED}/plan/activities/1.1.1.1"' in html


def test_the_plain_address_shows_the_current_plan(anonymous):
    html = page_text(anonymous.get("/plan?lang=en"))
    assert html.count("Next: ") >= 20
    assert f'href="{CLOSED}/plan?lang=en"' in html  # the bar's way back to the record


def test_the_current_strategy_s_own_address_shows_it_too(anonymous):
    assert "Next: " in page_text(anonymous.get(f"/s/{NEXT_SLUG}/plan?lang=en"))


@pytest.mark.parametrize("path", ["/plan", "/plan/activities/1.1.1.1", "/bodies", "/reports", "/account",
                                  "/api/v1/pillars", "/static/css/sip.css"])
def test_an_unknown_strategy_is_not_found_whatever_the_page(secretariat, path):
    assert secretariat.get(f"/s/1999-2003{path}").status_code == 404


def test_the_not_found_page_of_an_unknown_strategy_is_the_app_s_own(anonymous):
    response = anonymous.get("/s/1999-2003/plan?lang=en")
    assert response.status_code == 404
    assert "<main" in response.get_data(as_text=True)  # the error page rendered, not a bare fallback


def test_a_draft_is_not_found_for_readers_other_than_the_secretariat(anonymous, viewer):
    assert anonymous.get(f"/s/{DRAFT_SLUG}/plan").status_code == 404
    assert viewer.get(f"/s/{DRAFT_SLUG}/plan").status_code == 404
    assert viewer.get(f"/s/{DRAFT_SLUG}/api/v1/pillars").status_code == 404


def test_the_secretariat_sees_a_draft_and_is_told_it_is_one(secretariat):
    response = secretariat.get(f"/s/{DRAFT_SLUG}/plan?lang=en")
    assert response.status_code == 200
    strip = bar(page_text(response))
    assert "You are reading the draft 2032–2036 strategy" in strip
    assert re.search(r'<strong aria-current="true">2032–2036</strong>', strip)


# --- the strategy bar ---------------------------------------------------------------------------------------------


def test_the_bar_lists_the_strategies_but_drafts_and_marks_the_one_shown(viewer):
    strip = bar(page_text(viewer.get(f"{CLOSED}/bodies?lang=en")))
    assert re.findall(r"(\d{4}–\d{4})</(?:a|strong)>", strip) == ["2022–2026", "2027–2031"]
    assert re.search(r'<strong aria-current="true">2022–2026</strong>', strip)
    assert "2032" not in strip
    strip = bar(page_text(viewer.get("/bodies?lang=en")))
    assert re.search(r'<strong aria-current="true">2027–2031</strong>', strip)


def test_a_closed_strategy_s_pages_say_they_are_read_only(anonymous):
    assert "You are reading the closed 2022–2026 strategy: its record is kept as it was, read-only." in bar(
        page_text(anonymous.get(f"{CLOSED}/plan/glossary?lang=en")))
    assert "read-only" not in bar(page_text(anonymous.get("/plan/glossary?lang=en")))


def test_the_bar_leads_to_the_same_page_in_the_other_strategy(viewer):
    closed_page = page_text(viewer.get(f"{CLOSED}/bodies/wg-training?lang=en"))
    to_current = re.search(r'<a href="([^"]+)">2027–2031</a>', bar(closed_page)).group(1)
    assert to_current == "/bodies/wg-training?lang=en"
    current_page = page_text(viewer.get(to_current))
    to_closed = re.search(r'<a href="([^"]+)">2022–2026</a>', bar(current_page)).group(1)
    assert to_closed == f"{CLOSED}/bodies/wg-training?lang=en"
    # Each shows the body's activities of its own strategy only.
    assert "Next:" in current_page and "Next:" not in closed_page
    assert "2026-Q3" in closed_page and "2026-Q3" not in current_page  # its reports


# --- cached parts, the dashboards and the API ---------------------------------------------------------------------


def test_cached_parts_of_the_two_strategies_do_not_mix(world, anonymous):
    world["app"].extensions.pop("sip_rendered_parts", None)
    for _ in range(2):  # the second round is served from the cache
        assert "Next:" in page_text(anonymous.get("/plan?lang=en&pillar=1"))
        assert "Next:" not in page_text(anonymous.get(f"{CLOSED}/plan?lang=en&pillar=1"))


def _closed_counts(world) -> dict[str, int]:
    """How many activities of the closed strategy have each current status, from the status table."""
    with world["app"].app_context():
        ids = list(db.session.scalars(select(Activity.id).where(Activity.strategy_id == world["closed"])))
        counts: dict[str, int] = {}
        for current in statuses.current_statuses(world["closed"], ids).values():
            counts[current.status] = counts.get(current.status, 0) + 1
        db.session.remove()
    return counts


def test_the_dashboards_under_the_closed_address_count_the_closed_strategy(world, secretariat):
    counts = _closed_counts(world)
    assert set(counts) != {"planned"}  # its reports set statuses; the new plan's are all planned
    closed_csv = secretariat.get(f"{CLOSED}/dashboards/sag/status-by-pillar.csv?lang=en").get_data(as_text=True)
    current_csv = secretariat.get("/dashboards/sag/status-by-pillar.csv?lang=en").get_data(as_text=True)
    assert closed_csv != current_csv
    header, *rows = [line.split(",") for line in closed_csv.strip().splitlines()]
    totals = {name: sum(int(row[i]) for row in rows if row[i].isdigit()) for i, name in enumerate(header)}
    assert totals.get("On track") == counts.get("on_track", 0)
    assert totals.get("Completed") == counts.get("completed", 0)
    html = page_text(secretariat.get(f"{CLOSED}/dashboards/sag?lang=en"))
    assert "2026-Q4" in html and "2027-Q" not in html


def test_the_api_under_the_closed_address_reads_the_closed_strategy(world, anonymous):
    closed = anonymous.get(f"{CLOSED}/api/v1/activities?per_page=100").get_json()["items"]
    current = anonymous.get("/api/v1/activities?per_page=100").get_json()["items"]
    assert len(closed) == len(current) == 50
    assert not any(a["text"]["en"].startswith("Next:") for a in closed)
    assert all(a["text"]["en"].startswith("Next:") for a in current)
    counts = _closed_counts(world)
    assert {s: sum(a["status"] == s for a in closed) for s in counts} == counts
    periods = [p["code"] for p in anonymous.get(f"{CLOSED}/api/v1/periods").get_json()["items"]]
    assert "2026-Q4" in periods and not any(code.startswith("2027") for code in periods)
    assert anonymous.get(f"{CLOSED}/api/v1/reports").status_code == 401  # the pages' rules, in any strategy


def test_the_api_lists_the_strategies_with_their_state_and_lasting_addresses(secretariat, anonymous):
    items = anonymous.get("/api/v1/strategies").get_json()["items"]
    assert [(s["slug"], s["state"], s["current"]) for s in items] == [
        (CLOSED_SLUG, "closed", False), (NEXT_SLUG, "current", True)]
    assert items[0]["links"] == {"pillars": f"{CLOSED}/api/v1/pillars", "activities": f"{CLOSED}/api/v1/activities",
                                 "periods": f"{CLOSED}/api/v1/periods", "plan": f"{CLOSED}/plan"}
    for link in items[0]["links"].values():
        assert anonymous.get(link).status_code == 200
    seen = [s["slug"] for s in secretariat.get(f"{CLOSED}/api/v1/strategies").get_json()["items"]]
    assert seen == [CLOSED_SLUG, NEXT_SLUG, DRAFT_SLUG]  # the secretariat's drafts too, from any address


def test_signing_in_from_a_closed_strategy_s_page_lands_back_on_that_page(world):
    client = world["app"].test_client()
    asked = client.get(f"{CLOSED}/dashboards/sag")
    assert asked.status_code == 302
    login = urlsplit(asked.headers["Location"])
    assert login.path == f"{CLOSED}/login"
    assert parse_qs(login.query)["next"] == [f"{CLOSED}/dashboards/sag"]
    form = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert re.search(rf'name="next"[^>]*value="{CLOSED}/dashboards/sag"', form)
    signed_in = client.post(login.path, data={"email": VIEWER, "password": DEFAULT_PASSWORD,
                                              "next": f"{CLOSED}/dashboards/sag"})
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == f"{CLOSED}/dashboards/sag"


def test_an_amendment_is_read_in_the_strategy_it_belongs_to_whatever_the_address(world, secretariat):
    from sip.governance.models import Amendment

    with world["app"].app_context():
        closed = db.session.scalar(select(Amendment.id).where(Amendment.strategy_id == world["closed"]).limit(1))
    assert closed is not None, "the closed record holds no amendment to read"
    plain = secretariat.get(f"/amendments/{closed}?lang=en")
    assert plain.status_code == 302 and plain.headers["Location"] == f"{CLOSED}/amendments/{closed}?lang=en"
    page = secretariat.get(plain.headers["Location"])
    assert page.status_code == 200 and "read-only" in bar(page_text(page))
    assert f'href="{CLOSED}/plan' in page.get_data(as_text=True)  # its links stay in the closed record
