"""The roster's character grid (partyorg/pdf_grid.py): widths, wrapping, page cuts, and the PDF
it produces — the pages WeasyPrint makes must be exactly the pages the grid planned."""
import subprocess
from datetime import date

import pytest

from partyorg import pdf_grid
from partyorg.domain.rosters import Roster
from partyorg.printing import render_roster_pdf

COLUMNS = [("序号", 9), ("姓名", 18), ("性别", 8), ("公民身份号码", 37), ("工作单位及职务", 40), ("所在支部", 30)]
LONG_UNIT = "嘉峪关市酒钢集团公司宏兴钢铁股份有限公司炼铁厂第三高炉车间 党支部书记兼车间主任"


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page, blanks removed (pdftotext spaces CJK text as it likes)."""
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                         check=True).stdout.decode()
    return [page.replace(" ", "") for page in out.split("\f")[:-1]]


def roster(rows, columns=COLUMNS) -> Roster:
    return Roster(community_name="昌盛社区", title="党员花名册", printed_on=date(2026, 11, 30),
                  columns=columns, rows=rows, landscape=False, dense=False, masked_ids=True,
                  sort_label="姓名")


def test_cells_follow_the_mono_font():
    assert pdf_grid.text_cells("张三") == (4.0, True)
    assert pdf_grid.text_cells("1986-03-12") == (10.0, True)
    assert pdf_grid.text_cells("（一）") == (6.0, True)
    width, exact = pdf_grid.text_cells("中国石油——分公司")  # the dash is not a whole cell wide
    assert not exact and 14 < width < 18
    assert pdf_grid.text_cells("王\U0002A6A5")[1] is False  # a rare character the font lacks


def test_wrap_breaks_at_spaces_then_anywhere():
    assert pdf_grid.wrap("嘉峪关市第一中学 教师", 16) == ["嘉峪关市第一中学", "教师"]
    assert pdf_grid.wrap("嘉峪关市第一中学", 6) == ["嘉峪关", "市第一", "中学"]
    assert pdf_grid.wrap("", 6) == [""]
    assert all(pdf_grid.text_cells(line)[0] <= 7 for line in pdf_grid.wrap(LONG_UNIT, 7))


def test_narrow_rosters_print_portrait_and_wide_ones_landscape_before_smaller_type():
    narrow = pdf_grid.layout(COLUMNS[:3], [("1", "张三", "男")])
    assert (narrow.landscape, narrow.font_pt) == (False, 9.0)
    wide = pdf_grid.layout(COLUMNS + [("住址", 32), ("联系电话", 24)],
                           [("1", "张三", "男", "620202********1234", LONG_UNIT, "第一党支部",
                             "嘉峪关市雄关区昌盛社区5号楼2单元301室", "13900000000")])
    assert (wide.landscape, wide.font_pt) == (True, 9.0)
    assert wide.header.lines == 1 and wide.pages[0].blocks[0].text.count("\n") >= 1  # wrapped
    assert wide.width_pt <= pdf_grid.PAGE_AREAS[True][0] * pdf_grid.PT_PER_MM


def test_rows_line_up_under_the_header():
    grid = pdf_grid.layout(COLUMNS, [("1", "张三", "男", "620202********1234", "嘉峪关一中", "第一党支部")])
    header, row = grid.header.text, grid.pages[0].blocks[0].text
    # Each column starts at the same cell in the header and in the row.
    starts = [sum(w + 1 for w in grid.widths[:i]) for i in range(len(grid.widths))]
    for text in (header, row):
        cells = [pdf_grid.text_cells(text[:i])[0] for i in range(len(text) + 1)]
        for start in starts:
            assert start in cells


@pytest.mark.parametrize("count", [1, 150])
def test_pdf_pages_are_the_planned_pages(app, count):
    rows = []
    for i in range(count):
        unit = LONG_UNIT if i % 4 == 0 else "嘉峪关市第一中学 教师"
        if i % 9 == 5:
            unit = "中国石油——嘉峪关分公司"  # printed as a fallback table row
        name = "王\U0002A6A5" if i % 13 == 7 else f"成员{i:03d}"
        rows.append((str(i + 1), name, "女", "620202********1234", unit, "第一党支部"))
    grid = pdf_grid.layout(COLUMNS, rows)
    with app.app_context():
        data = render_roster_pdf(roster(rows))
    pages = pdf_pages(data)
    assert len(pages) == len(grid.pages)
    if count > 1:
        assert len(pages) > 2
    n = 0
    for number, (page, planned) in enumerate(zip(pages, grid.pages), start=1):
        assert f"第{number}页/共{len(pages)}页" in page
        assert "序号" in page and "工作单位及职务" in page  # the header on every page
        first = n
        n += sum(b.text.count("\n") + 1 if b.exact else 1 for b in planned.blocks)
        # The first and last row planned for this page are printed on it (seq and name).
        for i in (first, n - 1):
            name = rows[i][1]
            assert name in page or "\U0002A6A5" in name, (number, name)
    assert n == count


def test_empty_roster_says_so(app):
    with app.app_context():
        pages = pdf_pages(render_roster_pdf(roster([])))
    assert len(pages) == 1 and "所选范围内没有在册党员" in pages[0]


def test_markup_in_values_is_printed_as_text(app):
    rows = [("1", "<b>张三</b>", "男", "620202********1234", "<script>x</script>", "第一党支部")]
    with app.app_context():
        page = pdf_pages(render_roster_pdf(roster(rows)))[0]
    assert "<b>张三</b>" in page and "<script>x</script>" in page
