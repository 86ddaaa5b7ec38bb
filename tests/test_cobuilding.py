"""Co-building: agreements (with the scanned copy), resources, needs, projects and their Excel lists."""
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from partyorg.extensions import db
from partyorg.models import (
    AuditEntry,
    CobuildingAgreement,
    CobuildingProject,
    CommunityNeed,
    ProjectStatus,
    ResidentUnit,
    ResourceState,
    Role,
    UnitKind,
    UnitResource,
)

from . import committee_helpers as h
from .conftest import text

TODAY = date.today()


@pytest.fixture
def uploads_dir(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def second_unit(side, name="雄关医院") -> ResidentUnit:
    unit = ResidentUnit(community_id=side.community.id, name=name, kind=UnitKind.HOSPITAL,
                        agreement_start=date(2025, 1, 1), agreement_end=date(2027, 12, 31))
    db.session.add(unit)
    db.session.commit()
    return unit


def snapshot():
    return tuple(h.count(m) for m in (CobuildingAgreement, UnitResource, CommunityNeed, CobuildingProject, AuditEntry))


# --- the overview and the unit page ------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.SECRETARY, Role.STAFF])
def test_office_sees_every_unit(client, auth, world, role):
    other = second_unit(world.a)
    auth.login(world.a.users[role])
    page = text(client.get(f"/c/{world.a.community.id}/cobuilding"))
    assert world.a.unit.name in page and other.name in page and "2025-01-01 至 2027-12-31" in page


def test_liaison_sees_only_his_unit(client, auth, world):
    other = second_unit(world.a)
    h.resource(world.a, unit=other, description="医院礼堂")
    h.resource(world.a, description="学校操场")
    auth.login(world.a.users[Role.LIAISON])
    cid = world.a.community.id
    page = text(client.get(f"/c/{cid}/cobuilding"))
    assert world.a.unit.name in page and other.name not in page
    listing = text(client.get(f"/c/{cid}/cobuilding/resources"))
    assert "学校操场" in listing and "医院礼堂" not in listing
    assert client.get(f"/c/{cid}/cobuilding/units/{world.a.unit.id}").status_code == 200
    assert client.get(f"/c/{cid}/cobuilding/units/{other.id}").status_code == 403
    assert client.get(f"/c/{cid}/cobuilding/agreements.xlsx").status_code == 403


def test_unit_page_shows_agreement_resources_and_projects(client, auth, world):
    h.resource(world.a, state=ResourceState.CONFIRMED, description="学校操场")
    h.project(world.a, title="暑期托管班")
    auth.login(world.district)
    page = text(client.get(f"/c/{world.a.community.id}/cobuilding/units/{world.a.unit.id}"))
    assert "学校操场" in page and "暑期托管班" in page and "有效" in page
    assert "编辑协议" not in page and "录入协议" not in page


# --- agreements ---------------------------------------------------------------------------------

def agreement_form(**over):
    data = {"agreement_start": "2026-01-01", "agreement_end": "2028-12-31", "signed_on": "2025-12-20",
            "community_signatory": "王书记", "unit_signatory": "刘校长", "content": "共享操场；联合巡逻。", "version": ""}
    data.update(over)
    return data


def test_staff_records_the_agreement(client, auth, world, uploads_dir):
    auth.login(world.a.users[Role.STAFF])
    url = f"/c/{world.a.community.id}/cobuilding/units/{world.a.unit.id}/agreement"
    assert client.get(url).status_code == 200
    r = client.post(url, data=agreement_form())
    assert r.status_code == 302
    db.session.refresh(world.a.unit)
    assert world.a.unit.agreement_start == date(2026, 1, 1) and world.a.unit.agreement_end == date(2028, 12, 31)
    agreement = db.session.scalar(select(CobuildingAgreement))
    assert agreement.unit_signatory == "刘校长" and agreement.scan_key is None
    entities = {(e.entity, e.action) for e in db.session.scalars(select(AuditEntry))}
    assert ("cobuilding_agreement", "create") in entities and ("resident_unit", "update") in entities
    assert "刘校长" in text(client.get(r.headers["Location"]))


@pytest.mark.parametrize("over, message", [
    ({"agreement_end": "2025-01-01"}, "协议终止日期不能早于开始日期"),
    ({"agreement_start": ""}, "请填写协议开始日期"),
    ({"signed_on": "2029-01-01"}, "签订日期不能晚于协议终止日期"),
    ({"unit_signatory": "刘" * 51}, "单位方签字人不能超过50个字"),
])
def test_bad_agreement_is_refused(client, auth, world, uploads_dir, over, message):
    auth.login(world.a.users[Role.SECRETARY])
    before = snapshot()
    r = client.post(f"/c/{world.a.community.id}/cobuilding/units/{world.a.unit.id}/agreement", data=agreement_form(**over))
    assert r.status_code == 200 and message in text(r)
    assert snapshot() == before
    db.session.refresh(world.a.unit)
    assert world.a.unit.agreement_start == date(2025, 1, 1)


def test_stale_agreement_edit_is_refused(client, auth, world, uploads_dir):
    agreement = h.agreement_with_scan(world.a)
    old = agreement.version
    agreement.content = "别人改过"
    db.session.commit()
    auth.login(world.a.users[Role.STAFF])
    r = client.post(f"/c/{world.a.community.id}/cobuilding/units/{world.a.unit.id}/agreement",
                    data=agreement_form(version=str(old)))
    assert r.status_code == 200 and "此记录已被他人修改" in text(r)
    db.session.refresh(agreement)
    assert agreement.unit_signatory == "刘校长" and agreement.content == "别人改过"


def test_scanned_copy_is_stored_and_served(client, auth, world, uploads_dir):
    auth.login(world.a.users[Role.STAFF])
    cid, uid = world.a.community.id, world.a.unit.id
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
    r = client.post(f"/c/{cid}/cobuilding/units/{uid}/agreement",
                    data=agreement_form(scan=(io.BytesIO(pdf), "共建协议.pdf")), content_type="multipart/form-data")
    assert r.status_code == 302
    agreement = db.session.scalar(select(CobuildingAgreement))
    assert agreement.scan_mime == "application/pdf" and agreement.scan_name == "共建协议.pdf"
    assert (uploads_dir / agreement.scan_key).read_bytes() == pdf
    auth.login(world.a.users[Role.LIAISON])
    got = client.get(f"/c/{cid}/cobuilding/units/{uid}/agreement/scan")
    assert got.status_code == 200 and got.data == pdf and got.mimetype == "application/pdf"
    auth.login(world.b.users[Role.LIAISON])
    assert client.get(f"/c/{cid}/cobuilding/units/{uid}/agreement/scan").status_code == 403


def test_fake_scan_is_refused_and_nothing_kept(client, auth, world, uploads_dir):
    auth.login(world.a.users[Role.STAFF])
    before = snapshot()
    r = client.post(f"/c/{world.a.community.id}/cobuilding/units/{world.a.unit.id}/agreement",
                    data=agreement_form(scan=(io.BytesIO(b"not really a jpeg"), "scan.jpg")),
                    content_type="multipart/form-data")
    assert r.status_code == 200 and "按文件内容检查" in text(r)
    assert snapshot() == before
    assert not uploads_dir.exists() or not [p for p in uploads_dir.iterdir() if p.is_file()]


def test_liaison_may_not_edit_the_agreement(client, auth, world):
    auth.login(world.a.users[Role.LIAISON])
    r = client.post(f"/c/{world.a.community.id}/cobuilding/units/{world.a.unit.id}/agreement", data=agreement_form())
    assert r.status_code == 403 and h.count(CobuildingAgreement) == 0


# --- resources -----------------------------------------------------------------------------------

def resource_form(unit, **over):
    data = {"resident_unit_id": str(unit.id), "kind": "volunteers", "description": "教师志愿者",
            "quantity": "20人", "note": ""}
    data.update(over)
    return data


def test_staff_enters_a_confirmed_resource(client, auth, world):
    auth.login(world.a.users[Role.STAFF])
    r = client.post(f"/c/{world.a.community.id}/cobuilding/resources/new", data=resource_form(world.a.unit))
    assert r.status_code == 302
    res = db.session.scalar(select(UnitResource))
    assert res.state == ResourceState.CONFIRMED and res.confirmed_by_id == world.a.users[Role.STAFF].id
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "unit_resource", AuditEntry.action == "create"))


