"""Stored times are naive UTC (models.base.utcnow); users read them in their own wall-clock time."""
from datetime import UTC, datetime, timedelta, timezone

from flask import current_app


def local_time(value: datetime) -> datetime:
    """`value` (naive UTC, or aware) in DISPLAY_UTC_OFFSET_HOURS (Beijing time by default), naive."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    hours = current_app.config.get("DISPLAY_UTC_OFFSET_HOURS", 8)
    return value.astimezone(timezone(timedelta(hours=hours))).replace(tzinfo=None)
