"""Dashboard data (sip.dashboards.data) on small hand-made plans: exact frames, accepted updates only, query counts."""
import random
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest
from sqlalchemy import select

from sip.bodies.models import Body
from sip.dashboards import data
from sip.extensions import db
from sip.plan.models import STATUSES, Activity, Output, Responsibility, Strategy
from sip.reporting import services, statuses as status_table
from sip.reporting.models import ActivityUpdate, GroupReport, ReportingPeriod
from tests.conftest import counting_queries

TODAY = date(2026, 11, 20)
A1, A2, A3, B1, B2, B3 = "1.1.1.1", "1.1.1.2", "1.1.1.3", "2.1.1.1", "2.1.1.2", "2.1.1.3"


# --- builders -----------------------------------------------------------------------------------


@pytest.fixture
def plan(app_ctx, make_plan):
    """Two pillars of three activities each (wg-test-plan leads all, wg-b contributes to 1.1.1.1 and leads
    2.1.1.1), the SAG, a dissolved working group and a support team, with every quarter's period."""
    make_plan(pillars=2, activities=3)
    strategy = db.session.scalar(select(Strategy))
    wg_b = Body(slug="wg-b", kind="working_group", name={"fr": "GT B", "en": "WG B"}, aliases=[])
    sag = Body(slug="sag", kind="advisory_group", name={"fr": "GCS", "en": "SAG"}, aliases=[])
    old = Body(slug="wg-old", kind="working_group", name={"fr": "Ancien", "en": "Old"}, aliases=[],
               dissolved_on=date(2025, 1, 1))
    rome = Body(slug="rome", kind="support_team", name={"fr": "Équipe", "en": "Team"}, aliases=[])
    db.session.add_all([wg_b, sag, old, rome])
    db.session.add(Responsibility(body=wg_b, activity=activity(A1), role="contributor", position=1))
    db.session.add(Responsibility(body=wg_b, activity=activity(B1), role="lead", position=1))
    services.ensure_periods(strategy)
    db.session.commit()
    return strategy


def activity(code: str) -> Activity:
    """An activity by code."""
    return db.session.scalar(select(Activity).where(Activity.code == code))


def body(slug: str = "wg-test-plan") -> Body:
    """A body by slug."""
    return db.session.scalar(select(Body).where(Body.slug == slug))


def period(code: str, state: str | None = None, due_on: date | None = None) -> ReportingPeriod:
    """A period by code, optionally put in a state with a due date."""
    found = services.find_period(db.session.scalar(select(Strategy)), code)
    if state is not None:
        found.state, found.due_on = state, due_on
        db.session.commit()
    return found


def settle() -> None:
    """Commit, and write the status table from the plan and the accepted reports (as accepting a report or applying
    an amendment does in its transaction)."""
    for strategy_id in db.session.scalars(select(Strategy.id)):
        status_table.refresh(strategy_id)
    db.session.commit()


def report(slug: str, code: str, state: str, updates: dict | None = None, *, submitted_at: datetime | None = None,
           reviewed_at: datetime | None = None, summary: str = "") -> GroupReport:
    """A body's report for a period in a state, written directly; updates map activity codes to a status or to
    a dict of fields."""
    written = []
    for code_, fields in (updates or {}).items():
        fields = {"status": fields} if isinstance(fields, str) or fields is None else fields
        written.append(ActivityUpdate(activity=activity(code_), **fields))
    made = GroupReport(body=body(slug), period=period(code), state=state, summary=summary,
                       submitted_at=submitted_at, reviewed_at=reviewed_at, updates=written)
    db.session.add(made)
    settle()
    return made


def statuses(strategy, code, **filters) -> dict[str, str]:
    """{activity code: status} as of a period."""
    frame = data.activity_statuses(strategy, period(code), **filters)
    return dict(zip(frame["code"], frame["status"], strict=False))


# --- statuses as of a period --------------------------------------------------------------------


def test_activity_statuses_has_the_agreed_columns_in_plan_order(plan):
    frame = data.activity_statuses(plan, period("2026-Q1"))
    assert list(frame.columns) == ["code", "activity_id", "pillar", "outcome", "output", "text_fr", "text_en",
                                   "status", "position"]
    assert list(frame["code"]) == [A1, A2, A3, B1, B2, B3]
    first = frame.iloc[0]
    assert (first["pillar"], first["outcome"], first["output"], first["text_fr"], first["text_en"]) == (
        1, "1.1", "1.1.1", "Activité 1", "Activity 1")
    assert first["activity_id"] == activity(A1).id
    assert set(frame["status"]) == {"planned"}


def test_only_accepted_updates_count_never_drafts_submitted_or_returned(plan):
    report("wg-test-plan", "2026-Q1", "accepted", {A1: "on_track"})
    report("wg-test-plan", "2026-Q2", "draft", {A1: "delayed", A2: "completed"})
    report("wg-b", "2026-Q2", "submitted", {B1: "at_risk"})
    report("sag", "2026-Q2", "returned", {A3: "delayed"})
    assert statuses(plan, "2026-Q2") == {A1: "on_track", A2: "planned", A3: "planned", B1: "planned",
                                         B2: "planned", B3: "planned"}


