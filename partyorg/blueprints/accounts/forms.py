from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from ...forms import BaseForm


class ChoiceField(SelectField):
    """A select whose errors for a value not offered (e.g. a forged POST) are in Chinese."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("请从列表中选择。") from None

    def pre_validate(self, form):
        if self.data not in [value for value, _label in self.choices or ()]:
            raise ValidationError("请从列表中选择。")


def _password_fields():
    return (
        PasswordField(
            "密码",
            validators=[DataRequired("请填写密码。"), Length(max=128, message="密码不能超过128个字符。")],
            description="至少10个字符，须同时包含字母和数字，不能包含用户名。",
        ),
        PasswordField("再次输入密码", validators=[EqualTo("password", "两次输入的密码不一致。")]),
    )


class AccountFilterForm(BaseForm):
    class Meta:
        csrf = False

    community = SelectField("社区", validators=[Optional()])


class AccountForm(BaseForm):
    username = StringField(
        "用户名",
        validators=[DataRequired("请填写用户名。"), Length(max=40, message="用户名不能超过40个字符。")],
        description="登录时使用，3至40位字母、数字、下划线、点或连字符。",
    )
    display_name = StringField("姓名", validators=[DataRequired("请填写姓名。"), Length(max=50, message="姓名不能超过50个字。")])
    role = ChoiceField("角色")
    community_id = ChoiceField("所属社区", coerce=int, description="社区党委书记账号须选择社区。")
    branch_id = ChoiceField("所属党支部", coerce=int, description="仅支部书记账号需要选择。")
    resident_unit_id = ChoiceField("所属驻区单位", coerce=int, description="仅驻区单位联络员账号需要选择。")
    password, confirm = _password_fields()
    submit = SubmitField("创建账号")


class AccountEditForm(BaseForm):
    display_name = StringField("姓名", validators=[DataRequired("请填写姓名。"), Length(max=50, message="姓名不能超过50个字。")])
    role = ChoiceField("角色")
    community_id = ChoiceField("所属社区", coerce=int, description="社区党委书记账号须选择社区。")
    branch_id = ChoiceField("所属党支部", coerce=int, description="仅支部书记账号需要选择。")
    resident_unit_id = ChoiceField("所属驻区单位", coerce=int, description="仅驻区单位联络员账号需要选择。")
    active = BooleanField("启用", description="停用后该账号不能登录；账号不会被删除，可随时重新启用。")
    version = HiddenField()
    submit = SubmitField("保存")


class PasswordResetForm(BaseForm):
    password, confirm = _password_fields()
    submit = SubmitField("重设密码")