def test_liaison_proposes_for_his_unit_and_staff_confirm(client, auth, world):
    cid = world.a.community.id
    auth.login(world.a.users[Role.LIAISON])
    assert client.get(f"/c/{cid}/cobuilding/resources/new").status_code == 200
    r = client.post(f"/c/{cid}/cobuilding/resources/new", data=resource_form(world.a.unit))
    assert r.status_code == 302
    res = db.session.scalar(select(UnitResource))
    assert res.state == ResourceState.PENDING and res.proposed_by_id == world.a.users[Role.LIAISON].id
    assert "待确认" in text(client.get(r.headers["Location"]))
    # While pending he may still change it.
    edit = client.post(f"/c/{cid}/cobuilding/resources/{res.id}/edit",
                       data=resource_form(world.a.unit, description="教师志愿者（周末）", version=str(res.version)))
    assert edit.status_code == 302
    assert client.post(f"/c/{cid}/cobuilding/resources/{res.id}/confirm").status_code == 403
    auth.login(world.a.users[Role.STAFF])
    assert client.post(f"/c/{cid}/cobuilding/resources/{res.id}/confirm").status_code == 302
    db.session.refresh(res)
    assert res.state == ResourceState.CONFIRMED and res.description == "教师志愿者（周末）"
    again = client.post(f"/c/{cid}/cobuilding/resources/{res.id}/confirm", follow_redirects=True)
    assert "只有待确认的资源可以确认" in text(again)
    # Once confirmed the liaison may no longer edit it.
    auth.login(world.a.users[Role.LIAISON])
    assert client.get(f"/c/{cid}/cobuilding/resources/{res.id}/edit").status_code == 403


