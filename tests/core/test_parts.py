"""The cache of rendered page parts: least recently used first out, keyed by a fingerprint of the data."""
from datetime import date

from sqlalchemy import select

from sip.bodies.models import Body

from sip.core.parts import PartCache, cached_part, data_version
from sip.extensions import db
from sip.plan.models import Activity, Outcome, Output, Pillar, Strategy
from sip.reporting.models import GroupReport
from sip.reporting.services import ensure_periods, find_period
from tests.conftest import counting_queries


def test_part_cache_drops_the_least_recently_used_part_beyond_its_size():
    cache = PartCache(size=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert (cache.hits, cache.misses) == (3, 1)


def small_plan() -> Strategy:
    """A strategy with one body and two activities."""
    strategy = Strategy(code="parts", title={"fr": "Plan", "en": "Plan"}, starts_on=date(2026, 1, 1),
                        ends_on=date(2026, 12, 31))
    db.session.add(Body(slug="wg-parts", kind="working_group", name={"fr": "GT", "en": "WG"}, aliases=[]))
    output = Output(code="1.1.1", text={"fr": "P", "en": "O"}, position=3, outcome=Outcome(
        code="1.1", text={"fr": "R", "en": "O"}, position=2,
        pillar=Pillar(strategy=strategy, number=1, title={"fr": "P", "en": "P"}, goal={"fr": "B", "en": "G"})))
    db.session.add(output)
    db.session.flush()
    for n in (1, 2):
        db.session.add(Activity(strategy_id=strategy.id, output=output, code=f"1.1.1.{n}", position=3 + n,
                                text={"fr": "A", "en": "A"}))
    db.session.commit()
    return strategy


def test_domains_name_what_the_fingerprint_watches_and_core_imports_none_of_them(app):
    from sip.config import ROOT

    with app.app_context():
        from sip.core.parts import _fingerprint_query

        assert len(_fingerprint_query().selected_columns) >= 10  # reports, periods, statuses, plan, bodies, versions
    for module in ("parts.py", "templating.py", "views.py"):  # each domain registers itself from its init_app
        source = (ROOT / "sip" / "core" / module).read_text(encoding="utf-8")
        for domain in ("accounts", "bodies", "plan", "reporting", "governance", "exports", "dashboards"):
            assert f"sip.{domain}" not in source, (module, domain)


def test_data_version_is_one_query_and_changes_when_a_report_or_the_plan_changes(app_ctx, app):
    strategy = small_plan()
    ensure_periods(strategy)
    db.session.commit()
    data_version()  # the transaction begins
    with counting_queries(app) as count:
        first = data_version()
    assert count() == 1
    assert data_version() == first
    db.session.scalar(select(Activity)).retired_on = date(2026, 1, 1)
    db.session.commit()
    retired = data_version()
    assert retired != first
    report = GroupReport(body=db.session.scalar(select(Body)), period=find_period(strategy, "2026-Q1"), state="draft")
    db.session.add(report)
    db.session.commit()
    drafted = data_version()
    assert drafted != retired
    report.version += 1  # every save, submission, return and acceptance does this
    db.session.commit()
    assert data_version() != drafted


def test_cached_part_builds_once_per_key_and_data_version(app_ctx):
    small_plan()
    built = []

    def build():
        built.append(1)
        return f"part {len(built)}"

    assert cached_part("test", ("en",), build) == "part 1"
    assert cached_part("test", ("en",), build) == "part 1"
    assert cached_part("test", ("fr",), build) == "part 2"
    db.session.scalar(select(Activity)).retired_on = date(2026, 1, 1)
    db.session.commit()
    assert cached_part("test", ("en",), build) == "part 3"
