"""Who may read the plan."""
from flask import current_app

from sip.accounts.permissions import is_secretariat, is_signed_in


def can_view_plan(user) -> bool:
    """The plan is a public document unless SIP_PUBLIC_PLAN is off; then any signed-in user may read it."""
    return bool(current_app.config.get("SIP_PUBLIC_PLAN", True)) or is_signed_in(user)


def can_view_drafts(user) -> bool:
    """A draft strategy (the next plan being prepared) is the secretariat's until it is opened."""
    return is_secretariat(user)
