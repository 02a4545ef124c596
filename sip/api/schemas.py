"""The API's JSON shapes (marshmallow): what each resource returns and which query parameters it takes.

The OpenAPI document is generated from these schemas and the views' decorators (flask-smorest + apispec), so the
document cannot drift from what the code answers. No schema has a field for an e-mail address or a phone number,
and free text written by people is masked of both (`redact`).
"""
import re

import marshmallow as ma
from marshmallow import fields, validate

from sip.plan.models import ROLES, STATUSES

# A person's e-mail address or international phone number typed into a report's free text is masked (the same rule
# as the report pack's exports).
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])\+\d[\d ().-]{6,}\d")
PAGE_SIZE = 50
PAGE_SIZE_MAX = 100


def redact(text: str | None) -> str:
    """Free text without e-mail addresses or phone numbers."""
    if not text:
        return ""
    return PHONE.sub("[…]", EMAIL.sub("[…]", str(text))).strip()


def Text(**kwargs):
    """A text in both languages: {"fr": …, "en": …} (either may be missing or null)."""
    return fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), **kwargs)


class Schema(ma.Schema):
    """Every schema of the API: ordered, and strict about unknown query parameters being ignored."""

    class Meta:
        ordered = True
        unknown = ma.EXCLUDE


# --- query parameters ---------------------------------------------------------------------------------------------


class PageArgs(Schema):
    """?page= and ?per_page=."""

    page = fields.Integer(load_default=1, validate=validate.Range(1, 1_000_000),
                          metadata={"description": "Page number, from 1 (beyond the last page: the last page)."})
    per_page = fields.Integer(load_default=PAGE_SIZE, validate=validate.Range(1, PAGE_SIZE_MAX),
                              metadata={"description": f"Items per page (1 to {PAGE_SIZE_MAX})."})


class ActivityArgs(PageArgs):
    """The plan page's own filters."""

    body = fields.String(validate=validate.Length(1, 80),
                         metadata={"description": "A body's slug: activities it is responsible for."})
    status = fields.String(validate=validate.OneOf(list(STATUSES)),
                           metadata={"description": "The current status (ignored with as_of)."})
    pillar = fields.Integer(validate=validate.Range(1, 99), metadata={"description": "A pillar's number."})
    q = fields.String(validate=validate.Length(0, 200),
                      metadata={"description": "Words the code or text must all contain (accents ignored)."})
    as_of = fields.String(validate=validate.Length(1, 80),
                          metadata={"description": "A version's tag, or a date YYYY-MM-DD: the plan as it stood then."})


class AsOfArgs(Schema):
    """?as_of= on one activity."""

    as_of = fields.String(validate=validate.Length(1, 80),
                          metadata={"description": "A version's tag, or a date YYYY-MM-DD: the activity as it stood "
                                                   "then (no status, quarters or updates: a version states the plan)."})


class UpdateArgs(PageArgs):
    """Filters of the accepted updates."""

    period = fields.String(validate=validate.Regexp(r"^\d{4}-Q[1-4]$"), metadata={"description": "A quarter: 2026-Q3."})
    body = fields.String(validate=validate.Length(1, 80), metadata={"description": "The reporting body's slug."})
    activity = fields.String(validate=validate.Length(1, 20), metadata={"description": "An activity's code."})


class ReportArgs(PageArgs):
    """Filters of the reports."""

    period = fields.String(validate=validate.Regexp(r"^\d{4}-Q[1-4]$"), metadata={"description": "A quarter: 2026-Q3."})
    body = fields.String(validate=validate.Length(1, 80), metadata={"description": "The body's slug."})
    state = fields.String(validate=validate.OneOf(["draft", "submitted", "returned", "accepted"]))


class AmendmentArgs(PageArgs):
    """The amendments page's own filters."""

    state = fields.String(validate=validate.OneOf(["proposed", "endorsed", "rejected", "applied"]))
    kind = fields.String(validate=validate.OneOf(["add", "edit_text", "retire", "move", "responsibilities"]))
    body = fields.String(validate=validate.Length(1, 80), metadata={"description": "The proposing body's slug."})
    q = fields.String(validate=validate.Length(0, 20), metadata={"description": "The start of an activity's code."})


# --- shared pieces ------------------------------------------------------------------------------------------------


class Links(Schema):
    """Links to this page and its neighbours (absent when there is none)."""

    self = fields.String(required=True)
    first = fields.String(required=True)
    last = fields.String(required=True)
    prev = fields.String()
    next = fields.String()


class Paged(Schema):
    """A page of a list."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    links = fields.Nested(Links, required=True)


class Problem(Schema):
    """An error (RFC 9457 problem details)."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(metadata={"description": "Invalid query parameters, by name."})


