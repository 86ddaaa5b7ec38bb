"""The list pages' shared filters and pager (blueprints.common.ListFilters, page_of)."""
import pytest
from sqlalchemy import select

from partyorg.blueprints.common import ListFilters, page_of
from partyorg.extensions import db
from partyorg.models import CobuildingProject, CommunityNeed, NeedStatus, Role

from . import committee_helpers as h
from .conftest import text


def needs_of(side):
    """Three needs of the side: two open, one met."""
    for title, status in (("夜间照明", NeedStatus.OPEN), ("老人助餐", NeedStatus.OPEN), ("照明线路 100%", NeedStatus.MET)):
        n = h.need(side, title)
        n.status = status
    db.session.commit()


@pytest.mark.parametrize(("args", "titles", "given"), [
    ("", ["夜间照明", "老人助餐", "照明线路 100%"], False),
    ("status=open", ["夜间照明", "老人助餐"], True),
    # A value that is no choice filters nothing, but counts as a filter filled in.
    ("status=bogus", ["夜间照明", "老人助餐", "照明线路 100%"], True),
    ("status=", ["夜间照明", "老人助餐", "照明线路 100%"], False),
    ("q=照明", ["夜间照明", "照明线路 100%"], True),
    ("q=%20%20", ["夜间照明", "老人助餐", "照明线路 100%"], False),
    ("q=%20照明%20&status=met", ["照明线路 100%"], True),
    # % and _ are searched as written, not as SQL wildcards.
    ("q=100%25", ["照明线路 100%"], True),
    ("q=%25%25", [], True),
])
def test_choice_and_text_filters(app, world, args, titles, given):
    needs_of(world.a)
    with app.test_request_context(f"/?{args}"):
        found = (
            ListFilters(select(CommunityNeed).where(CommunityNeed.community_id == world.a.community.id))
            .choice("status", CommunityNeed.status, NeedStatus)
            .text("q", CommunityNeed.title)
        )
        assert [n.title for n in db.session.scalars(found.query.order_by(CommunityNeed.id))] == titles
        assert found.given is given


@pytest.mark.parametrize(("arg", "mine", "given"), [
    ("", True, False), ("unit=0", True, False), ("unit=abc", True, False), ("unit={own}", True, True),
    ("unit=999999", False, True),
])
def test_record_id_filter(app, world, arg, mine, given):
    h.project(world.a)
    with app.test_request_context(f"/?{arg.format(own=world.a.unit.id)}"):
        found = ListFilters(select(CobuildingProject)).record_id("unit", CobuildingProject.resident_unit_id)
        assert (db.session.scalar(found.query) is not None) is mine
        assert found.given is given


@pytest.mark.parametrize(("args", "titles"), [("", ["需求1", "需求2"]), ("page=2", ["需求3"]), ("page=9", []),
                                              ("page=x", ["需求1", "需求2"])])
def test_page_of(app, world, args, titles):
    for i in (1, 2, 3):
        h.need(world.a, f"需求{i}")
    app.config["PER_PAGE"] = 2
    with app.test_request_context(f"/?{args}"):
        page = page_of(select(CommunityNeed).order_by(CommunityNeed.id))
        assert [n.title for n in page.items] == titles
        assert page.total == 3


@pytest.mark.parametrize(("args", "message"), [
    ("status=bogus", "没有符合条件的需求"),
    ("q=%20", "还没有登记社区需求"),
    ("status=&q=", "还没有登记社区需求"),
])
def test_empty_needs_page_says_whether_a_filter_was_given(client, auth, world, args, message):
    auth.login(world.a.users[Role.SECRETARY])
    page = text(client.get(f"/c/{world.a.community.id}/cobuilding/needs?{args}"))
    assert message in page
