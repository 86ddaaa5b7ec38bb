"""Printouts of the big party committee and of in-service (协管) members: composition, report-in
roster, report slip receipt, yearly feedback letter. Words checked with pdftotext, fonts with pdffonts.

Each PDF render takes about half a second, so only the tests about a PDF's content render one.
"""
from datetime import date, time

import pytest
from sqlalchemy import select

from partyorg.domain import letters
from partyorg.domain import workflow as wf
from partyorg.domain.errors import DomainError
from partyorg.extensions import db
from partyorg.models import (
    ActivityKind,
    ActivityState,
    ChosenBy,
    JointActivity,
    Role,
    SeatPost,
    SeatTerm,
    StepState,
    SupervisionStep,
)

from . import factories
from .committee_helpers import seat
from .conftest import text
from .test_printing import assert_pdf, pdf_fonts, pdf_text

TODAY = date.today()
YEAR = TODAY.year
REPORTED = date(YEAR - 1, 3, 1)


def cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def register(side, member=None, phone="13812345678"):
    """Record the report-in of the side's assisted member (default: other_member) and open his plan."""
    member = member or side.other_member
    member.phone = phone
    staff = side.users[Role.STAFF]
    wf.save_category_info(member, {
        "employer": "嘉峪关市人民医院", "employer_party_org": "市人民医院党委", "reported_on": REPORTED,
        "skills": "急救", "claimed_posts": "文明劝导岗\n健康咨询岗",
    }, staff, TODAY)
    wf.open_plan(member, staff, TODAY)
    db.session.commit()
    return member


def step(member, code, period):
    return db.session.scalar(select(SupervisionStep).where(
        SupervisionStep.member_id == member.id, SupervisionStep.step_code == code,
        SupervisionStep.period_key == period))


def serve_and_evaluate(side, member):
    """This half year's service record (3.5 h), a confirmed joint activity (2 h), an 优秀 evaluation."""
    half = wf.period_key(wf.HALF_YEAR, TODAY)
    wf.apply(step(member, "service_record", half), "complete", side.users[Role.STAFF], TODAY,
             note="在小区南门文明劝导", hours=3.5)
    activity = JointActivity(
        community_id=side.community.id, unit_id=side.unit.id, kind=ActivityKind.SECURITY, title="夜间联防巡逻",
        held_on=date(YEAR, 1, 15), start_time=time(19), end_time=time(21), place="小区北门", hours=2,
        state=ActivityState.CONFIRMED,
    )
    activity.units = [side.unit]
    activity.participants = [member]
    unconfirmed = JointActivity(
        community_id=side.community.id, unit_id=side.unit.id, kind=ActivityKind.WELFARE, title="未确认的义诊",
        held_on=date(YEAR, 2, 1), start_time=time(9), end_time=time(11), place="社区广场", hours=5,
        state=ActivityState.SUBMITTED,
    )
    unconfirmed.participants = [member]
    db.session.add_all([activity, unconfirmed])
    wf.apply(step(member, "evaluation", str(YEAR)), "complete", side.users[Role.SECRETARY], TODAY,
             outcome="优秀", note="优秀，服务积极主动")
    db.session.commit()


def cjk_embedded(data: bytes) -> bool:
    fonts = pdf_fonts(data)
    # Noto Sans CJK SC for text, Noto Sans Mono CJK SC for tables on the character grid.
    names = [f[0].replace("-", "") for f in fonts]
    return bool(fonts) and all("NotoSans" in n and "CJKSC" in n for n in names) and all(f[-5] == "yes" for f in fonts)


def urls(side, member=None):
    cid, mid = side.community.id, (member or side.other_member).id
    return {
        "committee": f"/c/{cid}/print/committee.pdf",
        "report_in": f"/c/{cid}/print/report-in.pdf",
        "receipt": f"/c/{cid}/members/{mid}/report-receipt.pdf",
        "letter": f"/c/{cid}/members/{mid}/feedback-letter.pdf?year={YEAR}",
    }


