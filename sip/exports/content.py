"""The report pack's content: everything the PDF, the slides, the workbook and the CSV files say, read once.

Every status is the status table's (`sip.reporting.statuses`): an activity's status as of the pack's quarter is its
row of that quarter, and its latest accepted update is the one that row names (the update that set the status), so
the pack for the latest quarter says what the plan page says. The counts, trend, compliance, risks, changes and
summaries come from `sip.dashboards.data` (the same frames as the dashboards, read from the same table). What the
dashboards do not need is read here, in a constant number of queries: the plan's texts, the responsible bodies,
the quarter's status rows with their updates and, for the workbook and the CSV files, the history of accepted
updates. Where a report stands is said in the words of `sip.reporting.delivery`, as on /reports and the
dashboards. A report is the body's, whoever filed it (a member, its focal point or the secretariat on its
behalf): nothing personal is read, no person's name, e-mail or phone, no reviewer or submitter; free text written
by the bodies has e-mail addresses and phone numbers masked. Build a pack inside `force_locale(lang)`: its labels
are in that language.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import pandas as pd
from flask_babel import gettext as _
from sqlalchemy import and_, select

from sip.bodies.models import Body
from sip.core.i18n import pick
from sip.dashboards import data
from sip.dashboards.colours import STATUS_ORDER
from sip.dashboards.selection import Periods
from sip.dashboards.tables import CHANGE_LABELS, chart_labels, key_figures
from sip.exports import sections
from sip.exports.actions import LastGlm, last_glm_actions
from sip.exports.sections import Written, quarter_label, worth_reading, written
from sip.extensions import db
from sip.plan.models import ROLES, STATUSES, Activity, Outcome, Output, Pillar, Responsibility, Strategy
from sip.reporting.delivery import DELIVERY_LABELS, DELIVERY_STATES
from sip.reporting.models import ActivityStatus, ActivityUpdate, GroupReport, ReportingPeriod

LANGUAGES = ("fr", "en")

# A person's e-mail address or international phone number written into a report's free text is masked.
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w+])\+\d[\d ().-]{6,}\d")


def redact(text: str | None) -> str:
    """Free text without e-mail addresses or phone numbers (exports carry no personal contact data)."""
    if not text:
        return ""
    text = str(text)
    if "@" in text:  # no address without an @, no international number without a + (a ×100 plan has 480,000 texts)
        text = EMAIL.sub("[…]", text)
    if "+" in text:
        text = PHONE.sub("[…]", text)
    return text.strip()


def status_label(status: str) -> str:
    """A status in the pack's language."""
    return str(STATUSES.get(status, status or ""))


def delivery_label(state: str) -> str:
    """Where a report stands, in the words of /reports and the dashboards ("" for no state)."""
    return str(DELIVERY_LABELS.get(state, "")) if state else ""


def delivery_definitions() -> list[tuple[str, str]]:
    """(label, what it means) of each state a report can be in, in the order a quarter goes through them."""
    meanings = {
        "pending": _("before the due date, nothing delivered yet"),
        "on_time": _("submitted on or before the due date"),
        "late": _("submitted after the due date"),
        "overdue": _("past the due date, not delivered, the quarter still open"),
        "missing": _("the quarter closed without a report"),
    }
    return [(delivery_label(state), meaning) for state, meaning in meanings.items()]


def delivery_note() -> str:
    """One sentence defining the reporting words: "A report counts as delivered once submitted. Not due yet: …"."""
    words = "; ".join(_("%(label)s: %(value)s", label=label, value=meaning)
                      for label, meaning in delivery_definitions())
    return _("A report counts as delivered once submitted. %(words)s.", words=words)


def light(colour: str) -> str:
    """A colour ("#e69f00") mixed with three parts of white ("F8E7BF"), so that black text on it stays readable."""
    colour = colour.lstrip("#")
    channels = [int(colour[i:i + 2], 16) for i in (0, 2, 4)]
    return "".join(f"{(c + 3 * 255) // 4:02X}" for c in channels)


