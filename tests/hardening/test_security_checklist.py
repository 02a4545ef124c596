"""The security checklist, item by item, and where each item is tested.

- Session revocation (sign-out, a password change or reset, deactivation end every session):
  tests/accounts/test_login.py (test_logout_ends_every_session_of_the_user,
  test_an_old_session_cookie_stops_working_after_logout, test_changing_the_password_signs_out_other_sessions_…),
  tests/accounts/test_mail_flows.py (test_reset_signs_out_every_earlier_session_of_the_person),
  tests/accounts/test_admin_views.py (test_deactivating_ends_the_persons_existing_session).
- Throttling (5 failures in 15 minutes, per account and per address): tests/accounts/test_login.py; across
  processes: here, two gunicorn servers on one database.
- CSRF on every state change: here, every state-changing route of the URL map with CSRF on as in production;
  tests/core/test_security.py (login, logout); tests/reporting/test_report_views.py (the report form keeps the text).
- Role × route matrix, with the database unchanged on every refusal: tests/test_access.py.
- No personal data in logs: tests/accounts/test_mail_flows.py (test_no_password_or_token_reaches_the_logs_…),
  tests/core/test_logs.py. In non-admin exports: tests/dashboards/test_views.py
  (test_no_name_or_email_of_anyone_appears: dashboards and their CSV downloads), tests/exports for the GLM pack.
- Safe error pages, no traceback: tests/core/test_views.py (test_error_pages_show_no_traceback); here, in
  production, for 404, 405, 413, 500, 503 and an error page that fails itself.
- Refusing to start in production with DEBUG on or a weak SECRET_KEY: tests/core/test_config.py.
- Security headers on every response: here, every GET route of the URL map and every error status, static files
  included; tests/core/test_security.py (CSP details, cookie flags, HSTS in production).
- Bad input everywhere, oversized and malformed requests: tests/hardening/test_bad_input_*.py, test_uploads.py.
"""
import re
from datetime import date

import pytest
from sqlalchemy import select

from sip import create_app
from sip.accounts import tokens
from sip.accounts.models import Membership, User
from sip.config import TestConfig
from sip.extensions import db
from tests.conftest import DEFAULT_PASSWORD, load_real_seed
from tests.hardening.conftest import ROLES, changed_tables, fingerprint_of
from tests.hardening.servers import PASSWORD, Browser, csrf_token, prepare_database
from tests.ops.settings import give_production_what_it_requires

STRONG_KEY = "k3y-" + "aB9xQ2mZ7pL4vN8rT1wY6uC5eH0jK3sD" * 2
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


# --- an application with CSRF on, as in production -------------------------------------------------------------


@pytest.fixture
def csrf_world(database_url):
    """The app with CSRF protection on, the real plan, 2026-Q4 open, one person per role and an invitee."""
    from tests.conftest import _fresh_schema
    from sip.plan.queries import current_strategy
    from sip.reporting.services import ensure_periods, find_period, open_period

    config = TestConfig(database_url)
    config.WTF_CSRF_ENABLED = True
    app = create_app(config)
    with app.app_context():
        _fresh_schema()
        load_real_seed()
        ensure_periods(current_strategy())
        db.session.commit()
        open_period(find_period(current_strategy(), "2026-Q4"), date(2027, 1, 15), actor=None,
                    opens_on=date(2026, 10, 1))
        db.session.remove()
    people = {}
    for role, memberships in ROLES.items():  # make_user is bound to the suite's `app`: build the people here
        with app.app_context():
            from sip.accounts.passwords import hash_password
            from sip.bodies.models import Body

            user = User(email=f"{role}@example.org", name=f"{role} person",
                        password_hash=hash_password(DEFAULT_PASSWORD))
            db.session.add(user)
            for slug, membership in memberships:
                body = db.session.scalar(select(Body).where(Body.slug == slug))
                db.session.add(Membership(user=user, body=body, role=membership))
            db.session.commit()
            people[role] = user.id
    with app.app_context():
        invitee = User(email="invitee@example.org", name="Invited Person")
        db.session.add(invitee)
        db.session.commit()
        people["invitee"] = invitee.id
        people["invite_token"] = tokens.make_token(invitee, "invite")
        people["membership"] = db.session.scalar(select(Membership.id).where(Membership.user_id == people["wg_member"]))
        db.session.remove()
    yield app, people
    with app.app_context():
        db.engine.dispose()


