"""Dashboard data: the plan's statuses, reporting compliance and risks as pandas DataFrames, from aggregated SQL.

Only accepted updates count: drafts, submitted and returned reports never reach a dashboard. An activity's
status as of a period P is the status of its latest accepted update from a period ≤ P (when two bodies' accepted
updates of the same quarter disagree, the one accepted last wins, as it did for `Activity.status`). Without an
accepted update ≤ P, it is the activity's current status when it has never had an accepted update (the seed's
status, e.g. "completed"), otherwise "planned" (the status every reported activity had before its first report).
Retired activities are left out.

Every function runs a constant, small number of queries whatever the size of the data (none per row). Model
objects given as arguments are read by their identity only, so an object expired by a commit costs no query.
Labels in the frames are codes and slugs; the charts translate them. Bilingual text comes as `*_fr` / `*_en`
columns, each falling back to the other language when it is missing; missing text is "".
"""
from datetime import date, datetime, timezone

import pandas as pd
from sqlalchemy import and_, case, func, inspect, literal_column, or_, select, union_all
from sqlalchemy.orm import aliased

from sip.bodies.models import Body
from sip.dashboards.colours import COMPLIANCE_STATES, STATUS_ORDER  # noqa: F401
from sip.extensions import db
from sip.plan.models import Activity, Outcome, Output, Pillar, Responsibility, Strategy
from sip.reporting.models import ActivityUpdate, GroupReport, ReportingPeriod
from sip.reporting.queries import DELIVERED_STATES, REPORTING_KINDS

RISK_STATUSES = ("at_risk", "delayed")
CHANGES = ("completed", "new_risk", "status_change")
LEVELS = ("pillar", "outcome", "output", "activity")

STATUS_COLUMNS = ["code", "activity_id", "pillar", "outcome", "output", "text_fr", "text_en", "status", "position"]
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


def _day(moment: datetime | None) -> date | None:
    """The UTC day of a stored time."""
    return None if moment is None else _utc(moment).date()


def _has_status():
    """SQL condition: the update gives a status (an update without one changes nothing)."""
    return and_(ActivityUpdate.status.is_not(None), ActivityUpdate.status != "")


def _periods(period_ids: list[int]) -> pd.DataFrame:
    """The asked periods in time order, with code, state and due date (one query)."""
    rows = db.session.execute(
        select(ReportingPeriod.id, ReportingPeriod.year, ReportingPeriod.quarter, ReportingPeriod.state,
               ReportingPeriod.due_on)
        .where(ReportingPeriod.id.in_(period_ids))
        .order_by(_rank(ReportingPeriod))
    ).all()
    frame = pd.DataFrame(rows, columns=["period_id", "year", "quarter", "period_state", "due_on"])
    frame["period"] = [f"{y}-Q{q}" for y, q in zip(frame["year"], frame["quarter"], strict=False)]
    return frame


# --- statuses as of periods ---------------------------------------------------------------------


def _scope(strategy_id: int | None, pillar: int | None = None, body_slug: str | None = None,
           body_id: int | None = None) -> list:
    """SQL conditions on Activity: not retired, of the strategy, of a pillar, of a body (by slug or id)."""
    conditions = [Activity.retired_on.is_(None)]
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


def _within_quarter() -> tuple:
    """ORDER BY for accepted updates of one activity in one quarter: the report accepted last first (it is the
    one whose status became Activity.status), then the newest update."""
    return GroupReport.reviewed_at.desc().nulls_last(), ActivityUpdate.id.desc()


