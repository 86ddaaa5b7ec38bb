"""Accounts and roles."""
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import LabelledEnum, TimestampMixin, VersionedMixin, enum_column


class Role(LabelledEnum):
    DISTRICT = "district", "区委组织部"
    SECRETARY = "secretary", "社区党委书记"
    STAFF = "staff", "社区工作人员"
    BRANCH_SECRETARY = "branch_secretary", "支部书记"
    LIAISON = "liaison", "驻区单位联络员"


class User(UserMixin, VersionedMixin, TimestampMixin, db.Model):
    """An account; its role and scope decide what it may see and change."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(50))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = enum_column(Role, "role")
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("community.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    resident_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resident_unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]

    community: Mapped["Community | None"] = relationship()  # noqa: F821
    branch: Mapped["Branch | None"] = relationship()  # noqa: F821
    resident_unit: Mapped["ResidentUnit | None"] = relationship()  # noqa: F821

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active
