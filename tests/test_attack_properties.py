"""Attack: arbitrary text, numbers and dates at the domain rules and at forms and list filters.

Properties: the ID number parser and the member rules refuse only with DomainError (and store
nothing when they refuse); pages answer 200, 302 or 400, never a 500; a refused form changes no
row; text that was stored is shown escaped.
"""
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, select

from partyorg.domain import idnumber
from partyorg.domain.errors import DomainError
from partyorg.domain.members import check, create_member
from partyorg.extensions import db
from partyorg.models import (
    EDUCATION_CHOICES,
    Branch,
    BranchKind,
    Category,
    Gender,
    Grid,
    Member,
    MemberType,
    ResidentUnit,
    Role,
    UnitKind,
)

from .conftest import text

FIXTURE_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FAST_SETTINGS = settings(max_examples=200, deadline=None)

FRAGMENTS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "' OR 1=1 --", '"; DROP TABLE member; --',
    "%", "_", "\\", "&amp;", "{{ 7*7 }}", "\x00", "\x07", "\u202e", "\ufeff", "𠀀", "党员", "\r\n", "\t", " ",
    "０１２", "X", "1",
]
#: Text a browser can send: no lone surrogates.
PLAIN = st.text(st.characters(exclude_categories=("Cs",)), max_size=120)
TEXTS = st.one_of(
    PLAIN,
    st.lists(st.sampled_from(FRAGMENTS), max_size=8).map("".join),
    st.builds(lambda f, n: f * n, st.sampled_from(FRAGMENTS), st.integers(1, 500)),
)
HUGE = 10**30
NUMBERS = st.one_of(st.integers(-10, 10), st.integers(-(2**64), 2**64), st.just(HUGE))
NUMBER_TEXTS = st.one_of(NUMBERS.map(str), TEXTS, st.just(""))
DATE_TEXTS = st.one_of(
    st.dates().map(date.isoformat),
    st.sampled_from(["", "2026-02-30", "0000-01-01", "9999-12-31", "1900-01-01", "2026/11/27", "27.11.2026"]),
    PLAIN.map(lambda s: s[:20]),
)


