"""Form pieces every blueprint uses: the base form (WTForms' own messages in Chinese), a date
field with a Chinese format message, reference selects and the hidden version field."""
from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import DateField as WTFormsDateField
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired
from wtforms.widgets import HiddenInput

#: The empty choice of an optional select: 0 for record ids, "" for codes.
BLANK_INT = (0, "—")
BLANK_STR = ("", "—")
DATE_MESSAGE = "请输入正确的日期，格式如 2026-11-27（日期格式应为 年-月-日）。"
STALE_VERSION = "缺少版本号，请刷新页面后重试。"


class BaseForm(FlaskForm):
    class Meta:
        locales = ("zh",)


class DateField(WTFormsDateField):
    """A date: blank is no date; a wrong one gets a Chinese message."""

    def process_formdata(self, valuelist):
        if not "".join(valuelist or []).strip():
            self.data = None
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip(), "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError(DATE_MESSAGE) from None


def ref_field(label: str, description: str = "") -> SelectField:
    """A select of a record id. Whether the record belongs to this community is a rule, checked
    in the domain with a Chinese message, so the choice itself is not validated here."""
    return SelectField(label, coerce=int, validate_choice=False, default=0, description=description)


def version_field() -> IntegerField:
    """The record's version, sent back with an edit so a stale save is refused."""
    return IntegerField(widget=HiddenInput(), validators=[InputRequired(STALE_VERSION)])
