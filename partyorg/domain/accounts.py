"""Accounts: password policy, creation and changes."""
import re

from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import Branch, ResidentUnit, Role, User, utcnow
from . import audit
from .errors import DomainError, StaleEdit

MIN_PASSWORD_LENGTH = 10
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,40}$")
#: Checked against when the user does not exist, so both paths take the same time.
_DUMMY_HASH = generate_password_hash("partyorg-dummy-password")


def check_password_policy(password: str, username: str = "") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError(f"密码至少需要{MIN_PASSWORD_LENGTH}个字符。", "password")
    if len(password) > 128:
        raise DomainError("密码不能超过128个字符。", "password")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        raise DomainError("密码须同时包含字母和数字。", "password")
    if username and username.lower() in password.lower():
        raise DomainError("密码不能包含用户名。", "password")


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None (never saying which part was wrong)."""
    user = db.session.scalar(select(User).where(User.username == (username or "").strip()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    # A plain UPDATE, not an edit of the account: it leaves the optimistic-lock version alone, so
    # two logins of one user at once both succeed (on PostgreSQL the second saw a stale version).
    db.session.execute(update(User).where(User.id == user.id).values(last_login_at=utcnow()))
    return user


def _check_scope(role: Role, community_id, branch_id, unit_id) -> None:
    if role == Role.DISTRICT:
        return
    if not community_id:
        raise DomainError("请选择账号所属社区。", "community_id")
    if role == Role.BRANCH_SECRETARY:
        branch = db.session.get(Branch, branch_id) if branch_id else None
        if branch is None or branch.community_id != community_id:
            raise DomainError("支部书记账号须选择本社区的一个党支部。", "branch_id")
    if role == Role.LIAISON:
        unit = db.session.get(ResidentUnit, unit_id) if unit_id else None
        if unit is None or unit.community_id != community_id:
            raise DomainError("联络员账号须选择本社区的一个驻区单位。", "resident_unit_id")


def check_grant(actor, role: Role, community_id: int | None) -> None:
    """Refuse a role the actor may not give, or a community outside the actor's own."""
    from ..permissions import GRANTABLE

    if role not in GRANTABLE.get(actor.role, ()):
        raise DomainError("您无权授予该角色。", "role")
    if actor.role != Role.DISTRICT and community_id != actor.community_id:
        raise DomainError("只能为本社区创建账号。", "community_id")


def create_user(
    actor,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    community_id: int | None = None,
    branch_id: int | None = None,
    resident_unit_id: int | None = None,
) -> User:
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        raise DomainError("用户名须为3至40位字母、数字、下划线、点或连字符。", "username")
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise DomainError("该用户名已被使用。", "username")
    check_password_policy(password, username)
    role = Role(role)
    if actor is not None:
        check_grant(actor, role, None if role == Role.DISTRICT else community_id)
    _check_scope(role, community_id, branch_id, resident_unit_id)
    user = User(
        username=username,
        display_name=display_name.strip(),
        password_hash=generate_password_hash(password),
        role=role,
        community_id=None if role == Role.DISTRICT else community_id,
        branch_id=branch_id if role == Role.BRANCH_SECRETARY else None,
        resident_unit_id=resident_unit_id if role == Role.LIAISON else None,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(actor, user, "create", community_id=user.community_id)
    return user


def update_user(actor, user: User, data: dict, expected_version: int | None = None) -> list[str]:
    if expected_version is not None and user.version != expected_version:
        raise StaleEdit()
    role = Role(data.get("role", user.role))
    if actor is not None and actor.id == user.id:
        if role != user.role or data.get("active", user.active) != user.active:
            raise DomainError("不能修改自己账号的角色或启用状态。", "role")
    if role == Role.DISTRICT:
        data["community_id"] = None
    if actor is not None and actor.id != user.id:
        check_grant(actor, role, data.get("community_id", user.community_id))
    _check_scope(
        role,
        data.get("community_id", user.community_id),
        data.get("branch_id", user.branch_id),
        data.get("resident_unit_id", user.resident_unit_id),
    )
    if role != Role.BRANCH_SECRETARY:
        data["branch_id"] = None
    if role != Role.LIAISON:
        data["resident_unit_id"] = None
    return audit.apply_changes(actor, user, data, expected_version)


def set_password(actor, user: User, password: str) -> None:
    check_password_policy(password, user.username)
    audit.apply_changes(actor, user, {"password_hash": generate_password_hash(password)})


def change_own_password(user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current or ""):
        raise DomainError("当前密码不正确。", "current")
    set_password(user, user, new)
