"""Addresses of a strategy other than the current one: /s/<slug>/… shows the same page for that strategy.

The prefix moves into SCRIPT_NAME, so every address the page builds with url_for keeps it: a reader browsing the
2022–2026 record stays in it. The slug is left in the WSGI environ for the domain that knows what a strategy is
(sip.plan.queries.shown_strategy); the ground floor only reads the address.
"""
import re

STRATEGY_KEY = "sip.strategy"
_PREFIX = re.compile(r"^/s/([A-Za-z0-9][A-Za-z0-9_-]{0,39})(/.*)?$")


class StrategyPrefix:
    """WSGI middleware: /s/<slug>/rest is served as /rest, with the slug in environ["sip.strategy"]."""

    def __init__(self, app):
        """Wrap the WSGI app."""
        self.app = app

    def __call__(self, environ, start_response):
        """Move a strategy prefix from PATH_INFO to SCRIPT_NAME."""
        match = _PREFIX.match(environ.get("PATH_INFO", ""))
        if match:
            slug, rest = match.group(1), match.group(2) or "/"
            environ[STRATEGY_KEY] = slug
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "").rstrip("/") + f"/s/{slug}"
            environ["PATH_INFO"] = rest
        return self.app(environ, start_response)


def shown_slug(environ) -> str | None:
    """The strategy named in this request's address, or None for the current one."""
    return environ.get(STRATEGY_KEY)


def install(app) -> None:
    """Serve /s/<slug>/… (inside the proxy fix, so a proxy's own prefix stays first)."""
    app.wsgi_app = StrategyPrefix(app.wsgi_app)
