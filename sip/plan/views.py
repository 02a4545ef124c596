"""Plan pages: the tree with filters, one activity, the commitments, the glossary, about the plan."""
from flask import Blueprint, abort, current_app, render_template, request

from sip.bodies.queries import body_choices
from sip.core.i18n import current_language
from sip.core.pagination import requested_page
from sip.plan import queries
from sip.plan.forms import PlanFilterForm
from sip.reporting.queries import activity_history

bp = Blueprint("plan", __name__, url_prefix="/plan")


def strategy_or_404():
    """The plan being shown, or 404 when none is loaded."""
    return queries.current_strategy() or abort(404)


@bp.get("")
def index():
    """The whole plan as a tree, filtered by body, status, pillar and text."""
    strategy = queries.current_strategy()
    if strategy is None:
        return render_template("plan/none.html")
    form = PlanFilterForm(request.args)
    pillars = queries.pillar_numbers(strategy)
    form.set_choices(body_choices(current_language()), [(str(number), str(number)) for number in pillars])
    valid = form.validate()
    filters = queries.PlanFilters(
        body=None if form.body.errors else form.body.data,
        status=None if form.status.errors else form.status.data,
        pillar=None if form.pillar.errors else form.pillar_number(),
        q=None if form.q.errors else form.q.data,
    )
    result = queries.plan_page(strategy, filters, requested_page(), current_app.config["PLAN_PAGE_SIZE"])
    return render_template(
        "plan/index.html", strategy=strategy, form=form, filters=filters, page=result.page, groups=result.groups,
        counts=result.counts,
    ), (200 if valid else 400)


@bp.get("/activities/<code>")
def activity(code: str):
    """One activity: its text, place in the plan, responsible bodies, status and accepted progress reports."""
    strategy = strategy_or_404()
    found = queries.find_activity(strategy, code) or abort(404)
    previous, following = queries.neighbours(strategy, found)
    return render_template("plan/activity.html", strategy=strategy, activity=found, previous=previous,
                           following=following, history=activity_history(found))


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
