"""Reporting services on the real plan: carry-forward, submission checks, the state machine, versions, periods."""
from datetime import date

import pytest
from sqlalchemy import func, select

from sip.accounts.models import User
from sip.bodies.queries import find_body
from sip.core.models import AuditEntry
from sip.extensions import db
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from sip.reporting import services, statuses
from sip.reporting.models import ActivityUpdate, GroupReport
from sip.reporting.services import ReportError, UpdateData, VersionConflict
from tests.reporting.conftest import make_accountable

# wg-training reports on two activities of the real plan.
FIRST, SECOND = "3.1.1.2", "3.1.2.1"


@pytest.fixture
def world(seeded, make_user):
    """The real plan with its periods, 2026-Q3 and 2026-Q4 open, a lead of wg-training and a secretariat member."""
    lead = make_user("Lina Lead", bodies=[("wg-training", "lead")])
    secretariat = make_user("Sam Secretariat", bodies=[("rome-support-team", "member")])
    with seeded.app_context():
        make_accountable("wg-training", SECOND)  # the working group's report sets both statuses
        strategy = current_strategy()
        services.ensure_periods(strategy)
        db.session.commit()
        for code, opens, due in (("2026-Q3", date(2026, 7, 1), date(2026, 10, 15)),
                                 ("2026-Q4", date(2026, 10, 1), date(2027, 1, 15))):
            services.open_period(services.find_period(strategy, code), due, actor=None, opens_on=opens)
    return {"lead": lead, "secretariat": secretariat}


@pytest.fixture
def ctx(seeded, world):
    """An application context for calling the services, with handy look-ups."""
    with seeded.app_context():
        yield Context(world)
        db.session.remove()


