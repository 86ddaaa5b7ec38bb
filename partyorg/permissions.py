"""Roles and scopes: who may see and change what. Views call these; templates get the results.

| role              | scope          | may change                                              |
|-------------------|----------------|---------------------------------------------------------|
| district          | all            | communities, district and secretary accounts; reads all |
| secretary         | one community  | everything in it, accounts of staff/branch/liaison      |
| staff             | one community  | members; reads the organisation                         |
| branch secretary  | one branch     | its party groups; reads its members                     |
| liaison           | one unit       | nothing here yet; reads his unit, never personal data   |
"""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from .models import Branch, Member, ResidentUnit, Role, User

COMMUNITY_ROLES = (Role.SECRETARY, Role.STAFF, Role.BRANCH_SECRETARY, Role.LIAISON)


def require(allowed: bool) -> None:
    """Abort with 403 unless `allowed`."""
    if not allowed:
        abort(403)


def role_required(*roles: Role):
    """Decorator: logged in, and one of `roles`."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            require(current_user.role in roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _in(user: User, community_id: int) -> bool:
    return user.community_id == community_id


# --- communities and their organisation -------------------------------------------------

def can_view_community(user: User, community_id: int) -> bool:
    """See the community's organisation pages (grids, buildings, branches, units)."""
    if user.role == Role.DISTRICT:
        return True
    return user.role in (Role.SECRETARY, Role.STAFF) and _in(user, community_id)


def can_manage_community(user: User, community_id: int) -> bool:
    """Create and edit grids, buildings, branches, groups, units, the committee record."""
    return user.role == Role.SECRETARY and _in(user, community_id)


def can_create_community(user: User) -> bool:
    return user.role == Role.DISTRICT


def can_view_branch(user: User, branch: Branch) -> bool:
    if can_view_community(user, branch.community_id):
        return True
    return user.role == Role.BRANCH_SECRETARY and user.branch_id == branch.id


def can_manage_groups(user: User, branch: Branch) -> bool:
    """Create party groups and name their leaders."""
    if can_manage_community(user, branch.community_id):
        return True
    return user.role == Role.BRANCH_SECRETARY and user.branch_id == branch.id


def can_view_unit(user: User, unit: ResidentUnit) -> bool:
    if can_view_community(user, unit.community_id):
        return True
    return user.role == Role.LIAISON and user.resident_unit_id == unit.id


# --- members ---------------------------------------------------------------------------

def can_list_members(user: User, community_id: int) -> bool:
    return can_view_community(user, community_id)


def can_view_member(user: User, member: Member) -> bool:
    if can_view_community(user, member.community_id):
        return True
    return user.role == Role.BRANCH_SECRETARY and member.branch_id is not None and user.branch_id == member.branch_id


def can_edit_member(user: User, member_community_id: int) -> bool:
    return user.role in (Role.SECRETARY, Role.STAFF) and _in(user, member_community_id)


def can_see_personal_data(user: User, member: Member) -> bool:
    """Phone and address. The ID number needs `can_see_id_number`."""
    if user.role in (Role.SECRETARY, Role.STAFF):
        return _in(user, member.community_id)
    return user.role == Role.BRANCH_SECRETARY and user.branch_id == member.branch_id


def can_see_id_number(user: User, member: Member) -> bool:
    return user.role in (Role.SECRETARY, Role.STAFF) and _in(user, member.community_id)


# --- accounts --------------------------------------------------------------------------

#: The roles each role may give to the accounts it creates.
GRANTABLE = {
    Role.DISTRICT: (Role.DISTRICT, Role.SECRETARY),
    Role.SECRETARY: (Role.STAFF, Role.BRANCH_SECRETARY, Role.LIAISON),
}


def can_manage_accounts(user: User, community_id: int | None) -> bool:
    """List and create accounts in a community (None: the district's own list)."""
    if user.role == Role.DISTRICT:
        return True
    return user.role == Role.SECRETARY and community_id is not None and _in(user, community_id)


def can_edit_account(user: User, account: User) -> bool:
    if account.id == user.id:
        return False  # one's own account is changed on the password page
    granted = GRANTABLE.get(user.role, ())
    if account.role not in granted:
        return False
    if user.role == Role.SECRETARY:
        return _in(user, account.community_id)
    return True
