"""Excel: list exports (all filtered rows, masked by role, formulas defused) and the members import
(preview of every problem by row and column, all or nothing, idempotent, update mode, tokens, CLI)."""
import gc
import io
import re
import warnings
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from partyorg.domain import members as member_rules
from partyorg.domain.exports import MEMBER_HEADERS
from partyorg.domain.member_import import template_headers
from partyorg.extensions import db
from partyorg.models import (
    AuditEntry,
    Branch,
    BranchKind,
    Building,
    Category,
    Community,
    CommunityClass,
    CommunityKind,
    Member,
    MemberStatus,
    PartyGroup,
    Role,
    StairUnit,
    SupervisionStep,
)

from . import factories
from .conftest import text
from .member_helpers import counts, valid_id

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def import_folder(app, tmp_path):
    app.config["IMPORT_FOLDER"] = str(tmp_path / "imports")
    return tmp_path / "imports"


def login(auth, world, role, side="a"):
    return auth.login(world.district if role == Role.DISTRICT else getattr(world, side).users[role])


def read(response):
    """(headers, rows) of a downloaded workbook's first sheet."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == XLSX
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    return values[0], values[1:]


# --- building import files -----------------------------------------------------------------

def good_row(**over) -> dict:
    birth = over.pop("birth", date(1970, 3, 8))
    row = {
        "姓名": "王建国", "性别": "男", "民族": "汉族", "出生日期": birth.isoformat(),
        "公民身份号码": valid_id(birth), "学历": "大学本科", "党员类型": "正式党员", "入党日期": "1995-07-01",
        "转正日期": "1996-07-01", "工作单位": "酒钢集团", "职务": "工程师", "联系电话": "13909371234",
        "楼栋": "1号楼", "单元": "1单元", "房号": "302", "党支部": "1号楼党支部", "党小组": "1单元党小组",
        "类别": "直管", "正式组织关系在本社区": "是",
    }
    row.update(over)
    return row


#: The earlier template's headers (still the member export's): accepted as aliases.
LEGACY_HEADERS = [h for h in MEMBER_HEADERS if h != "状态"]


def workbook(rows, headers=None) -> bytes:
    headers = headers or LEGACY_HEADERS
    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for r in rows:
        sheet.append([r.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, cid, data: bytes, update=False, name="党员.xlsx"):
    form = {"file": (io.BytesIO(data), name)}
    if update:
        form["update"] = "y"
    return client.post(f"/c/{cid}/members/import", data=form, content_type="multipart/form-data")


def token(client) -> str:
    with client.session_transaction() as sess:
        return sess["member_import"]["token"]


def confirm(client, cid, tok=None):
    return client.post(f"/c/{cid}/members/import/confirm", data={"token": token(client) if tok is None else tok})


def import_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "import", AuditEntry.entity == "community"))


# --- exports ---------------------------------------------------------------------------------

def test_member_export_has_all_filtered_rows_unmasked_for_secretary(client, auth, world):
    for i in range(25):  # more than one page (PER_PAGE is 20)
        factories.member(world.a.community, name=f"批量{i:02d}", branch_id=world.a.functional.id,
                         category=Category.DUAL)
    db.session.commit()
    login(auth, world, Role.SECRETARY)
    headers, rows = read(client.get(f"/c/{world.a.community.id}/members/export.xlsx"))
    assert tuple(headers) == MEMBER_HEADERS
    assert len(rows) == 27
    own = next(r for r in rows if r[0] == world.a.member.name)
    assert own[4] == world.a.member.id_number and own[11] == world.a.member.phone and own[14] == "101"
    assert own[3] == datetime(1960, 5, 17)  # a real date cell

    _, rows = read(client.get(f"/c/{world.a.community.id}/members/export.xlsx?category=dual"))
    assert len(rows) == 25 and {r[17] for r in rows} == {"双管"}
    _, rows = read(client.get(f"/c/{world.a.community.id}/members/export.xlsx?q=批量0"))
    assert len(rows) == 10


def test_member_export_download_name_is_chinese(client, auth, world):
    login(auth, world, Role.STAFF)
    r = client.get(f"/c/{world.a.community.id}/members/export.xlsx")
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    assert r.headers["Cache-Control"] == "private, no-store"


def test_member_export_masks_for_district(client, auth, world):
    login(auth, world, Role.DISTRICT)
    _, rows = read(client.get(f"/c/{world.a.community.id}/members/export.xlsx"))
    own = next(r for r in rows if r[0] == world.a.member.name)
    assert own[4] != world.a.member.id_number and "*" in own[4] and own[4].endswith(world.a.member.id_number[-4:])
    assert "****" in own[11]
    assert own[12] is None and own[14] is None  # no address


def test_member_export_branch_secretary_gets_own_branch_with_masked_ids(client, auth, world):
    login(auth, world, Role.BRANCH_SECRETARY)
    _, rows = read(client.get(f"/c/{world.a.community.id}/members/export.xlsx?branch={world.a.functional.id}"))
    assert [r[0] for r in rows] == [world.a.member.name]
    assert "*" in rows[0][4] and rows[0][11] == world.a.member.phone


@pytest.mark.parametrize("role,side", [(Role.LIAISON, "a"), (Role.SECRETARY, "b"), (Role.BRANCH_SECRETARY, "b")])
def test_member_export_refused(client, auth, world, role, side):
    login(auth, world, role, side)
    assert client.get(f"/c/{world.a.community.id}/members/export.xlsx").status_code == 403


def test_export_defuses_formulas(client, auth, world):
    factories.member(world.a.community, name="=1+1", work_unit='=HYPERLINK("http://x","点我")', post="@SUM(A1)")
    db.session.commit()
    login(auth, world, Role.SECRETARY)
    r = client.get(f"/c/{world.a.community.id}/members/export.xlsx")
    _, rows = read(r)
    bad = next(r for r in rows if r[9] and "HYPERLINK" in r[9])
    assert bad[0] == "'=1+1" and bad[9].startswith("'=") and bad[10] == "'@SUM(A1)"
    sheet = zipfile.ZipFile(io.BytesIO(r.data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet


def test_list_exports(client, auth, world):
    cid = world.a.community.id
    login(auth, world, Role.SECRETARY)
    headers, rows = read(client.get(f"/c/{cid}/units/export.xlsx"))
    assert headers[0] == "单位名称" and rows[0][0] == "昌盛第一中学" and rows[0][1] == "学校"
    headers, rows = read(client.get(f"/c/{cid}/branches/export.xlsx?kind=functional"))
    assert headers[0] == "支部名称" and [r[0] for r in rows] == ["便民服务党支部"]
    _, rows = read(client.get(f"/c/{cid}/branches/export.xlsx"))
    assert {r[0] for r in rows} == {"1号楼党支部", "便民服务党支部", "市场党支部"}
    headers, rows = read(client.get(f"/c/{cid}/grids/export.xlsx"))
    assert rows == [["第一网格", None, 1, 1, "王网格 13900000001"]]
    headers, rows = read(client.get(f"/c/{cid}/buildings/export.xlsx?q=1号"))
    assert rows[0][0] == "1号楼" and rows[0][4] == 2 and rows[0][5] == "1单元、2单元"
    _, rows = read(client.get(f"/c/{cid}/buildings/export.xlsx?q=没有"))
    assert rows == []
    headers, rows = read(client.get(f"/c/{cid}/accounts/export.xlsx"))
    assert headers[:3] == ["姓名", "用户名", "角色"]
    assert {r[1] for r in rows} == {"a_staff", "a_branch", "a_liaison"}  # not the secretary's peers


def test_account_export_shows_last_login_in_beijing_time(client, auth, world):
    staff = world.a.users[Role.STAFF]
    staff.last_login_at = datetime(2026, 11, 30, 17, 5)  # stored in UTC
    db.session.commit()
    login(auth, world, Role.SECRETARY)
    headers, rows = read(client.get(f"/c/{world.a.community.id}/accounts/export.xlsx"))
    row = next(r for r in rows if r[1] == "a_staff")
    assert row[headers.index("最近登录")] == datetime(2026, 12, 1, 1, 5)
    page = text(client.get(f"/c/{world.a.community.id}/accounts"))
    assert "2026-12-01 01:05" in page


def test_grid_export_masks_officer_phones_for_district(client, auth, world):
    login(auth, world, Role.DISTRICT)
    _, rows = read(client.get(f"/c/{world.a.community.id}/grids/export.xlsx"))
    assert rows[0][4] == "王网格 139****0001"


@pytest.mark.parametrize("path", ["units", "branches", "grids", "buildings", "accounts"])
@pytest.mark.parametrize("role", [Role.STAFF, Role.LIAISON, Role.BRANCH_SECRETARY])
def test_list_exports_refused(client, auth, world, path, role):
    login(auth, world, role)
    allowed = role == Role.STAFF and path != "accounts"
    r = client.get(f"/c/{world.a.community.id}/{path}/export.xlsx")
    assert r.status_code == (200 if allowed else 403)
    login(auth, world, Role.SECRETARY, "b")
    assert client.get(f"/c/{world.a.community.id}/{path}/export.xlsx").status_code == 403


# --- import: template, happy path ----------------------------------------------------------

def test_template_has_the_headers(client, auth, world):
    login(auth, world, Role.STAFF)
    headers, rows = read(client.get(f"/c/{world.a.community.id}/members/import/template.xlsx"))
    assert headers == [
        "姓名*", "性别*", "民族", "出生日期", "公民身份号码*", "学历", "人员类别*", "入党日期*", "转正日期", "党员类别*",
        "所在支部*", "党小组", "楼栋", "单元", "房号", "联系电话", "工作单位及职务", "原单位", "接管原因", "报到日期",
    ] and rows == []
    assert template_headers()[:5] == ["姓名", "性别", "民族", "出生日期", "公民身份号码"]


def test_import_previews_then_writes_everything(client, auth, world):
    cid = world.a.community.id
    login(auth, world, Role.SECRETARY)
    rows = [
        good_row(),
        good_row(姓名="刘芳", 性别="女", 公民身份号码=valid_id(date(1980, 1, 2), male=False), 出生日期="1980/1/2", 入党日期="2005年7月1日", 转正日期="", 党员类型="预备党员", 类别="协管", 正式组织关系在本社区="", 党支部="便民服务党支部", 党小组="", 楼栋="", 单元="", 房号=""),
    ]
    before = counts()
    r = upload(client, cid, workbook(rows))
    page = text(r)
    assert r.status_code == 200
    assert "新增 2 人" in page and "确认导入" in page and "刘芳" in page
    assert counts() == before  # the preview writes nothing

    r = confirm(client, cid)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/c/{cid}/members")
    wang = db.session.scalar(select(Member).where(Member.name == "王建国"))
    liu = db.session.scalar(select(Member).where(Member.name == "刘芳"))
    assert wang.branch_id == world.a.branch.id and wang.group_id == world.a.group.id
    assert wang.stair_unit_id == world.a.stair_units[0].id and wang.room == "302"
    assert liu.member_type.value == "probationary" and liu.joined_on == date(2005, 7, 1)
    assert liu.category == Category.ASSISTED and liu.relation_here is False
    creates = db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "member", AuditEntry.entity_id.in_([wang.id, liu.id]), AuditEntry.action == "create"))
    assert len(creates.all()) == 2
    assert db.session.scalar(select(func.count()).select_from(SupervisionStep).where(SupervisionStep.member_id == wang.id)) > 0
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import", AuditEntry.entity == "community"))
    assert "党员.xlsx" in entry.new_value and "新增2人" in entry.new_value
    assert not list(__import__("pathlib").Path(client.application.config["IMPORT_FOLDER"]).glob("*.xlsx"))
    with client.session_transaction() as sess:
        assert "member_import" not in sess


def test_excel_dates_serials_and_sloppy_id_numbers(client, auth, world):
    cid = world.a.community.id
    login(auth, world, Role.STAFF)
    number = valid_id(date(1975, 6, 1))
    sloppy = (number[:6] + " " + number[6:]).lower()
    row = good_row(birth=date(1975, 6, 1), 公民身份号码=sloppy, 出生日期=datetime(1975, 6, 1), 入党日期=34881, 转正日期="1996.7.1", 联系电话=13909371234)
    r = upload(client, cid, workbook([row]))
    assert "新增 1 人" in text(r), text(r)
    confirm(client, cid)
    m = db.session.scalar(select(Member).where(Member.id_number == number.upper()))
    assert m.joined_on == date(1995, 7, 1) and m.full_on == date(1996, 7, 1) and m.phone == "13909371234"


# --- import: every kind of problem, nothing written ----------------------------------------

def test_every_problem_is_listed_by_row_and_column(client, auth, world):
    cid = world.a.community.id
    login(auth, world, Role.SECRETARY)
    number = valid_id()
    wrong_check = number[:17] + ("0" if number[17] != "0" else "1")
    rows = [
        good_row(公民身份号码=wrong_check),                          # row 2
        good_row(入党日期="1995-13-45"),                             # row 3
        good_row(党支部="不存在党支部"),                              # row 4
        good_row(楼栋="99号楼"),                                     # row 5
        good_row(单元="9单元"),                                      # row 6
        good_row(党小组="外星小组"),                                  # row 7
        good_row(公民身份号码=number),                               # row 8
        good_row(公民身份号码=number),                               # row 9: duplicate of row 8
        good_row(公民身份号码=world.a.member.id_number, 出生日期="1960-05-17"),  # row 10: differs
        good_row(性别="未知"),                                        # row 11
        good_row(学历="博士后"),                                      # row 12
        good_row(联系电话="12345"),                                   # row 13
        good_row(工作单位="=cmd|' /C calc'!A0"),                      # row 14: formula
        good_row(姓名="长" * 60),                                     # row 15
        good_row(出生日期="1971-01-01"),                              # row 16: not the ID's date
        good_row(党员类型="预备党员"),                                # row 17: probationary with full_on
        good_row(公民身份号码=world.b.member.id_number, 出生日期="1960-05-17"),  # row 18: elsewhere
        good_row(类别="协管", 正式组织关系在本社区="是"),          # row 19
        good_row(),                                                          # row 20: fine
    ]
    before = counts()
    r = upload(client, cid, workbook(rows))
    page = text(r)
    expected = [
        (2, "公民身份号码", "校验位不正确"),
        (3, "入党日期", "日期“1995-13-45”无法识别"),
        (4, "党支部", "没有名为“不存在党支部”的党支部"),
        (5, "楼栋", "没有名为“99号楼”的楼栋"),
        (6, "单元", "1号楼没有名为“9单元”的单元"),
        (7, "党小组", "没有名为“外星小组”的党小组"),
        (9, "公民身份号码", "与第8行的公民身份号码重复"),
        (10, "公民身份号码", "更新已有党员"),
        (11, "性别", "应填“男”或“女”"),
        (12, "学历", "不在学历列表中"),
        (13, "联系电话", "联系电话应为11位手机号码"),
        (14, "工作单位", "单元格是公式"),
        (15, "姓名", "姓名不能超过50个字符"),
        (16, "出生日期", "出生日期与身份证号码不一致"),
        (17, "转正日期", "预备党员尚未转正"),
        (18, "公民身份号码", "该身份证号码已登记"),
        (19, "正式组织关系在本社区", "协管党员的正式组织关系在原单位"),
    ]
    for row, column, message in expected:
        assert f"<td>第 {row} 行</td><td>{column}</td><td>" in page, (row, column)
        assert message in page, message
    assert "第 20 行</td>" not in page and "第 8 行</td>" not in page
    assert "未写入任何记录" in page and "确认导入" not in page
    assert counts() == before

    # Confirming anyway (a crafted request) writes nothing either.
    r = confirm(client, cid)
    assert counts() == before


def test_problem_rows_download_with_a_problem_column(client, auth, world):
    cid = world.a.community.id
    login(auth, world, Role.SECRETARY)
    upload(client, cid, workbook([good_row(), good_row(性别="未知", 工作单位="=1+2")]))
    headers, rows = read(client.get(f"/c/{cid}/members/import/problems.xlsx?token={token(client)}"))
    assert headers[-1] == "问题" and len(rows) == 1
    assert rows[0][0] == "王建国" and "性别" in rows[0][-1] and "公式" in rows[0][-1]
    assert rows[0][headers.index("工作单位")] == "'=1+2"


def test_over_2000_rows_is_refused(client, auth, world):
    login(auth, world, Role.SECRETARY)
    data = workbook([{"姓名": f"人{i}"} for i in range(2001)])
    before = counts()
    page = text(upload(client, world.a.community.id, data))
    assert "超过2000行" in page and counts() == before


@pytest.mark.parametrize("data,message", [
    (b"name,gender\n\xe5\xbc\xa0\xe4\xb8\x89,male\n", "不是Excel工作簿"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "旧版Excel"),
    (b"", "上传的文件是空的"),
])
def test_not_an_xlsx_is_refused(client, auth, world, data, message):
    login(auth, world, Role.STAFF)
    r = upload(client, world.a.community.id, data)
    assert r.status_code == 200 and message in text(r)


def test_zip_that_is_not_a_workbook_is_refused(client, auth, world):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    login(auth, world, Role.STAFF)
    assert "不是Excel工作簿" in text(upload(client, world.a.community.id, buf.getvalue()))


def test_over_5_mb_is_refused(client, auth, world):
    login(auth, world, Role.STAFF)
    data = b"PK\x03\x04" + b"0" * (5 * 1024 * 1024)
    with warnings.catch_warnings():
        # Werkzeug's test client spools a large request body to a temporary file it never closes.
        warnings.simplefilter("ignore", ResourceWarning)
        page = text(upload(client, world.a.community.id, data))
        gc.collect()
    assert "文件超过5 MB" in page


def test_empty_sheet_and_headers_only(client, auth, world):
    login(auth, world, Role.STAFF)
    cid = world.a.community.id
    book = Workbook()
    out = io.BytesIO()
    book.save(out)
    assert "第一个工作表是空的" in text(upload(client, cid, out.getvalue()))
    assert "表头下面没有数据行" in text(upload(client, cid, workbook([])))


def test_missing_repeated_and_unknown_headers(client, auth, world):
    login(auth, world, Role.STAFF)
    cid = world.a.community.id
    headers = [h for h in LEGACY_HEADERS if h not in ("公民身份号码", "类别")] + ["备注", "姓名"]
    page = text(upload(client, cid, workbook([good_row()], headers)))
    assert "缺少必填的列“公民身份号码”" in page and "缺少必填的列“党员类别”" in page
    assert "表头“姓名”出现了不止一次" in page
    assert "表头“备注”不是模板中的列，该列将被忽略" in page
    assert counts()[0] == 2 + 2  # world's members of both communities, nothing new


def test_headers_in_any_order_with_aliases(client, auth, world):
    login(auth, world, Role.STAFF)
    row = good_row()
    row["所在支部"] = row.pop("党支部")
    row["身份证号码"] = row.pop("公民身份号码")
    headers = list(reversed(list(row)))
    assert "新增 1 人" in text(upload(client, world.a.community.id, workbook([row], headers)))


# --- import: idempotence, updates, tokens ---------------------------------------------------

def test_reimporting_the_same_file_changes_nothing(client, auth, world):
    cid = world.a.community.id
    login(auth, world, Role.SECRETARY)
    data = workbook([good_row(), good_row(姓名="赵六", 公民身份号码=valid_id(date(1970, 3, 8)))])
    upload(client, cid, data)
    confirm(client, cid)
    after_first = counts()
    page = text(upload(client, cid, data))
    assert "无变化 2 人" in page and "新增 0 人" in page and "无需导入" in page
    assert "确认导入</button>" not in page
    upload(client, cid, data, update=True)
    confirm(client, cid)
    assert counts() == after_first


def test_existing_member_differs_is_a_problem_unless_update_is_ticked(client, auth, world):
    cid = world.a.community.id
    m = world.a.member
    login(auth, world, Role.STAFF)
    row = {"姓名": m.name, "性别": "男", "公民身份号码": m.id_number, "入党日期": "1985-07-01",
           "党员类型": "正式党员", "类别": "直管", "联系电话": "13812345678", "房号": "", "党支部": m.branch.name}
    headers = list(row)
    before = counts()
    page = text(upload(client, cid, workbook([row], headers)))
    assert "联系电话：13909370001 → 13812345678" in page and "更新已有党员" in page
    assert counts() == before

    page = text(upload(client, cid, workbook([row], headers), update=True))
    assert "更新 1 人" in page and "13812345678" in page and "确认导入" in page
    version = m.version
    confirm(client, cid)
    db.session.refresh(m)
    assert m.phone == "13812345678" and m.version == version + 1
    assert m.room == "101"  # a blank cell never erases
    changed = db.session.scalars(select(AuditEntry).where(
        AuditEntry.entity == "member", AuditEntry.entity_id == m.id, AuditEntry.action == "update")).all()
    assert [e.field for e in changed] == ["phone"]


def test_category_change_is_not_done_by_import(client, auth, world):
    m = world.a.member
    login(auth, world, Role.STAFF)
    row = {"姓名": m.name, "性别": "男", "公民身份号码": m.id_number, "入党日期": "1985-07-01",
           "党员类型": "正式党员", "类别": "接管", "党支部": m.branch.name}
    page = text(upload(client, world.a.community.id, workbook([row], list(row)), update=True))
    assert "变更管理类别请在党员页面办理" in page


def test_forged_or_stale_token_is_refused(client, auth, world):
    cid = world.a.community.id
    login(auth, world, Role.SECRETARY)
    upload(client, cid, workbook([good_row()]))
    before = counts()
    for forged in ("0" * 32, "../../etc/passwd", ""):
        r = confirm(client, cid, forged)
        assert r.status_code == 302 and counts() == before
    # The token of community a does not work under community b's URL (nor may the user go there).
    assert confirm(client, world.b.community.id).status_code == 403
    # After a successful confirm, the same token is spent.
    tok = token(client)
    confirm(client, cid, tok)
    after = counts()
    r = confirm(client, cid, tok)
    assert r.status_code == 302 and counts() == after
    follow = client.get(r.headers["Location"])
    assert "导入文件已失效" in text(follow)


def test_confirm_refuses_when_records_changed_after_preview(client, auth, world):
    cid = world.a.community.id
    m = world.a.member
    login(auth, world, Role.SECRETARY)
    row = {"姓名": m.name, "性别": "男", "公民身份号码": m.id_number, "入党日期": "1985-07-01",
           "党员类型": "正式党员", "类别": "直管", "职务": "楼长"}
    upload(client, cid, workbook([row, good_row()], list(good_row())), update=True)
    # Someone edits the member between preview and confirm.
    member_rules.update_member(None, m, {**member_rules_stored(m), "post": "单元长"}, m.version)
    db.session.commit()
    before = counts()
    r = confirm(client, cid)
    assert r.status_code == 200 and "预览之后党员档案已有变化" in text(r)
    assert counts() == before
    # The fresh preview can then be confirmed.
    confirm(client, cid)
    db.session.refresh(m)
    assert m.post == "楼长"


def member_rules_stored(m):
    from partyorg.domain.member_import import _stored

    return _stored(m)


@pytest.mark.parametrize("role", [Role.LIAISON, Role.BRANCH_SECRETARY, Role.DISTRICT])
def test_import_refused_for_other_roles(client, auth, world, role):
    login(auth, world, role)
    cid = world.a.community.id
    assert client.get(f"/c/{cid}/members/import").status_code == 403
    assert upload(client, cid, workbook([good_row()])).status_code == 403
    assert client.get(f"/c/{cid}/members/import/template.xlsx").status_code == 403


def test_import_into_other_community_refused(client, auth, world):
    login(auth, world, Role.SECRETARY, "b")
    before = counts()
    assert upload(client, world.a.community.id, workbook([good_row()])).status_code == 403
    assert counts() == before


# --- round trip ------------------------------------------------------------------------------

def test_round_trip_export_import_export(client, auth, world):
    """Export 昌盛, move its members out, import the file into an empty community with the same
    places and branches, export again: the same sheet."""
    a = world.a
    login(auth, world, Role.SECRETARY)
    _, first_rows = read(client.get(f"/c/{a.community.id}/members/export.xlsx"))
    first = client.get(f"/c/{a.community.id}/members/export.xlsx").data

    c = Community(name="石桥", kind=CommunityKind.RURAL, grade=CommunityClass.SECOND)
    db.session.add(c)
    db.session.flush()
    building = Building(community_id=c.id, name="1号楼")
    db.session.add(building)
    db.session.flush()
    units = [StairUnit(building_id=building.id, name=f"{i}单元", position=i) for i in (1, 2)]
    branch = Branch(community_id=c.id, name="1号楼党支部", kind=BranchKind.BUILDING, building_id=building.id)
    functional = Branch(community_id=c.id, name="便民服务党支部", kind=BranchKind.FUNCTIONAL, subtype="便民服务型")
    db.session.add_all([*units, branch, functional])
    db.session.flush()
    db.session.add(PartyGroup(branch_id=branch.id, name="1单元党小组", stair_unit_id=units[0].id))
    secretary = factories.user("c_secretary", Role.SECRETARY, c)
    for m in (a.member, a.other_member):
        member_rules.change_status(None, m, MemberStatus.TRANSFERRED_OUT, date(2026, 1, 5), "转往石桥社区")
    db.session.commit()

    auth.login(secretary)
    page = text(upload(client, c.id, first, name="昌盛导出.xlsx"))
    assert "新增 2 人" in page, page
    confirm(client, c.id)
    _, again = read(client.get(f"/c/{c.id}/members/export.xlsx"))
    assert again == first_rows


# --- command line ----------------------------------------------------------------------------

def test_cli_dry_run_import_and_errors(runner, world, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook([good_row()]))
    before = counts()
    r = runner.invoke(args=["import-members", "--community", "昌盛", "--dry-run", str(good)])
    assert r.exit_code == 0, r.output
    assert "新增1人" in r.output and "试运行" in r.output and counts() == before

    r = runner.invoke(args=["import-members", "--community", "昌盛", str(good)])
    assert r.exit_code == 0, r.output
    assert counts()[0] == before[0] + 1
    r = runner.invoke(args=["import-members", "--community", "昌盛", str(good)])
    assert r.exit_code == 0 and "无变化1人" in r.output

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([good_row(), good_row(党支部="不存在")]))
    mid = counts()
    r = runner.invoke(args=["import-members", "--community", "昌盛", str(bad)])
    assert r.exit_code == 1
    assert "第3行 党支部" in r.output and "未写入任何记录" in r.output
    assert counts() == mid

    fake = tmp_path / "fake.xlsx"
    fake.write_text("not excel")
    r = runner.invoke(args=["import-members", "--community", "昌盛", str(fake)])
    assert r.exit_code != 0 and "不是Excel工作簿" in r.output
    r = runner.invoke(args=["import-members", "--community", "没有", str(good)])
    assert r.exit_code != 0 and "找不到社区" in r.output


def test_cli_update_flag(runner, world, tmp_path):
    m = world.a.member
    row = {"姓名": m.name, "性别": "男", "公民身份号码": m.id_number, "入党日期": "1985-07-01",
           "党员类型": "正式党员", "类别": "直管", "职务": "楼长", "党支部": m.branch.name}
    path = tmp_path / "u.xlsx"
    path.write_bytes(workbook([row], list(row)))
    r = runner.invoke(args=["import-members", "--community", "昌盛", str(path)])
    assert r.exit_code == 1 and "更新已有党员" in r.output
    r = runner.invoke(args=["import-members", "--community", "昌盛", "--update", str(path)])
    assert r.exit_code == 0, r.output
    db.session.refresh(m)
    assert m.post == "楼长"


def test_cli_template_and_export(runner, world, tmp_path):
    out = tmp_path / "t.xlsx"
    assert runner.invoke(args=["import-template", "--out", str(out)]).exit_code == 0
    assert [c.value.rstrip("*") for c in load_workbook(out).active[1]] == template_headers()
    out = tmp_path / "m.xlsx"
    r = runner.invoke(args=["export-members", "--community", "昌盛", "--out", str(out)])
    assert r.exit_code == 0 and "已导出2名党员" in r.output
    sheet = load_workbook(out).active
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert {row[4] for row in sheet.iter_rows(min_row=2, values_only=True)} == {
        world.a.member.id_number, world.a.other_member.id_number}


def test_damaged_workbook_is_refused(client, auth, world):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<not really")
    login(auth, world, Role.STAFF)
    assert "文件可能已损坏" in text(upload(client, world.a.community.id, buf.getvalue()))


# --- the issue's template columns, category data, import audit, bad input ------------------------

def has_problem(page: str, row: int, column: str, message: str) -> bool:
    """The preview's problem table lists `message` for `row` and `column`."""
    found = re.findall(r"<tr><td>第 (\d+) 行</td><td>(.*?)</td><td>(.*?)</td></tr>", page)
    return any(int(r) == row and c == column and message in m for r, c, m in found)