def test_status_as_of_a_period_is_the_latest_accepted_update_up_to_it(plan):
    report("wg-test-plan", "2026-Q1", "accepted", {A1: "on_track", A2: "at_risk"})
    report("wg-test-plan", "2026-Q3", "accepted", {A1: "delayed"})
    assert statuses(plan, "2025-Q4")[A1] == "planned"  # before its first accepted report
    assert statuses(plan, "2026-Q1")[A1] == "on_track"
    assert statuses(plan, "2026-Q2")[A1] == "on_track"  # no report this quarter: the last one holds
    assert statuses(plan, "2026-Q3")[A1] == "delayed"
    assert statuses(plan, "2026-Q4")[A1] == "delayed"
    assert [statuses(plan, code)[A2] for code in ("2025-Q4", "2026-Q1", "2026-Q4")] == ["planned", "at_risk", "at_risk"]


def test_an_activity_never_reported_on_keeps_its_plan_status_in_every_period(plan):
    activity(A2).plan_status = "completed"  # the seed's "TERMINÉ"
    activity(A3).plan_status = "on_track"
    settle()
    report("wg-test-plan", "2026-Q1", "draft", {A3: "delayed"})  # a draft does not count as a report
    for code in ("2022-Q1", "2026-Q1", "2026-Q4"):
        assert (statuses(plan, code)[A2], statuses(plan, code)[A3]) == ("completed", "on_track")


def test_an_update_without_a_status_changes_nothing(plan):
    report("wg-test-plan", "2026-Q1", "accepted", {A1: "at_risk"})
    report("wg-test-plan", "2026-Q2", "accepted", {A1: None, A2: ""})
    assert (statuses(plan, "2026-Q2")[A1], statuses(plan, "2026-Q2")[A2]) == ("at_risk", "planned")


def test_when_two_bodies_report_the_same_quarter_the_accountable_body_s_update_wins(plan):
    report("wg-test-plan", "2026-Q1", "accepted", {A1: "on_track"}, reviewed_at=datetime(2026, 4, 20, 9))
    report("wg-b", "2026-Q1", "accepted", {A1: "delayed"}, reviewed_at=datetime(2026, 4, 21, 9))  # accepted last
    assert activity(A1).accountable_body_id == body("wg-test-plan").id
    assert statuses(plan, "2026-Q1")[A1] == "on_track"


def test_when_neither_body_is_accountable_the_report_accepted_last_wins(plan):
    for code in (A1, B1):
        activity(code).accountable_body_id = None
    settle()
    report("wg-b", "2026-Q1", "accepted", {A1: "delayed"}, reviewed_at=datetime(2026, 4, 20, 9))
    report("wg-test-plan", "2026-Q1", "accepted", {A1: "on_track"}, reviewed_at=datetime(2026, 4, 21, 9))
    report("wg-test-plan", "2026-Q2", "accepted", {B1: "on_track"}, reviewed_at=datetime(2026, 7, 21, 9))
    report("wg-b", "2026-Q2", "accepted", {B1: "at_risk"}, reviewed_at=datetime(2026, 7, 20, 9))
    assert (statuses(plan, "2026-Q1")[A1], statuses(plan, "2026-Q2")[B1]) == ("on_track", "on_track")


def test_a_retired_activity_is_in_the_quarters_before_its_retirement_only(plan):
    activity(A2).retired_on = date(2025, 6, 30)
    settle()
    assert A2 not in statuses(plan, "2026-Q1")
    assert len(statuses(plan, "2026-Q1")) == 5
    assert statuses(plan, "2025-Q1")[A2] == "planned"


def test_an_activity_added_by_an_amendment_is_in_the_quarters_from_its_addition(plan):
    activity(B3).added_on = date(2026, 5, 10)
    settle()
    assert B3 not in statuses(plan, "2026-Q1")
    assert statuses(plan, "2026-Q2")[B3] == "planned"


def test_activity_statuses_filters_by_pillar_and_by_responsible_body(plan):
    assert list(statuses(plan, "2026-Q1", pillar=2)) == [B1, B2, B3]
    assert list(statuses(plan, "2026-Q1", body="wg-b")) == [A1, B1]
    assert list(statuses(plan, "2026-Q1", pillar=1, body="wg-b")) == [A1]
    assert statuses(plan, "2026-Q1", body="no-such-body") == {}


def test_body_activities_are_the_body_s_activities_with_their_status_and_which_it_is_accountable_for(plan):
    activity(B1).accountable_body_id = body("wg-b").id
    report("wg-b", "2026-Q1", "accepted", {A1: "at_risk", B1: "completed"})
    frame = data.body_activities(body("wg-b"), period("2026-Q2"))
    assert list(frame.columns) == list(data.STATUS_COLUMNS) + ["accountable"]
    assert list(zip(frame["code"], frame["status"], frame["accountable"], strict=False)) == [
        (A1, "at_risk", False), (B1, "completed", True)]


# --- counts -------------------------------------------------------------------------------------


def test_status_counts_gives_every_pillar_and_status_in_order_with_zeros(plan):
    report("wg-test-plan", "2026-Q1", "accepted", {A1: "on_track", A2: "on_track", B1: "delayed"})
    activity(B3).plan_status = "completed"
    settle()
    counts = data.status_counts(data.activity_statuses(plan, period("2026-Q1")))
    assert list(counts.columns) == ["pillar", "status", "count"]
    assert list(counts["pillar"]) == [1] * 6 + [2] * 6
    assert list(counts["status"]) == list(STATUSES) * 2
    assert list(counts["count"]) == [1, 2, 0, 0, 0, 0,   # pillar 1: A3 planned, A1 and A2 on track
                                     1, 0, 0, 1, 1, 0]   # pillar 2: B2 planned, B1 delayed, B3 completed


