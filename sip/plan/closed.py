"""A closed strategy is read-only: every row that belongs to it is refused at flush, whatever route tried to write it.

Each domain names its rows that belong to a strategy (`owned`) and how to find which strategy an id belongs to
(`resolver`). One listener checks every flush, so no route, command or service can forget the rule. The only writes
let through are the closing itself (`closing()`), which sets the state and the secretariat's notes.
"""
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

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


def _refuse_writes_to_closed(session: Session, flush_context, instances) -> None:
    """before_flush: refuse any new, changed or deleted row of a closed strategy."""
    if _closing.get():
        return
    wanted: dict[str, set[int]] = {}
    for obj in (*session.new, *session.dirty, *session.deleted):
        if type(obj) not in _OWNED or (obj in session.dirty and not session.is_modified(obj)):
            continue
        parent = _parent(obj)
        if parent:
            wanted.setdefault(parent[0], set()).add(parent[1])
    if not wanted:
        return
    with session.no_autoflush:
        closed = set(session.scalars(select(Strategy.id).where(Strategy.state == "closed")))
        if not closed:
            return
        for kind, ids in wanted.items():
            strategy_ids = set(ids) if kind == "strategy" else set(_RESOLVERS[kind](session, ids).values())
            hit = strategy_ids & closed
            if hit:
                raise ClosedStrategyError(session.get(Strategy, min(hit)))


def install() -> None:
    """Listen to every session's flushes (once)."""
    if not event.contains(Session, "before_flush", _refuse_writes_to_closed):
        event.listen(Session, "before_flush", _refuse_writes_to_closed)
