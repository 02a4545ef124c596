"""Demo quarterly reports for 2024-Q1 … 2026-Q3, so that every reporting page has something real to show.

A deterministic generator (random.Random(2024); the calendar is fixed, and the only date it is given is `today`,
which merely keeps timestamps out of the future). It works through the services, as the demo people would:
the secretariat demo account opens, reviews and closes each period; the group's demo lead saves and submits
(bodies without a demo lead — the SAG and "Working groups" — file as the system, actor None). Audit entries,
reports and activity statuses are therefore consistent, and the timestamps are then moved to plausible days
inside each period. Every demo report has `demo = True` and a summary starting with "[Demo]". The text is in
English only.

Periods 2024-Q1 … 2026-Q2 end closed, 2026-Q3 stays open (due 2026-10-15) and 2026-Q4 stays upcoming; the
Q2 and Q4 periods are marked as feeding the June and November GLMs. A period that is no longer upcoming, or
that already has a report, is left alone: running the set-up again creates nothing more.
"""
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from sip.accounts.models import User
from sip.bodies.models import Body
from sip.core.i18n import pick
from sip.core.models import AuditEntry
from sip.extensions import db
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from sip.reporting import services
from sip.reporting.models import GroupReport, ReportingPeriod
from sip.reporting.queries import reporting_bodies
from sip.reporting.services import UpdateData

SEED = 2024
FIRST, LAST = (2024, 1), (2026, 3)  # the demo's periods; LAST stays open
DEMO_LABEL = "[Demo]"
SECRETARIAT_EMAIL = "rome.demo@example.org"
LEAD_EMAILS = {"wg-training": "lead.training.demo@example.org", "wg-partnerships": "lead.partnerships.demo@example.org"}
GLM_MONTHS = {2: "June", 4: "November"}
OPENS_BEFORE_END, DUE_AFTER_END = 9, 15  # days around the quarter's last day

# What happens to a report in a closed period (weights for the draw) and in the open one.
CLOSED_OUTCOMES = {"on_time": 55, "late": 20, "returned": 15, "missing": 10}
OPEN_OUTCOMES = {"wg-training": "submitted", "wg-partnerships": "returned_open", "sag": "draft",
                 "working-groups": "missing"}
# A few fixed draws, so that every state shows up whatever the weights give.
PINNED = {("2024-Q2", "working-groups"): "missing", ("2024-Q3", "wg-partnerships"): "returned",
          ("2024-Q4", "wg-training"): "late", ("2025-Q1", "sag"): "returned", ("2025-Q3", "wg-partnerships"): "late"}
# Activities that the demo completes, and in which quarter (index from FIRST).
COMPLETES = {"1.1.1.2": 8, "3.1.1.2": 9}

