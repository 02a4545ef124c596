"""Who may read the register, change it, ask to join, acknowledge the commitments and see contact details."""
from datetime import date

from sip.accounts.permissions import can_view_contact, is_secretariat, is_signed_in
from sip.dashboards.permissions import can_view_dashboards
from sip.plan.permissions import can_view_plan


def can_view_register(user) -> bool:
    """The register follows the plan: public unless SIP_PUBLIC_PLAN is off, then anyone signed in."""
    return can_view_plan(user)


def can_export_register(user) -> bool:
    """The register's XLSX and HXL files hold no personal data: whoever reads the register may download them."""
    return can_view_register(user)


def can_manage_register(user) -> bool:
    """The secretariat registers, edits and imports organisations, names focal points and records departures."""
    return is_secretariat(user)


def can_request_to_join(user) -> bool:
    """Anyone signed in may ask for their organisation to join as a partner or a stakeholder."""
    return is_signed_in(user)


def can_decide_join_requests(user) -> bool:
    """The secretariat approves or declines requests to join."""
    return is_secretariat(user)


def is_focal_point_of(user, organisation, on: date | None = None) -> bool:
    """True when the person represents the organisation today (for the cluster or in a body)."""
    from sip.partners.queries import current_focal_point_ids

    return is_signed_in(user) and user.id in current_focal_point_ids(organisation, on)


def can_acknowledge_commitments(user, organisation) -> bool:
    """A focal point of a partner that has not left acknowledges the minimum commitments for it; stakeholders
    are not asked."""
    return (organisation is not None and organisation.kind == "partner" and not organisation.has_left
            and is_focal_point_of(user, organisation))


def can_follow_commitments(user) -> bool:
    """The secretariat sees which partners have acknowledged the commitments and reminds the others."""
    return is_secretariat(user)


def can_view_participation_figures(user) -> bool:
    """The localisation and participation figures are part of the dashboards (counts, nothing personal)."""
    return can_view_dashboards(user)


__all__ = ["can_view_register", "can_export_register", "can_manage_register", "can_request_to_join",
           "can_decide_join_requests", "can_acknowledge_commitments", "can_follow_commitments",
           "can_view_participation_figures", "can_view_contact", "is_focal_point_of"]
