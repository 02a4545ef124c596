"""Dashboard data: the plan's statuses, reporting compliance and risks as pandas DataFrames, from aggregated SQL.

Every status comes from the one status table, `activity_status` (sip.reporting.statuses: one row per activity for
each quarter in which it is in the plan, written when a report is accepted or the plan changes); nothing here
works a status out another way. An activity is in a quarter's picture when it has a row for that quarter: a
retired activity until its retirement, an added one from the quarter it was added in.

Every function runs a constant, small number of queries whatever the size of the data (none per row). Model
objects given as arguments are read by their identity only, so an object expired by a commit costs no query.
Labels in the frames are codes and slugs; the charts translate them. Bilingual text comes as `*_fr` / `*_en`
columns, each falling back to the other language when it is missing; missing text is "".
"""
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd
from sqlalchemy import func, inspect, select

from sip.bodies.models import Body
from sip.dashboards.colours import STATUS_ORDER
from sip.extensions import db
from sip.plan.models import Activity, Outcome, Output, Pillar, Responsibility, Strategy
from sip.reporting.delivery import delivery_state
from sip.reporting.models import ActivityStatus, ActivityUpdate, GroupReport, ReportingPeriod
from sip.reporting.queries import reporting_bodies
from sip.reporting.statuses import as_of_query

RISK_STATUSES = ("at_risk", "delayed")
CHANGES = ("completed", "new_risk", "status_change")
LEVELS = ("pillar", "outcome", "output", "activity")

STATUS_COLUMNS = ["code", "activity_id", "pillar", "outcome", "output", "text_fr", "text_en", "status", "position"]
BODY_ACTIVITY_COLUMNS = STATUS_COLUMNS + ["accountable"]
COUNT_COLUMNS = ["pillar", "status", "count"]
OVER_TIME_COLUMNS = ["period", "status", "count"]
COMPLIANCE_COLUMNS = ["body", "body_name_fr", "body_name_en", "period", "state"]
RECORD_COLUMNS = ["period", "state"]
AT_RISK_COLUMNS = ["code", "text_fr", "text_en", "status", "bodies", "challenges", "support_needed", "period"]
TREE_COLUMNS = ["id", "parent", "label", "level", "status"]
CHANGE_COLUMNS = ["code", "text_fr", "text_en", "before", "after", "change"]
SUMMARY_COLUMNS = ["body", "body_name_fr", "body_name_en", "summary", "submitted_at"]


# --- helpers ------------------------------------------------------------------------------------


def _key(obj) -> int | None:
    """The primary key of a model object (or an id as given), read without a query even when expired."""
    if obj is None or isinstance(obj, int):
        return obj
    state = inspect(obj)
    if state.identity:
        return state.identity[0]
    return obj.id


def _text(text: dict | None, lang: str) -> str:
    """Bilingual text in `lang`, falling back to the other language, "" when there is none."""
    if not text:
        return ""
    other = "en" if lang == "fr" else "fr"
    return text.get(lang) or text.get(other) or ""


def _code(rank: int | None) -> str:
    """The period code of a rank (20263 → "2026-Q3"); "" for none."""
    if rank is None or pd.isna(rank):
        return ""
    rank = int(rank)
    return f"{rank // 10}-Q{rank % 10}"


def _rank(period) -> object:
    """SQL expression ordering periods in time (2026-Q4 → 20264)."""
    return period.year * 10 + period.quarter


def _sql_text(lang: str):
    """SQL: an activity's text in `lang`, falling back to the other language, "" when there is none (read by the
    database: decoding thousands of JSON documents in Python cost a large plan's dashboard a fifth of its time)."""
    other = "en" if lang == "fr" else "fr"
    return func.coalesce(func.nullif(Activity.text[lang].as_string(), ""), Activity.text[other].as_string(), "")


def _empty(columns: list[str]) -> pd.DataFrame:
    """A frame with these columns and no row."""
    return pd.DataFrame({column: [] for column in columns})


