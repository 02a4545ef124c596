"""The API's pages for people: the reference (rendered from the OpenAPI document), and creating and revoking one's
personal access tokens from the account page."""
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from sip.api import services
from sip.api.permissions import can_manage_tokens, can_read_api_reference, can_view_own_data
from sip.core.forms import choices

bp = Blueprint("api_web", __name__)

TOKEN_DAYS = (30, 90, 180, 365)
METHODS = ("get", "post", "put", "patch", "delete")


class TokenForm(FlaskForm):
    """A new token: its name and how long it lasts."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=services.NAME_MAX)],
                       description=_l("What it is for, e.g. “Partner dashboard”."))
    days = SelectField(_l("Lasts"), choices=choices((str(d), _l("%(count)d days", count=d)) for d in TOKEN_DAYS),
                       default="90")


def account_page_extras() -> dict:
    """What the account page shows about tokens and one's data (only for that page: its view stays the accounts')."""
    if request.endpoint != "accounts.account" or not can_manage_tokens(current_user):
        return {}
    user = current_user._get_current_object()
    return {"api_tokens": services.tokens_of(user), "token_form": TokenForm(prefix="token"),
            "can_download_own_data": can_view_own_data(user)}


def _spec() -> dict:
    """The OpenAPI document, as served at /api/v1/openapi.json."""
    from sip.api import openapi

    return openapi()


def _operations(spec: dict) -> list[dict]:
    """Every operation of the document, in path order, as the reference page lists it."""
    rows = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
            responses = operation.get("responses", {})
            rows.append({
                "method": method.upper(), "path": path, "summary": operation.get("summary", ""),
                "description": operation.get("description", ""), "id": f"{method}-{path}".replace("/", "-").strip("-"),
                "parameters": [{"name": p.get("name"), "in": p.get("in"), "required": p.get("required", False),
                                "description": p.get("description", ""), "schema": _type_of(p.get("schema", {}))}
                               for p in parameters if "$ref" not in p],
                "responses": [(code, r.get("description", "")) for code, r in responses.items() if isinstance(r, dict)],
            })
    return rows


def _type_of(schema: dict) -> str:
    """A parameter's type as the page says it ("integer", "string: one of a, b")."""
    kind = schema.get("type", "")
    kind = " | ".join(kind) if isinstance(kind, list) else kind
    if schema.get("enum"):
        kind += ": " + ", ".join(str(v) for v in schema["enum"])
    return kind


def _schemas(spec: dict) -> list[tuple[str, str, list]]:
    """The response schemas: (name, description, [(field, type, required)])."""
    found = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        fields = []
        for field, prop in schema.get("properties", {}).items():
            ref = prop.get("$ref") or prop.get("items", {}).get("$ref") if isinstance(prop, dict) else None
            kind = ref.rsplit("/", 1)[-1] if ref else _type_of(prop)
            if prop.get("type") == "array" and ref:
                kind = f"[{kind}]"
            fields.append((field, kind, field in required))
        found.append((name, schema.get("description", ""), fields))
    return found


@bp.get("/api")
def index():
    """The API's address without a version: its reference (a permanent redirect)."""
    return redirect(url_for("api_web.reference"), 308)


@bp.get("/api/v1/openapi.json")
def openapi_json():
    """The API's OpenAPI 3.1 document."""
    if not can_read_api_reference(current_user):
        abort(403)
    return jsonify(_spec())


@bp.get("/api/v1/docs")
def reference():
    """The API reference: authentication, conventions, every operation and schema, from the OpenAPI document."""
    if not can_read_api_reference(current_user):
        abort(403)
    spec = _spec()
    return render_template("api/reference.html", spec=spec, operations=_operations(spec), schemas=_schemas(spec),
                           rate=current_app.config["SIP_API_RATE_PER_MINUTE"],
                           max_days=current_app.config["SIP_API_TOKEN_MAX_DAYS"])


@bp.post("/account/tokens")
@login_required
def create_token():
    """Create a personal access token and show it once."""
    user = current_user._get_current_object()
    if not can_manage_tokens(user):
        abort(403)
    form = TokenForm(prefix="token")
    if not form.validate_on_submit():
        flash(_("No token was created: give it a name and choose how long it lasts."), "error")
        return redirect(url_for("accounts.account", _anchor="api-tokens")), 303
    try:
        token, secret = services.create_token(user, form.name.data, int(form.days.data))
    except services.TokenError as error:
        flash(str(error), "error")
        return redirect(url_for("accounts.account", _anchor="api-tokens")), 303
    return render_template("api/token_created.html", token=token, secret=secret), 201


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    """Revoke one of one's tokens."""
    user = current_user._get_current_object()
    if not can_manage_tokens(user):
        abort(403)
    try:
        token = services.revoke_token(user, token_id)
    except services.TokenError:
        abort(404)
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("accounts.account", _anchor="api-tokens"))
