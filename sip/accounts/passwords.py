"""Password hashing (argon2id) and the password policy."""
import gzip
import re
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 1024  # long passphrases are accepted whole; the cap only stops abuse of the hasher
COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt.gz")


@lru_cache(maxsize=4)
def _hasher(profile: str) -> PasswordHasher:
    """The argon2id hasher: RFC 9106's low-memory profile, or a light one for the test suite."""
    if profile == "test":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)


def hasher() -> PasswordHasher:
    """The hasher configured for this app."""
    return _hasher(current_app.config.get("SIP_PASSWORD_PROFILE", "default"))


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches the hash; False for a missing or broken hash.

    A missing hash (an invited person who has not chosen a password yet) still costs one verification, against a
    dummy hash, so that the answer takes as long as for a wrong password and timing does not reveal the account.
    """
    if not password_hash:
        return verify_nobody(password)
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str | None) -> bool:
    """True when a hash was made with weaker settings than today's; sign-in then stores a fresh one.

    Call it, like verify_password and hash_password, with no database transaction open: the new hash costs a
    full argon2 run (services.authenticate computes it before its short write transaction).
    """
    if not password_hash:
        return False
    try:
        return hasher().check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return False


@lru_cache(maxsize=4)
def _dummy_hash(profile: str) -> str:
    """A hash of nothing in particular, made once per hasher profile."""
    return _hasher(profile).hash("not a password of anyone")


def verify_nobody(password: str) -> bool:
    """Spend the time of a verification when there is no hash to check (no such account, or no password yet), so
    that timing does not reveal it; always False."""
    try:
        hasher().verify(_dummy_hash(current_app.config.get("SIP_PASSWORD_PROFILE", "default")), password)
    except (VerificationError, InvalidHashError):
        pass
    return False


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of about 20,000 common passwords, lower-cased."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip())


def _is_common(password: str) -> bool:
    """True for a common password, also with digits or symbols added around it or repeated."""
    lowered = password.lower()
    core = lowered.strip("0123456789!@#$%^&*()_-+=.?,;: ")
    common = common_passwords()
    if lowered in common or core in common:
        return True
    for size in range(1, len(lowered) // 2 + 1):
        unit = lowered[:size]
        if len(lowered) % size == 0 and unit * (len(lowered) // size) == lowered:
            return unit in common or len(set(unit)) < 3
    return False


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return str(_l("Use at least %(count)d characters; a passphrase of a few words is easiest.", count=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        return str(_l("Use at most %(count)d characters.", count=MAX_LENGTH))
    if len(set(password)) < 5 or _is_common(password):
        return str(_l("This password is too common or too simple; choose another."))
    lowered = password.lower()
    local = email.split("@")[0].lower()
    personal = [email.lower(), local, name.lower(), *re.split(r"[\s._+-]+", f"{local} {name.lower()}")]
    if any(len(part) >= 4 and part in lowered for part in personal):
        return str(_l("The password must not contain your name or e-mail address."))
    return None