def _utc(moment: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite gives naive UTC times, PostgreSQL aware ones)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


# --- statuses as of periods ---------------------------------------------------------------------


def _scope(strategy_id: int | None, pillar: int | None = None, body_slug: str | None = None,
           body_id: int | None = None) -> list:
    """SQL conditions on Activity: of the strategy, of a pillar, of a body it is responsible for (by slug or id).
    Whether an activity is in the plan at a quarter is the status table's business (it has a row or not)."""
    conditions = []
    if strategy_id is not None:
        conditions.append(Activity.strategy_id == strategy_id)
    if pillar is not None:
        in_pillar = (select(Output.id).join(Outcome, Output.outcome_id == Outcome.id)
                     .join(Pillar, Outcome.pillar_id == Pillar.id).where(Pillar.number == pillar))
        conditions.append(Activity.output_id.in_(in_pillar))
    if body_slug is not None:
        of_body = (select(Responsibility.activity_id).join(Body, Responsibility.body_id == Body.id)
                   .where(Body.slug == body_slug))
        conditions.append(Activity.id.in_(of_body))
    if body_id is not None:
        conditions.append(Activity.id.in_(select(Responsibility.activity_id).where(Responsibility.body_id == body_id)))
    return conditions


def _statuses(period_ids: list[int], scope: list, texts: bool = False, accountable: int | None = None) -> pd.DataFrame:
    """The status table's rows of these quarters for the activities in scope, with each activity's place in the
    plan, in plan order (one query).

    Columns: those of activity_statuses, then period_id, plan_status (what the plan says), update_rank (the quarter
    of the update that set the status, 0 for none) and, with `texts`, the challenges and support_needed of that
    update ("" for none); with `accountable` (a body id), whether that body is the activity's accountable one.
    """
    rows = as_of_query(period_ids).subquery("as_of")
    columns = [Activity.id, Activity.code, _sql_text("fr"), Activity.position, Activity.plan_status,
               Activity.accountable_body_id, Pillar.number, Outcome.code, Output.code, rows.c.period_id,
               rows.c.status, rows.c.update_rank]
    query = (
        select(*columns)
        .join(rows, rows.c.activity_id == Activity.id)
        .join(Output, Activity.output_id == Output.id)
        .join(Outcome, Output.outcome_id == Outcome.id)
        .join(Pillar, Outcome.pillar_id == Pillar.id)
        .where(*scope)
        .order_by(Pillar.number, Outcome.position, Output.position, Activity.position, Activity.id, rows.c.period_id)
    )
    if texts:
        query = (query.add_columns(ActivityUpdate.challenges, ActivityUpdate.support_needed)
                 .outerjoin(ActivityUpdate, ActivityUpdate.id == rows.c.update_id))
    found = db.session.execute(query.add_columns(_sql_text("en"))).all()
    frame = pd.DataFrame({
        "code": [r[1] for r in found],
        "activity_id": np.array([r[0] for r in found], dtype="int64"),
        "pillar": np.array([r[6] for r in found], dtype="int64"),
        "outcome": [r[7] for r in found],
        "output": [r[8] for r in found],
        "text_fr": [r[2] for r in found],
        "text_en": [r[-1] for r in found],
        "status": [r[10] for r in found],
        "position": np.array([r[3] for r in found], dtype="int64"),
        "period_id": np.array([r[9] for r in found], dtype="int64"),
        "plan_status": [r[4] for r in found],
        "update_rank": np.array([int(r[11] or 0) for r in found], dtype="int64"),
    })
    if texts:
        frame["challenges"] = [r[12] or "" for r in found]
        frame["support_needed"] = [r[13] or "" for r in found]
    if accountable is not None:
        frame["accountable"] = np.array([r[5] == accountable for r in found], dtype="bool")
    return frame


