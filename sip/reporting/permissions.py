"""Who may see, write, submit, review and comment on reports, and manage periods."""
from sip.accounts.permissions import LEAD_ROLES, bodies_of, is_sag_member, is_secretariat, is_signed_in


def is_member_of(user, body) -> bool:
    """A lead, co-lead or member of the body today."""
    return body.slug in bodies_of(user)


def is_lead_of(user, body) -> bool:
    """A lead or co-lead of the body today."""
    return body.slug in bodies_of(user, LEAD_ROLES)


def can_view_reports(user) -> bool:
    """May open the reports pages at all: any signed-in user."""
    return is_signed_in(user)


def can_view_report(user, body, report) -> bool:
    """The secretariat and the body's members see every state; the SAG all but drafts; viewers accepted ones."""
    if is_secretariat(user) or is_member_of(user, body):
        return True
    if report is None:
        return False
    if is_sag_member(user):
        return report.state != "draft"
    return is_signed_in(user) and report.state == "accepted"


def can_edit_report(user, body, report, period) -> bool:
    """The body's members may write while the period is open and the report is a draft or returned."""
    return (
        is_member_of(user, body)
        and period.state == "open"
        and (report is None or report.editable)
    )


def can_submit_report(user, body, report, period) -> bool:
    """Only the body's lead or co-lead submits."""
    return can_edit_report(user, body, report, period) and is_lead_of(user, body)


def can_review_report(user, report) -> bool:
    """The secretariat accepts or returns a submitted report."""
    return report is not None and report.state == "submitted" and is_secretariat(user)


def can_comment(user, body, report) -> bool:
    """The secretariat, the body's members and (on reports past the draft) the SAG may comment."""
    if report is None:
        return False
    return is_secretariat(user) or is_member_of(user, body) or (is_sag_member(user) and report.state != "draft")


def can_see_internal_comments(user) -> bool:
    """Internal comments are the secretariat's own."""
    return is_secretariat(user)


def can_manage_periods(user) -> bool:
    """The secretariat opens and closes periods and marks GLM periods."""
    return is_secretariat(user)