def test_status_counts_of_no_activity_is_empty_with_its_columns():
    counts = data.status_counts(pd.DataFrame({c: [] for c in data.STATUS_COLUMNS}))
    assert list(counts.columns) == ["pillar", "status", "count"] and counts.empty


def test_a_quarter_accepted_after_a_later_one_shows_in_its_own_quarter_and_not_in_the_later_one(plan):
    q4 = report("wg-test-plan", "2026-Q4", "submitted", {A1: "on_track"})
    q3 = report("wg-test-plan", "2026-Q3", "submitted", {A1: "at_risk"})  # returned, then submitted again
    services.accept_report(q4, None)
    db.session.commit()
    services.accept_report(q3, None)  # accepted last, for the earlier quarter
    db.session.commit()
    assert statuses(plan, "2026-Q4")[A1] == "on_track"
    assert statuses(plan, "2026-Q3")[A1] == "at_risk"
    over = data.status_over_time(plan, [period("2026-Q3"), period("2026-Q4")])
    counts = {(p, s): c for p, s, c in over.itertuples(index=False, name=None)}
    assert (counts[("2026-Q3", "at_risk")], counts[("2026-Q4", "at_risk")]) == (1, 0)
    assert (counts[("2026-Q3", "on_track")], counts[("2026-Q4", "on_track")]) == (0, 1)
    changes = data.changes_between(plan, period("2026-Q4"), period("2026-Q3"))
    assert list(changes[["code", "before", "after"]].itertuples(index=False, name=None)) == [
        (A1, "at_risk", "on_track")]


def test_each_quarter_of_the_trend_sums_to_the_activities_in_the_plan_at_that_quarter(plan):
    activity(B2).retired_on = date(2025, 6, 30)  # in the plan until 2025-Q2
    activity(B3).added_on = date(2026, 5, 10)  # from 2026-Q2
    settle()
    report("wg-test-plan", "2025-Q1", "accepted", {A1: "on_track", B2: "at_risk"})
    report("wg-test-plan", "2026-Q2", "accepted", {A2: "delayed", B3: "on_track"})
    codes = ["2025-Q1", "2025-Q2", "2025-Q3", "2026-Q1", "2026-Q2", "2026-Q3"]
    over = data.status_over_time(plan, [period(code) for code in codes])
    sums = over.groupby("period", sort=False)["count"].sum()
    assert sums.to_dict() == {"2025-Q1": 5, "2025-Q2": 5, "2025-Q3": 4, "2026-Q1": 4, "2026-Q2": 5, "2026-Q3": 5}
    for code in codes:
        assert sums[code] == len(data.activity_statuses(plan, period(code))), code
    assert len(over) == len(codes) * len(STATUSES)  # every (quarter, status) pair, zeros included


def test_status_over_time_counts_each_period_in_time_order_with_every_status(plan):
    report("wg-test-plan", "2026-Q1", "accepted", {A1: "on_track", A2: "at_risk"})
    report("wg-test-plan", "2026-Q2", "accepted", {A2: "delayed", A3: "completed"})
    report("wg-b", "2026-Q2", "draft", {B1: "discontinued"})
    report("wg-test-plan", "2026-Q3", "returned", {A1: "completed"})
    over = data.status_over_time(plan, [period(c) for c in ("2026-Q3", "2025-Q4", "2026-Q2", "2026-Q1")])
    assert list(over.columns) == ["period", "status", "count"]
    table = over.pivot(index="period", columns="status", values="count")[list(STATUSES)]
    assert list(table.index) == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    assert list(over["period"].drop_duplicates()) == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    assert list(over["status"][:6]) == list(STATUSES)
    #                                         planned on_track at_risk delayed completed discontinued
    assert table.loc["2025-Q4"].tolist() == [6, 0, 0, 0, 0, 0]
    assert table.loc["2026-Q1"].tolist() == [4, 1, 1, 0, 0, 0]
    assert table.loc["2026-Q2"].tolist() == [3, 1, 0, 1, 1, 0]
    assert table.loc["2026-Q3"].tolist() == [3, 1, 0, 1, 1, 0]


def test_status_over_time_agrees_with_the_statuses_of_each_period_on_random_reports(plan):
    rng = random.Random(5)
    activity(B3).plan_status = "completed"  # never reported on
    activity(B2).retired_on = date(2026, 1, 1)
    settle()
    codes = [f"{year}-Q{quarter}" for year in (2025, 2026) for quarter in (1, 2, 3, 4)]
    for code in codes:
        for slug in ("wg-test-plan", "wg-b", "sag"):
            chosen = rng.sample([A1, A2, A3, B1, B2], rng.randint(1, 4))
            reviewed = rng.choice([None, datetime(2026, 1, rng.randint(1, 28))])  # ties and missing times too
            report(slug, code, rng.choice(["accepted", "accepted", "accepted", "draft", "returned", "submitted"]),
                   {c: rng.choice(list(STATUSES) + [None]) for c in chosen}, reviewed_at=reviewed)
    asked = [period(code) for code in ["2024-Q4", *codes]]
    over = data.status_over_time(plan, asked)
    for code in ["2024-Q4", *codes]:
        expected = data.status_counts(data.activity_statuses(plan, period(code))).groupby("status")["count"].sum()
        got = over[over["period"] == code].set_index("status")["count"]
        assert got.to_dict() == expected.reindex(got.index).to_dict(), code
    for pillar in (1, 2):
        over = data.status_over_time(plan, asked, pillar=pillar)
        for code in codes:
            expected = data.activity_statuses(plan, period(code), pillar=pillar)["status"].value_counts()
            got = over[(over["period"] == code) & (over["count"] > 0)].set_index("status")["count"]
            assert got.to_dict() == expected.to_dict(), (pillar, code)


