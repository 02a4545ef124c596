"""The plan: pillars, outcomes, outputs and activities, who is responsible and accountable, as the SIP prints them."""


def init_app(app) -> None:
    """Mount the plan pages, put the plan on the home page, give templates the statuses and roles, and have
    cached parts watch activities and responsibilities."""
    from sqlalchemy import case, func

    from sip.core.parts import watch
    from sip.core.templating import label_filter
    from sip.core.views import add_to_home
    from sip.plan.models import ROLES, STATUSES, Activity, Responsibility, Strategy
    from sip.plan.queries import current_strategy
    from sip.plan.views import bp

    app.register_blueprint(bp)
    watch(app, lambda: [func.count(Activity.id), func.max(Activity.id), func.count(Activity.retired_on),
                        func.count(Responsibility.id), func.max(Responsibility.id),
                        # the current strategy: once the next one opens, plain addresses show another plan
                        func.max(case((Strategy.state == "current", Strategy.id)))])
    add_to_home(app, lambda: {"strategy": current_strategy()})
    app.add_template_filter(label_filter(STATUSES), "status_label")
    app.add_template_filter(label_filter(ROLES), "role_label")
    app.add_template_global(STATUSES, "STATUSES")
    _keep_closed_strategies_read_only(app)


def _keep_closed_strategies_read_only(app) -> None:
    """Refuse every write to a closed strategy's plan (sip.plan.closed), and say so with a 409 page; give pages
    the strategy they show and the switcher."""
    from flask import render_template

    from sip.extensions import db
    from sip.plan import closed
    from sip.plan.models import Activity, Commitment, GlossaryTerm, Outcome, Output, Pillar, Responsibility
    from sip.plan.models import STRATEGY_STATES
    from sip.plan.queries import refuse_unknown_strategy, shown_strategy, strategies, strategy_address

    closed.install()
    app.before_request(refuse_unknown_strategy)  # /s/<unknown>/… is a 404 on every page
    for model in (Pillar, Activity, Commitment, GlossaryTerm):
        closed.owned(model, "strategy", "strategy_id", "strategy")
    closed.owned(Outcome, "pillar", "pillar_id", "pillar")
    closed.owned(Output, "outcome", "outcome_id", "outcome")
    closed.owned(Responsibility, "activity", "activity_id", "activity")
    closed.resolver("pillar", closed.by_column(Pillar, Pillar.strategy_id))
    closed.resolver("activity", closed.by_column(Activity, Activity.strategy_id))
    closed.resolver("outcome", lambda session, ids: dict(session.execute(
        db.select(Outcome.id, Pillar.strategy_id).join(Pillar, Outcome.pillar_id == Pillar.id)
        .where(Outcome.id.in_(ids))).all()))
    closed.resolver("output", lambda session, ids: dict(session.execute(
        db.select(Output.id, Pillar.strategy_id).join(Outcome, Output.outcome_id == Outcome.id)
        .join(Pillar, Outcome.pillar_id == Pillar.id).where(Output.id.in_(ids))).all()))

    @app.errorhandler(closed.ClosedStrategyError)
    def _closed(error):
        db.session.rollback()
        return render_template("plan/closed.html", message=str(error), strategy=error.strategy), 409

    app.add_template_global(shown_strategy, "shown_strategy")
    app.add_template_global(strategies, "all_strategies")
    app.add_template_global(strategy_address, "strategy_address")
    app.add_template_global(STRATEGY_STATES, "STRATEGY_STATES")
