"""Browser test at phone width: the demo liaison logs an activity, the demo staff member confirms it."""
import io
import re
from collections import Counter
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import select

from partyorg import create_app
from partyorg.demo import DEMO_PASSWORD, seed_demo
from partyorg.extensions import db
from partyorg.models import Category, Community, Member, MemberStatus, User

from .browser import LiveServer
from .dbbackend import file_database_url
from .test_browser import PHONE

pytestmark = pytest.mark.browser

TITLE = "教师志愿者清扫5号楼楼道"
SCHOOL = "嘉峪关市第一中学"


@pytest.fixture
def demo_server(tmp_path):
    """The demo data in a file database, served with CSRF on; yields (server, cid, participant name)."""
    app = create_app({"TESTING": True, "SECRET_KEY": "browser-test", "WTF_CSRF_ENABLED": True,
                      "SQLALCHEMY_DATABASE_URI": file_database_url(tmp_path, "demo"),
                      "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    with app.app_context():
        db.create_all()
        assert seed_demo()
        cid = db.session.scalar(select(Community.id).where(Community.name == "昌盛"))
        members = db.session.scalars(
            select(Member).where(Member.community_id == cid, Member.status == MemberStatus.ACTIVE)
        ).all()
        names = Counter(m.name for m in members)
        # A teacher of the school living here, whose name no other member shares (picked by name).
        participant = next(m.name for m in members
                           if m.category == Category.ASSISTED and m.work_unit == SCHOOL and names[m.name] == 1)
        assert db.session.scalar(select(User).where(User.username == "changsheng_liaison")) is not None
        db.session.remove()
    with LiveServer(app) as server:
        yield server, cid, participant


def login(page, base, username):
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit], main input[type=submit]")


def school_total(page, base, cid) -> int:
    """The school's 活动合计 on this year's summary page."""
    page.goto(f"{base}/c/{cid}/activities/summary?year={date.today().year}")
    row = page.locator("main tr", has=page.locator("td", has_text=SCHOOL)).first.inner_text()
    return [int(n) for n in re.findall(r"(\d+) 次", row)][-1]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 22, 29)).save(out, format="PNG")
    return out.getvalue()


def test_liaison_logs_activity_and_staff_confirms_it(browser, demo_server, tmp_path):
    server, cid, participant = demo_server
    base = server.url

    # The liaison, at phone width, lands on his unit's activities after login.
    liaison = browser.new_context(viewport=PHONE)
    page = liaison.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, base, "changsheng_liaison")
    page.wait_for_selector(f"main h1:has-text('{SCHOOL} · 联建活动')")
    assert page.locator("main .alert-warning", has_text="被退回").count() >= 1
    page.click("main a:has-text('登记活动')")

    page.select_option("select[name=kind]", label="文明小区联建")
    page.fill("input[name=title]", TITLE)
    page.fill("input[name=held_on]", date.today().isoformat())
    page.fill("input[name=start_time]", "15:00")
    page.fill("input[name=end_time]", "17:00")
    page.fill("input[name=place]", "昌盛社区5号楼")
    assert page.locator("select[name=unit_id] option:checked").inner_text() == SCHOOL
    page.select_option("select[name=participant_ids]", label=participant)
    page.fill("input[name=other_count]", "6")
    page.fill("input[name=hours]", "1.5")
    page.fill("textarea[name=summary]", "师生志愿者清扫楼道，清理小广告。")
    page.click("main form.po-form button[type=submit]")
    page.wait_for_selector("text=已保存活动草稿")
    activity_url = page.url

    # A photo from the field, then submit.
    page.set_input_files("main input[name=files]",
                         files=[{"name": "现场.png", "mimeType": "image/png", "buffer": png()}])
    page.click("main form[enctype='multipart/form-data'] button[type=submit]")
    page.wait_for_selector("text=已上传1个附件")
    assert page.locator("main img.card-img-top").count() == 1
    page.click("main form[action$='/submit'] button[type=submit]")
    page.wait_for_selector("text=活动已提交，等待社区确认。")
    assert page.locator("main .badge", has_text="待确认").count() == 1
    assert participant in page.locator("main").inner_text()
    shot = tmp_path / "liaison-submitted-390.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5000
    liaison.close()

    # The staff member confirms it; the school's yearly summary counts it.
    staff = browser.new_context(viewport=PHONE)
    page = staff.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, base, "changsheng_staff")
    page.wait_for_selector("main")
    before = school_total(page, base, cid)
    page.goto(activity_url)
    page.click("main form[action$='/confirm'] button[type=submit]")
    page.wait_for_selector("text=活动已确认，计入统计。")
    assert page.locator("main .badge", has_text="已确认").count() == 1
    assert page.locator("main form[action$='/confirm']").count() == 0
    assert school_total(page, base, cid) == before + 1
    staff.close()
