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
    _belong_to_a_strategy()


def _belong_to_a_strategy() -> None:
    """Versions, revisions and amendments are part of their strategy's record: read-only once it is closed."""
    from sqlalchemy import select

    from sip.governance.models import ActivityRevision, Amendment, PlanVersion, RevisionResponsibility
    from sip.plan import closed

    closed.owned(PlanVersion, "strategy", "strategy_id", "strategy")
    closed.owned(Amendment, "strategy", "strategy_id", "strategy")
    closed.owned(ActivityRevision, "activity", "activity_id", "activity")
    closed.owned(RevisionResponsibility, "revision", "revision_id", None)
    closed.resolver("revision", lambda session, ids: dict(session.execute(
        select(ActivityRevision.id, PlanVersion.strategy_id).join(PlanVersion, ActivityRevision.version_id ==
                                                                  PlanVersion.id)
        .where(ActivityRevision.id.in_(ids))).all()))
