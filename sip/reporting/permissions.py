"""Who may see, write, submit, review and comment on reports, and manage periods.

Who files a body's report: the members of a group of people (working groups and the SAG: their leads submit;
the Rome support team, which has no lead: any member submits); for a body that is not a group of people (the
cluster, the country teams), its reporting focal point, or any secretariat person when the secretariat reports
on its behalf. Memberships count only while in force.
"""
from sip.accounts.permissions import LEAD_ROLES, bodies_of, is_sag_member, is_secretariat, is_signed_in

SUPPORT_TEAM = "support_team"


def is_member_of(user, body) -> bool:
    """A lead, co-lead or member of the body today."""
    return body.slug in bodies_of(user)


def is_lead_of(user, body) -> bool:
    """A lead or co-lead of the body today."""
    return body.slug in bodies_of(user, LEAD_ROLES)


def is_focal_point_of(user, body) -> bool:
    """The person named to file the report of a body that is not a group of people."""
    # (A signed-in person has an id, so a body with no focal point names nobody.)
    return not body.is_group_of_people and is_signed_in(user) and body.focal_point_id == user.id


def files_report_for(user, body) -> bool:
    """Writes the body's report: a member of a group of people; the focal point of any other body, or the
    secretariat when it reports on the body's behalf."""
    if body.is_group_of_people:
        return is_member_of(user, body)
    if body.focal_point_id is not None:
        return is_focal_point_of(user, body)
    return bool(body.reported_by_secretariat) and is_secretariat(user)


def submits_for(user, body) -> bool:
    """Submits the body's report: a group's lead or co-lead; any member of the support team (it has no lead);
    whoever files the report of a body that is not a group of people."""
    if not body.is_group_of_people or body.kind == SUPPORT_TEAM:
        return files_report_for(user, body)
    return is_lead_of(user, body)


def can_view_reports(user) -> bool:
    """May open the reports pages at all: any signed-in user."""
    return is_signed_in(user)


def can_view_report(user, body, report) -> bool:
    """The secretariat and whoever files the body's report see every state; the SAG all but drafts; viewers
    accepted ones."""
    if is_secretariat(user) or files_report_for(user, body):
        return True
    if report is None:
        return False
    if is_sag_member(user):
        return report.state != "draft"
    return is_signed_in(user) and report.state == "accepted"


def can_edit_report(user, body, report, period) -> bool:
    """Whoever files the body's report may write while the period is open and the report is a draft or returned."""
    return (
        files_report_for(user, body)
        and period.state == "open"
        and (report is None or report.editable)
    )


def can_submit_report(user, body, report, period) -> bool:
    """A group's lead or co-lead, any support-team member, a focal point (or the secretariat on a body's behalf)."""
    return can_edit_report(user, body, report, period) and submits_for(user, body)


def can_review_report(user, report) -> bool:
    """The secretariat accepts or returns a submitted report."""
    return report is not None and report.state == "submitted" and is_secretariat(user)


def can_comment(user, body, report) -> bool:
    """The secretariat, whoever files the body's report and (on reports past the draft) the SAG may comment."""
    if report is None:
        return False
    return (is_secretariat(user) or files_report_for(user, body)
            or (is_sag_member(user) and report.state != "draft"))


def can_see_internal_comments(user) -> bool:
    """Internal comments are the secretariat's own."""
    return is_secretariat(user)


def can_manage_periods(user) -> bool:
    """The secretariat opens and closes periods and marks GLM periods."""
    return is_secretariat(user)
