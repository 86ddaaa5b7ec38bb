"""The big party committee: seats, terms, their rules, the expiry list and the Excel roster."""
import io
from datetime import date, timedelta

import pytest
from flask import render_template_string
from openpyxl import load_workbook
from sqlalchemy import select

from partyorg.domain import committee as rules
from partyorg.extensions import db
from partyorg.models import (
    AuditEntry,
    CommitteeSeat,
    PartyCommittee,
    ResidentUnit,
    Role,
    SeatPost,
    SeatTerm,
    UnitKind,
)

from . import committee_helpers as h
from .conftest import text

TODAY = date.today()
START = TODAY - timedelta(days=365)
END = TODAY + timedelta(days=365 * 4)


@pytest.fixture
def w(world):
    """The world, with both units' agreements in force for years around today."""
    for side in (world.a, world.b):
        side.unit.agreement_start = TODAY - timedelta(days=400)
        side.unit.agreement_end = TODAY + timedelta(days=800)
    db.session.commit()
    return world


def seat_form(side, **over) -> dict:
    data = {
        "post": "member", "duty": "组织委员", "note": "", "member_id": str(side.member.id), "holder_name": "",
        "holder_org": "", "holder_post": "", "resident_unit_id": "0", "chosen_by": "elected",
        "start_on": START.isoformat(), "end_on": END.isoformat(),
    }
    data.update(over)
    return data


def outside(side, **over) -> dict:
    """A concurrent member seat held by the side's unit's party leader."""
    data = {"post": "concurrent_member", "member_id": "0", "holder_name": "赵建华", "holder_org": "中学党总支",
            "holder_post": "党总支书记", "resident_unit_id": str(side.unit.id)}
    return seat_form(side, **(data | over))


def counts():
    return h.count(CommitteeSeat), h.count(SeatTerm), h.count(AuditEntry)


def new_seat(client, cid, data):
    return client.post(f"/c/{cid}/committee/seats/new", data=data)


# --- pages and roles ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.SECRETARY, Role.STAFF])
def test_office_sees_the_committee(client, auth, w, role):
    h.seat(w.a, SeatPost.SECRETARY, start=START, end=END)
    h.concurrent_seat(w.a)
    auth.login(w.a.users[role])
    r = client.get(f"/c/{w.a.community.id}/committee")
    assert r.status_code == 200
    page = text(r)
    assert "大党委组成" in page and "书记" in page and "兼职委员" in page and "赵兼职" in page
    assert w.a.unit.name in page
    assert ("新增席位" in page) == (role == Role.SECRETARY)


def test_district_reads_but_may_not_add(client, auth, w):
    auth.login(w.district)
    assert client.get(f"/c/{w.a.community.id}/committee").status_code == 200
    assert new_seat(client, w.a.community.id, seat_form(w.a)).status_code == 403
    assert h.count(CommitteeSeat) == 0


def test_empty_committee_says_what_to_do(client, auth, w):
    auth.login(w.a.users[Role.SECRETARY])
    assert "还没有登记大党委的委员席位" in text(client.get(f"/c/{w.a.community.id}/committee"))


def test_liaison_sees_only_the_seat_held_for_his_unit(client, auth, w):
    own = h.concurrent_seat(w.a)
    other = h.seat(w.a, SeatPost.MEMBER)
    auth.login(w.a.users[Role.LIAISON])
    assert client.get(f"/c/{w.a.community.id}/committee/seats/{own.id}").status_code == 200
    assert client.get(f"/c/{w.a.community.id}/committee/seats/{other.id}").status_code == 403
    assert client.get(f"/c/{w.a.community.id}/committee").status_code == 403


def test_seat_of_another_community_is_not_found(client, auth, w):
    theirs = h.seat(w.b, SeatPost.MEMBER)
    auth.login(w.a.users[Role.SECRETARY])
    assert client.get(f"/c/{w.a.community.id}/committee/seats/{theirs.id}").status_code == 404
    assert client.get(f"/c/{w.a.community.id}/committee/terms/{theirs.terms[0].id}/end").status_code == 404


# --- creating seats ---------------------------------------------------------------------------

def test_secretary_adds_a_member_seat(client, auth, w):
    auth.login(w.a.users[Role.SECRETARY])
    r = new_seat(client, w.a.community.id, seat_form(w.a))
    assert r.status_code == 302
    seat = db.session.scalar(select(CommitteeSeat))
    assert seat.post == SeatPost.MEMBER and seat.duty == "组织委员"
    assert seat.terms[0].member_id == w.a.member.id and seat.terms[0].end_on == END
    entities = {e.entity for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "create"))}
    assert {"committee_seat", "seat_term"} <= entities
    assert "组织委员" in text(client.get(r.headers["Location"]))