# --- the pieces of a pack ---------------------------------------------------------------------------------------


@dataclass(slots=True)  # a ×100 plan has 120,000 of them
class Update:
    """An accepted update of an activity, as the exports show it."""

    activity_id: int
    period: str
    body: str
    status: str
    progress: int | None
    achievements: str
    challenges: str
    next_steps: str
    support_needed: str
    evidence_links: str
    no_progress: bool
    reported_on: date | None
    contribution: bool = False  # a note of a responsible body that is not accountable: it sets no status


@dataclass
class ActivityItem:
    """An activity in a pillar's section: its text, bodies, status as of the period and latest accepted update."""

    id: int
    code: str
    text: str
    status: str
    bodies: list[tuple[str, str]]  # (body name, role label)
    update: Update | None = None
    contributions: list[Update] = field(default_factory=list)  # the quarter's notes of the other bodies

    @property
    def bodies_text(self) -> str:
        """The responsible bodies in one line: "Training WG (lead); SAG (participant)"."""
        return "; ".join(f"{name} ({role})" for name, role in self.bodies)


@dataclass
class OutputItem:
    """An output with its activities."""

    code: str
    text: str
    activities: list[ActivityItem] = field(default_factory=list)


@dataclass
class OutcomeItem:
    """An outcome with its outputs."""

    code: str
    text: str
    outputs: list[OutputItem] = field(default_factory=list)


@dataclass
class PillarItem:
    """A pillar's section: title, goal, status counts and its outcomes."""

    number: int
    title: str
    goal: str
    counts: list[tuple[str, int]]
    outcomes: list[OutcomeItem] = field(default_factory=list)

    @property
    def activities(self) -> list[ActivityItem]:
        """Every activity of the pillar, in plan order."""
        return [a for outcome in self.outcomes for output in outcome.outputs for a in output.activities]

    @property
    def total(self) -> int:
        """How many activities the pillar has."""
        return sum(count for _, count in self.counts)


