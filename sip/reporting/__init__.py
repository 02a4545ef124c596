"""Quarterly reports: periods, each body's report, review, reminders and the status table they write."""


def init_app(app) -> None:
    """Mount the reports pages, give templates the states of a report, and have cached parts watch reports,
    periods and the status table."""
    from sqlalchemy import func

    import sip.reporting.reminders  # noqa: F401  registers the daily reminders with the worker
    from sip.core.parts import watch
    from sip.reporting.models import REPORT_STATES, ActivityStatus, GroupReport, ReportingPeriod
    from sip.reporting.overview_views import bp as overview_bp
    from sip.reporting.views import bp

    app.register_blueprint(overview_bp)
    app.register_blueprint(bp)
    watch(app, lambda: [func.count(GroupReport.id), func.coalesce(func.sum(GroupReport.version), 0),
                        func.max(GroupReport.id), func.count(ReportingPeriod.id),
                        func.max(ActivityStatus.id)])  # every refresh of the status table writes new rows
    app.add_template_global(REPORT_STATES, "REPORT_STATES")
    _belong_to_a_strategy()


def _belong_to_a_strategy() -> None:
    """Periods, reports and statuses are part of their strategy's record: read-only once it is closed."""
    from sqlalchemy import select

    from sip.plan import closed
    from sip.reporting.models import (ActivityStatus, ActivityUpdate, GroupReport, ReminderLog, ReportComment,
                                      ReportingPeriod)

    closed.owned(ReportingPeriod, "strategy", "strategy_id", "strategy")
    for model in (GroupReport, ReminderLog, ActivityStatus):
        closed.owned(model, "period", "period_id", "period")
    for model in (ActivityUpdate, ReportComment):
        closed.owned(model, "report", "report_id", "report")
    closed.resolver("period", closed.by_column(ReportingPeriod, ReportingPeriod.strategy_id))
    closed.resolver("report", lambda session, ids: dict(session.execute(
        select(GroupReport.id, ReportingPeriod.strategy_id).join(ReportingPeriod, GroupReport.period_id ==
                                                                 ReportingPeriod.id)
        .where(GroupReport.id.in_(ids))).all()))