# (what was done, what to do next) per activity, in order; the demo moves one step per accepted quarter.
STEPS = {
    "1.1.1.2": [
        ("Agreed the outline of the guidance note on partner roles with the working group.",
         "agree the outline of the guidance note with the working group"),
        ("Interviewed 8 partner focal points on how they engage with country clusters.",
         "interview partner focal points on how they engage with country clusters"),
        ("Shared the first draft of the guidance note with 14 partners for comment.",
         "share a first draft with partners for comment"),
        ("Consolidated 41 comments from 11 partners into a second draft.",
         "consolidate the partners' comments into a second draft"),
        ("Settled the open points on co-lead roles at the working-group meeting.",
         "settle the open points on co-lead roles"),
        ("Two francophone partners checked the French version of the draft.",
         "have the French version checked by francophone partners"),
        ("The SAG reviewed the note and asked for a shorter annex on onboarding.",
         "present the note to the SAG"),
        ("The SAG endorsed the final guidance note.", "have the final note endorsed by the SAG"),
        ("Published the guidance note in English and French and presented it to country coordinators.",
         "publish the note in English and French"),
    ],
    "1.1.1.3": [
        ("Mapped 23 private-sector and academic organisations already working with the cluster.",
         "map the private-sector and academic organisations already working with the cluster"),
        ("Held two exploratory calls with logistics companies' humanitarian programmes.",
         "hold exploratory calls with logistics companies' humanitarian programmes"),
        ("Drafted engagement principles, including due-diligence checks.", "draft the engagement principles"),
        ("Shared the draft principles with the legal focal points of three partner agencies.",
         "have partner agencies' legal focal points review the principles"),
        ("Ran a consultation webinar with 5 universities and 4 companies.", "run a consultation webinar"),
        ("Added a section on data sharing with academia after the webinar.",
         "revise the draft after the webinar"),
        ("Agreed a template memorandum of understanding for academic partnerships.",
         "agree a template memorandum of understanding for academic partnerships"),
        ("Piloted the guidance with one university partnership.", "pilot the guidance with a university"),
        ("Collected feedback from the university pilot.", "collect feedback from the pilot"),
        ("Launched a second pilot with a logistics company's humanitarian programme.",
         "launch a second pilot with a company"),
        ("Circulated the draft final version to the working group.", "circulate the draft final version"),
    ],
    "1.2.1.4": [
        ("Contributed key messages on logistics preparedness to the cluster's advocacy note.",
         "contribute key messages to the advocacy note"),
        ("A SAG member presented the role of logistics in preparedness at a regional humanitarian forum.",
         "present logistics preparedness at a regional forum"),
        ("Shared two case studies from country operations for the advocacy kit.",
         "collect case studies from country operations"),
        ("Co-hosted a side event on preparedness with two partner agencies.",
         "co-host a side event on preparedness"),
        ("Reviewed the advocacy calendar ahead of the GLM.", "review the advocacy calendar"),
        ("Briefed donors' humanitarian advisers on logistics preparedness gaps.", "brief donors' advisers"),
    ],
    "1.3.1.2": [
        ("Held the quarterly SAG consultation; 9 of 11 members attended.", "hold the quarterly SAG consultation"),
        ("Held an extra SAG call to prepare the GLM agenda.", "prepare the GLM agenda with the SAG"),
        ("The SAG reviewed the mid-term progress of the SIP.", "review the mid-term progress of the SIP"),
        ("Consulted the SAG on the next GLM's priorities; minutes shared with partners.",
         "consult the SAG on the next GLM's priorities"),
        ("Renewed three SAG seats after a call for candidates.", "renew the SAG seats that end this year"),
        ("Held the quarterly SAG consultation online; 10 of 11 members attended.", "hold the next consultation"),
    ],
    "1.3.1.3": [
        ("Reviewed which SIP priorities need a dedicated working group.",
         "review which SIP priorities need a dedicated working group"),
        ("Renewed the terms of reference of the training working group.", "renew the training WG's terms of reference"),
        ("Called for co-leads of an information-management working group.",
         "call for co-leads of an information-management working group"),
        ("The information-management working group held its first meeting.",
         "hold the first meeting of the information-management working group"),
        ("Checked the working groups' work plans against the SIP.", "check the work plans against the SIP"),
        ("Merged two dormant task forces into the partnerships working group.", "merge the dormant task forces"),
    ],
    "3.1.1.2": [
        ("Compared three learning-platform options with partner training focal points.",
         "compare learning-platform options with partners"),
        ("Chose an open-source platform; a partner agreed to host it.", "choose a platform and a host"),
        ("Uploaded the first 12 modules of the logistics induction course.", "upload the induction course"),
        ("Opened the platform to 6 partner organisations for testing.", "open the platform to partners for testing"),
        ("Fixed the access problems reported on low-bandwidth connections.", "fix the low-bandwidth access problems"),
        ("Added French versions of 8 modules.", "add French versions of the modules"),
        ("Opened the platform to every cluster partner; 310 learners registered.",
         "open the platform to every partner"),
        ("Added a shared library where partners upload their own training materials.", "add a shared library"),
        ("420 learners completed at least one module.", "reach 400 learners"),
        ("Handed platform administration over to the training working group's host.",
         "hand over platform administration"),
    ],
    "3.1.2.1": [
        ("Partners designated 37 staff to be trained on the cluster's roles and responsibilities.",
         "have partners designate staff for training"),
        ("Ran the first online session for 24 designated staff.", "run the first online session"),
        ("Ran a face-to-face session in Nairobi for 18 participants.", "run a face-to-face session in Nairobi"),
        ("Adapted the session for francophone operations; first session in Dakar.", "run a session in Dakar"),
        ("Trained 22 more staff online; 81 trained so far.", "train the next group online"),
        ("Added a module on the cluster's information-management tools.", "add a module on IM tools"),
        ("Ran a session in Amman for 16 participants from the region.", "run a session in Amman"),
        ("Surveyed participants: 87 % use the training in their work.", "survey past participants"),
    ],
    "4.2.3.1": [
        ("Listed candidate topics: localisation, environmental sustainability, customs facilitation.",
         "list candidate advocacy topics"),
        ("The SAG chose environmental sustainability as the first topic.", "choose the first topic"),
        ("Working groups gave input to a discussion paper on greener logistics.", "draft a discussion paper"),
        ("Presented the discussion paper at the GLM.", "present the paper at the GLM"),
        ("Started a second paper on customs facilitation in emergencies.", "start the customs paper"),
    ],
}
CHALLENGES = {
    "1.1.1.2": "Fewer partners than expected sent comments before the deadline.",
    "1.1.1.3": "The legal review of the due-diligence section is taking longer than planned.",
    "1.2.1.4": "Advocacy events compete with emergency responses for the same people's time.",
    "1.3.1.2": "Two SAG seats were vacant for the quarter.",
    "1.3.1.3": "Not enough volunteers to co-lead the new working group.",
    "3.1.1.2": "The hosting partner's server migration held up new modules.",
    "3.1.2.1": "Several partners have not designated staff yet; travel costs limit face-to-face sessions.",
    "4.2.3.1": "Partners disagree on how far the cluster should advocate beyond operational support.",
}
SUPPORT = {
    "1.1.1.2": "SAG members to ask their organisations' focal points to comment by the next deadline.",
    "1.1.1.3": "A SAG view on which due-diligence standard partners can accept.",
    "1.2.1.4": "Speakers from partner agencies for the next regional forum.",
    "1.3.1.2": "Nominations for the vacant SAG seats.",
    "1.3.1.3": "Partners to second a co-lead for one year.",
    "3.1.1.2": "A partner able to host the platform for two more years.",
    "3.1.2.1": "SAG to remind partners to designate staff for the next round.",
    "4.2.3.1": "A SAG decision on the scope of advocacy topics.",
}
MINOR_CHALLENGES = ["Meeting times are hard to agree across time zones.",
                    "Two members changed jobs; their organisations are naming replacements.", "", "", ""]