@dataclass
class Pack:
    """What one export says: the plan's state as of a quarter, in one language."""

    lang: str
    strategy: Strategy
    strategy_title: str
    period: ReportingPeriod
    periods: Periods
    previous: ReportingPeriod | None
    previous_is_glm: bool
    generated_on: date
    statuses: pd.DataFrame
    counts: pd.DataFrame
    over_time: pd.DataFrame
    compliance: pd.DataFrame  # every quarter up to the chosen one
    at_risk: pd.DataFrame
    changes: pd.DataFrame
    summaries: pd.DataFrame
    pillars: list[PillarItem]
    body_names: dict[str, str]
    labels: dict[str, str]
    glm: ReportingPeriod | None = None  # the GLM the pack is for (its quarter may be later than `period`)
    window_periods: list[ReportingPeriod] = field(default_factory=list)
    highlights: Written | None = None  # the executive summary in the pack's language (saved, else the draft)
    highlights_saved: bool = False
    pending_amendments: list = field(default_factory=list)
    applied_amendments: list = field(default_factory=list)
    last_glm: "LastGlm | None" = None  # the GLM before this one, with its action points still open

    @property
    def code(self) -> str:
        """The chosen quarter: "2026-Q2"."""
        return self.period.code

    def q(self, code: str) -> str:
        """A quarter in the pack's language: "T2 2026" in French, "Q2 2026" in English."""
        return quarter_label(code, self.lang)

    @property
    def quarter(self) -> str:
        """The pack's quarter in its language: "T2 2026"."""
        return self.q(self.code)

    @property
    def glm_name(self) -> str:
        """The name of the GLM the pack is for, in the pack's language ("" when it is not a GLM's)."""
        return sections.glm_name(self.glm, self.lang)

    @property
    def window_label(self) -> str:
        """The window in words, named on every table: "T2 2025 – T2 2026"."""
        return f"{self.q(self.window[0])} – {self.q(self.window[-1])}" if self.window else ""

    @property
    def never_reported(self) -> int:
        """How many activities no accepted report has mentioned yet, as of the quarter."""
        return sum(1 for pillar in self.pillars for a in pillar.activities if a.update is None)

    @property
    def summarised(self) -> bool:
        """True when the plan is too large to list activity by activity (the dashboards summarise it by output)."""
        from sip.dashboards.views import PLAN_DETAIL_LIMIT

        return self.total > PLAN_DETAIL_LIMIT

    def output_rows(self, pillar: PillarItem) -> list[tuple[str, str, list[int]]]:
        """(output code, text, how many of its activities are in each status) of a pillar's outputs."""
        return [(output.code, output.text, [sum(1 for a in output.activities if a.status == status)
                                             for status in STATUS_ORDER])
                for outcome in pillar.outcomes for output in outcome.outputs]

    def next_steps(self) -> list[tuple[str, Written]]:
        """(code, next steps) of the quarter's accepted updates, in plan order, without repeated or empty ones."""
        found = [(a.code, a.update.next_steps) for pillar in self.pillars for a in pillar.activities
                 if a.update and a.update.period == self.code and a.update.next_steps]
        return [(code, written(text, self.lang)) for code, text in worth_reading(found)]

    def on_time_rates(self) -> list[tuple[str, int, int, int | None]]:
        """(body name, reports on time, reports due, on-time rate in %) of each reporting body over the window
        (quarters not due yet are left out)."""
        frame = self.compliance_window
        due_states = ("on_time", "late", "overdue", "missing")
        rows = []
        for slug, name in self.compliance_names().items():
            states = list(frame[frame["body"] == slug]["state"])
            due = sum(1 for s in states if s in due_states)
            on_time = sum(1 for s in states if s == "on_time")
            rows.append((name, on_time, due, round(100 * on_time / due) if due else None))
        return rows

    @property
    def accepted(self) -> bool:
        """True when at least one report of the chosen quarter has been accepted."""
        return self.period.id in self.periods.accepted

    @property
    def window(self) -> list[str]:
        """The codes of the quarters the PDF's and slides' charts show, in time order."""
        return [p.code for p in self.window_periods]

    @property
    def compliance_window(self) -> pd.DataFrame:
        """Reporting compliance over the window only."""
        return self.compliance[self.compliance["period"].isin(self.window)]

    @property
    def over_time_window(self) -> pd.DataFrame:
        """Statuses quarter by quarter over the window only."""
        return self.over_time[self.over_time["period"].isin(self.window)]

    @property
    def figures(self) -> list[tuple[str, int]]:
        """How many activities are in each status."""
        return key_figures(self.statuses)

    @property
    def total(self) -> int:
        """How many activities the plan has (retired ones left out)."""
        return len(self.statuses)

    @property
    def title(self) -> str:
        """The report's title: the GLM it feeds, or the quarter."""
        if self.glm_name:
            return _("Progress report for the %(glm)s", glm=self.glm_name)
        if self.glm is not None:
            return _("Progress report for the GLM, %(period)s", period=self.q(self.glm.code))
        return _("Progress report, %(period)s", period=self.quarter)

    @property
    def text_column(self) -> str:
        """The frames' column of activity text in the pack's language."""
        return f"text_{self.lang}"

    def change_counts(self) -> list[tuple[str, str, int]]:
        """(kind, label, how many) of the changes since the last GLM."""
        counts = self.changes["change"].value_counts() if not self.changes.empty else {}
        return [(kind, str(label), int(counts.get(kind, 0))) for kind, label in CHANGE_LABELS.items()]

    def changes_of(self, kind: str) -> list[dict]:
        """The changes of one kind, in plan order: code, text, before, after."""
        rows = self.changes[self.changes["change"] == kind] if not self.changes.empty else self.changes
        return [{"code": r["code"], "text": r[self.text_column], "before": r["before"], "after": r["after"]}
                for r in rows.to_dict("records")]

    def delivery(self) -> list[tuple[str, str, int]]:
        """(state, label, how many bodies) of the chosen quarter's reporting, in the words of /reports."""
        frame = self.compliance[self.compliance["period"] == self.code]
        counts = frame["state"].value_counts()
        return [(state, delivery_label(state), int(counts.get(state, 0)))
                for state in DELIVERY_STATES if state != "not_open" and counts.get(state, 0)]

    def groups(self) -> int:
        """How many bodies were expected to report for the chosen quarter (every reporting body)."""
        return int((self.compliance["period"] == self.code).sum())

    def risks(self) -> list[dict]:
        """The activities at risk or delayed: code, text, status, bodies (names), challenges, support, quarter."""
        rows = []
        for row in self.at_risk.to_dict("records"):
            rows.append({
                "code": row["code"], "text": row[self.text_column], "status": row["status"],
                "bodies": ", ".join(self.body_names.get(s, s) for s in row["bodies"].split(",") if s),
                "challenges": redact(row["challenges"]), "support": redact(row["support_needed"]),
                "period": row["period"],
            })
        return rows

    def group_summaries(self) -> list[dict]:
        """Each reporting body's summary of the chosen quarter: the body's name (whoever filed it), summary, day
        submitted."""
        rows = []
        for row in self.summaries.to_dict("records"):
            at = row["submitted_at"]
            rows.append({"slug": row["body"], "name": row[f"body_name_{self.lang}"], "summary": redact(row["summary"]),
                         "submitted_on": at.date() if at is not None and not pd.isna(at) else None})
        return rows

    def trend_rows(self) -> list[tuple[str, list[int]]]:
        """(quarter, how many activities in each status) over the window, in time order."""
        frame = self.over_time_window
        counts = {(p, s): int(c) for p, s, c in zip(frame["period"], frame["status"], frame["count"], strict=False)}
        return [(period, [counts.get((period, status), 0) for status in STATUS_ORDER]) for period in self.window]

    def compliance_names(self) -> dict[str, str]:
        """The reporting bodies' full names in the pack's language, by slug, in the compliance frame's order."""
        return dict(zip(self.compliance["body"], self.compliance[f"body_name_{self.lang}"], strict=False))

    def compliance_rows(self, periods: list[str]) -> list[tuple[str, list[str]]]:
        """(body name, its compliance state in each of the periods) for each reporting body."""
        frame = self.compliance
        states = {(b, p): s for b, p, s in zip(frame["body"], frame["period"], frame["state"], strict=False)}
        return [(name, [states.get((slug, period), "") for period in periods])
                for slug, name in self.compliance_names().items()]

    def achievements(self, pillar: PillarItem, limit: int | None = None) -> list[tuple[str, str]]:
        """(code, text) of what the pillar's activities achieved in the chosen quarter, completed ones first."""
        found = [a for a in pillar.activities
                 if a.update and a.update.period == self.code and a.update.achievements and not a.update.no_progress]
        found.sort(key=lambda a: a.status != "completed")  # stable: plan order within each group
        # what each activity achieved once per quarter: text written for several (boilerplate) is left out
        unique = worth_reading([(a.code, a.update.achievements) for a in found])
        return unique[:limit]


