"""Plan pages: the tree with filters (now or as of a version), one activity, the commitments, the glossary, about."""
from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup

from sip.bodies.queries import body_choices
from sip.core.i18n import current_language
from sip.core.pagination import requested_page
from sip.core.parts import cached_part
from sip.core.prefix import STRATEGY_KEY
from sip.extensions import login_manager
from sip.governance import history
from sip.governance import permissions as governance
from sip.governance import queries as governance_queries
from sip.governance.models import PLAN_STATES
from sip.plan import queries
from sip.plan.forms import PlanFilterForm
from sip.plan.permissions import can_view_plan
from sip.reporting.queries import activity_history, contributions_for

bp = Blueprint("plan", __name__, url_prefix="/plan")


@bp.before_request
def _follow_the_plans_visibility():
    """With SIP_PUBLIC_PLAN off, every plan page asks an anonymous reader to sign in first."""
    if not can_view_plan(current_user._get_current_object()):
        return login_manager.unauthorized()
    if request.environ.get(STRATEGY_KEY):
        queries.shown_strategy()  # a draft named in the address is a 404 for most readers, before any cached page
    return None


def strategy_or_404():
    """The plan being shown, or 404 when none is loaded."""
    return queries.shown_strategy() or abort(404)


def _as_of(strategy):
    """The version asked for with ?as_of= (a tag or a date), None without one; AsOfError for an unknown one."""
    value = request.args.get("as_of")
    if value is None or value == "":
        return None
    return history.resolve_as_of(strategy, value)


def _filters(form) -> queries.PlanFilters:
    """The valid filters of the form (an invalid one is ignored, and said so on the page)."""
    return queries.PlanFilters(
        body=None if form.body.errors else form.body.data,
        status=None if form.status.errors else form.status.data,
        pillar=None if form.pillar.errors else form.pillar_number(),
        q=None if form.q.errors else form.q.data,
    )


@bp.get("")
def index():
    """The whole plan as a tree, filtered by body, status, pillar and text; as of a version with ?as_of=."""
    can_propose = governance.can_propose_activity(current_user._get_current_object())
    key = (tuple(sorted(request.args.items(multi=True))), current_language(), can_propose)
    content, status = cached_part("plan", key, lambda: _page(can_propose))
    if content is None:
        return render_template("plan/none.html")
    return render_template("plan/index.html", content=content), status


def _page(can_propose: bool) -> tuple[Markup | None, int]:
    """The plan page's content for the request's filters, rendered, and its status (400 for an invalid filter);
    None when no plan is loaded."""
    strategy = queries.shown_strategy()
    if strategy is None:
        return None, 200
    form = PlanFilterForm(request.args)
    pillars = queries.pillar_numbers(strategy)
    form.set_choices(body_choices(current_language()), [(str(number), str(number)) for number in pillars])
    valid = form.validate()
    filters = _filters(form)
    try:
        version = _as_of(strategy)
    except history.AsOfError as error:
        version, valid, as_of_error = None, False, str(error)
    else:
        as_of_error = None
    if version is not None:
        filters.status = None  # a version states the plan, not the progress reported since
    content = render_template(
        "plan/_page.html", strategy=strategy, form=form, filters=filters, listing=_listing(strategy, filters, version),
        as_of=version, as_of_error=as_of_error, latest=history.latest_version(strategy),
        can_propose_activity=can_propose)
    return Markup(content), (200 if valid else 400)  # noqa: S704  # nosec B704: a template rendered with autoescape


def _listing(strategy, filters: queries.PlanFilters, version) -> Markup:
    """The page of the plan the filters ask for, rendered: counts, pillars, outcomes, outputs and activities."""
    size = current_app.config["PLAN_PAGE_SIZE"]
    if version is not None:
        result = governance_queries.plan_page_as_of(version, filters, requested_page(), size)
    else:
        result = queries.plan_page(strategy, filters, requested_page(), size)
    return Markup(render_template("plan/_listing.html", filters=filters, page=result.page, groups=result.groups,  # noqa: S704  # nosec B704: a template rendered with autoescape
                                  counts=result.counts, current=result.current, as_of=version,
                                  plan_states=PLAN_STATES))


@bp.get("/activities/<code>")
def activity(code: str):
    """One activity: its text, place, accountable and contributing bodies, current status and status by quarter,
    reports and history in the plan; as of a version with ?as_of=."""
    strategy = strategy_or_404()
    try:
        version = _as_of(strategy)
    except history.AsOfError as error:
        return render_template("plan/as_of_error.html", strategy=strategy, code=code, error=str(error)), 400
    if version is not None:
        return _activity_as_of(strategy, version, code)
    found = queries.find_activity(strategy, code) or abort(404)
    previous, following = queries.neighbours(strategy, found)
    user = current_user._get_current_object()
    return render_template(
        "plan/activity.html", strategy=strategy, activity=found, previous=previous, following=following,
        standing=queries.standing(found), contributions=contributions_for(found),
        history=activity_history(found), revisions=governance_queries.activity_revisions(found),
        amendments=governance_queries.activity_amendments(found) if governance.can_view_amendments(user) else None,
        can_propose=governance.can_propose_change(user, found), plan_state=history.plan_state(found),
    )


def _activity_as_of(strategy, version, code: str):
    """The activity as the plan stated it in a version (404 when it had no activity with this code then)."""
    revision = governance_queries.find_revision(version, code) or abort(404)
    return render_template("plan/activity_as_of.html", strategy=strategy, revision=revision, as_of=version,
                           latest=history.latest_version(strategy), plan_states=PLAN_STATES)


@bp.get("/commitments")
def commitments():
    """The minimum commitments of cluster members (Annex I)."""
    return render_template("plan/commitments.html", strategy=strategy_or_404())


@bp.get("/glossary")
def glossary():
    """The plan's glossary."""
    return render_template("plan/glossary.html", strategy=strategy_or_404())


@bp.get("/about")
def about():
    """The plan's purpose, history, management and review, as the document states them."""
    return render_template("plan/about.html", strategy=strategy_or_404())
