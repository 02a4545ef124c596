"""Configuration that fails loudly: production refuses to start, one clear line per problem, and every process reads
its settings from the same file."""
import os
import subprocess  # nosec B404: starting the app's commands as an operator would is what these tests do
import sys

import pytest

from sip.config import ROOT, Config, ConfigError, load_environment_file
from sip.core import mail

STRONG = "k3y-" + "aB9xQ2mZ7pL4vN8rT1wY6uC5eH0jK3sD" * 2


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """A clean environment with nothing of SIP's set, put back whole afterwards (the settings file writes to it)."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith(("SIP_", "FLASK_")) or name == "SECRET_KEY":
            monkeypatch.delenv(name)
    yield monkeypatch
    os.environ.clear()
    os.environ.update(saved)


def production(monkeypatch, tmp_path, **settings):
    """SIP_ENV=production with everything it requires, except what `settings` changes (None: unset)."""
    values = {"SIP_ENV": "production", "SECRET_KEY": STRONG, "SIP_SMTP_URL": "smtp+starttls://mail.example.org:587",
              "SIP_BASE_URL": "https://sip.example.org", "SIP_DATABASE_URL": f"sqlite:///{tmp_path / 'sip.sqlite'}",
              **settings}
    for name, value in values.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def refusal(monkeypatch, tmp_path, **settings) -> list[str]:
    """The problems production names for these settings."""
    production(monkeypatch, tmp_path, **settings)
    with pytest.raises(ConfigError) as refused:
        Config()
    return refused.value.problems


def test_production_starts_with_mail_a_public_address_a_key_and_a_database(environment, tmp_path):
    production(environment, tmp_path)
    config = Config()
    assert config.SIP_SMTP_URL.startswith("smtp+starttls://") and config.SESSION_COOKIE_SECURE


@pytest.mark.parametrize("missing", ["SIP_SMTP_URL", "SIP_BASE_URL", "SECRET_KEY", "SIP_DATABASE_URL"])
def test_production_refuses_to_start_without_each_required_setting(environment, tmp_path, missing):
    problems = refusal(environment, tmp_path, **{missing: None})
    assert len(problems) == 1 and missing in problems[0]


def test_every_problem_is_named_at_once_one_line_each(environment, tmp_path):
    problems = refusal(environment, tmp_path, SIP_SMTP_URL=None, SIP_BASE_URL=None, SECRET_KEY=None,
                       SIP_DATABASE_URL=None)
    assert [next(name for name in ("SECRET_KEY", "SIP_DATABASE_URL", "SIP_SMTP_URL", "SIP_BASE_URL") if name in line)
            for line in problems] == ["SECRET_KEY", "SIP_DATABASE_URL", "SIP_SMTP_URL", "SIP_BASE_URL"]


@pytest.mark.parametrize("name,value,said", [
    ("SIP_SMTP_URL", "mail.example.org:25", "SIP_SMTP_URL must be"),
    ("SIP_SMTP_URL", "http://mail.example.org", "SIP_SMTP_URL must be"),
    ("SIP_BASE_URL", "sip.example.org", "SIP_BASE_URL must be an address"),
    ("SIP_BASE_URL", "http://sip.example.org", "https://"),
    ("SIP_DATABASE_URL", "not a url", "not a database URL"),
    ("SIP_DATABASE_URL", "mysql://sip@db/sip", "not supported"),
    ("SIP_DATABASE_URL", "postgresql+psycopg2://sip@db/sip", "psycopg driver"),
    ("SIP_DATABASE_URL", "sqlite:////no/such/folder/sip.sqlite", "does not exist"),
    ("SIP_DATABASE_URL", "sqlite://", "in-memory"),
])
def test_production_refuses_a_setting_it_cannot_use(environment, tmp_path, name, value, said):
    problems = refusal(environment, tmp_path, **{name: value})
    assert len(problems) == 1 and said in problems[0]


def test_a_loopback_base_url_over_http_is_allowed_for_a_server_tried_on_its_own_host(environment, tmp_path):
    production(environment, tmp_path, SIP_BASE_URL="http://127.0.0.1:8000")
    assert Config().SIP_BASE_URL == "http://127.0.0.1:8000"


def test_the_command_line_says_each_problem_on_one_line_without_a_traceback(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SIP_", "FLASK_"))}
    env.pop("SECRET_KEY", None)
    env.update(SIP_ENV="production", SIP_INSTANCE_PATH=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "sip", "doctor"], cwd=ROOT, env=env,  # nosec
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert "Traceback" not in done.stderr and len(lines) == 4
    assert all(line.startswith("configuration error: ") for line in lines)
    assert not (tmp_path / "secret_key").exists() and not (tmp_path / "sip.sqlite").exists()  # nothing made


def test_production_never_prints_an_email_and_its_link_to_the_console(app, capsys):
    app.config.update(SIP_ENV="production", SIP_SMTP_URL=None)
    with app.app_context(), pytest.raises(mail.Unreachable):
        mail.send_mail("someone@example.org", "Reset", "https://sip.example.org/password-reset/secret-token\n")
    assert "secret-token" not in capsys.readouterr().out


# --- the settings file ------------------------------------------------------------------------------------------


def settings_file(tmp_path, text: str, mode: int = 0o600):
    """A settings file with this text and mode."""
    path = tmp_path / "sip.env"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_the_settings_file_is_read_like_systemd_reads_it_and_the_environment_wins(environment, tmp_path):
    path = settings_file(tmp_path, "# the mail server\nSIP_SMTP_URL=smtp://mail:25\n\nSIP_MAIL_FROM=\"SIP <a@b.org>\"\n"
                                   "SIP_BASE_URL=https://from-the-file.example.org\nSECRET_KEY=a$b{c}\n")
    environment.setenv("SIP_BASE_URL", "https://from-the-environment.example.org")
    environment.setenv("SIP_ENV_FILE", str(path))
    config = Config()
    assert config.SIP_SMTP_URL == "smtp://mail:25" and config.SIP_MAIL_FROM == "SIP <a@b.org>"
    assert config.SIP_BASE_URL == "https://from-the-environment.example.org"
    assert config.SECRET_KEY == "a$b{c}"  # nothing is expanded, as with systemd


def test_a_settings_file_readable_by_others_is_refused(environment, tmp_path):
    path = settings_file(tmp_path, "SECRET_KEY=x\n", mode=0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_environment_file(str(path))
    assert "SECRET_KEY" not in os.environ


@pytest.mark.parametrize("text,said", [("export SIP_ENV=production\n", "line 1"), ("just words\n", "line 1"),
                                       ("A=1\n2BAD=x\n", "line 2")])
def test_a_settings_file_with_a_line_that_is_not_name_equals_value_is_refused(environment, tmp_path, text, said):
    with pytest.raises(ConfigError, match=said):
        load_environment_file(str(settings_file(tmp_path, text)))


def test_a_missing_settings_file_is_refused_with_its_path(environment, tmp_path):
    with pytest.raises(ConfigError, match="no-such.env"):
        load_environment_file(str(tmp_path / "no-such.env"))


def test_the_deploy_template_holds_every_setting_production_requires_and_nothing_secret(environment, tmp_path):
    template = (ROOT / "deploy" / "sip.env.example").read_text()
    for name in ("SIP_ENV", "SECRET_KEY", "SIP_DATABASE_URL", "SIP_BASE_URL", "SIP_SMTP_URL", "SIP_TRUSTED_PROXIES",
                 "SIP_FORWARDED_ALLOW_IPS"):
        assert f"\n{name}=" in template, name
    assert "\nSECRET_KEY=\n" in template  # empty: production refuses to start until one is made
    load_environment_file(str(settings_file(tmp_path, template)))  # every line parses
    with pytest.raises(ConfigError) as refused:
        Config()
    assert [line for line in refused.value.problems if "SECRET_KEY" in line]
