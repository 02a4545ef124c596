"""Who may see bodies and their members."""
from sip.accounts.permissions import can_manage_members, can_view_members
from sip.plan.permissions import can_view_plan


def can_view_body(user, body) -> bool:
    """A body's page follows the plan's visibility."""
    return can_view_plan(user)


__all__ = ["can_view_body", "can_view_members", "can_manage_members"]
