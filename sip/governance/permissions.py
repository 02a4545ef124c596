"""Who may propose, endorse and verify amendments, import a revision, hand activities over and review accountability."""
from sip.accounts.permissions import LEAD_ROLES, is_sag_member, is_secretariat, is_signed_in
from sip.plan.permissions import can_view_plan

# The bodies whose leads propose changes: the working groups, and the SAG (which also suggests changes).
PROPOSING_KINDS = ("working_group", "advisory_group")


def led_bodies(user) -> list:
    """The active bodies the user leads or co-leads today."""
    if not is_signed_in(user):
        return []
    bodies = {m.body.id: m.body for m in user.current_memberships() if m.role in LEAD_ROLES and m.body.is_active}
    return sorted(bodies.values(), key=lambda body: body.slug)


def can_view_amendments(user) -> bool:
    """The amendments and their rationale: any signed-in user."""
    return is_signed_in(user)


def can_view_versions(user) -> bool:
    """Versions of the plan and their differences follow the plan's own visibility."""
    return can_view_plan(user)


def proposing_bodies_for(user, activity) -> list:
    """The bodies on whose behalf the user may propose a change to this activity: those responsible that they lead."""
    responsible = {r.body_id for r in activity.responsibilities}
    return [body for body in led_bodies(user) if body.id in responsible]


def can_propose_change(user, activity) -> bool:
    """Lead or co-lead of a body responsible for the activity, or the secretariat."""
    return is_secretariat(user) or bool(proposing_bodies_for(user, activity))


def proposing_bodies_for_new(user) -> list:
    """The bodies on whose behalf the user may propose a new activity: working groups (and the SAG) they lead."""
    return [body for body in led_bodies(user) if body.kind in PROPOSING_KINDS]


def can_propose_activity(user) -> bool:
    """Any working-group lead or co-lead (and the SAG's), or the secretariat, may propose a new activity."""
    return is_secretariat(user) or bool(proposing_bodies_for_new(user))


def can_endorse(user, amendment) -> bool:
    """A SAG member endorses or rejects a proposed amendment, unless they proposed it themselves."""
    return (is_sag_member(user) and amendment.state == "proposed"
            and amendment.proposed_by_id != getattr(user, "id", None))


def can_record_glm(user, amendment) -> bool:
    """The secretariat records the GLM plenary's verification (or rejection) of an endorsed amendment."""
    return is_secretariat(user) and amendment.state == "endorsed"


def can_import_revision(user) -> bool:
    """The secretariat turns the next revision of the plan document into amendments."""
    return is_secretariat(user)


def can_hand_over(user, body) -> bool:
    """The secretariat proposes handing a body's activities to others (before dissolving it)."""
    return is_secretariat(user) and body.is_active


def can_review_accountability(user) -> bool:
    """The secretariat reviews the open activities that have no accountable body (and proposes who should be)."""
    return is_secretariat(user)
