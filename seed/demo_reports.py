"""Demo quarterly reports from 2024-Q1 up to the quarter of `today`, so that every page shows a real quarter.

A deterministic generator (random.Random(2024); the only date it is given is `today`). It works through the
services, as the demo people would: the secretariat demo account names the reporting focal points, opens, reviews
and closes each period; every body accountable for an open activity reports (the working groups through their
demo leads, the SAG through its demo lead, the Rome support team through its demo member, the cluster through the
secretariat on its behalf, the country teams through their focal point), on every activity it reports on: a
status for the activities it is accountable for, a contribution note for those it is only responsible for.
Accepting goes through `accept_report`, so the status table is written as in real use; the timestamps are then
moved to plausible days inside each period. Every demo report has `demo = True` and a summary starting with
"[Demo]". The text is in English only (seed/demo_texts.py).

The quarters before today's end closed, with on-time, late, returned-then-accepted and missing reports; the
last closed quarter has every accountable body's report accepted, so the current statuses mix on track, at
risk, delayed, completed and not started. Today's quarter is open, due 15 days after it ends: some reports wait
for review, one was returned with a note, some are drafts, and the training working group's is not started:
its demo lead has a report to fill. Q2 and Q4 feed the June and November GLMs. Once any demo report exists the
generator does nothing: running the set-up again creates nothing more.
"""
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import or_, select

from seed.demo_texts import Writer
from sip.accounts.models import User
from sip.bodies import services as body_services
from sip.bodies.models import Body
from sip.core.i18n import pick
from sip.core.models import AuditEntry
from sip.extensions import db
from sip.plan.models import Activity
from sip.plan.queries import current_strategy
from sip.reporting import services
from sip.reporting.models import GroupReport, ReportingPeriod
from sip.reporting.services import UpdateData

SEED = 2024
FIRST = (2024, 1)  # the demo's first quarter; the last is today's
DEMO_LABEL = "[Demo]"
SECRETARIAT_EMAIL = "rome.demo@example.org"
# Who files each group's report (a group of people reports through its members).
FILERS = {"rome-support-team": SECRETARIAT_EMAIL, "sag": "lead.sag.demo@example.org",
          "wg-training": "lead.training.demo@example.org", "wg-partnerships": "lead.partnerships.demo@example.org"}
# The reporting focal points the secretariat names for the bodies that are not a group of people (None: the
# secretariat itself, on the body's behalf).
FOCAL_POINTS = {"glc": None, "country-support-teams": "country.demo@example.org"}
GLM_MONTHS = {2: "June", 4: "November"}
OPENS_BEFORE_END, DUE_AFTER_END = 9, 15  # days around the quarter's last day
OPEN_FOR = 12  # days today's quarter has been open by `today` (at most: it opens 9 days before its end)

# What happens to a report in a closed quarter (weights for the draw).
CLOSED_OUTCOMES = {"on_time": 55, "late": 20, "returned": 15, "missing": 10}
# The last closed quarter: every accountable body's report accepted, so that the current statuses are its.
LAST_CLOSED_OUTCOMES = {"rome-support-team": "on_time", "glc": "late", "country-support-teams": "returned",
                        "sag": "on_time", "wg-partnerships": "on_time", "wg-training": "late",
                        "working-groups": "missing"}
# Today's quarter: every state a report can be in while its quarter is open. The training group's report is not
# started: its demo lead, the account the README says to try first, has it to fill.
OPEN_OUTCOMES = {"rome-support-team": "submitted", "glc": "submitted", "country-support-teams": "draft",
                 "sag": "draft", "wg-partnerships": "returned_open", "wg-training": "missing",
                 "working-groups": "missing"}
# A few fixed draws in closed quarters, so that every state shows up whatever the weights give.
PINNED = {("2024-Q2", "working-groups"): "missing", ("2024-Q3", "wg-partnerships"): "returned",
          ("2024-Q4", "wg-training"): "late", ("2024-Q4", "glc"): "late", ("2025-Q1", "sag"): "returned",
          ("2025-Q2", "country-support-teams"): "missing", ("2025-Q3", "wg-partnerships"): "late",
          ("2025-Q4", "rome-support-team"): "returned"}

