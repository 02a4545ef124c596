"""The dashboards' frames held on a small plan (issue 23): plan order whatever order the rows were stored in, each
text's fallback to the other language, a selection with nothing in it, quarters in time order when an earlier one
was created later, and each activity's bodies in the order of its responsibilities."""
from datetime import date

from sqlalchemy import delete, select

from sip.bodies.models import Body
from sip.dashboards import data
from sip.extensions import db
from sip.plan.models import Activity, Outcome, Output, Pillar, Responsibility, Strategy
from sip.reporting import services
from tests.dashboards.test_data import A1, B1, B3, activity, at, body, period, plan, report, settle  # noqa: F401


def _plan_order() -> list[str]:
    """The activities' codes by pillar number, then outcome, output and activity position (worked out here)."""
    rows = db.session.execute(
        select(Activity.code, Pillar.number, Outcome.position, Output.position, Activity.position)
        .join(Output, Activity.output_id == Output.id).join(Outcome, Output.outcome_id == Outcome.id)
        .join(Pillar, Outcome.pillar_id == Pillar.id)).all()
    return [code for code, *_ in sorted(rows, key=lambda r: r[1:])]


def test_activity_statuses_follow_the_plan_s_places_not_the_order_its_rows_were_stored_in(app_ctx, make_plan):
    # An imported plan whose numbers and positions disagree, level by level, with the order its rows were written in
    # and with the level above: pillar 1 was written second; within each pillar the outcomes are placed last first,
    # within each outcome the outputs, within each output the activities. Positions count across the levels in the
    # order written, so leaving out any one level of the order puts some activity in the wrong place.
    make_plan(pillars=2, outcomes=2, outputs=2, activities=2)
    strategy = db.session.scalar(select(Strategy))
    first, second = db.session.scalars(select(Pillar).order_by(Pillar.id)).all()
    first.number = 9  # one at a time: (strategy, number) is unique at every step
    db.session.flush()
    second.number = 1
    db.session.flush()
    first.number = 2
    for outcome in db.session.scalars(select(Outcome)):
        p, o = (int(n) for n in outcome.code.split("."))
        outcome.position = p * 100 + (10 - o)
    for output in db.session.scalars(select(Output)):
        p, o, u = (int(n) for n in output.code.split("."))
        output.position = o * 10 + (10 - u)
    for item in db.session.scalars(select(Activity)):
        p, o, u, a = (int(n) for n in item.code.split("."))
        item.position = p * 1000 + o * 100 + u * 10 + (10 - a)
    services.ensure_periods(strategy)
    db.session.commit()
    expected = _plan_order()
    assert expected[:4] == ["2.2.2.2", "2.2.2.1", "2.2.1.2", "2.2.1.1"]

    frame = data.activity_statuses(strategy, period("2026-Q1"))

    assert frame["code"].tolist() == expected
    assert frame["pillar"].tolist() == [1] * 8 + [2] * 8


def test_an_activity_s_text_falls_back_to_the_other_language_then_to_nothing(plan):
    # What an import or an amendment may leave: a text in one language only, an empty French text, none at all.
    activity("1.1.1.1").text = {"en": "English only"}
    activity("1.1.1.2").text = {"fr": "", "en": "English beside an empty French"}
    activity("1.1.1.3").text = {"fr": "Français seulement"}
    activity("2.1.1.1").text = {}
    db.session.commit()

    frame = data.activity_statuses(plan, period("2026-Q1"))
    texts = {code: (fr, en) for code, fr, en in zip(frame["code"], frame["text_fr"], frame["text_en"], strict=True)}

    assert texts["1.1.1.1"] == ("English only", "English only")
    assert texts["1.1.1.2"] == ("English beside an empty French", "English beside an empty French")
    assert texts["1.1.1.3"] == ("Français seulement", "Français seulement")
    assert texts["2.1.1.1"] == ("", "")
    assert texts["2.1.1.2"] == ("Activité 2", "Activity 2")


