"""Meetings' pages: the list, a new meeting, one meeting (agenda, attendance, minutes, decisions, action points),
the minutes as PDF, iCalendar files and the calendar links."""
from datetime import datetime, timezone

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from sip.accounts.models import Organisation, User
from sip.accounts.permissions import bodies_of, is_secretariat, is_signed_in
from sip.bodies.models import Body
from sip.bodies.queries import all_bodies, find_body
from sip.core.forms import choices
from sip.core.i18n import current_language, pick
from sip.core.pagination import requested_page
from sip.extensions import csrf, db
from sip.governance.models import Amendment
from sip.meetings import calendars, permissions, queries, services
from sip.meetings.forms import (
    ActionForm,
    ActionPointForm,
    ActionStatusForm,
    AgendaForm,
    AttendanceForm,
    DecisionForm,
    FilterForm,
    MeetingForm,
    MinutesForm,
    VerdictForm,
)
from sip.meetings.models import (
    ACTION_STATES,
    DECISION_METHODS,
    DECISION_OUTCOMES,
    MEETING_KINDS,
    MINUTES_LANGUAGES,
    MINUTES_STATES,
    ActionPoint,
    Attendance,
)
from sip.meetings.services import ActionPointData, MeetingData, MeetingError, NotAllowed, Verdict
from sip.plan.queries import current_strategy, find_activity
from sip.reporting.models import GroupReport

bp = Blueprint("meetings", __name__)

PAGE_SIZE = 25
LABELS = {"kinds": MEETING_KINDS, "minutes": MINUTES_STATES, "languages": MINUTES_LANGUAGES, "actions": ACTION_STATES,
          "methods": DECISION_METHODS, "outcomes": DECISION_OUTCOMES}


def _actor():
    """The signed-in user (None for a visitor)."""
    return current_user if is_signed_in(current_user) else None


def _meeting_or_404(meeting_id: int):
    """The meeting with this number, or 404."""
    return queries.find_meeting(meeting_id) or abort(404)


def _activity(code: str | None):
    """The current plan's activity with this code (None when no code is given or the plan has none)."""
    strategy = current_strategy()
    return find_activity(strategy, code) if code and strategy is not None else None


def _bilingual(form, prefix: str) -> dict:
    """The {"fr": …, "en": …} text of a pair of fields named prefix_fr and prefix_en."""
    return {lang: form[f"{prefix}_{lang}"].data or "" for lang in ("fr", "en")}


# --- the list and a new meeting -----------------------------------------------------------------


@bp.get("/meetings")
@login_required
def index():
    """Every body's meetings, upcoming and past, filtered by body, kind and when; "minutes missing" for the
    secretariat."""
    actor = _actor()
    if not permissions.can_view_meetings(actor):
        abort(403)
    form = FilterForm(request.args)
    lang = current_language()
    form.body.choices = choices([("", _("All bodies"))] + [(b.slug, pick(b.name, lang)) for b in all_bodies()])
    form.kind.choices = choices([("", _("All kinds"))] + [(k, str(v)) for k, v in MEETING_KINDS.items()])
    form.when.choices = choices([("", _("All")), ("upcoming", _("Upcoming")), ("past", _("Past"))] + (
        [("missing", _("Minutes missing"))] if permissions.sees_missing_minutes(actor) else []))
    valid = form.validate()
    filters = queries.MeetingFilters(**{name: None if form[name].errors else (form[name].data or None)
                                        for name in ("body", "kind", "when")})
    page = queries.meetings_page(filters, requested_page(), PAGE_SIZE)
    missing = queries.missing_minutes_count() if permissions.sees_missing_minutes(actor) else None
    return render_template("meetings/index.html", page=page, form=form, filters=filters, labels=LABELS,
                           missing=missing, may_create=permissions.can_create_meeting(actor),
                           now=datetime.now(timezone.utc), shows_missing=permissions.sees_missing_minutes(actor),
                           ), (200 if valid else 400)


