"""The read API, /api/v1: each resource loads through the pages' own queries, checks the pages' own permission
predicates, and returns JSON documented by the schemas (see sip/api/schemas.py)."""
import json

from flask import Response, abort, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import or_, select
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from sip.accounts.permissions import is_sag_member, is_secretariat
from sip.api import schemas
from sip.api.http import authenticate, finish, paged, problem, problem_for
from sip.api.models import aware
from sip.bodies.models import Body
from sip.core.pagination import page_of
from sip.core.parts import cached_part
from sip.extensions import db
from sip.governance import diff, history
from sip.governance import queries as governance_queries
from sip.governance.permissions import can_view_amendments, can_view_versions
from sip.plan import queries
from sip.plan.models import Activity, Strategy
from sip.plan.permissions import can_view_drafts, can_view_plan
from sip.reporting import statuses
from sip.reporting.models import ActivityUpdate, GroupReport, ReportingPeriod
from sip.reporting.permissions import can_view_report, can_view_reports, files_report_for

blp = Blueprint("api", __name__, url_prefix="/api/v1",
                description="The plan, its progress and its governance, read-only.")
blp.before_request(authenticate)
blp.after_request(finish)


@blp.errorhandler(Exception)
def _api_error(error):
    """Any error in an API view as problem details: an unexpected one logged and answered 500 without details, the
    database being unreachable 503."""
    if isinstance(error, (OperationalError, InterfaceError)):
        db.session.rollback()
        current_app.logger.error("database unavailable on %s", request.path)
        error = ServiceUnavailable()
    elif not isinstance(error, HTTPException):
        current_app.logger.exception("unhandled error in the API")
        db.session.rollback()
        error = InternalServerError()
    if getattr(error, "response", None) is not None:
        return error.response
    return problem_for(error)


ERRORS = {400: "A query parameter is not valid.", 401: "A token is needed, or the one sent is not valid.",
          403: "The reader may not see this.", 404: "Nothing here.", 429: "Too many requests with this token."}


def documented(*codes):
    """Document the problem responses an operation may give, and the 304 of a matching If-None-Match."""
    def decorate(view):
        view = blp.alt_response(304, description="Not modified since the ETag sent.", success=True)(view)
        for code in (400, 401, 429, *codes):
            view = blp.alt_response(code, schema=schemas.Problem, description=ERRORS[code],
                                    content_type="application/problem+json")(view)
        return view
    return decorate


def _reader():
    """Who is asking: the token's owner, the signed-in person, or an anonymous reader."""
    return current_user._get_current_object()


def _require(allowed: bool):
    """401 for an anonymous reader who may not, 403 for a signed-in one (the pages redirect to sign-in instead)."""
    if not allowed:
        abort(401 if not _reader().is_authenticated else 403)


def _strategy() -> Strategy:
    """The plan the app shows, or 404."""
    return queries.shown_strategy() or abort(404, _("No plan is loaded."))


def _bodies() -> dict[int, Body]:
    """Every body by id (one query): slugs for the plan's responsibilities without a query per activity."""
    return {body.id: body for body in db.session.scalars(select(Body))}


def _bad(field: str, message: str):
    """Stop with a 400 naming the query parameter."""
    abort(problem(400, "Bad Request", message, errors={field: [message]}))


# --- serialising (plain dicts; the schemas document them and the response decorator dumps them) --------------------


def _roles(responsibilities, accountable_id, bodies) -> list[dict]:
    """The bodies responsible for an activity (or a revision) and their roles."""
    return [{"body": bodies[r.body_id].slug, "role": r.role, "accountable": r.body_id == accountable_id}
            for r in responsibilities]


def _activity(activity: Activity, current: statuses.Current | None, bodies) -> dict:
    """An activity of the current plan."""
    output = activity.output
    accountable = bodies.get(activity.accountable_body_id)
    return {"code": activity.code, "text": activity.text, "pillar": output.outcome.pillar.number,
            "outcome": output.outcome.code, "output": output.code,
            "status": current.status if current else activity.plan_status,
            "progress_pct": current.progress_pct if current else None,
            "status_source": current.source if current else "plan",
            "reported_in": current.reported_in if current else None,
            "plan_state": history.plan_state(activity),
            "accountable_body": accountable.slug if accountable else None,
            "responsibilities": _roles(activity.responsibilities, activity.accountable_body_id, bodies)}


