"""Co-building (共驻共建): agreements, resource, need and project lists, and their rules."""
from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    CobuildingAgreement,
    CobuildingProject,
    CommunityNeed,
    NeedStatus,
    ProjectStatus,
    ResidentUnit,
    ResourceKind,
    ResourceState,
    UnitResource,
    utcnow,
)
from . import audit
from .errors import DomainError, StaleEdit

AGREEMENT_FIELDS = ("agreement_start", "agreement_end", "signed_on", "community_signatory", "unit_signatory", "content")
RESOURCE_FIELDS = ("kind", "description", "quantity", "note")
NEED_FIELDS = ("title", "description", "status")
PROJECT_FIELDS = ("resident_unit_id", "resource_id", "need_id", "title", "status", "started_on", "finished_on", "note")

_LENGTHS = {
    "community_signatory": (50, "社区方签字人"), "unit_signatory": (50, "单位方签字人"),
    "description": (200, "资源说明"), "quantity": (100, "数量/规模"), "title": (100, "名称"),
}


def _strip(data: dict) -> dict:
    out = {}
    for key, value in data.items():
        out[key] = value.strip() if isinstance(value, str) else value
    for key, value in out.items():
        if key in _LENGTHS and isinstance(value, str) and len(value) > _LENGTHS[key][0]:
            limit, name = _LENGTHS[key]
            raise DomainError(f"{name}不能超过{limit}个字。", key)
    return out


def _enum(enum_cls, value, field: str, message: str):
    try:
        return enum_cls(value or "")
    except ValueError:
        raise DomainError(message, field) from None


def _not_stale(record, expected_version: int | None) -> None:
    """Refuse an edit of a form opened at another version (before checking what it says)."""
    if expected_version is not None and record.version != expected_version:
        raise StaleEdit()


def _unit_in(community_id: int, unit_id) -> ResidentUnit:
    unit = db.session.get(ResidentUnit, unit_id) if unit_id else None
    if unit is None or unit.community_id != community_id:
        raise DomainError("请选择本社区的驻区单位。", "resident_unit_id")
    return unit


def _title_taken(model, community_id: int, title: str, own_id: int | None) -> bool:
    """Whether another record of the community's list has this title (letter case aside)."""
    same = select(model.id).where(model.community_id == community_id, func.lower(model.title) == title.lower())
    if own_id is not None:
        same = same.where(model.id != own_id)
    return bool(db.session.scalar(same))


# --- agreements ------------------------------------------------------------------------------

def agreement_of(unit: ResidentUnit) -> CobuildingAgreement | None:
    return db.session.scalar(select(CobuildingAgreement).where(CobuildingAgreement.resident_unit_id == unit.id))


def save_agreement(actor, unit: ResidentUnit, data: dict, expected_version: int | None, scan=None) -> CobuildingAgreement:
    """Record the agreement's dates (kept on the unit), signatories and, optionally, its scanned copy."""
    data = _strip(data)
    agreement = agreement_of(unit)
    if agreement is not None:
        _not_stale(agreement, expected_version)
    start, end = data.get("agreement_start"), data.get("agreement_end")
    if start is None:
        raise DomainError("请填写协议开始日期。", "agreement_start")
    if end is not None and end < start:
        raise DomainError("协议终止日期不能早于开始日期。", "agreement_end")
    signed = data.get("signed_on")
    if signed is not None and end is not None and signed > end:
        raise DomainError("签订日期不能晚于协议终止日期。", "signed_on")
    audit.apply_changes(actor, unit, {"agreement_start": start, "agreement_end": end})
    details = {k: data.get(k) for k in ("signed_on", "community_signatory", "unit_signatory", "content")}
    for key in ("community_signatory", "unit_signatory", "content"):
        details[key] = details[key] or ""
    if scan is not None:
        details |= {"scan_key": scan.key, "scan_mime": scan.mime, "scan_name": scan.original_name}
    if agreement is None:
        agreement = CobuildingAgreement(community_id=unit.community_id, resident_unit_id=unit.id, **details)
        db.session.add(agreement)
        audit.record_create(actor, agreement)
    else:
        audit.apply_changes(actor, agreement, details, expected_version)
    return agreement