def test_concurrent_seat_with_an_outside_holder(client, auth, w):
    auth.login(w.a.users[Role.SECRETARY])
    assert new_seat(client, w.a.community.id, outside(w.a)).status_code == 302
    term = db.session.scalar(select(SeatTerm))
    assert term.holder == "赵建华" and term.resident_unit_id == w.a.unit.id and term.member_id is None


def _refused(client, w, data, message):
    before = counts()
    r = new_seat(client, w.a.community.id, data)
    assert r.status_code == 200
    assert message in text(r), text(r)
    assert counts() == before
    return r


@pytest.mark.parametrize("over, message", [
    ({"resident_unit_id": "0"}, "兼职委员须选择其所在的驻区单位"),
    ({"post": ""}, "请选择职务"),
    ({"chosen_by": ""}, "请选择产生方式"),
    ({"start_on": ""}, "请填写任期开始日期"),
    ({"end_on": (START - timedelta(days=1)).isoformat()}, "任期结束日期不能早于开始日期"),
    ({"start_on": "2026-13-01"}, "请输入正确的日期"),
    ({"holder_name": "", "member_id": "0"}, "请选择任职的本社区党员，或填写外部人员"),
    ({"holder_org": ""}, "外部人员请填写所在党组织"),
    ({"holder_name": "x" * 51}, "外部人员姓名不能超过50个字"),
])
def test_bad_concurrent_seat_is_refused(client, auth, w, over, message):
    auth.login(w.a.users[Role.SECRETARY])
    _refused(client, w, outside(w.a, **over), message)


def test_member_and_outside_name_together_are_refused(client, auth, w):
    auth.login(w.a.users[Role.SECRETARY])
    _refused(client, w, seat_form(w.a, holder_name="钱某", holder_org="某党委"), "二者只选其一")


def test_member_of_another_community_is_refused(client, auth, w):
    auth.login(w.a.users[Role.SECRETARY])
    _refused(client, w, seat_form(w.a, member_id=str(w.b.member.id)), "请选择本社区在册的党员")


def test_unit_of_another_community_is_refused(client, auth, w):
    auth.login(w.a.users[Role.SECRETARY])
    _refused(client, w, outside(w.a, resident_unit_id=str(w.b.unit.id)), "请选择本社区的驻区单位")


def test_ordinary_seat_takes_no_unit(client, auth, w):
    auth.login(w.a.users[Role.SECRETARY])
    _refused(client, w, seat_form(w.a, resident_unit_id=str(w.a.unit.id)), "只有兼职副书记、兼职委员需要选择驻区单位")


@pytest.mark.parametrize("start, end, why", [
    (TODAY - timedelta(days=800), TODAY - timedelta(days=1), "共驻共建协议已于"),
    (TODAY + timedelta(days=10), TODAY + timedelta(days=500), "起才生效"),
    (None, None, "尚未签订共驻共建协议"),
])
def test_concurrent_seat_needs_an_agreement_in_force(client, auth, w, start, end, why):
    w.a.unit.agreement_start, w.a.unit.agreement_end = start, end
    db.session.commit()
    auth.login(w.a.users[Role.SECRETARY])
    r = _refused(client, w, outside(w.a), why)
    assert "不能担任兼职席位" in text(r)


def test_a_second_secretary_is_refused(client, auth, w):
    h.seat(w.a, SeatPost.SECRETARY, start=START, end=END)
    auth.login(w.a.users[Role.SECRETARY])
    _refused(client, w, seat_form(w.a, post="secretary", member_id=str(w.a.other_member.id)),
             "同一时间只能有一位书记")


def test_secretary_terms_may_not_overlap_within_the_seat(client, auth, w):
    seat = h.seat(w.a, SeatPost.SECRETARY, start=START, end=END)
    auth.login(w.a.users[Role.SECRETARY])
    before = counts()
    r = client.post(f"/c/{w.a.community.id}/committee/seats/{seat.id}/terms/new", data=seat_form(
        w.a, member_id=str(w.a.other_member.id), start_on=(END - timedelta(days=5)).isoformat(),
        end_on=(END + timedelta(days=900)).isoformat()))
    assert r.status_code == 200
    assert "同一席位的任期不能重叠" in text(r)
    assert counts() == before