# The status of the accountable body's activities at the last closed quarter: how many of each (the rest on
# track), and a few chosen ones (the working groups' and the SAG's stay open, so each keeps its activities).
FINAL_COUNTS = {"completed": 9, "at_risk": 6, "delayed": 5, "planned": 2}
FINAL_PINNED = {"1.1.1.2": "at_risk", "1.1.1.3": "on_track", "3.1.1.2": "on_track", "3.1.2.1": "delayed",
                "1.3.1.2": "on_track", "1.3.1.3": "at_risk"}
KEPT_OPEN_KINDS = ("working_group", "advisory_group")

RETURN_NOTES = [
    "Please add the number of people reached under {code} and link the attendance list.",
    "Please say what is blocking {code} and what the SAG could do about it.",
    "Please link the evidence for what {code} achieved this quarter (minutes, documents, the published page).",
]
GLM_RETURN_NOTE = "The summary does not say what the GLM should take away; add two lines."
MINOR_CHALLENGES = ["Meeting times are hard to agree across time zones.",
                    "Two members changed jobs; their organisations are naming replacements.", "", "", ""]


@dataclass
class DemoResult:
    """What the generator did: reports created, the periods it filled, GLMs marked, focal points named."""

    reports: int = 0
    periods: list[str] = field(default_factory=list)
    glm_marked: int = 0
    focal_points: int = 0


