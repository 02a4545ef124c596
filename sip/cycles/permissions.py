"""Who may prepare, open and close strategies, decide carry-overs and read the end-of-strategy report."""
from sip.accounts.permissions import is_secretariat, is_signed_in


def can_manage_cycles(user) -> bool:
    """The secretariat imports the next plan, decides what is carried over, closes and opens strategies."""
    return is_secretariat(user)


def can_view_closing_report(user) -> bool:
    """The end-of-strategy report is for everyone signed in, like the dashboards."""
    return is_signed_in(user)
