"""The password policy and hashing."""
import pytest

from sip.accounts.passwords import hash_password, password_problem, verify_password


TOO_SHORT = "Use at least 12 characters"
TOO_COMMON = "too common or too simple"
PERSONAL = "must not contain your name or e-mail address"


@pytest.mark.parametrize("password,reason", [
    ("short", TOO_SHORT), ("elevenchars", TOO_SHORT), ("x7#Lq9!vR2@", TOO_SHORT),  # 11 characters, however mixed
    ("Password1234", TOO_COMMON), ("passwordpassword", TOO_COMMON), ("qwertyuiop123!", TOO_COMMON),
    ("aaaaaaaaaaaaaaaa", TOO_COMMON), ("abababababababab", TOO_COMMON), ("111111111111111", TOO_COMMON),
])
def test_short_common_or_repetitive_passwords_are_refused_saying_why(app_ctx, password, reason):
    assert reason in password_problem(password)


@pytest.mark.parametrize("password", ["correct horse battery staple", "Kinshasa warehouses at dawn", "x7#Lq9!vR2@mT4",
                                      "x7#Lq9!vR2@m", "douala trucks"])  # the last two: exactly 12 and 13 characters
def test_long_unusual_passphrases_are_accepted(app_ctx, password):
    assert password_problem(password) is None


def test_the_shortest_password_accepted_has_12_characters(app_ctx):
    twelve = "x7#Lq9!vR2@m"
    assert len(twelve) == 12 and password_problem(twelve) is None
    assert TOO_SHORT in password_problem(twelve[:-1])


def test_a_very_long_passphrase_is_accepted_whole(app_ctx):
    passphrase = "the trucks leave Douala before the rains come " * 8
    hashed = hash_password(passphrase)
    assert verify_password(hashed, passphrase)
    assert not verify_password(hashed, passphrase[:-1])


@pytest.mark.parametrize("password", ["diallo warehouse kinshasa", "amadou rides to kinshasa", "amadou.diallo 2026!"])
def test_a_password_with_part_of_the_persons_name_or_email_is_refused_saying_why(app_ctx, password):
    assert PERSONAL in password_problem(password, email="amadou.diallo@example.org", name="Amadou Diallo")
    assert password_problem(password, email="someone.else@example.org", name="Someone Else") is None  # the control


def test_hashes_are_argon2id_and_salted(app_ctx):
    first, second = hash_password("correct horse battery staple"), hash_password("correct horse battery staple")
    assert first.startswith("$argon2id$") and first != second


def test_a_broken_or_missing_hash_never_verifies(app_ctx):
    assert not verify_password(None, "anything at all")
    assert not verify_password("not-a-hash", "anything at all")


def test_production_hashing_uses_rfc9106_low_memory_parameters():
    from sip.accounts.passwords import _hasher

    parameters = _hasher("default")
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (3, 65536, 4)