# --- reading ----------------------------------------------------------------------------------------------------


def default_period(periods: Periods, today: date) -> ReportingPeriod | None:
    """The quarter an export proposes first: the upcoming GLM's (the first GLM quarter not over yet, else the
    latest GLM's), else the dashboards'."""
    return sections.upcoming_glm(periods, today) or periods.default(today)


def _rank(period) -> object:
    """SQL expression ordering periods in time (2026-Q4 → 20264)."""
    return period.year * 10 + period.quarter


def _day(moment: datetime | None) -> date | None:
    """The UTC day of a stored time."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.date()


def _update(row, period_code: str) -> Update:
    """An Update from a row of accepted updates."""
    return Update(
        activity_id=row.activity_id, period=period_code, body=row.slug, status=row.status or "",
        progress=row.progress_pct, achievements=redact(row.achievements), challenges=redact(row.challenges),
        next_steps=redact(row.next_steps), support_needed=redact(row.support_needed),
        evidence_links=_links(row.evidence_links), no_progress=bool(row.no_progress),
        reported_on=_day(row.submitted_at), contribution=bool(row.contribution),
    )


def _links(text: str | None) -> str:
    """Evidence links that are web addresses, one a line (anything else, such as an e-mail, is left out)."""
    if not text:
        return ""
    lines = [line.strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line.lower().startswith(("https://", "http://")))


def _update_query(*conditions):
    """Accepted updates of the strategy's quarters that meet the conditions, with their quarter and the body whose
    report it is (never who filed it)."""
    return (
        select(ActivityUpdate.activity_id, ActivityUpdate.status, ActivityUpdate.progress_pct,
               ActivityUpdate.achievements, ActivityUpdate.challenges, ActivityUpdate.next_steps,
               ActivityUpdate.support_needed, ActivityUpdate.evidence_links, ActivityUpdate.no_progress,
               ActivityUpdate.contribution, GroupReport.submitted_at, Body.slug, ReportingPeriod.year,
               ReportingPeriod.quarter)
        .join(GroupReport, ActivityUpdate.report_id == GroupReport.id)
        .join(ReportingPeriod, GroupReport.period_id == ReportingPeriod.id)
        .join(Body, GroupReport.body_id == Body.id)
        .where(GroupReport.state == "accepted", *conditions)
    )


def latest_updates(strategy_id: int, period: ReportingPeriod) -> dict[int, Update]:
    """Each activity's latest accepted update as of the period: the update that set its status there, as the
    status table's row of that quarter names it (none for an activity whose status is still the plan's). One
    query."""
    query = _update_query(ReportingPeriod.strategy_id == strategy_id).join(
        ActivityStatus, and_(ActivityStatus.update_id == ActivityUpdate.id, ActivityStatus.period_id == period.id))
    return {row.activity_id: _update(row, f"{row.year}-Q{row.quarter}") for row in db.session.execute(query)}


def contributions(strategy_id: int, period: ReportingPeriod) -> dict[int, list[Update]]:
    """The contribution notes accepted for the quarter, by activity: what responsible bodies that are not
    accountable wrote beside the accountable body's update (they set no status). One query."""
    found: dict[int, list[Update]] = {}
    query = _update_query(ReportingPeriod.strategy_id == strategy_id, GroupReport.period_id == period.id,
                          ActivityUpdate.contribution.is_(True)).order_by(Body.slug, ActivityUpdate.id)
    for row in db.session.execute(query):
        found.setdefault(row.activity_id, []).append(_update(row, period.code))
    return found


