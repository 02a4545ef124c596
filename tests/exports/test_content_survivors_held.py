"""What the report pack holds that no test used to hold (issue 23): which GLM a pack is for and which one it compares
with, the window of quarters its tables show, the amendments since the last GLM, the last GLM's open action points,
the reporting, the risks with their bodies' names, each pillar's counts, and activities no body is responsible for.

Each test builds the pack (`build_pack`) and reads what the PDF, slides and workbook print from it, without
drawing a file."""
from datetime import date, datetime, timezone

from flask_babel import force_locale
from sqlalchemy import select

from sip.bodies.models import Body
from sip.exports import services as export_services
from sip.exports.content import build_pack
from sip.extensions import db
from sip.governance.models import Amendment
from sip.plan.models import Activity, Responsibility
from sip.plan.queries import current_strategy
from sip.reporting import services
from tests.exports.test_action_points_section import OPEN_ENGLISH_ONLY, OVERDUE, meetings  # noqa: F401
from tests.exports.test_content import TODAY, activities_of, pack_of


def glm_pack_of(app, code: str, lang: str = "en"):
    """The pack of a GLM as the export page builds it: the GLM's quarter chosen, the data of the quarter feeding it."""
    with app.test_request_context("/"), force_locale(lang):
        strategy = current_strategy()
        choice = export_services.choose(strategy, code, lang, lang, today=TODAY)
        return build_pack(strategy, choice.period, lang, today=TODAY, periods=choice.periods, glm=choice.glm)


def set_glm(app, code: str, name: str) -> None:
    """Mark a quarter of the hand-made plan as a GLM's."""
    with app.app_context():
        services.set_glm(services.find_period(current_strategy(), code), True, name, None)


def amend(app, code: str, state: str, text: dict, *, glm_on: date | None = None) -> None:
    """An amendment of an activity's text, endorsed by the SAG (waiting for the GLM) or applied at a GLM."""
    with app.app_context():
        strategy = current_strategy()
        activity = db.session.scalar(select(Activity).where(Activity.code == code))
        db.session.add(Amendment(strategy_id=strategy.id, kind="edit_text", state=state, activity_id=activity.id,
                                 proposed_text=text, rationale="Clearer wording.", glm_on=glm_on,
                                 sag_at=datetime(2026, 9, 1, 12, tzinfo=timezone.utc)))
        db.session.commit()


def changes(pack) -> dict[str, list[tuple[str, str, str]]]:
    """{kind: [(code, before, after)]} of the changes since the last GLM, every kind listed."""
    return {kind: [(c["code"], c["before"], c["after"]) for c in pack.changes_of(kind)]
            for kind, _, _ in pack.change_counts()}


# --- the GLM a pack is for, the GLM it compares with -------------------------------------------------------------


def test_a_quarter_s_pack_compares_with_the_last_glm_and_says_when_it_was_made(quarters):
    pack = pack_of(quarters, "2026-Q3")
    assert (pack.previous.code, pack.previous_is_glm) == ("2026-Q2", True)
    assert pack.glm is None and pack.title == "Progress report, Q3\u00a02026"
    assert pack.generated_on == TODAY  # the day asked for, not the machine's
    assert pack.strategy_title == "Test plan"
    assert changes(pack) == {"completed": [], "new_risk": [("1.1.1.1", "on_track", "delayed")],
                             "status_change": [("2.1.1.2", "planned", "on_track")]}


def test_the_pack_of_a_glm_s_quarter_is_that_glm_s(quarters):
    pack = pack_of(quarters, "2026-Q2")  # no GLM named: the quarter's own
    assert pack.glm.code == "2026-Q2"
    assert pack.title == "Progress report for the GLM June 2026"


def test_a_glm_fed_by_the_previous_glm_s_quarter_compares_with_the_quarter_before_it(plan, open_period, make_report):
    """Nothing accepted for GLM November 2026 yet: its pack shows 2026-Q2, the quarter GLM June 2026 looked at, so
    it cannot compare 2026-Q2 with itself; it compares with 2026-Q1, the quarter before, which was no GLM's."""
    open_period("2026-Q1", date(2026, 4, 15), close=True)
    open_period("2026-Q2", date(2026, 7, 15), close=True, glm="GLM June 2026")
    open_period("2026-Q3", date(2026, 10, 15), glm="GLM November 2026")
    make_report("wg-test-plan", "2026-Q1", "accepted", {"1.1.1.1": {"status": "on_track"}},
                submitted_on=date(2026, 4, 10))
    make_report("wg-test-plan", "2026-Q2", "accepted", {"1.1.1.1": {"status": "delayed"},
                                                        "2.1.1.1": {"status": "completed"}},
                submitted_on=date(2026, 7, 10))
    amend(plan, "1.1.1.2", "applied", {"en": "Applied in 2025", "fr": "Appliqué en 2025"}, glm_on=date(2025, 11, 20))
    pack = glm_pack_of(plan, "2026-Q3")
    assert (pack.code, pack.glm.code) == ("2026-Q2", "2026-Q3")
    assert pack.title == "Progress report for the GLM November 2026"
    assert (pack.previous.code, pack.previous_is_glm) == ("2026-Q1", False)
    assert changes(pack) == {"completed": [("2.1.1.1", "planned", "completed")],
                             "new_risk": [("1.1.1.1", "on_track", "delayed")], "status_change": []}
    # no GLM before it: every amendment applied so far is listed, however old
    assert [a.text for a in pack.applied_amendments] == ["Applied in 2025"]


