"""Joint activities of resident units and the community (五联), with their attachments."""
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..extensions import db
from .base import LabelledEnum, TimestampMixin, VersionedMixin, enum_column, utcnow


class ActivityKind(LabelledEnum):
    PARTY_WORK = "party_work", "党建工作联做"
    SECURITY = "security", "社会治安联防"
    WELFARE = "welfare", "公益事业联办"
    NEEDY = "needy", "贫困对象联帮"
    CIVILITY = "civility", "文明小区联建"


class ActivityState(LabelledEnum):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待确认"
    RETURNED = "returned", "已退回"
    RESUBMITTED = "resubmitted", "重新提交待确认"
    CONFIRMED = "confirmed", "已确认"


joint_activity_unit = sa.Table(
    "joint_activity_unit",
    db.metadata,
    sa.Column("activity_id", sa.ForeignKey("joint_activity.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("resident_unit.id"), primary_key=True),
)

joint_activity_participant = sa.Table(
    "joint_activity_participant",
    db.metadata,
    sa.Column("activity_id", sa.ForeignKey("joint_activity.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_id", sa.ForeignKey("member.id"), primary_key=True),
)

#: Which joint activities carry out which co-building project (共建项目).
project_activity = sa.Table(
    "project_activity",
    db.metadata,
    sa.Column("project_id", sa.ForeignKey("cobuilding_project.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("activity_id", sa.ForeignKey("joint_activity.id", ondelete="CASCADE"), primary_key=True),
)


class JointActivity(VersionedMixin, TimestampMixin, db.Model):
    """联建活动 — logged by a resident unit's liaison (or community staff), confirmed by staff."""

    __tablename__ = "joint_activity"
    __table_args__ = (
        sa.Index("ix_joint_activity_community_state_date", "community_id", "state", "held_on"),
        sa.CheckConstraint("other_count >= 0", name="other_count_not_negative"),
        sa.CheckConstraint("hours >= 0", name="hours_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    #: 主办单位: the unit whose liaison logs and edits the activity.
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("resident_unit.id"), index=True)
    kind: Mapped[ActivityKind] = enum_column(ActivityKind, "activity_kind")
    title: Mapped[str] = mapped_column(sa.String(100))
    held_on: Mapped[date]
    start_time: Mapped[time]
    end_time: Mapped[time]
    place: Mapped[str] = mapped_column(sa.String(100))
    #: Participants who are not members of this community (群众、单位职工), as a head count.
    other_count: Mapped[int] = mapped_column(default=0)
    #: 志愿服务时长 per participant, in hours.
    hours: Mapped[float] = mapped_column(default=0)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[ActivityState] = enum_column(ActivityState, "activity_state", default=ActivityState.DRAFT, index=True)
    return_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None]
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    community: Mapped["Community"] = relationship()  # noqa: F821
    unit: Mapped["ResidentUnit"] = relationship()  # noqa: F821
    units: Mapped[list["ResidentUnit"]] = relationship(  # noqa: F821
        secondary=joint_activity_unit, order_by="ResidentUnit.name"
    )
    participants: Mapped[list["Member"]] = relationship(  # noqa: F821
        secondary=joint_activity_participant, order_by="Member.name"
    )
    attachments: Mapped[list["JointActivityAttachment"]] = relationship(
        back_populates="activity", order_by="JointActivityAttachment.id", cascade="all, delete-orphan"
    )
    projects: Mapped[list["CobuildingProject"]] = relationship(  # noqa: F821
        secondary=project_activity,
        order_by="CobuildingProject.title",
        backref=backref("activities", order_by="JointActivity.held_on"),
    )
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    reviewed_by: Mapped["User | None"] = relationship(foreign_keys=[reviewed_by_id])  # noqa: F821

    @property
    def head_count(self) -> int:
        return len(self.participants) + (self.other_count or 0)


class JointActivityAttachment(db.Model):
    """A photo or PDF of an activity; the file sits under the instance uploads folder as `key`."""

    __tablename__ = "joint_activity_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(sa.ForeignKey("joint_activity.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(32), unique=True)
    mime: Mapped[str] = mapped_column(sa.String(50))
    size: Mapped[int]
    original_name: Mapped[str] = mapped_column(sa.String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)

    activity: Mapped[JointActivity] = relationship(back_populates="attachments")

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")

    @property
    def community_id(self) -> int:
        return self.activity.community_id
