"""The notification rules for people the pages never let through (they are signed out first): a signed-out visitor,
no user at all, a deactivated account. None may list notifications or choose their e-mails, nor open one, not even
one written for their own id; a signed-in person may (the control)."""
from types import SimpleNamespace

import pytest

from sip.inbox.permissions import can_choose_notification_mails, can_open_notification, can_view_notifications
from tests.rule_people import ANONYMOUS, someone

LIST_AND_CHOOSE = [can_view_notifications, can_choose_notification_mails]
OUTSIDERS = ["anonymous", "nobody", "deactivated"]


def outsider(who: str):
    """A person who is not signed in (the deactivated account has id 7)."""
    return {"anonymous": ANONYMOUS, "nobody": None, "deactivated": someone(active=False, user_id=7)}[who]


@pytest.mark.parametrize("rule", LIST_AND_CHOOSE, ids=lambda rule: rule.__name__)
@pytest.mark.parametrize("who", OUTSIDERS)
def test_someone_not_signed_in_may_not_list_notifications_nor_choose_their_mails(models, rule, who):
    assert rule(outsider(who)) is False


@pytest.mark.parametrize("rule", LIST_AND_CHOOSE, ids=lambda rule: rule.__name__)
def test_a_signed_in_person_may_list_notifications_and_choose_their_mails(models, rule):
    assert rule(someone(user_id=7)) is True


@pytest.mark.parametrize("who", OUTSIDERS)
def test_someone_not_signed_in_opens_no_notification(models, who):
    assert can_open_notification(outsider(who), SimpleNamespace(user_id=7)) is False
