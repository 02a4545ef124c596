"""Writes of plan governance: propose an amendment, the SAG's decision, the GLM's verification that applies it.

Every public function checks the permission again (for the CLI), refuses bad input before writing anything,
audits what it writes and commits; on GovernanceError nothing has been written.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from sip.accounts.permissions import SECRETARIAT, is_secretariat
from sip.bodies.models import Body
from sip.core import audit
from sip.core.i18n import current_language, pick
from sip.core.models import utcnow
from sip.extensions import db
from sip.governance import history, permissions, signals
from sip.governance.models import AMENDMENT_KINDS, OPEN_STATES, RETIRE_AS, Amendment, PlanVersion
from sip.plan.models import ACCOUNTABLE_ROLES, ROLES, Activity, Output, Responsibility, Strategy, default_accountable
from sip.reporting import services as reporting_services
from sip.reporting import statuses
from sip.reporting.models import ReportingPeriod

CODE_PATTERN = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
TEXT_MAX = 2000
RATIONALE_MAX = 4000
NOTE_MAX = 4000


class GovernanceError(ValueError):
    """A refused governance action; `problems` lists what to fix, for the user."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class Change:
    """What a proposal changes; which fields count depends on the kind."""

    kind: str
    activity: Activity | None = None
    text: dict | None = None
    code: str | None = None
    output: Output | None = None
    retire_as: str | None = None
    # [{"body": slug, "role": role, "accountable": True on the one accountable body}]
    responsibilities: list[dict] | None = None


@dataclass
class HandOver:
    """One activity of a body being dissolved and the body that takes its part (None: the others carry on)."""

    activity: Activity
    receiver: Body | None = field(default=None)


def _id(actor) -> int | None:
    """The id of the acting user (None for the system)."""
    return getattr(actor, "id", None)


