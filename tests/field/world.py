"""A demo-like world served on a loopback port for the field-readiness browser tests (accessibility, small screens)
and the page-weight bench: the real plan, the demo people, reports, amendments and notifications, every demo
person with the suite's password, so that each role signs in once."""
import threading
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from werkzeug.serving import make_server

from sip import create_app
from sip.config import TestConfig
from sip.extensions import db

# One person per role (seed/demo.py); "anonymous" signs in as nobody.
ROLES = {
    "anonymous": None,
    "viewer": "viewer.demo@example.org",
    "wg_member": "member.training.demo@example.org",
    "wg_lead": "lead.training.demo@example.org",
    "sag": "sag.demo@example.org",
    "secretariat": "rome.demo@example.org",
    "admin": "admin.demo@example.org",
}
DEMO_TODAY = date(2026, 11, 22)


@dataclass
class World:
    """A served world: its base URL, app, and sample values for the URL map's arguments."""

    base: str
    app: object
    samples: dict


def build_demo_world(app, today: date = DEMO_TODAY) -> dict:
    """The demo data in a database holding the real plan; returns sample URL arguments found in it."""
    from seed.demo import create_demo_accounts
    from seed.demo_home import create_demo_home
    from seed.demo_inbox import create_demo_inbox
    from seed.demo_reports import create_demo_reports
    from sip.accounts.models import User
    from sip.accounts.passwords import hash_password
    from sip.plan.queries import current_strategy
    from sip.reporting.models import ReportingPeriod
    from sip.reporting.services import ensure_periods
    from tests.conftest import DEFAULT_PASSWORD

    with app.app_context():
        ensure_periods(current_strategy())
        db.session.commit()
        create_demo_accounts()
        create_demo_reports(today=today)
        create_demo_home(today=today)
        create_demo_inbox(today=today)
        db.session.execute(update(User).values(password_hash=hash_password(DEFAULT_PASSWORD)))
        db.session.commit()
        opened = db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.state == "open")).first()
        samples = {"code": "3.1.1.2", "slug": "wg-training", "period": opened.code if opened else "2026-Q3"}
        try:  # wave-two worlds add amendments (seed/demo_home.py); the first one's page is worth checking
            from sip.governance.models import Amendment

            first = db.session.scalars(select(Amendment).order_by(Amendment.id)).first()
            if first is not None:
                samples["amendment_id"] = first.id
        except ImportError:
            pass
        db.session.remove()
    return samples


def serve_demo_world(database_url: str):
    """Start the world in a thread; returns (World, stop)."""
    from tests.conftest import _fresh_schema, load_real_seed

    app = create_app(TestConfig(database_url))
    with app.app_context():
        _fresh_schema()
        load_real_seed()
        db.session.remove()
    samples = build_demo_world(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()

    return World(f"http://127.0.0.1:{server.server_port}", app, samples), stop


# Endpoints that are not pages to read: files, machine answers, one-time links, sign-out.
NOT_PAGES = ("static", "core.service_worker", "core.healthz", "dashboards_assets.plotly", "accounts.logout")
NOT_PAGE_SUFFIXES = (".csv", ".json", ".xlsx", ".pdf", ".js", ".ics", ".txt", ".zip", ".docx", ".pptx")


def main_pages(app, samples: dict) -> list[str]:
    """Every GET page of the URL map: the routes without arguments, and those whose arguments all have a sample
    (a new page is covered as soon as it is registered). Files, the API and one-time links are left out."""
    paths = set()
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.endpoint.startswith("api"):
                continue
            if rule.rule.startswith("/api/") or rule.rule.endswith(NOT_PAGE_SUFFIXES) or "<path:" in rule.rule:
                continue
            if any(name in ("token", "key") or name.endswith("_token") for name in rule.arguments):
                continue
            if not rule.arguments <= set(samples):
                continue
            try:
                path = app.url_map.bind("localhost").build(rule.endpoint, {k: samples[k] for k in rule.arguments})
            except Exception:  # noqa: BLE001, S112  a sample of the wrong type for this rule: not a page we can name
                continue
            paths.add(path)
    return sorted(paths)


def sign_in_any_language(page, base: str, email: str) -> None:
    """Sign in through the login form, whatever language the person's account then shows the pages in."""
    from playwright.sync_api import expect

    from tests.conftest import DEFAULT_PASSWORD

    page.goto(f"{base}/login?lang=en")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("form[data-sign-out]")).to_be_attached()