# --- the committee's composition -----------------------------------------------------------------

def test_committee_composition_lists_seats_holders_units_and_terms(client, auth, world):
    s = seat(world.a, SeatPost.SECRETARY, member=world.a.member, duty="主持全面工作")
    seat(world.a, SeatPost.CONCURRENT_MEMBER)  # 赵兼职 of 中学党总支, for 昌盛第一中学
    s.terms[0].start_on = date(2024, 6, 1)
    db.session.add(SeatTerm(seat_id=s.id, holder_name="钱前任", holder_org="区委组织部", chosen_by=ChosenBy.ELECTED,
                            start_on=date(2021, 1, 1), end_on=date(2024, 5, 31), end_reason="调离"))
    factories.member(world.a.community, name="不在名单")
    db.session.commit()
    auth.login(world.district)
    r = client.get(urls(world.a)["committee"])
    data = assert_pdf(r)
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    words = pdf_text(data)
    assert "昌盛社区党委委员名单" in words and "现有委员2人" in words
    assert "书记" in words and "a张三" in words and "主持全面工作" in words and "本社区党员，1号楼党支" in words
    assert "兼职委员" in words and "赵兼职" in words and "中学党总支" in words and "昌盛第一中学" in words
    assert "2024-06-01至2028-12-31" in words and "选举" in words
    assert "历任及其他任期" in words and "钱前任" in words and "调离" in words
    assert "不在名单" not in words
    assert "第1页/共1页" in words
    assert cjk_embedded(data)


def test_committee_without_seats_says_so(client, auth, world):
    auth.login(world.a.users[Role.STAFF])
    words = pdf_text(assert_pdf(client.get(urls(world.a)["committee"])))
    assert "本社区还没有登记党委席位" in words


# --- the report-in roster ------------------------------------------------------------------------

def test_report_in_roster_for_the_office_shows_phones(client, auth, world):
    register(world.a)
    factories.member(world.a.community, name="待报到", category=world.a.other_member.category)
    db.session.commit()
    auth.login(world.a.users[Role.SECRETARY])
    words = pdf_text(assert_pdf(client.get(urls(world.a)["report_in"])))
    assert "在职党员到社区报到花名册" in words and "共2人" in words
    assert "a李四" in words and "嘉峪关市人民医院" in words and "市人民医院党委" in words
    assert REPORTED.isoformat() in words and "文明劝导岗；健康咨询岗" in words and "便民服务党支部" in words
    assert "13812345678" in words
    assert "待报到" in words and "未登记" in words
    assert "a张三" not in words  # a direct member


def test_report_in_roster_masks_phones_for_the_district(client, auth, world):
    register(world.a)
    auth.login(world.district)
    data = assert_pdf(client.get(urls(world.a)["report_in"]))
    words = pdf_text(data)
    assert "138****5678" in words and "13812345678" not in words and "联系电话已隐去中间部分" in words
    assert cjk_embedded(data)


# --- the receipt ---------------------------------------------------------------------------------

def test_receipt_for_the_employer(client, auth, world):
    register(world.a)
    auth.login(world.a.users[Role.STAFF])
    r = client.get(urls(world.a)["receipt"])
    data = assert_pdf(r)
    assert "report_receipt_" in r.headers["Content-Disposition"]
    words = pdf_text(data)
    assert "在职党员到社区报到回执" in words and "市人民医院党委：" in words
    assert f"贵单位党员a李四同志已于{cn(REPORTED)}到昌盛社区党委报到" in words
    assert "嘉峪关市人民医院" in words and "文明劝导岗" in words
    assert "昌盛社区党委（盖章）" in words and cn(TODAY) in words
    assert world.a.other_member.phone not in words
    assert cjk_embedded(data)


