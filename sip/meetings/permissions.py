"""Who may see, create and run meetings, endorse their minutes, record their decisions and follow action points.

The secretariat creates the GLM plenaries and the SAG consultations; a group's lead (or co-lead) creates the group's
meetings. Minutes are endorsed by the SAG's chair for a SAG consultation, by the group's lead for a group, and by the
plenary for a GLM, which the secretariat records.
"""
from sip.accounts.permissions import LEAD_ROLES, SAG, bodies_of, is_secretariat, is_signed_in

SECRETARIAT_KINDS = ("glm", "sag")


def leads(user, body) -> bool:
    """True when the user leads or co-leads the body today."""
    return body is not None and body.slug in bodies_of(user, LEAD_ROLES)


def belongs(user, body) -> bool:
    """True when the user is a member (of any role) of the body today."""
    return body is not None and body.slug in bodies_of(user)


def can_view_meetings(user) -> bool:
    """Meetings, their agenda, attendance, decisions and action points: any signed-in person."""
    return is_signed_in(user)


def can_create_meeting(user, body=None, kind: str | None = None) -> bool:
    """The secretariat creates any meeting; a body's lead creates that body's meetings (not a GLM or a SAG
    consultation). Without a body: may the user create any meeting at all (for the button)?"""
    if is_secretariat(user):
        return True
    if body is None:
        return bool(bodies_of(user, LEAD_ROLES) - {SAG})
    return kind not in SECRETARIAT_KINDS and leads(user, body) and body.is_active


def can_manage_meeting(user, meeting) -> bool:
    """The agenda, attendance and action points: the secretariat, or the lead of the meeting's body."""
    return is_secretariat(user) or leads(user, meeting.body)


def can_write_minutes(user, meeting) -> bool:
    """A draft (or a correction) of the minutes: the secretariat or the lead of the body, once the meeting has begun."""
    return can_manage_meeting(user, meeting) and meeting.is_past()


def can_view_minutes(user, minutes) -> bool:
    """Endorsed minutes: anyone signed in; circulated ones: the body's members too; drafts: who may write them."""
    if minutes is None or not is_signed_in(user):
        return False
    if minutes.state == "endorsed":
        return True
    if minutes.state == "circulated":
        return can_manage_meeting(user, minutes.meeting) or belongs(user, minutes.meeting.body)
    return can_manage_meeting(user, minutes.meeting)


def can_endorse_minutes(user, meeting) -> bool:
    """Circulated minutes are endorsed by the SAG's chair (SAG), the group's lead (a group), the plenary as recorded
    by the secretariat (GLM); for another meeting, by the lead of its body or the secretariat."""
    minutes = meeting.current_minutes
    if minutes is None or minutes.state != "circulated":
        return False
    if meeting.kind == "glm":
        return is_secretariat(user)
    if meeting.kind in ("sag", "wg"):
        return leads(user, meeting.body)
    return is_secretariat(user) or leads(user, meeting.body)


def can_record_decision(user, meeting) -> bool:
    """A meeting's decisions, once it has begun: the secretariat at a GLM; at another meeting, the secretariat or the
    lead of its body."""
    if not meeting.is_past():
        return False
    if meeting.kind == "glm":
        return is_secretariat(user)
    return is_secretariat(user) or leads(user, meeting.body)


def can_record_verification(user, meeting) -> bool:
    """The partners' verdict on endorsed amendments: the secretariat, at a GLM that has begun."""
    return meeting.kind == "glm" and is_secretariat(user) and meeting.is_past()


def can_update_action_point(user, point) -> bool:
    """Marking an action point done or dropped: its owner, the leads of the body that owns it, the secretariat."""
    return is_signed_in(user) and (is_secretariat(user) or point.owner_id == user.id or leads(user, point.body))


def can_renew_body_calendar(user, body) -> bool:
    """A body's calendar link is renewed by the secretariat or the body's lead."""
    return is_secretariat(user) or leads(user, body)


def sees_missing_minutes(user) -> bool:
    """The secretariat is shown past meetings without minutes ("minutes missing")."""
    return is_secretariat(user)
