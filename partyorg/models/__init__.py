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
from .supervision import (
    AssistedInfo,
    DualInfo,
    PlanSetting,
    StepState,
    SupervisionStep,
    TakeoverInfo,
    TakeoverReason,
)

__all__ = [
    "AuditEntry", "utcnow", "EDUCATION_CHOICES", "Category", "Gender", "Member", "MemberStatus",
    "MemberType", "BUILTIN_SUBTYPES", "AttachMode", "Branch", "BranchKind", "BranchSubtype", "Building",
    "Community", "CommunityClass", "CommunityKind", "Grid", "GridOfficer", "OrgStatus", "PartyCommittee",
    "PartyGroup", "StairUnit", "ResidentUnit", "UnitKind", "Role", "User",
]
__all__ += [
    "AssistedInfo", "DualInfo", "PlanSetting", "StepState", "SupervisionStep", "TakeoverInfo", "TakeoverReason",
]
from .activity import (  # noqa: E402
    ActivityKind,
    ActivityState,
    JointActivity,
    JointActivityAttachment,
    joint_activity_participant,
    joint_activity_unit,
    project_activity,
)

__all__ += [
    "ActivityKind", "ActivityState", "JointActivity", "JointActivityAttachment",
    "joint_activity_participant", "joint_activity_unit", "project_activity",
]
from .cobuilding import (
    CobuildingAgreement,
    CobuildingProject,
    CommunityNeed,
    NeedStatus,
    ProjectStatus,
    ResourceKind,
    ResourceState,
    UnitResource,
)
from .committee import ChosenBy, CommitteeSeat, SeatPost, SeatTerm

__all__ += [
    "ChosenBy", "CobuildingAgreement", "CobuildingProject", "CommitteeSeat", "CommunityNeed", "NeedStatus",
    "ProjectStatus", "ResourceKind", "ResourceState", "SeatPost", "SeatTerm", "UnitResource",
]
from .printjob import JobState, PrintJob

__all__ += ["JobState", "PrintJob"]