def _activities(scope: list) -> pd.DataFrame:
    """The activities in scope, in plan order, with their place in the plan and current status (one query)."""
    rows = db.session.execute(
        select(Activity.id, Activity.code, Activity.text, Activity.position, Activity.status, Pillar.number,
               Outcome.code, Output.code)
        .join(Output, Activity.output_id == Output.id)
        .join(Outcome, Output.outcome_id == Outcome.id)
        .join(Pillar, Outcome.pillar_id == Pillar.id)
        .where(*scope)
        .order_by(Pillar.number, Outcome.position, Output.position, Activity.position, Activity.id)
    ).all()
    return pd.DataFrame({
        "code": [r[1] for r in rows],
        "activity_id": pd.array([r[0] for r in rows], dtype="int64"),
        "pillar": pd.array([r[5] for r in rows], dtype="int64"),
        "outcome": [r[6] for r in rows],
        "output": [r[7] for r in rows],
        "text_fr": [_text(r[2], "fr") for r in rows],
        "text_en": [_text(r[2], "en") for r in rows],
        "current": [r[4] for r in rows],
        "position": pd.array([r[3] for r in rows], dtype="int64"),
    })


def _latest(period_ids: list[int], texts: bool = False, activity_ids: list[int] | None = None) -> pd.DataFrame:
    """For each asked period and each activity with an accepted update: the update that sets its status as of
    that period (one query).

    A window numbers each activity's accepted updates for each asked period: those of a quarter ≤ the period
    first, newest quarter first. The first one is the answer when `upto` is 1; when it is 0, the activity has
    accepted updates but only later ones, so its status was still "planned". The query reads the accepted
    updates of the periods' strategy from the reports down (period → report → update, each by an index) and
    leaves filtering by activity to pandas: given a filter on activities, SQLite and an unanalysed PostgreSQL
    chose to probe every (report, activity) pair instead, hundreds of times slower on a large plan. A short list
    of `activity_ids` (one body's activities) is the exception: read from the updates of those activities down.
    """
    asked = aliased(ReportingPeriod, name="asked")
    source = aliased(ReportingPeriod, name="source")
    upto = case((_rank(source) <= _rank(asked), 1), else_=0)
    ranked = (
        select(asked.id.label("period_id"), ActivityUpdate.activity_id.label("activity_id"),
               ActivityUpdate.id.label("update_id"), ActivityUpdate.status.label("status"),
               _rank(source).label("rank"), upto.label("upto"),
               func.row_number().over(partition_by=(asked.id, ActivityUpdate.activity_id),
                                      order_by=(upto.desc(), _rank(source).desc(), *_within_quarter())).label("n"))
        .select_from(asked)
        .join(source, source.strategy_id == asked.strategy_id)
        .join(GroupReport, GroupReport.period_id == source.id)
        .join(ActivityUpdate, ActivityUpdate.report_id == GroupReport.id)
        .where(asked.id.in_(period_ids), GroupReport.state == "accepted", _has_status(),
               *([ActivityUpdate.activity_id.in_(activity_ids)] if activity_ids is not None else []))
        .subquery("ranked")
    )
    query = select(ranked.c.period_id, ranked.c.activity_id, ranked.c.update_id, ranked.c.status, ranked.c.rank,
                   ranked.c.upto).where(ranked.c.n == 1)
    names = ["period_id", "activity_id", "update_id", "status", "rank", "upto"]
    if texts:
        query = (query.add_columns(ActivityUpdate.challenges, ActivityUpdate.support_needed)
                 .join(ActivityUpdate, ActivityUpdate.id == ranked.c.update_id))
        names += ["challenges", "support_needed"]
    latest = pd.DataFrame(db.session.execute(query).all(), columns=names)
    return latest.astype({"period_id": "int64", "activity_id": "int64", "rank": "int64", "upto": "int64"})


# Up to this many activities, `_latest` reads only their updates (a body's page); above, the whole strategy's.
FEW_ACTIVITIES = 500


