"""Strategy cycles: close a strategy, open the next plan, carry unfinished activities over, report on the whole
period. A closed strategy stays readable at /s/<slug>/… (sip.core.prefix) and read-only (sip.plan.closed)."""


def strategy_plan_address(strategy) -> str:
    """The address of a strategy's plan: /plan for the current one, /s/<slug>/plan for the others."""
    from flask import request

    from sip.core.prefix import shown_slug

    root = request.script_root
    slug = shown_slug(request.environ)
    if slug:
        root = root[: -len(f"/s/{slug}")]
    return f"{root}/plan" if strategy.state == "current" else f"{root}/s/{strategy.slug}/plan"


def _activity_lives(activity):
    """For the activity page: its other lives in the previous or next plan (drafts for the secretariat only)."""
    from flask_login import current_user

    from sip.cycles.queries import activity_lives
    from sip.plan.permissions import can_view_drafts

    return activity_lives(activity, can_view_drafts(current_user))


def init_app(app) -> None:
    """Mount the cycles pages and commands; carry-over decisions belong to the closing strategy's record."""
    from sip.cycles.models import CarryOver
    from sip.cycles.permissions import can_manage_cycles
    from sip.cycles.views import bp
    from sip.plan import closed

    closed.owned(CarryOver, "activity", "from_activity_id", "from_activity")
    app.register_blueprint(bp)
    app.add_template_global(can_manage_cycles, "can_manage_cycles")
    app.add_template_global(strategy_plan_address, "strategy_plan_address")
    app.add_template_global(_activity_lives, "activity_lives")
    # Each part of the domain adds its routes and commands to bp and app here (import for the side effect).
    from sip.cycles import cli

    cli.register(app)
