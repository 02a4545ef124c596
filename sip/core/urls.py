"""Absolute links for e-mails, built from SIP_BASE_URL (never from the request's Host header)."""
from urllib.parse import urlsplit

from flask import current_app


def absolute_url(endpoint: str, **values) -> str:
    """The public address of a page, e.g. for a link in an e-mail."""
    base = urlsplit(current_app.config["SIP_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)