def _statuses(period_ids: list[int], scope: list, texts: bool = False) -> pd.DataFrame:
    """Activities in scope × asked periods, with each one's status as of the period (two queries).

    Columns: those of activity_statuses, then period_id, current (Activity.status), reported (has it ever had
    an accepted update), update_rank (the quarter of the update that set the status, 0 for none) and, with
    `texts`, the challenges and support_needed of that update ("" for none).
    """
    activities = _activities(scope)
    few = [int(a) for a in activities["activity_id"]] if len(activities) <= FEW_ACTIVITIES else None
    latest = _latest(period_ids, texts, few) if len(activities) else _latest_empty(texts)
    frame = activities.merge(pd.DataFrame({"period_id": period_ids}), how="cross")
    frame = frame.merge(latest, on=["period_id", "activity_id"], how="left", suffixes=("", "_update"))
    applies = frame["upto"].eq(1).fillna(False).astype(bool)
    frame["reported"] = frame["update_id"].notna()
    frame["status"] = frame["status"].where(applies, frame["current"].where(~frame["reported"], "planned"))
    frame["update_rank"] = frame["rank"].where(applies, 0).fillna(0).astype("int64")
    if texts:
        for column in ("challenges", "support_needed"):
            frame[column] = frame[column].where(applies, "").fillna("").astype(str)
    return frame.drop(columns=["update_id", "rank", "upto"])


def _latest_empty(texts: bool) -> pd.DataFrame:
    """The frame `_latest` gives when there is nothing to look for."""
    names = ["period_id", "activity_id", "update_id", "status", "rank", "upto"]
    empty = _empty(names + (["challenges", "support_needed"] if texts else []))
    return empty.astype({"period_id": "int64", "activity_id": "int64", "rank": "int64", "upto": "int64"})


def activity_statuses(strategy: Strategy, period: ReportingPeriod, pillar: int | None = None,
                      body: str | None = None, texts: bool = False) -> pd.DataFrame:
    """Every activity of the plan (optionally of one pillar, or of one body by slug) with its status as of the period.

    Columns: code, activity_id, pillar, outcome, output, text_fr, text_en, status, position; in plan order. With
    `texts`, also the challenges and support_needed of the update that set the status and its quarter's rank
    (update_rank, 0 when the status is the plan's): what `at_risk` needs, so one read serves both. Two queries.
    """
    scope = _scope(_key(strategy), pillar=pillar, body_slug=body)
    columns = STATUS_COLUMNS + (["challenges", "support_needed", "update_rank"] if texts else [])
    return _statuses([_key(period)], scope, texts=texts)[columns].reset_index(drop=True)