def _revision(revision, bodies) -> dict:
    """An activity as a version of the plan stated it (no status: a version states the plan, not progress)."""
    output = revision.output
    accountable = bodies.get(revision.accountable_body_id)
    return {"code": revision.code, "text": revision.text, "pillar": output.outcome.pillar.number,
            "outcome": output.outcome.code, "output": output.code, "status": None, "progress_pct": None,
            "status_source": None, "reported_in": None, "plan_state": revision.state,
            "accountable_body": accountable.slug if accountable else None,
            "responsibilities": _roles(revision.responsibilities, revision.accountable_body_id, bodies)}


def _update(update: ActivityUpdate, activity_code: str, period_code: str, body_slug: str) -> dict:
    """An update, its free text masked of e-mail addresses and phone numbers."""
    return {"activity": activity_code, "period": period_code, "body": body_slug, "contribution": bool(update.contribution),
            "status": update.status or None, "progress_pct": update.progress_pct,
            "achievements": schemas.redact(update.achievements), "challenges": schemas.redact(update.challenges),
            "next_steps": schemas.redact(update.next_steps), "support_needed": schemas.redact(update.support_needed),
            "evidence_links": [schemas.redact(link) for link in update.evidence()]}


# --- the plan -----------------------------------------------------------------------------------------------------


@blp.get("/strategies")
@blp.response(200, schemas.StrategyList)
@documented()
def strategies():
    """Every strategy (drafts for the secretariat only), its state and its lasting address: /s/<slug>/api/v1/…
    reads any resource in that strategy."""
    reader = _reader()
    _require(can_view_plan(reader))
    query = select(Strategy).order_by(Strategy.starts_on, Strategy.id)
    if not can_view_drafts(reader):
        query = query.where(Strategy.state != "draft")
    return {"items": [_strategy_item(s) for s in db.session.scalars(query)]}


def _strategy_item(strategy: Strategy) -> dict:
    """A strategy, with the addresses of its resources in the API and of its plan page (each names the strategy, so
    that it keeps pointing at it once the strategy is closed)."""
    api = queries.strategy_address(strategy, "/api/v1", lasting=True)
    return {"code": strategy.code, "slug": strategy.slug, "state": strategy.state, "title": strategy.title,
            "starts_on": strategy.starts_on, "ends_on": strategy.ends_on, "current": strategy.state == "current",
            "links": {"pillars": f"{api}/pillars", "activities": f"{api}/activities", "periods": f"{api}/periods",
                      "plan": queries.strategy_address(strategy, "/plan", lasting=True)}}


@blp.get("/pillars")
@blp.response(200, schemas.PillarList)
@documented(404)
def pillars():
    """The current plan's pillars, with their outcomes and outputs (and how many activities each output has)."""
    _require(can_view_plan(_reader()))
    strategy = _strategy()
    tree = queries.load_tree(strategy)
    return {"strategy": strategy.code, "items": [
        {"number": p.number, "title": p.title, "goal": p.goal, "outcomes": [
            {"code": o.code, "text": o.text, "outputs": [
                {"code": u.code, "text": u.text, "activities": len(u.activities)} for u in o.outputs]}
            for o in p.outcomes]}
        for p in tree]}


@blp.get("/activities")
@blp.arguments(schemas.ActivityArgs, location="query", as_kwargs=True)
@blp.response(200, schemas.ActivityPage)
@documented(404)
def activities(page, per_page, body=None, status=None, pillar=None, q=None, as_of=None):
    """The activities that pass the plan page's filters (body, status, pillar, words), with their current status
    and bodies; with as_of, the plan as a version stated it. Pages of `per_page`, in plan order."""
    _require(can_view_plan(_reader()))
    # The same for every reader who may see the plan: kept, like the plan page's listing, until the data changes.
    key = tuple(sorted(request.args.items(multi=True)))
    body_json, links = cached_part("api.activities", key, lambda: _activities_json(
        page, per_page, body=body, status=status, pillar=pillar, q=q, as_of=as_of))
    g.api_links = links
    return Response(body_json, mimetype="application/json")