def activity_statuses(strategy: Strategy, period: ReportingPeriod, pillar: int | None = None,
                      body: str | None = None, texts: bool = False) -> pd.DataFrame:
    """Every activity in the plan at the period (optionally of one pillar, or of one body by slug) with its status
    as of the period, from the status table.

    Columns: code, activity_id, pillar, outcome, output, text_fr, text_en, status, position; in plan order. With
    `texts`, also the challenges and support_needed of the update that set the status and its quarter's rank
    (update_rank, 0 when the status is the plan's): what `at_risk` needs, so one read serves both. One query.
    """
    scope = _scope(_key(strategy), pillar=pillar, body_slug=body)
    columns = STATUS_COLUMNS + (["challenges", "support_needed", "update_rank"] if texts else [])
    return _statuses([_key(period)], scope, texts=texts)[columns].reset_index(drop=True)


def body_activities(body: Body, period: ReportingPeriod) -> pd.DataFrame:
    """The activities a body is responsible for, with their status as of the period: activity_statuses' columns
    and `accountable` (True for those whose status the body's own report sets). One query."""
    body_id = _key(body)
    return _statuses([_key(period)], _scope(None, body_id=body_id), accountable=body_id)[BODY_ACTIVITY_COLUMNS]


def status_counts(statuses_df: pd.DataFrame) -> pd.DataFrame:
    """How many activities are in each status, per pillar: every (pillar, status) pair, 0 where none.

    Columns: pillar, status, count; pillars in order, statuses in the order of STATUSES. No query.
    """
    pillars = sorted(int(p) for p in statuses_df["pillar"].unique())
    grid = pd.MultiIndex.from_product([pillars, list(STATUS_ORDER)], names=["pillar", "status"])
    counts = (statuses_df.groupby(["pillar", "status"]).size()
              .reindex(grid, fill_value=0).rename("count").reset_index())
    counts["pillar"] = counts["pillar"].astype("int64")
    counts["count"] = counts["count"].astype("int64")
    return counts[COUNT_COLUMNS]


def status_over_time(strategy: Strategy, periods: list[ReportingPeriod], pillar: int | None = None,
                     body: str | None = None) -> pd.DataFrame:
    """How many activities were in each status as of each period: every (period, status) pair, 0 where none.

    Columns: period ("2026-Q3"), status, count; periods in time order, statuses in the order of STATUSES. Each
    quarter sums to the activities in the plan (and the filters) at that quarter. Two queries: the periods, then
    the status table's rows counted by quarter and status.
    """
    period_ids = [_key(p) for p in periods]
    if not period_ids:
        return _empty(OVER_TIME_COLUMNS)
    known = db.session.execute(
        select(ReportingPeriod.id, ReportingPeriod.year, ReportingPeriod.quarter)
        .where(ReportingPeriod.id.in_(period_ids)).order_by(_rank(ReportingPeriod))
    ).all()
    scope = _scope(_key(strategy), pillar=pillar, body_slug=body)
    counted = db.session.execute(
        select(ActivityStatus.period_id, ActivityStatus.status, func.count())
        .join(Activity, ActivityStatus.activity_id == Activity.id)
        .where(ActivityStatus.period_id.in_(period_ids), *scope)
        .group_by(ActivityStatus.period_id, ActivityStatus.status)
    ).all()
    counts = {(period_id, status): count for period_id, status, count in counted}
    cells = [(f"{year}-Q{quarter}", status, int(counts.get((period_id, status), 0)))
             for period_id, year, quarter in known for status in STATUS_ORDER]
    return pd.DataFrame({
        "period": [code for code, _, _ in cells],
        "status": [status for _, status, _ in cells],
        "count": np.array([count for _, _, count in cells], dtype="int64"),
    })


