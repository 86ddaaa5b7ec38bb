"""PDF printouts: words on the page (pdftotext), the embedded CJK font (pdffonts), masking, scope.

Each PDF render takes a fraction of a second, so the tests render only where the PDF is the point.
"""
import subprocess
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from partyorg.domain.masking import mask_id_number
from partyorg.extensions import db
from partyorg.models import (
    AssistedInfo,
    AuditEntry,
    Category,
    Role,
    StepState,
    SupervisionStep,
)
from partyorg.printing import PACKAGE_DIR, PackageFetcher, URLRefused

from . import factories
from .conftest import text


def pdf_text(data: bytes, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-layout"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    out = subprocess.run([*args, "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    # pdftotext spaces CJK text as it likes ("第1页" for "第 1 页"): compare without blanks.
    return out.replace(" ", "")


def pdf_fonts(data: bytes) -> list[list[str]]:
    out = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return [line.split() for line in out.splitlines()[2:]]


def roster_url(side, **params) -> str:
    query = "&".join(f"{k}={quote(str(v))}" for k, v in [("download", 1), *params.items()])
    return f"/c/{side.community.id}/print/roster?{query}"


def assert_pdf(r):
    assert r.status_code == 200, text(r)
    assert r.mimetype == "application/pdf"
    assert r.data.startswith(b"%PDF-")
    return r.data


# --- rosters -----------------------------------------------------------------------------

def test_form_page_lists_the_choices(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.get(f"/c/{world.a.community.id}/print/roster")
    assert r.status_code == 200
    page = text(r)
    assert "打印花名册" in page and "1号楼党支部" in page and "公民身份号码" in page
    assert "打印完整身份证号" in page


def test_branch_roster_is_an_official_pdf(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.get(roster_url(world.a, branch=world.a.branch.id, columns="id_number"))
    data = assert_pdf(r)
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote("昌盛社区1号楼党支部党员花名册") in disposition
    words = pdf_text(data)
    assert "昌盛社区" in words and "1号楼党支部党员花名册" in words and "打印日期" in words
    assert "a张三" in words and "a李四" not in words  # 李四 is in the functional branch
    assert "第1页/共1页" in words
    number = world.a.member.id_number
    assert number not in words and mask_id_number(number) in words
    fonts = pdf_fonts(data)
    names = [f[0].replace("-", "") for f in fonts]
    assert any("NotoSansMonoCJKSC" in n for n in names)  # the roster grid
    assert all("NotoSans" in n and "CJKSC" in n for n in names)
    assert all(f[-5] == "yes" for f in fonts)  # emb column


def test_long_roster_repeats_header_and_counts_pages(client, auth, world):
    for i in range(90):
        factories.member(world.a.community, name=f"长名单{i:02d}", branch_id=world.a.branch.id)
    db.session.commit()
    auth.login(world.a.users[Role.STAFF])
    data = assert_pdf(client.get(roster_url(world.a, sort="name", columns="gender")))
    words = pdf_text(data)
    total = words.count("页/共")
    assert total >= 2
    assert f"第1页/共{total}页" in words and f"第{total}页/共{total}页" in words
    last = pdf_text(data, first=total, last=total)
    assert "昌盛社区" in last and "党员花名册" in last  # the page head
    assert "序号" in last and "姓名" in last  # the table header, repeated
    assert "长名单89" in words and "a李四" in words


def test_district_sees_masked_phones(client, auth, world):
    auth.login(world.district)
    data = assert_pdf(client.get(roster_url(world.a, columns="phone", category="assisted")))
    words = pdf_text(data)
    assert "协管党员花名册" in words and "a李四" in words and "a张三" not in words
    assert "139****0001" in words and "13909370001" not in words


def test_unmasked_roster_for_staff_is_audited(client, auth, world):
    staff = auth.login(world.a.users[Role.STAFF])
    data = assert_pdf(client.get(roster_url(world.a, columns="id_number", unmasked="y")))
    assert world.a.member.id_number in pdf_text(data)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "print_unmasked"))
    assert entry.user_id == staff.id and entry.community_id == world.a.community.id
    assert entry.new_value == "党员花名册"


@pytest.mark.parametrize("role", [Role.BRANCH_SECRETARY])
def test_unmasked_refused_to_others(client, auth, world, role):
    auth.login(world.a.users[role])
    assert client.get(roster_url(world.a, unmasked="y")).status_code == 403
    assert client.get(f"/c/{world.a.community.id}/members/{world.a.member.id}/card.pdf?unmasked=1").status_code == 403
    auth.login(world.district)
    assert client.get(roster_url(world.a, unmasked="y")).status_code == 403
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "print_unmasked")) is None


