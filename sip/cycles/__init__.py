"""Strategy cycles: close a strategy, open the next plan, carry unfinished activities over, report on the whole
period. A closed strategy stays readable at /s/<slug>/… (sip.core.prefix) and read-only (sip.plan.closed)."""


def init_app(app) -> None:
    """Mount the cycles pages and commands; carry-over decisions belong to the closing strategy's record."""
    from sip.cycles.models import CarryOver
    from sip.cycles.permissions import can_manage_cycles
    from sip.cycles.views import bp
    from sip.plan import closed

    closed.owned(CarryOver, "activity", "from_activity_id", "from_activity")
    app.register_blueprint(bp)
    app.add_template_global(can_manage_cycles, "can_manage_cycles")
    # Each part of the domain adds its routes and commands to bp and app here (import for the side effect).
    from sip.cycles import cli

    cli.register(app)
