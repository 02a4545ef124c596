"""Template filters and globals that belong to no domain; none of them queries the database.

Each domain registers its own labels and permission checks from the `init_app` of its package (sip/plan,
sip/accounts…): core knows none of them.
"""
from urllib.parse import quote, urlencode, urlsplit

from flask import request, url_for

from sip.core.i18n import current_language, is_fallback, languages, translated


def url_with(**changes) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    args = request.args.to_dict()
    args.update(changes)
    args = {key: value for key, value in args.items() if value not in (None, "")}
    if request.endpoint is None:  # an error page for an unknown address
        path = same_site_path(request.path)
        return f"{path}?{urlencode(args)}" if args else path
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def same_site_path(path: str) -> str:
    """`path` as a link that stays on this site: leading slashes and backslashes collapsed to one "/", the rest
    percent-encoded (a backslash or "?" in the address is text, not syntax); "/" when it would still leave the site.

    Browsers read `/\\evil.example` as `//evil.example`, another site: the raw path of an unknown address (a 404)
    must never become a link as it is.
    """
    cleaned = "/" + quote(path.lstrip("/\\"), safe="/:@!$&'()*+,;=~")
    parts = urlsplit(cleaned)
    if parts.scheme or parts.netloc or cleaned.startswith(("//", "/\\")):
        return "/"
    return cleaned


def label_filter(labels: dict, default=None):
    """A template filter saying a code with its label in `labels` (the code itself, or `default`, when unknown)."""
    return lambda code: labels.get(code, code if default is None else default)


def register(app) -> None:
    """Install the filters (`tr`, `is_fallback`) and globals (language switcher helpers) of no domain."""
    app.add_template_filter(translated, "tr")
    app.add_template_filter(is_fallback, "is_fallback")
    app.add_template_global(url_with)
    app.add_template_global(languages)
    app.add_template_global(current_language)
