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


# --- members blueprint: a branch secretary's own list, searching by ID number ---------------

def can_list_branch_members(user: User, community_id: int) -> bool:
    """A branch secretary lists the members of his own branch (the list is forced to it)."""
    return user.role == Role.BRANCH_SECRETARY and user.branch_id is not None and _in(user, community_id)


def member_list_branch(user: User, community_id: int) -> int | None:
    """The branch a user's member list (page or export) is limited to: None for those who see the
    whole community, his own branch for a branch secretary; 403 for anyone else."""
    if can_list_members(user, community_id):
        return None
    require(can_list_branch_members(user, community_id))
    return user.branch_id


def can_search_id_numbers(user: User, community_id: int) -> bool:
    """Find members by the tail of their ID number (only who may see ID numbers)."""
    return user.role in (Role.SECRETARY, Role.STAFF) and _in(user, community_id)


# --- communities as a whole (district) -------------------------------------------------

def can_list_communities(user: User) -> bool:
    """The district's list of every community."""
    return user.role == Role.DISTRICT


def can_edit_community(user: User, community_id: int) -> bool:
    """Edit the community's own fields (name, kind, class, address, note)."""
    return user.role == Role.DISTRICT or can_manage_community(user, community_id)


def can_see_officer_phones(user: User, community_id: int) -> bool:
    """Grid officers' phones: the community's own secretary and staff; others see them masked."""
    return user.role in (Role.SECRETARY, Role.STAFF) and _in(user, community_id)


# --- joint activities (五联) --------------------------------------------------------------

def _liaison_of(user: User, community_id: int) -> bool:
    return user.role == Role.LIAISON and user.resident_unit_id is not None and _in(user, community_id)


def can_list_activities(user: User, community_id: int) -> bool:
    """The community's joint activities; a liaison's list is forced to his own unit."""
    if user.role == Role.DISTRICT:
        return True
    return (user.role in (Role.SECRETARY, Role.STAFF) and _in(user, community_id)) or _liaison_of(
        user, community_id
    )


def can_view_activity(user: User, activity) -> bool:
    """One activity and its attachments: the district, the community's office, the owner unit's liaison."""
    if can_view_community(user, activity.community_id):
        return True
    return _liaison_of(user, activity.community_id) and activity.unit_id == user.resident_unit_id


def can_create_activity(user: User, community_id: int) -> bool:
    return (user.role in (Role.SECRETARY, Role.STAFF) and _in(user, community_id)) or _liaison_of(
        user, community_id
    )


def can_author_activity(user: User, activity) -> bool:
    """Edit, submit and add attachments (the domain adds: only while draft or returned)."""
    if user.role in (Role.SECRETARY, Role.STAFF):
        return _in(user, activity.community_id)
    return _liaison_of(user, activity.community_id) and activity.unit_id == user.resident_unit_id


def can_review_activity(user: User, community_id: int) -> bool:
    """Confirm or return submitted activities."""
    return user.role in (Role.SECRETARY, Role.STAFF) and _in(user, community_id)


def can_view_activity_summary(user: User, community_id: int) -> bool:
    return can_view_community(user, community_id)


def can_view_district_activity_summary(user: User) -> bool:
    return user.role == Role.DISTRICT


# --- the big party committee and co-building (committee blueprint) ----------------------

def _own_unit(user: User, unit_id: int | None) -> bool:
    return user.role == Role.LIAISON and unit_id is not None and user.resident_unit_id == unit_id


def can_view_seat(user: User, seat) -> bool:
    """A committee seat: community viewers; a liaison only a seat ever held for his own unit."""
    if can_view_community(user, seat.community_id):
        return True
    return any(_own_unit(user, t.resident_unit_id) for t in seat.terms)


def can_manage_cobuilding(user: User, community_id: int) -> bool:
    """Agreements, resources, needs and projects: the community's secretary and staff."""
    return user.role in (Role.SECRETARY, Role.STAFF) and _in(user, community_id)


def can_enter_cobuilding(user: User, community_id: int) -> bool:
    """Open the co-building lists (a liaison's lists are narrowed to his own unit)."""
    return can_view_community(user, community_id) or (
        user.role == Role.LIAISON and user.resident_unit_id is not None and _in(user, community_id)
    )


def can_propose_resource(user: User, unit: ResidentUnit) -> bool:
    """Add a resource for `unit`: staff and secretary, or the unit's own liaison (it then awaits confirmation)."""
    return can_manage_cobuilding(user, unit.community_id) or (
        _own_unit(user, unit.id) and _in(user, unit.community_id)
    )


def can_edit_resource(user: User, resource) -> bool:
    """Staff and secretary; the unit's liaison only while his proposal awaits confirmation."""
    if can_manage_cobuilding(user, resource.community_id):
        return True
    return _own_unit(user, resource.resident_unit_id) and resource.state.value == "pending"


def can_view_project(user: User, project) -> bool:
    return can_view_community(user, project.community_id) or _own_unit(user, project.resident_unit_id)


# --- supervision workflow: to-do lists, steps, plan settings --------------------------

def can_view_todo(user: User, community_id: int) -> bool:
    """The community's to-do list (the district reads it)."""
    return can_view_community(user, community_id)


def can_work_steps(user: User, community_id: int | None) -> bool:
    """Open step pages and an own to-do list; which steps exactly is the workflow's `allowed_actions`."""
    return (
        user.role in (Role.SECRETARY, Role.STAFF, Role.BRANCH_SECRETARY)
        and community_id is not None
        and _in(user, community_id)
    )


def can_waive_steps(user: User, community_id: int) -> bool:
    return user.role in (Role.SECRETARY, Role.STAFF) and _in(user, community_id)


# --- printouts (printing blueprint) ---------------------------------------------------------

def can_print_roster(user: User, community_id: int, branch_id: int | None = None) -> bool:
    """Print a roster: the community's viewers any roster; a branch secretary his own branch's only."""
    if can_view_community(user, community_id):
        return True
    return (
        user.role == Role.BRANCH_SECRETARY
        and user.branch_id is not None
        and _in(user, community_id)
        and branch_id in (None, user.branch_id)
    )


def can_see_roster_personal_data(user: User, community_id: int, branch_id: int | None) -> bool:
    """Phones and addresses on a roster limited to `branch_id` (None: several branches)."""
    if user.role in (Role.SECRETARY, Role.STAFF):
        return _in(user, community_id)
    return (
        user.role == Role.BRANCH_SECRETARY and branch_id is not None
        and user.branch_id == branch_id and _in(user, community_id)
    )


def can_print_unmasked(user: User, community_id: int) -> bool:
    """Ask for whole ID numbers on a printout (the request is audited)."""
    return user.role in (Role.SECRETARY, Role.STAFF) and _in(user, community_id)


def can_print_assisted_letters(user: User, community_id: int) -> bool:
    """Report slip receipts and feedback letters to in-service members' employers (signed by the office)."""
    return user.role in (Role.SECRETARY, Role.STAFF) and _in(user, community_id)
