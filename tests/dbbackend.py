"""The database the tests run on: SQLite (the default) or PostgreSQL.

    PARTYORG_TEST_DB=postgresql .venv/bin/python -m pytest -n 2

On PostgreSQL each pytest process (each xdist worker) starts its own throwaway cluster
(tests/pg_cluster.py) the first time a test needs a database and stops it when the session ends.
The `app` fixture's database is the process's one test database, whose rows and sequences are
reset from a snapshot before each test, the way the SQLite tests load a serialized in-memory
database. Databases that live servers or migrations use are new ones (file_database_url).
"""
import itertools
import os
from dataclasses import dataclass

import pytest

from .pg_cluster import PgCluster, _free_port, unavailable_reason

BACKENDS = ("sqlite", "postgresql")
BACKEND = os.environ.get("PARTYORG_TEST_DB", "sqlite").strip().lower() or "sqlite"
if BACKEND not in BACKENDS:
    raise RuntimeError(f"PARTYORG_TEST_DB must be one of {', '.join(BACKENDS)}, not {BACKEND!r}")
ON_POSTGRESQL = BACKEND == "postgresql"

_state: dict = {"cluster": None, "admin": None}
_names = itertools.count(1)


def cluster() -> PgCluster:
    """This process's cluster, started on first use."""
    if _state["cluster"] is None:
        reason = unavailable_reason()
        if reason:
            # `make test` installs Debian's postgresql; without it the PostgreSQL run cannot pass.
            pytest.fail(f"PARTYORG_TEST_DB=postgresql but no cluster can be started: {reason}", pytrace=False)
        _state["cluster"] = PgCluster.start()
    return _state["cluster"]


def _admin():
    conn = _state["admin"]
    if conn is None or conn.closed:
        conn = _state["admin"] = cluster().connect()
    return conn


def new_name(prefix: str = "t") -> str:
    return f"{prefix}{next(_names)}"


def create_database(template: str | None = None, name: str | None = None) -> str:
    """Create a database (a copy of `template` when given) and return its name."""
    name = name or new_name()
    if template:
        # FILE_COPY copies the template's files: faster than WAL_LOG for the small test databases.
        _admin().execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
    else:
        _admin().execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(name: str) -> None:
    """Drop a database, ending any session still connected to it."""
    _admin().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def url(name: str) -> str:
    return cluster().url(name)


def file_database_url(tmp_path, stem: str = "test") -> str:
    """An empty database that other processes and threads can open: a SQLite file or a new PostgreSQL database."""
    if ON_POSTGRESQL:
        return url(create_database(name=new_name(stem.replace("-", "_").lower())))
    return f"sqlite:///{tmp_path}/{stem}.sqlite"


def unreachable_database_url(tmp_path) -> str:
    """A database URL whose server cannot be reached."""
    if ON_POSTGRESQL:
        return f"postgresql+psycopg://nobody:x@127.0.0.1:{_free_port()}/nothing?connect_timeout=5"
    return f"sqlite:///{tmp_path}/missing/dir/x.db"


# --- the test database: one per process, reset from snapshots between tests ----------------------
#
# Copying a database (CREATE DATABASE ... TEMPLATE) costs a few hundred milliseconds for this
# schema's hundreds of files; emptying the tables and copying a snapshot's rows back in costs a few.

@dataclass
class Snapshot:
    """The rows of every table (COPY, binary) and the state of every sequence of a database."""

    rows: dict[str, bytes]
    sequences: list[tuple[str, int, bool]]


#: A change of tables, columns or constraints; a test that changes the schema gets a new database.
_FINGERPRINT = """
SELECT md5(string_agg(item, ',' ORDER BY item)) FROM (
    SELECT c.relname || ':' || c.relkind::text || ':' || coalesce(a.attname || ':' || a.atttypid::text, '') AS item
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = 'public'
    UNION ALL
    SELECT 'constraint:' || conname FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace
    WHERE n.nspname = 'public'
) items
"""


def _connect(name: str):
    conn = _state.setdefault("conns", {}).get(name)
    if conn is None or conn.closed:
        conn = _state["conns"][name] = cluster().connect(name)
    return conn


def _tables(conn) -> list[str]:
    return [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]


def take_snapshot(name: str) -> Snapshot:
    """Copy out every row and sequence of database `name` (what is committed)."""
    conn = _connect(name)
    rows = {}
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        for table in _tables(conn):
            with cur.copy(f'COPY "{table}" TO STDOUT (FORMAT binary)') as copy:
                data = b"".join(bytes(chunk) for chunk in copy)
            # A binary COPY of no rows is its 19-byte header and 2-byte trailer only.
            if len(data) > 21:
                rows[table] = data
        sequences = cur.execute(
            "SELECT format('%I', sequencename), coalesce(last_value, start_value), last_value IS NOT NULL "
            "FROM pg_sequences WHERE schemaname = 'public'").fetchall()
    return Snapshot(rows, sequences)


def set_base(name: str) -> None:
    """Database `name` holds the schema and no rows: test databases are copied from it."""
    _state["base"] = name
    _state["fingerprint"] = _connect(name).execute(_FINGERPRINT).fetchone()[0]
    _state["conns"].pop(name).close()


def acquire_test_database(snapshot: Snapshot) -> str:
    """The process's test database holding `snapshot`; release it when the test is done."""
    if _state.get("in_use"):
        raise RuntimeError("one test database per process at a time on PostgreSQL: release the other first")
    name = _state.get("test_database")
    if name is None:
        name = _state["test_database"] = create_database(template=_state["base"], name="test")
    restore_snapshot(name, snapshot)
    _state["in_use"] = True
    return name


def release_test_database() -> None:
    _state["in_use"] = False


def restore_snapshot(name: str, snapshot: Snapshot) -> None:
    """Make database `name` hold exactly `snapshot`, ending every other session connected to it."""
    conn = _connect(name)
    conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                 "WHERE datname = current_database() AND pid <> pg_backend_pid()")
    if conn.execute(_FINGERPRINT).fetchone()[0] != _state["fingerprint"]:
        # The test changed the schema (drop_all, ALTER TABLE ...): start again from the base.
        _state["conns"].pop(name).close()
        drop_database(name)
        create_database(template=_state["base"], name=name)
        conn = _connect(name)
    tables = _tables(conn)
    setvals = ", ".join(f"setval('{seq}', {value}, {'true' if called else 'false'})"
                        for seq, value, called in snapshot.sequences)
    with conn.transaction(), conn.cursor() as cur:
        # No foreign key triggers while the tables are emptied and filled in any order.
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("; ".join(f'DELETE FROM "{t}"' for t in tables))
        for table, data in snapshot.rows.items():
            with cur.copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy:
                copy.write(data)
        if setvals:
            cur.execute(f"SELECT {setvals}")


def shutdown() -> None:
    """Stop this process's cluster, if it started one."""
    admin, _state["admin"] = _state["admin"], None
    if admin is not None:
        admin.close()
    for conn in _state.pop("conns", {}).values():
        conn.close()
    found, _state["cluster"] = _state["cluster"], None
    if found is not None:
        found.stop()
