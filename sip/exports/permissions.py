"""Who may download the report pack."""
from sip.accounts.permissions import is_sag_member, is_secretariat


def can_export(user) -> bool:
    """The secretariat and SAG members export the report pack; nobody else."""
    return is_secretariat(user) or is_sag_member(user)


def can_edit_highlights(user) -> bool:
    """The secretariat writes each GLM's executive summary."""
    return is_secretariat(user)
