"""Text typed or pasted into forms is cleaned of control characters before any rule sees it:
one-line fields turn line breaks and tabs into spaces, text areas keep their line breaks, and
passwords are taken exactly as typed."""
from sqlalchemy import select
from wtforms import PasswordField, StringField, TextAreaField

from partyorg.extensions import db
from partyorg.forms import BaseForm, multi_line, one_line
from partyorg.models import Community

from .test_communities import community_form, login


def test_one_line_fields_lose_breaks_and_control_characters():
    assert one_line("换行\n社区\x0b名\t称\r\n尾") == "换行 社区名 称 尾"
    assert one_line("\u2028a\x00b\x7f\x85c") == "abc"
    assert one_line(None) is None


def test_text_areas_keep_their_lines():
    assert multi_line("第一行\r\n第二行\r第三行\x0c\n") == "第一行\n第二行\n第三行\n"


def test_every_form_cleans_its_text_fields_but_not_passwords(app):
    class Sample(BaseForm):
        name = StringField()
        note = TextAreaField()
        password = PasswordField()

    from werkzeug.datastructures import MultiDict

    with app.test_request_context(method="POST"):
        form = Sample(formdata=MultiDict({"name": "王\n芳\x0b", "note": "一\r\n二\x00", "password": "pa\tss\x0b"}),
                      meta={"csrf": False})
    assert form.name.data == "王 芳" and form.note.data == "一\n二" and form.password.data == "pa\tss\x0b"


def test_a_pasted_line_break_does_not_reach_the_database(client, auth, world):
    login(auth, world.district)
    r = client.post("/communities/new", data=community_form(name="换行\n社区", address="祁连路\x0b8号"))
    assert r.status_code == 302
    c = db.session.scalar(select(Community).where(Community.name == "换行 社区"))
    assert c is not None and c.address == "祁连路8号"
    # The Excel export (whose file name carries the community name) works.
    assert client.get(f"/c/{c.id}/committee.xlsx").status_code == 200