RETURN_NOTES = [
    "Please add the number of people reached under {code} and link the attendance list.",
    "Please say what is blocking {code} and what the SAG could do about it.",
    "Please link the evidence for what {code} achieved this quarter (minutes, documents, the published page).",
]
GLM_RETURN_NOTE = "The summary does not say what the GLM should take away; add two lines."
GENERIC_STEP = ("Follow-up meetings with partners; no new milestone this quarter.", "continue the work plan")


@dataclass
class DemoResult:
    """What the generator did: reports created and the periods it filled."""

    reports: int = 0
    periods: list[str] = field(default_factory=list)
    glm_marked: int = 0


def demo_quarters() -> list[tuple[int, int]]:
    """(year, quarter) from FIRST to LAST."""
    quarters, (year, quarter) = [], FIRST
    while (year, quarter) <= LAST:
        quarters.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return quarters


class _Clock:
    """Plausible timestamps: a working hour on a day, never after the end of `today`."""

    def __init__(self, rng: random.Random, today: date):
        self.rng, self.limit = rng, datetime.combine(today, time(23, 59), tzinfo=timezone.utc)

    def at(self, day: date) -> datetime:
        """A time during the working day of `day`."""
        moment = datetime.combine(day, time(self.rng.randint(8, 17), self.rng.randint(0, 59)), tzinfo=timezone.utc)
        return min(moment, self.limit)


def _trajectory(rng: random.Random, code: str, quarters: int) -> list[tuple[str, int]]:
    """(status, progress %) of an activity in each demo quarter: planned → on track → trouble → on track or done."""
    start = rng.randint(0, 2)
    ends = COMPLETES.get(code, quarters)
    trouble_at = rng.randint(start + 1, max(start + 1, ends - 2)) if rng.random() < 0.7 else None
    trouble = (rng.choice(["at_risk", "delayed"]), rng.randint(1, 2))
    path, progress = [], 0
    for index in range(quarters):
        if index < start:
            status = "planned"
        elif index >= ends:
            status = "completed"
        elif trouble_at is not None and trouble_at <= index < trouble_at + trouble[1]:
            status = trouble[0]
        else:
            status = "on_track"
        step = {"planned": 0, "on_track": rng.randint(6, 14), "completed": 100}.get(status, rng.randint(0, 4))
        progress = 100 if status == "completed" else min(95, progress + step)
        path.append((status, progress))
    return path


