"""The community and how it is organised: grids, buildings, branches, groups."""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import LabelledEnum, TimestampMixin, VersionedMixin, enum_column


class CommunityKind(LabelledEnum):
    URBAN = "urban", "城市社区"
    RURAL = "rural", "农村社区"


class CommunityClass(LabelledEnum):
    FIRST = "first", "一类"
    SECOND = "second", "二类"


class BranchKind(LabelledEnum):
    RESIDENTIAL = "residential", "居民党支部"
    BUILDING = "building", "楼宇党支部"
    FUNCTIONAL = "functional", "功能型党支部"
    ATTACHED = "attached", "驻区组织党支部"


class AttachMode(LabelledEnum):
    MARKET = "market", "市场+支部"
    OFFICE = "office", "楼宇+支部"
    BUSINESS = "business", "商圈+支部"
    ASSOCIATION = "association", "协会+支部"


class OrgStatus(LabelledEnum):
    ACTIVE = "active", "正常"
    DISSOLVED = "dissolved", "已撤销"


#: Functional subtypes every community has; a community may define more.
BUILTIN_SUBTYPES = ("便民服务型", "维稳保障型")


class Community(VersionedMixin, TimestampMixin, db.Model):
    """社区 — the unit of management."""

    __tablename__ = "community"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50), unique=True)
    kind: Mapped[CommunityKind] = enum_column(CommunityKind, "community_kind")
    grade: Mapped[CommunityClass] = enum_column(CommunityClass, "community_class")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")

    committee: Mapped["PartyCommittee | None"] = relationship(back_populates="community", uselist=False)

    def __repr__(self) -> str:
        return f"<Community {self.name}>"


class PartyCommittee(VersionedMixin, TimestampMixin, db.Model):
    """社区党委 — one per community."""

    __tablename__ = "party_committee"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    founded_on: Mapped[date | None]
    term_start: Mapped[date | None]
    term_end: Mapped[date | None]
    #: The committee's size limits (the big party committee keeps within them).
    min_size: Mapped[int] = mapped_column(default=5)
    max_size: Mapped[int] = mapped_column(default=9)
    note: Mapped[str] = mapped_column(sa.Text, default="")

    community: Mapped[Community] = relationship(back_populates="committee")


class Grid(VersionedMixin, TimestampMixin, db.Model):
    """网格."""

    __tablename__ = "grid"
    __table_args__ = (sa.UniqueConstraint("community_id", "name", name="uq_grid_community_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    area: Mapped[str] = mapped_column(sa.String(200), default="")

    community: Mapped[Community] = relationship()
    officers: Mapped[list["GridOfficer"]] = relationship(
        back_populates="grid", order_by="GridOfficer.name", cascade="all, delete-orphan"
    )
    buildings: Mapped[list["Building"]] = relationship(back_populates="grid", order_by="Building.name")


class GridOfficer(TimestampMixin, db.Model):
    """网格信息员."""

    __tablename__ = "grid_officer"
    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(sa.ForeignKey("grid.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    phone: Mapped[str] = mapped_column(sa.String(20), default="")

    grid: Mapped[Grid] = relationship(back_populates="officers")


class Building(VersionedMixin, TimestampMixin, db.Model):
    """楼栋."""

    __tablename__ = "building"
    __table_args__ = (sa.UniqueConstraint("community_id", "name", name="uq_building_community_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("grid.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    floors: Mapped[int | None]

    community: Mapped[Community] = relationship()
    grid: Mapped[Grid | None] = relationship(back_populates="buildings")
    stair_units: Mapped[list["StairUnit"]] = relationship(
        back_populates="building", order_by="StairUnit.position"
    )


class StairUnit(TimestampMixin, db.Model):
    """单元 — a stairwell unit of a building."""

    __tablename__ = "stair_unit"
    __table_args__ = (sa.UniqueConstraint("building_id", "name", name="uq_stair_unit_building_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(sa.ForeignKey("building.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(30))
    position: Mapped[int] = mapped_column(default=0)

    building: Mapped[Building] = relationship(back_populates="stair_units")

    @property
    def label(self) -> str:
        return f"{self.building.name}{self.name}"


class BranchSubtype(TimestampMixin, db.Model):
    """A functional-branch subtype a community defines beyond the built-in ones."""

    __tablename__ = "branch_subtype"
    __table_args__ = (sa.UniqueConstraint("community_id", "name", name="uq_branch_subtype_community_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(30))


class Branch(VersionedMixin, TimestampMixin, db.Model):
    """党支部, of one of four kinds."""

    __tablename__ = "branch"
    __table_args__ = (sa.UniqueConstraint("community_id", "name", name="uq_branch_community_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[BranchKind] = enum_column(BranchKind, "branch_kind")
    #: For building branches: the building.
    building_id: Mapped[int | None] = mapped_column(sa.ForeignKey("building.id"), index=True)
    #: For functional branches: 便民服务型, 维稳保障型 or a community-defined subtype.
    subtype: Mapped[str | None] = mapped_column(sa.String(30))
    #: For attached-organisation branches: the mode and the firm or association.
    mode: Mapped[AttachMode | None] = enum_column(AttachMode, "attach_mode", nullable=True)
    resident_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resident_unit.id"), index=True)
    organisation_name: Mapped[str] = mapped_column(sa.String(100), default="")
    secretary_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("member.id", use_alter=True, name="fk_branch_secretary_id_member")
    )
    founded_on: Mapped[date | None]
    status: Mapped[OrgStatus] = enum_column(OrgStatus, "org_status", default=OrgStatus.ACTIVE)
    dissolved_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")

    community: Mapped[Community] = relationship()
    building: Mapped[Building | None] = relationship()
    resident_unit: Mapped["ResidentUnit | None"] = relationship()  # noqa: F821
    secretary: Mapped["Member | None"] = relationship(foreign_keys=[secretary_id])  # noqa: F821
    groups: Mapped[list["PartyGroup"]] = relationship(back_populates="branch", order_by="PartyGroup.name")

    @property
    def kind_detail(self) -> str:
        if self.kind == BranchKind.FUNCTIONAL and self.subtype:
            return self.subtype
        if self.kind == BranchKind.ATTACHED and self.mode:
            return self.mode.label
        if self.kind == BranchKind.BUILDING and self.building:
            return self.building.name
        return ""


class PartyGroup(VersionedMixin, TimestampMixin, db.Model):
    """党小组, inside a branch; in a building branch usually one per stairwell unit."""

    __tablename__ = "party_group"
    __table_args__ = (sa.UniqueConstraint("branch_id", "name", name="uq_party_group_branch_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    stair_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stair_unit.id"), index=True)
    leader_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("member.id", use_alter=True, name="fk_party_group_leader_id_member")
    )
    status: Mapped[OrgStatus] = enum_column(OrgStatus, "org_status", default=OrgStatus.ACTIVE)

    branch: Mapped[Branch] = relationship(back_populates="groups")
    stair_unit: Mapped[StairUnit | None] = relationship()
    leader: Mapped["Member | None"] = relationship(foreign_keys=[leader_id])  # noqa: F821

    @property
    def community_id(self) -> int:
        """The branch's community (lets audit rows and scoped loading treat groups like other records)."""
        return self.branch.community_id