def test_status_over_time_filters_like_activity_statuses(plan):
    report("wg-b", "2026-Q1", "accepted", {A1: "on_track", B1: "at_risk"})
    over = data.status_over_time(plan, [period("2026-Q1")], pillar=2, body="wg-b")
    assert dict(zip(over["status"], over["count"], strict=False)) == {"planned": 0, "on_track": 0, "at_risk": 1, "delayed": 0,
                                                        "completed": 0, "discontinued": 0}


def test_status_over_time_of_no_period_is_empty_with_its_columns(plan):
    over = data.status_over_time(plan, [])
    assert list(over.columns) == ["period", "status", "count"] and over.empty


# --- reporting compliance -----------------------------------------------------------------------


@pytest.fixture
def calendar(plan):
    """2026-Q1 closed (due 15 April), Q2 open and past due (15 July), Q3 open and not due (15 December, so that
    TODAY is before it), Q4 upcoming."""
    return {
        "2026-Q1": period("2026-Q1", "closed", date(2026, 4, 15)),
        "2026-Q2": period("2026-Q2", "open", date(2026, 7, 15)),
        "2026-Q3": period("2026-Q3", "open", date(2026, 12, 15)),
        "2026-Q4": period("2026-Q4", "upcoming", None),
    }


def at(day: date, hour: int = 12) -> datetime:
    """A time on a day (UTC)."""
    return datetime(day.year, day.month, day.day, hour)


def test_compliance_gives_each_reporting_body_s_state_for_each_period(plan, calendar):
    report("wg-test-plan", "2026-Q1", "accepted", submitted_at=at(date(2026, 4, 10)))
    report("wg-b", "2026-Q1", "accepted", submitted_at=at(date(2026, 4, 16)))  # a day after the due date
    report("sag", "2026-Q1", "returned", submitted_at=at(date(2026, 4, 1)))  # sent back, never resubmitted
    report("wg-test-plan", "2026-Q2", "submitted", submitted_at=at(date(2026, 7, 15), 23))  # on the due day
    report("wg-b", "2026-Q2", "draft")
    report("wg-b", "2026-Q3", "submitted", submitted_at=at(date(2026, 10, 5)))
    report("sag", "2026-Q3", "returned", submitted_at=at(date(2026, 10, 6)))
    frame = data.compliance(plan, list(calendar.values()), TODAY)
    assert list(frame.columns) == ["body", "body_name_fr", "body_name_en", "period", "state"]
    grid = frame.pivot(index="body", columns="period", values="state")
    assert grid.to_dict("index") == {
        "wg-test-plan": {"2026-Q1": "on_time", "2026-Q2": "on_time", "2026-Q3": "pending", "2026-Q4": "not_open"},
        # Q1 delivered a day late; Q2 past its due date with only a draft, the period still open: overdue
        "wg-b": {"2026-Q1": "late", "2026-Q2": "overdue", "2026-Q3": "on_time", "2026-Q4": "not_open"},
        "sag": {"2026-Q1": "missing", "2026-Q2": "overdue", "2026-Q3": "pending", "2026-Q4": "not_open"},
    }


def test_compliance_lists_active_working_groups_then_the_sag_and_periods_in_time_order(plan, calendar):
    frame = data.compliance(plan, [calendar["2026-Q2"], calendar["2026-Q1"]], TODAY)
    # The dissolved group and the support team present no reports.
    assert list(frame["body"]) == ["wg-b", "wg-b", "wg-test-plan", "wg-test-plan", "sag", "sag"]
    assert list(frame["period"]) == ["2026-Q1", "2026-Q2"] * 3
    assert list(frame[frame["body"] == "sag"]["body_name_fr"]) == ["GCS", "GCS"]
    assert list(frame[frame["body"] == "sag"]["body_name_en"]) == ["SAG", "SAG"]


def test_a_report_is_overdue_only_once_the_due_day_is_over(plan, calendar):
    due = calendar["2026-Q2"].due_on
    assert data.compliance(plan, [calendar["2026-Q2"]], due)["state"].tolist() == ["pending"] * 3
    assert data.compliance(plan, [calendar["2026-Q2"]], due + timedelta(days=1))["state"].tolist() == ["overdue"] * 3


def test_a_dissolved_body_still_reports_until_the_day_it_is_dissolved(plan, calendar):
    assert "wg-old" in set(data.compliance(plan, [calendar["2026-Q1"]], date(2024, 12, 31))["body"])
    assert "wg-old" not in set(data.compliance(plan, [calendar["2026-Q1"]], date(2025, 1, 1))["body"])


