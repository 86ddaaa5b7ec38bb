"""The big party committee (大党委): seats and the successive terms of their holders."""
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import LabelledEnum, TimestampMixin, VersionedMixin, enum_column


class SeatPost(LabelledEnum):
    SECRETARY = "secretary", "书记"
    DEPUTY = "deputy", "副书记"
    CONCURRENT_DEPUTY = "concurrent_deputy", "兼职副书记"
    MEMBER = "member", "委员"
    CONCURRENT_MEMBER = "concurrent_member", "兼职委员"

    @property
    def concurrent(self) -> bool:
        """A concurrent (兼职) seat is held by a party leader of a resident unit."""
        return self in (SeatPost.CONCURRENT_DEPUTY, SeatPost.CONCURRENT_MEMBER)


class ChosenBy(LabelledEnum):
    ELECTED = "elected", "选举"
    COOPTED = "coopted", "增补"


class CommitteeSeat(VersionedMixin, TimestampMixin, db.Model):
    """A post slot on the community party committee; its holders follow one another as terms."""

    __tablename__ = "committee_seat"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    post: Mapped[SeatPost] = enum_column(SeatPost, "seat_post")
    #: 分工, e.g. 组织委员, 宣传委员.
    duty: Mapped[str] = mapped_column(sa.String(50), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")

    community: Mapped["Community"] = relationship()  # noqa: F821
    terms: Mapped[list["SeatTerm"]] = relationship(
        back_populates="seat", order_by="SeatTerm.start_on", cascade="all, delete-orphan"
    )

    def term_on(self, day: date) -> "SeatTerm | None":
        """The term in force on `day`, if any."""
        for term in self.terms:
            if term.covers(day):
                return term
        return None


class SeatTerm(VersionedMixin, TimestampMixin, db.Model):
    """One holder's term on a seat: a member of the community, or an outside person by name."""

    __tablename__ = "seat_term"
    __table_args__ = (sa.CheckConstraint("end_on >= start_on", name="term_ends_after_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(sa.ForeignKey("committee_seat.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("member.id"), index=True)
    #: An outside holder: name, party organisation and post there.
    holder_name: Mapped[str] = mapped_column(sa.String(50), default="")
    holder_org: Mapped[str] = mapped_column(sa.String(100), default="")
    holder_post: Mapped[str] = mapped_column(sa.String(50), default="")
    #: The resident unit a concurrent holder comes from.
    resident_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("resident_unit.id"), index=True)
    chosen_by: Mapped[ChosenBy] = enum_column(ChosenBy, "seat_chosen_by")
    start_on: Mapped[date]
    end_on: Mapped[date]
    #: Why the term ended before its planned end (resignation, transfer ...).
    end_reason: Mapped[str] = mapped_column(sa.String(200), default="")

    seat: Mapped[CommitteeSeat] = relationship(back_populates="terms")
    member: Mapped["Member | None"] = relationship()  # noqa: F821
    resident_unit: Mapped["ResidentUnit | None"] = relationship()  # noqa: F821

    @property
    def community_id(self) -> int:
        return self.seat.community_id

    @property
    def holder(self) -> str:
        return self.member.name if self.member else self.holder_name

    def covers(self, day: date) -> bool:
        return self.start_on <= day <= self.end_on