def at_risk(strategy: Strategy, period: ReportingPeriod, statuses: pd.DataFrame | None = None) -> pd.DataFrame:
    """The activities at risk or delayed as of the period, with the challenges and support given by the update that
    set their status.

    Columns: code, text_fr, text_en, status, bodies (slugs, comma-separated), challenges, support_needed, period
    (the quarter of that update; "" when the status comes from the plan, not from a report). Plan order.
    Given `statuses` from activity_statuses(..., texts=True) (perhaps filtered by pillar or body), the list is
    drawn from them with one query; otherwise from the whole plan with two.
    """
    frame = statuses if statuses is not None else _statuses([_key(period)], _scope(_key(strategy)), texts=True)
    frame = frame[frame["status"].isin(RISK_STATUSES)]
    if frame.empty:
        return _empty(AT_RISK_COLUMNS)
    slugs: dict[int, list[str]] = {}
    for activity_id, slug in db.session.execute(
        select(Responsibility.activity_id, Body.slug).join(Body, Responsibility.body_id == Body.id)
        .where(Responsibility.activity_id.in_([int(a) for a in frame["activity_id"]]))
        .order_by(Responsibility.activity_id, Responsibility.position, Responsibility.id)
    ):
        if slug not in slugs.setdefault(activity_id, []):
            slugs[activity_id].append(slug)
    frame = frame.assign(bodies=[",".join(slugs.get(int(a), [])) for a in frame["activity_id"]],
                         period=[_code(rank or None) for rank in frame["update_rank"]])
    return frame[AT_RISK_COLUMNS].reset_index(drop=True)


def changes_between(strategy: Strategy, period: ReportingPeriod,
                    previous_period: ReportingPeriod | None) -> pd.DataFrame:
    """What changed since the previous period (the last GLM): the activities whose status differs.

    Columns: code, text_fr, text_en, before, after, change ("completed"; "new_risk" when it became at risk or
    delayed; "status_change" otherwise). Plan order. "Before" is the status as of the previous period; for an
    activity not in the plan then (added since), or without a previous period, what the plan says. One query.
    """
    now_id, before_id = _key(period), _key(previous_period)
    frame = _statuses([now_id] if before_id is None else [now_id, before_id], _scope(_key(strategy)))
    after = frame[frame["period_id"] == now_id].set_index("activity_id")
    before = frame[frame["period_id"] == before_id].set_index("activity_id")["status"]
    changed = after.assign(before=before.reindex(after.index).fillna(after["plan_status"]), after=after["status"])
    changed = changed[changed["before"] != changed["after"]]
    if changed.empty:
        return _empty(CHANGE_COLUMNS)
    risky_now = changed["after"].isin(RISK_STATUSES)
    risky_before = changed["before"].isin(RISK_STATUSES)
    changed["change"] = "status_change"
    changed.loc[risky_now & ~risky_before, "change"] = "new_risk"
    changed.loc[changed["after"] == "completed", "change"] = "completed"
    return changed.reset_index()[CHANGE_COLUMNS].reset_index(drop=True)


# --- the plan as one picture --------------------------------------------------------------------


def dominant_status(counts: dict[str, int]) -> str:
    """The status most activities are in; a tie goes to the status that comes first in STATUS_ORDER."""
    return max(STATUS_ORDER, key=lambda status: (counts.get(status, 0), -STATUS_ORDER.index(status)))


