"""Meetings of every body: agendas, attendance, endorsed minutes, decisions and action points, and calendars."""


def init_app(app) -> None:
    """Mount this domain's pages, template globals and commands."""
