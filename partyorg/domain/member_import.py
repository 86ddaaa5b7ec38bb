"""Bringing members in from an Excel sheet without losing data.

`preview` reads every row, applies exactly the rules of the member form (`members.check`) and
returns every problem with its row and column; it writes nothing. `apply` writes a clean
preview in the caller's transaction: new members (audited, their supervision plan opened) and,
when asked for, the changed fields of members already registered. A blank cell never erases a
stored value, and a row equal to the stored record changes nothing, so importing the same file
twice writes nothing the second time.
"""
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..excel import Formula, Sheet, read_sheet
from ..extensions import db
from ..models import (
    EDUCATION_CHOICES,
    Branch,
    Building,
    Category,
    Community,
    Gender,
    Member,
    MemberStatus,
    MemberType,
    TakeoverReason,
)
from . import audit, idnumber, members, workflow
from .errors import DomainError

#: The template's columns in the order of the issue's list: header text -> member field.
#: 工作单位及职务 is split into work unit and post; 原单位, 接管原因 and 报到日期 fill the category data.
COLUMNS = {
    "姓名": "name",
    "性别": "gender",
    "民族": "ethnicity",
    "出生日期": "birth_date",
    "公民身份号码": "id_number",
    "学历": "education",
    "人员类别": "member_type",
    "入党日期": "joined_on",
    "转正日期": "full_on",
    "党员类别": "category",
    "所在支部": "branch_id",
    "党小组": "group_id",
    "楼栋": "building_id",
    "单元": "stair_unit_id",
    "房号": "room",
    "联系电话": "phone",
    "工作单位及职务": "work_unit_post",
    "原单位": "former_unit",
    "接管原因": "takeover_reason",
    "报到日期": "reported_on",
}
#: Columns the member list export writes besides the template's; the import reads them too.
EXTRA_COLUMNS = {"工作单位": "work_unit", "职务": "post", "正式组织关系在本社区": "relation_here"}
#: The member list export adds the status; the import accepts it (only 在册 members come in).
STATUS_HEADER = "状态"
#: Other names people give the same columns (earlier template headers, the member form's labels).
ALIASES = {
    "身份证号码": "公民身份号码", "身份证号": "公民身份号码", "党员类型": "人员类别", "类别": "党员类别",
    "管理类别": "党员类别", "党支部": "所在支部", "所在党支部": "所在支部", "所在党小组": "党小组",
    "手机号码": "联系电话", "工作单位和职务": "工作单位及职务", "单位及职务": "工作单位及职务",
    "到社区报到日期": "报到日期",
}
REQUIRED = ("姓名", "性别", "公民身份号码", "人员类别", "入党日期", "党员类别", "所在支部")
KNOWN = set(COLUMNS) | set(EXTRA_COLUMNS) | {STATUS_HEADER}
HEADER_OF = {f: h for h, f in (COLUMNS | EXTRA_COLUMNS).items()} | {"id_legacy": "公民身份号码"}

WEB_MAX_ROWS = 2000
CLI_MAX_ROWS = 10000
WEB_MAX_BYTES = 5 * 1024 * 1024
CLI_MAX_BYTES = 50 * 1024 * 1024

NEW, UPDATE, UNCHANGED = "new", "update", "unchanged"
ACTION_LABELS = {NEW: "新增", UPDATE: "更新", UNCHANGED: "无变化"}

_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = date(1899, 12, 30)
_GENDERS = {"男": Gender.MALE, "女": Gender.FEMALE}
_TYPES = {"正式党员": MemberType.FULL, "正式": MemberType.FULL, "预备党员": MemberType.PROBATIONARY,
          "预备": MemberType.PROBATIONARY}
_CATEGORIES = {c.label: c for c in Category} | {c.label + "党员": c for c in Category}
_REASONS = "、".join(x.label for x in TakeoverReason)
_WORK_SEPARATOR = re.compile(r"\s*[/／|｜;；,，、]\s*|\s+")
#: The parsed row's category data (原单位, 接管原因, 报到日期), kept apart from the member fields.
INFO_KEY = "_info"
_YES = {"是", "√", "Y", "y", "yes", "1"}
_NO = {"否", "×", "N", "n", "no", "0"}


@dataclass
class Problem:
    row: int
    column: str
    message: str