def update_history(pack: Pack) -> list[tuple[ActivityItem, Update]]:
    """Every accepted update up to the pack's quarter: quarter by quarter, in plan order, one per activity and
    reporting body (two bodies responsible for an activity each report on it: the accountable one's status, the
    other's contribution note). Two queries: the accepted reports (their quarter, body and day, read once per
    report rather than on each of a ×100 plan's 120,000 rows), then their updates."""
    activities = {a.id: a for pillar in pack.pillars for a in pillar.activities}
    order = {activity_id: i for i, activity_id in enumerate(activities)}
    reports = {report_id: (f"{year}-Q{quarter}", slug, _day(submitted_at))
               for report_id, year, quarter, slug, submitted_at in db.session.execute(
                   select(GroupReport.id, ReportingPeriod.year, ReportingPeriod.quarter, Body.slug,
                          GroupReport.submitted_at)
                   .join(ReportingPeriod, GroupReport.period_id == ReportingPeriod.id)
                   .join(Body, GroupReport.body_id == Body.id)
                   .where(GroupReport.state == "accepted", ReportingPeriod.strategy_id == pack.strategy.id,
                          _rank(ReportingPeriod) <= pack.period.year * 10 + pack.period.quarter))}
    query = (select(ActivityUpdate.report_id, ActivityUpdate.activity_id, ActivityUpdate.status,
                    ActivityUpdate.progress_pct, ActivityUpdate.achievements, ActivityUpdate.challenges,
                    ActivityUpdate.next_steps, ActivityUpdate.support_needed, ActivityUpdate.evidence_links,
                    ActivityUpdate.no_progress, ActivityUpdate.contribution)
             .join(GroupReport, ActivityUpdate.report_id == GroupReport.id)
             .join(ReportingPeriod, GroupReport.period_id == ReportingPeriod.id)
             .where(GroupReport.state == "accepted", ReportingPeriod.strategy_id == pack.strategy.id,
                    _rank(ReportingPeriod) <= pack.period.year * 10 + pack.period.quarter))
    rows = []
    for (report_id, activity_id, status, progress, achievements, challenges, next_steps, support, links,
         no_progress, contribution) in db.session.execute(query):
        if activity_id not in activities:  # retired activities are left out, as everywhere
            continue
        period, slug, day = reports[report_id]
        rows.append((activities[activity_id], Update(  # as _update makes it, the report's columns read once above
            activity_id=activity_id, period=period, body=slug, status=status or "", progress=progress,
            achievements=redact(achievements), challenges=redact(challenges), next_steps=redact(next_steps),
            support_needed=redact(support), evidence_links=_links(links), no_progress=bool(no_progress),
            reported_on=day, contribution=bool(contribution))))
    rows.sort(key=lambda pair: (pair[1].period, order[pair[0].id], pair[1].body))
    return rows


