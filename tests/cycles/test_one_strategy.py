"""With one strategy and a draft there is no strategy bar; once the next strategy opens, plain addresses show it,
though the page was cached. These change the database: the ordinary per-test fixtures, not the module's world."""
import re
from datetime import date

from sqlalchemy import select

from sip.extensions import db
from sip.plan.models import Strategy
from tests.conftest import log_in
from tests.cycles.two_strategies import close_and_open, next_plan
from tests.helpers import page_text


def bar(html: str) -> str:
    """The strategy bar of a page ("" when there is none)."""
    found = re.search(r'<nav class="strategy-bar.*?</nav>', html, re.S)
    return found.group(0) if found else ""


def test_with_one_strategy_and_a_draft_there_is_no_bar(seeded, client, make_user):
    with seeded.app_context():
        db.session.add(Strategy(code="next", title={"fr": "Suivant", "en": "Next"}, starts_on=date(2027, 1, 1),
                                ends_on=date(2031, 12, 31)))
        db.session.commit()
    assert bar(page_text(client.get("/plan"))) == ""
    log_in(client, make_user(bodies=[("rome-support-team", "member")]))
    assert bar(page_text(client.get("/plan"))) == ""  # the secretariat's draft is no second strategy
    assert "2027–2031" in bar(page_text(client.get("/s/2027-2031/plan?lang=en")))


def test_once_the_next_strategy_opens_the_plain_address_shows_it_though_the_page_was_cached(seeded, client):
    from seed import load_json
    from sip.plan.services import load_seed
    from tests.cycles.two_strategies import NEXT_CODE

    assert "Next:" not in page_text(client.get("/plan?lang=en"))  # cached: the 2022–2026 plan
    with seeded.app_context():
        load_seed(next_plan(), load_json("bodies.json"), load_json("commitments.json"), load_json("glossary.json"))
        db.session.commit()
        old = db.session.scalar(select(Strategy).where(Strategy.state == "current"))
        assert "Next:" not in page_text(client.get("/plan?lang=en"))  # the new plan is a draft yet
        close_and_open(old.id, db.session.scalar(select(Strategy.id).where(Strategy.code == NEXT_CODE)))
    assert "Next:" in page_text(client.get("/plan?lang=en"))