def test_liaison_may_not_propose_for_another_unit(client, auth, world):
    other = second_unit(world.a)
    auth.login(world.a.users[Role.LIAISON])
    before = snapshot()
    r = client.post(f"/c/{world.a.community.id}/cobuilding/resources/new", data=resource_form(other))
    assert r.status_code == 403 and snapshot() == before
    theirs = h.resource(world.a, unit=other)
    assert client.get(f"/c/{world.a.community.id}/cobuilding/resources/{theirs.id}/edit").status_code == 403


@pytest.mark.parametrize("over, message", [
    ({"description": ""}, "请填写资源说明"),
    ({"description": "长" * 201}, "资源说明不能超过200个字"),
    ({"kind": "gold"}, "请选择资源类型"),
    ({"resident_unit_id": "0"}, "请选择本社区的驻区单位"),
])
def test_bad_resource_is_refused(client, auth, world, over, message):
    auth.login(world.a.users[Role.STAFF])
    before = snapshot()
    r = client.post(f"/c/{world.a.community.id}/cobuilding/resources/new", data=resource_form(world.a.unit, **over))
    assert r.status_code == 200 and message in text(r)
    assert snapshot() == before


def test_resource_of_another_community_unit_is_refused(client, auth, world):
    auth.login(world.a.users[Role.STAFF])
    r = client.post(f"/c/{world.a.community.id}/cobuilding/resources/new", data=resource_form(world.b.unit))
    assert r.status_code == 200 and "请选择本社区的驻区单位" in text(r)
    assert h.count(UnitResource) == 0


def test_stale_resource_edit_is_refused(client, auth, world):
    res = h.resource(world.a)
    old = res.version
    res.quantity = "30人"
    db.session.commit()
    auth.login(world.a.users[Role.STAFF])
    r = client.post(f"/c/{world.a.community.id}/cobuilding/resources/{res.id}/edit",
                    data=resource_form(world.a.unit, description="新说明", state="confirmed", version=str(old)))
    assert r.status_code == 200 and "此记录已被他人修改" in text(r)
    db.session.refresh(res)
    assert res.description == "会议室1间" and res.state == ResourceState.PENDING


def test_district_reads_resources_but_may_not_add(client, auth, world):
    h.resource(world.a, description="学校操场")
    auth.login(world.district)
    assert "学校操场" in text(client.get(f"/c/{world.a.community.id}/cobuilding/resources"))
    assert client.post(f"/c/{world.a.community.id}/cobuilding/resources/new",
                       data=resource_form(world.a.unit)).status_code == 403


# --- needs -------------------------------------------------------------------------------------------

