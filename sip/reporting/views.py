"""A body's report for a period: the form, review and comments."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from sip.bodies.queries import find_body
from sip.extensions import csrf, db
from sip.plan.queries import shown_strategy
from sip.accounts.permissions import SECRETARIAT
from sip.reporting import queries, report_queries, services
from sip.reporting.forms import EXPIRED, LABELS, CommentForm, ReviewForm, field_name, report_form
from sip.reporting.models import PERIOD_STATES, REPORT_STATES
from sip.reporting.permissions import (
    can_comment,
    can_edit_report,
    can_review_report,
    can_see_internal_comments,
    can_submit_report,
    can_view_report,
    files_report_for,
    is_member_of,
)

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _actor():
    """The signed-in user."""
    return current_user._get_current_object()


def _load(code: str, slug: str):
    """The period and body named in the address (404 when either is unknown) and the body's report, if saved."""
    strategy = shown_strategy() or abort(404)
    period = services.find_period(strategy, code) or abort(404)
    body = find_body(slug) or abort(404)
    return period, body, report_queries.load_report(body, period)


def _address(period, body, anchor: str | None = None) -> str:
    """The report page."""
    return url_for("reports.report", period=period.code, slug=body.slug, _anchor=anchor)


def _may(user, body, report, period) -> dict[str, bool]:
    """What the reader may do on this page (the templates hide what they may not)."""
    return {
        "edit": can_edit_report(user, body, report, period),
        "submit": can_submit_report(user, body, report, period),
        "review": can_review_report(user, report),
        "comment": can_comment(user, body, report),
        "internal": can_see_internal_comments(user),
    }


def _locked_reason(period, report) -> str | None:
    """Why the group can no longer write the report, if it cannot."""
    if report is not None and not report.editable:
        return _("The group can no longer change this report.")
    if period.state == "upcoming":
        return _("%(period)s is not open for reports yet.", period=period.code)
    if period.state == "closed":
        return _("%(period)s is closed: its reports can no longer be written or submitted.", period=period.code)
    return None


def _expired(form) -> str | None:
    """The message for a form whose CSRF token is missing or stale (the page is shown again with a fresh one)."""
    return str(EXPIRED) if "csrf_token" in form.errors else None


def _starting_form(sections, report):
    """The form pre-filled from the saved report, or, for a new one, from the last accepted updates."""
    data = {"version": str(report.version if report else 0), "summary": report.summary if report else ""}
    data.update({field_name(s.activity.id): s.starting_data() for s in sections})
    return report_form([s.activity for s in sections], formdata=None, data=data)


def _filed_by(body, report) -> dict | None:
    """Who submitted the report for the body, when not one of its own members: the person and their team."""
    person = report.submitted_by if report is not None else None
    if person is None or (body.is_group_of_people and is_member_of(person, body)):
        return None
    teams = sorted((m.body for m in person.current_memberships()), key=lambda b: (b.slug != SECRETARIAT, b.slug))
    return {"person": person.name, "team": (teams[0].short_name or teams[0].name) if teams else None}


def _focal_point_page(body) -> str | None:
    """Where the secretariat names the focal point of a body that is not a group of people and has none yet."""
    if body.is_group_of_people or body.focal_point_id is not None or body.reported_by_secretariat:
        return None
    return url_for("bodies.focal_point", slug=body.slug)


def _page(period, body, report, *, status: int = 200, form=None, review_form=None, comment_form=None,
          error: str | None = None, problems=(), saved: bool = False, confirm=()):
    """The report page: the form for those who may write it, the report read-only for everyone else."""
    may = _may(_actor(), body, report, period)
    sections = report_queries.report_sections(body, period, report)
    if may["edit"]:
        form = form or _starting_form(sections, report)
        report_queries.mark_carried(sections, form.updates([s.activity for s in sections]))
    else:
        form = None
        report_queries.mark_carried(sections, None)
    comments = [c for c in report.comments if may["internal"] or not c.internal] if report else []
    return render_template(
        "reporting/report.html", period=period, body=body, report=report, sections=sections, form=form, may=may,
        review_form=review_form or ReviewForm(formdata=None), comment_form=comment_form or CommentForm(formdata=None),
        comments=comments, error=error, problems=problems, saved=saved, locked=_locked_reason(period, report),
        confirm=confirm, filed_by=_filed_by(body, report), focal_point_page=_focal_point_page(body),
        standing=queries.report_status(body, period, report.state if report else None,
                                       report.submitted_at if report else None),
        LABELS=LABELS, REPORT_STATES=REPORT_STATES, PERIOD_STATES=PERIOD_STATES,
    ), status


def _other_version(period, body, form, activities, *, status: int, locked: str | None = None):
    """What was posted beside the report as it is now: 409 with the form to save again, or 403 when locked."""
    report = report_queries.load_report(body, period)
    typed = form.updates(activities)
    differences = report_queries.differences(report, activities, form.summary.data or "", typed)
    sections = report_queries.report_sections(body, period, report)
    if locked is None:
        # The form keeps what the user typed but carries the current version, so saving again keeps their text.
        form.version.data = str(report.version if report else 0)
        report_queries.mark_carried(sections, form.updates([s.activity for s in sections]))
    return render_template(
        "reporting/conflict.html", period=period, body=body, report=report, form=form, sections=sections,
        differences=differences, may=_may(_actor(), body, report, period), locked=locked, LABELS=LABELS,
    ), status


