"""Who may do what: roles come from memberships of bodies and the admin flag."""
from sip.bodies.models import Body

SECRETARIAT = "rome-support-team"
SAG = "sag"
LEAD_ROLES = ("lead", "co_lead")


def is_signed_in(user) -> bool:
    """True for an authenticated, active user."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def bodies_of(user, roles: tuple[str, ...] | None = None) -> set[str]:
    """Slugs of the bodies the user belongs to today (optionally with one of `roles`)."""
    if not is_signed_in(user):
        return set()
    return {m.body.slug for m in user.current_memberships() if roles is None or m.role in roles}


def is_secretariat(user) -> bool:
    """The Rome support team (or an admin): administers people, bodies and the plan."""
    return is_signed_in(user) and (bool(user.is_admin) or SECRETARIAT in bodies_of(user))


def is_sag_member(user) -> bool:
    """A member of the Strategic Advisory Group."""
    return SAG in bodies_of(user)


def role_names(user) -> list[str]:
    """The roles a user holds, for display: secretariat, sag, lead, member, viewer."""
    if not is_signed_in(user):
        return []
    names = ["secretariat"] if is_secretariat(user) else []
    names += ["sag"] if is_sag_member(user) else []
    working = bodies_of(user) - {SECRETARIAT, SAG}
    names += ["lead"] if working & bodies_of(user, LEAD_ROLES) else []
    names += ["member"] if working - bodies_of(user, LEAD_ROLES) else []
    return names or ["viewer"]


def can_administer(user) -> bool:
    """May manage people, organisations and memberships."""
    return is_secretariat(user)


def can_view_account(user) -> bool:
    """May see and edit their own account."""
    return is_signed_in(user)


def can_view_members(user, body: Body) -> bool:
    """May see who belongs to a body: any signed-in user."""
    return is_signed_in(user)


def can_manage_members(user, body: Body) -> bool:
    """May add or end memberships of a body: the secretariat."""
    return is_secretariat(user)


def can_view_contact(viewer, person) -> bool:
    """May see a person's e-mail and phone: the secretariat, the person, or someone sharing a body."""
    if not is_signed_in(viewer):
        return False
    if is_secretariat(viewer) or viewer.id == person.id:
        return True
    return bool(bodies_of(viewer) & {m.body.slug for m in person.current_memberships()})


def can_view_audit_trail(user) -> bool:
    """May read the audit trail (who did what, before and after) and download it: the secretariat."""
    return is_secretariat(user)


def can_manage_own_mfa(user) -> bool:
    """May turn their own two-step sign-in on, see it, and renew their recovery codes: anyone signed in."""
    return is_signed_in(user)


def can_reset_mfa(actor, person) -> bool:
    """May reset someone's lost two-step sign-in: the secretariat, for someone else (never for oneself)."""
    return is_secretariat(actor) and person is not None and actor.id != person.id
