"""Configuration from the environment."""
import pytest

from sip.config import Config, ConfigError, development_secret_key
from tests.ops.settings import give_production_what_it_requires

STRONG = "k3y-" + "aB9xQ2mZ7pL4vN8rT1wY6uC5eH0jK3sD" * 2


def test_database_defaults_to_a_sqlite_file_under_instance(monkeypatch):
    monkeypatch.delenv("SIP_DATABASE_URL", raising=False)
    config = Config()
    assert config.SQLALCHEMY_DATABASE_URI.startswith("sqlite:///")
    assert config.SQLALCHEMY_DATABASE_URI.endswith("instance/sip.sqlite")


def test_database_url_comes_from_sip_database_url(monkeypatch):
    monkeypatch.setenv("SIP_DATABASE_URL", "postgresql+psycopg://sip@db/sip")
    assert Config().SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://sip@db/sip"


def test_development_key_is_generated_once_and_kept(tmp_path):
    first = development_secret_key(tmp_path)
    assert len(first) >= 32
    assert development_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("key", [None, "", "changeme", "dev", "short-key", "a" * 64])
def test_production_refuses_to_start_without_a_strong_secret_key(monkeypatch, key):
    monkeypatch.setenv("SIP_ENV", "production")
    give_production_what_it_requires(monkeypatch)
    if key is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Config()


def test_production_accepts_a_strong_key_and_secures_the_cookie(monkeypatch):
    monkeypatch.setenv("SIP_ENV", "production")
    give_production_what_it_requires(monkeypatch)
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    config = Config()
    assert config.SECRET_KEY == STRONG
    assert config.SESSION_COOKIE_SECURE is True


def test_production_refuses_to_start_in_debug_mode(monkeypatch):
    monkeypatch.setenv("SIP_ENV", "production")
    give_production_what_it_requires(monkeypatch)
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="DEBUG"):
        Config()


def test_production_refuses_the_suites_light_password_hashing(monkeypatch):
    monkeypatch.setenv("SIP_ENV", "production")
    give_production_what_it_requires(monkeypatch)
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("SIP_PASSWORD_PROFILE", "test")
    with pytest.raises(ConfigError, match="SIP_PASSWORD_PROFILE"):
        Config()
    monkeypatch.delenv("SIP_PASSWORD_PROFILE")
    assert Config().SIP_PASSWORD_PROFILE == "default"
