"""Rendered page parts (the plan listing, the report pack's charts), kept in each app process until the data they
show changes.

These parts show the plan and accepted reports, which change only when a report moves (saved, submitted, returned,
accepted), a period is created, or the plan or its bodies change. `data_version` reads a fingerprint of exactly
that in one small query: each domain names what of its tables goes into it (`watch`, from its init_app), so core
imports no domain. A cached part is reused while the fingerprint, the reader's language, the day and the part's
own key (its filters) are the same. Each process keeps its own copy (nothing shared, nothing to invalidate across
servers): a change made through any app server changes the fingerprint that every server reads.
"""
from collections import OrderedDict
from datetime import date
from threading import Lock

from flask import current_app, g, has_request_context, request
from sqlalchemy import select

from sip.core.prefix import STRATEGY_KEY
from sip.extensions import db

# How many rendered parts a process keeps (the least recently used go first).
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


def watch(app, columns) -> None:
    """Add to the fingerprint what of a domain's tables the cached parts show: `columns()` gives SQL aggregates
    (a count, a maximum id, a sum of versions…), called once, when the fingerprint's query is first built."""
    app.extensions.setdefault("sip_fingerprint_columns", []).append(columns)
    app.extensions.pop("sip_fingerprint_query", None)


def _fingerprint_query():
    """The fingerprint's query, built once per app (building it costs more than running it)."""
    extensions = current_app.extensions
    if "sip_fingerprint_query" not in extensions:
        aggregates = [column for columns in extensions.get("sip_fingerprint_columns", []) for column in columns()]
        extensions["sip_fingerprint_query"] = select(*(select(a).scalar_subquery() for a in aggregates))
    return extensions["sip_fingerprint_query"]


def data_version() -> tuple:
    """A fingerprint of what the cached parts show besides the periods' states (one query), from what each domain
    watches: reports and their versions, activities, responsibilities, bodies, the plan's versions and recorded
    revisions (every amendment applied at a GLM adds one, so a reworded or moved activity changes it)."""
    # Read once per request: a page with several cached parts asks once. (Keyed by the request itself: a test, or a
    # command, may serve several requests inside one application context, which is where g lives.)
    current = request._get_current_object() if has_request_context() else None
    memo = g.get("sip_data_version") if current is not None else None
    if memo is not None and memo[0] is current:
        return memo[1]
    query = _fingerprint_query()
    if not query.selected_columns:
        return ()
    version = tuple(str(value) for value in db.session.execute(query).one())
    if current is not None:
        g.sip_data_version = (current, version)
    return version


def periods_key(periods) -> tuple:
    """What of the periods a part shows: their states, due dates and GLMs."""
    return tuple((p.id, p.state, p.due_on, p.glm, p.glm_name) for p in periods)


def cached_part(name: str, key: tuple, build):
    """The part `name` for this key (the view's filters, language and periods_key) and today's data, built by
    `build()` only when it is not cached."""
    # The same page of another strategy (/s/<slug>/…) is another part.
    strategy = request.environ.get(STRATEGY_KEY) if has_request_context() else None
    full_key = (name, strategy, key, date.today().isoformat(), data_version())
    cache = part_cache()
    part = cache.get(full_key)
    if part is None:
        part = build()
        cache.put(full_key, part)
    return part