def _creatable_bodies(actor) -> list[Body]:
    """The active bodies the actor may schedule a meeting of."""
    return [b for b in all_bodies() if b.is_active and (is_secretariat(actor) or permissions.leads(actor, b))]


def _meeting_form(actor, formdata=None) -> MeetingForm:
    """The new-meeting form with its choices: bodies the actor may convene, the GLM periods."""
    form = MeetingForm(formdata=formdata) if formdata is not None else MeetingForm()
    lang = current_language()
    form.body.choices = choices([(b.slug, pick(b.name, lang)) for b in _creatable_bodies(actor)])
    if not is_secretariat(actor):
        form.kind.choices = choices([(k, v) for k, v in MEETING_KINDS.items() if k not in permissions.SECRETARIAT_KINDS])
    form.period.choices = choices([("", _("— not a GLM —"))] + [(str(p.id), f"{p.glm_name or p.code} ({p.code})")
                                                          for p in queries.glm_periods()])
    if request.method == "GET" and request.args.get("body"):
        form.body.data = request.args["body"]
    return form


@bp.route("/meetings/new", methods=["GET", "POST"])
@csrf.exempt  # the form checks its token itself, so that an expired page keeps what was typed
@login_required
def new():
    """Schedule a meeting: the secretariat any (GLMs, SAG consultations), a group's lead the group's."""
    actor = _actor()
    if not permissions.can_create_meeting(actor):
        abort(403)
    form = _meeting_form(actor)
    if request.method == "GET":
        return render_template("meetings/new.html", form=form, problems=[])
    asked = find_body(request.form.get("body", ""))
    if asked is not None and not permissions.can_create_meeting(actor, asked, request.form.get("kind")):
        abort(403)
    if not form.validate_on_submit():
        return render_template("meetings/new.html", form=form, problems=form.problems()), 400
    body = find_body(form.body.data)
    period = next((p for p in queries.glm_periods() if str(p.id) == form.period.data), None)
    data = MeetingData(body=body, kind=form.kind.data, title=_bilingual(form, "title"), starts=form.starts.data,
                       timezone=form.timezone.data, duration_minutes=form.duration.data, place=form.place.data,
                       link=form.link.data, languages=form.languages.data, period=period)
    try:
        meeting = services.create_meeting(data, actor)
    except NotAllowed:
        db.session.rollback()
        abort(403)
    except MeetingError as refusal:
        db.session.rollback()
        return render_template("meetings/new.html", form=form, problems=refusal.problems or [str(refusal)]), 400
    flash(_("Meeting scheduled. Add its agenda below."), "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


# --- one meeting --------------------------------------------------------------------------------


def _forms(meeting, actor, given: dict) -> dict:
    """Every form of a meeting's page, with its choices (a form given keeps what was typed)."""
    lang = current_language()
    forms = {"agenda": given.get("agenda") or AgendaForm(formdata=None),
             "attendance": given.get("attendance") or AttendanceForm(formdata=None),
             "minutes": given.get("minutes") or MinutesForm(formdata=None),
             "decision": given.get("decision") or DecisionForm(formdata=None),
             "verdict": given.get("verdict") or VerdictForm(formdata=None),
             "action_point": given.get("action_point") or ActionPointForm(formdata=None),
             "action": ActionForm(formdata=None)}
    if permissions.can_manage_meeting(actor, meeting):
        amendments = db.session.scalars(select(Amendment).where(Amendment.state.in_(("proposed", "endorsed")))
                                        .options(joinedload(Amendment.activity)).order_by(Amendment.id))
        forms["agenda"].amendment.choices = choices([("", "—")] + [(str(a.id), f"{a.id} · {a.code}") for a in amendments])
        reports = _report_choices(meeting)
        forms["agenda"].report.choices = choices(reports)
        forms["action_point"].report.choices = choices(reports)
        carried = queries.carried_action_points(meeting)
        forms["agenda"].action_point.choices = choices([("", "—")] + [(str(p.id), pick(p.text, lang)[:80]) for p in carried])
        forms["attendance"].person.choices = choices([("", "—")] + [
            (str(p.id), p.name + (f" ({p.organisation.acronym or p.organisation.name})" if p.organisation else ""))
            for p in queries.active_people()])
        forms["attendance"].organisation.choices = choices([("", "—")] + [
            (str(o.id), o.name + (f" ({o.acronym})" if o.acronym else "")) for o in queries.organisations()])
        forms["action_point"].body.choices = choices([(b.slug, pick(b.name, lang)) for b in all_bodies() if b.is_active])
        if not given.get("action_point"):
            forms["action_point"].body.data = meeting.body.slug
        forms["action_point"].owner.choices = choices([("", "—")] + [(str(p.id), p.name) for p in queries.active_people()])
    if not given.get("minutes") and meeting.current_minutes is not None and meeting.current_minutes.state == "draft":
        forms["minutes"].text.data = meeting.current_minutes.text
        forms["minutes"].language.data = meeting.current_minutes.language
    elif not given.get("minutes"):
        forms["minutes"].language.data = (meeting.languages or ["en"])[0]
    if permissions.can_record_verification(actor, meeting):
        forms["verdict"].amendment.choices = choices([("", _("— choose the amendment —"))] + [
            (str(a.id), f"{a.id} · {a.code}") for a in queries.endorsed_amendments()])
    for name, form in forms.items():  # one page, many forms: ids unique, so that each label names its own field
        for item in form:
            item.id = f"{name}-{item.name}"
    return forms


def _report_choices(meeting) -> list[tuple[str, str]]:
    """Reports an agenda point or action point can be about: the latest ones past the draft (the body's own first)."""
    lang = current_language()
    reports = db.session.scalars(select(GroupReport).where(GroupReport.state != "draft")
                                 .options(joinedload(GroupReport.body), joinedload(GroupReport.period))
                                 .order_by(GroupReport.id.desc()).limit(40))
    ordered = sorted(reports, key=lambda r: (r.body_id != meeting.body_id, -r.id))
    return [("", "—")] + [(str(r.id), f"{pick(r.body.name, lang)} · {r.period.code}") for r in ordered]


def _show(meeting, *, status: int = 200, problems=(), **given):
    """A meeting's page: what, when, where; agenda; attendance and its counts; minutes; decisions; action points."""
    actor = _actor()
    minutes = meeting.current_minutes
    visible_minutes = [m for m in meeting.minutes if permissions.can_view_minutes(actor, m)]
    return render_template(
        "meetings/show.html", meeting=meeting, labels=LABELS, problems=problems, forms=_forms(meeting, actor, given),
        summary=queries.attendance_summary(meeting), carried=queries.carried_action_points(meeting),
        voters=services.voting_partners(meeting), minutes=minutes, visible_minutes=visible_minutes,
        may_manage=permissions.can_manage_meeting(actor, meeting),
        may_write=permissions.can_write_minutes(actor, meeting),
        may_endorse=permissions.can_endorse_minutes(actor, meeting),
        may_decide=permissions.can_record_decision(actor, meeting),
        may_verify=permissions.can_record_verification(actor, meeting),
        may_update=lambda point: permissions.can_update_action_point(actor, point),
        shows_missing=permissions.sees_missing_minutes(actor), now=datetime.now(timezone.utc),
    ), status


@bp.get("/meetings/<int:meeting_id>")
@login_required
def show(meeting_id: int):
    """One meeting."""
    if not permissions.can_view_meetings(_actor()):
        abort(403)
    return _show(_meeting_or_404(meeting_id))


def _write(meeting_id: int, allowed, form_class, name: str, action, success: str, anchor: str):
    """The shape of every write on a meeting's page: load (404), check (403), validate (400 with the page), call
    one service (400 with its problems, nothing changed), then confirm and go back to the page."""
    meeting = _meeting_or_404(meeting_id)
    actor = _actor()
    if not allowed(actor, meeting):
        abort(403)
    form = form_class()
    if form_class is not ActionForm:
        _forms(meeting, actor, {name: form})  # the choices the form validates against
    if not form.validate_on_submit():
        return _show(meeting, status=400, problems=form.problems(), **{name: form})
    try:
        said = action(meeting, actor, form)  # a service's own confirmation, when it has more to say
    except NotAllowed:
        db.session.rollback()
        abort(403)
    except MeetingError as refusal:
        db.session.rollback()
        return _show(_meeting_or_404(meeting_id), status=400, problems=[str(refusal), *refusal.problems],
                     **{name: form})
    flash(said if isinstance(said, str) else success, "success")
    return redirect(url_for("meetings.show", meeting_id=meeting_id) + f"#{anchor}")


@bp.post("/meetings/<int:meeting_id>/agenda")
@csrf.exempt  # the form checks its token itself
@login_required
def add_agenda(meeting_id: int):
    """Add a point to the agenda."""
    def action(meeting, actor, form):
        activity = _activity(form.activity.data)
        if form.activity.data and activity is None:
            raise MeetingError(_("There is no activity %(code)s.", code=form.activity.data))
        services.add_agenda_item(
            meeting, actor, _bilingual(form, "title"), activity=activity,
            amendment=db.session.get(Amendment, int(form.amendment.data)) if form.amendment.data else None,
            report=db.session.get(GroupReport, int(form.report.data)) if form.report.data else None,
            action_point=db.session.get(ActionPoint, int(form.action_point.data)) if form.action_point.data else None)
    return _write(meeting_id, permissions.can_manage_meeting, AgendaForm, "agenda", action,
                  _("Point added to the agenda."), "agenda")


@bp.post("/meetings/<int:meeting_id>/attendance")
@csrf.exempt  # the form checks its token itself
@login_required
def add_attendance(meeting_id: int):
    """Record someone present."""
    def action(meeting, actor, form):
        services.record_attendance(
            meeting, actor, person=db.session.get(User, int(form.person.data)) if form.person.data else None,
            organisation=(db.session.get(Organisation, int(form.organisation.data))
                          if form.organisation.data and not form.person.data else None))
    return _write(meeting_id, permissions.can_manage_meeting, AttendanceForm, "attendance", action,
                  _("Attendance recorded."), "attendance")


@bp.post("/meetings/<int:meeting_id>/attendance/<int:attendance_id>/remove")
@login_required
def remove_attendance(meeting_id: int, attendance_id: int):
    """Take someone off the list of those present."""
    def action(meeting, actor, form):
        row = db.session.get(Attendance, attendance_id)
        if row is None or row.meeting_id != meeting.id:
            abort(404)
        services.remove_attendance(row, actor)
    return _write(meeting_id, permissions.can_manage_meeting, ActionForm, "action", action,
                  _("Removed from the attendance."), "attendance")


@bp.post("/meetings/<int:meeting_id>/minutes")
@csrf.exempt  # the form checks its token itself, so that an expired page keeps the minutes typed
@login_required
def save_minutes(meeting_id: int):
    """Save the draft minutes (or a correction of endorsed ones, as a new revision)."""
    def action(meeting, actor, form):
        services.save_minutes(meeting, actor, form.text.data, form.language.data, form.correction_note.data)
    return _write(meeting_id, permissions.can_write_minutes, MinutesForm, "minutes", action,
                  _("Minutes saved as a draft."), "minutes")


@bp.post("/meetings/<int:meeting_id>/minutes/circulate")
@login_required
def circulate_minutes(meeting_id: int):
    """Circulate the draft minutes to the body for endorsement."""
    return _write(meeting_id, permissions.can_write_minutes, ActionForm, "action",
                  lambda meeting, actor, form: services.circulate_minutes(meeting, actor),
                  _("Minutes circulated to the body; they wait for endorsement."), "minutes")


@bp.post("/meetings/<int:meeting_id>/minutes/endorse")
@login_required
def endorse_minutes(meeting_id: int):
    """Endorse the circulated minutes; they are then read-only."""
    return _write(meeting_id, permissions.can_endorse_minutes, ActionForm, "action",
                  lambda meeting, actor, form: services.endorse_minutes(meeting, actor),
                  _("Minutes endorsed. They are now read-only; a correction is a new revision."), "minutes")


@bp.get("/meetings/<int:meeting_id>/minutes/<int:revision>.pdf")
@login_required
def minutes_pdf(meeting_id: int, revision: int):
    """One revision of the minutes as a PDF."""
    from sip.meetings.pdf import render_minutes

    meeting = _meeting_or_404(meeting_id)
    minutes = next((m for m in meeting.minutes if m.revision == revision), None) or abort(404)
    if not permissions.can_view_minutes(_actor(), minutes):
        abort(403)
    pdf = render_minutes(meeting, minutes, queries.attendance_summary(meeting))
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="minutes-{meeting.id}-r{revision}.pdf"'
    return response


@bp.post("/meetings/<int:meeting_id>/decisions")
@csrf.exempt  # the form checks its token itself
@login_required
def add_decision(meeting_id: int):
    """Record a decision of the meeting."""
    return _write(meeting_id, permissions.can_record_decision, DecisionForm, "decision",
                  lambda meeting, actor, form: services.record_decision(meeting, actor, _bilingual(form, "text")),
                  _("Decision recorded."), "decisions")


@bp.post("/meetings/<int:meeting_id>/verdicts")
@csrf.exempt  # the form checks its token itself, so that an expired page keeps the counts typed
@login_required
def add_verdict(meeting_id: int):
    """Record the GLM plenary's verdict on an endorsed amendment (a verification changes the plan now)."""
    def action(meeting, actor, form):
        amendment = db.session.get(Amendment, int(form.amendment.data))
        verdict = Verdict(method=form.method.data, verified=form.outcome.data == "verify",
                          votes_for=form.votes_for.data, votes_against=form.votes_against.data,
                          votes_abstaining=form.votes_abstaining.data, note=form.note.data)
        decision = services.record_verification(meeting, amendment, actor, verdict)
        if decision.outcome == "verified":
            return _("Recorded: the GLM verified amendment %(number)d. The plan now says so, in version %(tag)s.",
                     number=amendment.id, tag=amendment.version.tag)
        return _("Recorded: the GLM rejected amendment %(number)d; the plan is unchanged.", number=amendment.id)
    return _write(meeting_id, permissions.can_record_verification, VerdictForm, "verdict", action,
                  _("Verdict recorded; the amendment's page and the plan's versions say so."), "decisions")


@bp.post("/meetings/<int:meeting_id>/action-points")
@csrf.exempt  # the form checks its token itself
@login_required
def add_action_point(meeting_id: int):
    """Give a body (and optionally a person) something to do by a day."""
    def action(meeting, actor, form):
        activity = _activity(form.activity.data)
        if form.activity.data and activity is None:
            raise MeetingError(_("There is no activity %(code)s.", code=form.activity.data))
        services.add_action_point(meeting, actor, ActionPointData(
            text=_bilingual(form, "text"), body=find_body(form.body.data), due_on=form.due_on.data,
            owner=db.session.get(User, int(form.owner.data)) if form.owner.data else None, activity=activity,
            report=db.session.get(GroupReport, int(form.report.data)) if form.report.data else None))
    return _write(meeting_id, permissions.can_manage_meeting, ActionPointForm, "action_point", action,
                  _("Action point recorded."), "action-points")


@bp.post("/action-points/<int:point_id>/status")
@login_required
def action_point_status(point_id: int):
    """Mark an action point done or dropped (with a note), or open it again."""
    point = db.session.get(ActionPoint, point_id) or abort(404)
    actor = _actor()
    if not permissions.can_update_action_point(actor, point):
        abort(403)
    form = ActionStatusForm()
    back = url_for("meetings.show", meeting_id=point.meeting_id) + f"#action-point-{point.id}"
    if not form.validate_on_submit():
        return _show(_meeting_or_404(point.meeting_id), status=400, problems=form.problems())
    try:
        services.set_action_point_status(point, actor, form.status.data, form.note.data)
    except MeetingError as refusal:
        db.session.rollback()
        return _show(_meeting_or_404(point.meeting_id), status=400, problems=[str(refusal), *refusal.problems])
    flash(_("Action point marked “%(state)s”.", state=ACTION_STATES[form.status.data]), "success")
    return redirect(back)


# --- calendars ----------------------------------------------------------------------------------


def _ics(content: bytes, filename: str) -> Response:
    """An iCalendar response."""
    response = Response(content, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/meetings/<int:meeting_id>.ics")
@login_required
def meeting_ics(meeting_id: int):
    """One meeting as an iCalendar file, to add to one's calendar."""
    if not permissions.can_view_meetings(_actor()):
        abort(403)
    meeting = _meeting_or_404(meeting_id)
    return _ics(calendars.calendar_of([meeting], pick(meeting.title, current_language()), current_language()),
                f"meeting-{meeting.id}.ics")


@bp.get("/calendar")
@login_required
def calendar_links():
    """The person's calendar link, and those of the bodies they belong to (or lead, or all for the secretariat)."""
    actor = _actor()
    if not permissions.can_view_meetings(actor):
        abort(403)
    mine = calendars.token_for("user", actor.id, services.calendar_salt("user", actor.id))
    slugs = bodies_of(actor)
    bodies = [b for b in all_bodies() if b.is_active and (is_secretariat(actor) or b.slug in slugs)]
    feeds = [(b, calendars.token_for("body", b.id, services.calendar_salt("body", b.id)),
              permissions.can_renew_body_calendar(actor, b)) for b in bodies]
    return render_template("meetings/calendar.html", mine=mine, feeds=feeds, form=ActionForm(formdata=None))


@bp.post("/calendar/renew")
@login_required
def renew_calendar():
    """Renew the person's calendar link (or a body's, for its lead or the secretariat); the old one stops working."""
    actor = _actor()
    form = ActionForm()
    slug = request.form.get("body")
    body = find_body(slug) if slug else None
    if slug and (body is None):
        abort(404)
    if body is not None and not permissions.can_renew_body_calendar(actor, body):
        abort(403)
    if not form.validate_on_submit():
        flash(_("The page had expired; nothing was changed. Try again."), "error")
        return redirect(url_for("meetings.calendar_links"))
    services.renew_calendar("body" if body else "user", body.id if body else actor.id, actor)
    flash(_("New calendar link made; the old one no longer works. Give the new one to your calendar."), "success")
    return redirect(url_for("meetings.calendar_links"))


@bp.get("/calendar/<token>.ics")
def feed(token: str):
    """A person's or a body's calendar feed; the secret link is the proof (calendar apps cannot sign in)."""
    owner = calendars.owner_of(token)
    if owner is None:
        abort(404)
    owner_kind, owner_id = owner
    lang = current_language()
    if owner_kind == "user":
        person = db.session.get(User, owner_id)
        if person is None or not person.active:
            abort(404)
        lang = person.language or lang
        content = calendars.calendar_of(queries.calendar_for_person(person), _("SIP meetings"), lang)
    else:
        body = db.session.get(Body, owner_id) or abort(404)
        content = calendars.calendar_of(queries.calendar_for_body(body), pick(body.name, lang), lang)
    return _ics(content, "meetings.ics")
