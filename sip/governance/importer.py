"""The next revision of the plan from a document in the SIP text format: what differs, as amendments to propose.

Activities are matched by code. A code only in the document is a new activity; one only in the plan is retired
as discontinued; for the others the French text, the output, "TERMINÉ" and the responsible bodies are compared.
The documents are French: a reworded activity gets the document's French and no English until it is translated.
Pillars, outcomes and outputs are not amended this way; differences there are listed as warnings.
"""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from sip.bodies.models import Body
from sip.extensions import db
from sip.governance import services
from sip.governance.history import plan_state
from sip.governance.models import PLAN_STATES, Amendment
from sip.governance.services import Change
from sip.plan import reader
from sip.plan.models import Activity, Outcome, Output, Pillar, Responsibility, Strategy


@dataclass
class RevisionImport:
    """What a document would change: the changes to propose, those already proposed, warnings and errors."""

    changes: list[Change] = field(default_factory=list)
    already: list[tuple[Change, Amendment]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    counts: dict = field(default_factory=dict)


def db_aliases() -> dict[str, str]:
    """Every name and alias of the bodies in the database (new working groups included), to read a document with."""
    bodies = db.session.scalars(select(Body).order_by(Body.id))
    records = [{"slug": b.slug, "name": b.name or {},
                "aliases": [*(b.aliases or []), *((b.short_name or {}).values()), (b.name or {}).get("en", "")]}
               for b in bodies]
    return reader.body_aliases(records)


def read_document(text: str) -> reader.Plan:
    """Read a document in the SIP text format with the database's bodies."""
    return reader.read_plan(text, db_aliases())


def _same(one: str, other: str) -> bool:
    """True when two texts have the same words."""
    return " ".join((one or "").split()) == " ".join((other or "").split())


def _responsibilities(activity: reader.Activity) -> list[dict]:
    """The document's responsible bodies as the services take them."""
    return [{"body": r.body, "role": r.role, "note": r.note} for r in activity.responsibilities]


def compare_document(strategy: Strategy, document: reader.Plan) -> RevisionImport:
    """The changes that would make the plan say what the document says."""
    result = RevisionImport(counts=document.counts())
    result.errors = [f"line {issue.line}: {issue.message}" for issue in document.errors]
    if result.errors:
        return result
    live = {a.code: a for a in db.session.scalars(
        select(Activity).where(Activity.strategy_id == strategy.id)
        .options(joinedload(Activity.output), selectinload(Activity.responsibilities).joinedload(Responsibility.body)))}
    outputs = _outputs(strategy)
    seen = set()
    for pillar in document.pillars:
        for outcome in pillar.outcomes:
            for doc_output in outcome.outputs:
                output = outputs.get((outcome.code, doc_output.code)) or outputs.get((None, doc_output.code))
                if output is None:
                    result.errors.append(_("Output %(code)s of the document is not in the plan; new outputs cannot be "
                                           "imported as amendments.", code=doc_output.code))
                    continue
                if not _same(doc_output.text, (output.text or {}).get("fr")):
                    result.warnings.append(_("The text of output %(code)s differs; outputs are not amended this way.",
                                             code=output.code))
                for doc_activity in doc_output.activities:
                    seen.add(doc_activity.code)
                    _compare_activity(result, doc_activity, output, live.get(doc_activity.code))
    for code, activity in live.items():
        if code not in seen and plan_state(activity) == "active":
            result.changes.append(Change("retire", activity=activity, retire_as="discontinued"))
    _set_aside_proposed(strategy, result)
    return result


def _outputs(strategy: Strategy) -> dict:
    """The plan's outputs by (outcome code, output code) and by output code alone."""
    rows = db.session.execute(select(Output, Outcome.code).join(Output.outcome).join(Outcome.pillar)
                              .where(Pillar.strategy_id == strategy.id)).all()
    found = {}
    for output, outcome_code in rows:
        found[(outcome_code, output.code)] = output
        found.setdefault((None, output.code), output)
    return found


def _compare_activity(result: RevisionImport, doc: reader.Activity, output: Output, activity: Activity | None) -> None:
    """The changes that make one activity of the plan say what the document says."""
    if activity is None:
        if doc.status == "completed":
            result.warnings.append(_("%(code)s is new and already completed in the document; it is not added.",
                                     code=doc.code))
            return
        result.changes.append(Change("add", code=doc.code, output=output, text={"fr": doc.text, "en": ""},
                                     responsibilities=_responsibilities(doc)))
        return
    if plan_state(activity) != "active":
        if doc.status != "completed":
            result.warnings.append(_("%(code)s is retired in the plan but not completed in the document; a retired "
                                     "activity is not brought back this way.", code=doc.code))
        return
    if not _same(doc.text, (activity.text or {}).get("fr")):
        result.changes.append(Change("edit_text", activity=activity, text={"fr": doc.text, "en": ""}))
    if activity.output_id != output.id:
        result.changes.append(Change("move", activity=activity, output=output))
    if doc.status == "completed":
        result.changes.append(Change("retire", activity=activity, retire_as="completed"))
    elif [(r["body"], r["role"]) for r in _responsibilities(doc)] != [(r.body.slug, r.role)
                                                                       for r in activity.responsibilities]:
        result.changes.append(Change("responsibilities", activity=activity, responsibilities=_responsibilities(doc)))


def _set_aside_proposed(strategy: Strategy, result: RevisionImport) -> None:
    """Move the changes that an open amendment already proposes to `already`, so that importing twice adds nothing."""
    remaining = []
    for change in result.changes:
        existing = services.already_proposed(strategy, change)
        if existing is not None:
            result.already.append((change, existing))
        else:
            remaining.append(change)
    result.changes = remaining


def describe(change: Change) -> tuple[str, str, str]:
    """(code, before, after) of a change, as short plain text for the command line and the preview page."""
    activity = change.activity
    if change.kind == "add":
        return change.code, "", f"{change.output.code}: {change.text['fr']}"
    if change.kind == "edit_text":
        return activity.code, (activity.text or {}).get("fr", ""), change.text["fr"]
    if change.kind == "move":
        return activity.code, activity.output.code, change.output.code
    if change.kind == "retire":
        return activity.code, str(PLAN_STATES["active"]), str(PLAN_STATES[change.retire_as])
    before = ", ".join(f"{r.body.slug} ({r.role})" for r in activity.responsibilities)
    return activity.code, before, ", ".join(f"{r['body']} ({r['role']})" for r in change.responsibilities)


def propose_revision(strategy: Strategy, found: RevisionImport, actor, rationale: str, source: str) -> list[Amendment]:
    """Create the amendments of an imported revision in one transaction (state: proposed)."""
    if found.errors:
        raise services.GovernanceError(_("The document has errors; no amendment was created."), found.errors)
    return services.propose_many(strategy, found.changes, rationale, actor, origin="import",
                                 origin_note=source[:200])