def plan_tree(statuses_df: pd.DataFrame, strategy: Strategy, depth: str = "activity") -> pd.DataFrame:
    """The plan as a tree for a sunburst: pillars, outcomes, outputs and activities of the given statuses.

    Columns: id, parent ("" for pillars), label ("P1", "1.1", "1.1.1", "1.1.1.1"), level (pillar | outcome |
    output | activity), status (activities only; "" above them). Ids are prefixed by level ("pillar:1",
    "outcome:2.2", "output:2.3.3", "activity:2.3.2.1"), and qualified by their parent when a code repeats at a
    level, so they are unique even where the printed codes are not. Only the branches that lead to one of the
    given activities appear, in plan order. One query (the plan's order).

    With depth="output" (a plan too large to draw activity by activity) the outputs are the leaves: each has the
    status most of its activities are in (`dominant_status`) and a further column, counts: {status: activities}.
    """
    if depth not in ("activity", "output"):
        raise ValueError(depth)
    if statuses_df.empty:
        return _empty(TREE_COLUMNS + (["counts"] if depth == "output" else []))
    order = db.session.execute(
        select(Pillar.number, Outcome.code, Output.code, Outcome.position, Output.position)
        .join(Outcome, Outcome.pillar_id == Pillar.id)
        .join(Output, Output.outcome_id == Outcome.id)
        .where(Pillar.strategy_id == _key(strategy))
    ).all()
    place = {(int(p), o, u): (op, up) for p, o, u, op, up in order}
    activities = statuses_df.drop_duplicates("activity_id")
    # Plain lists: iterating pandas' string columns row by row cost a large plan's picture most of its time.
    rows = list(zip(activities["pillar"].tolist(), activities["outcome"].tolist(), activities["output"].tolist(),
                    activities["position"].tolist(), activities["code"].tolist(), activities["status"].tolist(),
                    strict=True))
    far = (float("inf"), float("inf"))
    rows.sort(key=lambda r: (int(r[0]), place.get((int(r[0]), r[1], r[2]), far), r[3], r[4]))  # stable: plan order

    nodes: dict[tuple, dict] = {}  # path → node, in insertion (plan) order

    def add(path: tuple, level: str, label: str, status: str = "") -> None:
        if path not in nodes:
            nodes[path] = {"path": path, "level": level, "label": label, "status": status}

    for number, outcome_code, output_code, _, code, status in rows:
        pillar = ("pillar", int(number))
        outcome = pillar + (outcome_code,)
        output = outcome + (output_code,)
        add(pillar, "pillar", f"P{int(number)}")
        add(outcome, "outcome", outcome_code)
        add(output, "output", output_code)
        if depth == "activity":
            add(output + (code,), "activity", code, status)
        else:
            counts = nodes[output].setdefault("counts", {})
            counts[status] = counts.get(status, 0) + 1

    ids = _tree_ids(list(nodes.values()))
    tree = pd.DataFrame({
        "id": [ids[n["path"]] for n in nodes.values()],
        "parent": [ids.get(n["path"][:-1], "") for n in nodes.values()],
        "label": [n["label"] for n in nodes.values()],
        "level": [n["level"] for n in nodes.values()],
        "status": [dominant_status(n["counts"]) if "counts" in n else n["status"] for n in nodes.values()],
    })
    if depth == "output":
        tree["counts"] = [n.get("counts", {}) for n in nodes.values()]
    return tree


def _tree_ids(nodes: list[dict]) -> dict[tuple, str]:
    """Ids "level:code" for the tree's nodes, qualified by the parent's code where a code repeats at a level."""
    ids: dict[tuple, str] = {}
    seen: dict[str, int] = {}
    for node in nodes:
        plain = f"{node['level']}:{node['path'][-1]}"
        seen[plain] = seen.get(plain, 0) + 1
    for node in nodes:  # parents come first, so a parent's id is known when its children are named
        path = node["path"]
        plain = f"{node['level']}:{path[-1]}"
        if seen[plain] > 1 and len(path) > 2:
            parent = ids[path[:-1]].split(":", 1)[1]
            plain = f"{node['level']}:{parent}/{path[-1]}"
        ids[path] = plain
    return ids


# --- reporting compliance -----------------------------------------------------------------------


def _reporting_bodies(today: date) -> list[tuple[int, str, dict]]:
    """The bodies that report, in the order the reports pages list them: (id, slug, name). One query.

    sip.reporting.queries.reporting_bodies decides who reports (every active body accountable or responsible for an
    open activity, the working groups and the SAG): the dashboards never keep a list of their own.
    """
    return [(body.id, body.slug, body.name) for body in reporting_bodies(today)]


