"""Only the person a notification was written for may open it (and so mark it read): the rule itself, apart from
the page, which already looks notifications up by their owner."""
from types import SimpleNamespace

from sip.inbox.permissions import can_open_notification


def person(user_id: int, active: bool = True) -> SimpleNamespace:
    """A signed-in person (or a deactivated one)."""
    return SimpleNamespace(id=user_id, is_authenticated=True, is_active=active)


def test_the_person_it_was_written_for_may_open_it():
    assert can_open_notification(person(7), SimpleNamespace(user_id=7)) is True


def test_someone_else_may_not_open_it_even_signed_in():
    assert can_open_notification(person(8), SimpleNamespace(user_id=7)) is False


def test_a_deactivated_account_may_not_open_even_its_own():
    assert can_open_notification(person(7, active=False), SimpleNamespace(user_id=7)) is False


def test_nobody_opens_a_missing_notification():
    assert can_open_notification(person(7), None) is False
