"""Who may see the dashboards."""
from sip.accounts.permissions import is_signed_in


def can_view_dashboards(user) -> bool:
    """Any signed-in user sees the dashboards: they show accepted data only, and nothing personal."""
    return is_signed_in(user)
