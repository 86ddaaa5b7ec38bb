"""Form pieces every blueprint uses: the base form (WTForms' own messages in Chinese), a date
field with a Chinese format message, reference selects and the hidden version field."""
import re
from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import DateField as WTFormsDateField
from wtforms import IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired
from wtforms.widgets import HiddenInput

#: The empty choice of an optional select: 0 for record ids, "" for codes.
BLANK_INT = (0, "—")
BLANK_STR = ("", "—")
DATE_MESSAGE = "请输入正确的日期，格式如 2026-11-27（日期格式应为 年-月-日）。"
STALE_VERSION = "缺少版本号，请刷新页面后重试。"


#: Control characters (C0, DEL, C1) other than tab and line breaks, and Unicode line separators.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(value):
    """Text typed or pasted into a one-line field: control characters dropped, line breaks and
    tabs become spaces (text pasted from Word or Excel often carries them)."""
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", value).replace("\r\n", " ").translate(_BREAKS)


_BREAKS = str.maketrans({"\r": " ", "\n": " ", "\t": " "})


def multi_line(value):
    """Text of a text area: control characters dropped, line breaks kept as \\n."""
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", value).replace("\r\n", "\n").replace("\r", "\n")


class BaseForm(FlaskForm):
    class Meta:
        locales = ("zh",)

        def bind_field(self, form, unbound_field, options):
            """Every text field of every form is cleaned of control characters before validation
            (passwords excepted: they are taken exactly as typed)."""
            cls = unbound_field.field_class
            if issubclass(cls, StringField) and not issubclass(cls, PasswordField):
                clean = multi_line if issubclass(cls, TextAreaField) else one_line
                options["filters"] = (clean, *options.get("filters", unbound_field.kwargs.get("filters", ())))
            return unbound_field.bind(form=form, **options)


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