def _responsibilities(strategy_id: int, lang: str) -> dict[int, list[tuple[str, str]]]:
    """(body name, role label) of each activity's responsible bodies, in their order (one query)."""
    rows = db.session.execute(
        select(Responsibility.activity_id, Body.slug, Body.name, Body.short_name, Responsibility.role)
        .join(Body, Responsibility.body_id == Body.id)
        .join(Activity, Responsibility.activity_id == Activity.id)
        .where(Activity.strategy_id == strategy_id)
        .order_by(Responsibility.activity_id, Responsibility.position, Responsibility.id)
    ).all()
    found: dict[int, list[tuple[str, str]]] = {}
    roles = {role: str(label) for role, label in ROLES.items()}  # translated once, not on each of 7,500 rows
    for activity_id, slug, name, short_name, role in rows:
        found.setdefault(activity_id, []).append((pick(short_name or name, lang) or slug, roles.get(role, role)))
    return found


def _plan_texts(strategy_id: int, lang: str) -> tuple[dict, dict, dict]:
    """Pillars (number → (title, goal)), outcomes and outputs ((pillar, codes…) → text) in the language (two
    queries)."""
    pillars = {number: (pick(title, lang), pick(goal, lang)) for number, title, goal in db.session.execute(
        select(Pillar.number, Pillar.title, Pillar.goal).where(Pillar.strategy_id == strategy_id))}
    outcomes, outputs = {}, {}
    for number, outcome_code, outcome_text, output_code, output_text in db.session.execute(
        select(Pillar.number, Outcome.code, Outcome.text, Output.code, Output.text)
        .join(Outcome, Outcome.pillar_id == Pillar.id)
        .join(Output, Output.outcome_id == Outcome.id)
        .where(Pillar.strategy_id == strategy_id)
    ):
        outcomes[(number, outcome_code)] = pick(outcome_text, lang)
        outputs[(number, outcome_code, output_code)] = pick(output_text, lang)
    return pillars, outcomes, outputs


