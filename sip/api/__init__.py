"""The read API, /api/v1: the pages' own services and permissions as JSON, documented by OpenAPI.

flask-smorest writes the OpenAPI 3.1 document from the views' decorators and the marshmallow schemas; its
`Blueprint` is a Flask blueprint, mounted on the app's plain Flask object like any other. Generating the document
costs about a third of a second, so it is not done when an app is made (the test suite makes thousands): `openapi()`
builds it once per process, on first use, by registering the same blueprint on a bare Flask object with
flask-smorest's `Api`. It is served at /api/v1/openapi.json; the human-readable reference (/api/v1/docs) is rendered
by the app from the same document, with no script or style from elsewhere.
"""
import threading
from http import HTTPStatus

from flask_smorest import Api
from flask_smorest.utils import prepare_response

from sip.api.schemas import Problem

API_VERSION = "1.0"


class SipApi(Api):
    """flask-smorest's Api with errors as problem details (RFC 9457) and no error handler of its own: the app's
    handler (sip.core.errors) and the blueprint's answer every error under /api in that form."""

    ERROR_SCHEMA = Problem

    def _register_error_handlers(self):
        """The app renders errors (problem details under /api): nothing to add."""

    def _register_responses(self):
        """The default error responses, documented as application/problem+json."""
        for status in HTTPStatus:
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, "application/problem+json")
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, "application/problem+json")
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


SETTINGS = {
    "API_TITLE": "SIP Tracker API",
    "API_VERSION": API_VERSION,
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": None,  # the app serves the document itself (sip.api.web)
    "API_SPEC_OPTIONS": {
        "info": {"description": "Read-only access to the Logistics Cluster's Strategy Implementation Plan: the plan, "
                                "its progress by quarter and its governance. Public data needs no token while the plan "
                                "is public; everything else takes a personal access token (My account → API tokens) "
                                "sent as `Authorization: Bearer <token>`. No response carries an e-mail address or a "
                                "phone number."},
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                                      "description": "A personal access token (sip_…)."}}},
        "security": [{}, {"token": []}],
    },
}
_document: dict = {}
_lock = threading.Lock()


def openapi() -> dict:
    """The OpenAPI 3.1 document of the API, generated from the code once per process."""
    with _lock:
        if "spec" not in _document:
            from flask import Flask

            from sip.api.views import blp

            bare = Flask("sip_api_document")
            bare.config.update(SETTINGS)
            api = SipApi(bare)
            api.register_blueprint(blp)
            _document["spec"] = api.spec.to_dict()
        return _document["spec"]


def init_app(app) -> None:
    """Mount the API, the reference page, the token and personal-data pages, and `sip anonymise`."""
    from sip.accounts import privacy
    from sip.api import cli, views, web
    from sip.api.permissions import can_erase_person
    from sip.extensions import csrf

    # The API has GET routes only and reads no form: nothing to protect from cross-site forgery, and a token in a
    # header is no cookie a browser would send by itself.
    csrf.exempt(views.blp)
    app.register_blueprint(views.blp)
    app.register_blueprint(web.bp)
    app.register_blueprint(privacy.bp)
    app.context_processor(web.account_page_extras)
    app.add_template_global(can_erase_person)
    app.add_template_global(privacy.has_removed_address, "personal_data_removed")
    cli.register(app)
