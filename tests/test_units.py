"""Resident units (驻区单位): list, register, show, edit, who may see what."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from stdnum.cn import uscc

from partyorg.domain import units as unit_rules
from partyorg.domain.errors import DomainError
from partyorg.extensions import db
from partyorg.models import AuditEntry, Branch, BranchKind, ResidentUnit, Role, UnitKind

from .conftest import text

BASE = "91620200MA7234567"
VALID_CODE = BASE + uscc.calc_check_digit(BASE)


def wrong_check_digit(code: str) -> str:
    last = "0" if code[-1] != "0" else "1"
    return code[:-1] + last


def unit_form(**kw) -> dict:
    data = {
        "name": "嘉峪关市第二人民医院",
        "kind": UnitKind.HOSPITAL.value,
        "credit_code": "",
        "party_org_name": "医院党委",
        "address": "新华南路1号",
        "agreement_start": "2026-01-01",
        "agreement_end": "2028-12-31",
        "liaison_name": "赵联络",
        "liaison_phone": "13909371234",
        "note": "",
    }
    data.update(kw)
    return data


def units_named(name: str) -> list[ResidentUnit]:
    return db.session.scalars(select(ResidentUnit).where(ResidentUnit.name == name)).all()


# --- who may open which page ------------------------------------------------------------

@pytest.mark.parametrize(
    "who,expected",
    [
        (Role.SECRETARY, 200),
        (Role.STAFF, 200),
        (Role.BRANCH_SECRETARY, 403),
        (Role.LIAISON, 403),
        ("district", 200),
    ],
)
def test_list_by_role(client, auth, world, who, expected):
    auth.login(world.district if who == "district" else world.a.users[who])
    r = client.get(f"/c/{world.a.community.id}/units")
    assert r.status_code == expected
    if expected == 200:
        assert "昌盛第一中学" in text(r)
        assert "新华第一中学" not in text(r)


def test_anonymous_goes_to_login(client, world):
    r = client.get(f"/c/{world.a.community.id}/units")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_other_community_is_forbidden(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    assert client.get(f"/c/{world.b.community.id}/units").status_code == 403
    assert client.get(f"/c/{world.b.community.id}/units/new").status_code == 403
    assert client.get(f"/c/{world.b.community.id}/units/{world.b.unit.id}").status_code == 403


def test_unit_of_other_community_under_this_cid_is_404(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    assert client.get(f"/c/{world.a.community.id}/units/{world.b.unit.id}").status_code == 404
    assert client.get(f"/c/{world.a.community.id}/units/{world.b.unit.id}/edit").status_code == 404


@pytest.mark.parametrize("who", [Role.STAFF, Role.BRANCH_SECRETARY, Role.LIAISON, "district"])
def test_only_secretary_registers_and_edits(client, auth, world, who):
    auth.login(world.district if who == "district" else world.a.users[who])
    cid, uid = world.a.community.id, world.a.unit.id
    assert client.get(f"/c/{cid}/units/new").status_code == 403
    assert client.post(f"/c/{cid}/units/new", data=unit_form()).status_code == 403
    assert client.get(f"/c/{cid}/units/{uid}/edit").status_code == 403
    assert units_named("嘉峪关市第二人民医院") == []


def test_liaison_sees_own_unit_only(client, auth, world):
    auth.login(world.a.users[Role.LIAISON])
    cid = world.a.community.id
    other = ResidentUnit(community_id=cid, name="雄关宾馆", kind=UnitKind.STATE_FIRM)
    db.session.add(other)
    db.session.commit()
    r = client.get(f"/c/{cid}/units/{world.a.unit.id}")
    assert r.status_code == 200
    page = text(r)
    assert "昌盛第一中学" in page and "李联络" in page
    assert "编辑" not in page
    # Members' personal data never shows on a unit page.
    assert world.a.member.id_number not in page and world.a.member.phone not in page
    assert client.get(f"/c/{cid}/units/{other.id}").status_code == 403
    assert client.get(f"/c/{cid}/units").status_code == 403
    assert client.get(f"/c/{world.b.community.id}/units/{world.b.unit.id}").status_code == 403


def test_show_lists_attached_branches_and_liaison_accounts(client, auth, world):
    cid = world.a.community.id
    db.session.add(Branch(community_id=cid, name="第一中学党支部", kind=BranchKind.ATTACHED,
                          resident_unit_id=world.a.unit.id))
    db.session.commit()
    auth.login(world.a.users[Role.SECRETARY])
    page = text(client.get(f"/c/{cid}/units/{world.a.unit.id}"))
    assert "第一中学党支部" in page
    assert "联络员账号" in page and "a_liaison" in page


def test_staff_does_not_see_liaison_accounts(client, auth, world):
    auth.login(world.a.users[Role.STAFF])
    page = text(client.get(f"/c/{world.a.community.id}/units/{world.a.unit.id}"))
    assert "昌盛第一中学" in page and "编辑" not in page
    assert "a_liaison" not in page


# --- list: filters, search, agreement badges ----------------------------------------------

def test_list_filters_and_badges(client, auth, world):
    cid = world.a.community.id
    today = date.today()
    db.session.add_all([
        ResidentUnit(community_id=cid, name="雄关医院", kind=UnitKind.HOSPITAL,
                     agreement_start=today - timedelta(days=400), agreement_end=today + timedelta(days=30)),
        ResidentUnit(community_id=cid, name="祁连商贸公司", kind=UnitKind.PRIVATE_FIRM,
                     agreement_start=today - timedelta(days=800), agreement_end=today - timedelta(days=1)),
    ])
    db.session.commit()
    auth.login(world.a.users[Role.SECRETARY])
    page = text(client.get(f"/c/{cid}/units"))
    assert "30天后到期" in page and "协议已到期" in page
    page = text(client.get(f"/c/{cid}/units?kind=hospital"))
    assert "雄关医院" in page and "祁连商贸公司" not in page and "昌盛第一中学" not in page
    page = text(client.get(f"/c/{cid}/units?q=商贸"))
    assert "祁连商贸公司" in page and "雄关医院" not in page
    page = text(client.get(f"/c/{cid}/units?q=没有这个单位"))
    assert "没有符合条件的驻区单位" in page


def test_list_paginates(app, client, auth, world):
    cid = world.a.community.id
    app.config["PER_PAGE"] = 2
    db.session.add_all([ResidentUnit(community_id=cid, name=f"单位{i:02d}", kind=UnitKind.OTHER) for i in range(4)])
    db.session.commit()
    auth.login(world.a.users[Role.SECRETARY])
    page = text(client.get(f"/c/{cid}/units?kind=other"))
    assert "单位00" in page and "单位02" not in page
    assert f"/c/{cid}/units?kind=other&amp;page=2" in page or f"/c/{cid}/units?page=2&amp;kind=other" in page
    page = text(client.get(f"/c/{cid}/units?kind=other&page=2"))
    assert "单位02" in page and "单位00" not in page


def test_empty_state(client, auth, world):
    db.session.delete(world.b.users[Role.LIAISON])
    db.session.delete(world.b.unit)
    db.session.commit()
    auth.login(world.b.users[Role.SECRETARY])
    page = text(client.get(f"/c/{world.b.community.id}/units"))
    assert "还没有登记驻区单位" in page and "登记驻区单位" in page


# --- create -----------------------------------------------------------------------------

def test_secretary_registers_unit(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    cid = world.a.community.id
    r = client.post(f"/c/{cid}/units/new", data=unit_form(credit_code=" " + VALID_CODE[:6] + "-" + VALID_CODE[6:].lower()))
    assert r.status_code == 302
    [unit] = units_named("嘉峪关市第二人民医院")
    assert unit.community_id == cid and unit.kind == UnitKind.HOSPITAL
    assert unit.credit_code == VALID_CODE  # stored compacted and upper-case
    assert unit.agreement_end == date(2028, 12, 31)
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.entity == "resident_unit", AuditEntry.entity_id == unit.id,
                                 AuditEntry.action == "create")
    )
    page = text(client.get(r.headers["Location"]))
    assert "已登记驻区单位" in page and VALID_CODE in page and "医院" in page


@pytest.mark.parametrize(
    "code,message",
    [
        (wrong_check_digit(VALID_CODE), "校验位"),
        (VALID_CODE[:-1], "应为18位，您输入了17位"),
        (VALID_CODE + "1", "应为18位，您输入了19位"),
        ("ABCDEFGH" + VALID_CODE[8:], "格式不正确"),
    ],
)
def test_bad_credit_code(client, auth, world, code, message):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/units/new", data=unit_form(credit_code=code))
    assert r.status_code == 200
    assert message in text(r)
    assert "嘉峪关市第二人民医院" in text(r)  # typed values kept
    assert units_named("嘉峪关市第二人民医院") == []


def test_duplicate_name_in_same_community(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/units/new", data=unit_form(name="昌盛第一中学"))
    assert r.status_code == 200 and "本社区已有同名的驻区单位" in text(r)
    assert len(units_named("昌盛第一中学")) == 1


def test_same_name_in_other_community_is_fine(client, auth, world):
    auth.login(world.b.users[Role.SECRETARY])
    r = client.post(f"/c/{world.b.community.id}/units/new", data=unit_form(name="昌盛第一中学"))
    assert r.status_code == 302
    assert len(units_named("昌盛第一中学")) == 2


def test_duplicate_credit_code_in_same_community(client, auth, world):
    world.a.unit.credit_code = VALID_CODE
    db.session.commit()
    auth.login(world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/units/new", data=unit_form(credit_code=VALID_CODE))
    assert r.status_code == 200 and "已有单位使用这个统一社会信用代码" in text(r)
    assert units_named("嘉峪关市第二人民医院") == []


def test_agreement_end_before_start(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/units/new",
                    data=unit_form(agreement_start="2026-06-01", agreement_end="2026-05-31"))
    assert r.status_code == 200 and "协议终止日期不能早于开始日期" in text(r)
    assert units_named("嘉峪关市第二人民医院") == []


@pytest.mark.parametrize("phone,ok", [("13909371234", True), ("0937-6221234", True), ("09376221234", True),
                                      ("12345678901", False), ("6221234", False), ("139093712345", False)])
def test_liaison_phone_format(client, auth, world, phone, ok):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{world.a.community.id}/units/new", data=unit_form(liaison_phone=phone))
    if ok:
        assert r.status_code == 302
    else:
        assert r.status_code == 200 and "联络员电话应为11位手机号" in text(r)
        assert units_named("嘉峪关市第二人民医院") == []


def test_missing_and_overlong_fields(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    cid = world.a.community.id
    r = client.post(f"/c/{cid}/units/new", data=unit_form(name=""))
    assert r.status_code == 200 and "请填写单位名称" in text(r)
    r = client.post(f"/c/{cid}/units/new", data=unit_form(name="长" * 101))
    assert r.status_code == 200 and "单位名称不能超过100个字" in text(r)
    r = client.post(f"/c/{cid}/units/new", data=unit_form(kind="spaceship"))
    assert r.status_code == 200
    r = client.post(f"/c/{cid}/units/new", data=unit_form(agreement_start="2026/13/45"))
    assert r.status_code == 200 and "日期格式应为" in text(r)
    assert db.session.scalar(select(ResidentUnit).where(ResidentUnit.community_id == cid,
                                                        ResidentUnit.name != "昌盛第一中学")) is None


def test_script_tags_are_escaped(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    cid = world.a.community.id
    r = client.post(f"/c/{cid}/units/new", data=unit_form(name="<script>alert(1)</script>单位",
                                                         note="<script>x</script>"))
    assert r.status_code == 302
    [unit] = units_named("<script>alert(1)</script>单位")
    for url in (f"/c/{cid}/units", f"/c/{cid}/units/{unit.id}"):
        page = text(client.get(url))
        assert "&lt;script&gt;alert(1)&lt;/script&gt;单位" in page
        assert "<script>alert(1)" not in page


# --- edit -------------------------------------------------------------------------------

def test_edit_unit(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    cid, unit = world.a.community.id, world.a.unit
    r = client.get(f"/c/{cid}/units/{unit.id}/edit")
    assert r.status_code == 200 and "昌盛第一中学" in text(r)
    r = client.post(f"/c/{cid}/units/{unit.id}/edit",
                    data=unit_form(name="昌盛第一中学", kind="school", liaison_name="钱联络", version=unit.version))
    assert r.status_code == 302
    db.session.refresh(unit)
    assert unit.liaison_name == "钱联络" and unit.version == 2
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "resident_unit",
                                                       AuditEntry.field == "liaison_name"))
    assert entry.old_value == "李联络" and entry.new_value == "钱联络"


def test_edit_keeps_own_name_and_refuses_another(client, auth, world):
    cid = world.a.community.id
    other = ResidentUnit(community_id=cid, name="雄关宾馆", kind=UnitKind.STATE_FIRM)
    db.session.add(other)
    db.session.commit()
    auth.login(world.a.users[Role.SECRETARY])
    r = client.post(f"/c/{cid}/units/{other.id}/edit", data=unit_form(name="昌盛第一中学", version=other.version))
    assert r.status_code == 200 and "本社区已有同名的驻区单位" in text(r)
    db.session.refresh(other)
    assert other.name == "雄关宾馆"


def test_stale_edit_is_refused(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    cid, unit = world.a.community.id, world.a.unit
    old_version = unit.version
    unit.note = "别人先改了"
    db.session.commit()
    r = client.post(f"/c/{cid}/units/{unit.id}/edit",
                    data=unit_form(name="昌盛第一中学", kind="school", liaison_name="钱联络", version=old_version))
    assert r.status_code == 200 and "此记录已被他人修改" in text(r)
    db.session.refresh(unit)
    assert unit.liaison_name == "李联络" and unit.note == "别人先改了"


# --- domain -----------------------------------------------------------------------------

def test_credit_code_is_optional_and_compacted():
    assert unit_rules.normalise_credit_code("") is None
    assert unit_rules.normalise_credit_code(None) is None
    assert unit_rules.normalise_credit_code(VALID_CODE.lower()) == VALID_CODE
    with pytest.raises(DomainError) as err:
        unit_rules.normalise_credit_code(wrong_check_digit(VALID_CODE))
    assert err.value.field == "credit_code"


def test_agreement_alert():
    today = date(2026, 11, 27)
    unit = ResidentUnit(agreement_end=today + timedelta(days=60))
    assert unit_rules.agreement_alert(unit, today) == ("60天后到期", "warning")
    unit.agreement_end = today + timedelta(days=61)
    assert unit_rules.agreement_alert(unit, today) is None
    unit.agreement_end = today - timedelta(days=1)
    assert unit_rules.agreement_alert(unit, today)[0] == "协议已到期"
    unit.agreement_end = None
    assert unit_rules.agreement_alert(unit, today) is None


def test_liaison_sees_his_units_reporting_members_by_name_only(client, auth, world):
    from datetime import date as _date

    from partyorg.domain import workflow as wf

    m = world.a.other_member  # assisted
    wf.save_category_info(m, {"employer": world.a.unit.name, "employer_party_org": "中学党总支",
                              "reported_on": _date(2026, 3, 1), "claimed_posts": "文明劝导岗"},
                          world.a.users[Role.STAFF], _date(2026, 3, 2))
    db.session.commit()
    auth.login(world.a.users[Role.LIAISON])
    page = text(client.get(f"/c/{world.a.community.id}/units/{world.a.unit.id}"))
    assert "本单位到社区报到的在职党员" in page
    assert m.name in page and "2026-03-01" in page and "文明劝导岗" in page
    assert m.phone not in page and m.id_number not in page
