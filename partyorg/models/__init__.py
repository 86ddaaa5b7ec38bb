"""All models, imported so that Alembic and relationships see every table."""
from .audit import AuditEntry
from .base import utcnow
from .member import EDUCATION_CHOICES, Category, Gender, Member, MemberStatus, MemberType
from .org import (
    BUILTIN_SUBTYPES,
    AttachMode,
    Branch,
    BranchKind,
    BranchSubtype,
    Building,
    Community,
    CommunityClass,
    CommunityKind,
    Grid,
    GridOfficer,
    OrgStatus,
    PartyCommittee,
    PartyGroup,
    StairUnit,
)
from .unit import ResidentUnit, UnitKind
from .user import Role, User

__all__ = [
    "AuditEntry", "utcnow", "EDUCATION_CHOICES", "Category", "Gender", "Member", "MemberStatus",
    "MemberType", "BUILTIN_SUBTYPES", "AttachMode", "Branch", "BranchKind", "BranchSubtype", "Building",
    "Community", "CommunityClass", "CommunityKind", "Grid", "GridOfficer", "OrgStatus", "PartyCommittee",
    "PartyGroup", "StairUnit", "ResidentUnit", "UnitKind", "Role", "User",
]