def test_liaison_prints_nothing(client, auth, world):
    auth.login(world.a.users[Role.LIAISON])
    cid = world.a.community.id
    for url in (f"/c/{cid}/print/roster", roster_url(world.a), f"/c/{cid}/print/units.pdf",
                f"/c/{cid}/members/{world.a.member.id}/card.pdf"):
        r = client.get(url)
        assert r.status_code == 403, url
        assert "无权访问" in text(r)


def test_branch_secretary_prints_his_own_branch_only(client, auth, world):
    auth.login(world.a.users[Role.BRANCH_SECRETARY])
    assert client.get(roster_url(world.a, branch=world.a.functional.id)).status_code == 403
    assert client.get(roster_url(world.a, branch=world.b.branch.id)).status_code == 403
    # No branch chosen: the roster is his branch's, with the phones he may see.
    data = assert_pdf(client.get(roster_url(world.a, columns="phone")))
    words = pdf_text(data)
    assert "1号楼党支部党员花名册" in words and "a张三" in words and "a李四" not in words
    assert "13909370001" in words


def test_other_community_is_refused(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    cid_b = world.b.community.id
    assert client.get(roster_url(world.b)).status_code == 403
    assert client.get(f"/c/{cid_b}/print/units.pdf").status_code == 403
    assert client.get(f"/c/{cid_b}/members/{world.b.member.id}/card.pdf").status_code == 403
    # Another community's member under this community's URL is not found.
    r = client.get(f"/c/{world.a.community.id}/members/{world.b.member.id}/card.pdf")
    assert r.status_code == 404


def test_filter_naming_another_communitys_branch_is_refused_in_chinese(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.get(roster_url(world.a, branch=world.b.branch.id))
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert "所选党支部不属于本社区。" in text(r)
    r = client.get(roster_url(world.a, branch=world.a.functional.id, group=world.a.group.id))
    assert "不属于便民服务党支部" in text(r)


def test_anonymous_goes_to_login(client, world):
    r = client.get(roster_url(world.a))
    assert r.status_code == 302 and "/login" in r.headers["Location"]


# --- record card and resident units --------------------------------------------------------

def test_member_card_shows_category_data_and_pending_steps(client, auth, world):
    m = world.a.other_member  # assisted (协管)
    db.session.add(AssistedInfo(member_id=m.id, employer="嘉峪关市人民医院", reported_on=date(2026, 3, 1),
                                claimed_posts="文明劝导岗\n政策宣传岗"))
    due = date.today() - timedelta(days=3)
    db.session.add(SupervisionStep(
        member_id=m.id, community_id=m.community_id, category=Category.ASSISTED, step_code="claim_post",
        post="党建服务岗", responsible_role=Role.STAFF, task="认领服务岗位", time_limit_text="报到后30日内",
        due_on=due, state=StepState.PENDING,
    ))
    db.session.add(SupervisionStep(
        member_id=m.id, community_id=m.community_id, category=Category.ASSISTED, step_code="register",
        responsible_role=Role.STAFF, task="报到登记已办结", due_on=due, state=StepState.DONE,
    ))
    db.session.commit()
    auth.login(world.a.users[Role.SECRETARY])
    r = client.get(f"/c/{m.community_id}/members/{m.id}/card.pdf")
    words = pdf_text(assert_pdf(r))
    assert "党员档案卡" in words and "a李四" in words and "第1页" in words
    assert "嘉峪关市人民医院" in words and "文明劝导岗；政策宣传岗" in words
    assert "认领服务岗位" in words and due.isoformat() in words and "已逾期" in words
    assert "报到登记已办结" not in words
    assert m.id_number not in words and mask_id_number(m.id_number) in words


def test_unmasked_card_is_audited(client, auth, world):
    secretary = auth.login(world.a.users[Role.SECRETARY])
    m = world.a.member
    words = pdf_text(assert_pdf(client.get(f"/c/{m.community_id}/members/{m.id}/card.pdf?unmasked=1")))
    assert m.id_number in words
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "print_unmasked"))
    assert (entry.user_id, entry.entity, entry.entity_id) == (secretary.id, "member", m.id)


