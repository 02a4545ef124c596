"""Strategy cycles pages: carry-over decisions, the closing (what is still open, then the closing itself), the
closing notes of a closed strategy, and opening a draft. All for the secretariat (`can_manage_cycles`)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from sip.core.forms import choices, strip
from sip.cycles import queries, services
from sip.cycles.models import CARRY_DECISIONS
from sip.cycles.permissions import can_manage_cycles
from sip.cycles.services import NOTES_MAX, REASON_MAX, CycleError
from sip.cycles.views import bp
from sip.extensions import db
from sip.plan.queries import current_strategy

EXPIRED = _l("The page had expired; nothing was saved. What you typed is kept below: send it again.")


class CarryOverForm(FlaskForm):
    """One activity's decision: what becomes of it, the activity of the next plan, why."""

    decision = SelectField(_l("Decision"), choices=choices([("", "")] + list(CARRY_DECISIONS.items())),
                           validators=[DataRequired(message=_l("Choose a decision."))])
    target = StringField(_l("Activity of the next plan (code)"), filters=[strip],
                         validators=[Optional(), Length(max=20)])
    reason_fr = TextAreaField(_l("Reason (French)"), filters=[strip], validators=[Length(max=REASON_MAX)])
    reason_en = TextAreaField(_l("Reason (English)"), filters=[strip], validators=[Length(max=REASON_MAX)])


class NotesForm(FlaskForm):
    """The secretariat's closing notes, in both languages."""

    notes_fr = TextAreaField(_l("Closing notes (French)"), filters=[strip], validators=[Length(max=NOTES_MAX)])
    notes_en = TextAreaField(_l("Closing notes (English)"), filters=[strip], validators=[Length(max=NOTES_MAX)])


class CloseForm(NotesForm):
    """Closing the strategy: the notes and a confirmation."""

    confirm = BooleanField(_l("I understand that closing makes the strategy read-only: its plan, reports and "
                              "amendments can no longer change."),
                           validators=[DataRequired(message=_l("Confirm that the strategy is to be closed."))])


class OpenForm(FlaskForm):
    """Opening a draft (the button only)."""


def _strategy_or_404(slug: str):
    """The strategy named in the address, for the secretariat only."""
    if not can_manage_cycles(current_user):
        abort(403)
    return queries.find_strategy(slug) or abort(404)


def _problems(form) -> list[str]:
    """Every error of a form, one sentence each."""
    if "csrf_token" in form.errors:
        return [str(EXPIRED)]
    return [f"{form[name].label.text}: {error}" for name, errors in form.errors.items() for error in errors]


# --- carry-over ---------------------------------------------------------------------------------------------------


def _carry_over_page(strategy, status: int = 200, error_at: str | None = None, problems=(), form_data=None):
    """The carry-over page, with the problems of one activity's form when its saving was refused."""
    following = queries.next_plan(strategy) if strategy.state == "current" else queries.successor(strategy)
    targets = queries.activities_of(following) if following is not None and strategy.state == "current" else []
    return render_template("cycles/carry_over.html", strategy=strategy, following=following, targets=targets,
                           groups=queries.carry_over_rows(strategy), error_at=error_at, problems=list(problems),
                           form_data=form_data or {}, decisions=CARRY_DECISIONS,
                           address=queries.activity_address, page=queries.strategy_page), status


@bp.get("/<slug>/carry-over")
@login_required
def carry_over(slug: str):
    """Every unfinished activity of the closing plan, by pillar, with its decision and a form to change it."""
    strategy = _strategy_or_404(slug)
    if strategy.state == "draft":
        abort(404)
    return _carry_over_page(strategy)