def body_activities(body: Body, period: ReportingPeriod) -> pd.DataFrame:
    """The activities a body is responsible for, with their status as of the period (activity_statuses' columns).
    Two queries, the second reading only those activities' updates."""
    return _statuses([_key(period)], _scope(None, body_id=_key(body)))[STATUS_COLUMNS].reset_index(drop=True)


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

    Columns: period ("2026-Q3"), status, count; periods in time order, statuses in the order of STATUSES.
    Two queries: the periods, then status moves summed in SQL by quarter (every activity starts in its status
    before any report; each quarter's accepted update moves it from its previous status to the new one), so
    the work grows with the number of updates, not with activities × periods.
    """
    period_ids = [_key(p) for p in periods]
    if not period_ids:
        return _empty(OVER_TIME_COLUMNS)
    known = _periods(period_ids)
    scope = _scope(_key(strategy), pillar=pillar, body_slug=body)
    source = aliased(ReportingPeriod, name="source")
    accepted = and_(GroupReport.state == "accepted", _has_status())
    # As in `_latest`: read the strategy's accepted updates from the reports down, filter activities after.
    reduced = (
        select(ActivityUpdate.activity_id.label("activity_id"), ActivityUpdate.status.label("status"),
               _rank(source).label("rank"),
               func.row_number().over(partition_by=(ActivityUpdate.activity_id, source.id),
                                      order_by=_within_quarter()).label("n"))
        .select_from(source)
        .join(GroupReport, GroupReport.period_id == source.id)
        .join(ActivityUpdate, ActivityUpdate.report_id == GroupReport.id)
        .where(source.strategy_id == _key(strategy), accepted)
        .cte("reduced")
    )
    moves = (
        select(reduced.c.activity_id, reduced.c.rank, reduced.c.status,
               func.lag(reduced.c.status).over(partition_by=reduced.c.activity_id,
                                               order_by=reduced.c.rank).label("previous"))
        .where(reduced.c.n == 1)
        .cte("moves")
    )
    ever = (select(ActivityUpdate.id).join(GroupReport, ActivityUpdate.report_id == GroupReport.id)
            .where(ActivityUpdate.activity_id == Activity.id, accepted).correlate(Activity).exists())
    before_any = case((ever, literal_column("'planned'")), else_=Activity.status)
    in_scope = and_(Activity.id == moves.c.activity_id, *scope)
    events = union_all(
        select(literal_column("0").label("rank"), before_any.label("status"), literal_column("1").label("delta"))
        .where(*scope),
        select(moves.c.rank, moves.c.status, literal_column("1")).join(Activity, in_scope),
        select(moves.c.rank, func.coalesce(moves.c.previous, literal_column("'planned'")), literal_column("-1"))
        .join(Activity, in_scope),
    ).subquery("events")
    summed = db.session.execute(
        select(events.c.rank, events.c.status, func.sum(events.c.delta)).group_by(events.c.rank, events.c.status)
    ).all()
    deltas = pd.DataFrame(summed, columns=["rank", "status", "delta"])
    cells = []
    for year, quarter, code in zip(known["year"], known["quarter"], known["period"], strict=False):
        upto = deltas[deltas["rank"] <= year * 10 + quarter].groupby("status")["delta"].sum()
        cells += [(code, status, int(upto.get(status, 0))) for status in STATUS_ORDER]
    return pd.DataFrame({
        "period": [code for code, _, _ in cells],
        "status": [status for _, status, _ in cells],
        "count": pd.array([count for _, _, count in cells], dtype="int64"),
    })


def at_risk(strategy: Strategy, period: ReportingPeriod, statuses: pd.DataFrame | None = None) -> pd.DataFrame:
    """The activities at risk or delayed as of the period, with the challenges and support their latest update gave.

    Columns: code, text_fr, text_en, status, bodies (slugs, comma-separated), challenges, support_needed, period
    (the quarter of that update; "" when the status comes from the plan, not from a report). Plan order.
    Given `statuses` from activity_statuses(..., texts=True) (perhaps filtered by pillar or body), the list is
    drawn from them with one query; otherwise from the whole plan with three.
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
    delayed; "status_change" otherwise). Plan order. Without a previous period, "before" is the status before any
    report. Two queries.
    """
    now_id, before_id = _key(period), _key(previous_period)
    frame = _statuses([now_id] if before_id is None else [now_id, before_id], _scope(_key(strategy)))
    after = frame[frame["period_id"] == now_id].set_index("activity_id")
    if before_id is None:
        # Before any report: the plan's status for activities never reported on, "planned" for the others.
        before = after["current"].where(~after["reported"], "planned")
    else:
        before = frame[frame["period_id"] == before_id].set_index("activity_id")["status"]
    changed = after.assign(before=before.reindex(after.index), after=after["status"])
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
    activities = statuses_df.drop_duplicates("activity_id").copy()
    activities["_place"] = [place.get((int(p), o, u), (float("inf"), float("inf")))
                            for p, o, u in zip(activities["pillar"], activities["outcome"], activities["output"], strict=False)]
    activities = activities.sort_values(["pillar", "_place", "position", "code"], kind="stable")

    nodes: dict[tuple, dict] = {}  # path → node, in insertion (plan) order

    def add(path: tuple, level: str, label: str, status: str = "") -> None:
        if path not in nodes:
            nodes[path] = {"path": path, "level": level, "label": label, "status": status}

    for row in activities.itertuples(index=False):
        pillar = ("pillar", int(row.pillar))
        outcome = pillar + (row.outcome,)
        output = outcome + (row.output,)
        add(pillar, "pillar", f"P{int(row.pillar)}")
        add(outcome, "outcome", row.outcome)
        add(output, "output", row.output)
        if depth == "activity":
            add(output + (row.code,), "activity", row.code, row.status)
        else:
            counts = nodes[output].setdefault("counts", {})
            counts[row.status] = counts.get(row.status, 0) + 1

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


def _state(period_state: str, due_on: date | None, report_state: str | None, submitted_at: datetime | None,
           today: date) -> str:
    """A body's reporting for a period: on_time, late (delivered after the due date), overdue (past the due date,
    not delivered, the period still open), missing (the period closed without it), pending or not_open."""
    if period_state == "upcoming":
        return "not_open"
    if report_state in DELIVERED_STATES:
        submitted_on = _day(submitted_at)
        if due_on is None or submitted_on is None or submitted_on <= due_on:
            return "on_time"
        return "late"
    # Nothing delivered: no report, a draft, or a report returned and not submitted again.
    if period_state == "closed":
        return "missing"
    if due_on is not None and due_on < today:
        return "overdue"
    return "pending"


def _reporting(period_ids: list[int], today: date, body_id: int | None = None,
               strategy_id: int | None = None) -> pd.DataFrame:
    """Bodies × periods with each report's state and submission time (one query), and the compliance state."""
    asked = aliased(ReportingPeriod, name="asked")
    query = (
        select(Body.id.label("body_id"), Body.slug, Body.name, asked.year, asked.quarter, asked.state, asked.due_on,
               GroupReport.state.label("report_state"), GroupReport.submitted_at)
        .select_from(Body)
        .join(asked, asked.id.in_(period_ids))
        .outerjoin(GroupReport, and_(GroupReport.body_id == Body.id, GroupReport.period_id == asked.id))
    )
    if strategy_id is not None:
        query = query.where(asked.strategy_id == strategy_id)
    if body_id is None:
        query = query.where(Body.kind.in_(REPORTING_KINDS),
                            or_(Body.dissolved_on.is_(None), Body.dissolved_on > today))
    else:
        query = query.where(Body.id == body_id)
    # Working groups first, then the SAG (as the reports matrix); periods in time order.
    query = query.order_by(Body.kind.desc(), Body.slug, _rank(asked))
    rows = db.session.execute(query).mappings().all()
    return pd.DataFrame({
        "body": [r["slug"] for r in rows],
        "body_name_fr": [_text(r["name"], "fr") or r["slug"] for r in rows],
        "body_name_en": [_text(r["name"], "en") or r["slug"] for r in rows],
        "period": [f"{r['year']}-Q{r['quarter']}" for r in rows],
        "state": [_state(r["state"], r["due_on"], r["report_state"], r["submitted_at"], today) for r in rows],
    })


def compliance(strategy: Strategy, periods: list[ReportingPeriod], today: date) -> pd.DataFrame:
    """Which working groups and advisory groups reported on time, late or not at all, for each period.

    Columns: body (slug), body_name_fr, body_name_en, period ("2026-Q3"), state (on_time | late | overdue |
    missing | pending | not_open). Active reporting bodies (working groups first, then the SAG) × the periods in time
    order. A report counts as delivered once submitted or accepted, on time when submitted on or before the
    due date; a returned report is not delivered until submitted again. One query.
    """
    period_ids = [_key(p) for p in periods]
    if not period_ids:
        return _empty(COMPLIANCE_COLUMNS)
    return _reporting(period_ids, today, strategy_id=_key(strategy))[COMPLIANCE_COLUMNS]


def body_record(body: Body, periods: list[ReportingPeriod], today: date) -> pd.DataFrame:
    """One body's reporting record: for each period (time order), the compliance state. One query."""
    period_ids = [_key(p) for p in periods]
    if not period_ids:
        return _empty(RECORD_COLUMNS)
    return _reporting(period_ids, today, body_id=_key(body))[RECORD_COLUMNS]


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
