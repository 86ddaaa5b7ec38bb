"""Joint activities (五联): recording, states, liaison scope, attachments, service records, summaries."""
import io
from datetime import date, time, timedelta

import pytest
from flask import render_template
from flask_login import login_user
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from partyorg.domain import activities as rules
from partyorg.domain import workflow
from partyorg.domain.errors import DomainError
from partyorg.extensions import db
from partyorg.models import (
    ActivityKind,
    ActivityState,
    AuditEntry,
    CobuildingProject,
    JointActivity,
    JointActivityAttachment,
    ProjectStatus,
    ResidentUnit,
    Role,
    StepState,
    SupervisionStep,
    UnitKind,
)

from . import factories
from .conftest import text

TODAY = date.today()
S, ST, B, L = Role.SECRETARY, Role.STAFF, Role.BRANCH_SECRETARY, Role.LIAISON


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


# --- helpers ---------------------------------------------------------------------------------

def form(side, **kw) -> dict:
    data = {
        "kind": ActivityKind.SECURITY.value,
        "title": "夜间联防巡逻",
        "held_on": (TODAY - timedelta(days=1)).isoformat(),
        "start_time": "19:00",
        "end_time": "21:30",
        "place": "小区南门",
        "unit_id": str(side.unit.id),
        "participant_ids": [str(side.member.id), str(side.other_member.id)],
        "other_count": "3",
        "hours": "2",
        "summary": "沿小区主要道路巡逻两圈。",
    }
    data.update(kw)
    return data


def add(side, state=ActivityState.DRAFT, *, held_on=None, kind=ActivityKind.SECURITY, units=None,
        members=None, other_count=0, hours=2.0, unit=None, title="巡逻") -> JointActivity:
    """An activity put straight into the database, in any state."""
    owner = unit or side.unit
    a = JointActivity(
        community_id=side.community.id, unit_id=owner.id, kind=kind, title=title,
        held_on=held_on or TODAY - timedelta(days=1), start_time=time(9), end_time=time(12), place="社区广场",
        other_count=other_count, hours=hours, state=state,
        return_reason="照片不清楚" if state == ActivityState.RETURNED else "",
    )
    a.units = units if units is not None else [owner]
    a.participants = members if members is not None else [side.member]
    db.session.add(a)
    db.session.commit()
    return a


def second_unit(side, name="市交警支队", liaison="a_liaison2"):
    unit = ResidentUnit(community_id=side.community.id, name=name, kind=UnitKind.GOVERNMENT)
    db.session.add(unit)
    db.session.flush()
    user = factories.user(liaison, Role.LIAISON, side.community, resident_unit_id=unit.id)
    db.session.commit()
    return unit, user


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audits(entity="joint_activity") -> int:
    return count(AuditEntry, AuditEntry.entity == entity)


def png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, "PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (39.0, 48.0, 0.0), 3: "E", 4: (98.0, 17.0, 0.0)})
    out = io.BytesIO()
    Image.new("RGB", (50, 40), "red").save(out, "JPEG", exif=exif)
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def url(a, tail="") -> str:
    return f"/c/{a.community_id}/activities/{a.id}{tail}"


def upload(client, a, *files):
    """POST files as one multipart body built here (the test client would spool big ones to a file it never closes)."""
    boundary = "----partyorg-test-boundary"
    body = b""
    for data, name in files:
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
                 "Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return client.post(url(a, "/attachments"), data=body, content_type=f"multipart/form-data; boundary={boundary}")


# --- recording an activity ---------------------------------------------------------------------

def test_liaison_records_a_draft_for_his_unit(client, auth, world):
    auth.login(world.a.users[L])
    r = client.post(f"/c/{world.a.community.id}/activities/new", data=form(world.a))
    assert r.status_code == 302
    a = db.session.scalars(select(JointActivity)).one()
    assert a.state == ActivityState.DRAFT
    assert a.unit_id == world.a.unit.id
    assert [u.id for u in a.units] == [world.a.unit.id]
    assert {m.id for m in a.participants} == {world.a.member.id, world.a.other_member.id}
    assert a.head_count == 5 and a.hours == 2
    assert a.created_by_id == world.a.users[L].id
    assert count(AuditEntry, AuditEntry.entity == "joint_activity", AuditEntry.action == "create") == 1
    page = text(client.get(r.headers["Location"]))
    assert "夜间联防巡逻" in page and "草稿" in page and "提交社区确认" in page


