"""Database engine settings: SQLite pragmas and BEGIN IMMEDIATE for writes."""
import contextvars
import sqlite3
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

SQLITE_BUSY_TIMEOUT_MS = 15000

# Set for an HTTP request that may write (POST, PUT, ...) and for CLI commands that write, so that the
# first transaction takes the write lock at once instead of failing later with SQLITE_BUSY_SNAPSHOT.
write_intent = contextvars.ContextVar("sip_write_intent", default=False)


@contextmanager
def intending_to_write():
    """Within this block, new SQLite transactions begin with BEGIN IMMEDIATE."""
    token = write_intent.set(True)
    try:
        yield
    finally:
        write_intent.reset(token)


def engine_options(url: str) -> dict:
    """Engine options for a database URL (busy timeout for SQLite, pre-ping for servers)."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
    return {"pool_pre_ping": True}


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, _record):
    """Turn on WAL, foreign keys and the busy timeout; let SQLAlchemy issue BEGIN itself."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    """Begin SQLite transactions explicitly, IMMEDIATE when the caller intends to write."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")