def test_the_plan_s_first_quarter_has_no_earlier_quarter_to_compare_with(plan):
    pack = pack_of(plan, "2022-Q1")
    assert (pack.previous, pack.previous_is_glm) == (None, False)
    assert pack.window == ["2022-Q1"]
    assert changes(pack) == {"completed": [], "new_risk": [], "status_change": []}


# --- the window of quarters -----------------------------------------------------------------------------------


def test_the_tables_show_the_four_quarters_before_the_pack_s(quarters):
    pack = pack_of(quarters, "2026-Q3")
    assert pack.window == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    assert pack.window_label == "Q3\u00a02025 – Q3\u00a02026"  # a quarter is never split
    assert [period for period, _ in pack.trend_rows()] == pack.window
    assert dict(pack.trend_rows())["2026-Q3"] == [0, 1, 1, 1, 1, 0]  # planned, on track, at risk, delayed, …


def test_the_tables_reach_back_to_the_previous_glm_when_it_met_more_than_a_year_before(quarters):
    set_glm(quarters, "2025-Q1", "GLM March 2025")
    pack = pack_of(quarters, "2026-Q2")  # GLM June 2026: five quarters after GLM March 2025
    assert (pack.previous.code, pack.previous_is_glm) == ("2025-Q1", True)
    assert pack.window == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]


# --- amendments -------------------------------------------------------------------------------------------------


def test_amendments_applied_at_the_last_glm_are_not_listed_again_and_are_in_the_pack_s_language(quarters):
    """GLM June 2026 saw the June amendment; the November pack lists the one applied since and the one waiting."""
    amend(quarters, "1.1.1.1", "applied", {"en": "Applied in June", "fr": "Appliqué en juin"},
          glm_on=date(2026, 6, 20))
    amend(quarters, "1.1.1.2", "applied", {"en": "Applied in October", "fr": "Appliqué en octobre"},
          glm_on=date(2026, 10, 5))
    amend(quarters, "2.1.1.1", "endorsed", {"en": "Waiting for the GLM", "fr": "En attente de la GLM"})
    pack = pack_of(quarters, "2026-Q3")
    assert [(a.code, a.text) for a in pack.applied_amendments] == [("1.1.1.2", "Applied in October")]
    assert [(a.code, a.text) for a in pack.pending_amendments] == [("2.1.1.1", "Waiting for the GLM")]
    french = pack_of(quarters, "2026-Q3", "fr")
    assert [a.text for a in french.pending_amendments + french.applied_amendments] == [
        "En attente de la GLM", "Appliqué en octobre"]


# --- the last GLM's action points -------------------------------------------------------------------------------


def test_the_pack_lists_the_last_glm_s_open_action_points_overdue_ones_marked(meetings):
    pack = pack_of(meetings, "2026-Q3")
    assert pack.last_glm.name == "GLM June 2026"
    assert [(item.text.text, item.overdue) for item in pack.last_glm.items] == [
        (OVERDUE["en"], True), (OPEN_ENGLISH_ONLY["en"], False)]  # due 20 July 2026 and 15 January 2027


# --- reporting, risks and body names ----------------------------------------------------------------------------


def test_the_quarter_s_reporting_counts_each_reporting_body(quarters):
    pack = pack_of(quarters, "2026-Q3")
    assert pack.groups() == 2  # Test WG and Second WG
    assert [(state, count) for state, _, count in pack.delivery()] == [("on_time", 2)]


