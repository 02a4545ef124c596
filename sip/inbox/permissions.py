"""Who may see and change notifications: each person their own."""
from sip.accounts.permissions import is_signed_in


def can_view_notifications(user) -> bool:
    """May open their own list of notifications and mark items read: any signed-in user."""
    return is_signed_in(user)


def can_choose_notification_mails(user) -> bool:
    """May choose, kind by kind, which notifications reach them by e-mail: any signed-in user."""
    return is_signed_in(user)


def can_open_notification(user, notification) -> bool:
    """May open (and so mark read) a notification: only the person it was written for."""
    return is_signed_in(user) and notification is not None and notification.user_id == user.id
