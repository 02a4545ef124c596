"""Signed, expiring, single-use links for invitations and password resets."""
import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from sip.accounts.models import User
from sip.extensions import db

MAX_AGE = {"invite": 7 * 24 * 3600, "reset": 2 * 3600}


def _serializer() -> URLSafeTimedSerializer:
    """The signer of account links, keyed on the app's SECRET_KEY."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="sip-account-link")


def _fingerprint(user: User) -> str:
    """Changes whenever the password or the session token changes, so a used link stops working."""
    material = f"{user.password_hash or ''}|{user.session_token}".encode()
    return hashlib.sha256(material).hexdigest()[:20]


def make_token(user: User, purpose: str) -> str:
    """A link token for an invitation or a password reset."""
    return _serializer().dumps({"u": user.id, "p": purpose, "f": _fingerprint(user)})


def read_token(token: str, purpose: str) -> User | None:
    """The user a valid, unexpired, unused token of that purpose belongs to, else None."""
    try:
        data = _serializer().loads(token, max_age=MAX_AGE[purpose])
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or data.get("p") != purpose:
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user
