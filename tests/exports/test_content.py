"""The report pack's content, read once for every format: plan order, latest accepted updates, history, privacy."""
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from sip.dashboards.selection import Periods
from sip.exports import services as export_services
from sip.exports.content import build_pack, default_period, redact, update_history
from sip.extensions import db
from sip.bodies.models import Body
from sip.plan.models import Activity, Pillar, Responsibility, Strategy
from sip.plan.queries import current_strategy
from sip.reporting import services
from sip.reporting import statuses
from sip.reporting.models import ReportingPeriod
from tests.conftest import counting_queries
from tests.exports.conftest import HIDDEN, period_of

TODAY = date(2026, 11, 22)


def pack_of(app, code: str, lang: str = "en"):
    """The pack of a quarter, read in a request context in the language."""
    with app.test_request_context("/"), force_locale(lang):
        strategy = current_strategy()
        return build_pack(strategy, period_of(code), lang, today=TODAY)


def activities_of(pack) -> dict:
    """{code: ActivityItem} of every activity of the pack."""
    return {a.code: a for pillar in pack.pillars for a in pillar.activities}


def test_pack_holds_every_pillar_outcome_output_and_activity_in_plan_order(quarters):
    pack = pack_of(quarters, "2026-Q3")
    assert [p.number for p in pack.pillars] == [1, 2]
    assert [(o.code, [u.code for u in o.outputs]) for o in pack.pillars[0].outcomes] == [("1.1", ["1.1.1"])]
    assert [a.code for p in pack.pillars for a in p.activities] == ["1.1.1.1", "1.1.1.2", "2.1.1.1", "2.1.1.2"]
    assert activities_of(pack)["2.1.1.2"].bodies == [("Test WG", "Lead"), ("Second WG", "Contributor")]


def test_statuses_and_counts_come_from_accepted_reports_only(quarters):
    pack = pack_of(quarters, "2026-Q3")
    assert {code: a.status for code, a in activities_of(pack).items()} == {
        "1.1.1.1": "delayed", "1.1.1.2": "at_risk", "2.1.1.1": "completed", "2.1.1.2": "on_track"}
    assert dict(pack.figures) == {"planned": 0, "on_track": 1, "at_risk": 1, "delayed": 1, "completed": 1,
                                  "discontinued": 0}


def test_each_activity_carries_its_latest_accepted_update_up_to_the_quarter(quarters):
    q3, q2 = activities_of(pack_of(quarters, "2026-Q3")), activities_of(pack_of(quarters, "2026-Q2"))
    assert (q3["1.1.1.1"].update.period, q3["1.1.1.1"].update.achievements) == ("2026-Q3", "Q3 ACHIEVEMENT")
    assert (q2["1.1.1.1"].update.period, q2["1.1.1.1"].update.achievements) == ("2026-Q2", "Q2 ACHIEVEMENT")
    assert q3["1.1.1.2"].update.period == "2026-Q2"  # nothing newer accepted: the older one stays
    assert q3["2.1.1.2"].update.achievements == "Second step."  # not the submitted "SUBMITTED-ONLY TEXT"
    assert q2["2.1.1.2"].update is None  # the returned report of 2026-Q2 never counts


def test_main_achievements_are_the_quarter_s_completed_ones_first(quarters):
    pack = pack_of(quarters, "2026-Q2")
    assert pack.achievements(pack.pillars[0]) == [("1.1.1.1", "Q2 ACHIEVEMENT")]
    assert pack.achievements(pack.pillars[1]) == [("2.1.1.1", "Done in Q2.")]
    q3 = pack_of(quarters, "2026-Q3")
    assert q3.achievements(q3.pillars[1]) == [("2.1.1.2", "Second step.")]  # 2.1.1.1's Q2 text is not Q3's news


def test_update_history_has_every_accepted_update_one_per_activity_quarter_and_group(quarters, make_report):
    # Two groups report on 1.1.1.1 in 2026-Q1: both updates are rows; the report accepted last sets the status.
    make_report("wg-second", "2026-Q1", "accepted", {"1.1.1.1": {"status": "planned", "next_steps": "Start."}},
                submitted_on=date(2026, 4, 2), reviewed_on=date(2026, 4, 20))
    make_report("wg-test-plan", "2026-Q1", "accepted", {"1.1.1.1": {"status": "on_track", "achievements": "LATER"}},
                submitted_on=date(2026, 4, 1), reviewed_on=date(2026, 4, 25))
    pack = pack_of(quarters, "2026-Q3")
    with quarters.test_request_context("/"):
        rows = [(update.period, activity.code, update.body, update.status) for activity, update in update_history(pack)]
    assert rows == [
        ("2026-Q1", "1.1.1.1", "wg-second", "planned"),
        ("2026-Q1", "1.1.1.1", "wg-test-plan", "on_track"),
        ("2026-Q2", "1.1.1.1", "wg-test-plan", "on_track"),
        ("2026-Q2", "1.1.1.2", "wg-test-plan", "at_risk"),
        ("2026-Q2", "2.1.1.1", "wg-test-plan", "completed"),
        ("2026-Q3", "1.1.1.1", "wg-test-plan", "delayed"),
        ("2026-Q3", "2.1.1.2", "wg-test-plan", "on_track"),
    ]
    assert activities_of(pack_of(quarters, "2026-Q1"))["1.1.1.1"].status == "on_track"