def _pillars(strategy_id: int, statuses: pd.DataFrame, counts: pd.DataFrame, lang: str,
             latest: dict[int, Update], notes: dict[int, list[Update]]) -> list[PillarItem]:
    """The plan as sections: pillar → outcome → output → activity, in plan order (the statuses' order); each
    activity with its status of the quarter (its row in `statuses`, the status table's), the update that set it and
    the quarter's contribution notes."""
    texts, outcome_texts, output_texts = _plan_texts(strategy_id, lang)
    bodies = _responsibilities(strategy_id, lang)
    pillars: dict[int, PillarItem] = {}
    for row in statuses.to_dict("records"):
        number = int(row["pillar"])
        if number not in pillars:
            title, goal = texts.get(number, ("", ""))
            of_pillar = counts[counts["pillar"] == number]
            pillars[number] = PillarItem(number, title, goal,
                                         [(s, int(c)) for s, c in zip(of_pillar["status"], of_pillar["count"], strict=False)])
        pillar = pillars[number]
        if not pillar.outcomes or pillar.outcomes[-1].code != row["outcome"]:
            pillar.outcomes.append(OutcomeItem(row["outcome"], outcome_texts.get((number, row["outcome"]), "")))
        outcome = pillar.outcomes[-1]
        if not outcome.outputs or outcome.outputs[-1].code != row["output"]:
            outcome.outputs.append(OutputItem(row["output"],
                                              output_texts.get((number, row["outcome"], row["output"]), "")))
        activity_id = int(row["activity_id"])
        outcome.outputs[-1].activities.append(ActivityItem(
            activity_id, row["code"], row[f"text_{lang}"], row["status"],
            bodies.get(activity_id, []),
            latest.get(activity_id), notes.get(activity_id, [])))
    return list(pillars.values())


def build_pack(strategy: Strategy, period: ReportingPeriod, lang: str, today: date | None = None,
               periods: Periods | None = None, glm: ReportingPeriod | None = None) -> Pack:
    """Read everything an export of the quarter says, in the language (call inside `force_locale(lang)`); `glm` is
    the GLM the pack is for, when it is one's (its data are those of `period`, the quarter that feeds it)."""
    today = today or date.today()
    periods = periods or Periods.of(strategy)
    if glm is None and period.glm:
        glm = period
    previous, previous_is_glm = periods.previous_glm(glm or period)
    if previous is not None and periods.all.index(previous) >= periods.all.index(period):
        previous, previous_is_glm = periods.previous_glm(period)  # a GLM fed by an earlier quarter
    shown = sections.window(periods, period, previous if previous_is_glm else None)
    statuses = data.activity_statuses(strategy, period)
    counts = data.status_counts(statuses)
    compliance = data.compliance(strategy, shown, today)
    since = previous.ends_on if previous is not None and previous_is_glm else None
    pending, applied = sections.amendments(strategy, lang, since)
    pack = Pack(
        lang=lang, strategy=strategy, strategy_title=pick(strategy.title, lang), period=period, periods=periods,
        previous=previous, previous_is_glm=previous_is_glm, generated_on=today,
        statuses=statuses, counts=counts,
        over_time=data.status_over_time(strategy, shown),
        compliance=compliance,
        at_risk=data.at_risk(strategy, period),
        changes=data.changes_between(strategy, period, previous),
        summaries=data.group_summaries(strategy, period),
        pillars=_pillars(strategy.id, statuses, counts, lang, latest_updates(strategy.id, period),
                         contributions(strategy.id, period)),
        body_names=_body_names(lang),
        labels=chart_labels(),
        glm=glm, window_periods=shown, pending_amendments=pending, applied_amendments=applied,
        last_glm=last_glm_actions(glm or period, lang, today),
    )
    from sip.exports.highlights import highlights_of

    pack.highlights, pack.highlights_saved = highlights_of(pack)
    return pack


def _body_names(lang: str) -> dict[str, str]:
    """The short name of every body in the language, by slug (one query)."""
    return {slug: pick(short_name or name, lang) or slug
            for slug, name, short_name in db.session.execute(select(Body.slug, Body.name, Body.short_name))}
