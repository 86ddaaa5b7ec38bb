"""Member record rules (domain/members.py) and refused input on the member form."""
from datetime import date

import pytest

from partyorg.domain import members as rules
from partyorg.domain.errors import DomainError
from partyorg.extensions import db
from partyorg.models import (
    Branch,
    BranchKind,
    Building,
    Member,
    OrgStatus,
    PartyGroup,
    Role,
    StairUnit,
)

from .conftest import text
from .member_helpers import counts, member_form, valid_id

TODAY = date(2026, 11, 27)


def domain_data(side, **over) -> dict:
    """What the view hands the domain: form values with int references and real dates."""
    data = member_form(side, **over)
    for key in ("birth_date", "joined_on", "full_on"):
        if isinstance(data.get(key), str):
            data[key] = date.fromisoformat(data[key]) if data[key] else None
    for key in ("building_id", "stair_unit_id", "branch_id", "group_id"):
        data[key] = int(data[key]) if data.get(key) else 0
    data["relation_here"] = bool(data.get("relation_here"))
    return data


def check(world, actor_role=Role.SECRETARY, member=None, **over):
    actor = world.a.users[actor_role] if isinstance(actor_role, Role) else actor_role
    return rules.check(actor, world.a.community.id, domain_data(world.a, **over), member=member, today=TODAY)


def refused(world, field, **over) -> DomainError:
    with pytest.raises(DomainError) as err:
        check(world, **over)
    assert err.value.field == field, err.value.message
    return err.value


# --- the domain rules ------------------------------------------------------------------

def test_valid_record_is_normalised(world):
    out = check(world, name="  王建国 ", id_number=" " + valid_id() + " ", phone=" 0937-6221234 ")
    assert out["name"] == "王建国"
    assert out["phone"] == "0937-6221234"
    assert out["id_legacy"] is False


def test_lower_case_x_is_stored_upper_case(world):
    number = "62020219700308001X"  # a valid number ending in X, sequence 001: male
    out = check(world, id_number=number.lower())
    assert out["id_number"] == number


def test_legacy_15_digit_number_is_flagged(world):
    out = check(world, id_number="620202700308113")
    assert out["id_legacy"] is True
    assert out["id_number"] == "620202700308113"


def test_old_member_with_young_area_code_is_accepted(world):
    number = valid_id(date(1950, 1, 1), area="110119")
    out = check(world, id_number=number, birth_date="1950-01-01", joined_on="1972-07-01", full_on="1973-07-01")
    assert out["id_number"] == number


def test_wrong_check_digit(world):
    number = valid_id()
    wrong = number[:17] + ("1" if number[17] == "0" else "0")
    assert "校验位" in refused(world, "id_number", id_number=wrong).message


def test_birth_date_must_match_id(world):
    refused(world, "birth_date", birth_date="1970-03-09")


def test_gender_must_match_id(world):
    refused(world, "gender", gender="female")


def test_joined_before_eighteenth_birthday(world):
    assert "年满18周岁" in refused(world, "joined_on", joined_on="1988-03-07", full_on="1989-03-07").message
    assert check(world, joined_on="1988-03-08", full_on="1989-03-08")["joined_on"] == date(1988, 3, 8)


def test_eighteenth_birthday_of_a_leap_day_child():
    assert rules.eighteenth_birthday(date(2004, 2, 29)) == date(2022, 3, 1)


def test_full_before_joined(world):
    assert "不能早于入党日期" in refused(world, "full_on", full_on="1995-06-30").message


def test_probationary_member_has_no_full_date(world):
    refused(world, "full_on", member_type="probationary")
    assert check(world, member_type="probationary", full_on="")["full_on"] is None


@pytest.mark.parametrize("field", ["joined_on", "full_on"])
def test_dates_not_in_the_future(world, field):
    refused(world, field, **{field: "2027-01-01"})


@pytest.mark.parametrize("phone", ["13909371234", "19912345678", "0937-6221234", "09376221234", "010-12345678"])
def test_good_phones(world, phone):
    assert check(world, phone=phone)["phone"] == phone


