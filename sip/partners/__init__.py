"""The partner register: organisations, who represents them where, joining and leaving, and the minimum commitments."""


def commitment_share(activity):
    """For the page of activity 1.3.1.4 (every partner's staff know the minimum commitments): how many current
    partners have acknowledged them, or None on any other activity's page."""
    if getattr(activity, "code", None) != COMMITMENTS_ACTIVITY:
        return None
    from sip.partners.queries import acknowledgement_share
    from sip.plan.models import Strategy
    from sip.extensions import db

    return acknowledgement_share(db.session.get(Strategy, activity.strategy_id))


COMMITMENTS_ACTIVITY = "1.3.1.4"


def country_label(code: str | None) -> str:
    """A country's name in the reader's language (template global)."""
    from sip.core.i18n import current_language
    from sip.partners.countries import country_name

    return country_name(code, current_language())


def request_state_label(state: str) -> str:
    """A request's state in the reader's language (template global)."""
    from sip.partners.models import REQUEST_STATES

    return str(REQUEST_STATES.get(state, state))


def init_app(app) -> None:
    """Mount this domain's pages, template globals and commands."""
    from sip.partners.cli import register as register_cli
    from sip.partners.permissions import can_manage_register, can_view_register
    from sip.partners.views import bp

    app.register_blueprint(bp)
    app.add_template_global(can_view_register, "can_view_register")
    app.add_template_global(can_manage_register, "can_manage_register")
    app.add_template_global(commitment_share, "commitment_share")
    app.add_template_global(country_label, "country_label")
    app.add_template_global(request_state_label, "request_state_label")
    register_cli(app)
    from sip.partners.models import CommitmentAcknowledgement
    from sip.plan import closed

    closed.owned(CommitmentAcknowledgement, "strategy", "strategy_id", None)  # acknowledged for that strategy
