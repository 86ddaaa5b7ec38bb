"""`flask backup` and `flask restore`: consistent snapshots, full round trips, and refusals that change nothing."""
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from partyorg import backup as backup_module
from partyorg import create_app
from partyorg.demo import seed_demo
from partyorg.extensions import db
from partyorg.models import Community, Member

from . import dbbackend, factories

TABLES = [t.name for t in db.metadata.sorted_tables] + ["alembic_version"]
#: The SQLite path: a file copied with SQLite's online backup API, checked with PRAGMA integrity_check.
SQLITE_FILE = pytest.mark.sqlite_only("backs up a SQLite database file (SQLite's online backup API)")


def file_app(path):
    # Demo photos go beside the test database, not into the instance folder.
    return create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                       "UPLOAD_FOLDER": str(Path(path).parent / "uploads")})


def invoke(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def close(app):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def copy_db(src, dst):
    with sqlite3.connect(src) as s, sqlite3.connect(dst) as d:
        s.backup(d)
    s.close()
    d.close()


def upgraded(path):
    """An app on a new database file with the schema from the migrations and no rows."""
    app = file_app(path)
    result = invoke(app, "db", "upgrade")
    assert result.exit_code == 0, result.output
    return app


def dump(path) -> dict[str, list]:
    """Every row of every table (the models' tables and alembic_version), sorted."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr) for name in TABLES}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    """The demo data in a migrated SQLite file, built once; tests work on copies."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    app = upgraded(path)
    with app.app_context():
        assert seed_demo()
    close(app)
    return path


@pytest.fixture
def source(demo_template, tmp_path):
    path = tmp_path / "source.sqlite"
    copy_db(demo_template, path)
    app = file_app(path)
    yield app, path
    close(app)


@SQLITE_FILE
@pytest.mark.parametrize("target_kind", ["migrated empty database", "no database file yet"])
def test_round_trip_of_demo_data_keeps_every_row_of_every_table(source, tmp_path, target_kind):
    app, src_path = source
    out = tmp_path / "backup.sqlite"
    result = invoke(app, "backup", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"已备份到 {out}" in result.output
    before = dump(src_path)
    assert len(before["member"]) > 100 and before["supervision_step"] and before["user_account"]
    assert f"member                      {len(before['member'])} 行" in result.output

    target = tmp_path / "restored.sqlite"
    restored = upgraded(target) if target_kind == "migrated empty database" else file_app(target)
    result = invoke(restored, "restore", str(out))
    assert result.exit_code == 0, result.output
    assert "已从" in result.output and f"{len(before['member'])} 行" in result.output

    assert dump(target) == before
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    # The app reads the restored database through its ORM.
    with restored.app_context():
        assert len(db.session.scalars(select(Member)).all()) == len(before["member"])
    close(restored)


@SQLITE_FILE
def test_commands_print_no_personal_data(source, tmp_path):
    app, _ = source
    out = tmp_path / "backup.sqlite"
    backed = invoke(app, "backup", "--out", str(out))
    restored = invoke(app, "restore", "--force", str(out))
    assert backed.exit_code == 0 and restored.exit_code == 0
    with app.app_context():
        member = db.session.scalars(select(Member).limit(1)).one()
        secrets = [member.name, member.id_number, member.phone]
    for output in (backed.output, restored.output):
        for value in filter(None, secrets):
            assert value not in output


@SQLITE_FILE
def test_restore_refuses_a_database_with_data_without_force(source, tmp_path):
    app, src_path = source
    out = tmp_path / "backup.sqlite"
    assert invoke(app, "backup", "--out", str(out)).exit_code == 0
    expected = dump(src_path)

    target = tmp_path / "other.sqlite"
    other = upgraded(target)
    with other.app_context():
        factories.world()
    close(other)
    existing = dump(target)

    result = invoke(other, "restore", str(out))
    assert result.exit_code == 1
    assert "当前数据库中已有数据" in result.output and "--force" in result.output
    assert dump(target) == existing

    result = invoke(other, "restore", "--force", str(out))
    assert result.exit_code == 0, result.output
    assert dump(target) == expected
    close(other)


def _random_bytes(path):
    path.write_bytes(os.urandom(8192))


def _text(path):
    path.write_text("这不是备份文件\n" * 100, encoding="utf-8")


def _sqlite_without_alembic(path):
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE community (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO community (name) VALUES ('假社区')")
    conn.close()


def _sqlite_of_unknown_revision(path):
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('0123456789ab')")
    conn.close()


def _truncated_backup(path, demo_template=None):
    copy_db(demo_template, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


@SQLITE_FILE
@pytest.mark.parametrize("make, message", [
    (_random_bytes, "不是 SQLite 数据库备份"),
    (_text, "不是 SQLite 数据库备份"),
    (_sqlite_without_alembic, "缺少数据库版本信息"),
    (_sqlite_of_unknown_revision, "数据库版本号与本程序的迁移脚本不符"),
    (_truncated_backup, "损坏"),
])
def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(source, tmp_path, demo_template,
                                                                         make, message):
    app, src_path = source
    bad = tmp_path / "bad.sqlite"
    if make is _truncated_backup:
        make(bad, demo_template)
    else:
        make(bad)
    before = dump(src_path)
    # Even with --force: the file is checked before anything is touched.
    result = invoke(app, "restore", "--force", str(bad))
    assert result.exit_code == 1
    assert message in result.output and "未做任何改动" in result.output
    assert dump(src_path) == before


@SQLITE_FILE
def test_restore_of_a_missing_file_is_refused(source, tmp_path):
    app, _ = source
    result = invoke(app, "restore", str(tmp_path / "nowhere.sqlite"))
    assert result.exit_code == 1
    assert "找不到备份文件" in result.output


@SQLITE_FILE
def test_backup_refuses_to_overwrite_an_existing_file_without_force(source, tmp_path):
    app, src_path = source
    out = tmp_path / "backup.sqlite"
    out.write_text("上一份备份")
    result = invoke(app, "backup", "--out", str(out))
    assert result.exit_code == 1
    assert "已存在" in result.output and "--force" in result.output
    assert out.read_text() == "上一份备份"

    result = invoke(app, "backup", "--out", str(out), "--force")
    assert result.exit_code == 0, result.output
    assert dump(out) == dump(src_path)
    # Written through a temporary file beside it, which is gone; the backup is for its owner only.
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
    assert out.stat().st_mode & 0o077 == 0


@pytest.mark.sqlite_only("an in-memory database is SQLite's")
def test_backup_of_an_in_memory_database_is_refused(tmp_path):
    app = create_app("testing")
    result = invoke(app, "backup", "--out", str(tmp_path / "x.sqlite"))
    assert result.exit_code == 1
    assert "内存数据库" in result.output
    assert not (tmp_path / "x.sqlite").exists()


@SQLITE_FILE
def test_backup_into_a_missing_folder_is_refused(source, tmp_path):
    app, _ = source
    result = invoke(app, "backup", "--out", str(tmp_path / "no" / "such" / "b.sqlite"))
    assert result.exit_code == 1
    assert "不存在" in result.output


@SQLITE_FILE
def test_backup_while_another_connection_holds_an_open_write_transaction(source, tmp_path):
    app, src_path = source
    committed = dump(src_path)
    writer = sqlite3.connect(src_path, isolation_level=None, timeout=1)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO community (name, kind, grade, address, note, version, created_at, updated_at) "
            "VALUES ('未提交社区', 'urban', 'first', '', '', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')")
        out = tmp_path / "backup.sqlite"
        result = invoke(app, "backup", "--out", str(out))
        assert result.exit_code == 0, result.output
        assert writer.in_transaction
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    snapshot = dump(out)
    assert snapshot == committed
    assert not any("未提交社区" in row for row in snapshot["community"])
    with sqlite3.connect(out) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


# --- PostgreSQL: pg_dump and pg_restore against a throwaway cluster ---------------------------------

def test_libpq_url_leaves_the_password_to_the_environment(monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    url = backup_module.make_url("postgresql+psycopg://party:s3cr%40t@db.example:5433/partyorg?sslmode=require")
    target, env = backup_module.libpq_target(url)
    assert target == "postgresql://party@db.example:5433/partyorg?sslmode=require"
    assert env["PGPASSWORD"] == "s3cr@t"


def _pg_rows(app) -> dict[str, list]:
    with app.app_context(), db.engine.connect() as conn:
        rows = {t.name: sorted(conn.execute(select(t)).all(), key=repr) for t in db.metadata.sorted_tables}
        rows["alembic_version"] = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    return rows


def _pg_app(url):
    return create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url})


@pytest.mark.postgresql_only("pg_dump and pg_restore need the run's PostgreSQL cluster")
def test_postgresql_round_trip_with_pg_dump_and_pg_restore(request, tmp_path, monkeypatch):
    cluster = dbbackend.cluster()
    source = _pg_app(dbbackend.file_database_url(tmp_path, "source"))
    request.addfinalizer(lambda: close(source))
    assert invoke(source, "db", "upgrade").exit_code == 0
    with source.app_context():
        factories.world()
    expected = _pg_rows(source)
    assert expected["member"] and expected["user_account"]

    calls = []
    real_run = subprocess.run

    def recording_run(args, **kwargs):
        calls.append(args)
        return real_run(args, **kwargs)

    monkeypatch.setattr(backup_module.subprocess, "run", recording_run)
    out = tmp_path / "partyorg.dump"
    result = invoke(source, "backup", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:5] == b"PGDMP"

    target = _pg_app(dbbackend.file_database_url(tmp_path, "restored"))
    request.addfinalizer(lambda: close(target))
    result = invoke(target, "restore", str(out))
    assert result.exit_code == 0, result.output
    assert _pg_rows(target) == expected

    # A second restore over data needs --force; a SQLite file is not a PostgreSQL backup.
    result = invoke(target, "restore", str(out))
    assert result.exit_code == 1 and "当前数据库中已有数据" in result.output
    assert invoke(target, "restore", "--force", str(out)).exit_code == 0
    assert _pg_rows(target) == expected
    (tmp_path / "x.sqlite").write_bytes(b"SQLite format 3\x00" + bytes(100))
    result = invoke(target, "restore", "--force", str(tmp_path / "x.sqlite"))
    assert result.exit_code == 1 and "不是 PostgreSQL 备份" in result.output

    # The password travels in PGPASSWORD, never on a command line or in the output.
    assert calls and all(cluster.password not in " ".join(map(str, args)) for args in calls)
    assert cluster.password not in result.output

    # Sequences came back too: new rows get fresh ids.
    with target.app_context():
        factories.community_side("新建", "n")
        db.session.commit()
        assert db.session.scalar(select(Community).where(Community.name == "新建")) is not None
