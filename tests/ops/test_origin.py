"""Form posts behind a proxy that does not pass the public Host (nginx's default): accepted from the public site
(SIP_BASE_URL), refused from another one, and every refusal logged with its reason."""
import logging
import re

import pytest

from sip import create_app
from sip.config import TestConfig
from tests.conftest import DEFAULT_PASSWORD

PUBLIC = "https://sip.example.org"
UPSTREAM = "127.0.0.1:8000"  # the Host nginx sends by default: its proxy_pass address


@pytest.fixture
def proxied(app, database_url, make_user):
    """The app as production runs it behind nginx: CSRF on, one trusted proxy, the public address configured."""
    config = TestConfig(database_url)
    config.WTF_CSRF_ENABLED = True
    config.SIP_TRUSTED_PROXIES = 1
    config.SIP_BASE_URL = PUBLIC
    user_id = make_user(email="lead@example.org")
    return create_app(config), user_id


def through_the_proxy(client, method: str, path: str, origin: str | None = None, **options):
    """A request as nginx passes it on: its own upstream as Host, the client's scheme and address forwarded."""
    headers = {"Host": UPSTREAM, "X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.20",
               **({"Origin": origin, "Referer": origin + "/login"} if origin else {})}
    return client.open(path, method=method, headers=headers, **options)


def sign_in(client, origin: str | None):
    """Post the sign-in form with the token of the page, as a browser on `origin` would."""
    page = through_the_proxy(client, "GET", "/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return through_the_proxy(client, "POST", "/login", origin,
                             data={"email": "lead@example.org", "password": DEFAULT_PASSWORD, "csrf_token": token})


def test_signing_in_through_a_proxy_that_keeps_its_own_host_works(proxied):
    app, _ = proxied
    response = sign_in(app.test_client(), PUBLIC)
    assert response.status_code == 302 and "/login" not in response.headers["Location"]


def test_a_post_from_another_site_is_refused_and_the_refusal_is_logged(proxied, caplog):
    app, _ = proxied
    with caplog.at_level(logging.WARNING, logger="sip"):
        response = sign_in(app.test_client(), "https://evil.example.net")
    assert response.status_code == 400
    logged = [record.getMessage() for record in caplog.records if "CSRF" in record.getMessage()]
    assert logged and "another site" in logged[0] and "https://evil.example.net" in logged[0]
    assert "/login" in logged[0] and UPSTREAM in logged[0]


def test_a_post_over_https_with_neither_origin_nor_referer_is_refused(proxied, caplog):
    app, _ = proxied
    with caplog.at_level(logging.WARNING, logger="sip"):
        assert sign_in(app.test_client(), None).status_code == 400
    assert any("referrer header is missing" in record.getMessage() for record in caplog.records)


def test_a_missing_token_is_logged_too(proxied, caplog):
    app, _ = proxied
    with caplog.at_level(logging.WARNING, logger="sip"):
        response = through_the_proxy(app.test_client(), "POST", "/login", PUBLIC,
                                     data={"email": "lead@example.org", "password": "x"})
    assert response.status_code == 400
    assert any("CSRF token is missing" in record.getMessage() for record in caplog.records)