def _save(period, body, report):
    """Save the draft (and submit it when asked); 400 with what to fix, 409 when someone saved in between."""
    actor = _actor()
    activities = services.reportable_activities(body, report, strategy_id=period.strategy_id)
    form = report_form(activities)
    if not can_edit_report(actor, body, report, period):
        if not files_report_for(actor, body):
            abort(403)
        # A member whose report was submitted or whose period closed meanwhile: nothing is saved, but what they
        # typed is shown back so that it is not lost.
        return _other_version(period, body, form, activities, status=403,
                              locked=_locked_reason(period, report) or _("You may not change this report."))
    if form.submitting() and not can_submit_report(actor, body, report, period):
        abort(403)
    if not form.validate_on_submit():
        return _page(period, body, report, status=400, form=form, problems=form.problems(activities),
                     error=_("Nothing was saved: correct what is marked below."))
    try:
        services.write_report(body, period, actor, form.version_number(), form.summary.data or "",
                              form.updates(activities), submit=form.submitting(), confirmed=form.carried_confirmed())
    except services.CarriedUnconfirmed as question:
        # The draft is saved; nothing is submitted until the lead confirms on this page ("Submit anyway").
        db.session.rollback()
        report = report_queries.load_report(body, period)
        form.version.data, form.confirm_carried.data = str(report.version), "y"
        return _page(period, body, report, form=form, saved=True, confirm=question.carried)
    except services.VersionConflict:
        return _other_version(period, body, form, activities, status=409)
    except IntegrityError:  # someone created the same report at the same moment: the same as a newer save
        db.session.rollback()
        return _other_version(period, body, form, activities, status=409)
    except services.ReportError as refusal:
        db.session.rollback()
        report = report_queries.load_report(body, period)
        if refusal.saved is None:
            return _page(period, body, report, status=400, form=form, error=str(refusal), problems=refusal.problems)
        form.version.data = str(report.version)  # the draft is saved: the next save starts from this version
        return _page(period, body, report, status=400, form=form, problems=refusal.problems, saved=True,
                     error=_("Saved, but not submitted: complete what is listed below, then submit again."))
    flash(_("Report submitted for review.") if form.submitting() else _("Draft saved."), "success")
    return redirect(_address(period, body))


@bp.route("/<period>/<slug>", methods=["GET", "POST"], endpoint="report")
# The form checks its own CSRF token (validate_on_submit, before anything is written), so that a token that expired
# during a long edit shows the page again with the text kept, instead of the bare 400 page that loses it.
@csrf.exempt
@login_required
def report_page(period: str, slug: str):
    """A body's report for a quarter: the form for its members while they may write it, read-only otherwise."""
    found_period, body, report = _load(period, slug)
    if not can_view_report(_actor(), body, report):
        abort(403)
    if request.method == "POST":
        return _save(found_period, body, report)
    return _page(found_period, body, report)


@bp.post("/<period>/<slug>/review")
@login_required
def review(period: str, slug: str):
    """The secretariat accepts a submitted report (optional note) or returns it to the group (note required)."""
    found_period, body, report = _load(period, slug)
    actor = _actor()
    if not can_review_report(actor, report):
        abort(403)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            if form.decision.data == "accept":
                services.accept_report(report, actor, form.note.data)
            else:
                services.return_report(report, actor, form.note.data)
        except services.ReportError as refusal:
            db.session.rollback()
            form.note.errors = [*form.note.errors, str(refusal)]
        else:
            if form.decision.data == "accept":
                flash(_("Report accepted: the activities' statuses are updated."), "success")
            else:
                flash(_("Report returned to the group with your note."), "success")
            return redirect(_address(found_period, body))
    report = report_queries.load_report(body, found_period)
    return _page(found_period, body, report, status=400, review_form=form, error=_expired(form))


@bp.post("/<period>/<slug>/comments")
@login_required
def comment(period: str, slug: str):
    """Comment on a report; the secretariat may keep a comment internal."""
    found_period, body, report = _load(period, slug)
    actor = _actor()
    if not can_comment(actor, body, report):
        abort(403)
    form = CommentForm()
    if form.validate_on_submit():
        internal = bool(form.internal.data) and can_see_internal_comments(actor)
        try:
            services.add_comment(report, actor, form.text.data, internal)
        except services.ReportError as refusal:
            db.session.rollback()
            form.text.errors = [*form.text.errors, str(refusal)]
        else:
            flash(_("Your comment is added."), "success")
            return redirect(_address(found_period, body, "comments"))
    report = report_queries.load_report(body, found_period)
    return _page(found_period, body, report, status=400, comment_form=form, error=_expired(form))
