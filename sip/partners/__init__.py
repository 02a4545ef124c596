"""The partner register: organisations, who represents them where, joining and leaving, and the minimum commitments."""


def init_app(app) -> None:
    """Mount this domain's pages, template globals and commands."""