@dataclass
class RowPlan:
    row: int
    name: str
    action: str
    member: Member | None
    #: What goes to members.create_member / update_member.
    data: dict
    #: (field, old value shown, new value shown) for an update.
    changes: list = field(default_factory=list)
    #: Category data (DualInfo/TakeoverInfo/AssistedInfo fields) to write, if the row has any.
    info: dict = field(default_factory=dict)


@dataclass
class Preview:
    problems: list = field(default_factory=list)
    #: Notes that do not stop the import (columns that will be ignored).
    warnings: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    allow_update: bool = False
    #: Column key -> the header text as written in the file (problems name the user's own header).
    shown: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict:
        return {a: self.count(a) for a in (NEW, UPDATE, UNCHANGED)}

    def digest(self) -> str:
        """What the confirmation will write; if it differs at confirm time, something changed meanwhile."""
        plan = [
            (r.row, r.action, r.member.id if r.member else None, r.member.version if r.member else None,
             [list(map(str, c)) for c in r.changes])
            for r in self.rows
        ]
        return hashlib.sha256(json.dumps([plan, len(self.problems)], default=str).encode()).hexdigest()


def template_headers() -> list[str]:
    return list(COLUMNS)


def template_header_row() -> list[str]:
    """The template's header row: required columns marked with *."""
    return [f"{h}*" if h in REQUIRED else h for h in COLUMNS]


def _short(value, limit: int = 20) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _header_key(value) -> str:
    return re.sub(r"[\s*＊]", "", str(value or ""))


def _map_headers(headers, preview: Preview) -> dict[str, int]:
    """Header text -> column position; missing, repeated and unknown headers are reported."""
    index: dict[str, int] = {}
    for pos, raw in enumerate(headers):
        if raw is None:
            continue
        key = _header_key(raw)
        key = ALIASES.get(key, key)
        if key in KNOWN:
            if key in index:
                preview.problems.append(Problem(1, key, f"表头“{key}”出现了不止一次，请只保留一列。"))
            index[key] = pos
            preview.shown.setdefault(key, _short(_header_key(raw)))
        elif key:
            preview.warnings.append(f"表头“{_short(raw)}”不是模板中的列，该列将被忽略。")
    for key in REQUIRED:
        if key not in index:
            preview.problems.append(Problem(1, key, f"缺少必填的列“{key}”。请使用导入模板的表头。"))
    return index