def _activities_json(page, per_page, *, body, status, pillar, q, as_of) -> tuple[bytes, dict]:
    """The activities page as JSON bytes, and its links."""
    strategy = _strategy()
    bodies = _bodies()
    if body and body not in {b.slug for b in bodies.values()}:
        _bad("body", _("No body has the slug “%(slug)s”.", slug=body))
    if pillar and pillar not in queries.pillar_numbers(strategy):
        _bad("pillar", _("The plan has no pillar %(number)d.", number=pillar))
    filters = queries.PlanFilters(body=body, status=status, pillar=pillar, q=q)
    version = None
    if as_of:
        try:
            version = history.resolve_as_of(strategy, as_of)
        except history.AsOfError as error:
            _bad("as_of", str(error))
        filters.status = None  # as the plan page: a version states the plan, not the progress reported since
        result = governance_queries.plan_page_as_of(version, filters, page, per_page)
        items = [_revision(revision, bodies) for revision in result.page.items]
    else:
        result = queries.plan_page(strategy, filters, page, per_page)
        current = statuses.current_statuses(strategy.id, [a.id for a in result.page.items]) if result.page.items else {}
        items = [_activity(activity, current.get(activity.id), bodies) for activity in result.page.items]
    data = paged(result.page, per_page, as_of=version.tag if version else None, counts=result.counts, items=items)
    return json.dumps(schemas.ActivityPage().dump(data), ensure_ascii=False).encode("utf-8"), data["links"]


@blp.get("/activities/<code>")
@blp.arguments(schemas.AsOfArgs, location="query", as_kwargs=True)
@blp.response(200, schemas.ActivityDetail)
@documented(404)
def activity(code: str, as_of=None):
    """One activity: its current status, its status quarter by quarter (newest first), its bodies and its accepted
    updates (with the contribution notes of the other responsible bodies); with as_of, as a version stated it."""
    _require(can_view_plan(_reader()))
    strategy = _strategy()
    if as_of:
        try:
            version = history.resolve_as_of(strategy, as_of)
        except history.AsOfError as error:
            _bad("as_of", str(error))
        revision = governance_queries.find_revision(version, code) or abort(404)
        return {**_revision(revision, _bodies()), "quarters": [], "updates": []}
    found = queries.find_activity(strategy, code) or abort(404)
    standing = queries.standing(found)
    bodies = _bodies()
    detail = _activity(found, standing.current, bodies)
    detail["quarters"] = [{"period": row.period.code, "status": row.status, "progress_pct": row.progress_pct,
                           "source": row.source} for row in standing.quarters]
    from sip.reporting.queries import activity_history

    detail["updates"] = [_update(u, found.code, u.report.period.code, u.report.body.slug)
                         for u in activity_history(found)]
    return detail


@blp.get("/bodies")
@blp.response(200, schemas.BodyList)
@documented()
def bodies():
    """Every body of the cluster (working groups, support team, SAG …), dissolved ones included."""
    _require(can_view_plan(_reader()))
    return {"items": [{"slug": b.slug, "kind": b.kind, "name": b.name, "short_name": b.short_name,
                       "formed_on": b.formed_on, "dissolved_on": b.dissolved_on,
                       "terms_of_reference_url": b.terms_of_reference_url}
                      for b in sorted(_bodies().values(), key=lambda b: b.slug)]}


@blp.get("/periods")
@blp.response(200, schemas.PeriodList)
@documented(404)
def periods():
    """The reporting periods (quarters) of the current plan, in time order."""
    _require(can_view_plan(_reader()))
    strategy = _strategy()
    rows = db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.strategy_id == strategy.id)
                              .order_by(ReportingPeriod.year, ReportingPeriod.quarter))
    return {"items": [{"code": p.code, "year": p.year, "quarter": p.quarter, "state": p.state, "opens_on": p.opens_on,
                       "due_on": p.due_on, "glm": bool(p.glm), "glm_name": p.glm_name} for p in rows]}


def _period_condition(code: str | None) -> list:
    """SQL: the period with this code ("2026-Q3"), when one is asked for."""
    if not code:
        return []
    year, quarter = code.split("-Q")
    return [ReportingPeriod.year == int(year), ReportingPeriod.quarter == int(quarter)]


# --- progress -----------------------------------------------------------------------------------------------------