def test_units_list_with_liaisons(client, auth, world):
    world.a.unit.liaison_phone = "13912345678"
    db.session.commit()
    auth.login(world.district)
    words = pdf_text(assert_pdf(client.get(f"/c/{world.a.community.id}/print/units.pdf")))
    assert "驻区单位名册" in words and "昌盛第一中学" in words and "李联络" in words
    assert "2025-01-01至2027-12-31" in words
    assert "139****5678" in words and "13912345678" not in words


# --- the URL fetcher -----------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://example.com/x.css", "https://127.0.0.1/", "file:///etc/passwd",
    f"file://{PACKAGE_DIR}/../pyproject.toml", "data:text/css,body{}", "ftp://example.com/a",
])
def test_fetcher_refuses_network_and_outside_files(url):
    with pytest.raises(URLRefused):
        PackageFetcher().fetch(url)


def test_fetcher_serves_package_css():
    response = PackageFetcher().fetch((PACKAGE_DIR / "templates" / "pdf" / "print.css").as_uri())
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


# --- command line --------------------------------------------------------------------------

def test_cli_roster_writes_an_audited_pdf(runner, world, tmp_path):
    out = tmp_path / "花名册.pdf"
    result = runner.invoke(args=["roster", "--community", "昌盛", "--branch", "1号楼党支部",
                                 "--group", "1单元党小组", "--out", str(out), "--unmasked"])
    assert result.exit_code == 0, result.output
    assert "已生成" in result.output
    words = pdf_text(out.read_bytes())
    assert "1号楼党支部1单元党小组党员花名册" in words and "a张三" in words
    assert world.a.member.id_number in words
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "print_unmasked"))
    assert entry.user_id is None and entry.community_id == world.a.community.id


@pytest.mark.parametrize("args, message", [
    (["--community", "不存在"], "找不到社区“不存在”。"),
    (["--community", "昌盛", "--branch", "没有的支部"], "昌盛社区没有名为“没有的支部”的党支部。"),
    (["--community", "昌盛", "--building", "9号楼"], "昌盛社区没有名为“9号楼”的楼栋。"),
    (["--community", "昌盛", "--branch", "便民服务党支部", "--group", "1单元党小组"], "党小组"),
    (["--community", "昌盛", "--columns", "salary"], "未知的列：salary"),
])
def test_cli_roster_errors_in_chinese(runner, world, tmp_path, args, message):
    out = tmp_path / "x.pdf"
    result = runner.invoke(args=["roster", *args, "--out", str(out)])
    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists()


def test_cli_roster_refuses_a_missing_directory(runner, world, tmp_path):
    result = runner.invoke(args=["roster", "--community", "昌盛", "--out", str(tmp_path / "nope" / "x.pdf")])
    assert result.exit_code != 0 and "不存在" in result.output
    assert not (tmp_path / "nope").exists()