class _Refs:
    """The community's buildings, stair units, branches and groups by name (a few queries)."""

    def __init__(self, community_id: int):
        self.buildings = {
            b.name: b for b in db.session.scalars(
                select(Building).where(Building.community_id == community_id).options(selectinload(Building.stair_units))
            )
        }
        self.branches = {
            b.name: b for b in db.session.scalars(
                select(Branch).where(Branch.community_id == community_id).options(selectinload(Branch.groups))
            )
        }
        self.names = {
            "building_id": {b.id: b.name for b in self.buildings.values()},
            "stair_unit_id": {s.id: s.name for b in self.buildings.values() for s in b.stair_units},
            "branch_id": {b.id: b.name for b in self.branches.values()},
            "group_id": {g.id: g.name for b in self.branches.values() for g in b.groups},
        }


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def parse_date(value) -> date | None:
    """An Excel date, a serial number, or text like 2026-11-27, 2026/11/27, 2026年11月27日; None if blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's serial days up to 9999-12-31
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError
    match = _DATE_TEXT.match(str(value).strip())
    if not match:
        raise ValueError
    return date(*(int(p) for p in match.groups()))


def _id_text(value) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        digits = _text(value)
        if len(digits) != 15:
            # Excel keeps only 15 significant digits: the last ones of an 18-digit number are lost.
            raise DomainError("身份证号码被Excel存成了数字，末几位可能已经丢失。请把该列设为“文本”格式后重新填写。")
        return digits
    return idnumber.normalise(_text(value))


class _RowReader:
    """Turn one row's cells into member data, noting each cell's problem."""

    def __init__(self, preview: Preview, refs: _Refs, index: dict[str, int], row: int, values: list):
        self.preview, self.refs, self.index, self.row, self.values = preview, refs, index, row, values
        self.ok = True

    def has(self, header: str) -> bool:
        return header in self.index

    def raw(self, header: str):
        pos = self.index.get(header)
        if pos is None or pos >= len(self.values):
            return None
        return self.values[pos]

    def problem(self, header: str, message: str) -> None:
        self.preview.problems.append(Problem(self.row, self.preview.shown.get(header, header), message))
        self.ok = False

    def cell(self, header: str):
        value = self.raw(header)
        if isinstance(value, Formula):
            self.problem(header, "单元格是公式，请复制后“粘贴为数值”再导入。")
            return None
        return value

    def text(self, header: str) -> str | None:
        value = self.cell(header)
        return _text(value) or None

    def choice(self, header: str, mapping: dict, allowed: str):
        value = self.text(header)
        if value is None:
            return None
        if value not in mapping:
            self.problem(header, f"“{_short(value)}”无法识别，应填{allowed}。")
            return None
        return mapping[value]

    def day(self, header: str) -> date | None:
        value = self.cell(header)
        try:
            return parse_date(value)
        except (ValueError, OverflowError):
            self.problem(header, f"日期“{_short(_text(value))}”无法识别，应写作 2026-11-27、2026/11/27 或 2026年11月27日。")
            return None


def _read_row(reader: _RowReader, today: date) -> dict:
    """The row's non-blank values keyed by member field (None for a blank cell)."""
    r = reader
    out: dict = {}
    for header in ("姓名", "民族", "房号"):
        out[COLUMNS[header]] = r.text(header)
    out["work_unit"], out["post"] = _split_work(r.text("工作单位及职务"))
    for header in ("工作单位", "职务"):  # the separate columns of the member list export win
        if (value := r.text(header)) is not None:
            out[EXTRA_COLUMNS[header]] = value
    out["gender"] = r.choice("性别", {k: v.value for k, v in _GENDERS.items()}, "“男”或“女”")
    out["member_type"] = r.choice("人员类别", {k: v.value for k, v in _TYPES.items()}, "“正式党员”或“预备党员”")
    out["category"] = r.choice("党员类别", {k: v.value for k, v in _CATEGORIES.items()}, "直管、双管、接管或协管")
    education = r.text("学历")
    if education is not None and education not in EDUCATION_CHOICES:
        r.problem("学历", f"“{_short(education)}”不在学历列表中，应为：{'、'.join(EDUCATION_CHOICES)}。")
        education = None
    out["education"] = education
    for header in ("出生日期", "入党日期", "转正日期"):
        out[COLUMNS[header]] = r.day(header)
    phone = r.text("联系电话")
    out["phone"] = phone.replace(" ", "") if phone else None

    raw_id = r.cell("公民身份号码")
    out["id_number"] = None
    if raw_id is not None:
        try:
            out["id_number"] = idnumber.parse(_id_text(raw_id), today).number
        except DomainError as err:
            r.problem("公民身份号码", err.message)
    elif r.has("公民身份号码"):
        r.problem("公民身份号码", "请填写公民身份号码。")

    relation = r.text("正式组织关系在本社区")
    out["relation_here"] = None
    if relation is not None:
        if relation in _YES:
            out["relation_here"] = True
        elif relation in _NO:
            out["relation_here"] = False
        else:
            r.problem("正式组织关系在本社区", f"“{_short(relation)}”无法识别，应填“是”或“否”。")

    status = r.text(STATUS_HEADER)
    if status is not None and status != MemberStatus.ACTIVE.label:
        r.problem(STATUS_HEADER, f"只能导入在册党员（该行状态为“{_short(status)}”）。")

    _read_places(r, out)
    _read_branch(r, out)
    out[INFO_KEY] = {
        "former_unit": r.text("原单位"),
        "reason": r.choice("接管原因", {x.label: x.value for x in TakeoverReason}, _REASONS),
        "reported_on": r.day("报到日期"),
    }
    return out


def _split_work(value: str | None) -> tuple[str | None, str | None]:
    """工作单位及职务 → (work unit, post), split at the first separator; no separator: all work unit."""
    if value is None:
        return None, None
    parts = _WORK_SEPARATOR.split(value, maxsplit=1)
    if len(parts) == 1:
        return value, None
    return parts[0].strip() or None, parts[1].strip() or None


