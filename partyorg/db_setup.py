"""Engine settings that SQLite needs for a multi-process web app."""
from contextlib import contextmanager

from flask import g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

#: Milliseconds a connection waits for another writer before giving up.
BUSY_TIMEOUT_MS = 15000
#: flask.g flag: this GET request is writing (see `writing`).
WRITING = "partyorg_writing"


@contextmanager
def writing(session):
    """Let a GET request write: the block's transaction takes the write lock first, and ends with it.

    A read-then-write in the deferred transaction a GET begins fails at once on SQLite when another
    request has written since the read ("database is locked"), whatever the busy timeout.
    """
    session.commit()  # end the read transaction the request began
    setattr(g, WRITING, True)
    try:
        yield
        session.commit()  # let go of the write lock before the page renders
    finally:
        setattr(g, WRITING, False)


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
        if has_request_context() and (request.method not in ("GET", "HEAD", "OPTIONS") or g.get(WRITING)):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")
