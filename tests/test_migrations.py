"""The schema comes only from migrations, and they match the models (on SQLite and on PostgreSQL)."""
import pytest
from sqlalchemy import create_engine, inspect, text

from partyorg import create_app
from partyorg.extensions import db

from .dbbackend import file_database_url


@pytest.fixture
def db_url(tmp_path):
    return file_database_url(tmp_path, "m")


@pytest.fixture
def file_app(db_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": db_url})
    yield app
    with app.app_context():
        db.engine.dispose()


def tables(db_url) -> set[str]:
    engine = create_engine(db_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_matches_models(file_app, db_url):
    runner = file_app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    # `db check` exits 1 ("New upgrade operations detected") when models and migrations differ.
    assert {"community", "branch", "member", "user_account", "audit_entry"} <= tables(db_url)


def test_downgrade_to_base_and_up_again(file_app, db_url):
    runner = file_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert tables(db_url) <= {"alembic_version"}
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


@pytest.mark.sqlite_only("WAL, busy timeout and foreign keys are SQLite PRAGMAs")
def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(file_app):
    with file_app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_check_fails_when_database_and_models_differ(file_app, db_url):
    runner = file_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE grid ADD COLUMN stray TEXT"))
    engine.dispose()
    assert runner.invoke(args=["db", "check"]).exit_code != 0
