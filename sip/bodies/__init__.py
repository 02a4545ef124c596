"""The bodies of the cluster (working groups, the SAG, the support team, the cluster and its country teams)."""


def init_app(app) -> None:
    """Mount the body pages, give templates the kinds of body, and have cached parts watch the bodies."""
    from sqlalchemy import func

    from sip.core.parts import watch
    from sip.bodies.models import BODY_KINDS, Body
    from sip.bodies.views import bp
    from sip.core.templating import label_filter

    app.register_blueprint(bp)
    watch(app, lambda: [func.count(Body.id), func.count(Body.dissolved_on)])
    app.add_template_filter(label_filter(BODY_KINDS), "kind_label")
