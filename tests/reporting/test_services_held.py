"""Reporting writes held at their edges (issue 23): periods, drafts, carry-over, plan changes, review, comments."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from sip.bodies.models import Body
from sip.core.models import AuditEntry
from sip.extensions import db
from sip.inbox.models import Notification
from sip.plan.models import Activity, Responsibility, Strategy
from sip.reporting import services, statuses
from sip.reporting.models import ActivityStatus, ActivityUpdate, GroupReport, ReportComment, ReportingPeriod
from sip.reporting.services import CarriedUnconfirmed, ReportError, UpdateData, VersionConflict
from tests.conftest import counting_queries
from tests.reporting.test_services import FIRST, SECOND, ctx, world  # noqa: F401  ctx and world are fixtures

TODAY = date.today()
QUERIES_TO_SYNC_TWO_REPORTS = 17  # one for the reports with their updates, bodies and periods; the rest per report


@pytest.fixture
def member(world, make_user):
    """A member of wg-training (asked for before `ctx`, which holds the database while a test runs)."""
    return make_user("Mo Member", bodies=[("wg-training", "member")])


@pytest.fixture
def reviewer(world, make_user):
    """A second member of the Rome support team."""
    return make_user("Rita Reviewer", bodies=[("rome-support-team", "member")])


def entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def told(kind: str) -> list[int]:
    """The people told of an event of this kind, by id."""
    return sorted(db.session.scalars(select(Notification.user_id).where(Notification.kind == kind)))


def body(slug: str) -> Body:
    return db.session.scalar(select(Body).where(Body.slug == slug))


def give(ctx, code: str, slug: str) -> Activity:
    """Make another body accountable for an activity (wg-training stays responsible for it)."""
    activity = ctx.activity(code)
    activity.accountable_body_id = body(slug).id
    statuses.refresh(activity.strategy_id, [activity.id])
    db.session.commit()
    return activity


def add_activity(ctx, code="3.1.1.99", accountable="wg-training") -> Activity:
    """A new activity in the plan, accountable body chosen, wg-training responsible."""
    output = ctx.activity(FIRST).output
    added = Activity(strategy_id=ctx.strategy.id, output=output, code=code, text={"en": "New", "fr": "Nouveau"},
                     position=999, plan_status="planned", added_on=date(2026, 11, 1),
                     accountable_body_id=body(accountable).id)
    added.responsibilities.append(Responsibility(body_id=ctx.body.id, role="lead"))
    db.session.add(added)
    db.session.flush()
    statuses.refresh(ctx.strategy.id, [added.id])
    return added


# --- periods --------------------------------------------------------------------------------------


def test_period_codes_are_read_whatever_the_case_and_the_spaces_around(app_ctx):
    assert services.parse_period_code(" 2026-q4 ") == (2026, 4)
    assert services.parse_period_code("2025-Q1") == (2025, 1)
    for bad in (None, "", "2026-Q5", "2026-Q0", "2026Q4", "x2026-Q4", "2026-Q4x", "26-Q4"):
        with pytest.raises(ReportError, match=r"^Write the period as YEAR-Qn, for example 2026-Q4\.$"):
            services.parse_period_code(bad)


@pytest.mark.parametrize("month", range(1, 13))
def test_a_strategys_quarters_start_with_the_quarter_of_its_first_day(app_ctx, month):
    quarter = (month - 1) // 3 + 1
    strategy = Strategy(code="s", starts_on=date(2022, month, 1), ends_on=date(2022, 12, 31))
    assert services.strategy_quarters(strategy) == [(2022, q) for q in range(quarter, 5)]


def test_a_strategys_quarters_cross_the_year_and_stop_with_the_quarter_holding_its_last_day(app_ctx):
    strategy = Strategy(code="s", starts_on=date(2022, 11, 15), ends_on=date(2023, 4, 1))
    assert services.strategy_quarters(strategy) == [(2022, 4), (2023, 1), (2023, 2)]  # ends on Q2's first day
    strategy.ends_on = date(2023, 3, 31)
    assert services.strategy_quarters(strategy) == [(2022, 4), (2023, 1)]


def test_ensuring_periods_creates_each_missing_quarter_once_upcoming_with_its_status_rows(app, make_plan):
    strategy_id = make_plan(activities=2)
    with app.app_context():
        strategy = db.session.get(Strategy, strategy_id)
        db.session.add(ReportingPeriod(strategy_id=strategy_id, year=2022, quarter=1, state="open"))
        db.session.commit()
        assert services.ensure_periods(strategy) == 19
        db.session.commit()
        periods = list(db.session.scalars(select(ReportingPeriod).order_by(ReportingPeriod.year,
                                                                          ReportingPeriod.quarter)))
        assert [p.code for p in periods] == [f"{y}-Q{q}" for y in range(2022, 2027) for q in range(1, 5)]
        assert [p.state for p in periods] == ["open"] + ["upcoming"] * 19
        [entry] = entries("periods.created")
        assert (entry.entity, entry.entity_id, entry.after) == ("strategy", str(strategy_id), {"count": 19})
        rows = db.session.execute(select(ActivityStatus.activity_id, ActivityStatus.period_id)).all()
        activity_ids = set(db.session.scalars(select(Activity.id)))
        assert set(rows) == {(a, p.id) for a in activity_ids for p in periods}  # every activity, every quarter
        assert services.ensure_periods(strategy) == 0
        assert len(entries("periods.created")) == 1 and len(list(db.session.scalars(select(ReportingPeriod)))) == 20


def test_a_period_is_found_by_its_code_in_its_own_strategy_only(app, make_plan):
    first, second = make_plan(code="plan-a"), make_plan(code="plan-b")
    with app.app_context():
        for strategy_id in (first, second):
            services.ensure_periods(db.session.get(Strategy, strategy_id))
        db.session.commit()
        strategy = db.session.get(Strategy, second)
        found = services.find_period(strategy, "2023-q2")
        assert (found.strategy_id, found.year, found.quarter) == (second, 2023, 2)
        assert services.find_period(strategy, "2023") is None
        assert services.find_period(strategy, "2031-Q1") is None


def test_opening_a_period_without_an_opening_day_opens_it_today_audited_and_tells_the_leads(ctx):
    spring = ctx.period("2026-Q2")
    services.open_period(spring, TODAY + timedelta(days=20), actor=ctx.secretariat)
    db.session.rollback()  # committed
    spring = ctx.period("2026-Q2")
    assert (spring.state, spring.opens_on, spring.due_on) == ("open", TODAY, TODAY + timedelta(days=20))
    entry = entries("period.opened")[-1]
    assert (entry.entity, entry.entity_id, entry.user_id) == ("reporting_period", str(spring.id), ctx.secretariat.id)
    assert entry.before == {"state": "upcoming", "due_on": None}
    assert entry.after == {"state": "open", "due_on": (TODAY + timedelta(days=20)).isoformat()}
    assert ctx.lead.id in told("period_opened")


def test_moving_an_open_periods_due_date_records_the_old_one_and_never_tells_the_actor(ctx):
    autumn = ctx.period()
    before = told("period_opened")
    services.open_period(autumn, date(2027, 1, 31), actor=ctx.lead, opens_on=date(2026, 10, 1))
    entry = entries("period.opened")[-1]
    assert entry.before == {"state": "open", "due_on": "2027-01-15"} and entry.user_id == ctx.lead.id
    assert entries("period.opened")[0].user_id is None  # opened by the system (the fixture)
    assert told("period_opened") == before  # the lead moved it: nobody else leads a working group here
    services.open_period(autumn, date(2027, 2, 1), actor=ctx.secretariat, opens_on=date(2026, 10, 1))
    assert told("period_opened") == sorted(before + [ctx.lead.id])  # a new due date tells the leads again


def test_a_closed_period_cannot_be_opened_again_and_nothing_is_written(ctx):
    autumn = ctx.period()
    services.close_period(autumn, ctx.secretariat)
    opened = len(entries("period.opened"))
    with pytest.raises(ReportError, match=r"^2026-Q4 is closed; it cannot be opened again\.$"):
        services.open_period(autumn, date(2027, 2, 1), actor=ctx.secretariat, opens_on=date(2026, 10, 1))
    db.session.rollback()
    autumn = ctx.period()
    assert (autumn.state, autumn.due_on) == ("closed", date(2027, 1, 15)) and len(entries("period.opened")) == opened


def test_a_due_date_before_the_opening_day_is_refused_in_words_and_nothing_is_written(ctx):
    spring = services.find_period(ctx.strategy, "2026-Q2")
    with pytest.raises(ReportError, match=r"^The due date must not be before the day the period opens\.$"):
        services.open_period(spring, date(2026, 3, 31), actor=ctx.secretariat, opens_on=date(2026, 4, 1))
    db.session.rollback()
    spring = services.find_period(ctx.strategy, "2026-Q2")
    assert (spring.state, spring.due_on) == ("upcoming", None)
    services.open_period(spring, date(2026, 4, 1), actor=ctx.secretariat, opens_on=date(2026, 4, 1))  # the same day
    assert (spring.state, spring.due_on) == ("open", date(2026, 4, 1))


def test_closing_a_period_is_committed_and_audited_with_the_actor(ctx):
    services.close_period(ctx.period(), ctx.secretariat)
    db.session.rollback()
    assert ctx.period().state == "closed"
    [entry] = entries("period.closed")
    assert (entry.entity, entry.entity_id, entry.user_id) == ("reporting_period", str(ctx.period().id),
                                                              ctx.secretariat.id)
    assert (entry.before, entry.after) == ({"state": "open"}, {"state": "closed"})


def test_only_an_open_period_can_be_closed(ctx):
    with pytest.raises(ReportError, match=r"^Only an open period can be closed\.$"):
        services.close_period(ctx.period("2026-Q2"), ctx.secretariat)
    db.session.rollback()
    assert ctx.period("2026-Q2").state == "upcoming" and entries("period.closed") == []


def test_marking_a_glm_period_keeps_a_trimmed_name_and_unmarking_drops_it_each_audited(ctx):
    autumn = ctx.period()
    services.set_glm(autumn, True, "  GLM June  ", ctx.secretariat)
    db.session.rollback()
    autumn = ctx.period()
    assert (autumn.glm, autumn.glm_name) == (True, "GLM June")
    services.set_glm(autumn, True, "   ", ctx.secretariat)
    assert (ctx.period().glm, ctx.period().glm_name) == (True, None)
    services.set_glm(autumn, True, "GLM June", ctx.secretariat)
    services.set_glm(autumn, False, "Ignored", ctx.secretariat)
    services.set_glm(autumn, True, None, ctx.secretariat)
    assert (ctx.period().glm, ctx.period().glm_name) == (True, None)
    services.set_glm(autumn, False, None, ctx.secretariat)
    db.session.rollback()
    assert (ctx.period().glm, ctx.period().glm_name) == (False, None)
    audited = entries("period.glm")
    assert [(e.before, e.after) for e in audited] == [
        ({"glm": False, "glm_name": None}, {"glm": True, "glm_name": "GLM June"}),
        ({"glm": True, "glm_name": "GLM June"}, {"glm": True, "glm_name": None}),
        ({"glm": True, "glm_name": None}, {"glm": True, "glm_name": "GLM June"}),
        ({"glm": True, "glm_name": "GLM June"}, {"glm": False, "glm_name": None}),
        ({"glm": False, "glm_name": None}, {"glm": True, "glm_name": None}),
        ({"glm": True, "glm_name": None}, {"glm": False, "glm_name": None}),
    ]
    assert {(e.entity, e.entity_id, e.user_id) for e in audited} == {
        ("reporting_period", str(autumn.id), ctx.secretariat.id)}


# --- what a report covers -------------------------------------------------------------------------


def test_an_activity_naming_no_accountable_body_takes_its_status_from_any_responsible_body(app_ctx):
    assert services.is_accountable(Activity(accountable_body_id=None), 7)
    assert services.is_accountable(Activity(accountable_body_id=7), 7)
    assert not services.is_accountable(Activity(accountable_body_id=8), 7)


def test_a_body_reports_on_open_activities_it_is_accountable_or_responsible_for_in_plan_order(ctx):
    give(ctx, SECOND, "glc")  # still responsible: a contribution
    only_accountable = add_activity(ctx, "3.1.1.98")
    only_accountable.responsibilities.clear()
    retired = add_activity(ctx, "3.1.1.97")
    retired.retired_on = date(2026, 11, 2)
    db.session.commit()
    assert [a.code for a in services.reportable_activities(ctx.body)] == [FIRST, SECOND, "3.1.1.98"]
    assert services.reportable_activities(Body(id=10**6, slug="none")) == []
    solo = Body(slug="solo", kind="working_group", name={"en": "Solo", "fr": "Solo"}, aliases=[])
    db.session.add(solo)
    db.session.flush()
    db.session.add(Responsibility(activity_id=ctx.activity(FIRST).id, body_id=solo.id, role="member"))
    db.session.commit()
    assert [a.code for a in services.reportable_activities(solo)] == [FIRST]


def test_an_activity_placed_first_in_the_plan_comes_first_in_the_report_though_written_last(ctx):
    # An amendment adds an activity at the head of the plan: the latest row, with the highest code, in first place.
    first_place = add_activity(ctx, "3.1.1.99")
    first_place.position = 0
    db.session.commit()
    assert [a.code for a in services.reportable_activities(ctx.body)] == ["3.1.1.99", FIRST, SECOND]


def test_a_draft_keeps_an_activity_completed_meanwhile_even_synced_and_a_submitted_one_covers_its_updates(ctx):
    draft = ctx.write()  # 2026-Q4, both activities
    q3 = ctx.write(ctx.complete(status="completed"), code="2026-Q3", submit=True)
    services.accept_report(q3, ctx.secretariat)
    assert statuses.current_status(ctx.activity(FIRST)).status == "completed"
    assert [a.code for a in services.reportable_activities(ctx.body)] == [SECOND]
    assert [a.code for a in services.reportable_activities(ctx.body, draft)] == [FIRST, SECOND]
    assert services.reconcile_report(draft) is False  # a completed activity's typed text stays in the draft
    assert sorted(u.activity.code for u in draft.updates) == [FIRST, SECOND]
    unsaved = GroupReport(state="draft")
    assert [a.code for a in services.reportable_activities(ctx.body, unsaved)] == [SECOND]
    q3.updates.reverse()
    assert [a.code for a in services.reportable_activities(ctx.body, q3)] == [FIRST, SECOND]


def test_saving_a_draft_again_keeps_an_activity_completed_meanwhile_with_its_text(ctx):
    draft = ctx.write()  # 2026-Q4, both activities
    q3 = ctx.write(ctx.complete(status="completed"), code="2026-Q3", submit=True)
    services.accept_report(q3, ctx.secretariat)
    saved = ctx.write()  # the group saves its draft again: the completed activity's update is still theirs to edit
    assert saved.id == draft.id
    assert sorted(u.activity.code for u in saved.updates) == [FIRST, SECOND]
    assert entries("report.update_removed") == []


# --- plan changes reaching open reports -----------------------------------------------------------


def test_syncing_reaches_only_unsubmitted_reports_of_open_periods_of_the_strategy_for_those_activities(ctx):
    services.open_period(ctx.period("2026-Q2"), date(2026, 7, 15), actor=None, opens_on=date(2026, 4, 1))
    closed = ctx.write(code="2026-Q2")
    services.close_period(ctx.period("2026-Q2"), ctx.secretariat)
    services.open_period(ctx.period("2026-Q1"), date(2026, 4, 15), actor=None, opens_on=date(2026, 1, 1))
    submitted = ctx.write(code="2026-Q1", submit=True)
    summer, autumn = ctx.write(code="2026-Q3"), ctx.write()
    other = Strategy(code="other", title={"en": "Other", "fr": "Autre"}, starts_on=date(2026, 1, 1),
                     ends_on=date(2026, 12, 31), state="draft")
    db.session.add(other)
    db.session.flush()
    elsewhere = GroupReport(body=ctx.body, period=ReportingPeriod(strategy_id=other.id, year=2026, quarter=4,
                                                                  state="open"), state="draft", version=1)
    db.session.add(elsewhere)
    reports = (closed, submitted, summer, autumn, elsewhere)
    versions = [r.version for r in reports]
    assert services.sync_open_reports(ctx.strategy.id, []) == 0
    added = add_activity(ctx)
    ctx.activity(FIRST).retired_on = date(2026, 11, 20)  # not synchronised: not one of the activities named
    assert services.sync_open_reports(ctx.strategy.id, [added.id], actor=ctx.secretariat) == 2
    db.session.commit()
    assert [r.version for r in reports] == [versions[0], versions[1], versions[2] + 1, versions[3] + 1, versions[4]]
    assert [added.id in {u.activity_id for u in r.updates} for r in reports] == [False, False, True, True, False]
    assert ctx.activity(FIRST).id in {u.activity_id for u in autumn.updates}
    entry = entries("report.synced")[-1]
    assert (entry.entity, entry.entity_id, entry.user_id) == ("group_report", str(autumn.id), ctx.secretariat.id)
    assert entry.after == {"added": ["3.1.1.99"], "removed": [], "contribution": [], "accountable": [],
                           "version": autumn.version}


def test_accountability_moving_leaves_a_submitted_report_as_it_was(ctx):
    submitted = ctx.write(submit=True)
    second = give(ctx, SECOND, "glc")
    assert services.sync_open_reports(ctx.strategy.id, [second.id]) == 0
    update_ = ctx.update_of(submitted, SECOND)
    assert (update_.contribution, update_.status, submitted.version) == (False, "planned", 2)


def test_syncing_a_report_that_already_covers_the_plan_changes_nothing(ctx):
    draft = ctx.write()
    assert services.sync_open_reports(ctx.strategy.id, list(ctx.ids())) == 0
    assert services.reconcile_report(draft) is False
    assert draft.version == 1 and entries("report.synced") == []


def test_accountability_moving_away_and_back_turns_an_update_into_a_note_and_back(ctx):
    first, second = ctx.ids()
    draft = ctx.write({first: UpdateData(status="on_track", achievements="Trained."),
                       second: UpdateData(status="delayed", progress_pct=10, achievements="Our part.",
                                          challenges="Rain.")})
    give(ctx, SECOND, "glc")
    assert services.sync_open_reports(ctx.strategy.id, [second], actor=ctx.secretariat) == 1
    note = ctx.update_of(draft, SECOND)
    assert (note.contribution, note.status, note.progress_pct, note.achievements, note.challenges) == (
        True, None, None, "Our part.", "")
    [dropped] = entries("report.update_to_contribution")
    assert (dropped.entity, dropped.entity_id, dropped.user_id) == ("group_report", str(draft.id),
                                                                    ctx.secretariat.id)
    assert dropped.before == {"activity": SECOND, "status": "delayed", "progress_pct": 10, "contribution": False,
                              "achievements": "Our part.", "challenges": "Rain."}
    assert dropped.after == {"period": "2026-Q4", "body": "wg-training"}
    assert entries("report.synced")[-1].after == {"added": [], "removed": [], "contribution": [SECOND],
                                                  "accountable": [], "version": 2}
    give(ctx, SECOND, "wg-training")
    assert services.sync_open_reports(ctx.strategy.id, [second]) == 1
    update_ = ctx.update_of(draft, SECOND)
    assert (update_.contribution, update_.status, update_.achievements) == (False, None, "Our part.")
    assert len(entries("report.update_to_contribution")) == 1  # a note becoming a full update loses nothing
    assert entries("report.synced")[-1].after == {"added": [], "removed": [], "contribution": [],
                                                  "accountable": [SECOND], "version": 3}


@pytest.mark.parametrize("data, recorded", [
    (UpdateData(achievements="Only the note."), False),
    (UpdateData(), False),
    (UpdateData(progress_pct=0), True),
    (UpdateData(support_needed="Money."), True),
])
def test_an_update_turned_into_a_note_is_recorded_only_when_it_held_more_than_the_note(ctx, data, recorded):
    first, second = ctx.ids()
    ctx.write({first: UpdateData(status="on_track", achievements="Trained."), second: data})
    give(ctx, SECOND, "glc")
    assert services.sync_open_reports(ctx.strategy.id, [second]) == 1
    assert len(entries("report.update_to_contribution")) == int(recorded)


def test_an_update_the_plan_took_away_is_dropped_with_its_texts_in_the_history_even_unsynced(ctx):
    first, second = ctx.ids()
    ctx.write({first: UpdateData(status="on_track", progress_pct=30, achievements="Trained.", next_steps="More."),
               second: UpdateData(status="planned", no_progress=True)})
    activity = ctx.activity(FIRST)
    activity.responsibilities.clear()
    activity.accountable_body_id = body("wg-partnerships").id
    db.session.commit()
    report = ctx.write({second: UpdateData(status="planned", no_progress=True)})  # nobody synchronised it
    assert [u.activity.code for u in report.updates] == [SECOND]
    [entry] = entries("report.update_removed")
    assert (entry.entity, entry.entity_id, entry.user_id) == ("group_report", str(report.id), ctx.lead.id)
    assert entry.before == {"activity": FIRST, "status": "on_track", "progress_pct": 30, "contribution": False,
                            "achievements": "Trained.", "next_steps": "More."}


def test_syncing_a_removed_activity_lists_it_and_moves_the_version_on(ctx):
    first, second = ctx.ids()
    draft = ctx.write({first: UpdateData(achievements="Only words."), second: UpdateData(status="planned")})
    activity = ctx.activity(FIRST)
    activity.retired_on, activity.plan_status = date(2026, 11, 20), "discontinued"
    statuses.refresh(ctx.strategy.id, [activity.id])
    assert services.reconcile_report(draft, ctx.secretariat) is True
    assert [u.activity.code for u in draft.updates] == [SECOND] and draft.version == 2
    assert entries("report.synced")[-1].after == {"added": [], "removed": [FIRST], "contribution": [],
                                                  "accountable": [], "version": 2}
    [entry] = entries("report.update_removed")  # even with no status: a removed update is always recorded
    assert entry.user_id == ctx.secretariat.id and entry.before == {
        "activity": FIRST, "status": None, "progress_pct": None, "contribution": False, "achievements": "Only words."}


def test_an_update_added_or_switched_into_a_draft_starts_from_its_last_accepted_update(ctx):
    first, second = ctx.ids()
    q3 = ctx.write({first: UpdateData(status="on_track", progress_pct=50, achievements="Trained 40 people."),
                    second: UpdateData(status="planned", achievements="Shared text.")}, code="2026-Q3", submit=True)
    services.accept_report(q3, ctx.secretariat)
    accepted = {u.activity.code: u.id for u in q3.updates}
    give(ctx, SECOND, "glc")
    draft = ctx.write({first: UpdateData(status="on_track", achievements="New."),
                       second: UpdateData(achievements="Shared text.")})
    assert ctx.update_of(draft, SECOND).carried  # the note repeats the body's own last words
    give(ctx, SECOND, "wg-training")
    assert services.sync_open_reports(ctx.strategy.id, [second]) == 1
    switched = ctx.update_of(draft, SECOND)
    assert (switched.contribution, switched.carried, switched.carried_fields, switched.carried_from_id) == (
        False, False, ["achievements"], accepted[SECOND])
    activity = ctx.activity(FIRST)
    activity.retired_on = date(2026, 11, 20)
    services.reconcile_report(draft)
    activity.retired_on = None
    services.reconcile_report(draft)
    readded = ctx.update_of(draft, FIRST)
    assert (readded.status, readded.progress_pct, readded.achievements) == ("on_track", 50, "Trained 40 people.")
    assert readded.carried and readded.carried_from_id == accepted[FIRST]


def test_a_note_starts_from_its_own_bodys_note_even_when_another_body_was_accepted_since(ctx):
    second = give(ctx, SECOND, "glc")
    services.open_period(ctx.period("2026-Q2"), date(2026, 7, 15), actor=None, opens_on=date(2026, 4, 1))
    q2 = ctx.write({ctx.activity(FIRST).id: UpdateData(status="on_track", achievements="Trained."),
                    second.id: UpdateData(achievements="Our spring part.")}, code="2026-Q2", submit=True)
    services.accept_report(q2, ctx.secretariat)
    glc = services.write_report(body("glc"), ctx.period("2026-Q3"), ctx.secretariat, 0, "GLC.",
                                {second.id: UpdateData(status="on_track", achievements="The GLC's summer.")})
    glc.state = "accepted"  # (its other activities are not the point here)
    db.session.commit()
    notes = services.previous_updates(ctx.body, [second], ctx.period())
    assert [u.achievements for u in notes.values()] == ["Our spring part."]
    statuses_ = services.previous_updates(body("glc"), [second], ctx.period())
    assert [u.achievements for u in statuses_.values()] == ["The GLC's summer."]


# --- carry-over -----------------------------------------------------------------------------------


def test_a_note_starts_from_the_bodys_own_last_note_and_a_status_never_from_a_note(ctx):
    give(ctx, SECOND, "glc")
    q3 = ctx.write({ctx.activity(FIRST).id: UpdateData(status="on_track", achievements="Trained."),
                    ctx.activity(SECOND).id: UpdateData(achievements="Our part.")}, code="2026-Q3", submit=True)
    services.accept_report(q3, ctx.secretariat)
    second = ctx.activity(SECOND)
    autumn = ctx.period()
    assert services.last_accepted_updates([], autumn) == {}
    assert [u.achievements for u in services.last_accepted_updates([second.id], autumn).values()] == ["Our part."]
    assert services.last_accepted_updates([second.id], autumn, statuses_only=True) == {}
    assert services.last_accepted_updates([second.id], autumn, body_id=body("glc").id) == {}
    assert list(services.last_accepted_updates([second.id], autumn, body_id=ctx.body.id)) == [second.id]
    notes = services.previous_updates(ctx.body, [second, ctx.activity(FIRST)], autumn)
    assert {a: u.achievements for a, u in notes.items()} == {second.id: "Our part.",
                                                              ctx.activity(FIRST).id: "Trained."}
    assert services.previous_updates(body("glc"), [second], autumn) == {}
    draft = ctx.write({ctx.activity(FIRST).id: UpdateData(status="on_track", achievements="New."),
                       second.id: UpdateData(achievements="Our part.")})
    note = ctx.update_of(draft, SECOND)
    assert note.carried and note.carried_fields == ["achievements"] and note.carried_from_id == notes[second.id].id


def test_what_counts_as_the_same_text(app_ctx):
    assert UpdateData(status=None, achievements="A").same_text_as(UpdateData(status="", achievements="A"))
    assert UpdateData(no_progress=True).same_text_as(UpdateData())
    assert UpdateData(progress_pct=50).same_text_as(UpdateData(progress_pct=50))
    assert not UpdateData(progress_pct=0).same_text_as(UpdateData())
    assert not UpdateData().same_text_as(UpdateData(progress_pct=0))
    assert not UpdateData(achievements="A").same_text_as(UpdateData(achievements="B"))
    assert not UpdateData(status="on_track").same_text_as(UpdateData(status="delayed"))


def test_carried_data_starts_a_full_update_with_progress_claimed_and_a_note_with_the_note_only(app_ctx):
    previous = ActivityUpdate(status="delayed", progress_pct=20, achievements="Done.", challenges="Rain.",
                              next_steps="More.", support_needed="", evidence_links="https://e.org", no_progress=True)
    assert services.carried_data(None) == UpdateData()
    assert services.carried_data(previous) == UpdateData(
        status="delayed", progress_pct=20, achievements="Done.", challenges="Rain.", next_steps="More.",
        support_needed="", evidence_links="https://e.org", no_progress=False)
    assert services.carried_data(previous, contribution=True) == UpdateData(achievements="Done.")
    assert services.carried_data(ActivityUpdate(achievements=None), contribution=True) == UpdateData()
    assert UpdateData.of(previous).no_progress is True


def test_carried_fields_are_non_empty_texts_equal_but_for_spaces_and_line_endings(app_ctx):
    previous = ActivityUpdate(achievements="Done.", challenges="", next_steps="One.\r\nTwo.",
                              support_needed="Help.\nNow.", evidence_links="https://e.org")
    data = UpdateData(achievements=" Done. ", challenges="", next_steps="One.\nTwo.\n",
                      support_needed="Help.\r\nNow.", evidence_links="https://e.org/other")
    assert services.carried_fields(data, previous) == ["achievements", "next_steps", "support_needed"]
    assert services.carried_fields(UpdateData(challenges=" "), ActivityUpdate(challenges=None)) == []
    assert services.carried_fields(UpdateData(challenges="XXXX"), ActivityUpdate(challenges=None)) == []  # any text
    assert services.carried_fields(data, None) == []


def test_a_half_carried_update_points_to_where_its_carried_texts_come_from(ctx):
    ctx.accepted_quarter()
    previous = services.last_accepted_updates(list(ctx.ids()), ctx.period())
    first = ctx.activity(FIRST).id
    data = services.carried_data(previous[first])
    data.achievements = "New this quarter."
    data.next_steps = "  " + (previous[first].next_steps or "Plan.") + " "
    previous[first].next_steps = data.next_steps.strip()
    report = ctx.write({first: data})
    update_ = ctx.update_of(report, FIRST)
    assert not update_.carried and update_.carried_fields == ["next_steps"]
    assert update_.carried_from_id == previous[first].id and update_.next_steps == data.next_steps.strip()


# --- saving ---------------------------------------------------------------------------------------


def test_what_a_single_update_may_not_hold(app_ctx):
    activity = Activity(code="1.2.3.4")
    assert services.check_update(activity, UpdateData(status=None, progress_pct=0)) == []
    assert services.check_update(activity, UpdateData(status="", progress_pct=100, evidence_links=(
        "  HTTPS://Example.org/a  \n\nhttp://e.org"))) == []
    long = "ftp://" + "x" * 100
    assert services.check_update(activity, UpdateData(status="done", progress_pct=101,
                                                      evidence_links=f"https://ok.org\n{long}\nhttp:// spaced")) == [
        "1.2.3.4: the status is not one of the list.",
        "1.2.3.4: progress is a percentage between 0 and 100.",
        f"1.2.3.4: “{long[:80]}” is not a web address (http:// or https://).",
        "1.2.3.4: “http:// spaced” is not a web address (http:// or https://).",
    ]
    assert services.check_update(activity, UpdateData(progress_pct=-1)) == [
        "1.2.3.4: progress is a percentage between 0 and 100."]


def test_a_first_save_writes_a_trimmed_draft_with_an_update_for_every_activity_and_audits_it(ctx):
    first, _second = ctx.ids()
    report = ctx.write({first: UpdateData(status="on_track", achievements="  Trained.\n")}, summary="  Summer.  ")
    db.session.rollback()
    report = services.find_report(ctx.body, ctx.period())
    assert (report.state, report.version, report.summary, report.updated_by_id) == ("draft", 1, "Summer.",
                                                                                    ctx.lead.id)
    assert report.updated_at is not None
    assert [(u.activity.code, u.status, u.achievements, u.contribution) for u in
            sorted(report.updates, key=lambda u: u.activity.position)] == [
        (FIRST, "on_track", "Trained.", False), (SECOND, None, "", False)]
    [entry] = entries("report.saved")
    assert (entry.entity, entry.entity_id, entry.user_id, entry.after) == (
        "group_report", str(report.id), ctx.lead.id, {"version": 1, "state": "draft"})
    services.write_report(ctx.body, ctx.period(), ctx.lead, 1, None, {})
    assert services.find_report(ctx.body, ctx.period()).summary == ""


def test_saving_a_report_nobody_saved_yet_from_a_later_version_is_a_conflict(ctx):
    with pytest.raises(VersionConflict, match="^the report changed since the form was opened$") as conflict:
        services.write_report(ctx.body, ctx.period(), ctx.lead, 1, "Summary", ctx.complete())
    assert conflict.value.report is None and services.find_report(ctx.body, ctx.period()) is None


def test_saving_reads_the_report_again_so_a_save_made_meanwhile_is_a_conflict(ctx):
    report = ctx.write()
    report_id = report.id
    assert report.version == 1
    db.session.commit()  # this session holds no transaction, but keeps the report it loaded
    with db.engine.begin() as other:  # someone else saved it meanwhile
        other.execute(update(GroupReport).where(GroupReport.id == report_id).values(version=2))
    set_committed_value(report, "version", 1)  # what this session last read
    assert services.find_report(ctx.body, ctx.period(), for_update=True).version == 2
    db.session.rollback()


def test_a_report_the_group_can_no_longer_change_says_its_state(ctx):
    ctx.write(submit=True)
    with pytest.raises(ReportError, match=r"^This report is Submitted and can no longer be changed by the group\.$"):
        ctx.write()


def test_saving_in_a_period_that_is_not_open_names_the_period(ctx):
    with pytest.raises(ReportError, match=r"^2026-Q2 is not open for reports\.$"):
        ctx.write(code="2026-Q2")


def test_bad_values_refuse_the_save_with_each_problem(ctx):
    first, _second = ctx.ids()
    with pytest.raises(ReportError, match=r"^The report was not saved\.$") as refusal:
        ctx.write({first: UpdateData(progress_pct=200)})
    assert refusal.value.problems == [f"{FIRST}: progress is a percentage between 0 and 100."]
    assert ReportError("x").problems == []


def test_a_report_is_found_for_its_own_body_and_period(ctx):
    ctx.write()
    give(ctx, SECOND, "glc")
    other = services.write_report(body("glc"), ctx.period(), ctx.lead, 0, "GLC.", {})
    assert services.find_report(ctx.body, ctx.period()).body_id == ctx.body.id
    assert services.find_report(body("glc"), ctx.period()).id == other.id
    assert services.find_report(ctx.body, ctx.period("2026-Q3")) is None


# --- submitting -----------------------------------------------------------------------------------


def test_a_blank_summary_holds_submitting_back_and_a_note_needs_no_status(ctx):
    give(ctx, SECOND, "glc")
    report = ctx.write({ctx.activity(FIRST).id: UpdateData(status="on_track", achievements="Trained.")},
                       summary="   ")
    assert services.submission_problems(report) == ["Write a summary of the quarter for the whole report."]
    with pytest.raises(ReportError, match=r"^The report is saved but not submitted yet\.$") as refusal:
        services.submit_report(report, ctx.lead)
    assert refusal.value.problems == ["Write a summary of the quarter for the whole report."]
    report = ctx.write({ctx.activity(FIRST).id: UpdateData(status="on_track", achievements="Trained.")})
    assert services.carried_unchanged(report) == []
    services.submit_report(report, ctx.lead)
    assert report.state == "submitted"


def test_submitting_is_committed_audited_versioned_and_tells_the_secretariat_but_not_the_actor(reviewer, ctx):
    report = ctx.write(submit=True, actor=ctx.secretariat)
    db.session.rollback()
    report = services.find_report(ctx.body, ctx.period())
    assert (report.state, report.version, report.submitted_by_id) == ("submitted", 2, ctx.secretariat.id)
    assert report.submitted_at is not None
    entry = entries("report.submitted")[-1]
    assert (entry.entity_id, entry.user_id, entry.before, entry.after) == (
        str(report.id), ctx.secretariat.id, {"state": "draft"}, {"state": "submitted"})
    assert told("report_submitted") == [reviewer]


def test_resubmitting_a_returned_report_records_that_it_was_returned(ctx):
    report = ctx.write(submit=True)
    services.return_report(report, ctx.secretariat, "More.")
    ctx.write(submit=True)
    assert entries("report.submitted")[-1].before == {"state": "returned"}


def test_only_a_draft_or_returned_report_can_be_submitted(ctx):
    report = ctx.write(submit=True)
    with pytest.raises(ReportError, match=r"^Only a draft or a returned report can be submitted\.$"):
        services.submit_report(report, ctx.lead)


def test_a_closed_period_refuses_submitting_and_names_the_period(ctx):
    report = ctx.write()
    services.close_period(ctx.period(), ctx.secretariat)
    assert services.can_submit_now(report) is False
    with pytest.raises(ReportError, match=r"^2026-Q4 is not open for reports\.$"):
        services.submit_report(report, ctx.lead)


def test_carried_next_steps_and_evidence_are_listed_in_plan_order_and_confirmed_in_the_audit(ctx):
    first, second = ctx.ids()
    links = "https://example.org/proof"
    accepted = {first: UpdateData(status="on_track", achievements="Q3.", next_steps="Go on.", evidence_links=links),
                second: UpdateData(status="planned", achievements="Q3 too.", evidence_links=links)}
    q3 = ctx.write(accepted, code="2026-Q3")
    services.submit_report(q3, ctx.lead)
    services.accept_report(q3, ctx.secretariat)
    again = {first: UpdateData(status="on_track", achievements="Q4.", next_steps="Go on.", evidence_links=links),
             second: UpdateData(status="planned", achievements="Q4 too.", evidence_links=links)}
    with pytest.raises(CarriedUnconfirmed, match=r"^Some next steps or evidence links are carried unchanged from the "
                       r"last accepted update: confirm to submit them as they are\.$") as asked:
        ctx.write(again, submit=True)
    expected = [(FIRST, ["next_steps", "evidence_links"]), (SECOND, ["evidence_links"])]
    assert [(a.code, names) for a, names in asked.value.carried] == expected
    db.session.rollback()
    assert services.find_report(ctx.body, ctx.period()).state == "draft"
    report = services.find_report(ctx.body, ctx.period())
    with pytest.raises(CarriedUnconfirmed):  # submitting asks unless told it was confirmed
        services.submit_report(report, ctx.lead)
    db.session.rollback()
    services.write_report(ctx.body, ctx.period(), ctx.lead, report.version, "Q4.", again, submit=True, confirmed=True)
    assert entries("report.submitted")[-1].after == {"state": "submitted", "carried_confirmed": dict(expected)}


# --- review ---------------------------------------------------------------------------------------


def test_returning_keeps_the_trimmed_note_audited_and_tells_the_group_but_not_the_actor(member, ctx):
    report = ctx.write(submit=True)
    services.return_report(report, ctx.lead, "  Add the numbers.  ")
    db.session.rollback()
    report = services.find_report(ctx.body, ctx.period())
    assert (report.state, report.review_note, report.reviewed_by_id) == ("returned", "Add the numbers.", ctx.lead.id)
    assert report.reviewed_at is not None
    [entry] = entries("report.returned")
    assert (entry.entity_id, entry.user_id, entry.rationale, entry.before, entry.after) == (
        str(report.id), ctx.lead.id, "Add the numbers.", {"state": "submitted"}, {"state": "returned"})
    assert told("report_returned") == [member]


def test_returning_without_a_note_or_an_unsubmitted_report_is_refused(ctx):
    report = ctx.write()
    with pytest.raises(ReportError, match=r"^Only a submitted report can be returned\.$"):
        services.return_report(report, ctx.secretariat, "Fix it.")
    services.submit_report(report, ctx.lead)
    with pytest.raises(ReportError, match=r"^Say what the group should fix: a note is required to return a report"):
        services.return_report(report, ctx.secretariat, None)
    with pytest.raises(ReportError, match=r"^Only a submitted report can be accepted\.$"):
        services.accept_report(ctx.write(code="2026-Q3"), ctx.secretariat)


def test_accepting_audits_the_statuses_it_changed_and_tells_the_group_but_not_the_actor(member, ctx):
    report = ctx.write(ctx.complete(status="at_risk"), submit=True)
    services.accept_report(report, ctx.lead, "   ")
    db.session.rollback()
    report = services.find_report(ctx.body, ctx.period())
    assert (report.state, report.review_note, report.reviewed_by_id) == ("accepted", None, ctx.lead.id)
    assert report.reviewed_at is not None
    [entry] = entries("report.accepted")
    assert (entry.entity_id, entry.user_id, entry.before) == (str(report.id), ctx.lead.id, {"state": "submitted"})
    assert entry.after == {"state": "accepted", "statuses": {FIRST: ["planned", "at_risk"]}}
    assert told("report_accepted") == [member]
    q3 = ctx.write(code="2026-Q3", submit=True)
    services.accept_report(q3, ctx.secretariat, "  Thanks.  ")
    assert q3.review_note == "Thanks."
    services.open_period(ctx.period("2026-Q2"), date(2026, 7, 15), actor=None, opens_on=date(2026, 4, 1))
    q2 = ctx.write(code="2026-Q2", submit=True)
    services.accept_report(q2, ctx.secretariat)
    assert q2.review_note is None


def test_accepting_rewrites_the_status_rows_of_its_own_activities_only(ctx):
    report = ctx.write(submit=True)
    other = db.session.scalar(select(ActivityStatus).where(ActivityStatus.activity_id.not_in(ctx.ids()))
                              .order_by(ActivityStatus.id).limit(1))
    other.progress_pct = 42  # a mark on another activity's row: accepting this report has no reason to touch it
    db.session.commit()
    services.accept_report(report, ctx.secretariat)
    db.session.expire_all()
    assert db.session.get(ActivityStatus, other.id).progress_pct == 42


# --- comments -------------------------------------------------------------------------------------


def test_a_comment_is_trimmed_committed_audited_and_told_to_the_group_unless_internal(member, ctx):
    report = ctx.write()
    comment = services.add_comment(report, ctx.lead, "  Check the numbers. ", internal=False)
    comment_id = comment.id
    db.session.rollback()
    comment = db.session.get(ReportComment, comment_id)
    assert (comment.text, comment.internal, comment.author_id, comment.report_id) == (
        "Check the numbers.", False, ctx.lead.id, report.id)
    [entry] = entries("report.commented")
    assert (entry.entity, entry.entity_id, entry.user_id, entry.after) == (
        "report_comment", str(comment_id), ctx.lead.id, {"report": report.id, "internal": False})
    assert told("report_comment") == sorted([member, ctx.secretariat.id])
    services.add_comment(report, ctx.secretariat, "Between us.", internal=True)
    assert entries("report.commented")[-1].after == {"report": report.id, "internal": True}
    assert told("report_comment") == sorted([member, ctx.secretariat.id])  # the internal one tells nobody new
    with pytest.raises(ReportError, match=r"^Write a comment first\.$"):
        services.add_comment(report, ctx.lead, None, internal=False)


def test_syncing_loads_each_reports_updates_body_and_period_with_the_reports(seeded, ctx):
    ctx.write(code="2026-Q3")
    ctx.write()
    added = add_activity(ctx)
    db.session.commit()
    strategy_id, added_id = ctx.strategy.id, added.id
    db.session.expunge_all()  # nothing loaded yet, as in a new request
    with counting_queries(seeded) as count:
        assert services.sync_open_reports(strategy_id, [added_id]) == 2
    assert count() == QUERIES_TO_SYNC_TWO_REPORTS


def test_a_first_report_on_a_quarter_of_a_plan_not_yet_current_covers_that_plans_activities(ctx):
    """The secretariat may open a quarter of the next plan (a draft) early; the group's first save there files on
    the next plan's activities, not on the current plan's."""
    from tests.cycles.test_carry_over import build_next_plan

    draft = db.session.get(Strategy, build_next_plan())
    for activity in db.session.scalars(select(Activity).where(Activity.strategy_id == draft.id)):
        activity.accountable_body_id = ctx.body.id
    services.ensure_periods(draft)
    db.session.commit()
    period = services.find_period(draft, "2027-Q1")
    services.open_period(period, date(2027, 4, 15), ctx.secretariat, opens_on=date(2027, 1, 1))

    report = services.save_report(ctx.body, period, ctx.lead, 0, "Early start.", {})
    db.session.commit()

    assert sorted(u.activity.code for u in report.updates) == ["1.1.1.1", "1.1.1.2", "1.1.1.3"]
    assert {u.activity.strategy_id for u in report.updates} == {draft.id}
