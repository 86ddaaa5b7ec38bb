from wtforms import IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from ...forms import BaseForm, DateField
from ...models import CommunityClass, CommunityKind

STALE_FORM = "表单缺少版本信息，请刷新页面后重试。"


class CommunityForm(BaseForm):
    name = StringField("社区名称", validators=[DataRequired("请填写社区名称。"), Length(max=50, message="社区名称不能超过50个字。")])
    kind = SelectField("社区类型", choices=CommunityKind.choices(), coerce=CommunityKind)
    grade = SelectField("社区类别", choices=CommunityClass.choices(), coerce=CommunityClass)
    address = StringField("地址", validators=[Optional(), Length(max=200, message="地址不能超过200个字。")])
    submit = SubmitField("保存")


class CommunityEditForm(CommunityForm):
    note = TextAreaField("备注", validators=[Optional(), Length(max=2000, message="备注不能超过2000个字。")])
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(STALE_FORM)])


class CommitteeForm(BaseForm):
    name = StringField("党委名称", validators=[DataRequired("请填写党委名称。"), Length(max=100, message="党委名称不能超过100个字。")])
    founded_on = DateField("成立日期", validators=[Optional()])
    term_start = DateField("本届开始日期", validators=[Optional()])
    term_end = DateField("本届结束日期", validators=[Optional()])
    min_size = IntegerField("委员最少人数", validators=[InputRequired("请填写委员最少人数。")])
    max_size = IntegerField("委员最多人数", validators=[InputRequired("请填写委员最多人数。")])
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(STALE_FORM)])
    submit = SubmitField("保存")