def test_risks_name_their_bodies_by_short_name_in_the_pack_s_language(quarters):
    with quarters.app_context():
        test_wg = db.session.scalar(select(Body).where(Body.slug == "wg-test-plan"))
        test_wg.short_name = {"en": "TWG", "fr": "GTE"}
        db.session.commit()
    pack = pack_of(quarters, "2026-Q3")
    assert [(risk["code"], risk["status"], risk["bodies"]) for risk in pack.risks()] == [
        ("1.1.1.1", "delayed", "TWG"), ("1.1.1.2", "at_risk", "TWG")]
    assert [risk["bodies"] for risk in pack_of(quarters, "2026-Q3", "fr").risks()] == ["GTE", "GTE"]


def test_bodies_are_named_by_short_name_else_name_else_address(quarters):
    with quarters.app_context():
        second = db.session.scalar(select(Body).where(Body.slug == "wg-second"))
        second.short_name = {"en": "SWG", "fr": "DGT"}
        db.session.add(Body(slug="wg-nameless", kind="working_group", name={}, aliases=[]))
        db.session.commit()
    names = {lang: pack_of(quarters, "2026-Q3", lang).body_names for lang in ("en", "fr")}
    assert {slug: names["en"][slug] for slug in ("wg-test-plan", "wg-second", "wg-nameless")} == {
        "wg-test-plan": "Test WG", "wg-second": "SWG", "wg-nameless": "wg-nameless"}
    assert {slug: names["fr"][slug] for slug in ("wg-test-plan", "wg-second", "wg-nameless")} == {
        "wg-test-plan": "GT essai", "wg-second": "DGT", "wg-nameless": "wg-nameless"}


# --- pillars and activities -------------------------------------------------------------------------------------


def test_each_pillar_counts_its_own_activities_by_status(quarters):
    pack = pack_of(quarters, "2026-Q3")
    assert [(pillar.number, dict(pillar.counts), pillar.total) for pillar in pack.pillars] == [
        (1, {"planned": 0, "on_track": 0, "at_risk": 1, "delayed": 1, "completed": 0, "discontinued": 0}, 2),
        (2, {"planned": 0, "on_track": 1, "at_risk": 0, "delayed": 0, "completed": 1, "discontinued": 0}, 2)]
    by_pillar = {(int(p), s): int(c) for p, s, c in pack.counts[["pillar", "status", "count"]].itertuples(index=False)}
    assert (by_pillar[(1, "delayed")], by_pillar[(2, "delayed")], by_pillar[(2, "completed")]) == (1, 0, 1)


def test_an_activity_no_body_is_responsible_for_shows_no_body(quarters):
    with quarters.app_context():
        activity = db.session.scalar(select(Activity).where(Activity.code == "2.1.1.1"))
        for responsibility in list(activity.responsibilities):
            db.session.delete(responsibility)
        db.session.commit()
    activity = activities_of(pack_of(quarters, "2026-Q3"))["2.1.1.1"]
    assert (activity.bodies, activity.bodies_text) == ([], "")


def test_a_contribution_note_shows_under_its_activity(quarters, make_report):
    with quarters.app_context():
        db.session.add(Body(slug="wg-partner", kind="working_group", name={"fr": "GT partenaire", "en": "Partner WG"},
                            aliases=[]))
        db.session.commit()
    make_report("wg-partner", "2026-Q3", "accepted", {"2.1.1.2": {"contribution": True, "achievements": "A NOTE"}},
                submitted_on=date(2026, 10, 3))
    activity = activities_of(pack_of(quarters, "2026-Q3"))["2.1.1.2"]
    assert [(note.body, note.achievements) for note in activity.contributions] == [("wg-partner", "A NOTE")]
    assert activity.update.achievements == "Second step."  # the note sets no status: the accountable body's does


def test_bodies_sharing_a_place_are_listed_in_the_order_they_were_made_responsible(quarters):
    """Two bodies at the same position keep the order they were added in, even after the first one's row changed
    (PostgreSQL then stores it after the second)."""
    with quarters.app_context():
        db.session.add_all([Body(slug=slug, kind="working_group", name={"fr": name, "en": name}, aliases=[])
                            for slug, name in (("wg-first", "First WG"), ("wg-later", "Later WG"))])
        db.session.flush()
        bodies = {b.slug: b for b in db.session.scalars(select(Body))}
        activity = db.session.scalar(select(Activity).where(Activity.code == "1.1.1.2"))
        first = Responsibility(activity_id=activity.id, body_id=bodies["wg-first"].id, role="contributor", position=3)
        db.session.add(first)
        db.session.flush()
        db.session.add(Responsibility(activity_id=activity.id, body_id=bodies["wg-later"].id, role="contributor",
                                      position=3))
        db.session.flush()
        first.role = "participant"
        db.session.commit()
    assert [name for name, _ in activities_of(pack_of(quarters, "2026-Q3"))["1.1.1.2"].bodies] == [
        "Test WG", "First WG", "Later WG"]
