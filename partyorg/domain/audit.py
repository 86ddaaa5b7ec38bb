"""Write the audit trail from the domain functions that change records."""
from datetime import date, datetime
from enum import Enum

from ..extensions import db
from ..models import AuditEntry
from .masking import mask_id_number

#: Fields whose values are masked in the audit trail as everywhere else.
MASKED_FIELDS = {"id_number": mask_id_number}
#: Fields never written to the trail.
SECRET_FIELDS = {"password_hash"}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return getattr(value, "label", value.value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _shown(field: str, value) -> str:
    if field in SECRET_FIELDS:
        return "******" if value else ""
    text = _text(value)
    if field in MASKED_FIELDS and text:
        return MASKED_FIELDS[field](text)
    return text


def record(actor, obj, action: str, field: str = "", old="", new="", community_id: int | None = None) -> AuditEntry:
    """Append one audit row for `obj`."""
    if community_id is None:
        community_id = obj.id if obj.__tablename__ == "community" else getattr(obj, "community_id", None)
    entry = AuditEntry(
        user_id=getattr(actor, "id", None),
        community_id=community_id,
        entity=obj.__tablename__,
        entity_id=obj.id,
        action=action,
        field=field,
        old_value=_shown(field, old),
        new_value=_shown(field, new),
    )
    db.session.add(entry)
    return entry


def record_create(actor, obj) -> None:
    db.session.flush()
    record(actor, obj, "create")


def apply_changes(actor, obj, data: dict, expected_version: int | None = None) -> list[str]:
    """Set the fields in `data` on `obj`, audit each changed field, flush; return changed names.

    With `expected_version`, refuse the edit if the record changed since the form was opened.
    """
    from .errors import StaleEdit

    if expected_version is not None and obj.version != expected_version:
        raise StaleEdit()
    changed = []
    for field, new in data.items():
        old = getattr(obj, field)
        if old == new:
            continue
        setattr(obj, field, new)
        changed.append(field)
        record(actor, obj, "update", field, old, new)
    db.session.flush()
    return changed
