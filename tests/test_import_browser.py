"""Browser test: the secretary fixes a members sheet the preview found wrong, imports it, prints the roster."""
import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from partyorg.domain.member_import import template_headers

from .member_helpers import valid_id
from .test_browser import DESKTOP, login

pytestmark = pytest.mark.browser


def sheet(path: Path, rows: list[dict]) -> Path:
    """Write `rows` (keyed by the template's headers) under the template's header row."""
    book = Workbook()
    ws = book.active
    headers = template_headers()
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return path


def members(**second) -> list[dict]:
    first = {
        "姓名": "孙建华", "性别": "男", "出生日期": "1968-04-02", "公民身份号码": valid_id(date(1968, 4, 2)),
        "人员类别": "正式党员", "入党日期": "1992-07-01", "转正日期": "1993-07-01", "党员类别": "直管",
        "所在支部": "1号楼党支部", "党小组": "1单元党小组", "楼栋": "1号楼", "单元": "1单元", "房号": "501",
        "联系电话": "13909375678", "工作单位及职务": "酒钢集团/技师",
    }
    other = {
        "姓名": "周秀英", "性别": "女", "出生日期": "1975-09-09", "公民身份号码": valid_id(date(1975, 9, 9), male=False),
        "人员类别": "预备党员", "入党日期": "2025-07-01", "党员类别": "直管", "所在支部": "1号楼党支部",
    }
    return [first, {**other, **second}]


def test_secretary_fixes_sheet_imports_and_prints_roster(browser, live_server, tmp_path):
    page = browser.new_page(viewport=DESKTOP)
    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm asks once before the import
    login(page, live_server.url, "a_secretary")
    page.wait_for_selector("text=昌盛社区 · 工作台")

    page.goto(live_server.url + "/c/1/members/import")
    wrong = sheet(tmp_path / "党员-有误.xlsx", members(性别="未知", 所在支部="不存在党支部"))
    page.set_input_files("main input[type=file]", str(wrong))
    page.click("main button[type=submit]")
    page.wait_for_selector("text=未写入任何记录")
    problems = page.locator("main table", has_text="问题").inner_text()
    assert "第 3 行\t性别" in problems and "“未知”无法识别" in problems
    assert "第 3 行\t所在支部" in problems and "不存在党支部" in problems
    assert page.locator("main button[type=submit]", has_text="确认导入").count() == 0

    fixed = sheet(tmp_path / "党员.xlsx", members())
    page.set_input_files("main input[type=file]", str(fixed))
    page.click("main button[type=submit]")
    page.wait_for_selector("text=新增 2 人")
    page.click("main button[type=submit]:has-text('确认导入')")
    page.wait_for_selector("text=导入完成：新增2人")
    assert page.locator("main", has_text="周秀英").count() == 1

    page.goto(live_server.url + "/c/1/print/roster")
    with page.expect_download() as info:
        page.click("main button[type=submit][name=download]")
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    page.close()
