"""Backup and restore of the app's database: SQLite's online backup API, pg_dump/pg_restore for PostgreSQL.

Plain functions over a Flask app; the commands in cli.py call them and print the results.
Nothing here prints or returns personal data: only table names, row counts and sizes.
"""
import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import URL, make_url

from .extensions import db

SQLITE_HEADER = b"SQLite format 3\x00"
#: Seconds the backup's own SQLite connections wait for a writer to finish.
SQLITE_TIMEOUT = 15


class BackupError(Exception):
    """A backup or restore was refused or failed; the message says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Report:
    """What a backup wrote or a restore loaded: a size and the row count of every table."""

    path: Path
    size: int
    counts: dict[str, int] = field(default_factory=dict)
    revision: str | None = None
    #: The backup's schema is older than this code's migrations: `flask db upgrade` is needed.
    needs_upgrade: bool = False


# --- shared ----------------------------------------------------------------------------------------

def database_url(app: Flask) -> URL:
    return make_url(app.config["SQLALCHEMY_DATABASE_URI"])


def migration_revisions(app: Flask) -> tuple[set[str], set[str]]:
    """Return (every revision known to this code's migrations, the head revisions)."""
    script = ScriptDirectory(app.extensions["migrate"].directory)
    return {rev.revision for rev in script.walk_revisions()}, set(script.get_heads())


def database_is_empty(app: Flask) -> bool:
    """Whether no table of the app's models holds a row (a database without tables is empty)."""
    with app.app_context(), db.engine.connect() as conn:
        existing = set(inspect(conn).get_table_names())
        for table in db.metadata.sorted_tables:
            if table.name in existing and conn.execute(select(1).select_from(table).limit(1)).first():
                return False
    return True


def _check_revision(app: Flask, revision: str | None, report: Report) -> None:
    known, heads = migration_revisions(app)
    if revision not in known:
        raise BackupError("该文件不是本系统的备份：数据库版本号与本程序的迁移脚本不符，未做任何改动。")
    report.revision = revision
    report.needs_upgrade = revision not in heads


def _release_app_connections(app: Flask) -> None:
    """Close the app's pooled connections so that they hold no lock and cache no old schema."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _place(tmp: Path, out: Path, force: bool) -> None:
    """Move the finished temporary file to `out`; without `force` never replace an existing file."""
    if force:
        os.replace(tmp, out)
        return
    try:
        # A hard link fails if `out` exists, so a file created meanwhile is never overwritten.
        os.link(tmp, out)
    except FileExistsError:
        raise BackupError(f"文件“{out}”已存在。如需覆盖，请加 --force。") from None
    except OSError:
        if out.exists():
            raise BackupError(f"文件“{out}”已存在。如需覆盖，请加 --force。") from None
        os.replace(tmp, out)
        return
    tmp.unlink()


def _check_out(out: Path, force: bool) -> None:
    if out.is_dir():
        raise BackupError(f"“{out}”是一个目录，请给出备份文件名。")
    if out.exists() and not force:
        raise BackupError(f"文件“{out}”已存在。如需覆盖，请加 --force。")
    if not out.resolve().parent.is_dir():
        raise BackupError(f"目录“{out.parent}”不存在，请先创建目录或换一个位置。")


def backup(app: Flask, out: Path, force: bool = False) -> Report:
    """Write a consistent snapshot of the app's database to `out`."""
    out = Path(out)
    _check_out(out, force)
    url = database_url(app)
    if url.get_backend_name() == "sqlite":
        return _backup_sqlite(sqlite_path(url), out, force)
    if url.get_backend_name() == "postgresql":
        return _backup_postgres(app, url, out, force)
    raise BackupError(f"不支持备份此类数据库（{url.get_backend_name()}）。")


def restore(app: Flask, file: Path, force: bool = False) -> Report:
    """Replace the app's database by the backup in `file`; refuse a non-empty database unless `force`."""
    file = Path(file)
    if not file.is_file():
        raise BackupError(f"找不到备份文件“{file}”。")
    url = database_url(app)
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持恢复此类数据库（{backend}）。")
    target = sqlite_path(url) if backend == "sqlite" else None
    report = Report(path=file, size=file.stat().st_size)
    # Check the file first: a wrong file changes nothing, whatever the state of the database.
    if backend == "sqlite":
        _check_revision(app, _sqlite_backup_revision(file), report)
    else:
        _check_revision(app, _postgres_backup_revision(app, file), report)
    if not force and not database_is_empty(app):
        raise BackupError("当前数据库中已有数据，恢复会覆盖全部现有数据。确认要覆盖，请加 --force。")
    _release_app_connections(app)
    if backend == "sqlite":
        _restore_sqlite(file, target)
    else:
        _restore_postgres(app, url, file)
    _release_app_connections(app)
    report.counts = table_counts(app)
    return report


def table_counts(app: Flask) -> dict[str, int]:
    """Row count of every table of the app's database (model tables and alembic_version)."""
    with app.app_context(), db.engine.connect() as conn:
        existing = set(inspect(conn).get_table_names())
        counts = {}
        for table in db.metadata.sorted_tables:
            if table.name in existing:
                counts[table.name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
        if "alembic_version" in existing:
            counts["alembic_version"] = conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar_one()
    return dict(sorted(counts.items()))


# --- SQLite ----------------------------------------------------------------------------------------

def sqlite_path(url: URL) -> Path:
    """The database file of an SQLite URL; an in-memory database cannot be backed up or restored."""
    name = url.database or ""
    if name in ("", ":memory:") or name.startswith("file::memory:") or url.query.get("mode") == "memory":
        raise BackupError("当前使用的是内存数据库，程序退出后数据即消失，无法备份或恢复。请设置 DATABASE_URL 指向数据库文件。")
    return Path(name)


def _readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=SQLITE_TIMEOUT)


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {name: conn.execute(f'SELECT count(*) FROM "{name.replace(chr(34), chr(34) * 2)}"').fetchone()[0]
            for name in names}


def _backup_sqlite(source: Path, out: Path, force: bool) -> Report:
    if not source.is_file():
        raise BackupError(f"找不到数据库文件“{source}”。请先运行 flask --app partyorg db upgrade。")
    fd, tmp_name = tempfile.mkstemp(dir=out.resolve().parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        src = _readonly(source)
        dst = sqlite3.connect(tmp)
        try:
            # One step (pages=-1) copies the whole database inside one read transaction: a snapshot
            # of what was committed when it began, whatever other connections write meanwhile.
            src.backup(dst)
            # A single self-contained file: no -wal beside it when it is copied elsewhere.
            dst.execute("PRAGMA journal_mode = DELETE")
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise BackupError("备份文件校验未通过，备份未完成。")
            counts = _sqlite_counts(dst)
        finally:
            dst.close()
            src.close()
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        _place(tmp, out, force)
    finally:
        tmp.unlink(missing_ok=True)
    return Report(path=out, size=out.stat().st_size, counts=counts)


def _sqlite_backup_revision(file: Path) -> str:
    with open(file, "rb") as f:
        header = f.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise BackupError("该文件不是 SQLite 数据库备份，未做任何改动。")
    try:
        conn = _readonly(file)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "alembic_version" not in tables:
                raise BackupError("该文件不是本系统的备份：缺少数据库版本信息（alembic_version），未做任何改动。")
            rows = conn.execute("SELECT version_num FROM alembic_version").fetchall()
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError("备份文件已损坏（完整性检查未通过），未做任何改动。")
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise BackupError("备份文件无法读取或已损坏，未做任何改动。") from None
    if len(rows) != 1:
        raise BackupError("该文件不是本系统的备份：数据库版本信息不完整，未做任何改动。")
    return rows[0][0]


def _restore_sqlite(file: Path, target: Path) -> None:
    if not target.resolve().parent.is_dir():
        raise BackupError(f"数据库所在目录“{target.parent}”不存在。")
    src = _readonly(file)
    dst = sqlite3.connect(target, timeout=SQLITE_TIMEOUT)
    try:
        # The backup API writes the destination in one transaction: other connections see the old
        # database or the restored one, never a mix.
        src.backup(dst)
        result = [r[0] for r in dst.execute("PRAGMA integrity_check")]
    finally:
        dst.close()
        src.close()
    if result != ["ok"]:
        raise BackupError("恢复后的数据库完整性检查未通过，请用另一份备份再试。")


# --- PostgreSQL ------------------------------------------------------------------------------------

def pg_tool(app: Flask, name: str) -> str:
    """Path of pg_dump/pg_restore: PG_BIN_DIR if set, else PATH, else the newest Debian install."""
    bin_dir = app.config.get("PG_BIN_DIR") or os.environ.get("PG_BIN_DIR")
    if bin_dir and (Path(bin_dir) / name).is_file():
        return str(Path(bin_dir) / name)
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if candidates:
        return candidates[-1]
    raise BackupError(f"找不到 {name}。请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client）。")


def libpq_target(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URL without the password, and the environment that carries the password."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    # URL.set(password=None) would keep the password (None means "unchanged"): build a new URL.
    plain = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                       database=url.database, query=url.query)
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    except OSError as err:
        raise BackupError(f"{what}无法启动：{err.strerror}。") from None
    if done.returncode != 0:
        # The tools' own messages name tables and settings, never a password (it is in the environment).
        detail = (done.stderr or "").strip().splitlines()
        raise BackupError(f"{what}失败（退出码 {done.returncode}）：{detail[-1] if detail else '无输出'}")
    return done


def _backup_postgres(app: Flask, url: URL, out: Path, force: bool) -> Report:
    target, env = libpq_target(url)
    fd, tmp_name = tempfile.mkstemp(dir=out.resolve().parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        # pg_dump reads everything inside one repeatable-read transaction: a consistent snapshot.
        _run([pg_tool(app, "pg_dump"), "--format=custom", f"--file={tmp}", f"--dbname={target}"], env, "pg_dump")
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        _place(tmp, out, force)
    finally:
        tmp.unlink(missing_ok=True)
    return Report(path=out, size=out.stat().st_size, counts=table_counts(app))


def _postgres_backup_revision(app: Flask, file: Path) -> str:
    restore_tool = pg_tool(app, "pg_restore")
    env = dict(os.environ)
    try:
        _run([restore_tool, "--list", str(file)], env, "pg_restore --list")
    except BackupError:
        raise BackupError("该文件不是 PostgreSQL 备份（pg_dump --format=custom），未做任何改动。") from None
    # The revision row, as the COPY text pg_restore would send: read it without touching a database.
    done = _run([restore_tool, "--data-only", "--table=alembic_version", "--file=-", str(file)], env, "pg_restore")
    lines = done.stdout.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line:
            rows = []
            for row in lines[i + 1:]:
                if row == "\\.":
                    break
                rows.append(row)
            if len(rows) == 1:
                return rows[0].strip()
    raise BackupError("该文件不是本系统的备份：缺少数据库版本信息（alembic_version），未做任何改动。")


def _restore_postgres(app: Flask, url: URL, file: Path) -> None:
    target, env = libpq_target(url)
    # One transaction: a failure leaves the database as it was.
    _run([pg_tool(app, "pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          f"--dbname={target}", str(file)], env, "pg_restore")