def _clean(value: str | None) -> str:
    """Text as typed, trimmed, with one kind of line break."""
    return (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


# --- what an activity is now --------------------------------------------------------------------


def snapshot(activity: Activity) -> dict:
    """The activity's plan fields as JSON: kept with a proposal, compared before applying it."""
    return {
        "code": activity.code,
        "text": dict(activity.text or {}),
        "output_id": activity.output_id,
        "output_code": activity.output.code if activity.output else None,
        "state": history.plan_state(activity),
        "responsibilities": responsibility_list(activity.responsibilities, activity.accountable_body_id),
        "accountable": _slug(activity.accountable_body_id),
    }


def _slug(body_id: int | None) -> str | None:
    """A body's slug by id (from the session's identity map when loaded: the id may have just changed)."""
    body = db.session.get(Body, body_id) if body_id is not None else None
    return body.slug if body else None


def responsibility_list(responsibilities, accountable_body_id: int | None = None) -> list[dict]:
    """Responsibilities (live or of a revision) as [{"body": slug, "role": role, "note": note}], the accountable
    body's first row marked "accountable": True."""
    items, marked = [], False
    for r in responsibilities:
        item = {"body": r.body.slug, "role": r.role, "note": r.note}
        if accountable_body_id is not None and r.body_id == accountable_body_id and not marked:
            item["accountable"] = marked = True
        items.append(item)
    return items


def _pairs(items: list[dict] | None) -> list[tuple[str, str]]:
    """(body, role) pairs of a responsibility list, in order."""
    return [(item["body"], item["role"]) for item in items or []]


def accountable_of(items: list[dict] | None) -> str | None:
    """The slug of the body a responsibility list marks accountable (None when none is marked)."""
    return next((item["body"] for item in items or [] if item.get("accountable")), None)


def _default_accountable(items: list[dict], current: str | None) -> str | None:
    """The body to mark accountable when a proposal names none: the one accountable now if it stays responsible,
    else the first lead or organiser, else the first body (sip.plan.models.default_accountable's rule)."""
    slugs = [item["body"] for item in items]
    if current in slugs:
        return current
    leading = [item["body"] for item in items if item["role"] in ACCOUNTABLE_ROLES]
    return (leading or slugs or [None])[0]


def _same_text(one: dict | None, other: dict | None) -> bool:
    """True when two bilingual texts say the same in both languages (spaces aside)."""
    def words(text, lang):
        return " ".join(((text or {}).get(lang) or "").split())
    return all(words(one, lang) == words(other, lang) for lang in ("fr", "en"))


# --- checking a proposal ------------------------------------------------------------------------


def _check_text(text: dict | None, problems: list[str]) -> dict:
    """The proposed text, cleaned; at least one language, each of a sensible length."""
    cleaned = {lang: " ".join(_clean((text or {}).get(lang)).split()) for lang in ("fr", "en")}
    if not any(cleaned.values()):
        problems.append(_("Write the activity's text, in French, English or both."))
    if any(len(value) > TEXT_MAX for value in cleaned.values()):
        problems.append(_("The text is at most %(max)d characters long.", max=TEXT_MAX))
    return cleaned


def _check_code(strategy: Strategy, code: str | None, problems: list[str], *, exclude: Activity | None = None) -> str:
    """A well-formed activity code not used by another activity of the plan."""
    code = (code or "").strip()
    if not CODE_PATTERN.match(code):
        problems.append(_("Write the code as four numbers separated by dots, for example 3.1.1.3."))
        return code
    taken = db.session.scalar(select(Activity.id).where(Activity.strategy_id == strategy.id, Activity.code == code))
    if taken is not None and (exclude is None or taken != exclude.id):
        problems.append(_("Activity %(code)s already exists; choose another code.", code=code))
    return code


def _check_responsibilities(items: list[dict] | None, problems: list[str], current=None,
                            accountable: str | None = None) -> list[dict]:
    """The proposed responsible bodies: known, active, each with a role, no pair twice, exactly one of them
    accountable (when none is marked: `accountable`, the body accountable now, if it stays, else the default);
    notes kept from `current`."""
    notes = {(r.body.slug, r.role): r.note for r in current or []}
    bodies = {body.slug: body for body in db.session.scalars(
        select(Body).where(Body.slug.in_([item.get("body") for item in items or []])))}
    cleaned, seen, found = [], set(), len(problems)
    for item in items or []:
        slug, role = item.get("body"), item.get("role")
        body = bodies.get(slug)
        if body is None:
            problems.append(_("There is no body “%(slug)s”.", slug=slug))
        elif not body.is_active:
            problems.append(_("%(body)s is dissolved; it cannot be made responsible.",
                              body=pick(body.name, current_language())))
        elif role not in ROLES:
            problems.append(_("Choose the role of %(body)s.", body=pick(body.name, current_language())))
        elif (slug, role) in seen:
            problems.append(_("%(body)s is listed twice with the same role.", body=pick(body.name, current_language())))
        else:
            seen.add((slug, role))
            cleaned.append({"body": slug, "role": role, "note": item.get("note") or notes.get((slug, role)),
                            "accountable": bool(item.get("accountable"))})
    if not cleaned and len(problems) == found:
        problems.append(_("Name at least one responsible body."))
    marked = list(dict.fromkeys(item["body"] for item in cleaned if item["accountable"]))
    if len(marked) > 1:
        problems.append(_("Only one body is accountable for an activity; %(bodies)s are all marked accountable.",
                          bodies=", ".join(pick(bodies[slug].name, current_language()) for slug in marked)))
    chosen = marked[0] if marked else _default_accountable(cleaned, accountable)
    for item in cleaned:
        del item["accountable"]
    first = next((item for item in cleaned if item["body"] == chosen), None)
    if first is not None:
        first["accountable"] = True  # on the body's first row only
    return cleaned


def _open_duplicate(strategy: Strategy, change: Change, fields: dict) -> Amendment | None:
    """An open amendment proposing exactly the same change, if any."""
    query = select(Amendment).where(Amendment.strategy_id == strategy.id, Amendment.kind == change.kind,
                                    Amendment.state.in_(OPEN_STATES))
    if change.kind == "add":
        query = query.where(Amendment.proposed_code == fields["proposed_code"])
        return db.session.scalars(query).first()
    query = query.where(Amendment.activity_id == change.activity.id)
    for amendment in db.session.scalars(query):
        if (
            _same_text(amendment.proposed_text, fields.get("proposed_text"))
            and amendment.proposed_code == fields.get("proposed_code")
            and amendment.proposed_output_id == fields.get("proposed_output_id")
            and amendment.retire_as == fields.get("retire_as")
            and _pairs(amendment.proposed_responsibilities) == _pairs(fields.get("proposed_responsibilities"))
            and accountable_of(amendment.proposed_responsibilities) == accountable_of(
                fields.get("proposed_responsibilities"))
        ):
            return amendment
    return None


def check_change(strategy: Strategy, change: Change) -> tuple[dict, list[str]]:
    """The amendment's columns for a change, and the problems that prevent proposing it."""
    problems: list[str] = []
    if change.kind not in AMENDMENT_KINDS:
        return {}, [_("Choose what kind of change you propose.")]
    activity = change.activity
    if change.kind == "add":
        return _check_new_activity(strategy, change, problems), problems
    if activity is None or activity.strategy_id != strategy.id:
        return {}, [_("Choose the activity to change.")]
    if history.plan_state(activity) != "active":
        return {}, [_("Activity %(code)s is retired; retired activities are kept as they were.", code=activity.code)]
    fields = {"activity_id": activity.id}
    if change.kind == "edit_text":
        fields["proposed_text"] = _check_text(change.text, problems)
        if not problems and _same_text(fields["proposed_text"], activity.text):
            problems.append(_("The text is unchanged; change the wording to propose it."))
    elif change.kind == "retire":
        if change.retire_as not in RETIRE_AS:
            problems.append(_("Say whether the activity is completed or discontinued."))
        fields["retire_as"] = change.retire_as
    elif change.kind == "move":
        fields.update(_check_move(strategy, change, problems))
    elif change.kind == "responsibilities":
        now = snapshot(activity)
        proposed = _check_responsibilities(change.responsibilities, problems, activity.responsibilities,
                                           now["accountable"])
        fields["proposed_responsibilities"] = proposed
        if not problems and (_pairs(proposed), accountable_of(proposed)) == (_pairs(now["responsibilities"]),
                                                                             now["accountable"]):
            problems.append(_("These are the bodies already responsible, with the same accountable body; change "
                              "them to propose it."))
    return fields, problems


def _check_move(strategy: Strategy, change: Change, problems: list[str]) -> dict:
    """The target output (of this plan) and the optional new code of an activity being moved."""
    activity = change.activity
    output = change.output
    if output is None or output.outcome.pillar.strategy_id != strategy.id:
        problems.append(_("Choose the output to move the activity under."))
        return {}
    code = (change.code or "").strip() or None
    if code is not None and code != activity.code:
        code = _check_code(strategy, code, problems, exclude=activity)
    else:
        code = None
    if output.id == activity.output_id and code is None:
        problems.append(_("The activity is already under output %(code)s; choose another output or a new code.",
                          code=output.code))
    return {"proposed_output_id": output.id, "proposed_code": code}


def _check_new_activity(strategy: Strategy, change: Change, problems: list[str]) -> dict:
    """The output, code, text and responsible bodies of a proposed new activity."""
    output = change.output
    if output is None or output.outcome.pillar.strategy_id != strategy.id:
        problems.append(_("Choose the output the new activity belongs to."))
    code = _check_code(strategy, change.code, problems)
    text = _check_text(change.text, problems)
    responsibilities = _check_responsibilities(change.responsibilities, problems)
    return {"proposed_output_id": output.id if output else None, "proposed_code": code, "proposed_text": text,
            "proposed_responsibilities": responsibilities}


def _check_rationale(rationale: str | None, problems: list[str]) -> str:
    """Why the change is proposed: required."""
    rationale = _clean(rationale)
    if not rationale:
        problems.append(_("Say why: a rationale is required."))
    elif len(rationale) > RATIONALE_MAX:
        problems.append(_("The rationale is at most %(max)d characters long.", max=RATIONALE_MAX))
    return rationale


def _allowed_bodies(actor, change: Change) -> list[Body]:
    """The bodies on whose behalf the actor may propose this change (empty: not allowed)."""
    if change.kind == "add":
        return permissions.proposing_bodies_for_new(actor)
    return permissions.proposing_bodies_for(actor, change.activity) if change.activity else []


def secretariat_body() -> Body | None:
    """The Rome support team, on whose behalf the secretariat proposes."""
    return db.session.scalar(select(Body).where(Body.slug == SECRETARIAT))


def proposing_body_choices(actor, change: Change) -> list[Body]:
    """The bodies the actor may propose this change for: those they lead that may, then the secretariat's."""
    allowed = _allowed_bodies(actor, change)
    if is_secretariat(actor):
        body = secretariat_body()
        if body is not None and body not in allowed:
            allowed.append(body)
    return allowed


def already_proposed(strategy: Strategy, change: Change) -> Amendment | None:
    """The open amendment that proposes exactly this change, if there is one."""
    fields, problems = check_change(strategy, change)
    return None if problems else _open_duplicate(strategy, change, fields)


# --- proposing ----------------------------------------------------------------------------------


def _new_amendment(strategy: Strategy, change: Change, rationale: str, actor, proposing_body: Body | None,
                   origin: str, origin_note: str | None) -> Amendment:
    """Check a proposal (permission, change, rationale) and add it, unaudited; GovernanceError on any problem."""
    allowed = proposing_body_choices(actor, change)
    if not allowed and not is_secretariat(actor):
        raise GovernanceError(_("You may not propose this change."))
    if proposing_body is None:
        proposing_body = allowed[0] if allowed else None
    elif proposing_body not in allowed:
        raise GovernanceError(_("You may not propose changes on behalf of this body."))
    fields, problems = check_change(strategy, change)
    rationale = _check_rationale(rationale, problems)
    if not problems:
        duplicate = _open_duplicate(strategy, change, fields)
        if duplicate is not None:
            problems.append(_("The same change is already proposed (amendment %(number)d).", number=duplicate.id))
    if problems:
        raise GovernanceError(_("The proposal was not saved."), problems)
    amendment = Amendment(
        strategy_id=strategy.id, kind=change.kind, state="proposed", rationale=rationale, origin=origin,
        origin_note=origin_note, proposing_body_id=proposing_body.id if proposing_body else None,
        proposed_by_id=_id(actor), proposed_at=utcnow(),
        before=snapshot(change.activity) if change.activity is not None else None, **fields,
    )
    db.session.add(amendment)
    db.session.flush()
    return amendment


def _audit_proposed(amendment: Amendment, actor) -> None:
    """Audit a new proposal with what it changes."""
    audit.record("amendment.proposed", "amendment", amendment.id, user_id=_id(actor), rationale=amendment.rationale,
                 before=amendment.before, after=proposed_change(amendment))


def proposed_change(amendment: Amendment) -> dict:
    """What an amendment proposes, as JSON (for the audit trail and the CLI)."""
    change = {"kind": amendment.kind, "code": amendment.code}
    for name in ("proposed_text", "proposed_code", "proposed_output_id", "retire_as", "proposed_responsibilities"):
        if getattr(amendment, name) is not None:
            change[name] = getattr(amendment, name)
    return change


def propose(strategy: Strategy, change: Change, rationale: str, actor, *, proposing_body: Body | None = None,
            origin: str = "form", origin_note: str | None = None) -> Amendment:
    """Propose a change to the plan with a rationale; it waits for the SAG's endorsement."""
    amendment = _new_amendment(strategy, change, rationale, actor, proposing_body, origin, origin_note)
    _audit_proposed(amendment, actor)
    signals.amendments_proposed.send(strategy, amendments=[amendment], actor=actor)
    db.session.commit()
    return amendment


def propose_many(strategy: Strategy, changes: list[Change], rationale: str, actor, *, origin: str,
                 origin_note: str | None = None) -> list[Amendment]:
    """Propose several changes in one transaction (an imported revision, a hand-over): all or none."""
    amendments, problems = [], []
    for change in changes:
        try:
            amendments.append(_new_amendment(strategy, change, rationale, actor, None, origin, origin_note))
        except GovernanceError as error:
            code = change.activity.code if change.activity else (change.code or "")
            problems.extend(f"{code}: {problem}" for problem in (error.problems or [str(error)]))
    if problems or not amendments:
        db.session.rollback()
        raise GovernanceError(_("No amendment was created."), problems or [_("There is no change to propose.")])
    for amendment in amendments:
        _audit_proposed(amendment, actor)
    # The batch's entry states the rationale as each amendment stores it (trimmed), not as it was typed.
    audit.record("amendments.proposed_together", "strategy", strategy.id, user_id=_id(actor),
                 rationale=amendments[0].rationale,
                 after={"origin": origin, "note": origin_note, "amendments": [a.id for a in amendments]})
    signals.amendments_proposed.send(strategy, amendments=amendments, actor=actor)
    db.session.commit()
    return amendments


# --- the SAG ------------------------------------------------------------------------------------


def conflicts(amendment: Amendment) -> list[str]:
    """Why the amendment can no longer apply as proposed: the activity changed meanwhile, a code is taken …"""
    problems = []
    if amendment.kind == "add":
        taken = db.session.scalar(select(Activity.id).where(Activity.strategy_id == amendment.strategy_id,
                                                            Activity.code == amendment.proposed_code))
        if taken is not None:
            problems.append(_("Activity %(code)s exists already.", code=amendment.proposed_code))
        problems.extend(_dissolved_bodies(amendment))
        return problems
    activity, before = amendment.activity, amendment.before or {}
    now = snapshot(activity)
    if now["state"] != "active":
        return [_("Activity %(code)s has been retired since this was proposed.", code=activity.code)]
    if amendment.kind == "edit_text" and not _same_text(now["text"], before.get("text")):
        problems.append(_("The text of %(code)s has changed since this was proposed.", code=activity.code))
    if amendment.kind == "move":
        if now["output_id"] != before.get("output_id") or now["code"] != before.get("code"):
            problems.append(_("Activity %(code)s has moved since this was proposed.", code=activity.code))
        if amendment.proposed_code:
            taken = db.session.scalar(select(Activity.id).where(Activity.strategy_id == amendment.strategy_id,
                                                                Activity.code == amendment.proposed_code,
                                                                Activity.id != activity.id))
            if taken is not None:
                problems.append(_("Activity %(code)s exists already.", code=amendment.proposed_code))
    if amendment.kind == "responsibilities":
        if _pairs(now["responsibilities"]) != _pairs(before.get("responsibilities")):
            problems.append(_("The bodies responsible for %(code)s have changed since this was proposed.",
                              code=activity.code))
        elif "accountable" in before and now["accountable"] != before["accountable"]:  # older proposals kept none
            problems.append(_("The body accountable for %(code)s has changed since this was proposed.",
                              code=activity.code))
        problems.extend(_dissolved_bodies(amendment))
    return problems


def _dissolved_bodies(amendment: Amendment) -> list[str]:
    """Proposed responsible bodies that have been dissolved since."""
    slugs = [item["body"] for item in amendment.proposed_responsibilities or []]
    if not slugs:
        return []
    bodies = db.session.scalars(select(Body).where(Body.slug.in_(slugs)))
    return [_("%(body)s has been dissolved since this was proposed.", body=pick(body.name, current_language()))
            for body in bodies if not body.is_active]


def _lock(amendment: Amendment, *, plan: bool = False) -> None:
    """Re-read the amendment's state (and lock the strategy, for a change to the plan) until the transaction ends.

    Two people deciding at once then decide one after the other, and the second sees the first's decision.
    On SQLite, write requests already begin with BEGIN IMMEDIATE, and FOR UPDATE is left out.
    """
    if plan:
        db.session.execute(select(Strategy.id).where(Strategy.id == amendment.strategy_id).with_for_update())
    state = db.session.execute(select(Amendment.state).where(Amendment.id == amendment.id).with_for_update())
    set_committed_value(amendment, "state", state.scalar_one())


def decide_sag(amendment: Amendment, actor, endorse: bool, note: str | None = None) -> None:
    """The SAG endorses a proposed amendment (optional note) or rejects it (note required)."""
    _lock(amendment)
    if not permissions.can_endorse(actor, amendment):
        raise GovernanceError(_("Only a SAG member who did not propose it may endorse or reject a proposed amendment."))
    note = _clean(note)
    if len(note) > NOTE_MAX:
        raise GovernanceError(_("The note is at most %(max)d characters long.", max=NOTE_MAX))
    if endorse:
        problems = conflicts(amendment)
        if problems:
            raise GovernanceError(_("This amendment can no longer be endorsed as proposed; reject it with a note."),
                                  problems)
    elif not note:
        raise GovernanceError(_("Say why the SAG rejects it: a note is required."))
    amendment.state = "endorsed" if endorse else "rejected"
    amendment.sag_by_id, amendment.sag_at, amendment.sag_note = _id(actor), utcnow(), note or None
    audit.record("amendment.endorsed" if endorse else "amendment.rejected_by_sag", "amendment", amendment.id,
                 user_id=_id(actor), rationale=note or None, before={"state": "proposed"},
                 after={"state": amendment.state})
    if endorse:
        signals.amendment_endorsed.send(amendment, actor=actor)
    else:
        signals.amendment_rejected.send(amendment, actor=actor, by="sag")
    db.session.commit()


# --- the GLM ------------------------------------------------------------------------------------


def glm_periods(strategy: Strategy) -> list[ReportingPeriod]:
    """The reporting periods marked as GLM periods, newest first: the GLMs an amendment can be verified at."""
    query = (select(ReportingPeriod)
             .where(ReportingPeriod.strategy_id == strategy.id, ReportingPeriod.glm.is_(True))
             .order_by(ReportingPeriod.year.desc(), ReportingPeriod.quarter.desc()))
    return list(db.session.scalars(query))


def _utc_day(moment: datetime) -> date:
    """The UTC date of a stored moment (SQLite gives it back without its time zone, already in UTC)."""
    return moment.astimezone(timezone.utc).date() if moment.tzinfo else moment.date()


def _check_glm(amendment: Amendment, period: ReportingPeriod | None, on: date | None, today: date) -> list[str]:
    """Problems with the GLM and date given for a decision: a GLM period, a date neither in the future nor before
    the SAG endorsed the amendment (a plenary cannot decide on what it has not been sent)."""
    problems = []
    if period is None or not period.glm or period.strategy_id != amendment.strategy_id:
        problems.append(_("Choose the GLM: a reporting period marked as a GLM period."))
    if on is None:
        problems.append(_("Give the date of the GLM plenary, for example 2026-11-20."))
    elif on > today:
        problems.append(_("The GLM's date cannot be in the future: record the verification once the plenary has met."))
    elif amendment.sag_at is not None and on < _utc_day(amendment.sag_at):
        endorsed = _utc_day(amendment.sag_at)
        problems.append(_("The SAG endorsed this amendment on %(endorsed)s; a GLM held on %(on)s cannot have decided "
                          "on it. Choose the GLM that met on or after %(endorsed)s, and its date.",
                          endorsed=format_date(endorsed, "long"), on=format_date(on, "long")))
    return problems


def _check_version(strategy: Strategy, period: ReportingPeriod, on: date) -> list[str]:
    """Why a verification at this GLM on this date cannot go into the plan's history (nothing written yet).

    Versions follow one another in time, one per GLM, each dated on its GLM's day: "the plan as of a date" then
    never shows a change decided later.
    """
    latest = history.latest_version(strategy)
    if latest is None:  # the baseline is recorded with the first verification
        latest = PlanVersion(tag=history.BASELINE_TAG, effective_on=history.BASELINE_EFFECTIVE_ON)
    if latest.glm_period_id is not None and latest.glm_period_id == period.id:
        if on != latest.effective_on:
            # A version states the plan from one day: a second verification at the same GLM shares that day,
            # otherwise the plan "as of" the earlier day would show a change recorded as decided later.
            return [_("Amendments verified at “%(glm)s” are recorded as decided on %(date)s (version %(tag)s); record "
                      "this verification with that date, or choose another GLM.", glm=period.glm_name,
                      date=format_date(latest.effective_on, "long"), tag=latest.tag)]
        return []
    earlier = db.session.scalar(select(PlanVersion).where(PlanVersion.strategy_id == strategy.id,
                                                          PlanVersion.glm_period_id == period.id))
    if earlier is not None:
        return [_("The GLM “%(glm)s” made version %(tag)s, and later versions exist; a verification at that GLM can no "
                  "longer be added to the plan's history.", glm=period.glm_name, tag=earlier.tag)]
    if on < latest.effective_on:
        return [_("The current version (%(tag)s) is in force from %(date)s; a verification must be dated on or after "
                  "that day.", tag=latest.tag, date=format_date(latest.effective_on, "long"))]
    return []


def version_for_glm(strategy: Strategy, period: ReportingPeriod, on: date, actor) -> PlanVersion:
    """The version a GLM's verified amendments go into: the latest one when it is this GLM's, else a new one."""
    problems = _check_version(strategy, period, on)
    if problems:
        raise GovernanceError(problems[0], problems)
    history.ensure_baseline(strategy, _id(actor))
    db.session.flush()
    latest = history.latest_version(strategy)
    if latest.glm_period_id == period.id:
        return latest
    tag, suffix = f"glm-{on.isoformat()}", 1
    while db.session.scalar(select(PlanVersion.id).where(PlanVersion.strategy_id == strategy.id,
                                                         PlanVersion.tag == tag)):
        suffix += 1
        tag = f"glm-{on.isoformat()}-{suffix}"
    name = period.glm_name or period.code
    version = PlanVersion(strategy_id=strategy.id, sequence=latest.sequence + 1, tag=tag,
                          name={"fr": name, "en": name}, effective_on=on, glm_period_id=period.id,
                          glm_name=period.glm_name, created_by_id=_id(actor))
    db.session.add(version)
    db.session.flush()
    audit.record("plan_version.created", "plan_version", version.id, user_id=_id(actor),
                 after={"tag": tag, "sequence": version.sequence, "glm": period.glm_name,
                        "effective_on": on.isoformat()})
    return version


def record_glm(amendment: Amendment, actor, verified: bool, period: ReportingPeriod | None, on: date | None,
               note: str | None = None, today: date | None = None) -> PlanVersion | None:
    """Record that a GLM plenary verified an endorsed amendment (the plan changes now) or rejected it."""
    _lock(amendment, plan=verified)
    if not permissions.can_record_glm(actor, amendment):
        raise GovernanceError(_("Only the secretariat records a GLM's decision, on an amendment the SAG endorsed."))
    today = today or date.today()
    note = _clean(note)
    problems = _check_glm(amendment, period, on, today)
    if len(note) > NOTE_MAX:
        problems.append(_("The note is at most %(max)d characters long.", max=NOTE_MAX))
    if not verified and not note:
        problems.append(_("Say why the GLM rejected it: a note is required."))
    strategy = db.session.get(Strategy, amendment.strategy_id)
    if verified and not problems:
        problems.extend(conflicts(amendment) + _check_version(strategy, period, on))
    if problems:
        raise GovernanceError(_("Nothing was recorded."), problems)
    version = None
    if verified:
        version = version_for_glm(strategy, period, on, actor)
        before = amendment.before
        activity = apply_change(strategy, amendment, version, on, actor)
        audit.record("activity.amended", "activity", activity.id, user_id=_id(actor),
                     rationale=amendment.rationale, before=before,
                     after={**snapshot(activity), "amendment": amendment.id, "version": version.tag})
    amendment.state = "applied" if verified else "rejected"
    amendment.glm_recorded_by_id, amendment.glm_recorded_at = _id(actor), utcnow()
    amendment.glm_period_id, amendment.glm_name, amendment.glm_on = period.id, period.glm_name, on
    amendment.glm_note = note or None
    amendment.version_id = version.id if version else None
    audit.record("amendment.verified" if verified else "amendment.rejected_by_glm", "amendment", amendment.id,
                 user_id=_id(actor), rationale=note or None, before={"state": "endorsed"},
                 after={"state": amendment.state, "glm": period.glm_name, "on": on.isoformat(),
                        "version": version.tag if version else None})
    if verified:
        signals.amendment_verified.send(amendment, actor=actor)
    else:
        signals.amendment_rejected.send(amendment, actor=actor, by="glm")
    db.session.commit()
    return version


# --- changing the live plan ---------------------------------------------------------------------


def apply_change(strategy: Strategy, amendment: Amendment, version: PlanVersion, on: date, actor=None) -> Activity:
    """Change the live plan as the amendment says and record the activity's new revision in `version`."""
    if amendment.kind == "add":
        activity = _add_activity(strategy, amendment, on)
        amendment.activity = activity
    else:
        activity = amendment.activity
        if amendment.kind == "edit_text":
            activity.text = dict(amendment.proposed_text)
        elif amendment.kind == "retire":
            activity.plan_status, activity.retired_on = amendment.retire_as, on
        elif amendment.kind == "move":
            output = db.session.get(Output, amendment.proposed_output_id)
            activity.position = history.position_after_output(strategy, output, exclude_id=activity.id)
            activity.output = output
            activity.code = amendment.proposed_code or activity.code
        elif amendment.kind == "responsibilities":
            _replace_responsibilities(activity, amendment.proposed_responsibilities)
    history.record_revision(activity, version)
    statuses.refresh(strategy.id, [activity.id])
    reporting_services.sync_open_reports(strategy.id, [activity.id], actor)  # the audit names who verified
    return activity


def _add_activity(strategy: Strategy, amendment: Amendment, on: date) -> Activity:
    """Create the proposed activity at the end of its output."""
    output = db.session.get(Output, amendment.proposed_output_id)
    position = history.position_after_output(strategy, output)
    activity = Activity(strategy_id=strategy.id, output=output, code=amendment.proposed_code,
                        text=dict(amendment.proposed_text), plan_status="planned", position=position,
                        added_on=on)
    db.session.add(activity)
    _replace_responsibilities(activity, amendment.proposed_responsibilities)
    db.session.flush()
    return activity


def _replace_responsibilities(activity: Activity, items: list[dict]) -> None:
    """Make the listed bodies (with their roles) the activity's responsible bodies, and name the accountable one:
    the one marked so, else the same body as before if it is still responsible, else the default."""
    ids = dict(db.session.execute(select(Body.slug, Body.id).where(Body.slug.in_([i["body"] for i in items]))).all())
    activity.responsibilities.clear()
    db.session.flush()  # the old rows go first: (activity, body, role) is unique
    for index, item in enumerate(items):
        activity.responsibilities.append(Responsibility(body_id=ids[item["body"]], role=item["role"],
                                                        note=item.get("note"), position=index))
    marked = [ids[item["body"]] for item in items if item.get("accountable")]
    still = activity.accountable_body_id in ids.values()
    activity.accountable_body_id = (marked[0] if marked else activity.accountable_body_id if still
                                    else default_accountable(activity.responsibilities))


# --- hand-over before a body is dissolved -------------------------------------------------------


def hand_over_change(body: Body, activity: Activity, receiver: Body | None) -> Change:
    """The responsibility change that hands the body's part in an activity to `receiver` (or drops it); when the body
    was accountable, the receiver becomes accountable (with no receiver, the default among the others)."""
    items = []
    for r in activity.responsibilities:
        slug = receiver.slug if (r.body_id == body.id and receiver is not None) else r.body.slug
        if r.body_id == body.id and receiver is None:
            continue
        if (slug, r.role) not in _pairs(items):
            items.append({"body": slug, "role": r.role, "note": r.note})
    if activity.accountable_body_id == body.id:
        accountable = receiver.slug if receiver is not None else _default_accountable(items, None)
    else:
        accountable = _slug(activity.accountable_body_id)
    first = next((item for item in items if item["body"] == accountable), None)
    if first is not None:
        first["accountable"] = True
    return Change("responsibilities", activity=activity, responsibilities=items)


def propose_hand_over(strategy: Strategy, body: Body, hand_overs: list[HandOver], rationale: str,
                      actor) -> list[Amendment]:
    """Propose, in one go, the responsibility changes that hand a body's open activities to other bodies."""
    if not permissions.can_hand_over(actor, body):
        raise GovernanceError(_("Only the secretariat hands over the activities of an active body."))
    problems = []
    for item in hand_overs:
        if item.receiver is not None and item.receiver.id == body.id:
            problems.append(_("%(code)s: choose another body than the one being dissolved.", code=item.activity.code))
        elif item.receiver is None and all(r.body_id == body.id for r in item.activity.responsibilities):
            problems.append(_("%(code)s: no other body is responsible for it; choose who takes it over.",
                              code=item.activity.code))
    if problems:
        raise GovernanceError(_("No amendment was created."), problems)
    note = _("Hand-over before dissolving %(body)s", body=pick(body.name, current_language()))[:200]
    return propose_many(strategy, [hand_over_change(body, item.activity, item.receiver) for item in hand_overs],
                        rationale, actor, origin="hand_over", origin_note=note)