def current_quarter(today: date, last: tuple[int, int]) -> tuple[int, int]:
    """The quarter of `today`, but not after the strategy's last quarter nor before the demo's second one."""
    quarter = min((today.year, (today.month - 1) // 3 + 1), last)
    return max(quarter, (FIRST[0], FIRST[1] + 1))


def demo_quarters(today: date, last: tuple[int, int] = (2026, 4)) -> list[tuple[int, int]]:
    """(year, quarter) from FIRST to today's quarter."""
    end = current_quarter(today, last)
    quarters, (year, quarter) = [], FIRST
    while (year, quarter) <= end:
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


def _trajectory(rng: random.Random, final: str, quarters: int) -> list[tuple[str, int]]:
    """(status, progress %) of an activity in each demo quarter, reaching `final` in the last closed one
    (quarters - 2): not started, then on track with now and then a spell at risk or delayed, then `final`. The
    open quarter's draft goes on from there (an activity in trouble recovers one time in two)."""
    last = quarters - 2
    statuses = ["planned"] * quarters
    if final != "planned":
        start = min(rng.choice((0, 0, 1, 1, 2, 3)), max(last - 1, 0))
        statuses[start:] = ["on_track"] * (quarters - start)
        calm_until = last  # an earlier spell of trouble ends before this quarter
        if final == "completed":
            done = rng.randint(min(start + 3, last), last)
            statuses[done:] = ["completed"] * (quarters - done)
            calm_until = done - 1
        elif final in ("at_risk", "delayed"):
            length = rng.randint(1, 2)
            first = max(last - length + 1, start)
            spell = ["at_risk", "delayed"] if final == "delayed" else ["at_risk", "at_risk"]
            statuses[first:last + 1] = spell[-(last + 1 - first):]
            statuses[last + 1:] = [final if rng.random() < 0.5 else "on_track"] * (quarters - last - 1)
            calm_until = first - 1
        length, kind = rng.randint(1, 2), rng.choice(("at_risk", "delayed"))
        if rng.random() < 0.55 and calm_until - length >= start + 1:  # back on track before what follows
            at = rng.randint(start + 1, calm_until - length)
            statuses[at:at + length] = [kind] * length
    path, progress = [], 0
    for status in statuses:
        step = {"planned": 0, "on_track": rng.randint(6, 12), "completed": 100}.get(status, rng.randint(0, 3))
        progress = 100 if status == "completed" else min(95, progress + step)
        path.append((status, progress))
    return path


class _Generator:
    """Files the demo reports period by period through the services."""

    def __init__(self, today: date):
        self.rng = random.Random(SEED)
        self.today = today
        self.clock = _Clock(self.rng, today)
        self.strategy = current_strategy()
        self.people = {user.email: user for user in db.session.scalars(select(User).where(User.email.like("%demo@%")))}
        self.secretariat = self.people.get(SECRETARIAT_EMAIL)
        self.quarters: list[tuple[int, int]] = []
        self.paths: dict[str, list[tuple[str, int]]] = {}
        self.stories: dict[str, list[tuple[str, str]]] = {}
        self.writers: dict[str, Writer] = {}
        self.step_of: dict[str, int] = {}  # activity code → next step of its story
        self.turn_of: dict[tuple[str, str], int] = {}  # (body, activity code) → next contribution note
        self.result = DemoResult()

    def run(self) -> DemoResult:
        """Fill every demo period, once."""
        if self.strategy is None or db.session.scalar(select(GroupReport.id).where(GroupReport.demo.is_(True))
                                                      .limit(1)):
            return self.result
        periods = {(p.year, p.quarter): p for p in db.session.scalars(
            select(ReportingPeriod).where(ReportingPeriod.strategy_id == self.strategy.id))}
        if not periods:
            return self.result
        self.quarters = demo_quarters(self.today, max(periods))
        bodies = self._reporting_bodies()
        # Draw everything first, in a fixed order, so that what is drawn never depends on what is skipped.
        self._draw_paths(bodies)
        outcomes = {(q, b.slug): self._outcome(q, b.slug) for q in self.quarters for b in bodies}
        self._mark_glms(periods)
        self._name_focal_points()
        for index, quarter in enumerate(self.quarters):
            period = periods.get(quarter)
            if period is None or period.state != "upcoming" or period.reports:
                continue
            self._fill(period, index, bodies, outcomes)
            self.result.periods.append(period.code)
        return self.result

    def _reporting_bodies(self) -> list[Body]:
        """Every body that reports on an activity: accountable for it, or responsible and adding a note."""
        first_day = date(*FIRST, 1)
        query = select(Body).where(or_(Body.dissolved_on.is_(None), Body.dissolved_on > first_day)).order_by(Body.slug)
        return [body for body in db.session.scalars(query) if services.reportable_activities(body)]

    def _draw_paths(self, bodies: list[Body]) -> None:
        """Each open activity's status over the quarters, and its story; the final statuses shared as FINAL_COUNTS
        says (completed and not started only among activities of bodies other than the groups)."""
        activities = sorted({a.id: a for b in bodies for a in services.reportable_activities(b)}.values(),
                            key=lambda a: a.position)
        finals = {a.code: FINAL_PINNED[a.code] for a in activities if a.code in FINAL_PINNED}
        free = [a for a in activities if a.code not in finals]
        self.rng.shuffle(free)
        for status, count in FINAL_COUNTS.items():
            wanted = count - sum(1 for s in finals.values() if s == status)
            fits = [a for a in free if a.code not in finals and (
                status not in ("completed", "planned") or a.accountable_body is None
                or a.accountable_body.kind not in KEPT_OPEN_KINDS)]
            for activity in fits[:max(wanted, 0)]:
                finals[activity.code] = status
        for activity in activities:
            code = activity.code
            self.paths[code] = _trajectory(self.rng, finals.get(code, "on_track"), len(self.quarters))
            self.writers[code] = Writer(code)
            self.stories[code] = self.writers[code].story(len(self.quarters) + 1)

    def _outcome(self, quarter: tuple[int, int], slug: str) -> str:
        """What happens to a body's report in a quarter."""
        code = f"{quarter[0]}-Q{quarter[1]}"
        drawn = self.rng.choices(list(CLOSED_OUTCOMES), weights=list(CLOSED_OUTCOMES.values()))[0]
        if quarter == self.quarters[-1]:
            return OPEN_OUTCOMES.get(slug, "draft")
        if quarter == self.quarters[-2]:
            return LAST_CLOSED_OUTCOMES.get(slug, "on_time")
        return PINNED.get((code, slug), drawn)

    def _mark_glms(self, periods: dict) -> None:
        """Mark the Q2 and Q4 periods as those the June and November GLMs look at."""
        for (year, quarter), period in sorted(periods.items()):
            if quarter in GLM_MONTHS and FIRST[0] <= year <= self.quarters[-1][0] and not period.glm:
                services.set_glm(period, True, f"GLM {GLM_MONTHS[quarter]} {year}", self.secretariat)
                self._date_audit("reporting_period", period.id, [period.starts_on + timedelta(days=20)])
                self.result.glm_marked += 1

    def _name_focal_points(self) -> None:
        """The secretariat names who files the report of the cluster and of the country teams (unless named)."""
        for slug, email in FOCAL_POINTS.items():
            body = db.session.scalar(select(Body).where(Body.slug == slug))
            person = self.people.get(email) if email else None
            if body is None or body.is_group_of_people or body.focal_point_id or body.reported_by_secretariat or (
                    email and person is None):
                continue
            body_services.set_reporting_focal_point(body, self.secretariat, person=person, secretariat=email is None)
            self._date_audit("body", body.id, [date(*FIRST, 1) + timedelta(days=60)], actions=("body.focal_point",))
            self.result.focal_points += 1

    def _filer(self, body: Body) -> User | None:
        """Who files the body's report: its focal point, the secretariat on its behalf, or its demo member."""
        if not body.is_group_of_people:
            return body.focal_point or (self.secretariat if body.reported_by_secretariat else None)
        return self.people.get(FILERS.get(body.slug, ""))

    def _fill(self, period: ReportingPeriod, index: int, bodies: list[Body], outcomes: dict) -> None:
        """Open a period, file each body's report as drawn, and close the period unless it is today's."""
        is_open = index == len(self.quarters) - 1
        due_on = period.ends_on + timedelta(days=DUE_AFTER_END)
        opens_on = period.ends_on - timedelta(days=OPENS_BEFORE_END)
        if is_open:
            opens_on = max(period.starts_on, min(opens_on, self.today - timedelta(days=OPEN_FOR)))
        services.open_period(period, due_on, self.secretariat, opens_on=opens_on)
        events, latest = [opens_on - timedelta(days=3)], due_on
        for body in bodies:
            outcome = outcomes[((period.year, period.quarter), body.slug)]
            if outcome == "missing":
                continue
            last = self._file(period, body, outcome, index, is_open)
            if last is not None:
                self.result.reports += 1
                latest = max(latest, last)
        if not is_open:
            services.close_period(period, self.secretariat)
            events.append(max(due_on + timedelta(days=20), latest + timedelta(days=self.rng.randint(2, 5))))
        self._date_audit("reporting_period", period.id, events, actions=("period.opened", "period.closed"))

    def _timeline(self, period: ReportingPeriod, outcome: str, is_open: bool) -> list[date]:
        """The days a report was drafted, submitted, returned, submitted again and reviewed."""
        due = period.due_on
        if is_open:  # a few days apart, between the opening and today
            span = max((self.today - period.opens_on).days // 4, 0)
            days = [period.opens_on]
            for _ in range(4):
                days.append(days[-1] + timedelta(days=self.rng.randint(0, span)))
            return days
        drafted = due - timedelta(days=self.rng.randint(8, 18))
        late, early, before_review = self.rng.randint(3, 21), self.rng.randint(0, 6), self.rng.randint(6, 14)
        submitted = {"late": due + timedelta(days=late), "returned": due - timedelta(days=before_review)}.get(
            outcome, due - timedelta(days=early))  # a report sent back is sent again around its due date
        drafted = min(drafted, submitted - timedelta(days=self.rng.randint(1, 4)))
        returned = submitted + timedelta(days=self.rng.randint(2, 5))
        again = returned + timedelta(days=self.rng.randint(2, 6))
        reviewed = (again if outcome == "returned" else submitted) + timedelta(days=self.rng.randint(2, 10))
        return [drafted, submitted, returned, again, reviewed]

    def _file(self, period: ReportingPeriod, body: Body, outcome: str, index: int, is_open: bool) -> date | None:
        """One body's report for a period, through the states the outcome calls for; the day of its last step."""
        activities = services.reportable_activities(body)
        if not activities:
            return None
        filer = self._filer(body)
        drafted, submitted, returned, again, reviewed = self._timeline(period, outcome, is_open)
        updates = {a.id: self._update(body, a, period, index) for a in activities}
        summary = self._summary(body, period, activities, updates)
        report = services.save_report(body, period, filer, 0, summary, updates)
        report.demo = True
        report.created_at = report.updated_at = self.clock.at(drafted)
        events = [report.updated_at]
        if outcome == "draft":
            db.session.commit()
            self._date_audit("group_report", report.id, events)
            return drafted
        services.submit_report(report, filer)
        report.submitted_at = self.clock.at(submitted)
        events.append(report.submitted_at)
        db.session.commit()
        if outcome in ("returned", "returned_open"):
            services.return_report(report, self.secretariat, self._return_note(report))
            report.reviewed_at = self.clock.at(returned)
            events.append(report.reviewed_at)
            db.session.commit()
            if outcome == "returned_open":
                self._date_audit("group_report", report.id, events)
                return returned
            services.save_report(body, period, filer, report.version,
                                 summary + " Revised after the secretariat's note.", self._revised(report))
            report.updated_at = self.clock.at(again)
            services.submit_report(report, filer)
            report.submitted_at = report.updated_at
            events += [report.updated_at, report.submitted_at]
            db.session.commit()
        if outcome == "submitted":
            self._date_audit("group_report", report.id, events)
            return submitted
        services.accept_report(report, self.secretariat)
        report.reviewed_at = self.clock.at(reviewed)
        events.append(report.reviewed_at)
        db.session.commit()
        self._date_audit("group_report", report.id, events)
        return reviewed

    def _update(self, body: Body, activity: Activity, period: ReportingPeriod, index: int) -> UpdateData:
        """A plausible update: for an activity the body is accountable for, its status and the next step of its
        story (with challenges when in trouble); for one it is only responsible for, a note and no status."""
        code = activity.code
        writer = self.writers.get(code) or self.writers.setdefault(code, Writer(code))
        # Next steps name the coming quarter, so that they are new text each quarter, as a group would write them.
        year, quarter = (period.year + 1, 1) if period.quarter == 4 else (period.year, period.quarter + 1)
        following = f"Next quarter ({year}-Q{quarter})"
        links = (f"https://example.org/demo/{body.slug}/{period.code}/{code}" if self.rng.random() < 0.5 else "")
        if activity.accountable_body_id != body.id:
            turn = self.turn_of.get((body.slug, code), 0)
            self.turn_of[(body.slug, code)] = turn + 1
            done, todo = writer.contribution(turn)
            return UpdateData(achievements=f"{done} {following}: {todo}.")  # a contribution is one note
        path = self.paths.get(code) or [("on_track", 50)] * len(self.quarters)
        status, progress = path[index]
        story = self.stories.get(code) or writer.story(len(self.quarters) + 1)
        if status == "planned":
            return UpdateData(status=status, progress_pct=0, no_progress=True,
                              challenges=writer.not_started() if index else "",
                              next_steps=f"{following}: {story[0][1]}.")
        position = min(self.step_of.get(code, 0), len(story) - 2)
        self.step_of[code] = position + 1
        trouble = status in ("at_risk", "delayed")
        completed = status == "completed"
        return UpdateData(
            status=status,
            progress_pct=progress,
            achievements=writer.completed() if completed else story[position][0],
            challenges=writer.challenge() if trouble else self.rng.choice(MINOR_CHALLENGES),
            next_steps="None: the activity is completed." if completed else f"{following}: {story[position + 1][1]}.",
            support_needed=writer.support() if trouble else "",
            evidence_links=links,
        )

    def _summary(self, body: Body, period: ReportingPeriod, activities: list[Activity],
                 updates: dict[int, UpdateData]) -> str:
        """The report's summary, labelled as demo data, saying who filed it for whom."""
        own = [updates[a.id] for a in activities if a.accountable_body_id == body.id]
        notes = len(activities) - len(own)
        parts = []
        if own:
            counts = {s: sum(1 for u in own if u.status == s) for s in ("on_track", "completed", "planned")}
            trouble = sum(1 for u in own if u.status in ("at_risk", "delayed"))
            parts.append(f"{counts['on_track']} of {len(own)} {'activity' if len(own) == 1 else 'activities'} "
                         "on track")
            if trouble:
                parts.append(f"{trouble} at risk or delayed (support requested from the SAG)")
            if counts["completed"]:
                parts.append(f"{counts['completed']} completed")
            if counts["planned"]:
                parts.append(f"{counts['planned']} not started yet")
        if notes:
            parts.append(f"contribution notes on {notes} {'activity' if notes == 1 else 'activities'} "
                         "that other bodies are accountable for")
        name = pick(body.short_name or body.name, "en")
        glm = ""
        if period.glm and period.glm_name:  # the open quarter's reports are not presented yet
            glm = f" {'For' if period.ends_on >= self.today else 'Presented at'} the {period.glm_name}."
        filed, full_name = "", pick(body.name, "en")
        if body.reported_by_secretariat:
            filed = f" Filed by the secretariat on behalf of the {full_name}."
        elif body.focal_point is not None:
            filed = f" Filed by the reporting focal point of the {full_name}."
        return f"{DEMO_LABEL} Demo data, not a real report. {name}, {period.code}: " + ", ".join(parts) + "." + \
            glm + filed

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
    """Fill the demo reports from 2024-Q1 to today's quarter (once); return what was created."""
    return _Generator(today).run()