class Role(Schema):
    """A body's part in an activity."""

    body = fields.String(required=True, metadata={"description": "The body's slug."})
    role = fields.String(required=True, validate=validate.OneOf(list(ROLES)))
    accountable = fields.Boolean(required=True)


# --- resources ----------------------------------------------------------------------------------------------------


class StrategyLinks(Schema):
    """Where a strategy's resources are: each address names the strategy (/s/<slug>/…), so it keeps pointing at it
    once the strategy is closed."""

    pillars = fields.String(required=True, metadata={"description": "Its pillars, outcomes and outputs."})
    activities = fields.String(required=True, metadata={"description": "Its activities and their statuses."})
    periods = fields.String(required=True, metadata={"description": "Its reporting periods."})
    plan = fields.String(required=True, metadata={"description": "Its plan page, for people."})


class StrategyOut(Schema):
    """A strategy and its implementation plan."""

    code = fields.String(required=True)
    slug = fields.String(required=True, metadata={
        "description": "Its name in addresses (its years, \"2022-2026\"): /s/<slug>/api/v1/… reads it."})
    state = fields.String(required=True, validate=validate.OneOf(["draft", "current", "closed"]), metadata={
        "description": "draft (being prepared; the secretariat's only), current (what plain addresses show) or "
                       "closed (read-only, kept as it was)."})
    title = Text(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    current = fields.Boolean(required=True, metadata={"description": "The strategy plain addresses show."})
    links = fields.Nested(StrategyLinks, required=True)


class StrategyList(Schema):
    """Every strategy."""

    items = fields.List(fields.Nested(StrategyOut), required=True)


class OutputOut(Schema):
    """An output ("Produit")."""

    code = fields.String(required=True)
    text = Text(required=True)
    activities = fields.Integer(required=True, metadata={"description": "How many activities it has."})


class OutcomeOut(Schema):
    """An outcome ("Réalisation") with its outputs."""

    code = fields.String(required=True)
    text = Text(required=True)
    outputs = fields.List(fields.Nested(OutputOut), required=True)


class PillarOut(Schema):
    """A pillar with its outcomes and outputs."""

    number = fields.Integer(required=True)
    title = Text(required=True)
    goal = Text(required=True)
    outcomes = fields.List(fields.Nested(OutcomeOut), required=True)


class PillarList(Schema):
    """The current strategy's pillars, outcomes and outputs."""

    strategy = fields.String(required=True)
    items = fields.List(fields.Nested(PillarOut), required=True)


class ActivityOut(Schema):
    """An activity with its current status (or, with as_of, its state in that version) and its bodies."""

    code = fields.String(required=True)
    text = Text(required=True)
    pillar = fields.Integer(required=True)
    outcome = fields.String(required=True)
    output = fields.String(required=True)
    status = fields.String(required=True, allow_none=True,
                           metadata={"description": "The current status (null with as_of: a version states the plan, "
                                                    "not progress)."})
    progress_pct = fields.Integer(required=True, allow_none=True)
    status_source = fields.String(required=True, allow_none=True, metadata={"description": "plan, report or amendment."})
    reported_in = fields.String(required=True, allow_none=True,
                                metadata={"description": "The quarter of the accepted update that set the status."})
    plan_state = fields.String(required=True, metadata={"description": "active, completed or discontinued."})
    accountable_body = fields.String(required=True, allow_none=True)
    responsibilities = fields.List(fields.Nested(Role), required=True)


class ActivityPage(Paged):
    """A page of activities, with the count per status (per plan state with as_of)."""

    as_of = fields.String(required=True, allow_none=True, metadata={"description": "The version's tag, with as_of."})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    items = fields.List(fields.Nested(ActivityOut), required=True)


class QuarterOut(Schema):
    """An activity's status as of one quarter."""

    period = fields.String(required=True)
    status = fields.String(required=True)
    progress_pct = fields.Integer(required=True, allow_none=True)
    source = fields.String(required=True)


class UpdateOut(Schema):
    """An accepted update of an activity (or a contribution note of a body that is not accountable)."""

    activity = fields.String(required=True)
    period = fields.String(required=True)
    body = fields.String(required=True)
    contribution = fields.Boolean(required=True)
    status = fields.String(required=True, allow_none=True)
    progress_pct = fields.Integer(required=True, allow_none=True)
    achievements = fields.String(required=True)
    challenges = fields.String(required=True)
    next_steps = fields.String(required=True)
    support_needed = fields.String(required=True)
    evidence_links = fields.List(fields.String(), required=True)


class ActivityDetail(ActivityOut):
    """One activity: its status quarter by quarter (newest first) and its accepted updates."""

    quarters = fields.List(fields.Nested(QuarterOut), required=True)
    updates = fields.List(fields.Nested(UpdateOut), required=True)


class UpdatePage(Paged):
    """A page of accepted updates, newest quarter first."""

    items = fields.List(fields.Nested(UpdateOut), required=True)


class BodyOut(Schema):
    """A body of the cluster."""

    slug = fields.String(required=True)
    kind = fields.String(required=True)
    name = Text(required=True)
    short_name = Text(required=True, allow_none=True)
    formed_on = fields.Date(required=True, allow_none=True)
    dissolved_on = fields.Date(required=True, allow_none=True)
    terms_of_reference_url = fields.String(required=True, allow_none=True)


class BodyList(Schema):
    """Every body."""

    items = fields.List(fields.Nested(BodyOut), required=True)


class PeriodOut(Schema):
    """A reporting period (a quarter)."""

    code = fields.String(required=True)
    year = fields.Integer(required=True)
    quarter = fields.Integer(required=True)
    state = fields.String(required=True)
    opens_on = fields.Date(required=True, allow_none=True)
    due_on = fields.Date(required=True, allow_none=True)
    glm = fields.Boolean(required=True)
    glm_name = fields.String(required=True, allow_none=True)


class PeriodList(Schema):
    """The current strategy's periods, in time order."""

    items = fields.List(fields.Nested(PeriodOut), required=True)


class ReportOut(Schema):
    """A body's quarterly report, as far as the reader may see it."""

    body = fields.String(required=True)
    period = fields.String(required=True)
    state = fields.String(required=True)
    version = fields.Integer(required=True)
    summary = fields.String(required=True)
    submitted_at = fields.DateTime(required=True, allow_none=True)
    reviewed_at = fields.DateTime(required=True, allow_none=True)


class ReportDetail(ReportOut):
    """A report with its updates."""

    updates = fields.List(fields.Nested(UpdateOut), required=True)


class ReportPage(Paged):
    """A page of reports, newest quarter first."""

    items = fields.List(fields.Nested(ReportOut), required=True)


class VersionOut(Schema):
    """A named version of the plan."""

    tag = fields.String(required=True)
    sequence = fields.Integer(required=True)
    name = Text(required=True)
    effective_on = fields.Date(required=True)
    glm_name = fields.String(required=True, allow_none=True)
    amendments = fields.Integer(required=True, metadata={"description": "How many amendments it applied."})


class VersionList(Schema):
    """Every version, newest first."""

    items = fields.List(fields.Nested(VersionOut), required=True)


class ChangeOut(Schema):
    """One change to one activity between two versions."""

    kind = fields.String(required=True, metadata={"description": "added, removed, retired, reinstated, reworded, "
                                                                 "moved or responsibilities."})
    code = fields.String(required=True)
    code_before = fields.String(required=True, allow_none=True)
    output_before = fields.String(required=True, allow_none=True)
    output_after = fields.String(required=True, allow_none=True)
    text_before = Text(required=True, allow_none=True)
    text_after = Text(required=True, allow_none=True)
    amendments = fields.List(fields.Integer(), required=True)


class VersionDiff(Schema):
    """The changes from one version to a later one, in plan order."""

    from_version = fields.String(required=True, data_key="from")
    to_version = fields.String(required=True, data_key="to")
    changes = fields.List(fields.Nested(ChangeOut), required=True)


class SagDecision(Schema):
    """The SAG's endorsement or rejection."""

    at = fields.DateTime(required=True)
    note = fields.String(required=True)


class GlmDecision(Schema):
    """The GLM plenary's verification or rejection."""

    glm = fields.String(required=True, allow_none=True)
    on = fields.Date(required=True, allow_none=True)
    note = fields.String(required=True)


class AmendmentOut(Schema):
    """A proposed change to the plan, and the decisions on it."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    state = fields.String(required=True)
    activity = fields.String(required=True, metadata={"description": "The activity's code (proposed code when new)."})
    proposed_text = Text(required=True, allow_none=True)
    proposed_output = fields.String(required=True, allow_none=True)
    retire_as = fields.String(required=True, allow_none=True)
    proposing_body = fields.String(required=True, allow_none=True)
    proposed_at = fields.DateTime(required=True)
    rationale = fields.String(required=True)
    sag_decision = fields.Nested(SagDecision, required=True, allow_none=True)
    glm_decision = fields.Nested(GlmDecision, required=True, allow_none=True)
    version = fields.String(required=True, allow_none=True, metadata={"description": "The version that applied it."})


class AmendmentPage(Paged):
    """A page of amendments, newest first, with the count per state."""

    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    items = fields.List(fields.Nested(AmendmentOut), required=True)
