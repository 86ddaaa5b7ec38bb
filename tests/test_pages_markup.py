"""Every page a secretary can open obeys the CSP (no inline script or style) and speaks Chinese."""
import re

import pytest

from partyorg.models import Role

from .conftest import text
from .test_permissions_table import TABLE, build

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"\sstyle\s*=", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)

GET_ROWS = sorted(r for r, (method, allowed, _) in TABLE.items() if method == "GET" and Role.SECRETARY in allowed)


@pytest.mark.parametrize("rule", GET_ROWS)
def test_page_has_no_inline_script_or_style(client, auth, world, rule):
    _, _, values = TABLE[rule]
    auth.login(world.a.users[Role.SECRETARY])
    r = client.get(build(rule, values(world.a) if values else {}), follow_redirects=True)
    r.get_data()
    r.close()
    assert r.status_code == 200
    if not r.content_type.startswith("text/html"):
        return
    html = text(r)
    assert '<html lang="zh-CN">' in html
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not INLINE_STYLE.search(html), html[INLINE_STYLE.search(html).start() - 80:][:200]
    assert not INLINE_HANDLER.search(html), INLINE_HANDLER.search(html).group(0)


def test_times_show_in_beijing_time(app):
    from datetime import datetime

    from partyorg.templating import fmt_date

    with app.app_context():
        assert fmt_date(datetime(2026, 11, 30, 17, 5)) == "2026-12-01 01:05"  # stored UTC
        app.config["DISPLAY_UTC_OFFSET_HOURS"] = 0
        assert fmt_date(datetime(2026, 11, 30, 17, 5)) == "2026-11-30 17:05"
