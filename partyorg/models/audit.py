"""The audit trail: who changed which field of which record, from what to what."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("ix_audit_entry_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("community.id"), index=True)
    #: The table name of the record, e.g. "member".
    entity: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int]
    #: create, update, status, reveal ...
    action: Mapped[str] = mapped_column(sa.String(20))
    field: Mapped[str] = mapped_column(sa.String(40), default="")
    old_value: Mapped[str] = mapped_column(sa.Text, default="")
    new_value: Mapped[str] = mapped_column(sa.Text, default="")

    user: Mapped["User | None"] = relationship()  # noqa: F821