def row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def login_secretary(auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    return world.a.community.id


def assert_shown_escaped(client, response, stored: str):
    """Follow the redirect after a save: the stored text is on the page, escaped."""
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    body = text(page)
    assert str(escape(stored)) in body
    if "<" in stored:
        assert stored not in body


def post_form(client, url, data, model, field):
    """Post `data`; refused → nothing changed; saved → the new record's text shows escaped."""
    before = row_counts()
    newest = db.session.scalar(select(func.max(model.id)))
    r = client.post(url, data=data)
    assert r.status_code in (200, 302, 400), f"{url}: {r.status_code}"
    if r.status_code == 302:
        db.session.expire_all()
        obj = db.session.scalar(select(model).where(model.id > (newest or 0)).order_by(model.id.desc()))
        assert obj is not None
        assert_shown_escaped(client, r, getattr(obj, field))
    else:
        assert row_counts() == before


# --- the ID number parser -----------------------------------------------------------------------

VALID_IDS = st.builds(
    lambda area, birth, seq: idnumber.make_number(str(area), birth, seq),
    st.integers(110000, 659999), st.dates(date(1900, 1, 1), date(2020, 12, 31)), st.integers(0, 999),
)


@FAST_SETTINGS
@given(st.one_of(TEXTS, st.text(alphabet="0123456789Xx ", min_size=14, max_size=20), VALID_IDS))
def test_idnumber_parse_refuses_only_with_domain_error(value):
    try:
        parsed = idnumber.parse(value, today=date(2026, 11, 27))
    except DomainError as e:
        assert e.message and e.field == "id_number"
        return
    assert idnumber.parse(parsed.number, today=date(2026, 11, 27)) == parsed
    assert parsed.gender in ("male", "female")


@FAST_SETTINGS
@given(VALID_IDS)
def test_valid_numbers_round_trip(number):
    parsed = idnumber.parse(f" {number.lower()} ", today=date(2026, 11, 27))
    assert parsed.number == number and not parsed.legacy
    assert parsed.birth_date.strftime("%Y%m%d") == number[6:14]


# --- the member rules ---------------------------------------------------------------------------

MEMBER_FIELDS = {
    "name": TEXTS,
    "gender": st.one_of(st.sampled_from([g.value for g in Gender]), TEXTS),
    "ethnicity": TEXTS,
    "birth_date": st.one_of(st.none(), st.dates()),
    "id_number": st.one_of(TEXTS, VALID_IDS),
    "education": st.one_of(st.sampled_from(list(EDUCATION_CHOICES)), TEXTS),
    "member_type": st.one_of(st.sampled_from([t.value for t in MemberType]), TEXTS),
    "joined_on": st.one_of(st.none(), st.dates()),
    "full_on": st.one_of(st.none(), st.dates()),
    "work_unit": TEXTS,
    "post": TEXTS,
    "phone": st.one_of(TEXTS, st.from_regex(r"1[3-9]\d{9}", fullmatch=True)),
    "building_id": st.one_of(st.none(), NUMBERS),
    "stair_unit_id": st.one_of(st.none(), NUMBERS),
    "room": TEXTS,
    "branch_id": st.one_of(st.none(), NUMBERS),
    "group_id": st.one_of(st.none(), NUMBERS),
    "category": st.one_of(st.sampled_from([c.value for c in Category]), TEXTS),
    "relation_here": st.booleans(),
}
MEMBER_DATA = st.fixed_dictionaries(MEMBER_FIELDS)


@FIXTURE_SETTINGS
@given(data=MEMBER_DATA)
def test_member_rules_refuse_only_with_domain_error(world, data):
    actor = world.a.users[Role.SECRETARY]
    before = db.session.scalar(select(func.count(Member.id)))
    try:
        create_member(actor, world.a.community.id, data, today=date(2026, 11, 27))
    except DomainError as e:
        assert e.message
        assert not db.session.new and not db.session.dirty
        assert db.session.scalar(select(func.count(Member.id))) == before
        return
    db.session.rollback()
    # Accepted: the values were sane.
    check(actor, world.a.community.id, data, today=date(2026, 11, 27))


def valid_member() -> dict:
    birth = date(1960, 5, 17)
    return {
        "name": "王五", "gender": "male", "ethnicity": "汉族", "birth_date": birth,
        "id_number": idnumber.make_number("620999", birth, 11), "education": "", "member_type": "full",
        "joined_on": date(1985, 7, 1), "full_on": date(1986, 7, 1), "work_unit": "", "post": "", "phone": "",
        "building_id": None, "stair_unit_id": None, "room": "", "branch_id": None, "group_id": None,
        "category": "direct", "relation_here": True,
    }


@FIXTURE_SETTINGS
@given(changes=st.lists(st.sampled_from(list(MEMBER_FIELDS)), min_size=1, max_size=3, unique=True)
       .flatmap(lambda names: st.fixed_dictionaries({n: MEMBER_FIELDS[n] for n in names})))
def test_member_rules_on_a_nearly_valid_record(world, changes):
    """One to three fields of a valid record replaced, so that the later rules are reached too."""
    actor = world.a.users[Role.SECRETARY]
    before = db.session.scalar(select(func.count(Member.id)))
    try:
        member = create_member(actor, world.a.community.id, {**valid_member(), **changes}, today=date(2026, 11, 27))
    except DomainError as e:
        assert e.message
        assert not db.session.new and not db.session.dirty
        assert db.session.scalar(select(func.count(Member.id))) == before
        return
    assert member.id is not None and len(member.name) <= 50
    db.session.rollback()


# --- forms through the test client --------------------------------------------------------------

@FIXTURE_SETTINGS
@given(name=TEXTS, area=TEXTS)
def test_new_grid(client, auth, world, name, area):
    cid = login_secretary(auth, world)
    post_form(client, f"/c/{cid}/grids/new", {"name": name, "area": area}, Grid, "name")


@FIXTURE_SETTINGS
@given(data=st.fixed_dictionaries({
    "name": TEXTS,
    "kind": st.one_of(st.sampled_from([k.value for k in BranchKind]), TEXTS),
    "building_id": NUMBER_TEXTS,
    "subtype": TEXTS,
    "mode": TEXTS,
    "organisation_name": TEXTS,
    "founded_on": DATE_TEXTS,
    "note": TEXTS,
    "unit_groups": st.sampled_from(["", "y", "on", "junk"]),
}))
def test_new_branch(client, auth, world, data):
    cid = login_secretary(auth, world)
    post_form(client, f"/c/{cid}/branches/new", data, Branch, "name")


@FIXTURE_SETTINGS
@given(data=st.fixed_dictionaries({
    "name": TEXTS,
    "gender": st.one_of(st.sampled_from([g.value for g in Gender]), TEXTS),
    "ethnicity": TEXTS,
    "birth_date": DATE_TEXTS,
    "id_number": st.one_of(TEXTS, VALID_IDS),
    "education": st.one_of(st.sampled_from(list(EDUCATION_CHOICES)), TEXTS),
    "member_type": st.one_of(st.sampled_from([t.value for t in MemberType]), TEXTS),
    "joined_on": DATE_TEXTS,
    "full_on": DATE_TEXTS,
    "work_unit": TEXTS,
    "post": TEXTS,
    "phone": TEXTS,
    "building_id": NUMBER_TEXTS,
    "stair_unit_id": NUMBER_TEXTS,
    "room": TEXTS,
    "branch_id": NUMBER_TEXTS,
    "group_id": NUMBER_TEXTS,
    "category": st.one_of(st.sampled_from([c.value for c in Category]), TEXTS),
    "relation_here": st.sampled_from(["", "y"]),
}))
def test_new_member(client, auth, world, data):
    cid = login_secretary(auth, world)
    post_form(client, f"/c/{cid}/members/new", data, Member, "name")


@FIXTURE_SETTINGS
@given(name=TEXTS, data=st.fixed_dictionaries({
    "kind": st.one_of(st.sampled_from([k.value for k in UnitKind]), TEXTS),
    "credit_code": TEXTS,
    "party_org_name": TEXTS,
    "address": TEXTS,
    "agreement_start": DATE_TEXTS,
    "agreement_end": DATE_TEXTS,
    "liaison_name": TEXTS,
    "liaison_phone": TEXTS,
    "note": TEXTS,
}))
def test_new_resident_unit(client, auth, world, name, data):
    cid = login_secretary(auth, world)
    post_form(client, f"/c/{cid}/units/new", {"name": name, **data}, ResidentUnit, "name")


@FIXTURE_SETTINGS
@given(page=st.sampled_from(["members", "units", "branches", "buildings", "grids", "todo", "activities"]),
       params=st.dictionaries(
           st.sampled_from(["q", "page", "branch", "group", "building", "category", "type", "status", "overdue",
                            "kind", "grid", "unit", "year"]),
           NUMBER_TEXTS, max_size=5))
def test_list_filters(client, auth, world, page, params):
    cid = login_secretary(auth, world)
    r = client.get(f"/c/{cid}/{page}", query_string=params)
    assert r.status_code in (200, 400), f"{page} {params}: {r.status_code}"
    if r.status_code == 200 and "<" in params.get("q", ""):
        assert params["q"] not in text(r)


def test_huge_page_number_is_a_bad_request(client, auth, world):
    cid = login_secretary(auth, world)
    r = client.get(f"/c/{cid}/members", query_string={"page": str(HUGE)})
    assert r.status_code == 400
    assert "请求参数不正确" in text(r)