def test_needs_are_listed_created_and_edited(client, auth, world):
    cid = world.a.community.id
    auth.login(world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{cid}/cobuilding/needs/new",
                    data={"title": "<script>灯</script>", "description": "路灯不足", "status": "open"})
    assert r.status_code == 302
    need = db.session.scalar(select(CommunityNeed))
    page = text(client.get(f"/c/{cid}/cobuilding/needs"))
    assert "&lt;script&gt;灯&lt;/script&gt;" in page and "<script>灯" not in page
    r = client.post(f"/c/{cid}/cobuilding/needs/{need.id}/edit",
                    data={"title": "夜间照明", "description": "", "status": "matched", "version": str(need.version)})
    assert r.status_code == 302
    db.session.refresh(need)
    assert need.title == "夜间照明" and need.status.value == "matched"
    auth.login(world.a.users[Role.LIAISON])
    assert "夜间照明" in text(client.get(f"/c/{cid}/cobuilding/needs"))
    assert client.get(f"/c/{cid}/cobuilding/needs/new").status_code == 403


def test_duplicate_need_is_refused(client, auth, world):
    h.need(world.a, title="夜间照明")
    h.need(world.b, title="老年食堂")
    auth.login(world.a.users[Role.STAFF])
    before = snapshot()
    r = client.post(f"/c/{world.a.community.id}/cobuilding/needs/new", data={"title": "夜间照明", "status": "open"})
    assert r.status_code == 200 and "本社区已有同名的需求" in text(r) and snapshot() == before
    # The same title in another community is fine.
    assert client.post(f"/c/{world.a.community.id}/cobuilding/needs/new",
                       data={"title": "老年食堂", "status": "open"}).status_code == 302


def test_stale_need_edit_is_refused(client, auth, world):
    need = h.need(world.a)
    old = need.version
    need.description = "别人改过"
    db.session.commit()
    auth.login(world.a.users[Role.STAFF])
    r = client.post(f"/c/{world.a.community.id}/cobuilding/needs/{need.id}/edit",
                    data={"title": "新名称", "status": "open", "version": str(old)})
    assert r.status_code == 200 and "此记录已被他人修改" in text(r)
    db.session.refresh(need)
    assert need.title == "老旧小区夜间照明"


# --- projects ------------------------------------------------------------------------------------

def project_form(side, **over):
    data = {"title": "路灯共建", "resident_unit_id": str(side.unit.id), "resource_id": "0", "need_id": "0",
            "status": "ongoing", "started_on": "2026-03-01", "finished_on": "", "note": ""}
    data.update(over)
    return data


def test_project_matches_a_resource_to_a_need(client, auth, world):
    res = h.resource(world.a, state=ResourceState.CONFIRMED)
    need = h.need(world.a)
    cid = world.a.community.id
    auth.login(world.a.users[Role.STAFF])
    assert client.get(f"/c/{cid}/cobuilding/projects/new?need={need.id}").status_code == 200
    r = client.post(f"/c/{cid}/cobuilding/projects/new",
                    data=project_form(world.a, resource_id=str(res.id), need_id=str(need.id)))
    assert r.status_code == 302
    project = db.session.scalar(select(CobuildingProject))
    assert project.resource_id == res.id and project.need_id == need.id and project.status == ProjectStatus.ONGOING
    page = text(client.get(r.headers["Location"]))
    assert "路灯共建" in page and need.title in page and "会议室1间" in page
    done = client.post(f"/c/{cid}/cobuilding/projects/{project.id}/edit", data=project_form(
        world.a, resource_id=str(res.id), need_id=str(need.id), status="done", finished_on="2026-04-01",
        version=str(project.version)))
    assert done.status_code == 302
    db.session.refresh(project)
    assert project.status == ProjectStatus.DONE and project.finished_on == date(2026, 4, 1)