@blp.get("/updates")
@blp.arguments(schemas.UpdateArgs, location="query", as_kwargs=True)
@blp.response(200, schemas.UpdatePage)
@documented(404)
def updates(page, per_page, period=None, body=None, activity=None):
    """The updates of accepted reports (what the activity pages show), newest quarter first."""
    _require(can_view_plan(_reader()))
    strategy = _strategy()
    query = (
        select(ActivityUpdate, Activity.code, ReportingPeriod.year, ReportingPeriod.quarter, Body.slug)
        .join(GroupReport, ActivityUpdate.report_id == GroupReport.id)
        .join(ReportingPeriod, GroupReport.period_id == ReportingPeriod.id)
        .join(Body, GroupReport.body_id == Body.id)
        .join(Activity, ActivityUpdate.activity_id == Activity.id)
        .where(GroupReport.state == "accepted", Activity.strategy_id == strategy.id, *_period_condition(period))
        .order_by(ReportingPeriod.year.desc(), ReportingPeriod.quarter.desc(), Activity.position, Body.slug)
    )
    if body:
        query = query.where(Body.slug == body)
    if activity:
        query = query.where(Activity.code == activity)
    result = page_of(query, page, per_page)
    items = [_update(u, code, f"{year}-Q{quarter}", slug) for u, code, year, quarter, slug in result.items]
    return paged(result, per_page, items=items)


def _visible_reports(user) -> list:
    """SQL conditions: the reports this reader may see, as `can_view_report` says (the secretariat and whoever
    files a body's report every state; the SAG all but drafts; other signed-in readers accepted ones)."""
    if is_secretariat(user):
        return []
    own = [body.id for body in _bodies().values() if files_report_for(user, body)]
    visible = [GroupReport.state == "accepted", GroupReport.body_id.in_(own)]
    if is_sag_member(user):
        visible.append(GroupReport.state != "draft")
    return [or_(*visible)]


def _report(report: GroupReport, slug: str, code: str) -> dict:
    """A report without its updates."""
    return {"body": slug, "period": code, "state": report.state, "version": report.version,
            "summary": schemas.redact(report.summary), "submitted_at": aware(report.submitted_at),
            "reviewed_at": aware(report.reviewed_at)}


@blp.get("/reports")
@blp.arguments(schemas.ReportArgs, location="query", as_kwargs=True)
@blp.response(200, schemas.ReportPage)
@documented(403, 404)
def reports(page, per_page, period=None, body=None, state=None):
    """The bodies' quarterly reports this reader may see, newest quarter first: a SAG member's token sees submitted
    ones, a viewer's accepted ones only."""
    user = _reader()
    _require(can_view_reports(user))
    strategy = _strategy()
    query = (select(GroupReport, Body.slug, ReportingPeriod.year, ReportingPeriod.quarter)
             .join(Body, GroupReport.body_id == Body.id)
             .join(ReportingPeriod, GroupReport.period_id == ReportingPeriod.id)
             .where(ReportingPeriod.strategy_id == strategy.id, *_visible_reports(user), *_period_condition(period))
             .order_by(ReportingPeriod.year.desc(), ReportingPeriod.quarter.desc(), Body.slug))
    if body:
        query = query.where(Body.slug == body)
    if state:
        query = query.where(GroupReport.state == state)
    result = page_of(query, page, per_page)
    items = [_report(report, slug, f"{year}-Q{quarter}") for report, slug, year, quarter in result.items]
    return paged(result, per_page, items=items)


@blp.get("/reports/<period>/<body>")
@blp.response(200, schemas.ReportDetail)
@documented(403, 404)
def report(period: str, body: str):
    """One body's report for a quarter, with its updates, when this reader may see it."""
    from sip.reporting.report_queries import load_report

    user = _reader()
    _require(can_view_reports(user))
    strategy = _strategy()
    found_body = db.session.scalar(select(Body).where(Body.slug == body)) or abort(404)
    parts = period.split("-Q")
    if len(parts) != 2 or not parts[0].isdigit() or parts[1] not in ("1", "2", "3", "4"):
        abort(404)
    found_period = db.session.scalar(select(ReportingPeriod).where(
        ReportingPeriod.strategy_id == strategy.id, *_period_condition(period))) or abort(404)
    found = load_report(found_body, found_period)
    if found is None:
        abort(404)
    _require(can_view_report(user, found_body, found))
    detail = _report(found, found_body.slug, found_period.code)
    detail["updates"] = [_update(u, u.activity.code, found_period.code, found_body.slug)
                         for u in sorted(found.updates, key=lambda u: u.activity.position)]
    return detail


# --- governance ---------------------------------------------------------------------------------------------------


