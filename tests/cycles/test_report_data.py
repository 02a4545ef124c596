"""The end-of-strategy report's figures, checked against the dashboards' DataFrames and the status table.

Also the fixtures the report's page tests share: the demo plan with its reports and meetings (the last GLM verified
an amendment by vote), closing the strategy, a draft next strategy."""
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

from seed.demo_meetings import create_demo_meetings
from sip.cycles.models import CarryOver
from sip.cycles.report_data import closing_report, completed_over_time, report_periods, reported_strategy
from sip.dashboards import data
from sip.dashboards.selection import Periods
from sip.extensions import db
from sip.meetings.models import Decision, Meeting
from sip.plan import closed
from sip.plan.models import Activity, Outcome, Output, Pillar, Strategy
from sip.plan.queries import current_strategy
from sip.reporting.models import ActivityStatus
from sip.reporting.statuses import current_statuses
from tests.exports.conftest import DEMO_TODAY, demo, make_report, open_period, plan, quarters  # noqa: F401


@pytest.fixture
def strategy_demo(demo):
    """The demo plan and reports, with the demo meetings: the last GLM verified a rewording of 1.3.1.2 by vote."""
    with demo.app_context():
        create_demo_meetings(DEMO_TODAY)
        db.session.remove()
    return demo


def close_current() -> None:
    """Close the current strategy as the closing service would (inside an app context)."""
    with closed.closing():
        strategy = current_strategy()
        strategy.state = "closed"
        db.session.commit()


def add_draft(slug: str = "2027-2031") -> None:
    """A draft next strategy (inside an app context)."""
    db.session.add(Strategy(code=f"draft-{slug}", slug=slug, state="draft", title={"fr": "Projet", "en": "Draft"},
                            starts_on=date(2027, 1, 1), ends_on=date(2031, 12, 31)))
    db.session.commit()


def test_status_counts_at_the_close_equal_the_sag_dashboards_status_by_pillar_for_the_last_quarter(strategy_demo):
    with strategy_demo.app_context():
        strategy = current_strategy()
        report = closing_report(strategy, DEMO_TODAY)
        last = Periods.of(strategy).all[-1]
        expected = data.status_counts(data.activity_statuses(strategy, last))
        pd.testing.assert_frame_equal(report.status_counts.reset_index(drop=True), expected.reset_index(drop=True))
        assert report.close_period == last.code
        assert int(report.status_counts["count"].sum()) == int(report.statuses["in_plan"].sum()) > 0


def test_each_activitys_status_at_the_close_is_its_current_status_from_the_status_table(strategy_demo):
    with strategy_demo.app_context():
        strategy = current_strategy()
        report = closing_report(strategy, DEMO_TODAY)
        current = current_statuses(strategy.id)
        every = db.session.scalars(select(Activity.id).where(Activity.strategy_id == strategy.id)).all()
        assert sorted(report.statuses["activity_id"].tolist()) == sorted(every)
        for activity_id, status, reported_in in zip(report.statuses["activity_id"], report.statuses["status"],
                                                    report.statuses["reported_in"], strict=True):
            assert status == current[activity_id].status
            assert reported_in == (current[activity_id].reported_in or "")


def test_compliance_per_body_is_the_dashboards_compliance_over_every_opened_quarter(strategy_demo):
    with strategy_demo.app_context():
        strategy = current_strategy()
        report = closing_report(strategy, DEMO_TODAY)
        opened = [p for p in Periods.of(strategy).all if p.state != "upcoming"]
        assert [p.code for p in report.periods] == [p.code for p in opened]
        pd.testing.assert_frame_equal(report.compliance, data.compliance(strategy, opened, DEMO_TODAY))
        summary = report.compliance_summary.set_index("body")
        assert list(summary.index) == list(dict.fromkeys(report.compliance["body"]))
        for body, group in report.compliance.groupby("body"):
            states = group["state"].value_counts()
            assert summary.loc[body, "on_time"] == states.get("on_time", 0)
            assert summary.loc[body, "missing"] == states.get("missing", 0)
            due = sum(states.get(s, 0) for s in ("on_time", "late", "overdue", "missing"))
            assert summary.loc[body, "due"] == due
            assert summary.loc[body, "on_time_rate"] == (round(100 * states.get("on_time", 0) / due) if due else None)


