"""The create-user command: real accounts from the command line, bad input refused."""
from sqlalchemy import func, select

from partyorg.extensions import db
from partyorg.models import User


def users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def invoke(runner, *args, password="Strong-pass-2026"):
    return runner.invoke(args=["create-user", *args, "--password", password])


def test_create_secretary(runner, world):
    before = users()
    r = invoke(runner, "--username", "wangfang", "--name", "王芳", "--role", "secretary", "--community", "昌盛")
    assert r.exit_code == 0, r.output
    assert "已创建账号 wangfang" in r.output
    assert users() == before + 1
    u = db.session.scalar(select(User).where(User.username == "wangfang"))
    assert u.community.name == "昌盛" and u.password_hash.startswith("scrypt:")


def test_create_district_account(runner, world):
    r = invoke(runner, "--username", "zuzhibu2", "--name", "组织部", "--role", "district")
    assert r.exit_code == 0, r.output


def test_bad_input_changes_nothing(runner, world):
    before = users()
    cases = [
        (["--username", "x1", "--name", "甲", "--role", "secretary", "--community", "不存在"], "找不到社区"),
        (["--username", "weak", "--name", "乙", "--role", "secretary", "--community", "昌盛"], "密码至少需要10个字符"),
        (["--username", "a_secretary", "--name", "丙", "--role", "secretary", "--community", "昌盛"], "该用户名已被使用"),
        (["--username", "<script>", "--name", "丁", "--role", "staff", "--community", "昌盛"], "用户名须为"),
        (["--username", "nocomm", "--name", "戊", "--role", "staff"], "请选择账号所属社区"),
        (["--username", "br", "--name", "己", "--role", "branch_secretary", "--community", "昌盛"], "网页上创建"),
    ]
    for args, message in cases:
        pw = "short" if args[1] == "weak" else "Strong-pass-2026"
        r = invoke(runner, *args, password=pw)
        assert r.exit_code != 0, args
        assert message in r.output, (args, r.output)
    r = runner.invoke(args=["create-user", "--username", "y", "--name", "庚", "--role", "boss", "--password", "Strong-pass-2026"])
    assert r.exit_code != 0
    assert users() == before
