"""Meetings of every body: agendas, attendance, endorsed minutes, decisions and action points, and calendars."""


def init_app(app) -> None:
    """Mount this domain's pages, template globals and commands, its part of other pages, and the daily reminder of
    overdue action points in the worker."""
    from sip.meetings import reminders  # noqa: F401  (registers its @periodic job)
    from sip.meetings.cli import register as register_cli
    from sip.meetings.models import ACTION_STATES, MEETING_KINDS
    from sip.meetings.pages import install
    from sip.meetings.views import bp

    app.register_blueprint(bp)
    app.add_template_global(MEETING_KINDS, "MEETING_KINDS")
    app.add_template_global(ACTION_STATES, "ACTION_STATES")
    register_cli(app)
    install(app)