class Context:
    """Look-ups used by the tests below."""

    def __init__(self, world):
        self.lead = db.session.get(User, world["lead"])
        self.secretariat = db.session.get(User, world["secretariat"])
        self.strategy = current_strategy()
        self.body = find_body("wg-training")

    def period(self, code="2026-Q4"):
        return services.find_period(self.strategy, code)

    def activity(self, code):
        query = select(Activity).where(Activity.strategy_id == self.strategy.id, Activity.code == code)
        return db.session.scalar(query)

    def ids(self):
        return self.activity(FIRST).id, self.activity(SECOND).id

    def complete(self, text="Trained 40 people.", status="on_track"):
        """A complete set of updates for both activities."""
        first, second = self.ids()
        return {first: UpdateData(status=status, progress_pct=50, achievements=text),
                second: UpdateData(status="planned", no_progress=True)}

    def write(self, updates=None, *, code="2026-Q4", summary="A good quarter.", submit=False, actor=None):
        """Save (and optionally submit) the report at its current version."""
        period = self.period(code)
        report = services.find_report(self.body, period)
        return services.write_report(self.body, period, actor or self.lead, report.version if report else 0, summary,
                                     updates if updates is not None else self.complete(), submit=submit)

    def accepted_quarter(self, code="2026-Q3", text="Trained 40 people."):
        """An accepted report for an earlier quarter."""
        report = self.write(self.complete(text), code=code, submit=True)
        services.accept_report(report, self.secretariat)
        return report

    def update_of(self, report, code):
        return next(u for u in report.updates if u.activity.code == code)

    def audit_actions(self, report):
        return list(db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "group_report", AuditEntry.entity_id == str(report.id)).order_by(AuditEntry.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- carry forward --------------------------------------------------------------------------------


def test_new_report_starts_from_the_last_accepted_update(ctx):
    ctx.accepted_quarter(text="Trained 40 people.")
    previous = services.last_accepted_updates(list(ctx.ids()), ctx.period())
    data = services.carried_data(previous[ctx.activity(FIRST).id])
    assert data.achievements == "Trained 40 people." and data.status == "on_track" and data.progress_pct == 50


@pytest.mark.parametrize("state", ["draft", "submitted", "returned"])
def test_carry_forward_ignores_reports_that_are_not_accepted(ctx, state):
    report = ctx.write(ctx.complete("Not accepted text."), code="2026-Q3", submit=state != "draft")
    if state == "returned":
        services.return_report(report, ctx.secretariat, "Add the numbers.")
    assert report.state == state
    assert services.last_accepted_updates(list(ctx.ids()), ctx.period()) == {}


def test_carry_forward_takes_the_latest_accepted_quarter(ctx):
    services.open_period(ctx.period("2026-Q2"), date(2026, 7, 15), actor=None, opens_on=date(2026, 4, 1))
    ctx.accepted_quarter(code="2026-Q2", text="Old text.")
    ctx.accepted_quarter(code="2026-Q3", text="Newer text.")
    previous = services.last_accepted_updates(list(ctx.ids()), ctx.period())
    assert previous[ctx.activity(FIRST).id].achievements == "Newer text."


def test_update_saved_unchanged_from_the_last_accepted_one_is_marked_carried(ctx):
    ctx.accepted_quarter()
    previous = services.last_accepted_updates(list(ctx.ids()), ctx.period())
    carried = {activity_id: services.carried_data(update) for activity_id, update in previous.items()}
    report = ctx.write(carried)
    update = ctx.update_of(report, FIRST)
    assert update.carried and update.carried_from_id == previous[ctx.activity(FIRST).id].id


def test_editing_a_carried_update_clears_the_mark(ctx):
    ctx.accepted_quarter()
    previous = services.last_accepted_updates(list(ctx.ids()), ctx.period())
    carried = {activity_id: services.carried_data(update) for activity_id, update in previous.items()}
    ctx.write(carried)
    carried[ctx.activity(FIRST).id].achievements = "Trained 40 people, and 12 more in December."
    report = ctx.write(carried)
    update = ctx.update_of(report, FIRST)
    assert not update.carried and update.carried_from_id is None


def test_carried_achievements_do_not_count_as_this_quarters(ctx):
    ctx.accepted_quarter()
    previous = services.last_accepted_updates(list(ctx.ids()), ctx.period())
    report = ctx.write({activity_id: services.carried_data(update) for activity_id, update in previous.items()})
    problems = services.submission_problems(report)
    assert any(problem.startswith(FIRST) and "achievements" in problem for problem in problems)


# --- submitting -----------------------------------------------------------------------------------


def test_submission_problems_name_each_activity_and_what_it_lacks(ctx):
    first, _second = ctx.ids()
    report = ctx.write({first: UpdateData(status="on_track", achievements="Done something.")}, summary="")
    problems = services.submission_problems(report)
    assert problems == [
        "Write a summary of the quarter for the whole report.",
        f"{SECOND}: choose a status.",
        f"{SECOND}: write this quarter's achievements, or tick “no progress this quarter”.",
    ]


def test_refused_submission_keeps_the_saved_draft(ctx):
    first, _second = ctx.ids()
    with pytest.raises(ReportError) as refusal:
        ctx.write({first: UpdateData(status="on_track", achievements="Saved text.")}, submit=True)
    assert refusal.value.saved is not None
    db.session.expire_all()
    report = services.find_report(ctx.body, ctx.period())
    assert report.state == "draft" and ctx.update_of(report, FIRST).achievements == "Saved text."


def test_no_progress_ticked_is_enough_without_achievements(ctx):
    report = ctx.write(submit=True)
    assert report.state == "submitted"
    assert ctx.update_of(report, SECOND).no_progress


# --- the state machine ----------------------------------------------------------------------------


def test_submit_return_resubmit_accept_is_audited_at_each_step(ctx):
    report = ctx.write(submit=True)
    assert report.state == "submitted" and report.submitted_by_id == ctx.lead.id
    services.return_report(report, ctx.secretariat, "Give the number of people trained.")
    assert report.state == "returned" and report.review_note == "Give the number of people trained."
    report = ctx.write(ctx.complete("Trained 40 people in Nairobi."), submit=True)
    assert report.state == "submitted"
    services.accept_report(report, ctx.secretariat, "Thank you.")
    assert report.state == "accepted" and report.reviewed_by_id == ctx.secretariat.id
    assert ctx.audit_actions(report) == ["report.saved", "report.submitted", "report.returned", "report.saved",
                                         "report.submitted", "report.accepted"]


def test_returning_needs_a_note(ctx):
    report = ctx.write(submit=True)
    with pytest.raises(ReportError):
        services.return_report(report, ctx.secretariat, "   ")
    db.session.expire_all()
    assert services.find_report(ctx.body, ctx.period()).state == "submitted"


def test_only_a_submitted_report_can_be_reviewed(ctx):
    report = ctx.write()
    with pytest.raises(ReportError):
        services.accept_report(report, ctx.secretariat)
    with pytest.raises(ReportError):
        services.return_report(report, ctx.secretariat, "Fix it.")
    assert report.state == "draft"


def test_a_review_decision_reads_the_report_again_under_a_lock(ctx):
    from sqlalchemy import update
    from sqlalchemy.orm.attributes import set_committed_value

    report = ctx.write(submit=True)
    report_id = report.id
    db.session.commit()  # this reviewer holds no transaction while the other one writes
    with db.engine.begin() as other_reviewer:  # another reviewer returns it meanwhile, in their own transaction
        other_reviewer.execute(update(GroupReport).where(GroupReport.id == report_id)
                               .values(state="returned", version=GroupReport.version + 1))
    set_committed_value(report, "state", "submitted")  # this reviewer's page still says "submitted"
    with pytest.raises(ReportError):
        services.accept_report(report, ctx.secretariat)
    db.session.rollback()
    assert services.find_report(ctx.body, ctx.period()).state == "returned"


@pytest.mark.parametrize("state", ["submitted", "accepted"])
def test_submitted_or_accepted_report_cannot_be_saved_by_the_group(ctx, state):
    report = ctx.write(submit=True)
    if state == "accepted":
        services.accept_report(report, ctx.secretariat)
    with pytest.raises(ReportError):
        ctx.write(ctx.complete("Changed after the fact."))
    db.session.expire_all()
    report = services.find_report(ctx.body, ctx.period())
    assert report.state == state and ctx.update_of(report, FIRST).achievements == "Trained 40 people."


def test_accepting_sets_each_activitys_current_status(ctx):
    assert statuses.current_status(ctx.activity(FIRST)).status == "planned"
    report = ctx.write(ctx.complete(status="at_risk"), submit=True)
    services.accept_report(report, ctx.secretariat)
    db.session.expire_all()
    assert statuses.current_status(ctx.activity(FIRST)).status == "at_risk"


def test_submitting_does_not_change_the_activitys_status(ctx):
    ctx.write(ctx.complete(status="delayed"), submit=True)
    db.session.expire_all()
    assert statuses.current_status(ctx.activity(FIRST)).status == "planned"


# --- versions and periods -------------------------------------------------------------------------


def test_saving_from_a_stale_version_raises_a_conflict_and_keeps_the_newer_text(ctx):
    ctx.write(ctx.complete("First save."))
    with pytest.raises(VersionConflict) as conflict:
        services.write_report(ctx.body, ctx.period(), ctx.lead, 0, "Other summary", ctx.complete("Stale save."))
    assert conflict.value.report is not None
    db.session.expire_all()
    report = services.find_report(ctx.body, ctx.period())
    assert report.version == 1 and ctx.update_of(report, FIRST).achievements == "First save."


def test_each_save_raises_the_version(ctx):
    assert ctx.write().version == 1
    assert ctx.write().version == 2


def test_closed_period_refuses_saving(ctx):
    services.close_period(ctx.period(), ctx.secretariat)
    with pytest.raises(ReportError):
        ctx.write()
    assert count(GroupReport) == 0


def test_closed_period_refuses_submitting_a_saved_draft(ctx):
    report = ctx.write()
    services.close_period(ctx.period(), ctx.secretariat)
    with pytest.raises(ReportError):
        services.submit_report(report, ctx.lead)
    db.session.rollback()
    assert services.find_report(ctx.body, ctx.period()).state == "draft"


def test_upcoming_period_refuses_saving(ctx):
    assert ctx.period("2026-Q2").state == "upcoming"
    with pytest.raises(ReportError):
        ctx.write(code="2026-Q2")
    assert count(GroupReport) == 0


@pytest.mark.parametrize("bad,expected", [
    ({"progress_pct": 120}, "between 0 and 100"),
    ({"progress_pct": -1}, "between 0 and 100"),
    ({"status": "finished"}, "not one of the list"),
    ({"evidence_links": "https://example.org/ok\njavascript:alert(1)"}, "not a web address"),
    ({"evidence_links": "www.example.org"}, "not a web address"),
])
def test_bad_values_are_refused_and_nothing_is_saved(ctx, bad, expected):
    first, second = ctx.ids()
    updates = {first: UpdateData(**{"status": "on_track", "achievements": "Text", **bad}), second: UpdateData()}
    with pytest.raises(ReportError) as refusal:
        ctx.write(updates)
    assert any(problem.startswith(FIRST) and expected in problem for problem in refusal.value.problems)
    assert count(GroupReport) == 0 and count(ActivityUpdate) == 0


def test_bad_value_in_a_later_save_leaves_the_earlier_save_untouched(ctx):
    ctx.write(ctx.complete("Good text."))
    first, second = ctx.ids()
    with pytest.raises(ReportError):
        ctx.write({first: UpdateData(status="on_track", progress_pct=101, achievements="New"), second: UpdateData()})
    db.session.expire_all()
    report = services.find_report(ctx.body, ctx.period())
    assert report.version == 1 and ctx.update_of(report, FIRST).achievements == "Good text."


# --- comments -------------------------------------------------------------------------------------


def test_empty_comment_is_refused(ctx):
    report = ctx.write()
    with pytest.raises(ReportError):
        services.add_comment(report, ctx.lead, "  ", internal=False)


def test_comment_is_stored_with_its_author_and_visibility(ctx):
    report = ctx.write()
    comment = services.add_comment(report, ctx.secretariat, "Check the numbers.", internal=True)
    assert comment.internal and comment.author_id == ctx.secretariat.id and comment.report_id == report.id
