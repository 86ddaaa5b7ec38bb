"""Co-building (共驻共建): agreements, the units' resources, the community's needs, and projects."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import LabelledEnum, TimestampMixin, VersionedMixin, enum_column


class CobuildingAgreement(VersionedMixin, TimestampMixin, db.Model):
    """共驻共建协议 of one unit: signatories and the scanned copy (the dates stay on ResidentUnit)."""

    __tablename__ = "cobuilding_agreement"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    resident_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("resident_unit.id"), unique=True)
    signed_on: Mapped[date | None]
    community_signatory: Mapped[str] = mapped_column(sa.String(50), default="")
    unit_signatory: Mapped[str] = mapped_column(sa.String(50), default="")
    content: Mapped[str] = mapped_column(sa.Text, default="")
    #: The scanned copy, stored by partyorg.uploads under a generated key.
    scan_key: Mapped[str | None] = mapped_column(sa.String(64))
    scan_mime: Mapped[str] = mapped_column(sa.String(50), default="")
    scan_name: Mapped[str] = mapped_column(sa.String(200), default="")

    resident_unit: Mapped["ResidentUnit"] = relationship()  # noqa: F821


class ResourceKind(LabelledEnum):
    VENUE = "venue", "场地"
    VOLUNTEERS = "volunteers", "志愿者"
    FUNDS = "funds", "资金"
    SERVICE = "service", "专业服务"


class ResourceState(LabelledEnum):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    WITHDRAWN = "withdrawn", "已停用"


class UnitResource(VersionedMixin, TimestampMixin, db.Model):
    """A resource a resident unit offers to the community (资源清单)."""

    __tablename__ = "unit_resource"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    resident_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("resident_unit.id"), index=True)
    kind: Mapped[ResourceKind] = enum_column(ResourceKind, "resource_kind")
    description: Mapped[str] = mapped_column(sa.String(200))
    #: e.g. "会议室1间，可坐50人", "志愿者20人", "每年2万元".
    quantity: Mapped[str] = mapped_column(sa.String(100), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[ResourceState] = enum_column(ResourceState, "resource_state", default=ResourceState.PENDING)
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime | None]

    resident_unit: Mapped["ResidentUnit"] = relationship()  # noqa: F821
    proposed_by: Mapped["User | None"] = relationship(foreign_keys=[proposed_by_id])  # noqa: F821
    confirmed_by: Mapped["User | None"] = relationship(foreign_keys=[confirmed_by_id])  # noqa: F821


class NeedStatus(LabelledEnum):
    OPEN = "open", "待对接"
    MATCHED = "matched", "已对接"
    MET = "met", "已解决"
    CLOSED = "closed", "已关闭"


class CommunityNeed(VersionedMixin, TimestampMixin, db.Model):
    """A need of the community (需求清单) that co-building may meet."""

    __tablename__ = "community_need"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[NeedStatus] = enum_column(NeedStatus, "need_status", default=NeedStatus.OPEN)


class ProjectStatus(LabelledEnum):
    PREPARING = "preparing", "筹备"
    ONGOING = "ongoing", "实施中"
    DONE = "done", "已完成"


class CobuildingProject(VersionedMixin, TimestampMixin, db.Model):
    """A project (项目清单) that matches a unit's resource to a community need."""

    __tablename__ = "cobuilding_project"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    resident_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("resident_unit.id"), index=True)
    resource_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit_resource.id"), index=True)
    need_id: Mapped[int | None] = mapped_column(sa.ForeignKey("community_need.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(100))
    status: Mapped[ProjectStatus] = enum_column(ProjectStatus, "project_status", default=ProjectStatus.PREPARING)
    started_on: Mapped[date | None]
    finished_on: Mapped[date | None]
    note: Mapped[str] = mapped_column(sa.Text, default="")

    resident_unit: Mapped["ResidentUnit"] = relationship()  # noqa: F821
    resource: Mapped[UnitResource | None] = relationship()
    need: Mapped[CommunityNeed | None] = relationship()
