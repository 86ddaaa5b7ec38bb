"""Category data (双管/接管/协管) and the supervision steps of the 五定 workflow."""
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import LabelledEnum, TimestampMixin, VersionedMixin, enum_column, utcnow
from .member import Category
from .user import Role


class TakeoverReason(LabelledEnum):
    LAID_OFF = "laid_off", "下岗失业"
    CONTRACT_ENDED = "contract_ended", "解除劳动合同"
    VETERAN = "veteran", "复转军人"
    GRADUATE = "graduate", "未就业高校毕业生"


class StepState(LabelledEnum):
    PENDING = "pending", "待办"
    DONE = "done", "已完成"
    WAIVED = "waived", "已免办"
    CLOSED = "closed", "已关闭"


class DualInfo(VersionedMixin, TimestampMixin, db.Model):
    """双管 — a retired member managed jointly with the former employer (原单位)."""

    __tablename__ = "dual_info"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), unique=True)
    former_employer: Mapped[str] = mapped_column(sa.String(100), default="")
    former_party_org: Mapped[str] = mapped_column(sa.String(100), default="")
    contact_person: Mapped[str] = mapped_column(sa.String(50), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(20), default="")

    member: Mapped["Member"] = relationship()  # noqa: F821


class TakeoverInfo(VersionedMixin, TimestampMixin, db.Model):
    """接管 — the community takes over the organisational relationship."""

    __tablename__ = "takeover_info"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), unique=True)
    reason: Mapped[TakeoverReason] = enum_column(TakeoverReason, "takeover_reason")
    #: The organisation the relationship comes from (原组织).
    origin_org: Mapped[str] = mapped_column(sa.String(100), default="")
    #: 组织关系介绍信: number, issuing organisation, issue date, validity in days (at most 90).
    letter_number: Mapped[str] = mapped_column(sa.String(50), default="")
    letter_issuer: Mapped[str] = mapped_column(sa.String(100), default="")
    letter_issued_on: Mapped[date | None]
    letter_valid_days: Mapped[int | None]
    #: An expired letter is accepted only with this explicit, recorded override.
    letter_expiry_override: Mapped[bool] = mapped_column(default=False)
    letter_override_reason: Mapped[str] = mapped_column(sa.String(200), default="")

    member: Mapped["Member"] = relationship()  # noqa: F821

    @property
    def letter_expires_on(self) -> date | None:
        if self.letter_issued_on is None or self.letter_valid_days is None:
            return None
        return self.letter_issued_on + timedelta(days=self.letter_valid_days)


class AssistedInfo(VersionedMixin, TimestampMixin, db.Model):
    """协管 — an in-service member reporting to the community (在职党员到社区报到)."""

    __tablename__ = "assisted_info"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), unique=True)
    employer: Mapped[str] = mapped_column(sa.String(100), default="")
    employer_party_org: Mapped[str] = mapped_column(sa.String(100), default="")
    reported_on: Mapped[date | None]
    skills: Mapped[str] = mapped_column(sa.String(200), default="")
    service_preference: Mapped[str] = mapped_column(sa.String(200), default="")
    #: 认领的服务岗位, one per line.
    claimed_posts: Mapped[str] = mapped_column(sa.Text, default="")

    member: Mapped["Member"] = relationship()  # noqa: F821


class PlanSetting(VersionedMixin, TimestampMixin, db.Model):
    """A community's change to a default plan step; applies to steps created afterwards only."""

    __tablename__ = "plan_setting"
    __table_args__ = (
        sa.UniqueConstraint("community_id", "category", "step_code", name="uq_plan_setting_community_step"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    category: Mapped[Category] = enum_column(Category, "plan_setting_category")
    step_code: Mapped[str] = mapped_column(sa.String(30))
    #: Blank means "keep the default post".
    post: Mapped[str] = mapped_column(sa.String(50), default="")
    responsible_role: Mapped[Role | None] = enum_column(Role, "plan_setting_role", nullable=True)
    responsible_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    #: Days for a relative time limit; None keeps the default.
    days: Mapped[int | None]

    responsible_user: Mapped["User | None"] = relationship()  # noqa: F821


class SupervisionStep(VersionedMixin, db.Model):
    """One step of a member's supervision plan, with its 五定 copied in when it was created."""

    __tablename__ = "supervision_step"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "plan_no", "step_code", "period_key", name="uq_supervision_step_instance"),
        sa.Index("ix_supervision_step_community_state_due", "community_id", "state", "due_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("member.id"), index=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    category: Mapped[Category] = enum_column(Category, "step_category")
    #: The nth plan opened for this member (a category change opens the next one).
    plan_no: Mapped[int] = mapped_column(default=1)
    step_code: Mapped[str] = mapped_column(sa.String(30))
    seq: Mapped[int] = mapped_column(default=0)
    #: For recurring steps: "2026Q3", "2026H2" or "2026"; None for one-off steps.
    period_key: Mapped[str | None] = mapped_column(sa.String(10))
    #: 定岗位
    post: Mapped[str] = mapped_column(sa.String(50), default="")
    #: 定责任: a role, and optionally a named person.
    responsible_role: Mapped[Role] = enum_column(Role, "step_responsible_role")
    responsible_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    #: 定任务
    task: Mapped[str] = mapped_column(sa.String(100))
    #: 定标准
    standard: Mapped[str] = mapped_column(sa.String(200), default="")
    #: 定时限, as shown, e.g. "登记后10日内"; `limit_days` is the number it was computed from.
    time_limit_text: Mapped[str] = mapped_column(sa.String(60), default="")
    limit_days: Mapped[int | None]
    due_on: Mapped[date] = mapped_column(index=True)
    state: Mapped[StepState] = enum_column(StepState, "step_state", default=StepState.PENDING, index=True)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    evidence: Mapped[str] = mapped_column(sa.Text, default="")
    #: 评价结果 for evaluations and appraisals: 优秀/合格/基本合格/不合格.
    outcome: Mapped[str] = mapped_column(sa.String(10), default="")
    #: Service hours, for service records.
    hours: Mapped[float | None]
    waive_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    closed_reason: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)

    member: Mapped["Member"] = relationship()  # noqa: F821
    responsible_user: Mapped["User | None"] = relationship(foreign_keys=[responsible_user_id])  # noqa: F821
    done_by: Mapped["User | None"] = relationship(foreign_keys=[done_by_id])  # noqa: F821
