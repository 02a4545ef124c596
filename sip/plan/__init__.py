"""The plan: pillars, outcomes, outputs and activities, who is responsible and accountable, as the SIP prints them."""


def init_app(app) -> None:
    """Mount the plan pages, put the plan on the home page, give templates the statuses and roles, and have
    cached parts watch activities and responsibilities."""
    from sqlalchemy import func

    from sip.core.parts import watch
    from sip.core.templating import label_filter
    from sip.core.views import add_to_home
    from sip.plan.models import ROLES, STATUSES, Activity, Responsibility
    from sip.plan.queries import current_strategy
    from sip.plan.views import bp

    app.register_blueprint(bp)
    watch(app, lambda: [func.count(Activity.id), func.max(Activity.id), func.count(Activity.retired_on),
                        func.count(Responsibility.id), func.max(Responsibility.id)])
    add_to_home(app, lambda: {"strategy": current_strategy()})
    app.add_template_filter(label_filter(STATUSES), "status_label")
    app.add_template_filter(label_filter(ROLES), "role_label")
    app.add_template_global(STATUSES, "STATUSES")
