"""The read API, /api/v1: the pages' own services and permissions as JSON, documented by OpenAPI."""


def init_app(app) -> None:
    """Mount this domain's pages, template globals and commands."""
