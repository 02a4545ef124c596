"""Words that mean one thing: how a body's report for a quarter stands against its due date.

The reports pages, the dashboards and the report pack all say it with these states and labels:
not open (the quarter has not opened), not due yet (before the due date, nothing delivered), on time, delivered
late (submitted after the due date), overdue (past the due date, not delivered, the quarter still open) and
missing (the quarter closed without it). A report counts as delivered once submitted or accepted; a returned
report is not delivered until submitted again. No database here.
"""
from datetime import date, datetime, timezone

from flask_babel import lazy_gettext as _l

# From the best state to "nothing expected yet" (the dashboards' colours follow this order).
DELIVERY_STATES = ("on_time", "late", "overdue", "missing", "pending", "not_open")
DELIVERY_LABELS = {
    "on_time": _l("On time"),
    "late": _l("Delivered late"),
    "overdue": _l("Overdue"),
    "missing": _l("Missing"),
    "pending": _l("Not due yet"),
    "not_open": _l("Not open"),
}
DELIVERED_STATES = ("submitted", "accepted")


def _day(moment: datetime | None) -> date | None:
    """The UTC day of a stored time (SQLite gives naive UTC times, PostgreSQL aware ones)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(timezone.utc).date()


def delivery_state(period_state: str, due_on: date | None, report_state: str | None,
                   submitted_at: datetime | None, today: date) -> str:
    """Where a body's report for a quarter stands: one of DELIVERY_STATES."""
    if period_state == "upcoming":
        return "not_open"
    if report_state in DELIVERED_STATES:
        submitted_on = _day(submitted_at)
        if due_on is None or submitted_on is None or submitted_on <= due_on:
            return "on_time"
        return "late"
    if period_state == "closed":
        return "missing"
    if due_on is not None and due_on < today:
        return "overdue"
    return "pending"
