"""The schema comes only from migrations, and they match the models."""
import sqlite3

import pytest

from partyorg import create_app


@pytest.fixture
def file_app(tmp_path):
    return create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite"})


def test_upgrade_from_empty_matches_models(file_app, tmp_path):
    runner = file_app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    # `db check` exits 1 ("New upgrade operations detected") when models and migrations differ.
    tables = {r[0] for r in sqlite3.connect(tmp_path / "m.sqlite").execute("select name from sqlite_master where type='table'")}
    assert {"community", "branch", "member", "user_account", "audit_entry"} <= tables


def test_downgrade_to_base_and_up_again(file_app, tmp_path):
    runner = file_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    tables = {r[0] for r in sqlite3.connect(tmp_path / "m.sqlite").execute("select name from sqlite_master where type='table'")}
    assert tables <= {"alembic_version"}
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(file_app):
    from partyorg.extensions import db

    with file_app.app_context():
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_check_fails_when_database_and_models_differ(file_app, tmp_path):
    runner = file_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    con = sqlite3.connect(tmp_path / "m.sqlite")
    con.execute("ALTER TABLE grid ADD COLUMN stray TEXT")
    con.commit()
    con.close()
    assert runner.invoke(args=["db", "check"]).exit_code != 0