def test_body_record_gives_one_body_s_states_in_time_order(plan, calendar):
    report("wg-b", "2026-Q1", "accepted", submitted_at=at(date(2026, 4, 16)))
    report("wg-b", "2026-Q3", "submitted", submitted_at=at(date(2026, 10, 5)))
    record = data.body_record(body("wg-b"), list(reversed(calendar.values())), TODAY)
    assert list(record.columns) == ["period", "state"]
    assert list(record.itertuples(index=False, name=None)) == [
        ("2026-Q1", "late"), ("2026-Q2", "overdue"), ("2026-Q3", "on_time"), ("2026-Q4", "not_open")]


def test_compliance_of_no_period_is_empty_with_its_columns(plan):
    assert list(data.compliance(plan, [], TODAY).columns) == list(data.COMPLIANCE_COLUMNS)
    assert list(data.body_record(body(), [], TODAY).columns) == ["period", "state"]


# --- risks, changes, summaries ------------------------------------------------------------------


def test_at_risk_lists_activities_at_risk_or_delayed_with_their_latest_challenges_and_support(plan):
    report("wg-test-plan", "2026-Q1", "accepted", {
        A1: {"status": "at_risk", "challenges": "No venue.", "support_needed": "A host."},
        A3: {"status": "delayed", "challenges": "Old news.", "support_needed": "Old ask."},
        B2: {"status": "at_risk", "challenges": "Funding.", "support_needed": ""}})
    report("wg-test-plan", "2026-Q2", "accepted", {
        A3: {"status": "delayed", "challenges": "Still no trainer.", "support_needed": "A trainer."},
        B2: {"status": "on_track", "challenges": "", "support_needed": ""}})
    report("wg-b", "2026-Q2", "submitted", {B1: {"status": "delayed", "challenges": "Not accepted yet."}})
    frame = data.at_risk(plan, period("2026-Q2"))
    assert list(frame.columns) == ["code", "text_fr", "text_en", "status", "bodies", "challenges", "support_needed",
                                   "period"]
    assert frame.to_dict("records") == [
        {"code": A1, "text_fr": "Activité 1", "text_en": "Activity 1", "status": "at_risk",
         "bodies": "wg-test-plan,wg-b", "challenges": "No venue.", "support_needed": "A host.", "period": "2026-Q1"},
        {"code": A3, "text_fr": "Activité 3", "text_en": "Activity 3", "status": "delayed",
         "bodies": "wg-test-plan", "challenges": "Still no trainer.", "support_needed": "A trainer.",
         "period": "2026-Q2"},
    ]
    # As of the first quarter, B2 was at risk and A3's challenges were the first ones.
    earlier = data.at_risk(plan, period("2026-Q1"))
    assert list(zip(earlier["code"], earlier["challenges"], strict=False)) == [(A1, "No venue."), (A3, "Old news."),
                                                                  (B2, "Funding.")]


def test_at_risk_includes_an_activity_the_plan_puts_at_risk_without_any_report(plan):
    activity(B3).plan_status = "delayed"
    settle()
    [row] = data.at_risk(plan, period("2026-Q1")).to_dict("records")
    assert (row["code"], row["status"], row["challenges"], row["support_needed"], row["period"]) == (
        B3, "delayed", "", "", "")


def test_at_risk_is_empty_with_its_columns_when_nothing_is_at_risk(plan):
    frame = data.at_risk(plan, period("2026-Q1"))
    assert frame.empty and list(frame.columns) == list(data.AT_RISK_COLUMNS)


def test_changes_between_lists_completed_new_risks_and_other_status_changes(plan):
    report("wg-test-plan", "2026-Q1", "accepted", {A1: "on_track", A2: "on_track", A3: "delayed", B1: "at_risk",
                                                   B2: "on_track"})
    report("wg-test-plan", "2026-Q3", "accepted", {A1: "completed", A2: "at_risk", A3: "at_risk", B1: "on_track",
                                                   B2: "on_track", B3: "delayed"})
    report("wg-b", "2026-Q3", "draft", {B2: "discontinued"})  # never counts
    frame = data.changes_between(plan, period("2026-Q3"), period("2026-Q1"))
    assert list(frame.columns) == ["code", "text_fr", "text_en", "before", "after", "change"]
    assert list(frame[["code", "before", "after", "change"]].itertuples(index=False, name=None)) == [
        (A1, "on_track", "completed", "completed"),
        (A2, "on_track", "at_risk", "new_risk"),
        (A3, "delayed", "at_risk", "status_change"),  # was already a risk
        (B1, "at_risk", "on_track", "status_change"),
        (B3, "planned", "delayed", "new_risk"),
    ]


def test_changes_without_a_previous_period_compare_with_the_status_before_any_report(plan):
    activity(A2).plan_status = "completed"  # never reported on: unchanged
    report("wg-test-plan", "2026-Q1", "accepted", {A1: "on_track"})
    frame = data.changes_between(plan, period("2026-Q1"), None)
    assert list(frame[["code", "before", "after", "change"]].itertuples(index=False, name=None)) == [
        (A1, "planned", "on_track", "status_change")]


def test_changes_between_equal_statuses_is_empty_with_its_columns(plan):
    frame = data.changes_between(plan, period("2026-Q2"), period("2026-Q1"))
    assert frame.empty and list(frame.columns) == list(data.CHANGE_COLUMNS)


