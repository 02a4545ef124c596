"""Rendered page parts (the dashboards, the plan listing), kept in each app process until the data they show changes.

These pages show the plan and accepted reports, which change only when a report moves (saved, submitted, returned,
accepted), a period opens or closes, or the plan or its bodies change. `data_version` reads a fingerprint of
exactly that in one small query; a cached part is reused while the fingerprint, the reader's language, the day
and the view's own key (its filters) are the same. Each process keeps its own copy (nothing shared, nothing to
invalidate across servers): a change made through any app server changes the fingerprint that every server reads.
"""
from collections import OrderedDict
from datetime import date
from functools import cache
from threading import Lock

from flask import current_app
from sqlalchemy import func, select

from sip.extensions import db

# How many rendered parts a process keeps (the least recently used go first); the largest, the ×100 data set's SAG
# dashboard, is about 0.3 MB.
MAX_ENTRIES = 64


class PartCache:
    """A small thread-safe LRU mapping of keys to rendered parts."""

    def __init__(self, size: int = MAX_ENTRIES):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key):
        """The part stored under key, or None."""
        with self.lock:
            value = self.entries.get(key)
            if value is None:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key, value) -> None:
        """Store a part, dropping the least recently used beyond the size."""
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every part."""
        with self.lock:
            self.entries.clear()


def part_cache() -> PartCache:
    """This app's cache of rendered parts."""
    return current_app.extensions.setdefault("sip_rendered_parts", PartCache())


@cache
def _fingerprint_query():
    """The fingerprint's query, built once per process (building it costs more than running it)."""
    from sip.bodies.models import Body  # the domains' tables; core imports no domain at import time
    from sip.governance.models import ActivityRevision, PlanVersion
    from sip.plan.models import Activity, Responsibility
    from sip.reporting.models import GroupReport

    def scalar(*columns):
        return select(*columns).scalar_subquery()

    return select(
        scalar(func.count(GroupReport.id)), scalar(func.coalesce(func.sum(GroupReport.version), 0)),
        scalar(func.max(GroupReport.id)),
        scalar(func.count(Activity.id)), scalar(func.max(Activity.id)), scalar(func.count(Activity.retired_on)),
        scalar(func.count(Responsibility.id)), scalar(func.max(Responsibility.id)),
        scalar(func.count(Body.id)), scalar(func.count(Body.dissolved_on)),
        scalar(func.max(ActivityRevision.id)), scalar(func.max(PlanVersion.id)),
    )


def data_version() -> tuple:
    """A fingerprint of what these pages show besides the periods (one query): reports and their versions,
    activities, responsibilities, bodies, and the plan's versions and recorded revisions (every amendment applied at
    a GLM adds one, so a reworded or moved activity changes it). (The dashboards read every period anyway and add
    them to their key.)"""
    return tuple(str(value) for value in db.session.execute(_fingerprint_query()).one())


def periods_key(periods) -> tuple:
    """What of the periods a dashboard shows: their states, due dates and GLMs."""
    return tuple((p.id, p.state, p.due_on, p.glm, p.glm_name) for p in periods)


def cached_part(name: str, key: tuple, build):
    """The part `name` for this key (the view's filters, language and periods_key) and today's data, built by
    `build()` only when it is not cached."""
    full_key = (name, key, date.today().isoformat(), data_version())
    cache = part_cache()
    part = cache.get(full_key)
    if part is None:
        part = build()
        cache.put(full_key, part)
    return part