@bp.post("/<slug>/carry-over/<code>")
@login_required
def decide_carry_over(slug: str, code: str):
    """Save the decision for one activity of the closing plan."""
    strategy = _strategy_or_404(slug)
    activity = queries.activity_by_code(strategy, code) or abort(404)
    form = CarryOverForm()
    if not form.validate_on_submit():
        return _carry_over_page(strategy, 400, code, _problems(form), request.form)
    following = queries.next_plan(strategy)
    target = queries.activity_by_code(following, form.target.data) if following and form.target.data else None
    try:
        if form.target.data and target is None:
            raise CycleError(_("There is no activity %(code)s in the next plan.", code=form.target.data))
        services.decide_carry_over(activity, form.decision.data, current_user, to_activity=target,
                                   reason={"fr": form.reason_fr.data, "en": form.reason_en.data})
    except CycleError as refusal:
        db.session.rollback()
        return _carry_over_page(strategy, 400, code, [str(refusal), *refusal.problems], request.form)
    flash(_("Decision saved for activity %(code)s: %(decision)s.", code=activity.code,
            decision=CARRY_DECISIONS[form.decision.data]), "success")
    return redirect(url_for("cycles.carry_over", slug=strategy.slug, _anchor=f"activity-{activity.code}"))


# --- closing and opening ------------------------------------------------------------------------------------------


def _closing_page(strategy, status: int = 200, problems=(), form=None):
    """The closing page: for the current strategy what is still open; for a closed one its notes; for a draft
    what stops it from opening."""
    check = services.closing_check(strategy) if strategy.state == "current" else None
    following = queries.successor(strategy) if strategy.state != "draft" else None
    notes = strategy.closing_notes or {}
    form = form or (CloseForm() if strategy.state == "current" else
                    NotesForm(data={"notes_fr": notes.get("fr", ""), "notes_en": notes.get("en", "")}))
    opening = services.opening_problems(strategy) if strategy.state == "draft" else []
    current = current_strategy()
    return render_template("cycles/close.html", strategy=strategy, check=check, following=following, form=form,
                           opening=opening, current=current, problems=list(problems), open_form=OpenForm(),
                           address=queries.activity_address, page=queries.strategy_page), status


@bp.get("/<slug>/close")
@login_required
def closing(slug: str):
    """Before closing: what is still open and what blocks (a dry run). After: the closing notes, opening the next."""
    return _closing_page(_strategy_or_404(slug))


@bp.post("/<slug>/close")
@login_required
def close(slug: str):
    """Close the current strategy with the secretariat's notes, once nothing blocks."""
    strategy = _strategy_or_404(slug)
    form = CloseForm()
    if not form.validate_on_submit():  # base.html lists the form's errors
        return _closing_page(strategy, 400, form=form)
    try:
        services.close_strategy(strategy, current_user, {"fr": form.notes_fr.data, "en": form.notes_en.data})
    except CycleError as refusal:
        db.session.rollback()
        return _closing_page(queries.find_strategy(slug), 400, [str(refusal), *refusal.problems], form)
    flash(_("The %(years)s strategy is closed: it stays readable, and nothing in it can change but its closing "
            "notes.", years=strategy.years), "success")
    return redirect(url_for("cycles.closing", slug=strategy.slug))


@bp.post("/<slug>/notes")
@login_required
def closing_notes(slug: str):
    """Save the closing notes of a closed strategy."""
    strategy = _strategy_or_404(slug)
    form = NotesForm()
    if not form.validate_on_submit():
        return _closing_page(strategy, 400, form=form)
    try:
        services.save_closing_notes(strategy, {"fr": form.notes_fr.data, "en": form.notes_en.data}, current_user)
    except CycleError as refusal:
        db.session.rollback()
        return _closing_page(queries.find_strategy(slug), 400, [str(refusal)], form)
    flash(_("Closing notes saved."), "success")
    return redirect(url_for("cycles.closing", slug=strategy.slug))


@bp.post("/<slug>/open")
@login_required
def open_draft(slug: str):
    """Make a draft the current strategy."""
    strategy = _strategy_or_404(slug)
    form = OpenForm()
    if not form.validate_on_submit():
        return _closing_page(strategy, 400, _problems(form))
    try:
        services.open_strategy(strategy, current_user)
    except CycleError as refusal:
        db.session.rollback()
        return _closing_page(queries.find_strategy(slug), 400, [str(refusal), *refusal.problems])
    flash(_("The %(years)s strategy is now the current one: every page shows it.", years=strategy.years), "success")
    return redirect(url_for("cycles.index"))
