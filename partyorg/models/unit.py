"""Resident units (驻区单位)."""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import LabelledEnum, TimestampMixin, VersionedMixin, enum_column


class UnitKind(LabelledEnum):
    GOVERNMENT = "government", "党政机关"
    INSTITUTION = "institution", "事业单位"
    STATE_FIRM = "state_firm", "国有企业"
    PRIVATE_FIRM = "private_firm", "非公有制企业"
    SOCIAL_ORG = "social_org", "社会组织"
    SCHOOL = "school", "学校"
    HOSPITAL = "hospital", "医院"
    OTHER = "other", "其他"


class ResidentUnit(VersionedMixin, TimestampMixin, db.Model):
    """驻区单位 — an organisation in the community with its own party organisation."""

    __tablename__ = "resident_unit"
    __table_args__ = (sa.UniqueConstraint("community_id", "name", name="uq_resident_unit_community_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[UnitKind] = enum_column(UnitKind, "unit_kind")
    #: 统一社会信用代码, checked with stdnum.cn.uscc when given.
    credit_code: Mapped[str | None] = mapped_column(sa.String(18))
    party_org_name: Mapped[str] = mapped_column(sa.String(100), default="")
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    agreement_start: Mapped[date | None]
    agreement_end: Mapped[date | None]
    liaison_name: Mapped[str] = mapped_column(sa.String(50), default="")
    liaison_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")

    community: Mapped["Community"] = relationship()  # noqa: F821

    def agreement_in_force(self, on: date) -> bool:
        return bool(
            self.agreement_start
            and self.agreement_start <= on
            and (self.agreement_end is None or on <= self.agreement_end)
        )