def test_receipt_refused_for_a_member_who_is_not_assisted(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.get(urls(world.a, world.a.member)["receipt"])
    assert r.status_code == 400 and "不是到社区报到的在职（协管）党员" in text(r)
    r = client.get(urls(world.a, world.a.member)["letter"])
    assert r.status_code == 400 and "不是到社区报到的在职（协管）党员" in text(r)


def test_receipt_refused_before_the_report_in_is_recorded(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.get(urls(world.a)["receipt"])
    assert r.status_code == 400 and "报到信息（工作单位、报到日期）尚未登记" in text(r)


# --- the feedback letter -------------------------------------------------------------------------

def test_feedback_letter_with_records_hours_and_evaluation(client, auth, world):
    member = register(world.a)
    serve_and_evaluate(world.a, member)
    auth.login(world.a.users[Role.SECRETARY])
    r = client.get(urls(world.a)["letter"])
    data = assert_pdf(r)
    assert f"feedback_letter_{member.id}_{YEAR}.pdf" in r.headers["Content-Disposition"]
    words = pdf_text(data)
    assert f"关于a李四同志{YEAR}年度在社区服务情况的反馈函" in words and "市人民医院党委：" in words
    assert cn(REPORTED) in words and "文明劝导岗、健康咨询岗" in words
    assert f"{YEAR}年共记录服务2次，累计服务时长5.5小时" in words
    assert "在小区南门文明劝导" in words and "3.5" in words
    assert "社会治安联防：夜间联防巡逻（小区北门）" in words and f"{YEAR}-01-15" in words
    assert "未确认的义诊" not in words
    assert f"{YEAR}年度评价结果为：优秀" in words and "服务积极主动" in words
    assert "特此函告" in words and "昌盛社区党委（盖章）" in words and cn(TODAY) in words
    assert "第1页/共1页" in words
    assert cjk_embedded(data)
    # Printing changes nothing in the workflow.
    assert step(member, "service_record", wf.period_key(wf.HALF_YEAR, TODAY)).state == StepState.DONE


def test_feedback_letter_data_for_a_year_without_service(world):
    member = register(world.a)
    serve_and_evaluate(world.a, member)
    letter = letters.build_feedback_letter(member, YEAR - 1, today=date(YEAR, 1, 5))
    assert letter.records == [] and letter.total_hours == "0" and letter.outcome == ""
    assert letter.evaluation_note == "本年度评价尚未进行。" and letter.dated == f"{YEAR}年1月5日"


def test_waived_evaluation_is_reported_with_its_reason(world):
    member = register(world.a)
    wf.apply(step(member, "evaluation", str(YEAR)), "waive", world.a.users[Role.SECRETARY], TODAY,
             reason="年内报到不满三个月")
    letter = letters.build_feedback_letter(member, YEAR)
    assert letter.outcome == "" and "免于评价（年内报到不满三个月）" in letter.evaluation_note


@pytest.mark.parametrize("year, message", [
    ("abc", "年份“abc”不正确"),
    ("1800", f"年份应在2000年至{YEAR}年之间"),
    (str(YEAR + 1), f"年份应在2000年至{YEAR}年之间"),
    ("２０２６", "不正确"),
    (str(REPORTED.year - 1), f"于{cn(REPORTED)}到社区报到，不能为{REPORTED.year - 1}年出具反馈函"),
])
def test_bad_year_refused(client, auth, world, year, message):
    register(world.a)
    auth.login(world.a.users[Role.STAFF])
    r = client.get(f"/c/{world.a.community.id}/members/{world.a.other_member.id}/feedback-letter.pdf?year={year}")
    assert r.status_code == 400 and r.mimetype == "text/html"
    assert message in text(r)


def test_year_defaults_to_this_year():
    assert letters.parse_year(None, today=date(2026, 11, 30)) == 2026
    with pytest.raises(DomainError):
        letters.parse_year("20261", today=date(2026, 11, 30))


# --- who may print -------------------------------------------------------------------------------

@pytest.mark.parametrize("role, allowed", [
    (Role.LIAISON, ()), (Role.BRANCH_SECRETARY, ()), ("district", ("committee", "report_in")),
])
def test_roles_refused(client, auth, world, role, allowed):
    register(world.a)
    auth.login(world.district if role == "district" else world.a.users[role])
    for name, url in urls(world.a).items():
        if name in allowed:
            continue
        r = client.get(url)
        assert r.status_code == 403, (role, name)
        assert "无权访问" in text(r)


def test_other_community_refused_or_not_found(client, auth, world):
    register(world.b)
    auth.login(world.a.users[Role.SECRETARY])
    for url in urls(world.b).values():
        assert client.get(url).status_code == 403, url
    # b's member under a's community: not found.
    cid = world.a.community.id
    mid = world.b.other_member.id
    assert client.get(f"/c/{cid}/members/{mid}/report-receipt.pdf").status_code == 404
    assert client.get(f"/c/{cid}/members/{mid}/feedback-letter.pdf?year={YEAR}").status_code == 404


def test_anonymous_goes_to_login(client, world):
    for url in urls(world.a).values():
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_roster_page_links_the_other_printouts(client, auth, world):
    auth.login(world.a.users[Role.STAFF])
    page = text(client.get(f"/c/{world.a.community.id}/print/roster"))
    assert "打印大党委委员名单" in page and "打印在职党员报到花名册" in page
    assert f"/c/{world.a.community.id}/print/committee.pdf" in page
    auth.login(world.a.users[Role.BRANCH_SECRETARY])
    page = text(client.get(f"/c/{world.a.community.id}/print/roster"))
    assert "打印大党委委员名单" not in page


# --- command line --------------------------------------------------------------------------------

def test_cli_print_committee(runner, world, tmp_path):
    seat(world.a, SeatPost.CONCURRENT_DEPUTY)
    out = tmp_path / "委员名单.pdf"
    result = runner.invoke(args=["print-committee", "--community", "昌盛", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "已生成昌盛社区党委委员名单" in result.output
    words = pdf_text(out.read_bytes())
    assert "兼职副书记" in words and "赵兼职" in words


def test_cli_print_feedback_letter(runner, world, tmp_path):
    member = register(world.a)
    serve_and_evaluate(world.a, member)
    out = tmp_path / "反馈函.pdf"
    result = runner.invoke(args=["print-feedback-letter", "--community", "昌盛", "--member-id", str(member.id),
                                 "--year", str(YEAR), "--out", str(out)])
    assert result.exit_code == 0, result.output
    words = pdf_text(out.read_bytes())
    assert "反馈函" in words and "a李四" in words and "5.5小时" in words and "优秀" in words


@pytest.mark.parametrize("args, message", [
    (["print-committee", "--community", "不存在"], "找不到社区“不存在”。"),
    (["print-feedback-letter", "--community", "不存在", "--member-id", "1", "--year", "2026"], "找不到社区"),
    (["print-feedback-letter", "--community", "昌盛", "--member-id", "999999", "--year", "2026"],
     "昌盛社区没有编号为999999的党员"),
    (["print-feedback-letter", "--community", "昌盛", "--member-id", "B", "--year", "2026"],
     "昌盛社区没有编号为"),
    (["print-feedback-letter", "--community", "昌盛", "--member-id", "DIRECT", "--year", "2026"],
     "不是到社区报到的在职（协管）党员"),
    (["print-feedback-letter", "--community", "昌盛", "--member-id", "A", "--year", "1800"], "年份应在2000年"),
    (["print-feedback-letter", "--community", "昌盛", "--member-id", "A", "--year", "abc"], "不正确"),
])
def test_cli_errors_in_chinese(runner, world, tmp_path, args, message):
    register(world.a)
    ids = {"A": world.a.other_member.id, "B": world.b.other_member.id, "DIRECT": world.a.member.id}
    args = [str(ids.get(a, a)) for a in args]
    out = tmp_path / "x.pdf"
    result = runner.invoke(args=[*args, "--out", str(out)])
    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists()


def test_cli_refuses_a_file_that_is_not_a_pdf(runner, world, tmp_path):
    result = runner.invoke(args=["print-committee", "--community", "昌盛", "--out", str(tmp_path / "x.docx")])
    assert result.exit_code != 0 and ".pdf" in result.output
