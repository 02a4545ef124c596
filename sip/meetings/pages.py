"""What this domain adds to other domains' pages, without their code knowing it: the home page's action points, a
body's meetings and action points, an activity's action points. Each page's template includes our part when the
variable is there."""
from flask import request
from flask_login import current_user

from sip.accounts.permissions import is_signed_in

# endpoint -> the function giving the template variables for that page (from its view arguments)
PAGES = {}


def _page(endpoint: str):
    """Register what a page of another domain shows of ours."""
    def register(function):
        PAGES[endpoint] = function
        return function
    return register


def home() -> dict:
    """The person's open action points, for their home page."""
    if not is_signed_in(current_user):
        return {}
    from sip.meetings.queries import my_action_points

    return {"meetings_home": my_action_points(current_user)}


@_page("bodies.show")
def _body(view_args: dict) -> dict:
    """A body's next and latest meetings and its open action points (signed in only)."""
    from sip.bodies.queries import find_body
    from sip.meetings import queries

    if not is_signed_in(current_user):  # meetings are for signed-in readers; a visitor's page costs nothing more
        return {}
    body = find_body(view_args.get("slug", ""))
    if body is None:
        return {}
    return {"body_meetings": queries.body_meetings(body), "body_action_points": queries.body_action_points(body)}


@_page("dashboards.body")
def _dashboard(view_args: dict) -> dict:
    """A body's open action points on its dashboard."""
    return _body(view_args) if "slug" in view_args else {}


@_page("plan.activity")
def _activity(view_args: dict) -> dict:
    """The action points about an activity (signed in only)."""
    from sip.meetings import queries
    from sip.plan.queries import find_activity, shown_strategy

    if not is_signed_in(current_user):
        return {}
    strategy = shown_strategy()  # the activity page of the strategy in the address
    activity = find_activity(strategy, view_args.get("code", "")) if strategy else None
    return {"activity_action_points": queries.activity_action_points(activity.id)} if activity else {}


@_page("partners.show")
def _organisation(view_args: dict) -> dict:
    """The meetings an organisation attended, on its page in the partner register (signed in only)."""
    from sip.meetings.queries import meetings_attended

    organisation_id = view_args.get("organisation_id")
    if organisation_id is None or not is_signed_in(current_user):
        return {}
    return {"organisation_meetings": meetings_attended(organisation_id)}


def install(app) -> None:
    """Put action points on the home page, and meetings and action points on body and activity pages."""
    from sip.core.views import add_to_home

    add_to_home(app, home)

    @app.context_processor
    def _meetings_parts() -> dict:
        provide = PAGES.get(request.endpoint or "") if request else None
        if provide is None or request.view_args is None:
            return {}
        return provide(request.view_args)
