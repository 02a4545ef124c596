"""Flask-Login set-up: the session holds "user id:session token", so a new token revokes old sessions.

A signed-in session also ends on the server after an idle time (SIP_SESSION_IDLE_MINUTES without a request) and
an absolute time (SIP_SESSION_MAX_HOURS after signing in). Both times are kept in the session itself (Flask's
signed cookie, so a client cannot change them); a session without them (older than these limits) ends too.
"""
import hmac
import time

from flask import current_app, g, session
from flask_babel import LazyString
from flask_babel import gettext as _

from sip.accounts.models import User
from sip.extensions import db

SIGNED_IN_AT = "_signed_in_at"
SEEN_AT = "_seen_at"
SEEN_EVERY = 60  # seconds: last-seen is rewritten at most once a minute, not the cookie on every request
LOGIN_KEYS = ("_user_id", "_fresh", "_id", SIGNED_IN_AT, SEEN_AT)


def now() -> float:
    """The sessions' clock, in seconds (tests replace it)."""
    return time.time()


def load_user(session_id: str) -> User | None:
    """The active user whose id and current session token match the session's."""
    user_id, _sep, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def start_session_clock() -> None:
    """Note the sign-in time in the session; called right after `login_user`."""
    session[SIGNED_IN_AT] = session[SEEN_AT] = int(now())


def session_ended() -> bool:
    """True when the signed-in session has been idle, or has lived, too long (or carries no times)."""
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return True
    moment = now()
    config = current_app.config
    return (moment - seen_at >= config["SIP_SESSION_IDLE_MINUTES"] * 60
            or moment - signed_in_at >= config["SIP_SESSION_MAX_HOURS"] * 3600)


def check_session_age() -> None:
    """Before each request: end a signed-in session past its limits (the request is then anonymous), else note
    the user as seen (at most once a minute, so that the cookie is not rewritten on every request)."""
    if "_user_id" not in session:
        return
    if session_ended():
        for key in LOGIN_KEYS:
            session.pop(key, None)
        g.pop("_login_user", None)  # in case something already loaded the user this request
        g.sip_session_ended = True
        return
    moment = int(now())
    if moment - session[SEEN_AT] >= SEEN_EVERY:
        session[SEEN_AT] = moment


def _sign_in_message() -> str:
    """What a page that needs signing in says: that the session ended, when it just did."""
    if g.get("sip_session_ended"):
        return _("Your session has ended; sign in again.")
    return _("Please sign in to see this page.")


def configure(manager) -> None:
    """Tell Flask-Login how to load users and where to send anonymous ones."""
    manager.user_loader(load_user)
    manager.login_view = "accounts.login"
    manager.login_message = LazyString(_sign_in_message)
    manager.login_message_category = "info"
    manager.session_protection = "basic"


def init_app(app) -> None:
    """Check the session's age before every request."""
    app.before_request(check_session_age)
