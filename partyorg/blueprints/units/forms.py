from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ...forms import BaseForm, DateField
from ...models import UnitKind


class UnitSearchForm(BaseForm):
    class Meta:
        csrf = False

    kind = SelectField("单位类型", choices=[("", "全部类型")] + UnitKind.choices(), validators=[Optional()])
    q = StringField("单位名称", validators=[Optional(), Length(max=100)])


class UnitForm(BaseForm):
    name = StringField("单位名称", validators=[DataRequired("请填写单位名称。"), Length(max=100, message="单位名称不能超过100个字。")])
    kind = SelectField("单位类型", choices=UnitKind.choices(), validators=[DataRequired("请选择单位类型。")])
    # Longer than the column: spaces and hyphens typed in are removed before saving.
    credit_code = StringField(
        "统一社会信用代码",
        validators=[Optional(), Length(max=30, message="统一社会信用代码应为18位。")],
        description="18位，选填；填写后将核对校验位。",
    )
    party_org_name = StringField("单位党组织名称", validators=[Optional(), Length(max=100, message="党组织名称不能超过100个字。")])
    address = StringField("地址", validators=[Optional(), Length(max=200, message="地址不能超过200个字。")])
    agreement_start = DateField("共驻共建协议开始日期", validators=[Optional()])
    agreement_end = DateField("共驻共建协议终止日期", validators=[Optional()])
    liaison_name = StringField("联络员姓名", validators=[Optional(), Length(max=50, message="联络员姓名不能超过50个字。")])
    liaison_phone = StringField(
        "联络员电话",
        validators=[Optional(), Length(max=20, message="联络员电话不能超过20位。")],
        description="手机号或固定电话，如0937-6221234。",
    )
    note = TextAreaField("备注", validators=[Optional(), Length(max=2000, message="备注不能超过2000个字。")])
    version = HiddenField()
    submit = SubmitField("保存")
