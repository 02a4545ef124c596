"""The audit trail for the secretariat: filter it, open an entry's before and after, download it as CSV."""
from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_login import current_user

from sip.accounts import audit_queries
from sip.accounts.permissions import can_view_audit_trail
from sip.core.pagination import requested_page
from sip.extensions import login_manager

bp = Blueprint("audit", __name__, url_prefix="/admin")


@bp.before_request
def _secretariat_only():
    """Anonymous readers are sent to sign in; anyone but the secretariat gets 403 (each view checks again)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not can_view_audit_trail(current_user):
        abort(403)
    return None


def _trail_page(filters, errors: list[str]):
    """The audit trail page for these filters; 400 when some filter could not be read."""
    page = audit_queries.trail_page(filters, requested_page())
    return render_template("admin/audit.html", filters=filters, errors=errors, page=page,
                           choices=audit_queries.filter_choices(filters), quick=audit_queries.QUICK_FILTERS,
                           zone=audit_queries.time_zone_name()), (400 if errors else 200)


@bp.get("/audit")
def trail():
    """Who did what and when, newest first, 50 a page, filtered by person, action, object and days."""
    if not can_view_audit_trail(current_user):
        abort(403)
    filters, errors = audit_queries.parse_filters(request.args)
    return _trail_page(filters, errors)


@bp.get("/audit/<int:entry_id>")
def entry(entry_id: int):
    """One entry: who, when, what, and its before and after side by side with the changed keys marked."""
    if not can_view_audit_trail(current_user):
        abort(403)
    row = audit_queries.find_entry(entry_id)
    if row is None:
        abort(404)
    return render_template("admin/audit_entry.html", row=row, changes=audit_queries.changes(row.entry),
                           zone=audit_queries.time_zone_name())


@bp.get("/audit.csv")
def trail_csv():
    """The filtered entries as a CSV file, streamed; filters that cannot be read give the page with the message."""
    if not can_view_audit_trail(current_user):
        abort(403)
    filters, errors = audit_queries.parse_filters(request.args)
    if errors:  # never hand over more rows than were asked for
        return _trail_page(filters, errors)
    response = Response(stream_with_context(audit_queries.csv_lines(filters)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{audit_queries.csv_filename()}"'
    response.headers["Cache-Control"] = "no-store"
    return response