def _read_places(r: _RowReader, out: dict) -> None:
    out["building_id"] = out["stair_unit_id"] = None
    building_name, unit_name = r.text("楼栋"), r.text("单元")
    building = None
    if building_name is not None:
        building = r.refs.buildings.get(building_name)
        if building is None:
            r.problem("楼栋", f"本社区没有名为“{_short(building_name)}”的楼栋。请先在“楼栋”页面新建，或核对名称。")
        else:
            out["building_id"] = building.id
    if unit_name is not None:
        if building is None:
            if building_name is None:
                r.problem("单元", "填写了单元，请同时填写楼栋。")
            return
        units = {s.name: s for s in building.stair_units}
        unit = units.get(unit_name) or units.get(f"{unit_name}单元")
        if unit is None:
            r.problem("单元", f"{building.name}没有名为“{_short(unit_name)}”的单元。")
        else:
            out["stair_unit_id"] = unit.id


def _read_branch(r: _RowReader, out: dict) -> None:
    out["branch_id"] = out["group_id"] = None
    branch_name, group_name = r.text("所在支部"), r.text("党小组")
    branch = None
    if branch_name is not None:
        branch = r.refs.branches.get(branch_name)
        if branch is None:
            r.problem("所在支部", f"本社区没有名为“{_short(branch_name)}”的党支部。请核对名称。")
        else:
            out["branch_id"] = branch.id
    if group_name is not None:
        if branch is None:
            if branch_name is None:
                r.problem("党小组", "填写了党小组，请同时填写所在支部。")
            return
        group = next((g for g in branch.groups if g.name == group_name), None)
        if group is None:
            r.problem("党小组", f"{branch.name}没有名为“{_short(group_name)}”的党小组。")
        else:
            out["group_id"] = group.id


def _stored(member: Member) -> dict:
    """A member's current values in the shape `members.check` takes."""
    out = {}
    for name in members.FIELDS:
        value = getattr(member, name)
        out[name] = value.value if hasattr(value, "value") and not isinstance(value, bool) else value
    return out


def _merge(parsed: dict, member: Member | None, id_number: str | None) -> dict:
    """Stored values overlaid by the row's non-blank cells; for a new member, defaults for blanks."""
    if member is not None:
        data = _stored(member)
        data.update({k: v for k, v in parsed.items() if v is not None})
        data["id_number"] = member.id_number if id_number in members._id_variants(member.id_number) else id_number
        return data
    data = {k: ("" if v is None and k in ("name", "ethnicity", "work_unit", "post", "room", "phone", "education") else v)
            for k, v in parsed.items()}
    if data.get("relation_here") is None:
        data["relation_here"] = data.get("category") != Category.ASSISTED.value
    return data


def _shown(refs: _Refs, name: str, value) -> str:
    if name in refs.names:
        return refs.names[name].get(value, "") if value else ""
    if name == "id_number" and value:
        return value
    return audit._text(value)


def preview_sheet(actor, community_id: int, sheet: Sheet, allow_update: bool = False, today: date | None = None) -> Preview:
    """Check every row of `sheet` for `community_id`; write nothing."""
    today = today or date.today()
    preview = Preview(allow_update=allow_update)
    index = _map_headers(sheet.headers, preview)
    if preview.problems:
        return preview  # without the right columns the rows cannot be read
    if not sheet.rows:
        preview.problems.append(Problem(2, "", "表头下面没有数据行：请从第二行起每行填写一名党员。"))
        return preview
    refs = _Refs(community_id)
    readers = []
    for row, values in sheet.rows:
        reader = _RowReader(preview, refs, index, row, values)
        readers.append((reader, _read_row(reader, today)))

    numbers = {v for _, parsed in readers if parsed["id_number"] for v in members._id_variants(parsed["id_number"])}
    # Every active member holding one of the file's numbers, in any community, in a few queries.
    registered: dict[str, Member] = {}
    ordered = sorted(numbers)
    for start in range(0, len(ordered), 500):
        stmt = select(Member).where(Member.status == MemberStatus.ACTIVE,
                                    Member.id_number.in_(ordered[start:start + 500]))
        registered.update({m.id_number: m for m in db.session.scalars(stmt)})
    existing = {n: m for n, m in registered.items() if m.community_id == community_id}
    infos = _stored_infos(existing.values())

    first_row: dict[str, int] = {}
    for reader, parsed in readers:
        number = parsed["id_number"]
        variants = members._id_variants(number) if number else set()
        earlier = next((first_row[v] for v in variants if v in first_row), None)
        if earlier is not None:
            reader.problem("公民身份号码", f"与第{earlier}行的公民身份号码重复，同一党员只能填一行。")
        for v in variants:
            first_row.setdefault(v, reader.row)
        if not reader.ok:
            continue
        member = next((existing[v] for v in variants if v in existing), None)
        stored_info = infos.get(member.id) if member is not None else None
        _plan_row(actor, community_id, preview, refs, reader, parsed, member, stored_info, registered, today)
    return preview


