"""Who may use the read API and hold tokens; what each API resource asks is the pages' own predicates."""
from sip.accounts.permissions import is_secretariat, is_signed_in


def can_manage_tokens(user) -> bool:
    """May create, see and revoke their own personal access tokens: anyone signed in and active."""
    return is_signed_in(user)


def can_read_api_reference(user) -> bool:
    """The API's reference and OpenAPI document: public, like the plan they describe the access to."""
    return True


def can_view_own_data(user) -> bool:
    """May download everything the app holds about themselves: anyone signed in."""
    return is_signed_in(user)


def can_erase_person(actor, person) -> bool:
    """May erase someone's personal data on their request: the secretariat, for someone else (never oneself)."""
    return is_secretariat(actor) and person is not None and actor.id != person.id
