"""Browser tests: Playwright driving Debian Chromium against a live server."""
import pytest

from .factories import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def login(page, base, username):
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main input[type=submit], main button[type=submit]")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_secretary_creates_functional_branch(browser, live_server, tmp_path, viewport):
    page = browser.new_page(viewport=viewport)
    login(page, live_server.url, "a_secretary")
    page.wait_for_selector("text=昌盛社区 · 工作台")
    page.goto(live_server.url + "/c/1/branches/new")
    page.fill("input[name=name]", "文明劝导党支部")
    page.select_option("select[name=kind]", "functional")
    page.select_option("select[name=subtype]", "维稳保障型")
    page.click("main button[type=submit], main input[type=submit]")
    page.wait_for_selector("text=文明劝导党支部")
    page.goto(live_server.url + "/c/1/branches")
    row = page.locator("tr", has_text="文明劝导党支部")
    assert row.count() == 1
    assert "维稳保障型" in row.inner_text()
    shot = tmp_path / f"branches-{viewport['width']}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5000
    page.close()


def test_menu_folds_at_phone_width(browser, live_server):
    page = browser.new_page(viewport=PHONE)
    login(page, live_server.url, "a_secretary")
    page.wait_for_selector("text=昌盛社区 · 工作台")
    assert not page.locator("aside.po-sidebar").is_visible()
    page.click("button.navbar-toggler")
    page.locator("#po-menu >> text=党员").wait_for(state="visible")
    page.close()
