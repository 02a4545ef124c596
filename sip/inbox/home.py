"""The home page's "what needs me now" part: core's home asks each domain for template variables; this is ours."""
from flask_login import current_user

from sip.accounts.permissions import is_signed_in


def provide() -> dict:
    """The signed-in person's lists (`inbox_home`); nothing for a visitor, whose home page stays as it is."""
    if not is_signed_in(current_user):
        return {}
    from sip.inbox.queries import home_for

    return {"inbox_home": home_for(current_user)}


def install(app) -> None:
    """Put each signed-in person's work on the home page."""
    from sip.core.views import add_to_home

    add_to_home(app, provide)
