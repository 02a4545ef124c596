"""The password policy and hashing."""
import pytest

from sip.accounts.passwords import hash_password, password_problem, verify_password


@pytest.mark.parametrize("password", ["short", "elevenchars", "Password1234", "passwordpassword", "qwertyuiop123!",
                                      "aaaaaaaaaaaaaaaa", "abababababababab", "111111111111111"])
def test_short_common_or_repetitive_passwords_are_refused(password):
    assert password_problem(password) is not None


@pytest.mark.parametrize("password", ["correct horse battery staple", "Kinshasa warehouses at dawn", "x7#Lq9!vR2@mT4"])
def test_long_unusual_passphrases_are_accepted(password):
    assert password_problem(password) is None


def test_a_very_long_passphrase_is_accepted_whole(app_ctx):
    passphrase = "the trucks leave Douala before the rains come " * 8
    hashed = hash_password(passphrase)
    assert verify_password(hashed, passphrase)
    assert not verify_password(hashed, passphrase[:-1])


@pytest.mark.parametrize("password", ["diallo warehouse kinshasa", "amadou rides to kinshasa", "amadou.diallo 2026!"])
def test_a_password_with_part_of_the_persons_name_or_email_is_refused(password):
    assert password_problem(password, email="amadou.diallo@example.org", name="Amadou Diallo") is not None


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