def test_next_term_after_the_last_one_is_recorded(client, auth, w):
    seat = h.seat(w.a, SeatPost.MEMBER, start=START, end=TODAY + timedelta(days=20))
    auth.login(w.a.users[Role.SECRETARY])
    r = client.post(f"/c/{w.a.community.id}/committee/seats/{seat.id}/terms/new", data=seat_form(
        w.a, member_id=str(w.a.other_member.id), chosen_by="coopted",
        start_on=(TODAY + timedelta(days=21)).isoformat(), end_on=(TODAY + timedelta(days=1800)).isoformat()))
    assert r.status_code == 302
    db.session.refresh(seat)
    assert [t.member_id for t in seat.terms] == [w.a.member.id, w.a.other_member.id]
    page = text(client.get(f"/c/{w.a.community.id}/committee/seats/{seat.id}"))
    assert "待任" in page and "增补" in page and "现任" in page


def test_committee_size_stays_within_the_upper_limit(client, auth, w):
    committee = db.session.scalar(select(PartyCommittee).where(PartyCommittee.community_id == w.a.community.id))
    committee.min_size, committee.max_size = 1, 2
    db.session.commit()
    h.seat(w.a, SeatPost.SECRETARY)
    h.seat(w.a, SeatPost.MEMBER)
    auth.login(w.a.users[Role.SECRETARY])
    r = _refused(client, w, seat_form(w.a, member_id=str(w.a.other_member.id)), "达到上限2人，不能再增加")
    assert "人数上下限" in text(r)


def test_a_seat_may_be_added_once_an_earlier_term_has_ended(client, auth, w):
    committee = db.session.scalar(select(PartyCommittee).where(PartyCommittee.community_id == w.a.community.id))
    committee.min_size, committee.max_size = 1, 1
    db.session.commit()
    h.seat(w.a, SeatPost.MEMBER, start=START, end=TODAY - timedelta(days=1))
    auth.login(w.a.users[Role.SECRETARY])
    assert new_seat(client, w.a.community.id, seat_form(w.a, start_on=TODAY.isoformat())).status_code == 302


def test_script_in_a_name_is_shown_as_text(client, auth, w):
    auth.login(w.a.users[Role.SECRETARY])
    assert new_seat(client, w.a.community.id, outside(w.a, holder_name="<script>x</script>")).status_code == 302
    page = text(client.get(f"/c/{w.a.community.id}/committee"))
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x" not in page


# --- ending terms ---------------------------------------------------------------------------

def _end(client, w, term, **over):
    data = {"end_on": TODAY.isoformat(), "end_reason": "工作调动", "version": str(term.version)}
    data.update(over)
    return client.post(f"/c/{w.a.community.id}/committee/terms/{term.id}/end", data=data)


def test_ending_a_term_records_date_and_reason(client, auth, w):
    term = h.current_term(w.a)
    auth.login(w.a.users[Role.SECRETARY])
    assert client.get(f"/c/{w.a.community.id}/committee/terms/{term.id}/end").status_code == 200
    r = _end(client, w, term)
    assert r.status_code == 302
    db.session.refresh(term)
    assert term.end_on == TODAY and term.end_reason == "工作调动"
    fields = {e.field for e in db.session.scalars(select(AuditEntry).where(AuditEntry.entity == "seat_term"))}
    assert {"end_on", "end_reason"} <= fields


def test_ending_below_the_lower_limit_warns(client, auth, w):
    term = h.current_term(w.a)  # one seat; the default lower limit is 5
    auth.login(w.a.users[Role.SECRETARY])
    r = _end(client, w, term)
    page = text(client.get(r.headers["Location"]))
    assert "少于下限5人，请尽快增补" in page


@pytest.mark.parametrize("over, message", [
    ({"end_on": "2000-01-01"}, "结束日期不能早于任期开始日期"),
    ({"end_on": "2099-01-01"}, "结束日期不能晚于原定任期结束日期"),
    ({"end_reason": ""}, "请填写结束原因"),
    ({"end_on": ""}, "请填写任期结束日期"),
])
def test_bad_end_is_refused(client, auth, w, over, message):
    term = h.current_term(w.a)
    end_before, before = term.end_on, counts()
    auth.login(w.a.users[Role.SECRETARY])
    r = _end(client, w, term, **over)
    assert r.status_code == 200 and message in text(r)
    db.session.refresh(term)
    assert term.end_on == end_before and counts() == before


def test_stale_end_is_refused(client, auth, w):
    term = h.current_term(w.a)
    old = term.version
    term.holder_post = "书记"  # someone else saved meanwhile
    db.session.commit()
    auth.login(w.a.users[Role.SECRETARY])
    r = _end(client, w, term, version=str(old))
    assert r.status_code == 200 and "此记录已被他人修改" in text(r)
    db.session.refresh(term)
    assert term.end_reason == ""