def signed_in_with_csrf(app, role: str):
    """A client signed in through the login form, with its CSRF token."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"email": f"{role}@example.org", "password": DEFAULT_PASSWORD,
                                           "csrf_token": csrf_token(page)})
    assert response.status_code == 302, response.status_code
    return client


def sample_url(rule, people) -> str:
    """The rule's address with plausible values for its arguments (real ids where the app has them)."""
    values = {}
    for name in rule.arguments:
        if name == "code":
            values[name] = "2026-Q4" if "period" in rule.rule else "1.1.1.2"
        elif name == "period":
            values[name] = "2026-Q4"
        elif name == "slug":
            values[name] = "wg-training"
        elif name == "user_id":
            values[name] = people["viewer"]
        elif name == "membership_id":
            values[name] = people["membership"]
        elif name == "token":
            values[name] = people["invite_token"]
        elif name == "filename":
            values[name] = "css/sip.css"
        elif name.endswith("_id") or rule._converters[name].__class__.__name__ == "IntegerConverter":
            values[name] = 1
        else:
            values[name] = "change"
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), path)
    return path


def state_changing_rules(app):
    """Every (rule, method) of the URL map that may change state."""
    return [(rule, method) for rule in app.url_map.iter_rules() for method in sorted(rule.methods & STATE_CHANGING)]


def test_every_state_changing_route_refuses_a_request_without_a_csrf_token(csrf_world):
    app, people = csrf_world
    exempt = set(app.extensions["csrf"]._exempt_views)  # "module.function" of the views that check their own token
    rules = state_changing_rules(app)
    assert len(rules) >= 15, "the URL map has fewer state-changing routes than expected"
    clients = {role: signed_in_with_csrf(app, role) for role in ("secretariat", "wg_lead", "sag")}
    clients["anonymous"] = app.test_client()
    own_check_refusals = 0
    for rule, method in rules:
        url = sample_url(rule, people)
        view = app.view_functions[rule.endpoint]
        is_exempt = f"{view.__module__}.{view.__name__}" in exempt
        for role, client in clients.items():
            before = fingerprint_of(app, exclude=("login_attempt",))
            data = {"version": "0", "summary": "Changed", "action": "save", "decision": "accept", "text": "Hello",
                    "note": "Note", "email": "new@example.org", "name": "New", "password": "a long passphrase 42x",
                    "due_on": "2027-01-15", "confirm": "y", "active": "0", "body": "glc", "role": "member",
                    "person": str(people["viewer"]), "kind": "partner"}
            response = client.open(url, method=method, data=data)
            where = f"{method} {url} as {role}"
            assert changed_tables(before, fingerprint_of(app, exclude=("login_attempt",))) == [], f"{where} wrote"
            if is_exempt:  # the view checks its own token: refused, with the form shown again, or not allowed at all
                # (410: a signed link such as one-click unsubscribe whose token is not valid for it)
                assert response.status_code in (302, 400, 403, 404, 410), f"{where}: {response.status_code}"
                own_check_refusals += response.status_code == 400
            else:
                assert response.status_code == 400, f"{where}: {response.status_code}"
    assert own_check_refusals >= 1, "no form that checks its own token was reached by someone allowed to post it"


