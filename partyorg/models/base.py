"""Shared column helpers, enums with Chinese labels, and mixins."""
import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


def utcnow() -> datetime:
    """Return the current time in UTC (naive, as stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a Chinese label."""

    def __new__(cls, value: str, label: str):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


def enum_column(enum_cls: type[enum.Enum], name: str, **kw):
    """A string column restricted to the enum's values by a CHECK constraint."""
    return mapped_column(
        sa.Enum(
            enum_cls,
            name=name,
            native_enum=False,
            create_constraint=True,
            length=24,
            values_callable=lambda e: [m.value for m in e],
            validate_strings=True,
        ),
        **kw,
    )


class VersionedMixin:
    """Optimistic locking: a stale edit fails instead of overwriting a newer one."""

    version: Mapped[int] = mapped_column(nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, nullable=False)
