"""Template filters and globals; none of them queries the database."""
from urllib.parse import urlencode

from flask import request, url_for

from flask_babel import lazy_gettext as _l

from sip.accounts.models import MEMBERSHIP_ROLES, ORGANISATION_KINDS, ORGANISATION_TYPES
from sip.accounts.passwords import MIN_LENGTH
from sip.accounts.permissions import can_administer
from sip.exports.permissions import can_export
from sip.accounts.tokens import MAX_AGE
from sip.bodies.models import BODY_KINDS
from sip.core.i18n import current_language, is_fallback, languages, translated
from sip.plan.models import ROLES, STATUSES
from sip.reporting.models import REPORT_STATES


def url_with(**changes) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    args = request.args.to_dict()
    args.update(changes)
    args = {key: value for key, value in args.items() if value not in (None, "")}
    if request.endpoint is None:  # an error page for an unknown address
        return f"{request.path}?{urlencode(args)}" if args else request.path
    return url_for(request.endpoint, **(request.view_args or {}), **args)


ROLE_NAMES = {
    "secretariat": _l("Rome support team (secretariat)"),
    "sag": _l("SAG member"),
    "lead": _l("Working-group lead"),
    "member": _l("Working-group member"),
    "viewer": _l("Viewer"),
}


def register(app) -> None:
    """Install filters (`tr`, labels) and globals (language switcher helpers)."""
    app.add_template_filter(translated, "tr")
    app.add_template_filter(is_fallback, "is_fallback")
    app.add_template_filter(lambda status: STATUSES.get(status, status), "status_label")
    app.add_template_filter(lambda role: ROLES.get(role, role), "role_label")
    app.add_template_filter(lambda kind: BODY_KINDS.get(kind, kind), "kind_label")
    app.add_template_filter(lambda role: MEMBERSHIP_ROLES.get(role, role), "membership_role")
    app.add_template_filter(lambda kind: ORGANISATION_KINDS.get(kind, kind), "organisation_kind")
    app.add_template_filter(lambda kind: ORGANISATION_TYPES.get(kind, kind or ""), "organisation_type")
    app.add_template_global(lambda name: ROLE_NAMES.get(name, name), "role_name")
    app.add_template_global(can_administer)
    app.add_template_global(can_export)
    # TODO(session 2): drop once exports and governance land
    app.add_template_global(MIN_LENGTH, "PASSWORD_MIN_LENGTH")
    app.add_template_global(MAX_AGE["invite"] // 86400, "INVITATION_DAYS")
    app.add_template_global(REPORT_STATES, "REPORT_STATES")
    app.add_template_global(url_with)
    app.add_template_global(languages)
    app.add_template_global(current_language)
    app.add_template_global(STATUSES, "STATUSES")
