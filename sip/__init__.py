"""SIP Tracker: the Logistics Cluster's Strategy Implementation Plan, its reports and dashboards."""
from importlib import import_module
from importlib.util import find_spec

from flask import Flask, request

from sip.config import ROOT, Config
from sip.core import database
from sip.extensions import babel, csrf, db, login_manager, migrate

# The domains, each a package whose init_app mounts its pages and registers its template filters and globals; in
# the order their pages are mounted.
DOMAINS = ("plan", "bodies", "reporting", "dashboards", "exports", "governance", "accounts", "inbox", "partners",
           "meetings", "api", "cycles")


def create_app(config: Config | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI and error pages."""
    config = config or Config()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(getattr(config, "SIP_INSTANCE_PATH", None) or ROOT / "instance"),
    )
    from sip.core import converters, delivery, errors, logs, templating

    converters.install(app)  # <int:…> refuses numbers no id can be; before any blueprint adds its rules

    app.request_class = errors.CleanRequest  # query-string and form parameters without control characters
    app.config.from_object(config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", database.engine_options(app.config["SQLALCHEMY_DATABASE_URI"]))
    _init_extensions(app)
    # before the domains' hooks: the session check loads the user, and on SQLite a POST's transaction must already
    # begin with BEGIN IMMEDIATE when it does (else a later write fails at once with "database is locked")
    _register_request_hooks(app)
    _init_domains(app)
    from sip import cli

    delivery.install(app)
    from sip.core import prefix

    prefix.install(app)  # /s/<slug>/… names a strategy other than the current one
    _trust_proxies(app)
    from sip.core import metrics, origin

    logs.install_request_ids(app)  # an id per request, on its log lines and gunicorn's access line
    origin.install(app)  # form posts checked against this host and SIP_BASE_URL (a proxy may not pass the Host)
    metrics.install(app)  # /metrics, for SIP_METRICS_ALLOW only
    logs.install_json_logs(app)
    logs.install_redaction(app)
    errors.register(app)
    templating.register(app)
    cli.register(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind SIP_TRUSTED_PROXIES reverse proxies (nginx: 1), read the client's address and scheme from the
    X-Forwarded-* headers they set, so that sign-in limits count each client, not the proxy."""
    hops = int(app.config.get("SIP_TRUSTED_PROXIES") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _init_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    from sip.core.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    _import_models()
    from sip.accounts.loader import configure

    configure(login_manager)


def _import_models() -> None:
    """Import every domain's models so that metadata and migrations see all tables."""
    import sip.core.models  # noqa: F401

    for domain in DOMAINS:
        if find_spec(f"sip.{domain}.models") is not None:  # the dashboards and exports have no tables
            import_module(f"sip.{domain}.models")


def _init_domains(app: Flask) -> None:
    """Mount core's pages, then each domain's: its blueprints, template filters and globals (its `init_app`)."""
    from sip.core.views import bp as core_bp

    app.register_blueprint(core_bp)
    for domain in DOMAINS:
        import_module(f"sip.{domain}").init_app(app)


def _register_request_hooks(app: Flask) -> None:
    """Write intent for SQLite, security headers on every response."""
    from sip.core.security import add_security_headers

    @app.before_request
    def _mark_write_intent():
        # Requests that may write begin their SQLite transaction with BEGIN IMMEDIATE; set on every request
        # because a worker thread serves one request after another with the same context.
        database.write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    app.after_request(add_security_headers)
