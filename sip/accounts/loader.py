"""Flask-Login set-up: the session holds "user id:session token", so a new token revokes old sessions."""
import hmac

from flask_babel import lazy_gettext as _l

from sip.accounts.models import User
from sip.extensions import db


def load_user(session_id: str) -> User | None:
    """The active user whose id and current session token match the session's."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def configure(manager) -> None:
    """Tell Flask-Login how to load users and where to send anonymous ones."""
    manager.user_loader(load_user)
    manager.login_view = "accounts.login"
    manager.login_message = _l("Please sign in to see this page.")
    manager.login_message_category = "info"
    manager.session_protection = "basic"