# --- resources -------------------------------------------------------------------------------

def _check_resource(data: dict) -> dict:
    data = _strip(data)
    data["kind"] = _enum(ResourceKind, data.get("kind"), "kind", "请选择资源类型。")
    if not data.get("description"):
        raise DomainError("请填写资源说明。", "description")
    for key in ("quantity", "note"):
        data[key] = data.get(key) or ""
    return data


def create_resource(actor, unit: ResidentUnit, data: dict, confirmed: bool) -> UnitResource:
    """Add a unit's resource: confirmed when staff enter it, awaiting confirmation when a liaison proposes it."""
    data = _check_resource({k: data.get(k) for k in RESOURCE_FIELDS})
    resource = UnitResource(
        community_id=unit.community_id, resident_unit_id=unit.id, proposed_by_id=actor.id,
        state=ResourceState.CONFIRMED if confirmed else ResourceState.PENDING, **data,
    )
    if confirmed:
        resource.confirmed_by_id, resource.confirmed_at = actor.id, utcnow()
    db.session.add(resource)
    audit.record_create(actor, resource)
    return resource


def update_resource(actor, resource: UnitResource, data: dict, expected_version: int | None) -> list[str]:
    """Change a resource; staff may also set its state (a liaison's form has none)."""
    _not_stale(resource, expected_version)
    changes = _check_resource({k: data.get(k, getattr(resource, k)) for k in RESOURCE_FIELDS})
    if data.get("state"):
        changes["state"] = _enum(ResourceState, data["state"], "state", "请选择资源状态。")
        if changes["state"] == ResourceState.CONFIRMED and resource.state != ResourceState.CONFIRMED:
            changes |= {"confirmed_by_id": actor.id, "confirmed_at": utcnow()}
    return audit.apply_changes(actor, resource, changes, expected_version)


def confirm_resource(actor, resource: UnitResource) -> None:
    if resource.state != ResourceState.PENDING:
        raise DomainError(f"该资源当前为“{resource.state.label}”，只有待确认的资源可以确认。")
    audit.apply_changes(
        actor, resource, {"state": ResourceState.CONFIRMED, "confirmed_by_id": actor.id, "confirmed_at": utcnow()}
    )


# --- needs ------------------------------------------------------------------------------------

def _check_need(community_id: int, data: dict, need_id: int | None = None) -> dict:
    data = _strip(data)
    if not data.get("title"):
        raise DomainError("请填写需求名称。", "title")
    data["description"] = data.get("description") or ""
    data["status"] = _enum(NeedStatus, data.get("status") or NeedStatus.OPEN.value, "status", "请选择需求状态。")
    if _title_taken(CommunityNeed, community_id, data["title"], need_id):
        raise DomainError("本社区已有同名的需求。", "title")
    return data


def create_need(actor, community_id: int, data: dict) -> CommunityNeed:
    return _create_listed(actor, CommunityNeed, community_id, data)


def update_need(actor, need: CommunityNeed, data: dict, expected_version: int | None) -> list[str]:
    return _update_listed(actor, need, data, expected_version)


# --- projects ---------------------------------------------------------------------------------

