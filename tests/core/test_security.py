"""Security headers, safe redirects after login, CSRF protection and cookie flags."""
import pytest

from sip import create_app
from sip.config import TestConfig
from sip.core.security import safe_next
from tests.conftest import DEFAULT_PASSWORD, log_in
from tests.ops.settings import give_production_what_it_requires

HOSTILE_NEXT = [
    "https://evil.example",
    "http://evil.example/plan",
    "//evil.example",
    "//evil.example/%2F..",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "/\tevil.example",
    "/\nevil.example",
    "/\r\nLocation: https://evil.example",
    " //evil.example",
    "\x00//evil.example",
    "evil.example",
    "ftp://evil.example",
    "https://127.0.0.1@evil.example",
    "/%09/evil.example".replace("%09", "\t"),
    "//%2F%2Fevil.example",
    "/" + "a" * 3000,
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_safe_next_refuses_a_redirect_off_the_site(target):
    assert safe_next(target) == "/"


@pytest.mark.parametrize("target", ["/plan", "/plan?body=wg-training&status=on_track", "/plan/activities/2.3.2.1",
                                    "/account#password"])
def test_safe_next_keeps_a_path_on_the_site(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_login_never_redirects_off_the_site(client, make_user, target):
    user = make_user()
    from sip.accounts.models import User
    from sip.extensions import db

    with client.application.app_context():
        email = db.session.get(User, user).email
    response = client.post("/login", data={"email": email, "password": DEFAULT_PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_next_on_the_site(client, make_user):
    user = make_user()
    from sip.accounts.models import User
    from sip.extensions import db

    with client.application.app_context():
        email = db.session.get(User, user).email
    response = client.post("/login", data={"email": email, "password": DEFAULT_PASSWORD, "next": "/plan?pillar=2"})
    assert response.headers["Location"] == "/plan?pillar=2"


@pytest.mark.parametrize("path", ["/", "/plan", "/login", "/healthz", "/no-such-page", "/static/css/sip.css"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers


def test_no_page_carries_an_inline_script(seeded, client, make_user):
    log_in(client, make_user(bodies=[("rome-support-team", "member")]))
    for path in ["/", "/plan", "/plan/activities/1.1.1.2", "/bodies", "/bodies/sag", "/account", "/login"]:
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " onclick=" not in html and "javascript:" not in html, path


def test_production_adds_hsts_and_a_secure_session_cookie(tmp_path, monkeypatch):
    monkeypatch.setenv("SIP_ENV", "production")
    give_production_what_it_requires(monkeypatch)
    monkeypatch.setenv("SECRET_KEY", "k" + "aB9xQ2mZ7pL4vN8rT1wY6uC5eH0jK3sD" * 2)
    monkeypatch.setenv("SIP_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    response = log_in(client, make_user())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.fixture
def csrf_app(database_url):
    """The app with CSRF protection on, as in production."""
    config = TestConfig(database_url)
    config.WTF_CSRF_ENABLED = True
    app = create_app(config)
    from sip.extensions import db

    with app.app_context():
        db.create_all()
    return app


def test_login_without_a_csrf_token_is_refused(csrf_app):
    response = csrf_app.test_client().post("/login", data={"email": "a@example.org", "password": "x" * 12})
    assert response.status_code == 400


def test_login_form_carries_a_csrf_token(csrf_app):
    html = csrf_app.test_client().get("/login").get_data(as_text=True)
    assert 'name="csrf_token"' in html


def test_logout_without_a_csrf_token_is_refused_and_the_session_survives(csrf_app):
    from sip.accounts.models import User
    from sip.accounts.passwords import hash_password
    from sip.extensions import db

    with csrf_app.app_context():
        db.session.add(User(email="a@example.org", name="A", password_hash=hash_password(DEFAULT_PASSWORD)))
        db.session.commit()
    client = csrf_app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    signed_in = client.post("/login", data={"email": "a@example.org", "password": DEFAULT_PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200