def _reporting(period_ids: list[int], today: date, bodies: list[tuple[int, str, dict]]) -> pd.DataFrame:
    """Bodies × periods (both in the order given, periods in time order) with the delivery state of each body's
    report (one query)."""
    periods = db.session.execute(
        select(ReportingPeriod.id, ReportingPeriod.year, ReportingPeriod.quarter, ReportingPeriod.state,
               ReportingPeriod.due_on).where(ReportingPeriod.id.in_(period_ids)).order_by(_rank(ReportingPeriod))
    ).all() if bodies else []
    reports = {}
    if periods:
        reports = {(body_id, period_id): (state, submitted_at) for body_id, period_id, state, submitted_at in
                   db.session.execute(
                       select(GroupReport.body_id, GroupReport.period_id, GroupReport.state, GroupReport.submitted_at)
                       .where(GroupReport.period_id.in_(period_ids),
                              GroupReport.body_id.in_([body_id for body_id, _, _ in bodies])))}
    cells = []
    for body_id, slug, name in bodies:
        for period_id, year, quarter, period_state, due_on in periods:
            report_state, submitted_at = reports.get((body_id, period_id), (None, None))
            cells.append((slug, name, f"{year}-Q{quarter}",
                          delivery_state(period_state, due_on, report_state, submitted_at, today)))
    return pd.DataFrame({
        "body": [slug for slug, _, _, _ in cells],
        "body_name_fr": [_text(name, "fr") or slug for slug, name, _, _ in cells],
        "body_name_en": [_text(name, "en") or slug for slug, name, _, _ in cells],
        "period": [code for _, _, code, _ in cells],
        "state": [state for *_, state in cells],
    }, columns=COMPLIANCE_COLUMNS)


def compliance(strategy: Strategy, periods: list[ReportingPeriod], today: date) -> pd.DataFrame:
    """Which reporting bodies delivered their report on time, late or not at all, for each period.

    Columns: body (slug), body_name_fr, body_name_en, period ("2026-Q3"), state (one of
    sip.reporting.delivery.DELIVERY_STATES). Every reporting body (in the order of the reports pages) × the
    periods in time order. Three queries: the bodies, the periods and their reports.
    """
    period_ids = [_key(p) for p in periods]
    if not period_ids:
        return _empty(COMPLIANCE_COLUMNS)
    return _reporting(period_ids, today, _reporting_bodies(today))


def body_record(body: Body, periods: list[ReportingPeriod], today: date) -> pd.DataFrame:
    """One body's reporting record: for each period (time order), the delivery state of its report. Two queries."""
    period_ids = [_key(p) for p in periods]
    if not period_ids:
        return _empty(RECORD_COLUMNS)
    return _reporting(period_ids, today, [(_key(body), "", {})])[RECORD_COLUMNS]


def group_summaries(strategy: Strategy, period: ReportingPeriod) -> pd.DataFrame:
    """Each group's summary in its accepted report of the period (working groups first, then the SAG).

    Columns: body (slug), body_name_fr, body_name_en, summary, submitted_at (an aware UTC datetime, or None).
    One query.
    """
    rows = db.session.execute(
        select(Body.slug, Body.name, GroupReport.summary, GroupReport.submitted_at)
        .join(Body, GroupReport.body_id == Body.id)
        .join(ReportingPeriod, GroupReport.period_id == ReportingPeriod.id)
        .where(GroupReport.period_id == _key(period), GroupReport.state == "accepted",
               ReportingPeriod.strategy_id == _key(strategy))
        .order_by(Body.kind.desc(), Body.slug)
    ).all()
    return pd.DataFrame({
        "body": [slug for slug, *_ in rows],
        "body_name_fr": [_text(name, "fr") or slug for slug, name, *_ in rows],
        "body_name_en": [_text(name, "en") or slug for slug, name, *_ in rows],
        "summary": [summary or "" for _, _, summary, _ in rows],
        "submitted_at": pd.Series([_utc(at) for *_, at in rows], dtype="object"),
    }, columns=SUMMARY_COLUMNS)
