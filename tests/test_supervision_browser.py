"""Browser test: the secretary completes an overdue takeover step from her to-do page."""
from datetime import date, timedelta

import pytest

from partyorg import create_app
from partyorg.domain import workflow as wf
from partyorg.extensions import db
from partyorg.models import Category, Role

from . import factories
from .browser import LiveServer
from .dbbackend import file_database_url
from .supervision_helpers import pending_step
from .test_browser import DESKTOP, PHONE, login

pytestmark = pytest.mark.browser


@pytest.fixture
def todo_server(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "browser-test", "WTF_CSRF_ENABLED": True,
                      "SQLALCHEMY_DATABASE_URI": file_database_url(tmp_path, "browser")})
    with app.app_context():
        db.create_all()
        world = factories.world()
        member = factories.member(world.a.community, name="接管待办人", category=Category.TAKEOVER,
                                  branch_id=world.a.branch.id)
        wf.open_plan(member, world.a.users[Role.STAFF], date.today() - timedelta(days=4))
        pending_step(member, "registration").due_on = date.today() - timedelta(days=4)
        db.session.commit()
        db.session.remove()
    with LiveServer(app) as server:
        yield server


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_secretary_completes_overdue_step(browser, todo_server, viewport):
    page = browser.new_page(viewport=viewport)
    login(page, todo_server.url, "a_secretary")
    page.wait_for_selector("text=工作台")
    page.goto(todo_server.url + "/c/1/todo")
    row = page.locator("tr", has_text="接管登记")
    assert "逾期4天" in row.inner_text()
    row.locator("a.btn-primary").click()
    page.fill("textarea[name=note]", "已登记：下岗失业")
    page.click("text=确认办理")
    page.wait_for_selector("text=已办理：接管待办人 · 接管登记")
    assert page.locator("tr", has_text="逾期4天").count() == 0
    page.goto(todo_server.url + "/c/1/todo")
    assert page.locator("tr", has_text="接管待办人").filter(has_text="接管登记").count() == 0
    # ... and the member's history records who did it, with the note
    member_link = todo_server.url + "/c/1/members?q=接管待办人"
    page.goto(member_link)
    page.click("a:text('接管待办人')")
    history = page.locator("table", has_text="管理步骤：")
    assert "管理步骤：" in history.inner_text() and "已登记：下岗失业" in history.inner_text()