def test_bad_project_is_refused(client, auth, world):
    other = second_unit(world.a)
    theirs = h.resource(world.a, unit=other, state=ResourceState.CONFIRMED)
    pending = h.resource(world.a)
    far_need = h.need(world.b)
    h.project(world.a, title="已有项目")
    cases = [
        ({"resource_id": str(theirs.id)}, f"请选择“{world.a.unit.name}”提供的资源"),
        ({"resource_id": str(pending.id)}, "只能对接已确认的资源"),
        ({"need_id": str(far_need.id)}, "请选择本社区的需求"),
        ({"resident_unit_id": str(world.b.unit.id)}, "请选择本社区的驻区单位"),
        ({"status": "done"}, "项目已完成，请填写完成日期"),
        ({"finished_on": "2026-05-01"}, "项目尚未完成，不能填写完成日期"),
        ({"status": "done", "finished_on": "2026-01-01"}, "完成日期不能早于开始日期"),
        ({"started_on": ""}, "请填写开始日期"),
        ({"title": "已有项目"}, "本社区已有同名的共建项目"),
        ({"title": ""}, "请填写项目名称"),
        ({"title": "项" * 101}, "项目名称不能超过100个字"),
    ]
    auth.login(world.a.users[Role.SECRETARY])
    before = snapshot()
    for over, message in cases:
        r = client.post(f"/c/{world.a.community.id}/cobuilding/projects/new", data=project_form(world.a, **over))
        assert r.status_code == 200 and message in text(r), message
    assert snapshot() == before


def test_stale_project_edit_is_refused(client, auth, world):
    project = h.project(world.a)
    old = project.version
    project.note = "别人改过"
    db.session.commit()
    auth.login(world.a.users[Role.STAFF])
    r = client.post(f"/c/{world.a.community.id}/cobuilding/projects/{project.id}/edit",
                    data=project_form(world.a, title="新名称", version=str(old)))
    assert r.status_code == 200 and "此记录已被他人修改" in text(r)
    db.session.refresh(project)
    assert project.title == "共建照明项目"


def test_liaison_sees_only_his_units_projects(client, auth, world):
    other = second_unit(world.a)
    own = h.project(world.a, title="本单位项目")
    theirs = CobuildingProject(community_id=world.a.community.id, resident_unit_id=other.id, title="别家项目")
    db.session.add(theirs)
    db.session.commit()
    cid = world.a.community.id
    auth.login(world.a.users[Role.LIAISON])
    listing = text(client.get(f"/c/{cid}/cobuilding/projects"))
    assert "本单位项目" in listing and "别家项目" not in listing
    assert client.get(f"/c/{cid}/cobuilding/projects/{own.id}").status_code == 200
    assert client.get(f"/c/{cid}/cobuilding/projects/{theirs.id}").status_code == 403
    assert client.get(f"/c/{cid}/cobuilding/projects/{own.id}/edit").status_code == 403


# --- Excel ----------------------------------------------------------------------------------------

def sheet_rows(response):
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    return list(sheet.iter_rows(values_only=True))


def test_resource_list_download_defuses_formulas(client, auth, world):
    h.resource(world.a, description="=cmd|' /C calc'!A0")
    h.resource(world.a, description="-2+3", state=ResourceState.CONFIRMED)
    h.resource(world.b, description="别的社区")
    auth.login(world.a.users[Role.STAFF])
    rows = sheet_rows(client.get(f"/c/{world.a.community.id}/cobuilding/resources.xlsx"))
    assert rows[0] == ("驻区单位", "资源类型", "资源说明", "数量/规模", "状态", "备注")
    assert [r[2] for r in rows[1:]] == ["'=cmd|' /C calc'!A0", "'-2+3"]
    assert rows[1][0] == world.a.unit.name and rows[1][1] == "场地" and rows[1][4] == "待确认"


def test_other_list_downloads(client, auth, world):
    h.need(world.a, title="+夜间照明")
    h.project(world.a, title="路灯共建")
    h.agreement_with_scan(world.a)
    auth.login(world.district)
    cid = world.a.community.id
    needs = sheet_rows(client.get(f"/c/{cid}/cobuilding/needs.xlsx"))
    assert needs[0] == ("需求名称", "需求说明", "状态") and needs[1][0] == "'+夜间照明" and needs[1][2] == "待对接"
    projects = sheet_rows(client.get(f"/c/{cid}/cobuilding/projects.xlsx"))
    assert projects[0][0] == "项目名称" and projects[1][:2] == ("路灯共建", world.a.unit.name)
    agreements = sheet_rows(client.get(f"/c/{cid}/cobuilding/agreements.xlsx"))
    assert agreements[0][0] == "驻区单位" and agreements[1][0] == world.a.unit.name
    assert agreements[1][3].date() == date(2025, 1, 1) and agreements[1][6:8] == ("王书记", "刘校长")
