"""Changing the plan: amendments, their endorsement and verification, and the plan's versions."""


def init_app(app) -> None:
    """Mount the governance pages (their blueprint registers its own template filters and globals) and have
    cached parts watch the plan's versions and revisions."""
    from sqlalchemy import func

    from sip.core.parts import watch
    from sip.governance.models import ActivityRevision, PlanVersion
    from sip.governance.views import bp

    app.register_blueprint(bp)
    watch(app, lambda: [func.max(ActivityRevision.id), func.max(PlanVersion.id)])
