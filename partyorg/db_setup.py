"""Engine settings that SQLite needs for a multi-process web app."""
from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

#: Milliseconds a connection waits for another writer before giving up.
BUSY_TIMEOUT_MS = 15000


def configure_engine(engine: Engine) -> None:
    """Turn on WAL, a busy timeout and foreign keys, on this app's engine only."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_conn, _record):
        # Let SQLAlchemy, not pysqlite, issue BEGIN so that we can choose its kind.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        # A request that may write takes the write lock up front: a deferred transaction that
        # reads and then writes fails at once with "database is locked" when another writer
        # holds the lock, whatever the busy timeout.
        if has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")