@blp.get("/versions")
@blp.response(200, schemas.VersionList)
@documented(404)
def versions():
    """Every named version of the plan, newest first, with how many amendments each applied."""
    _require(can_view_versions(_reader()))
    strategy = _strategy()
    return {"items": [{"tag": row.version.tag, "sequence": row.version.sequence, "name": row.version.name,
                       "effective_on": row.version.effective_on, "glm_name": row.version.glm_name,
                       "amendments": row.amendments} for row in governance_queries.version_rows(strategy)]}


@blp.get("/versions/<from_tag>/diff/<to_tag>")
@blp.response(200, schemas.VersionDiff)
@documented(404)
def version_diff(from_tag: str, to_tag: str):
    """What changed between two versions (tags or dates YYYY-MM-DD, taken in time order)."""
    user = _reader()
    _require(can_view_versions(user))
    strategy = _strategy()
    try:
        start, end = history.resolve_as_of(strategy, from_tag), history.resolve_as_of(strategy, to_tag)
    except history.AsOfError as error:
        abort(404, str(error))
    result = diff.compare(strategy, start, end)
    amendments = can_view_amendments(user)
    return {"from_version": result.from_version.tag, "to_version": result.to_version.tag, "changes": [
        {"kind": c.kind, "code": c.code, "code_before": c.before.code if c.before else None,
         "output_before": c.before.output.code if c.before else None,
         "output_after": c.after.output.code if c.after else None,
         "text_before": c.before.text if c.before else None, "text_after": c.after.text if c.after else None,
         "amendments": [a.id for a in c.amendments] if amendments else []}
        for c in result.changes]}


def _amendment(a, bodies) -> dict:
    """An amendment and the SAG's and the GLM's decisions on it (no names: the decisions are the bodies')."""
    proposing = bodies.get(a.proposing_body_id)
    return {
        "id": a.id, "kind": a.kind, "state": a.state, "activity": a.code, "proposed_text": a.proposed_text,
        "proposed_output": a.proposed_output.code if a.proposed_output else None, "retire_as": a.retire_as,
        "proposing_body": proposing.slug if proposing else None, "proposed_at": aware(a.proposed_at),
        "rationale": schemas.redact(a.rationale),
        "sag_decision": {"at": aware(a.sag_at), "note": schemas.redact(a.sag_note)} if a.sag_at else None,
        "glm_decision": ({"glm": a.glm_name, "on": a.glm_on, "note": schemas.redact(a.glm_note)}
                         if a.glm_recorded_at else None),
        "version": a.version.tag if a.version else None,
    }


@blp.get("/amendments")
@blp.arguments(schemas.AmendmentArgs, location="query", as_kwargs=True)
@blp.response(200, schemas.AmendmentPage)
@documented(403, 404)
def amendments(page, per_page, state=None, kind=None, body=None, q=None):
    """The amendments to the plan, newest first, with the count per state (the amendments page's filters)."""
    _require(can_view_amendments(_reader()))
    strategy = _strategy()
    filters = governance_queries.AmendmentFilters(state=state, kind=kind, body=body, q=q)
    result, counts = governance_queries.amendments_page(strategy, filters, page, per_page)
    bodies = _bodies()
    return paged(result, per_page, counts=counts, items=[_amendment(a, bodies) for a in result.items])


@blp.get("/amendments/<int:amendment_id>")
@blp.response(200, schemas.AmendmentOut)
@documented(403, 404)
def amendment(amendment_id: int):
    """One amendment and the decisions on it."""
    _require(can_view_amendments(_reader()))
    strategy = _strategy()
    found = governance_queries.find_amendment(amendment_id)
    if found is None or found.strategy_id != strategy.id:
        abort(404)
    return _amendment(found, _bodies())


# --- open data formats --------------------------------------------------------------------------------------------


@blp.get("/iati.xml")
@blp.response(200, description="The plan's progress as an IATI 2.03 activity file.", content_type="application/xml")
@blp.alt_response(401, schema=schemas.Problem, description=ERRORS[401], content_type="application/problem+json")
@blp.alt_response(404, schema=schemas.Problem, description=ERRORS[404], content_type="application/problem+json")
@blp.alt_response(429, schema=schemas.Problem, description=ERRORS[429], content_type="application/problem+json")
def iati():
    """The current strategy as one IATI 2.03 activity: its outputs and activities as results, with indicators for
    status and progress per quarter, narratives in French and English."""
    from sip.api.iati import activity_file

    _require(can_view_plan(_reader()))
    strategy = _strategy()
    return Response(activity_file(strategy), mimetype="application/xml")