def quietly_upload(client, cid, data):
    """Upload a large file (Werkzeug's test client leaves its spooled temporary file open)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        page = text(upload(client, cid, data))
        gc.collect()
    return page


def issue_row(**over) -> dict:
    """A row keyed by the template's own headers (the issue's list)."""
    old = good_row()
    row = {
        "姓名": old["姓名"], "性别": old["性别"], "民族": old["民族"], "出生日期": old["出生日期"],
        "公民身份号码": old["公民身份号码"], "学历": old["学历"], "人员类别": "正式党员", "入党日期": old["入党日期"],
        "转正日期": old["转正日期"], "党员类别": "直管", "所在支部": "1号楼党支部", "党小组": "1单元党小组",
        "楼栋": "1号楼", "单元": "1单元", "房号": "302", "联系电话": old["联系电话"], "工作单位及职务": "酒钢集团/工程师",
    }
    row.update(over)
    return row


def test_template_columns_import_with_category_data_and_audit(client, auth, world):
    from partyorg.models import AssistedInfo, DualInfo, TakeoverInfo
    cid = world.a.community.id
    login(auth, world, Role.SECRETARY)
    rows = [
        issue_row(),
        issue_row(姓名="李双", 公民身份号码=valid_id(date(1958, 2, 3)), 出生日期="1958-02-03", 党员类别="双管",
                  原单位="市第一中学", 工作单位及职务="退休"),
        issue_row(姓名="赵接", 公民身份号码=valid_id(date(1990, 4, 5)), 出生日期="1990-04-05", 入党日期="2012-07-01",
                  转正日期="2013-07-01", 党员类别="接管", 原单位="某大学党委", 接管原因="未就业高校毕业生"),
        issue_row(姓名="钱协", 公民身份号码=valid_id(date(1985, 6, 7)), 出生日期="1985-06-07", 入党日期="2008-07-01",
                  转正日期="2009-07-01", 党员类别="协管", 原单位="区税务局", 报到日期="2024/3/1", 所在支部="便民服务党支部",
                  党小组="", 工作单位及职务="区税务局 科员"),
    ]
    data = workbook(rows, template_headers())
    page = text(upload(client, cid, data, name="花名册.xlsx"))
    assert "新增 4 人" in page, page
    assert confirm(client, cid).status_code == 302
    by_name = {m.name: m for m in db.session.scalars(select(Member).where(Member.community_id == cid))}
    wang, li, zhao, qian = (by_name[n] for n in ("王建国", "李双", "赵接", "钱协"))
    assert (wang.work_unit, wang.post) == ("酒钢集团", "工程师") and (qian.work_unit, qian.post) == ("区税务局", "科员")
    assert li.work_unit == "退休" and li.post == ""
    assert db.session.scalar(select(DualInfo).where(DualInfo.member_id == li.id)).former_employer == "市第一中学"
    take = db.session.scalar(select(TakeoverInfo).where(TakeoverInfo.member_id == zhao.id))
    assert take.origin_org == "某大学党委" and take.reason.label == "未就业高校毕业生"
    assisted = db.session.scalar(select(AssistedInfo).where(AssistedInfo.member_id == qian.id))
    assert assisted.employer == "区税务局" and assisted.reported_on == date(2024, 3, 1)

    # Each import is recorded: who, when, file name, full SHA-256, counts ...
    import hashlib
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import", AuditEntry.entity == "community"))
    assert entry.user_id == world.a.users[Role.SECRETARY].id and entry.at is not None
    assert "花名册.xlsx" in entry.new_value and hashlib.sha256(data).hexdigest() in entry.new_value
    assert "新增4人" in entry.new_value
    # ... and the records it created are told apart from those typed in on the form.
    marked = db.session.scalars(select(AuditEntry.entity_id).where(
        AuditEntry.action == "import", AuditEntry.entity == "member")).all()
    assert sorted(marked) == sorted(m.id for m in (wang, li, zhao, qian))
    assert world.a.member.id not in marked
    assert "Excel导入" in text(client.get(f"/c/{cid}/members/{li.id}"))

    # The same file again changes nothing, category data included.
    before = counts()
    page = text(upload(client, cid, data))
    assert "无变化 4 人" in page and "确认导入</button>" not in page
    assert counts() == before


def test_category_columns_must_fit_the_category(client, auth, world):
    login(auth, world, Role.STAFF)
    rows = [
        issue_row(原单位="酒钢集团"),                                                     # row 2: direct
        issue_row(公民身份号码=valid_id(date(1971, 1, 1)), 出生日期="1971-01-01", 党员类别="双管", 接管原因="复转军人"),
        issue_row(公民身份号码=valid_id(date(1972, 1, 1)), 出生日期="1972-01-01", 党员类别="接管", 原单位="某党委"),
        issue_row(公民身份号码=valid_id(date(1973, 1, 1)), 出生日期="1973-01-01", 党员类别="接管", 接管原因="失业了"),
        issue_row(公民身份号码=valid_id(date(1974, 1, 1)), 出生日期="1974-01-01", 党员类别="协管", 报到日期="2999-01-01",
                  所在支部="便民服务党支部", 党小组=""),
    ]
    page = text(upload(client, world.a.community.id, workbook(rows, template_headers())))
    assert has_problem(page, 2, "原单位", "直管党员不填写原单位")
    assert has_problem(page, 3, "接管原因", "只有接管党员填写接管原因")
    assert has_problem(page, 4, "接管原因", "请填写接管原因")
    assert has_problem(page, 5, "接管原因", "“失业了”无法识别")
    assert has_problem(page, 6, "报到日期", "报到日期不能晚于今天")
    assert "确认导入</button>" not in page


def test_problems_name_the_header_as_written_in_the_file(client, auth, world):
    login(auth, world, Role.STAFF)
    row = issue_row(所在支部="不存在党支部")
    page = text(upload(client, world.a.community.id, workbook([row], template_headers())))
    assert has_problem(page, 2, "所在支部", "本社区没有名为“不存在党支部”的党支部")


def test_a_2_mb_string_in_a_cell_is_refused_in_chinese(client, auth, world):
    login(auth, world, Role.STAFF)
    before = counts()
    data = workbook([issue_row(姓名="张" * 2_000_000)], template_headers())
    page = quietly_upload(client, world.a.community.id, data)
    assert has_problem(page, 2, "姓名", "姓名不能超过50个字符")
    assert "确认导入</button>" not in page and counts() == before


def test_a_formula_cell_is_refused_in_chinese(client, auth, world):
    login(auth, world, Role.STAFF)
    page = text(upload(client, world.a.community.id, workbook([issue_row(房号="=1+1")], template_headers())))
    assert has_problem(page, 2, "房号", "单元格是公式，请复制后“粘贴为数值”再导入")
    assert "确认导入</button>" not in page


def test_100000_rows_are_refused_above_the_stated_limit(client, auth, world, runner, tmp_path):
    from partyorg.domain.member_import import CLI_MAX_ROWS, WEB_MAX_ROWS
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(template_headers())
    for _ in range(100_000):
        sheet.append(["王建国", "男"])
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    login(auth, world, Role.STAFF)
    before = counts()
    page = quietly_upload(client, world.a.community.id, data)
    assert f"文件的数据超过{WEB_MAX_ROWS}行，不能一次导入" in page and counts() == before
    path = tmp_path / "big.xlsx"
    path.write_bytes(data)
    r = runner.invoke(args=["import-members", "--community", "昌盛", "--dry-run", str(path)])
    assert r.exit_code != 0 and f"文件的数据超过{CLI_MAX_ROWS}行" in r.output


def test_an_empty_sheet_is_refused_in_chinese(client, auth, world):
    book = Workbook()
    out = io.BytesIO()
    book.save(out)
    login(auth, world, Role.STAFF)
    before = counts()
    page = text(upload(client, world.a.community.id, out.getvalue()))
    assert "第一个工作表是空的" in page and counts() == before