def test_group_summaries_are_those_of_accepted_reports_of_the_period(plan):
    report("wg-test-plan", "2026-Q2", "accepted", summary="We trained 40 people.", submitted_at=at(date(2026, 7, 1)))
    report("sag", "2026-Q2", "accepted", summary="The SAG met twice.", submitted_at=at(date(2026, 7, 2)))
    report("wg-b", "2026-Q2", "returned", summary="Not this one.")
    report("wg-b", "2026-Q1", "accepted", summary="Another quarter.")
    frame = data.group_summaries(plan, period("2026-Q2"))
    assert list(frame.columns) == ["body", "body_name_fr", "body_name_en", "summary", "submitted_at"]
    assert frame.to_dict("records") == [
        {"body": "wg-test-plan", "body_name_fr": "GT essai", "body_name_en": "Test WG",
         "summary": "We trained 40 people.", "submitted_at": at(date(2026, 7, 1)).replace(tzinfo=timezone.utc)},
        {"body": "sag", "body_name_fr": "GCS", "body_name_en": "SAG", "summary": "The SAG met twice.",
         "submitted_at": at(date(2026, 7, 2)).replace(tzinfo=timezone.utc)},
    ]
    assert all(moment.tzinfo is timezone.utc for moment in frame["submitted_at"])


def test_group_summaries_list_the_working_groups_by_address_then_the_sag(plan):
    # Accepted in another order than their addresses': the list follows the addresses, the SAG last.
    report("sag", "2026-Q2", "accepted", summary="The SAG met twice.", submitted_at=at(date(2026, 7, 1)))
    report("wg-test-plan", "2026-Q2", "accepted", summary="We trained 40 people.", submitted_at=at(date(2026, 7, 2)))
    report("wg-b", "2026-Q2", "accepted", summary="Second group.", submitted_at=at(date(2026, 7, 3)))
    assert data.group_summaries(plan, period("2026-Q2"))["body"].tolist() == ["wg-b", "wg-test-plan", "sag"]


# --- the plan as one picture --------------------------------------------------------------------


def test_plan_tree_of_the_real_plan_has_unique_ids_and_every_parent(seeded):
    with seeded.app_context():
        strategy = db.session.scalar(select(Strategy))
        services.ensure_periods(strategy)
        db.session.commit()
        statuses_df = data.activity_statuses(strategy, services.find_period(strategy, "2026-Q1"))
        tree = data.plan_tree(statuses_df, strategy)
    assert list(tree.columns) == ["id", "parent", "label", "level", "status"]
    assert tree["id"].is_unique
    assert set(tree["parent"]) - {""} <= set(tree["id"])
    assert tree["level"].value_counts().to_dict() == {"activity": 50, "output": 20, "outcome": 11, "pillar": 4}
    parents = dict(zip(tree["id"], tree["parent"], strict=False))
    # Where the printed codes disagree with the tree, ids follow the codes and parents follow the tree.
    assert parents["output:2.3.3"] == "outcome:2.2"
    assert parents["activity:2.3.2.1"] == "output:2.2.2"
    assert parents["outcome:2.2"] == "pillar:2" and parents["pillar:2"] == ""
    labels = dict(zip(tree["id"], tree["label"], strict=False))
    assert (labels["pillar:1"], labels["outcome:1.1"], labels["output:1.1.1"], labels["activity:1.1.1.1"]) == (
        "P1", "1.1", "1.1.1", "1.1.1.1")
    assert list(tree["id"][:4]) == ["pillar:1", "outcome:1.1", "output:1.1.1", "activity:1.1.1.1"]
    by_id = tree.set_index("id")
    assert by_id.loc["activity:1.1.1.1", "status"] == "completed"  # "TERMINÉ" in the seed
    assert set(by_id[by_id["level"] != "activity"]["status"]) == {""}


@pytest.mark.parametrize("depth", ["activity", "output"])
def test_plan_tree_is_in_plan_order_whatever_the_order_of_the_statuses_given(seeded, depth):
    # The real plan, its statuses reversed and shuffled: pillars, outcomes, outputs and activities by their positions.
    with seeded.app_context():
        strategy = db.session.scalar(select(Strategy))
        services.ensure_periods(strategy)
        db.session.commit()
        statuses_df = data.activity_statuses(strategy, services.find_period(strategy, "2026-Q1"))
        in_order = data.plan_tree(statuses_df, strategy, depth=depth)
        for shuffled in (statuses_df.iloc[::-1], statuses_df.sample(frac=1, random_state=7)):
            pd.testing.assert_frame_equal(data.plan_tree(shuffled.reset_index(drop=True), strategy, depth=depth),
                                          in_order)
    assert in_order[in_order["level"] == "output"]["label"].tolist() == [
        "1.1.1", "1.1.2", "1.2.1", "1.2.2", "1.3.1", "1.3.2", "2.1.1", "2.2.1", "2.2.2", "2.3.3", "3.1.1", "3.1.2",
        "3.2.1", "4.1.1", "4.2.1", "4.2.2", "4.2.3", "4.3.1", "4.4.1", "4.4.2"]