def test_a_body_named_in_one_language_shows_that_name_in_both_in_compliance_and_summaries(plan):
    body("wg-b").name = {"en": "Working group B"}
    body("sag").name = {}
    db.session.commit()
    period("2026-Q2", "open", date(2026, 7, 15))
    report("wg-b", "2026-Q2", "accepted", summary="Second group.", submitted_at=at(date(2026, 7, 3)))
    report("sag", "2026-Q2", "accepted", summary="The SAG met.", submitted_at=at(date(2026, 7, 4)))

    compliance = data.compliance(plan, [period("2026-Q2")], date(2026, 11, 20))
    summaries = data.group_summaries(plan, period("2026-Q2"))

    for frame in (compliance, summaries):
        names = {slug: (fr, en) for slug, fr, en in
                 zip(frame["body"], frame["body_name_fr"], frame["body_name_en"], strict=True)}
        assert names["wg-b"] == ("Working group B", "Working group B")
        assert names["sag"] == ("sag", "sag")  # no name at all: its address
        assert names.get("wg-test-plan", ("GT essai", "Test WG")) == ("GT essai", "Test WG")
    assert "wg-test-plan" in set(compliance["body"])


def test_a_selection_with_no_activity_keeps_whole_number_and_true_false_columns(plan):
    # The pages join and concatenate these frames: an empty one must not turn ids and ranks into decimals.
    empty = data.activity_statuses(plan, period("2026-Q1"), pillar=9, texts=True)
    assert empty.empty
    for column in ("activity_id", "pillar", "position", "update_rank"):
        assert str(empty[column].dtype) == "int64", column

    nobody = Body(slug="wg-new", kind="working_group", name={"fr": "Nouveau", "en": "New"}, aliases=[])
    db.session.add(nobody)
    db.session.commit()
    mine = data.body_activities(nobody, period("2026-Q1"))
    assert mine.empty and str(mine["accountable"].dtype) == "bool" and str(mine["activity_id"].dtype) == "int64"


def test_quarters_are_in_time_order_when_an_earlier_one_was_created_later(plan):
    # The strategy's start was moved a year earlier: its 2021 quarters were created after 2022's (higher ids).
    plan_strategy = plan
    plan_strategy.starts_on = date(2021, 1, 1)
    services.ensure_periods(plan_strategy)
    db.session.commit()
    later, earlier = period("2022-Q1"), services.find_period(plan_strategy, "2021-Q4")
    assert earlier.id > later.id

    for given in ([later, earlier], [earlier, later]):
        assert data.status_over_time(plan_strategy, given)["period"].drop_duplicates().tolist() == [
            "2021-Q4", "2022-Q1"]
        assert data.compliance(plan_strategy, given, date(2026, 11, 20))["period"].drop_duplicates().tolist() == [
            "2021-Q4", "2022-Q1"]
        assert data.body_record(body("wg-b"), given, date(2026, 11, 20))["period"].tolist() == ["2021-Q4", "2022-Q1"]


def test_an_activity_at_risk_lists_its_bodies_by_their_place_and_none_when_it_has_none(plan):
    # wg-b was given the first place after wg-test-plan had been written (a lower id, a later place).
    lead = db.session.scalar(select(Responsibility).where(Responsibility.activity_id == activity(A1).id,
                                                          Responsibility.body_id == body().id))
    lead.position = 5
    activity(A1).plan_status = "at_risk"
    activity(B3).plan_status = "delayed"
    db.session.execute(delete(Responsibility).where(Responsibility.activity_id == activity(B3).id))
    settle()

    rows = data.at_risk(plan, period("2026-Q1")).to_dict("records")

    assert [(row["code"], row["bodies"]) for row in rows] == [(A1, "wg-b,wg-test-plan"), (B3, "")]


def test_a_body_s_activities_mark_those_it_is_accountable_for_whatever_its_number(plan):
    # A body whose id is none of the pillars' numbers, accountable for an activity of pillar 1 and contributing to
    # one of pillar 2.
    helper = Body(slug="wg-helper", kind="working_group", name={"fr": "Aide", "en": "Helper"}, aliases=[])
    db.session.add_all([Body(slug=f"wg-filler-{n}", kind="working_group", name={"en": "Filler"}, aliases=[])
                        for n in range(3)] + [helper])
    db.session.flush()
    a1, b1 = activity(A1), activity(B1)
    a1.accountable_body_id = helper.id
    db.session.add_all([Responsibility(body=helper, activity=a1, role="lead", position=3),
                        Responsibility(body=helper, activity=b1, role="contributor", position=3)])
    settle()
    assert helper.id not in (1, 2)

    frame = data.body_activities(helper, period("2026-Q1"))

    assert list(zip(frame["code"], frame["accountable"], strict=True)) == [(A1, True), (B1, False)]