@pytest.mark.parametrize("phone", ["12909371234", "1390937123", "139093712345", "6221234", "abc", "0937-62212"])
def test_bad_phones(world, phone):
    refused(world, "phone", phone=phone)


def test_empty_phone_is_allowed(world):
    assert check(world, phone="")["phone"] == ""


def test_education_from_the_list(world):
    refused(world, "education", education="博士后")


def test_stair_unit_must_belong_to_building(world):
    other = Building(community_id=world.a.community.id, name="2号楼")
    db.session.add(other)
    db.session.flush()
    foreign = StairUnit(building_id=other.id, name="1单元")
    db.session.add(foreign)
    db.session.flush()
    refused(world, "stair_unit_id", stair_unit_id=str(foreign.id))
    refused(world, "stair_unit_id", building_id="0")


def test_building_of_another_community(world):
    refused(world, "building_id", building_id=str(world.b.building.id), stair_unit_id=str(world.b.stair_units[0].id))


def test_group_must_belong_to_branch(world):
    refused(world, "group_id", branch_id=str(world.a.functional.id))
    refused(world, "group_id", branch_id="0")


def test_branch_of_another_community(world):
    refused(world, "branch_id", branch_id=str(world.b.branch.id), group_id=str(world.b.group.id))


def test_dissolved_branch_refused_for_new_but_kept_on_edit(world):
    world.a.branch.status = OrgStatus.DISSOLVED
    db.session.flush()
    assert "已撤销" in refused(world, "branch_id").message
    kept = check(world, member=world.a.member, id_number=valid_id())
    assert kept["branch_id"] == world.a.branch.id


def test_dissolved_group_refused(world):
    world.a.group.status = OrgStatus.DISSOLVED
    db.session.flush()
    refused(world, "group_id")


@pytest.mark.parametrize("category,given,stored", [
    ("direct", None, True), ("takeover", None, True), ("dual", None, False), ("dual", "y", True), ("assisted", None, False),
])
def test_category_decides_relation_here(world, category, given, stored):
    assert check(world, category=category, relation_here=given)["relation_here"] is stored


def test_assisted_member_never_has_relation_here(world):
    assert "协管" in refused(world, "relation_here", category="assisted", relation_here="y").message


def test_duplicate_id_names_the_member_to_who_may_see_him(world):
    number = valid_id()
    world.a.member.id_number = number
    db.session.flush()
    assert refused(world, "id_number", id_number=number).message == f"该身份证号码已登记为{world.a.member.name}党员。"


def test_duplicate_id_of_another_community_is_not_named(world):
    number = valid_id()
    world.b.member.id_number = number
    db.session.flush()
    err = refused(world, "id_number", id_number=number)
    assert err.message == "该身份证号码已登记。"
    assert world.b.member.name not in err.message


def test_duplicate_finds_the_legacy_twin(world):
    world.a.member.id_number = "620202700308113"
    db.session.flush()
    body = "62020219700308113"
    twin = body + rules.idnumber.ric.calc_check_digit(body + "0")
    refused(world, "id_number", id_number=twin)


def test_own_number_is_not_a_duplicate(world):
    number = valid_id()
    world.a.member.id_number = number
    db.session.flush()
    assert check(world, member=world.a.member, id_number=number)["id_number"] == number


def test_change_status_rules(world):
    m = world.a.member
    actor = world.a.users[Role.STAFF]
    with pytest.raises(DomainError) as err:
        rules.change_status(actor, m, "active", TODAY, "x", today=TODAY)
    assert err.value.field == "status"
    with pytest.raises(DomainError) as err:
        rules.change_status(actor, m, "deceased", date(2027, 1, 1), "病故", today=TODAY)
    assert err.value.field == "status_on"
    with pytest.raises(DomainError) as err:
        rules.change_status(actor, m, "deceased", TODAY, "  ", today=TODAY)
    assert err.value.field == "status_reason"
    rules.change_status(actor, m, "deceased", TODAY, "病故", today=TODAY)
    assert m.status.value == "deceased"


# --- refused input on the form writes nothing --------------------------------------------