def _stored_infos(found) -> dict:
    """Member id -> category data of the members already registered (one query per category)."""
    by_class: dict = {}
    for m in found:
        cls = workflow.INFO_CLASSES.get(Category(m.category))
        if cls is not None:
            by_class.setdefault(cls, []).append(m.id)
    out = {}
    for cls, ids in by_class.items():
        out.update({i.member_id: i for i in db.session.scalars(select(cls).where(cls.member_id.in_(ids)))})
    return out


#: Where 原单位 goes for each category; 接管原因 and 报到日期 only fit one category each.
_FORMER_UNIT_FIELD = {Category.DUAL: "former_employer", Category.TAKEOVER: "origin_org", Category.ASSISTED: "employer"}
_INFO_HEADERS = {"former_unit": "原单位", "reason": "接管原因", "reported_on": "报到日期"}
_INFO_LABELS = {"former_employer": "原单位", "origin_org": "原单位", "employer": "原单位", "reason": "接管原因",
                "reported_on": "报到日期"}
_INFO_ONLY_FOR = {"reason": Category.TAKEOVER, "reported_on": Category.ASSISTED}


def _plan_info(reader, extras: dict, category: Category, joined_on: date, stored, today: date) -> dict | None:
    """The row's category data as model fields; None (with a problem noted) when it does not fit."""
    given = {k: v for k, v in extras.items() if v is not None}
    data: dict = {}
    for key, value in given.items():
        header = _INFO_HEADERS[key]
        if key == "former_unit":
            target = _FORMER_UNIT_FIELD.get(category)
            if target is None:
                reader.problem(header, f"{category.label}党员不填写原单位，请清空该单元格。")
                return None
            if len(value) > 100:
                reader.problem(header, "原单位不能超过100个字符。")
                return None
            data[target] = value
        elif category != _INFO_ONLY_FOR[key]:
            reader.problem(header, f"只有{_INFO_ONLY_FOR[key].label}党员填写{header}，该行是{category.label}党员。")
            return None
        elif key == "reason":
            data["reason"] = TakeoverReason(value)
        else:
            if value > today:
                reader.problem(header, "报到日期不能晚于今天。")
                return None
            if value < joined_on:
                reader.problem(header, "报到日期不能早于入党日期。")
                return None
            data["reported_on"] = value
    if category == Category.TAKEOVER and data and stored is None and "reason" not in data:
        reader.problem("接管原因", f"请填写接管原因（{_REASONS}）。")
        return None
    return data


def _plan_row(actor, community_id, preview, refs, reader, parsed, member, stored_info, registered, today) -> None:
    parsed = dict(parsed)
    extras = parsed.pop(INFO_KEY)
    data = _merge(parsed, member, parsed["id_number"])
    if data.get("birth_date") is None and parsed["id_number"]:
        # A blank birth date is the one the ID number carries.
        data["birth_date"] = idnumber.parse(parsed["id_number"], today).birth_date
    try:
        values = members.check(actor, community_id, data, member=member, today=today, registered=registered)
    except DomainError as err:
        reader.problem(HEADER_OF.get(err.field, ""), err.message)
        return
    name = values["name"]
    info = _plan_info(reader, extras, Category(values["category"]), values["joined_on"], stored_info, today)
    if info is None:
        return
    if member is None:
        preview.rows.append(RowPlan(reader.row, name, NEW, None, data, info=info))
        return
    changes = [
        (f, _shown(refs, f, getattr(member, f)), _shown(refs, f, v))
        for f, v in values.items() if f != "id_legacy" and getattr(member, f) != v
    ]
    if values["category"] == member.category:
        old_info = {f: getattr(stored_info, f) if stored_info is not None else None for f in info}
        info = {f: v for f, v in info.items() if old_info[f] != v}
        changes += [(_INFO_LABELS[f], audit._text(old_info[f]), audit._text(v)) for f, v in info.items()]
    if not changes:
        preview.rows.append(RowPlan(reader.row, name, UNCHANGED, member, data, info=info))
        return
    if any(f == "category" for f, _, _ in changes):
        reader.problem("党员类别", f"{member.name}已登记为{member.category.label}党员。变更管理类别请在党员页面办理"
                             "（会关闭原管理计划并开启新计划），导入时不能变更。")
        return
    if not preview.allow_update:
        listed = "；".join(f"{members.FIELD_LABELS.get(f, f)}：{old or '（空）'} → {new or '（空）'}" for f, old, new in changes)
        reader.problem("公民身份号码", f"{member.name}已登记，且以下信息与档案不同：{listed}。"
                                 "如需按表格更新，请勾选“更新已有党员”后重新预览。")
        return
    preview.rows.append(RowPlan(reader.row, name, UPDATE, member, data, changes, info))