def test_contact_details_written_in_a_report_are_masked(quarters):
    update = activities_of(pack_of(quarters, "2026-Q3"))["1.1.1.1"].update
    assert update.challenges == "-funding cut; call […] or […]"
    assert update.evidence_links == "https://example.org/q3"  # a mailto: link is someone's address
    assert not any(hidden in repr(update) for hidden in HIDDEN)


@pytest.mark.parametrize("text, expected", [
    ("Write to ana.lopez@wfp.org today", "Write to […] today"),
    ("Call +41 22 555 12 34 or +1 (212) 555-0100.", "Call […] or […]."),
    ("Trained 1,250 staff in 2025-2026 (Q3 +15 %)", "Trained 1,250 staff in 2025-2026 (Q3 +15 %)"),
    (None, ""),
])
def test_redact_masks_emails_and_phone_numbers_only(text, expected):
    assert redact(text) == expected


def test_default_quarter_is_the_upcoming_glm_s_and_its_pack_shows_the_quarter_that_feeds_it(quarters, open_period):
    open_period("2026-Q4", date(2027, 1, 15), glm="GLM November 2026")  # a GLM quarter, nothing accepted yet
    with quarters.app_context():
        strategy = current_strategy()
        periods = Periods.of(strategy)
        assert default_period(periods, TODAY).code == "2026-Q4"
        choice = export_services.choose(strategy, None, "en", "en", today=TODAY)
        assert (choice.code, choice.period.code) == ("2026-Q4", "2026-Q3")  # the last quarter accepted before it


def test_pack_is_written_in_the_forced_language(quarters):
    pack = pack_of(quarters, "2026-Q3", "fr")
    assert pack.labels["on_track"] == "En bonne voie"
    assert activities_of(pack)["1.1.1.1"].text == "Activité 1"
    assert pack.pillars[0].title == "Pilier 1"


def test_a_quarter_with_no_accepted_report_gives_an_honest_pack(quarters):
    pack = pack_of(quarters, "2026-Q4")
    assert not pack.accepted
    assert pack.group_summaries() == []
    assert activities_of(pack)["1.1.1.1"].status == "delayed"  # the latest accepted status, from 2026-Q3


def test_pack_reads_the_same_few_queries_whatever_the_size_of_the_plan(app, make_plan):
    counts = []
    for size, code in ((1, "small"), (4, "large")):
        make_plan(pillars=size, outcomes=size, outputs=2, activities=size, code=code)
        with app.app_context():
            strategy = db.session.scalar(db.select(Strategy).where(Strategy.code == code))
            services.ensure_periods(strategy)
            db.session.commit()
            period = services.find_period(strategy, "2026-Q2")
            strategy_id, period_id = strategy.id, period.id
        with app.test_request_context("/"), counting_queries(app) as count:
            strategy = db.session.get(Strategy, strategy_id)
            build_pack(strategy, db.session.get(ReportingPeriod, period_id), "en", today=TODAY)
            counts.append(count())
    assert counts[0] == counts[1]


def test_update_history_leaves_out_a_retired_activity_and_keeps_every_other_update(quarters):
    # 1.1.1.1 was reported on in every quarter and retired as Q2 ended: its rows go, the rows read after them stay.
    with quarters.app_context():
        activity = db.session.scalar(select(Activity).where(Activity.code == "1.1.1.1"))
        activity.retired_on = date(2026, 6, 30)
        statuses.refresh(activity.strategy_id, [activity.id])  # as a retirement through the plan does
        db.session.commit()
    pack = pack_of(quarters, "2026-Q3")
    assert "1.1.1.1" not in activities_of(pack)
    with quarters.test_request_context("/"):
        rows = [(update.period, activity.code, update.status) for activity, update in update_history(pack)]
    assert rows == [("2026-Q2", "1.1.1.2", "at_risk"), ("2026-Q2", "2.1.1.1", "completed"),
                    ("2026-Q3", "2.1.1.2", "on_track")]