def test_completed_to_date_counts_each_activity_of_a_pillar_completed_in_any_quarter(strategy_demo):
    with strategy_demo.app_context():
        strategy = current_strategy()
        report = closing_report(strategy, DEMO_TODAY)
        period_ids = [p.id for p in report.periods]
        rows = db.session.execute(
            select(Pillar.number, ActivityStatus.activity_id).join(Activity, ActivityStatus.activity_id == Activity.id)
            .join(Output, Activity.output_id == Output.id).join(Outcome, Output.outcome_id == Outcome.id)
            .join(Pillar, Outcome.pillar_id == Pillar.id)
            .where(ActivityStatus.status == "completed", ActivityStatus.period_id.in_(period_ids))).all()
        ever = {}
        for pillar, activity_id in rows:
            ever.setdefault(pillar, set()).add(activity_id)
        by_pillar = report.completed_by_pillar
        at_end = by_pillar[by_pillar["period"] == report.last].set_index("pillar")["completed_to_date"]
        assert {int(p): int(n) for p, n in at_end.items() if n} == {p: len(ids) for p, ids in ever.items()}
        for _pillar, group in by_pillar.groupby("pillar"):
            totals = group["completed_to_date"].tolist()
            assert totals == sorted(totals)  # a running total never goes down
            assert totals[-1] == group["newly_completed"].sum()


def test_completed_by_pillar_and_outcome_counts_an_activity_from_its_first_completed_quarter(quarters):
    with quarters.app_context():
        strategy = current_strategy()
        periods, _ = report_periods(strategy)
        frame = completed_over_time(strategy, periods)
        assert [p.code for p in periods] == ["2026-Q2", "2026-Q3"]
        cells = {(row["period"], row["outcome"]): (row["newly_completed"], row["completed_to_date"])
                 for row in frame.to_dict("records")}
        # 2.1.1.1 was reported completed in 2026-Q2 and keeps that status in 2026-Q3
        assert cells[("2026-Q2", "2.1")] == (1, 1)
        assert cells[("2026-Q3", "2.1")] == (0, 1)
        assert cells[("2026-Q2", "1.1")] == (0, 0)
        assert cells[("2026-Q3", "1.1")] == (0, 0)


def test_amendments_list_the_glm_meetings_decision_and_the_count_per_glm(strategy_demo):
    with strategy_demo.app_context():
        report = closing_report(current_strategy(), DEMO_TODAY)
        decision = db.session.scalar(select(Decision).where(Decision.amendment_id.is_not(None)))
        meeting = db.session.get(Meeting, decision.meeting_id)
        row = report.amendments.set_index("number").loc[decision.amendment_id]
        assert (row["code"], row["state"], row["outcome"], row["method"]) == ("1.3.1.2", "applied", "verified", "vote")
        assert (row["votes_for"], row["votes_against"], row["votes_abstaining"]) == (2, 0, 1)
        assert row["glm"] == meeting.period.code and row["glm_on"] == meeting.local_date
        by_glm = report.amendments_by_glm.set_index("glm")
        assert int(by_glm.loc[meeting.period.code, "verified"]) == 1
        assert int(by_glm.loc[meeting.period.code, "rejected"]) == 0


def test_carry_over_is_empty_until_decided_then_gives_the_decision_target_and_reason(strategy_demo):
    with strategy_demo.app_context():
        strategy = current_strategy()
        assert closing_report(strategy, DEMO_TODAY).carry_over.empty
        first, second = db.session.scalars(select(Activity).where(Activity.strategy_id == strategy.id)
                                           .order_by(Activity.position).limit(2)).all()
        db.session.add(CarryOver(from_activity_id=second.id, decision="discontinued",
                                 reason={"fr": "Plus utile", "en": "No longer needed"}))
        db.session.add(CarryOver(from_activity_id=first.id, to_activity_id=second.id, decision="continue"))
        db.session.commit()
        rows = closing_report(strategy, DEMO_TODAY).carry_over.to_dict("records")
        assert [(r["code"], r["decision"], r["to_code"]) for r in rows] == [
            (first.code, "continue", second.code), (second.code, "discontinued", "")]
        assert (rows[1]["reason_fr"], rows[1]["reason_en"]) == ("Plus utile", "No longer needed")
        assert rows[0]["to_strategy"] == strategy.slug


def test_a_closed_strategys_report_shows_the_figures_it_closed_with(strategy_demo):
    with strategy_demo.app_context():
        before = closing_report(current_strategy(), DEMO_TODAY)
        slug = before.strategy.slug
        close_current()
        after = closing_report(reported_strategy(slug), DEMO_TODAY)
        pd.testing.assert_frame_equal(after.status_counts, before.status_counts)
        pd.testing.assert_frame_equal(after.completed, before.completed)
        pd.testing.assert_frame_equal(after.compliance, before.compliance)