def test_the_report_form_checks_its_own_token(csrf_world):
    app, _ = csrf_world
    client = signed_in_with_csrf(app, "wg_lead")
    before = fingerprint_of(app, exclude=("login_attempt",))
    response = client.post("/reports/2026-Q4/wg-training?lang=en",
                           data={"version": "0", "summary": "Typed with care", "action": "save"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True) and "Typed with care" in response.get_data(as_text=True)
    assert changed_tables(before, fingerprint_of(app, exclude=("login_attempt",))) == []


def test_a_token_of_another_session_is_refused(csrf_world):
    app, _ = csrf_world
    other = app.test_client()
    foreign_token = csrf_token(other.get("/login").get_data(as_text=True))
    client = signed_in_with_csrf(app, "secretariat")
    before = fingerprint_of(app, exclude=("login_attempt",))
    response = client.post("/admin/organisations", data={"name": "Forged NGO", "kind": "partner",
                                                         "csrf_token": foreign_token})
    assert response.status_code == 400
    assert changed_tables(before, fingerprint_of(app, exclude=("login_attempt",))) == []


# --- headers on every response ----------------------------------------------------------------------------------


def _assert_headers(response, where: str, production: bool = False) -> None:
    for name, expected in HEADERS.items():
        assert expected in response.headers.get(name, ""), f"{where}: {name} missing or wrong"
    if production:
        assert response.headers.get("Strict-Transport-Security", "").startswith("max-age="), where


def test_every_get_route_and_every_error_carries_the_security_headers(csrf_world):
    app, people = csrf_world
    app.add_url_rule("/_boom", "boom", lambda: 1 / 0)
    clients = {"anonymous": app.test_client(), "secretariat": signed_in_with_csrf(app, "secretariat")}
    seen = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        url = sample_url(rule, people)
        for role, client in clients.items():
            response = client.get(url)
            seen.add(response.status_code)
            _assert_headers(response, f"GET {url} as {role}")
    for url, method, status in [("/no-such-page", "GET", 404), ("/healthz", "POST", 405), ("/_boom", "GET", 500),
                                ("/static/no-such-file.css", "GET", 404)]:
        response = clients["anonymous"].open(url, method=method)
        assert response.status_code == status, url
        _assert_headers(response, f"{method} {url}")
    big = clients["anonymous"].post("/login", data={"password": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})
    assert big.status_code == 413
    _assert_headers(big, "413")
    assert {200, 302} <= seen


def test_a_database_that_is_not_there_answers_503_with_the_headers(tmp_path):
    broken = create_app(TestConfig(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite'}"))
    for path in ("/plan", "/healthz"):
        response = broken.test_client().get(path)
        assert response.status_code == 503
        _assert_headers(response, path)


# --- error pages in production ----------------------------------------------------------------------------------


@pytest.fixture
def production_app(tmp_path, monkeypatch):
    """The app as configured for production (SIP_ENV=production, a strong key, DEBUG off), on a SQLite file."""
    monkeypatch.setenv("SIP_ENV", "production")
    give_production_what_it_requires(monkeypatch)
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    monkeypatch.setenv("SIP_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app()
    with app.app_context():
        db.create_all()
    return app


LEAKS = ("Traceback", 'File "', "ZeroDivisionError", "division by zero", "sqlite3", "SELECT ", "Werkzeug Debugger",
         "/work/", "site-packages")


@pytest.mark.parametrize("status", [404, 405, 413, 500, 503])
def test_error_pages_in_production_show_no_internals(production_app, status):
    from sqlalchemy import text

    app = production_app
    assert not app.debug and not app.testing
    app.add_url_rule("/_boom", "boom", lambda: 1 / 0)
    app.add_url_rule("/_db", "db_gone", lambda: db.session.execute(text("SELECT * FROM no_such_table")).all())
    client = app.test_client()
    response = {
        404: lambda: client.get("/no-such-page?lang=en"),
        405: lambda: client.post("/plan?lang=en"),
        413: lambda: client.post("/login?lang=en", data={"password": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}),
        500: lambda: client.get("/_boom?lang=en"),
        503: lambda: client.get("/_db?lang=en"),
    }[status]()
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert f"{status} ·" in html, "the page names the error"
    assert not [leak for leak in LEAKS if leak in html], html[:500]
    _assert_headers(response, str(status), production=True)


def test_an_error_page_that_fails_itself_still_answers_without_internals(production_app, monkeypatch):
    app = production_app

    def broken_template(*args, **kwargs):
        raise RuntimeError("template engine exploded at /work/main/templates")

    app.add_url_rule("/_boom", "boom", lambda: 1 / 0)
    monkeypatch.setattr("sip.core.errors.render_template", broken_template)
    response = app.test_client().get("/_boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "500 ·" in html and "exploded" not in html and "Traceback" not in html


# --- throttling across processes --------------------------------------------------------------------------------


def test_throttling_holds_across_two_server_processes_on_one_database(server_database, start_gunicorn):
    url = server_database("throttle")
    people = prepare_database(url).people
    email = people["member:wg-training"]
    key = "shared " + STRONG_KEY  # the two servers of one site share their key, as in any deployment
    first, second = start_gunicorn(url, workers=1, threads=2, secret_key=key), start_gunicorn(
        url, workers=1, threads=2, secret_key=key)
    for attempt in range(5):  # five failures, alternately on each server (each a separate process)
        browser = Browser((first if attempt % 2 else second).url)
        page = browser.get("/login")
        answer = browser.post("/login", {"email": email, "password": f"wrong password {attempt}",
                                         "csrf_token": csrf_token(page.text)})
        assert answer.status == 401, answer.status
    for server in (first, second):  # now the right password is refused on either one
        browser = Browser(server.url)
        page = browser.get("/login")
        answer = browser.post("/login", {"email": email, "password": PASSWORD, "csrf_token": csrf_token(page.text)})
        assert answer.status == 429, (server.url, answer.status)
        assert "Too many failed attempts" in answer.text