def test_contribution_notes_are_the_quarters_accepted_ones_listed_by_group_under_their_activity(quarters, make_report):
    # Notes written beside the accountable group's update. wg-zulu's is accepted first, yet wg-alpha comes first
    # (by address); a note of another quarter, one in a report not accepted and an update that is no note stay out.
    with quarters.app_context():
        db.session.add_all([Body(slug=slug, kind="working_group", name={"fr": slug, "en": slug}, aliases=[])
                            for slug in ("wg-zulu", "wg-alpha", "wg-pending")])
        db.session.commit()
    make_report("wg-zulu", "2026-Q3", "accepted", {"2.1.1.2": {"contribution": True, "achievements": "ZULU NOTE"},
                                                   "1.1.1.2": {"contribution": False, "achievements": "NO NOTE"}},
                submitted_on=date(2026, 10, 1))
    make_report("wg-alpha", "2026-Q3", "accepted", {"2.1.1.2": {"contribution": True, "achievements": "ALPHA NOTE"},
                                                    "1.1.1.1": {"contribution": True, "achievements": "ON 1.1.1.1"}},
                submitted_on=date(2026, 10, 2))
    make_report("wg-alpha", "2026-Q2", "accepted", {"2.1.1.2": {"contribution": True, "achievements": "Q2 NOTE"}},
                submitted_on=date(2026, 7, 2))
    make_report("wg-pending", "2026-Q3", "submitted", {"2.1.1.2": {"contribution": True, "achievements": "PENDING"}})
    pack = activities_of(pack_of(quarters, "2026-Q3"))
    assert [(n.body, n.period, n.achievements, n.contribution) for n in pack["2.1.1.2"].contributions] == [
        ("wg-alpha", "2026-Q3", "ALPHA NOTE", True), ("wg-zulu", "2026-Q3", "ZULU NOTE", True)]
    assert [n.achievements for n in pack["1.1.1.1"].contributions] == ["ON 1.1.1.1"]
    assert pack["1.1.1.2"].contributions == [] and pack["2.1.1.1"].contributions == []
    assert [n.achievements for n in activities_of(pack_of(quarters, "2026-Q2"))["2.1.1.2"].contributions] == [
        "Q2 NOTE"]


@pytest.mark.parametrize("lang, words", [
    ("en", {"pillar": ("Pillar one", "Goal one"), "outcome": "Outcome one", "output": "Output one",
            "bodies": [("Test WG", "Lead"), ("SWG", "Contributor"), ("wg-nameless", "steward")]}),
    ("fr", {"pillar": ("Pilier un", "But un"), "outcome": "Réalisation un", "output": "Produit un",
            "bodies": [("GT essai", "Responsable"), ("DGT", "Contributeur"), ("wg-nameless", "steward")]}),
])
def test_the_pack_names_pillars_outcomes_outputs_and_bodies_in_its_language_from_its_own_plan(quarters, make_plan,
                                                                                              lang, words):
    # A second plan with the same codes and other words: nothing of it shows. Bodies come in their order, by their
    # short name where they have one, else their name, else their address; an unknown role is shown as it is stored.
    make_plan(pillars=1, code="other")
    with quarters.app_context():
        other = db.session.scalar(select(Strategy).where(Strategy.code == "other"))
        ours = db.session.scalar(select(Pillar).where(Pillar.strategy_id != other.id, Pillar.number == 1))
        ours.title, ours.goal = {"en": "Pillar one", "fr": "Pilier un"}, {"en": "Goal one", "fr": "But un"}
        ours.outcomes[0].text = {"en": "Outcome one", "fr": "Réalisation un"}
        ours.outcomes[0].outputs[0].text = {"en": "Output one", "fr": "Produit un"}
        theirs = db.session.scalar(select(Pillar).where(Pillar.strategy_id == other.id))
        theirs.title = theirs.goal = {"en": "OTHER", "fr": "AUTRE"}
        theirs.outcomes[0].text = theirs.outcomes[0].outputs[0].text = {"en": "OTHER", "fr": "AUTRE"}
        second = db.session.scalar(select(Body).where(Body.slug == "wg-second"))
        second.short_name = {"en": "SWG", "fr": "DGT"}
        nameless = Body(slug="wg-nameless", kind="working_group", name={}, aliases=[])
        db.session.add(nameless)
        db.session.flush()
        activity = db.session.scalar(select(Activity).where(Activity.code == "1.1.1.1",
                                                            Activity.strategy_id != other.id))
        activity.responsibilities[0].position = 0
        db.session.add_all([Responsibility(activity_id=activity.id, body_id=nameless.id, role="steward", position=5),
                            Responsibility(activity_id=activity.id, body_id=second.id, role="contributor", position=2)])
        db.session.commit()
    pack = pack_of(quarters, "2026-Q3", lang)
    pillar = pack.pillars[0]
    assert (pillar.title, pillar.goal) == words["pillar"]
    assert (pillar.outcomes[0].text, pillar.outcomes[0].outputs[0].text) == (words["outcome"], words["output"])
    assert activities_of(pack)["1.1.1.1"].bodies == words["bodies"]
