"""A closed strategy is read-only: every row that belongs to it is refused at flush, whatever route tried to write it.

Each domain names its rows that belong to a strategy (`owned`) and how to find which strategy an id belongs to
(`resolver`). One listener checks every flush, so no route, command or service can forget the rule. The only writes
let through are the closing itself (`closing()`), which sets the state and the secretariat's notes, and the closing
notes of a strategy already closed. Statements that write many rows at once (update(), delete(), insert() of rows)
are checked as they run. Plain SQL text is not: nothing in the app writes a strategy's rows that way.
"""
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session

from sip.plan.models import Strategy

# class -> (kind of parent, attribute holding the parent's id, relationship to the parent)
_OWNED: dict[type, tuple[str, str, str | None]] = {}
# kind -> function(ids) -> {id: strategy_id}
_RESOLVERS: dict[str, Callable[[Session, set[int]], dict[int, int]]] = {}
_closing: ContextVar[bool] = ContextVar("sip_closing_strategy", default=False)


class ClosedStrategyError(Exception):
    """A write to a strategy that is closed."""

    def __init__(self, strategy: Strategy):
        """Say which strategy, in the reader's language."""
        super().__init__(_("The %(years)s strategy is closed: its plan, reports and amendments can no longer be "
                           "changed.", years=strategy.years))
        self.strategy = strategy


def owned(cls: type, kind: str, id_attribute: str, relationship: str | None = None) -> None:
    """Declare that rows of `cls` belong to the strategy of their `kind` parent (its id in `id_attribute`)."""
    _OWNED[cls] = (kind, id_attribute, relationship)


def resolver(kind: str, resolve: Callable[[Session, set[int]], dict[int, int]]) -> None:
    """Declare how to find the strategy of parents of this kind, for a set of their ids at once."""
    _RESOLVERS[kind] = resolve


def by_column(model, column) -> Callable[[Session, set[int]], dict[int, int]]:
    """A resolver reading the strategy id from one column of the parent's table."""
    def resolve(session: Session, ids: set[int]) -> dict[int, int]:
        return dict(session.execute(select(model.id, column).where(model.id.in_(ids))).all())
    return resolve


@contextmanager
def closing():
    """Let the closing of a strategy write its own state, notes and last records."""
    token = _closing.set(True)
    try:
        yield
    finally:
        _closing.reset(token)


def _parent(obj) -> tuple[str, int] | None:
    """(kind, id) of the row's parent, from its foreign key or its relationship; None for a parent not yet saved."""
    kind, attribute, relationship = _OWNED[type(obj)]
    value = getattr(obj, attribute, None)
    if value is None and relationship:
        parent = getattr(obj, relationship, None)
        value = getattr(parent, "id", None)
    return (kind, value) if value is not None else None


def _closed_ids(session: Session) -> set[int]:
    """The ids of the closed strategies (one query)."""
    return set(session.scalars(select(Strategy.id).where(Strategy.state == "closed")))


def _refuse_if_closed(session: Session, wanted: dict[str, set[int]], closed: set[int]) -> None:
    """Raise ClosedStrategyError when any of these parents, by kind, belongs to a closed strategy."""
    for kind, ids in wanted.items():
        strategy_ids = set(ids) if kind == "strategy" else set(_RESOLVERS[kind](session, ids).values())
        hit = strategy_ids & closed
        if hit:
            raise ClosedStrategyError(session.get(Strategy, min(hit)))


def _strategy_row_changed(obj) -> bool:
    """True when a strategy that was closed is changed (beyond its closing notes) or deleted."""
    state = inspect(obj)
    was = state.attrs.state.history
    before = (was.deleted or was.unchanged or [None])[0]
    if before is None:  # not loaded (expired since the last commit): as the database has it
        with state.session.no_autoflush:
            before = state.session.scalar(select(Strategy.state).where(Strategy.id == obj.id))
    if before != "closed":
        return False
    if obj in state.session.deleted:
        return True
    return any(attr.history.has_changes() for attr in state.attrs if attr.key != "closing_notes")


def _refuse_writes_to_closed(session: Session, flush_context, instances) -> None:
    """before_flush: refuse any new, changed or deleted row of a closed strategy, and any change to a closed
    strategy itself but its closing notes."""
    if _closing.get():
        return
    wanted: dict[str, set[int]] = {}
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Strategy) and obj not in session.new and _strategy_row_changed(obj):
            raise ClosedStrategyError(obj)
        if type(obj) not in _OWNED or (obj in session.dirty and not session.is_modified(obj)):
            continue
        for parent in _parents(obj):
            wanted.setdefault(parent[0], set()).add(parent[1])
    if not wanted:
        return
    with session.no_autoflush:
        closed = _closed_ids(session)
        if closed:
            _refuse_if_closed(session, wanted, closed)


def _parents(obj) -> list[tuple[str, int]]:
    """The row's parent now and, for a changed row, the one it had (moving a row out of a closed strategy is a
    change to that strategy too)."""
    found = [parent] if (parent := _parent(obj)) else []
    kind, attribute, _relationship = _OWNED[type(obj)]
    history = inspect(obj).attrs[attribute].history
    found += [(kind, value) for value in history.deleted or () if value is not None]
    return found


def _owned_class(table) -> type | None:
    """The owned class mapped to this table (a statement holds an annotated copy of it: compare names), if any."""
    name = getattr(table, "name", None)
    return next((cls for cls in _OWNED if getattr(getattr(cls, "__table__", None), "name", "") == name), None)


def _refuse_bulk_writes_to_closed(execute_state: ORMExecuteState) -> None:
    """do_orm_execute: the same rule for statements that write many rows at once (update(), delete(), insert()
    with rows), which never pass through a flush: the rows they touch are read first when a strategy is closed."""
    if _closing.get() or not (execute_state.is_update or execute_state.is_delete or execute_state.is_insert):
        return
    statement = execute_state.statement
    cls = _owned_class(getattr(statement, "table", None))
    if cls is None:
        return
    session = execute_state.session
    with session.no_autoflush:
        closed = _closed_ids(session)
        if not closed:
            return
        kind, attribute, _relationship = _OWNED[cls]
        column = getattr(cls, attribute)
        if execute_state.is_insert:
            rows = execute_state.parameters
            rows = rows if isinstance(rows, (list, tuple)) else [rows or {}]
            parents = {row.get(attribute) for row in rows if isinstance(row, dict)}
        else:
            where = statement.whereclause
            query = select(column).distinct() if where is None else select(column).where(where).distinct()
            parents = set(session.scalars(query))
        parents.discard(None)
        if parents:
            _refuse_if_closed(session, {kind: parents}, closed)


def install() -> None:
    """Listen to every session's flushes and bulk statements (once)."""
    if not event.contains(Session, "before_flush", _refuse_writes_to_closed):
        event.listen(Session, "before_flush", _refuse_writes_to_closed)
    if not event.contains(Session, "do_orm_execute", _refuse_bulk_writes_to_closed):
        event.listen(Session, "do_orm_execute", _refuse_bulk_writes_to_closed)