def test_plan_tree_follows_outcomes_then_outputs_where_positions_disagree_with_them(app_ctx, make_plan):
    # A plan imported in code order, where printed codes disagree with the tree: 1.1.1.1's place in the count comes
    # after every other activity's, output 1.1.2's after outcome 1.2's outputs, and 1.2.2 comes before 1.2.1. Each
    # stays in its branch, in the order of the branches (outcome by outcome, output by output), not of the codes.
    make_plan(pillars=1, outcomes=2, outputs=2, activities=2)
    strategy = db.session.scalar(select(Strategy))
    services.ensure_periods(strategy)
    activity("1.1.1.1").position = 1000
    db.session.scalar(select(Output).where(Output.code == "1.1.2")).position = 999
    db.session.scalar(select(Output).where(Output.code == "1.2.2")).position = 0
    db.session.commit()
    statuses_df = data.activity_statuses(strategy, period("2026-Q1"))
    for given in (statuses_df, statuses_df.iloc[::-1].reset_index(drop=True)):
        assert data.plan_tree(given, strategy)["id"].tolist() == [
            "pillar:1", "outcome:1.1", "output:1.1.1", "activity:1.1.1.2", "activity:1.1.1.1",
            "output:1.1.2", "activity:1.1.2.1", "activity:1.1.2.2",
            "outcome:1.2", "output:1.2.2", "activity:1.2.2.1", "activity:1.2.2.2",
            "output:1.2.1", "activity:1.2.1.1", "activity:1.2.1.2"]


def test_plan_tree_counts_each_activity_once_when_given_several_quarters_rows(plan):
    # Two quarters' statuses of the same activities: the first row of each activity is the one drawn and counted.
    report("wg-test-plan", "2026-Q1", "accepted", {A1: "on_track", A2: "on_track", A3: "delayed"})
    two_quarters = pd.concat([data.activity_statuses(plan, period("2026-Q1"), pillar=1),
                              data.activity_statuses(plan, period("2026-Q2"), pillar=1).assign(status="completed")],
                             ignore_index=True)
    tree = data.plan_tree(two_quarters, plan, depth="output")
    assert tree.set_index("id").loc["output:1.1.1", "counts"] == {"on_track": 2, "delayed": 1}
    assert data.plan_tree(two_quarters, plan)["id"].tolist() == [
        "pillar:1", "outcome:1.1", "output:1.1.1", "activity:1.1.1.1", "activity:1.1.1.2", "activity:1.1.1.3"]


def test_plan_tree_qualifies_ids_where_a_code_repeats_at_a_level(plan, make_plan):
    output = db.session.scalar(select(Output).where(Output.code == "2.1.1"))
    output.code = "1.1.1"  # a printing slip: the same output code under two outcomes
    db.session.commit()
    tree = data.plan_tree(data.activity_statuses(plan, period("2026-Q1")), plan)
    assert tree["id"].is_unique and set(tree["parent"]) - {""} <= set(tree["id"])
    outputs = tree[tree["level"] == "output"]
    assert list(outputs["id"]) == ["output:1.1/1.1.1", "output:2.1/1.1.1"]
    assert list(outputs["label"]) == ["1.1.1", "1.1.1"]


def test_plan_tree_of_a_pillar_holds_that_pillar_only(plan):
    tree = data.plan_tree(data.activity_statuses(plan, period("2026-Q1"), pillar=2), plan)
    assert list(tree["id"]) == ["pillar:2", "outcome:2.1", "output:2.1.1", "activity:2.1.1.1", "activity:2.1.1.2",
                                "activity:2.1.1.3"]


def test_plan_tree_at_output_depth_counts_each_outputs_activities_and_colours_it_by_the_most_common(plan):
    report("wg-test-plan", "2026-Q1", "accepted", {A1: "on_track", A2: "on_track", A3: "delayed",
                                                   B1: "at_risk", B2: "delayed"})
    tree = data.plan_tree(data.activity_statuses(plan, period("2026-Q1")), plan, depth="output")
    assert list(tree.columns) == ["id", "parent", "label", "level", "status", "counts"]
    assert list(tree.itertuples(index=False, name=None)) == [
        ("pillar:1", "", "P1", "pillar", "", {}),
        ("outcome:1.1", "pillar:1", "1.1", "outcome", "", {}),
        ("output:1.1.1", "outcome:1.1", "1.1.1", "output", "on_track", {"on_track": 2, "delayed": 1}),
        ("pillar:2", "", "P2", "pillar", "", {}),
        ("outcome:2.1", "pillar:2", "2.1", "outcome", "", {}),
        # one each: the tie goes to the status that comes first in the order of the statuses
        ("output:2.1.1", "outcome:2.1", "2.1.1", "output", "planned", {"at_risk": 1, "delayed": 1, "planned": 1}),
    ]


def test_plan_tree_refuses_an_unknown_depth(plan):
    with pytest.raises(ValueError):
        data.plan_tree(data.activity_statuses(plan, period("2026-Q1")), plan, depth="outcome")


@pytest.mark.parametrize("counts, expected", [
    ({"completed": 3, "on_track": 1}, "completed"),
    ({"at_risk": 2, "delayed": 2}, "at_risk"),
    ({"discontinued": 1}, "discontinued"),
])
def test_dominant_status_is_the_most_common_and_ties_follow_the_status_order(counts, expected):
    assert data.dominant_status(counts) == expected


def test_activity_statuses_with_texts_give_the_challenges_of_the_update_that_set_the_status(plan):
    report("wg-test-plan", "2026-Q1", "accepted", {A1: {"status": "at_risk", "challenges": "No venue.",
                                                        "support_needed": "A host."}})
    frame = data.activity_statuses(plan, period("2026-Q2"), texts=True)
    assert list(frame.columns)[-3:] == ["challenges", "support_needed", "update_rank"]
    row = frame.set_index("code").loc[A1]
    assert (row["status"], row["challenges"], row["support_needed"], row["update_rank"]) == (
        "at_risk", "No venue.", "A host.", 20261)
    assert frame.set_index("code").loc[A2, "update_rank"] == 0