def test_staff_records_for_any_unit_with_co_organisers(client, auth, world):
    unit2, _ = second_unit(world.a)
    auth.login(world.a.users[ST])
    r = client.post(f"/c/{world.a.community.id}/activities/new",
                    data=form(world.a, unit_id=str(unit2.id), unit_ids=[str(world.a.unit.id)]))
    assert r.status_code == 302
    a = db.session.scalars(select(JointActivity)).one()
    assert a.unit_id == unit2.id
    assert {u.id for u in a.units} == {unit2.id, world.a.unit.id}


@pytest.mark.parametrize(
    "change,field_message",
    [
        ({"end_time": "18:00"}, "结束时间应晚于开始时间"),
        ({"end_time": "19:00"}, "结束时间应晚于开始时间"),
        ({"hours": "3"}, "每人服务时长不能超过活动时长（2.5小时）"),
        ({"hours": "-1"}, "服务时长应为0至24小时"),
        ({"other_count": "-2"}, "其他参加人数应为0至10000人"),
        ({"title": ""}, "请填写活动名称"),
        ({"title": "长" * 101}, "活动名称不能超过100个字"),
        ({"kind": ""}, "请选择活动类别"),
        ({"kind": "party"}, "活动类别只能是"),
        ({"held_on": "2026-02-30"}, "请输入正确的日期"),
        ({"start_time": "25:00"}, "不是有效的时间值"),
        ({"place": ""}, "请填写活动地点"),
        ({"unit_ids": ["999"]}, "协办单位须是本社区的驻区单位"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(client, auth, world, change, field_message):
    auth.login(world.a.users[ST])
    r = client.post(f"/c/{world.a.community.id}/activities/new", data=form(world.a, **change))
    assert r.status_code == 200
    assert field_message in text(r)
    assert count(JointActivity) == 0
    assert audits() == 0


def test_participants_of_another_community_are_refused(client, auth, world):
    auth.login(world.a.users[L])
    r = client.post(f"/c/{world.a.community.id}/activities/new",
                    data=form(world.a, participant_ids=[str(world.b.member.id)]))
    assert r.status_code == 200
    assert "参加党员须是本社区的党员" in text(r)
    assert count(JointActivity) == 0


def test_unit_of_another_community_is_refused(client, auth, world):
    auth.login(world.a.users[ST])
    r = client.post(f"/c/{world.a.community.id}/activities/new",
                    data=form(world.a, unit_id=str(world.b.unit.id)))
    assert "请选择本社区的驻区单位作为主办单位" in text(r)
    assert count(JointActivity) == 0


def test_script_in_text_is_stored_as_text_and_shown_escaped(client, auth, world):
    auth.login(world.a.users[L])
    client.post(f"/c/{world.a.community.id}/activities/new",
                data=form(world.a, title="<script>alert(1)</script>", summary="<b>粗</b>"))
    a = db.session.scalars(select(JointActivity)).one()
    assert a.title == "<script>alert(1)</script>"
    page = text(client.get(url(a)))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "&lt;b&gt;粗&lt;/b&gt;" in page


def test_future_date_may_be_drafted_but_not_submitted(client, auth, world):
    auth.login(world.a.users[L])
    future = (TODAY + timedelta(days=3)).isoformat()
    client.post(f"/c/{world.a.community.id}/activities/new", data=form(world.a, held_on=future))
    a = db.session.scalars(select(JointActivity)).one()
    r = client.post(url(a, "/submit"), data={"version": a.version}, follow_redirects=True)
    assert "活动日期在今天之后，活动开展后才能提交" in text(r)
    db.session.refresh(a)
    assert a.state == ActivityState.DRAFT


def test_edit_changes_fields_and_links_with_audit(client, auth, world):
    a = add(world.a, ActivityState.RETURNED)
    auth.login(world.a.users[L])
    before = audits()
    r = client.post(url(a, "/edit"), data=form(world.a, title="夜巡（补充照片）", participant_ids=[str(world.a.other_member.id)],
                                               version=str(a.version)))
    assert r.status_code == 302
    db.session.refresh(a)
    assert a.title == "夜巡（补充照片）"
    assert [m.id for m in a.participants] == [world.a.other_member.id]
    fields = set(db.session.scalars(select(AuditEntry.field).where(AuditEntry.entity == "joint_activity")))
    assert {"title", "participants"} <= fields
    assert audits() > before


def test_stale_edit_is_refused(client, auth, world):
    a = add(world.a)
    old = a.version
    auth.login(world.a.users[ST])
    client.post(url(a, "/edit"), data=form(world.a, title="第一次", version=str(old)))
    r = client.post(url(a, "/edit"), data=form(world.a, title="第二次", version=str(old)))
    assert r.status_code == 200
    assert "此记录已被他人修改" in text(r)
    db.session.refresh(a)
    assert a.title == "第一次"


def test_confirmed_activity_cannot_be_edited(client, auth, world):
    a = add(world.a, ActivityState.CONFIRMED)
    auth.login(world.a.users[S])
    r = client.post(url(a, "/edit"), data=form(world.a, title="改", version=str(a.version)), follow_redirects=True)
    assert "不能修改" in text(r)
    db.session.refresh(a)
    assert a.title == "巡逻"


# --- the state machine (domain) ---------------------------------------------------------------

def _do(action, a, actor):
    if action == "submit":
        rules.submit(actor, a, TODAY)
    elif action == "confirm":
        rules.confirm(actor, a, TODAY)
    elif action == "return":
        rules.return_activity(actor, a, "请补充现场照片")
    elif action == "edit":
        rules.update_activity(actor, a, {f: getattr(a, f) for f in rules.FIELDS} | {"title": "新标题"},
                              a.unit_id, [], [m.id for m in a.participants])


MOVES = {
    (ActivityState.DRAFT, "submit"): ActivityState.SUBMITTED,
    (ActivityState.DRAFT, "edit"): ActivityState.DRAFT,
    (ActivityState.SUBMITTED, "confirm"): ActivityState.CONFIRMED,
    (ActivityState.SUBMITTED, "return"): ActivityState.RETURNED,
    (ActivityState.RETURNED, "edit"): ActivityState.RETURNED,
    (ActivityState.RETURNED, "submit"): ActivityState.RESUBMITTED,
    (ActivityState.RESUBMITTED, "confirm"): ActivityState.CONFIRMED,
    (ActivityState.RESUBMITTED, "return"): ActivityState.RETURNED,
}
REFUSALS = {
    ActivityState.DRAFT: "该活动处于“草稿”状态，不能",
    ActivityState.SUBMITTED: "该活动已提交，正等待社区确认，不能",
    ActivityState.RESUBMITTED: "该活动已提交，正等待社区确认，不能",
    ActivityState.RETURNED: "该活动处于“已退回”状态，不能",
    ActivityState.CONFIRMED: "该活动已确认，不能再",
}
ACTOR = {"submit": L, "edit": L, "confirm": ST, "return": ST}


@pytest.mark.parametrize("state", list(ActivityState), ids=lambda s: s.value)
@pytest.mark.parametrize("action", ["submit", "edit", "confirm", "return"])
def test_every_move(app, world, state, action):
    a = add(world.a, state)
    actor = world.a.users[ACTOR[action]]
    expected = MOVES.get((state, action))
    if expected is not None:
        _do(action, a, actor)
        db.session.commit()
        assert a.state == expected
        return
    version, entries = a.version, audits()
    with pytest.raises(DomainError) as err:
        _do(action, a, actor)
    assert err.value.message.startswith(REFUSALS[state])
    db.session.rollback()
    db.session.refresh(a)
    assert (a.state, a.version, a.title, audits()) == (state, version, "巡逻", entries)


def test_return_records_reason_and_reviewer(app, world):
    a = add(world.a, ActivityState.SUBMITTED)
    rules.return_activity(world.a.users[ST], a, "  请补充签到表  ")
    db.session.commit()
    assert a.return_reason == "请补充签到表"
    assert a.reviewed_by_id == world.a.users[ST].id


@pytest.mark.parametrize("reason,message", [("", "退回须填写理由"), ("长" * 201, "退回理由不能超过200个字")])
def test_return_needs_a_reason(app, world, reason, message):
    a = add(world.a, ActivityState.SUBMITTED)
    with pytest.raises(DomainError, match=message):
        rules.return_activity(world.a.users[S], a, reason)


@pytest.mark.parametrize("action", ["confirm", "return"])
@pytest.mark.parametrize("role", [L, B])
def test_only_the_office_reviews(app, world, action, role):
    a = add(world.a, ActivityState.SUBMITTED)
    with pytest.raises(DomainError, match="只有本社区党委书记或社区工作人员可以确认或退回活动"):
        _do(action, a, world.a.users[role])


@pytest.mark.parametrize("action", ["submit", "edit"])
def test_liaison_of_another_unit_cannot_author(app, world, action):
    _, other_liaison = second_unit(world.a)
    a = add(world.a)
    with pytest.raises(DomainError, match="只有主办单位的联络员"):
        _do(action, a, other_liaison)


def test_submit_needs_participants(app, world):
    a = add(world.a, members=[], other_count=0)
    with pytest.raises(DomainError, match="请先填写参加人员"):
        rules.submit(world.a.users[L], a, TODAY)


def test_allowed_actions_drive_the_buttons(app, world):
    a = add(world.a)
    assert rules.allowed_actions(a, world.a.users[L]) == {"edit", "submit", "upload"}
    assert rules.allowed_actions(a, world.district) == set()
    a.state = ActivityState.SUBMITTED
    assert rules.allowed_actions(a, world.a.users[ST]) == {"confirm", "return"}
    assert rules.allowed_actions(a, world.a.users[L]) == set()
    assert rules.allowed_actions(a, world.b.users[S]) == set()


# --- the state machine over HTTP ---------------------------------------------------------------

def test_submit_confirm_flow_over_http(client, auth, world):
    a = add(world.a)
    auth.login(world.a.users[L])
    r = client.post(url(a, "/submit"), data={"version": a.version}, follow_redirects=True)
    assert "活动已提交，等待社区确认" in text(r)
    assert db.session.get(JointActivity, a.id).state == ActivityState.SUBMITTED
    assert client.post(url(a, "/confirm")).status_code == 403
    auth.login(world.a.users[ST])
    r = client.post(url(a, "/confirm"), follow_redirects=True)
    assert "活动已确认，计入统计" in text(r)
    assert db.session.get(JointActivity, a.id).state == ActivityState.CONFIRMED
    r = client.post(url(a, "/return"), data={"reason": "晚了"}, follow_redirects=True)
    assert "该活动已确认，不能再退回" in text(r)
    assert db.session.get(JointActivity, a.id).state == ActivityState.CONFIRMED


def test_return_over_http_shows_reason_to_the_liaison(client, auth, world):
    a = add(world.a, ActivityState.SUBMITTED, title="敬老院慰问")
    auth.login(world.a.users[S])
    r = client.post(url(a, "/return"), data={"reason": ""})
    assert r.status_code == 200 and "退回须填写理由" in text(r)
    assert db.session.get(JointActivity, a.id).state == ActivityState.SUBMITTED
    client.post(url(a, "/return"), data={"reason": "请补充慰问对象名单"})
    assert db.session.get(JointActivity, a.id).state == ActivityState.RETURNED
    auth.login(world.a.users[L])
    page = text(client.get(f"/c/{world.a.community.id}/activities"))
    assert "被退回" in page and "请补充慰问对象名单" in page and "table-warning" in page
    r = client.post(url(a, "/submit"), follow_redirects=True)
    assert db.session.get(JointActivity, a.id).state == ActivityState.RESUBMITTED
    assert "重新提交待确认" in text(r)


def test_stale_confirm_is_refused(client, auth, world):
    a = add(world.a, ActivityState.SUBMITTED)
    auth.login(world.a.users[ST])
    r = client.post(url(a, "/confirm"), data={"version": a.version - 1 if a.version > 1 else 99},
                    follow_redirects=True)
    assert "此记录已被他人修改" in text(r)
    assert db.session.get(JointActivity, a.id).state == ActivityState.SUBMITTED


@pytest.mark.parametrize("tail,method", [("", "GET"), ("/confirm", "POST"), ("/return", "POST"), ("/edit", "GET")])
def test_district_reads_but_never_changes(client, auth, world, tail, method):
    a = add(world.a, ActivityState.SUBMITTED)
    auth.login(world.district)
    r = client.get(url(a, tail)) if method == "GET" else client.post(url(a, tail), data={"reason": "x"})
    assert r.status_code == (200 if tail == "" else 403)
    assert db.session.get(JointActivity, a.id).state == ActivityState.SUBMITTED


@pytest.mark.parametrize("path", ["", "/new", "/summary"])
def test_branch_secretary_has_no_access(client, auth, world, path):
    auth.login(world.a.users[B])
    assert client.get(f"/c/{world.a.community.id}/activities{path}").status_code == 403


# --- the liaison's scope ----------------------------------------------------------------------

def test_liaison_lists_only_his_units_activities(client, auth, world):
    unit2, _ = second_unit(world.a)
    add(world.a, title="本单位的巡逻")
    add(world.a, unit=unit2, title="交警的宣传")
    auth.login(world.a.users[L])
    page = text(client.get(f"/c/{world.a.community.id}/activities?unit={unit2.id}"))
    assert "本单位的巡逻" in page
    assert "交警的宣传" not in page
    auth.login(world.a.users[ST])
    page = text(client.get(f"/c/{world.a.community.id}/activities"))
    assert "本单位的巡逻" in page and "交警的宣传" in page


@pytest.mark.parametrize("tail,method", [
    ("", "GET"), ("/edit", "GET"), ("/edit", "POST"), ("/submit", "POST"), ("/attachments", "POST"),
])
def test_liaison_gets_403_on_another_units_activity(client, auth, world, tail, method):
    unit2, _ = second_unit(world.a)
    a = add(world.a, unit=unit2)
    auth.login(world.a.users[L])
    r = client.get(url(a, tail)) if method == "GET" else client.post(url(a, tail), data=form(world.a))
    assert r.status_code == 403
    db.session.refresh(a)
    assert (a.state, a.title) == (ActivityState.DRAFT, "巡逻")


def test_liaison_naming_another_unit_in_the_form_gets_403(client, auth, world):
    unit2, _ = second_unit(world.a)
    auth.login(world.a.users[L])
    r = client.post(f"/c/{world.a.community.id}/activities/new", data=form(world.a, unit_id=str(unit2.id)))
    assert r.status_code == 403
    assert count(JointActivity) == 0
    a = add(world.a)
    r = client.post(url(a, "/edit"), data=form(world.a, unit_id=str(unit2.id), version=str(a.version)))
    assert r.status_code == 403
    assert db.session.get(JointActivity, a.id).unit_id == world.a.unit.id


def test_liaison_of_another_community_is_refused(client, auth, world):
    a = add(world.a)
    auth.login(world.b.users[L])
    assert client.get(url(a)).status_code == 403
    assert client.get(f"/c/{world.b.community.id}/activities/{a.id}").status_code == 404


def test_liaison_sees_participant_names_only(client, auth, world):
    m = world.a.member
    a = add(world.a, members=[m, world.a.other_member])
    auth.login(world.a.users[L])
    for page in (text(client.get(url(a))), text(client.get(f"/c/{world.a.community.id}/activities/new")),
                 text(client.get(url(a, "/edit")))):
        assert m.name in page and world.a.other_member.name in page
        assert m.phone not in page
        assert m.id_number not in page and m.id_number[-4:] not in page
        assert "1号楼" not in page and "101" not in page
        assert f"/members/{m.id}" not in page


def test_liaison_list_is_his_home_with_drafts_and_new_button(client, auth, world):
    add(world.a, title="草稿活动")
    auth.login(world.a.users[L])
    page = text(client.get(f"/c/{world.a.community.id}/activities"))
    assert world.a.unit.name in page and "登记活动" in page and "table-light" in page


def test_empty_list_says_what_to_do(client, auth, world):
    auth.login(world.a.users[L])
    assert "还没有登记联建活动" in text(client.get(f"/c/{world.a.community.id}/activities"))


def test_list_filters(client, auth, world):
    add(world.a, title="甲", kind=ActivityKind.WELFARE)
    add(world.a, ActivityState.CONFIRMED, title="乙", held_on=date(2025, 5, 1))
    auth.login(world.a.users[ST])
    base = f"/c/{world.a.community.id}/activities"
    page = text(client.get(f"{base}?kind=welfare"))
    assert ">甲<" in page and ">乙<" not in page
    page = text(client.get(f"{base}?state=confirmed"))
    assert ">乙<" in page and ">甲<" not in page
    page = text(client.get(f"{base}?year=2025"))
    assert ">乙<" in page and ">甲<" not in page
    assert "没有符合条件的活动" in text(client.get(f"{base}?kind=needy"))


# --- attachments --------------------------------------------------------------------------------

def test_photo_upload_strips_gps_and_is_served_to_allowed_users(client, auth, world, upload_folder):
    a = add(world.a)
    auth.login(world.a.users[L])
    r = upload(client, a, (jpeg_with_gps(), "现场.jpg"), (PDF, "签到表.pdf"))
    assert r.status_code == 302
    photo, pdf = db.session.scalars(select(JointActivityAttachment).order_by(JointActivityAttachment.id)).all()
    assert (photo.mime, pdf.mime) == ("image/jpeg", "application/pdf")
    stored = (upload_folder / photo.key).read_bytes()
    with Image.open(io.BytesIO(stored)) as img:
        assert not img.getexif().get_ifd(0x8825)
    page = text(client.get(url(a)))
    assert "现场.jpg" in page and "签到表.pdf" in page and "/thumbnail" in page
    r = client.get(url(a, f"/attachments/{photo.id}"))
    assert r.status_code == 200 and r.mimetype == "image/jpeg" and r.data == stored
    r = client.get(url(a, f"/attachments/{pdf.id}"))
    assert r.mimetype == "application/pdf" and r.headers["Content-Disposition"].startswith("attachment")
    r = client.get(url(a, f"/attachments/{photo.id}/thumbnail"))
    assert r.status_code == 200 and r.mimetype == "image/jpeg"
    assert client.get(url(a, f"/attachments/{pdf.id}/thumbnail")).status_code == 404
    for user in (world.a.users[ST], world.a.users[S], world.district):
        auth.login(user)
        assert client.get(url(a, f"/attachments/{photo.id}")).status_code == 200
    assert count(AuditEntry, AuditEntry.entity == "joint_activity_attachment") == 2


def test_attachments_are_refused_to_others(client, auth, world):
    a = add(world.a)
    auth.login(world.a.users[L])
    upload(client, a, (png(), "a.png"))
    att = db.session.scalars(select(JointActivityAttachment)).one()
    _, other_liaison = second_unit(world.a)
    path = url(a, f"/attachments/{att.id}")
    for user, status in ((other_liaison, 403), (world.a.users[B], 403), (world.b.users[ST], 403), (world.b.users[L], 403)):
        auth.login(user)
        assert client.get(path).status_code == status
        assert client.get(path + "/thumbnail").status_code == status
    auth.login(world.b.users[ST])
    assert client.get(f"/c/{world.b.community.id}/activities/{a.id}/attachments/{att.id}").status_code == 404
    b_activity = add(world.b)
    auth.login(world.a.users[ST])
    # An attachment id of one activity under another activity's URL is not found.
    auth.login(world.b.users[ST])
    assert client.get(url(b_activity, f"/attachments/{att.id}")).status_code == 404
    auth.logout()
    assert client.get(path).status_code == 302


def test_fake_jpeg_is_refused(client, auth, world, upload_folder):
    a = add(world.a)
    auth.login(world.a.users[L])
    r = upload(client, a, (b"this is plain text", "photo.jpg"))
    assert r.status_code == 200
    assert "“photo.jpg”的内容不是照片（JPG、PNG）或PDF文件" in text(r)
    assert count(JointActivityAttachment) == 0
    assert not list(upload_folder.glob("*")) if upload_folder.exists() else True


def test_oversized_upload_is_refused(client, auth, world):
    a = add(world.a)
    auth.login(world.a.users[L])
    r = upload(client, a, (PDF + b"0" * (10 * 1024 * 1024), "big.pdf"))
    assert r.status_code == 200 and "超过10 MB" in text(r)
    assert count(JointActivityAttachment) == 0


def test_a_bad_file_among_good_ones_stores_none(client, auth, world, upload_folder):
    a = add(world.a)
    auth.login(world.a.users[L])
    r = upload(client, a, (png(), "ok.png"), (b"nope", "bad.jpg"))
    assert r.status_code == 200
    assert count(JointActivityAttachment) == 0
    assert not [p for p in upload_folder.glob("*") if p.is_file()]


def test_the_21st_attachment_is_refused(client, auth, world):
    a = add(world.a)
    for i in range(20):
        a.attachments.append(JointActivityAttachment(key=f"{i:032x}", mime="image/png", size=1, original_name=f"{i}.png"))
    db.session.commit()
    auth.login(world.a.users[L])
    r = upload(client, a, (png(), "21.png"))
    assert r.status_code == 200
    assert "每个活动最多20个附件，已有20个，不能再上传" in text(r)
    assert count(JointActivityAttachment) == 20


def test_upload_and_remove_only_while_editable(client, auth, world):
    a = add(world.a)
    auth.login(world.a.users[L])
    upload(client, a, (png(), "a.png"))
    att = db.session.scalars(select(JointActivityAttachment)).one()
    a.state = ActivityState.CONFIRMED
    db.session.commit()
    r = upload(client, a, (png(), "b.png"))
    assert "该活动已确认，不能再添加附件" in text(r)
    r = client.post(url(a, f"/attachments/{att.id}/remove"), follow_redirects=True)
    assert "该活动已确认，不能再删除附件" in text(r)
    assert count(JointActivityAttachment) == 1
    a.state = ActivityState.DRAFT
    db.session.commit()
    r = client.post(url(a, f"/attachments/{att.id}/remove"), follow_redirects=True)
    assert "附件已删除" in text(r)
    assert count(JointActivityAttachment) == 0


def test_empty_upload_asks_for_a_file(client, auth, world):
    a = add(world.a)
    auth.login(world.a.users[L])
    r = client.post(url(a, "/attachments"), data={}, content_type="multipart/form-data")
    assert r.status_code == 200 and "请选择要上传的照片或PDF文件" in text(r)


# --- service records for assisted members ----------------------------------------------------------

def _open_assisted_plan(world):
    member = world.a.other_member  # 协管 in the factories
    workflow.open_plan(member, world.a.users[ST], TODAY)
    db.session.commit()
    return member


def _service_step(member, key):
    return db.session.scalar(select(SupervisionStep).where(
        SupervisionStep.member_id == member.id, SupervisionStep.step_code == "service_record",
        SupervisionStep.period_key == key))


def test_confirm_completes_the_service_record_of_an_assisted_participant(client, auth, world):
    member = _open_assisted_plan(world)
    key = workflow.period_key(workflow.HALF_YEAR, TODAY)
    a = add(world.a, ActivityState.SUBMITTED, held_on=TODAY, members=[world.a.member, member], hours=2.5)
    step = _service_step(member, key)
    assert step.state == StepState.PENDING
    auth.login(world.a.users[ST])
    r = client.post(url(a, "/confirm"), follow_redirects=True)
    assert f"已为协管党员{member.name}登记服务记录" in text(r)
    db.session.refresh(step)
    assert step.state == StepState.DONE
    assert step.hours == 2.5
    assert step.done_by_id == world.a.users[ST].id
    assert "巡逻" in step.note and f"联建活动#{a.id}" in step.evidence
    # The engine opened the next half year's record.
    assert _service_step(member, workflow.next_period_key(key)).state == StepState.PENDING
    # The direct member got no service step.
    assert count(SupervisionStep, SupervisionStep.member_id == world.a.member.id,
                 SupervisionStep.step_code == "service_record") == 0


def test_unconfirmed_or_returned_activities_give_no_service_record(app, world):
    member = _open_assisted_plan(world)
    key = workflow.period_key(workflow.HALF_YEAR, TODAY)
    a = add(world.a, ActivityState.SUBMITTED, held_on=TODAY, members=[member])
    rules.return_activity(world.a.users[ST], a, "请补充照片")
    db.session.commit()
    assert rules.record_service(a, world.a.users[ST], TODAY) == []
    assert _service_step(member, key).state == StepState.PENDING


def test_no_hours_no_service_record(app, world):
    member = _open_assisted_plan(world)
    a = add(world.a, ActivityState.SUBMITTED, held_on=TODAY, members=[member], hours=0)
    assert rules.confirm(world.a.users[S], a, TODAY) == []
    assert _service_step(member, workflow.period_key(workflow.HALF_YEAR, TODAY)).state == StepState.PENDING


# --- yearly summaries ----------------------------------------------------------------------------

@pytest.fixture
def year_data(world):
    a = world.a
    unit2, _ = second_unit(a, name="=HYPERLINK(\"http://x\",\"点\")")
    # Counted: two confirmed activities in 2025.
    add(a, ActivityState.CONFIRMED, held_on=date(2025, 3, 1), kind=ActivityKind.SECURITY,
        members=[a.member, a.other_member], other_count=3, hours=2)            # 5 people, 10 h
    add(a, ActivityState.CONFIRMED, held_on=date(2025, 6, 1), kind=ActivityKind.WELFARE,
        units=[a.unit, unit2], members=[a.member], other_count=1, hours=1.5)    # 2 people, 3 h
    # Not counted: not confirmed, or another year, or another community.
    add(a, ActivityState.SUBMITTED, held_on=date(2025, 7, 1), other_count=50)
    add(a, ActivityState.RETURNED, held_on=date(2025, 7, 1), other_count=50)
    add(a, ActivityState.CONFIRMED, held_on=date(2024, 12, 31), other_count=50)
    add(world.b, ActivityState.CONFIRMED, held_on=date(2025, 2, 1), kind=ActivityKind.NEEDY, other_count=9, hours=1)
    db.session.add_all([
        CobuildingProject(community_id=a.community.id, resident_unit_id=a.unit.id, title="助学",
                          status=ProjectStatus.DONE, finished_on=date(2025, 9, 1)),
        CobuildingProject(community_id=a.community.id, resident_unit_id=a.unit.id, title="未完",
                          status=ProjectStatus.ONGOING),
    ])
    db.session.commit()
    return unit2


def test_community_summary_numbers(app, world, year_data):
    s = rules.community_summary(world.a.community.id, 2025)
    assert (s.total.count, s.total.members, s.total.others, s.total.people, s.total.hours) == (2, 3, 4, 7, 13)
    assert s.total.projects == 1
    per_unit = {u.id: t for u, t in s.units}
    own = per_unit[world.a.unit.id]
    assert (own.count, own.people, own.hours, own.projects) == (2, 7, 13, 1)
    assert own.by_kind[ActivityKind.SECURITY] == 1 and own.by_kind[ActivityKind.WELFARE] == 1
    other = per_unit[year_data.id]
    assert (other.count, other.people, other.hours, other.projects) == (1, 2, 3, 0)
    kinds = dict(s.kinds)
    assert kinds[ActivityKind.SECURITY].count == 1 and kinds[ActivityKind.NEEDY].count == 0


def test_summary_page(client, auth, world, year_data):
    auth.login(world.a.users[S])
    page = text(client.get(f"/c/{world.a.community.id}/activities/summary?year=2025"))
    assert "2025年联建活动汇总" in page
    assert "7 人次" in page and "13 小时" in page and "1 个" in page
    assert "=HYPERLINK" in page
    page = text(client.get(f"/c/{world.a.community.id}/activities/summary?year=2019"))
    assert "2019年还没有已确认的联建活动" in page


def test_summary_excel(client, auth, world, year_data):
    auth.login(world.a.users[ST])
    r = client.get(f"/c/{world.a.community.id}/activities/summary.xlsx?year=2025")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"].startswith("attachment")
    wb = load_workbook(io.BytesIO(r.data))
    units = wb["按单位"]
    rows = {row[0]: row for row in units.iter_rows(min_row=2, values_only=True)}
    head = [c.value for c in units[1]]
    assert head[0] == "驻区单位" and "服务时长（小时）" in head
    own = rows[world.a.unit.name]
    assert own[head.index("活动次数")] == 2
    assert own[head.index("参加人员合计（人次）")] == 7
    assert own[head.index("服务时长（小时）")] == 13
    assert own[head.index("完成共建项目（个）")] == 1
    assert own[head.index("社会治安联防")] == 1
    # A name that looks like a formula is written as text with a leading apostrophe.
    formula_name = "'" + year_data.name
    assert formula_name in rows
    cell = next(c for c in units["A"] if c.value == formula_name)
    assert cell.data_type == "s"
    total = rows["合计（按活动计）"]
    assert total[head.index("活动次数")] == 2
    kinds = {row[0]: row for row in wb["按类别"].iter_rows(min_row=2, values_only=True)}
    assert kinds["公益事业联办"][1] == 1 and kinds["合计"][1] == 2


def test_safe_cell():
    assert [rules.safe_cell(v) for v in ("=1+1", "+1", "-1", "@SUM(A1)", "正常", 5)] == [
        "'=1+1", "'+1", "'-1", "'@SUM(A1)", "正常", 5]


def test_district_summary_across_communities(client, auth, world, year_data):
    auth.login(world.district)
    page = text(client.get("/activities/summary?year=2025"))
    assert world.a.community.name in page and world.b.community.name in page
    rows, total, _ = rules.district_summary(2025)
    by_name = {c.name: t for c, t in rows}
    assert by_name[world.a.community.name].count == 2
    assert by_name[world.b.community.name].count == 1
    assert (total.count, total.people, total.projects) == (3, 17, 1)
    r = client.get("/activities/summary.xlsx?year=2025")
    sheet = load_workbook(io.BytesIO(r.data))["按社区"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["合计"][6] == 3
    auth.login(world.a.users[S])
    assert client.get("/activities/summary?year=2025").status_code == 403


# --- the co-building project link ------------------------------------------------------------------

def test_activity_links_projects_and_the_partial_lists_them(app, client, auth, world):
    project = CobuildingProject(community_id=world.a.community.id, resident_unit_id=world.a.unit.id, title="助学结对")
    unit2, _ = second_unit(world.a)
    foreign = CobuildingProject(community_id=world.a.community.id, resident_unit_id=unit2.id, title="交通宣传")
    db.session.add_all([project, foreign])
    db.session.commit()
    auth.login(world.a.users[ST])
    r = client.post(f"/c/{world.a.community.id}/activities/new",
                    data=form(world.a, title="助学活动", project_ids=[str(foreign.id)]))
    assert "项目“交通宣传”的承担单位没有参加本活动" in text(r)
    client.post(f"/c/{world.a.community.id}/activities/new", data=form(world.a, title="助学活动", project_ids=[str(project.id)]))
    a = db.session.scalars(select(JointActivity)).one()
    assert [p.id for p in a.projects] == [project.id]
    assert [x.id for x in project.activities] == [a.id]
    with app.test_request_context():
        login_user(world.a.users[ST])
        html = render_template("activities/_project_activities.html", project=project)
    assert "助学活动" in html and f"/activities/{a.id}" in html
    with app.test_request_context():
        login_user(world.a.users[ST])
        html = render_template("activities/_project_activities.html", project=foreign)
    assert "还没有活动关联到本项目" in html