def _post_new(client, auth, world, **over):
    auth.login(world.a.users[Role.STAFF])
    before = counts()
    r = client.post(f"/c/{world.a.community.id}/members/new", data=member_form(world.a, **over))
    assert r.status_code == 200
    assert counts() == before
    return text(r)


def _wrong_check_digit():
    number = valid_id()
    return number[:17] + ("1" if number[17] == "0" else "0")


def test_form_wrong_check_digit(client, auth, world):
    assert "身份证号码校验位不正确" in _post_new(client, auth, world, id_number=_wrong_check_digit())


def test_form_birth_date_disagrees_with_id(client, auth, world):
    assert "出生日期与身份证号码不一致" in _post_new(client, auth, world, birth_date="1971-03-08")


def test_form_full_before_joined(client, auth, world):
    assert "转正日期不能早于入党日期" in _post_new(client, auth, world, full_on="1990-01-01")


def test_form_bad_phone(client, auth, world):
    page = _post_new(client, auth, world, phone="12345")
    assert "联系电话应为11位手机号码" in page
    assert 'value="12345"' in page  # typed values are kept


def test_form_over_long_name(client, auth, world):
    assert "姓名不能超过50个字符" in _post_new(client, auth, world, name="张" * 51)


def test_form_bad_date(client, auth, world):
    assert "日期格式应为" in _post_new(client, auth, world, joined_on="1995-13-45")


def test_form_duplicate_id(client, auth, world):
    number = valid_id()
    world.a.member.id_number = number
    db.session.commit()
    assert f"该身份证号码已登记为{world.a.member.name}党员" in _post_new(client, auth, world, id_number=number)


def test_form_group_of_another_branch(client, auth, world):
    other = PartyGroup(branch_id=world.a.functional.id, name="服务一组")
    db.session.add(other)
    db.session.commit()
    assert "所选党小组不属于所选党支部" in _post_new(client, auth, world, group_id=str(other.id))


def test_form_stair_unit_of_another_building(client, auth, world):
    other = Building(community_id=world.a.community.id, name="2号楼")
    db.session.add(other)
    db.session.flush()
    foreign = StairUnit(building_id=other.id, name="3单元")
    db.session.add(foreign)
    db.session.commit()
    assert "所选单元不属于所选楼栋" in _post_new(client, auth, world, stair_unit_id=str(foreign.id))


def test_form_branch_of_another_community_is_not_a_choice(client, auth, world):
    _post_new(client, auth, world, branch_id=str(world.b.branch.id), group_id="0")


def test_form_assisted_with_relation_here(client, auth, world):
    assert "协管党员的正式组织关系在原单位" in _post_new(client, auth, world, category="assisted")


def test_form_script_tags_are_stored_as_text_and_escaped(client, auth, world):
    auth.login(world.a.users[Role.STAFF])
    name = "<script>alert(1)</script>"
    r = client.post(f"/c/{world.a.community.id}/members/new",
                    data=member_form(world.a, name=name, work_unit="<b>酒钢</b>"), follow_redirects=True)
    assert r.status_code == 200
    page = text(r)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "&lt;b&gt;酒钢&lt;/b&gt;" in page
    assert db.session.scalar(db.select(Member).where(Member.name == name)) is not None


def test_functional_branch_kind_is_irrelevant_to_membership(world):
    """A member may be attached to a functional branch (for assisted members: where they serve)."""
    out = check(world, branch_id=str(world.a.functional.id), group_id="0", category="assisted", relation_here=None)
    assert out["branch_id"] == world.a.functional.id
    assert db.session.get(Branch, out["branch_id"]).kind == BranchKind.FUNCTIONAL


def test_a_member_who_left_may_be_registered_again(world):
    """Transferred out of 新华, he moves to 昌盛: the old record stays, a new active one is allowed."""
    from partyorg.models import MemberStatus

    number = valid_id()
    world.b.member.id_number = number
    world.b.member.status = MemberStatus.TRANSFERRED_OUT
    db.session.flush()
    assert check(world, id_number=number)["id_number"] == number


def test_database_keeps_one_active_record_per_id_number(world):
    import sqlalchemy.exc

    world.b.member.id_number = world.a.member.id_number
    with pytest.raises(sqlalchemy.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