def test_at_risk_from_given_statuses_equals_the_whole_plans_list_and_keeps_their_filter(plan):
    report("wg-test-plan", "2026-Q1", "accepted", {A1: {"status": "at_risk", "challenges": "No venue."},
                                                   B2: {"status": "delayed", "challenges": "Funding."}})
    q1 = period("2026-Q1")
    whole = data.at_risk(plan, q1)
    given = data.at_risk(plan, q1, statuses=data.activity_statuses(plan, q1, texts=True))
    pd.testing.assert_frame_equal(given, whole)
    pillar_two = data.at_risk(plan, q1, statuses=data.activity_statuses(plan, q1, pillar=2, texts=True))
    assert list(pillar_two["code"]) == [B2] and list(pillar_two["challenges"]) == ["Funding."]


def test_at_risk_from_given_statuses_runs_one_query(app, plan):
    report("wg-test-plan", "2026-Q1", "accepted", {A1: "at_risk"})
    q1 = period("2026-Q1")
    frame = data.activity_statuses(plan, q1, texts=True)
    with counting_queries(app) as count:
        data.at_risk(plan, q1, statuses=frame)
    assert count() == 1  # the responsible bodies


# --- a constant number of queries ---------------------------------------------------------------


def build_world(make_plan, app, scale: int) -> None:
    """A plan whose size grows with `scale` (activities, bodies and accepted reports), with periods 2026-Q1…Q3."""
    code = f"plan-{scale}"
    make_plan(pillars=2, outcomes=scale, activities=2, code=code)
    with app.app_context():
        strategy = db.session.scalar(select(Strategy).where(Strategy.code == code))
        services.ensure_periods(strategy)
        db.session.flush()
        activities = list(db.session.scalars(select(Activity).where(Activity.strategy_id == strategy.id)))
        bodies = [Body(slug=f"{code}-wg-{i}", kind="working_group", name={"fr": f"GT {i}", "en": f"WG {i}"},
                       aliases=[]) for i in range(scale)]
        db.session.add_all(bodies)
        for q in (1, 2, 3):
            found = services.find_period(strategy, f"2026-Q{q}")
            found.state, found.due_on = ("closed" if q < 3 else "open"), date(2026, 3 * q + 1, 15)
            for i, group in enumerate(bodies):
                made = GroupReport(body=group, period=found, state="draft" if (i + q) % 3 == 1 else "accepted",
                                   submitted_at=datetime(2026, 3 * q + 1, 10 + i % 10))
                for j, act in enumerate(activities[i::scale]):
                    made.updates.append(ActivityUpdate(activity=act, status=list(STATUSES)[(i + j + q) % 6],
                                                       challenges="c", support_needed="s"))
                db.session.add(made)
        status_table.refresh(strategy.id)  # as accepting the reports would have
        db.session.commit()


def queries_of(app, code: str) -> dict[str, int]:
    """How many queries each data function runs on the plan with this code."""
    counts = {}
    with app.app_context():
        strategy = db.session.scalar(select(Strategy).where(Strategy.code == code))
        periods = list(db.session.scalars(
            select(ReportingPeriod).where(ReportingPeriod.strategy_id == strategy.id, ReportingPeriod.year == 2026)
            .order_by(ReportingPeriod.quarter)))
        q3, q1 = periods[2], periods[0]
        lead = db.session.scalar(select(Body).where(Body.slug == f"wg-{code}"))
        db.session.commit()  # expire everything: model objects given as arguments must not cost a query
        calls = {
            "activity_statuses": lambda: data.activity_statuses(strategy, q3, pillar=1, body=f"wg-{code}"),
            "status_over_time": lambda: data.status_over_time(strategy, periods),
            "compliance": lambda: data.compliance(strategy, periods, TODAY),
            "at_risk": lambda: data.at_risk(strategy, q3),
            "changes_between": lambda: data.changes_between(strategy, q3, q1),
            "group_summaries": lambda: data.group_summaries(strategy, q3),
            "body_record": lambda: data.body_record(lead, periods, TODAY),
            "body_activities": lambda: data.body_activities(lead, q3),
            "plan_tree": lambda: data.plan_tree(data.activity_statuses(strategy, q3), strategy),
        }
        for name, call in calls.items():
            db.session.commit()
            with counting_queries(app) as count:
                frame = call()
            assert not frame.empty, name
            counts[name] = count()
    return counts


def test_dashboard_data_runs_the_same_few_queries_on_ten_times_the_data(app, make_plan):
    build_world(make_plan, app, 1)
    build_world(make_plan, app, 10)
    small, large = queries_of(app, "plan-1"), queries_of(app, "plan-10")
    assert small == large
    with app.app_context():
        begin = 1 if db.engine.dialect.name == "sqlite" else 0  # SQLite's BEGIN is a statement of its own
    assert small == {name: count + begin for name, count in {
        "activity_statuses": 1, "status_over_time": 2, "compliance": 3, "at_risk": 2, "changes_between": 1,
        "group_summaries": 1, "body_record": 2, "body_activities": 1, "plan_tree": 2}.items()}
