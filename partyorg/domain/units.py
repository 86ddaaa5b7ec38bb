"""Resident units (驻区单位): uniqueness, credit code, agreement dates, liaison contact."""
import re
from datetime import date, timedelta

from sqlalchemy import func, select
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

from ..extensions import db
from ..models import AssistedInfo, Category, Member, MemberStatus, ResidentUnit, UnitKind
from . import audit
from .errors import DomainError, StaleEdit

#: A mobile number, or a landline with area code such as 0937-6221234.
PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
#: How many days before the agreement ends the list starts warning.
AGREEMENT_WARNING_DAYS = 60

FIELDS = (
    "name", "kind", "credit_code", "party_org_name", "address", "agreement_start", "agreement_end",
    "liaison_name", "liaison_phone", "note",
)


def normalise_credit_code(raw: str | None) -> str | None:
    """Return the compacted 统一社会信用代码, None when blank; raise DomainError when invalid."""
    if raw is None or not raw.strip():
        return None
    code = uscc.compact(raw)
    try:
        return uscc.validate(code)
    except InvalidLength:
        raise DomainError(f"统一社会信用代码应为18位，您输入了{len(code)}位。", "credit_code") from None
    except InvalidChecksum:
        raise DomainError("统一社会信用代码校验位（最后一位）不正确，请核对后重新输入。", "credit_code") from None
    except (InvalidFormat, ValidationError):
        raise DomainError(
            "统一社会信用代码格式不正确：前8位应为数字，其余为数字或大写字母（不含I、O、S、V、Z）。",
            "credit_code",
        ) from None


def _clean(data: dict) -> dict:
    out = dict(data)
    for key, value in out.items():
        if isinstance(value, str):
            out[key] = value.strip()
    if "credit_code" in out:
        out["credit_code"] = normalise_credit_code(out["credit_code"])
    if out.get("kind"):
        try:
            out["kind"] = UnitKind(out["kind"])
        except ValueError:
            raise DomainError("请选择单位类型。", "kind") from None
    return out


def _check(community_id: int, data: dict, unit_id: int | None = None) -> None:
    if not data.get("kind"):
        raise DomainError("请选择单位类型。", "kind")
    if not data.get("name"):
        raise DomainError("请填写单位名称。", "name")
    same_name = select(ResidentUnit.id).where(
        ResidentUnit.community_id == community_id, func.lower(ResidentUnit.name) == data["name"].lower()
    )
    if unit_id is not None:
        same_name = same_name.where(ResidentUnit.id != unit_id)
    if db.session.scalar(same_name):
        raise DomainError("本社区已有同名的驻区单位。", "name")
    if data.get("credit_code"):
        same_code = select(ResidentUnit.id).where(
            ResidentUnit.community_id == community_id, ResidentUnit.credit_code == data["credit_code"]
        )
        if unit_id is not None:
            same_code = same_code.where(ResidentUnit.id != unit_id)
        if db.session.scalar(same_code):
            raise DomainError("本社区已有单位使用这个统一社会信用代码。", "credit_code")
    start, end = data.get("agreement_start"), data.get("agreement_end")
    if start and end and end < start:
        raise DomainError("协议终止日期不能早于开始日期。", "agreement_end")
    phone = data.get("liaison_phone")
    if phone and not PHONE_RE.match(phone):
        raise DomainError("联络员电话应为11位手机号，或带区号的固定电话（如0937-6221234）。", "liaison_phone")


def create_unit(actor, community_id: int, data: dict) -> ResidentUnit:
    """Register a resident unit in the community."""
    data = _clean(data)
    _check(community_id, data)
    unit = ResidentUnit(community_id=community_id, **{k: data.get(k) for k in FIELDS if k in data})
    for key in ("party_org_name", "address", "liaison_name", "liaison_phone", "note"):
        if getattr(unit, key) is None:
            setattr(unit, key, "")
    db.session.add(unit)
    audit.record_create(actor, unit)
    return unit


def update_unit(actor, unit: ResidentUnit, data: dict, expected_version: int | None = None) -> list[str]:
    """Change a unit's record; refuse a stale edit."""
    if expected_version is not None and unit.version != expected_version:
        raise StaleEdit()
    data = _clean(data)
    _check(unit.community_id, {k: getattr(unit, k) for k in FIELDS} | data, unit.id)
    for key in ("party_org_name", "address", "liaison_name", "liaison_phone", "note"):
        if key in data and data[key] is None:
            data[key] = ""
    return audit.apply_changes(actor, unit, data, expected_version)


def agreement_alert(unit: ResidentUnit, today: date) -> tuple[str, str] | None:
    """(label, colour) of a badge when the co-building agreement has ended or ends soon."""
    end = unit.agreement_end
    if end is None:
        return None
    if end < today:
        return "协议已到期", "secondary"
    if end <= today + timedelta(days=AGREEMENT_WARNING_DAYS):
        return f"{(end - today).days}天后到期", "warning"
    return None


def reporting_members(unit: ResidentUnit) -> list[dict]:
    """In-service members employed by `unit` who report to the community (协管): names, report-in
    dates and claimed posts only — what the unit's liaison may see."""
    rows = db.session.execute(
        select(Member.name, AssistedInfo.reported_on, AssistedInfo.claimed_posts)
        .join(AssistedInfo, AssistedInfo.member_id == Member.id)
        .where(
            Member.community_id == unit.community_id,
            Member.category == Category.ASSISTED,
            Member.status == MemberStatus.ACTIVE,
            AssistedInfo.employer == unit.name,
        )
        .order_by(Member.name)
    ).all()
    return [{"name": n, "reported_on": d, "posts": p} for n, d, p in rows]
