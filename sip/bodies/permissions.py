"""Who may see bodies and their members, who forms and dissolves working groups, who names reporting focal points."""
from sip.accounts.permissions import can_manage_members, can_view_members, is_secretariat
from sip.plan.permissions import can_view_plan


def can_view_body(user, body) -> bool:
    """A body's page follows the plan's visibility."""
    return can_view_plan(user)


def can_form_groups(user) -> bool:
    """The secretariat forms working groups."""
    return is_secretariat(user)


def can_dissolve(user, body) -> bool:
    """The secretariat dissolves an active working group."""
    return is_secretariat(user) and body.kind == "working_group" and body.is_active


def can_name_focal_point(user, body) -> bool:
    """The secretariat names who files the report of a body that is not a group of people."""
    return is_secretariat(user) and not body.is_group_of_people


__all__ = ["can_view_body", "can_view_members", "can_manage_members", "can_form_groups", "can_dissolve",
           "can_name_focal_point"]