class _Generator:
    """Files the demo reports period by period through the services."""

    def __init__(self, today: date):
        self.rng = random.Random(SEED)
        self.clock = _Clock(self.rng, today)
        self.strategy = current_strategy()
        self.secretariat = db.session.scalar(select(User).where(User.email == SECRETARIAT_EMAIL))
        self.leads = {slug: db.session.scalar(select(User).where(User.email == email))
                      for slug, email in LEAD_EMAILS.items()}
        self.quarters = demo_quarters()
        self.step_of: dict[tuple[str, str], int] = {}  # (body, activity code) → next step
        self.result = DemoResult()

    def run(self) -> DemoResult:
        """Fill every demo period that nobody has touched yet."""
        if self.strategy is None:
            return self.result
        periods = {(p.year, p.quarter): p for p in db.session.scalars(
            select(ReportingPeriod).where(ReportingPeriod.strategy_id == self.strategy.id))}
        bodies = [b for b in reporting_bodies(date(*FIRST, 1)) if services.reportable_activities(b)]
        bodies.sort(key=lambda b: b.slug)
        codes = sorted({a.code for b in bodies for a in services.reportable_activities(b)})
        # Draw everything first, in a fixed order, so that what is drawn never depends on what is skipped.
        paths = {code: _trajectory(self.rng, code, len(self.quarters)) for code in codes}
        outcomes = {(q, b.slug): self._outcome(q, b.slug) for q in self.quarters for b in bodies}
        self._mark_glms(periods)
        for index, quarter in enumerate(self.quarters):
            period = periods.get(quarter)
            if period is None or period.state != "upcoming" or period.reports:
                continue
            self._fill(period, index, bodies, paths, outcomes)
            self.result.periods.append(period.code)
        return self.result

    def _outcome(self, quarter: tuple[int, int], slug: str) -> str:
        """What happens to a body's report in a quarter."""
        code = f"{quarter[0]}-Q{quarter[1]}"
        drawn = self.rng.choices(list(CLOSED_OUTCOMES), weights=list(CLOSED_OUTCOMES.values()))[0]
        if quarter == LAST:
            return OPEN_OUTCOMES.get(slug, "draft")
        return PINNED.get((code, slug), drawn)

    def _mark_glms(self, periods: dict) -> None:
        """Mark the Q2 and Q4 periods as those the June and November GLMs look at."""
        for (year, quarter), period in sorted(periods.items()):
            if quarter in GLM_MONTHS and FIRST[0] <= year <= LAST[0] and not period.glm:
                services.set_glm(period, True, f"GLM {GLM_MONTHS[quarter]} {year}", self.secretariat)
                self._date_audit("reporting_period", period.id, [period.starts_on + timedelta(days=20)])
                self.result.glm_marked += 1

    def _fill(self, period: ReportingPeriod, index: int, bodies: list[Body], paths: dict, outcomes: dict) -> None:
        """Open a period, file each body's report as drawn, and close the period unless it is the last."""
        opens_on = period.ends_on - timedelta(days=OPENS_BEFORE_END)
        due_on = period.ends_on + timedelta(days=DUE_AFTER_END)
        services.open_period(period, due_on, self.secretariat, opens_on=opens_on)
        events = [opens_on - timedelta(days=3)]
        for body in bodies:
            outcome = outcomes[((period.year, period.quarter), body.slug)]
            if outcome != "missing":
                self._file(period, body, outcome, index, paths)
                self.result.reports += 1
        if (period.year, period.quarter) != LAST:
            services.close_period(period, self.secretariat)
            events.append(due_on + timedelta(days=30))
        self._date_audit("reporting_period", period.id, events, actions=("period.opened", "period.closed"))

    def _file(self, period: ReportingPeriod, body: Body, outcome: str, index: int, paths: dict) -> None:
        """One body's report for a period, through the states the outcome calls for."""
        lead = self.leads.get(body.slug)
        due = period.due_on
        drafted = due - timedelta(days=self.rng.randint(8, 18))
        submitted = due + timedelta(days=self.rng.randint(3, 21)) if outcome == "late" else \
            due - timedelta(days=self.rng.randint(0, 6))
        activities = services.reportable_activities(body)
        updates = {a.id: self._update(body, a, period, paths[a.code][index]) for a in activities}
        summary = self._summary(body, period, updates.values())
        report = services.save_report(body, period, lead, 0, summary, updates)
        report.demo = True
        report.created_at = report.updated_at = self.clock.at(drafted)
        events = [report.updated_at]
        if outcome == "draft":
            db.session.commit()
            return self._date_audit("group_report", report.id, events)
        services.submit_report(report, lead)
        report.submitted_at = self.clock.at(submitted)
        events.append(report.submitted_at)
        db.session.commit()
        if outcome in ("returned", "returned_open"):
            returned = submitted + timedelta(days=self.rng.randint(2, 6))
            services.return_report(report, self.secretariat, self._return_note(report))
            report.reviewed_at = self.clock.at(returned)
            events.append(report.reviewed_at)
            db.session.commit()
            if outcome == "returned_open":
                return self._date_audit("group_report", report.id, events)
            submitted = returned + timedelta(days=self.rng.randint(2, 8))
            services.save_report(body, period, lead, report.version, summary + " Revised after the secretariat's note.",
                                 self._revised(report))
            report.updated_at = self.clock.at(submitted)
            services.submit_report(report, lead)
            report.submitted_at = report.updated_at
            events += [report.updated_at, report.submitted_at]
            db.session.commit()
        if outcome == "submitted":
            return self._date_audit("group_report", report.id, events)
        services.accept_report(report, self.secretariat)
        report.reviewed_at = self.clock.at(submitted + timedelta(days=self.rng.randint(2, 10)))
        events.append(report.reviewed_at)
        db.session.commit()
        self._date_audit("group_report", report.id, events)

    def _update(self, body: Body, activity: Activity, period: ReportingPeriod, state: tuple[str, int]) -> UpdateData:
        """A plausible update for one activity: the next step of its story, with challenges when in trouble."""
        status, progress = state
        steps = STEPS.get(activity.code, [])
        key = (body.slug, activity.code)
        month = period.ends_on.strftime("%B %Y")
        if status == "planned":
            todo = steps[0][1] if steps else GENERIC_STEP[1]
            return UpdateData(status=status, progress_pct=0, no_progress=True, next_steps=f"Next quarter: {todo}.")
        position = len(steps) - 1 if status == "completed" else self.step_of.get(key, 0)
        done = steps[position][0] if position < len(steps) else f"{month}: {GENERIC_STEP[0]}"
        self.step_of[key] = position + 1
        following = steps[position + 1][1] if position + 1 < len(steps) else GENERIC_STEP[1]
        trouble = status in ("at_risk", "delayed")
        return UpdateData(
            status=status,
            progress_pct=progress,
            achievements=done,
            challenges=CHALLENGES.get(activity.code, "") if trouble else self.rng.choice(MINOR_CHALLENGES),
            next_steps="None: the activity is completed." if status == "completed" else f"Next quarter: {following}.",
            support_needed=SUPPORT.get(activity.code, "") if trouble else "",
            evidence_links=(f"https://example.org/demo/{body.slug}/{period.code}/{activity.code}"
                            if self.rng.random() < 0.5 else ""),
        )

    def _summary(self, body: Body, period: ReportingPeriod, updates) -> str:
        """The report's summary, labelled as demo data."""
        updates = list(updates)
        counts = {s: sum(1 for u in updates if u.status == s) for s in ("on_track", "completed", "planned")}
        trouble = sum(1 for u in updates if u.status in ("at_risk", "delayed"))
        parts = [f"{counts['on_track']} of {len(updates)} {'activity' if len(updates) == 1 else 'activities'} on track"]
        if trouble:
            parts.append(f"{trouble} at risk or delayed (support requested from the SAG)")
        if counts["completed"]:
            parts.append(f"{counts['completed']} completed")
        if counts["planned"]:
            parts.append(f"{counts['planned']} not started yet")
        glm = f" Presented at the {period.glm_name}." if period.glm and period.glm_name else ""
        name = pick(body.short_name or body.name, "en")
        return (f"{DEMO_LABEL} Demo data, not a real report. {name}, {period.code}: " + ", ".join(parts) + "." + glm)

    def _return_note(self, report: GroupReport) -> str:
        """The secretariat's note saying what to fix."""
        update = self.rng.choice(sorted(report.updates, key=lambda u: u.activity.position))
        notes = RETURN_NOTES + ([GLM_RETURN_NOTE] if report.period.glm else [])
        return self.rng.choice(notes).format(code=update.activity.code)

    def _revised(self, report: GroupReport) -> dict[int, UpdateData]:
        """The report's updates after the group answered the note: one more line in each update's achievements."""
        revised = {}
        for update in report.updates:
            data = UpdateData.of(update)
            if not data.no_progress:
                data.achievements += " Details and evidence added after the secretariat's note."
            revised[update.activity_id] = data
        return revised

    def _date_audit(self, entity: str, entity_id: int, moments: list, actions: tuple[str, ...] | None = None) -> None:
        """Give the audit entries just written for an object the demo's dates, oldest first."""
        query = select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
        if actions:
            query = query.where(AuditEntry.action.in_(actions))
        entries = list(db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(len(moments))))[::-1]
        for entry, moment in zip(entries, moments, strict=False):
            entry.at = moment if isinstance(moment, datetime) else self.clock.at(moment)
        db.session.commit()


def create_demo_reports(today: date) -> DemoResult:
    """Fill the demo reports for 2024-Q1 … 2026-Q3 (once); return how many reports were created."""
    return _Generator(today).run()