def preview_file(actor, community_id: int, data: bytes, allow_update: bool = False, max_rows: int = WEB_MAX_ROWS,
                 max_bytes: int = WEB_MAX_BYTES, today: date | None = None) -> Preview:
    """Read an uploaded .xlsx and check it; a file that cannot be read raises DomainError."""
    sheet = read_sheet(data, max_rows=max_rows, max_bytes=max_bytes)
    return preview_sheet(actor, community_id, sheet, allow_update, today)


def apply(actor, community_id: int, preview: Preview, file_name: str = "", sha256: str = "",
          today: date | None = None) -> dict:
    """Write a clean preview (flushes; the caller commits once, so it is all or nothing)."""
    if not preview.ok:
        raise DomainError("导入数据有问题，未写入任何记录。")
    today = today or date.today()
    counts = preview.counts
    if not (counts[NEW] or counts[UPDATE]):
        return counts  # the same file again: nothing to write, not even the import record
    source = f"Excel导入：{_short(file_name, 100)}（SHA-256 {sha256}）"
    for plan in preview.rows:
        member = plan.member
        if plan.action == NEW:
            # create_member opens the member's supervision plan too
            member = members.create_member(actor, community_id, plan.data, today=today)
            # Tells the imported records apart from those typed in on the member form.
            audit.record(actor, member, "import", "", "", source)
        elif plan.action == UPDATE:
            members.update_member(actor, member, plan.data, member.version, today=today)
        if plan.action != UNCHANGED and plan.info:
            _write_info(actor, member, plan.info)
    community = db.session.get(Community, community_id)
    summary = (f"{_short(file_name, 100)}；SHA-256 {sha256}；新增{counts[NEW]}人，更新{counts[UPDATE]}人，"
               f"无变化{counts[UNCHANGED]}人")
    audit.record(actor, community, "import", "members", "", summary)
    db.session.flush()
    return counts


def _write_info(actor, member: Member, data: dict) -> None:
    """Create or update the member's category data with the imported fields; audited like the form."""
    info = workflow.category_info(member)
    if info is None:
        cls = workflow.INFO_CLASSES[Category(member.category)]
        info = cls(member_id=member.id, **data)
        info.member = member
        db.session.add(info)
        db.session.flush()
        audit.record(actor, info, "create", community_id=member.community_id)
        return
    for name, new in data.items():
        old = getattr(info, name)
        if old != new:
            audit.record(actor, info, "update", name, old, new, community_id=member.community_id)
            setattr(info, name, new)
    db.session.flush()


def problem_rows(actor, community_id: int, data: bytes, allow_update: bool = False,
                 max_rows: int = WEB_MAX_ROWS, max_bytes: int = WEB_MAX_BYTES) -> tuple[str, list, list]:
    """The file's rows that have problems, as they were, with a 问题 column (to fix and upload again)."""
    sheet = read_sheet(data, max_rows=max_rows, max_bytes=max_bytes)
    preview = preview_sheet(actor, community_id, sheet, allow_update)
    by_row: dict[int, list[str]] = {}
    for p in preview.problems:
        by_row.setdefault(p.row, []).append(f"{p.column}：{p.message}" if p.column else p.message)
    width = len(sheet.headers)
    headers = [h if h is not None else "" for h in sheet.headers] + ["问题"]
    rows = [
        (list(values) + [None] * (width - len(values)))[:width] + ["；".join(by_row[number])]
        for number, values in sheet.rows if number in by_row
    ]
    if 1 in by_row:
        rows.insert(0, [None] * width + ["表头：" + "；".join(by_row[1])])
    return "待修改的导入行", headers, rows


def template_bytes() -> bytes:
    """The empty import template (for the command line)."""
    from ..excel import xlsx_bytes

    return xlsx_bytes("党员信息", template_header_row(), [])
