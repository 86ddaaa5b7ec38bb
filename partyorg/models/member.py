"""Party members (党员)."""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import LabelledEnum, TimestampMixin, VersionedMixin, enum_column


class Gender(LabelledEnum):
    MALE = "male", "男"
    FEMALE = "female", "女"


class MemberType(LabelledEnum):
    FULL = "full", "正式党员"
    PROBATIONARY = "probationary", "预备党员"


class Category(LabelledEnum):
    DIRECT = "direct", "直管"
    DUAL = "dual", "双管"
    TAKEOVER = "takeover", "接管"
    ASSISTED = "assisted", "协管"


class MemberStatus(LabelledEnum):
    ACTIVE = "active", "在册"
    TRANSFERRED_OUT = "transferred_out", "已转出"
    DECEASED = "deceased", "已去世"
    LEFT_PARTY = "left_party", "已出党"
    OTHER = "other", "其他"


EDUCATION_CHOICES = ("研究生", "大学本科", "大学专科", "中等专科", "高中", "初中及以下")


class Member(VersionedMixin, TimestampMixin, db.Model):
    """党员 — never hard deleted; leaving supervision is a status change."""

    __tablename__ = "member"
    __table_args__ = (
        # One active record per person; records of members who left stay beside a new one.
        sa.Index(
            "uq_member_active_id_number",
            "id_number",
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(50), index=True)
    gender: Mapped[Gender] = enum_column(Gender, "gender")
    ethnicity: Mapped[str] = mapped_column(sa.String(20), default="汉族")
    birth_date: Mapped[date]
    #: 公民身份号码 (GB 11643); 15-digit legacy numbers are kept as given.
    id_number: Mapped[str] = mapped_column(sa.String(18), index=True)
    id_legacy: Mapped[bool] = mapped_column(default=False)
    education: Mapped[str] = mapped_column(sa.String(20), default="")
    member_type: Mapped[MemberType] = enum_column(MemberType, "member_type", default=MemberType.FULL)
    joined_on: Mapped[date]
    full_on: Mapped[date | None]
    work_unit: Mapped[str] = mapped_column(sa.String(100), default="")
    post: Mapped[str] = mapped_column(sa.String(50), default="")
    phone: Mapped[str] = mapped_column(sa.String(20), default="")
    building_id: Mapped[int | None] = mapped_column(sa.ForeignKey("building.id"), index=True)
    stair_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("stair_unit.id"), index=True)
    room: Mapped[str] = mapped_column(sa.String(20), default="")
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party_group.id"), index=True)
    category: Mapped[Category] = enum_column(Category, "member_category", index=True)
    #: Whether the formal organisational relationship (正式组织关系) is in this community.
    relation_here: Mapped[bool] = mapped_column(default=True)
    status: Mapped[MemberStatus] = enum_column(
        MemberStatus, "member_status", default=MemberStatus.ACTIVE, index=True
    )
    status_on: Mapped[date | None]
    status_reason: Mapped[str] = mapped_column(sa.String(200), default="")

    community: Mapped["Community"] = relationship()  # noqa: F821
    building: Mapped["Building | None"] = relationship()  # noqa: F821
    stair_unit: Mapped["StairUnit | None"] = relationship()  # noqa: F821
    branch: Mapped["Branch | None"] = relationship(foreign_keys=[branch_id])  # noqa: F821
    group: Mapped["PartyGroup | None"] = relationship(foreign_keys=[group_id])  # noqa: F821

    @property
    def address(self) -> str:
        parts = [
            self.building.name if self.building else "",
            self.stair_unit.name if self.stair_unit else "",
            f"{self.room}室" if self.room else "",
        ]
        return "".join(parts)
