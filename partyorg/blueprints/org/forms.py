"""Forms for branches, party groups and functional subtypes; choices come from the view."""
from datetime import datetime

from ...forms import BaseForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from ...models import AttachMode, BranchKind, OrgStatus

BLANK_INT = (0, "—")
BLANK_STR = ("", "—")


class ChineseDateField(DateField):
    """A date field whose parse error is in Chinese."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip(), "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError("请输入正确的日期，例如 2026-11-27。") from None


def _ref(label: str, description: str = "") -> SelectField:
    # Choice membership is a rule (records of this community), checked in the domain with a Chinese message.
    return SelectField(label, coerce=int, validate_choice=False, default=0, description=description)


def _version() -> IntegerField:
    return IntegerField(widget=HiddenInput(), validators=[InputRequired("缺少版本号，请刷新页面后重试。")])


class BranchForm(BaseForm):
    name = StringField("支部名称", validators=[DataRequired("请填写支部名称。"), Length(max=100, message="支部名称不能超过100个字符。")])
    kind = SelectField("支部类型", choices=BranchKind.choices(), validate_choice=False)
    building_id = _ref("所在楼栋", "楼宇党支部必填。")
    subtype = SelectField("功能型类别", validate_choice=False, description="功能型党支部必填；可在“功能型类别”页面增加本社区的类别。")
    mode = SelectField("组建模式", choices=[BLANK_STR] + AttachMode.choices(), validate_choice=False,
                       description="驻区组织党支部必填。")
    organisation_name = StringField("所属组织名称", validators=[Optional(), Length(max=100, message="组织名称不能超过100个字符。")],
                                    description="驻区组织党支部必填：市场、楼宇、商圈或协会的名称。")
    resident_unit_id = _ref("关联驻区单位", "驻区组织党支部可选。")
    secretary_id = _ref("支部书记", "可选，须为本社区在册党员。")
    founded_on = ChineseDateField("成立日期", validators=[Optional()])
    note = TextAreaField("备注", validators=[Optional(), Length(max=2000, message="备注不能超过2000个字符。")])


class BranchNewForm(BranchForm):
    unit_groups = BooleanField("为每个单元建立党小组", description="仅楼宇党支部：按所在楼栋的单元各建一个党小组（如“1单元党小组”）。")


class BranchEditForm(BranchForm):
    version = _version()


class DissolveForm(BaseForm):
    dissolved_on = ChineseDateField("撤销日期", validators=[DataRequired("请填写撤销日期。")])


class GroupForm(BaseForm):
    name = StringField("党小组名称", validators=[DataRequired("请填写党小组名称。"), Length(max=50, message="党小组名称不能超过50个字符。")])
    stair_unit_id = _ref("对应单元", "可选，须为本支部所在楼栋的单元。")
    leader_id = _ref("党小组组长", "可选，须为本支部在册党员。")


class GroupEditForm(GroupForm):
    version = _version()


class SubtypeForm(BaseForm):
    name = StringField("类别名称", validators=[DataRequired("请填写类别名称。"),
                                           Length(min=2, max=30, message="类别名称须为2至30个字符。")])


class BranchFilterForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField("名称", validators=[Optional(), Length(max=100)])
    kind = SelectField("类型", choices=[("", "全部")] + BranchKind.choices(), validate_choice=False)
    status = SelectField("状态", choices=[("", "全部")] + OrgStatus.choices(), validate_choice=False)