def test_staff_may_not_end_terms(client, auth, w):
    term = h.current_term(w.a)
    auth.login(w.a.users[Role.STAFF])
    assert _end(client, w, term).status_code == 403


# --- what runs out soon ---------------------------------------------------------------------

def test_expiring_lists_terms_and_agreements_within_60_days(w):
    soon = h.seat(w.a, SeatPost.MEMBER, start=START, end=TODAY + timedelta(days=30))
    h.seat(w.a, SeatPost.DEPUTY, start=START, end=TODAY + timedelta(days=90))
    renewed = h.seat(w.a, SeatPost.SECRETARY, start=START, end=TODAY + timedelta(days=10))
    db.session.add(SeatTerm(seat_id=renewed.id, member_id=w.a.other_member.id, chosen_by="elected",
                            start_on=TODAY + timedelta(days=11), end_on=TODAY + timedelta(days=1800)))
    h.seat(w.b, SeatPost.MEMBER, start=START, end=TODAY + timedelta(days=5))
    closing = ResidentUnit(community_id=w.a.community.id, name="雄关医院", kind=UnitKind.HOSPITAL,
                           agreement_start=START, agreement_end=TODAY + timedelta(days=59))
    ended = ResidentUnit(community_id=w.a.community.id, name="已到期单位", kind=UnitKind.OTHER,
                         agreement_start=START, agreement_end=TODAY - timedelta(days=1))
    db.session.add_all([closing, ended])
    db.session.commit()
    result = rules.expiring(w.a.community.id, TODAY)
    assert [t.seat_id for t in result.terms] == [soon.id]
    assert [u.name for u in result.units] == ["雄关医院"]
    assert result.days_left(closing.agreement_end) == 59
    assert not rules.expiring(w.a.community.id, TODAY, days=5).terms


def test_expiring_partial_renders(app, w):
    h.seat(w.a, SeatPost.MEMBER, start=START, end=TODAY + timedelta(days=30))
    with app.test_request_context():
        html = render_template_string('{% include "committee/_expiring.html" %}', community=w.a.community)
        assert "60天内到期" in html and "30天后到期" in html and w.a.member.name in html
        empty = render_template_string('{% include "committee/_expiring.html" %}', community=w.b.community)
        assert "到期" not in empty


def test_unit_seats_partial_lists_the_units_seat(app, w):
    h.concurrent_seat(w.a)
    with app.test_request_context():
        html = render_template_string('{% include "committee/_unit_seats.html" %}', unit=w.a.unit)
        assert "兼职委员" in html and "赵兼职" in html
        other = render_template_string('{% include "committee/_unit_seats.html" %}', unit=w.b.unit)
        assert "没有人在社区党委兼职任职" in other


def test_seats_page_shows_expiring_terms(client, auth, w):
    h.seat(w.a, SeatPost.MEMBER, start=START, end=TODAY + timedelta(days=7))
    auth.login(w.a.users[Role.SECRETARY])
    assert "7天后到期" in text(client.get(f"/c/{w.a.community.id}/committee"))


# --- Excel ------------------------------------------------------------------------------------

def test_roster_download(client, auth, w):
    h.seat(w.a, SeatPost.SECRETARY, start=START, end=END, duty="全面工作")
    h.seat(w.a, SeatPost.CONCURRENT_MEMBER, name="=HYPERLINK(\"http://x\")", org="@SUM(1)", unit=w.a.unit)
    h.seat(w.a, SeatPost.MEMBER, start=START, end=TODAY - timedelta(days=1))  # vacant now
    auth.login(w.district)
    r = client.get(f"/c/{w.a.community.id}/committee.xlsx")
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(r.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("职务", "分工", "姓名")
    assert rows[1][0] == "书记" and rows[1][1] == "全面工作" and rows[1][2] == w.a.member.name
    assert rows[1][6].date() == START
    member_row = next(row for row in rows if row[0] == "委员")
    assert member_row[2] == "（空缺）"
    concurrent = next(row for row in rows if row[0] == "兼职委员")
    assert concurrent[2] == "'=HYPERLINK(\"http://x\")" and concurrent[3] == "'@SUM(1)"
    assert concurrent[5] == w.a.unit.name
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_roster_download_refused_to_a_liaison(client, auth, w):
    auth.login(w.a.users[Role.LIAISON])
    assert client.get(f"/c/{w.a.community.id}/committee.xlsx").status_code == 403