def _check_project(community_id: int, data: dict, project_id: int | None = None) -> dict:
    data = _strip(data)
    if not data.get("title"):
        raise DomainError("请填写项目名称。", "title")
    unit = _unit_in(community_id, data.get("resident_unit_id"))
    data["resident_unit_id"] = unit.id
    data["resource_id"] = data.get("resource_id") or None
    data["need_id"] = data.get("need_id") or None
    if data["resource_id"]:
        resource = db.session.get(UnitResource, data["resource_id"])
        if resource is None or resource.community_id != community_id or resource.resident_unit_id != unit.id:
            raise DomainError(f"请选择“{unit.name}”提供的资源。", "resource_id")
        if resource.state != ResourceState.CONFIRMED:
            raise DomainError(f"资源“{resource.description}”{resource.state.label}，只能对接已确认的资源。", "resource_id")
    if data["need_id"]:
        need = db.session.get(CommunityNeed, data["need_id"])
        if need is None or need.community_id != community_id:
            raise DomainError("请选择本社区的需求。", "need_id")
    data["status"] = _enum(ProjectStatus, data.get("status") or ProjectStatus.PREPARING.value, "status", "请选择项目状态。")
    started, finished = data.get("started_on"), data.get("finished_on")
    if data["status"] == ProjectStatus.DONE and finished is None:
        raise DomainError("项目已完成，请填写完成日期。", "finished_on")
    if data["status"] != ProjectStatus.DONE and finished is not None:
        raise DomainError("项目尚未完成，不能填写完成日期。", "finished_on")
    if data["status"] != ProjectStatus.PREPARING and started is None:
        raise DomainError(f"项目{data['status'].label}，请填写开始日期。", "started_on")
    if started and finished and finished < started:
        raise DomainError("完成日期不能早于开始日期。", "finished_on")
    data["note"] = data.get("note") or ""
    if _title_taken(CobuildingProject, community_id, data["title"], project_id):
        raise DomainError("本社区已有同名的共建项目。", "title")
    return data


def create_project(actor, community_id: int, data: dict) -> CobuildingProject:
    return _create_listed(actor, CobuildingProject, community_id, data)


def update_project(actor, project: CobuildingProject, data: dict, expected_version: int | None) -> list[str]:
    return _update_listed(actor, project, data, expected_version)


# --- what the need and project lists share ------------------------------------------------------

#: Per model of a community's list: the fields a form sets, and the check that cleans them.
_LISTED = {CommunityNeed: (NEED_FIELDS, _check_need), CobuildingProject: (PROJECT_FIELDS, _check_project)}


def _create_listed(actor, model, community_id: int, data: dict):
    """Check `data` and add it to the community's list of `model` (needs or projects)."""
    fields, check = _LISTED[model]
    record = model(community_id=community_id, **check(community_id, {k: data.get(k) for k in fields}))
    db.session.add(record)
    audit.record_create(actor, record)
    return record


def _update_listed(actor, record, data: dict, expected_version: int | None) -> list[str]:
    """Check `data` and apply it to a record of a community's list; return the changed field names."""
    _not_stale(record, expected_version)
    fields, check = _LISTED[type(record)]
    data = check(record.community_id, {k: data.get(k) for k in fields}, record.id)
    return audit.apply_changes(actor, record, data, expected_version)


# --- counts ----------------------------------------------------------------------------------

def unit_counts(community_id: int) -> dict[int, dict[str, int]]:
    """Per unit: confirmed resources, resources awaiting confirmation, projects."""
    out: dict[int, dict[str, int]] = {}
    for unit_id, state, n in db.session.execute(
        select(UnitResource.resident_unit_id, UnitResource.state, func.count())
        .where(UnitResource.community_id == community_id)
        .group_by(UnitResource.resident_unit_id, UnitResource.state)
    ):
        out.setdefault(unit_id, {"confirmed": 0, "pending": 0, "projects": 0})
        if state in (ResourceState.CONFIRMED, ResourceState.PENDING):
            out[unit_id][state.value] += n
    for unit_id, n in db.session.execute(
        select(CobuildingProject.resident_unit_id, func.count())
        .where(CobuildingProject.community_id == community_id)
        .group_by(CobuildingProject.resident_unit_id)
    ):
        out.setdefault(unit_id, {"confirmed": 0, "pending": 0, "projects": 0})["projects"] = n
    return out
