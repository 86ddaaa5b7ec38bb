"""Forms for branches, party groups and functional subtypes; choices come from the view."""

from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ...forms import BLANK_STR, BaseForm, DateField, ref_field, version_field
from ...models import AttachMode, BranchKind, OrgStatus


class BranchForm(BaseForm):
    name = StringField("支部名称", validators=[DataRequired("请填写支部名称。"), Length(max=100, message="支部名称不能超过100个字符。")])
    kind = SelectField("支部类型", choices=BranchKind.choices(), validate_choice=False)
    building_id = ref_field("所在楼栋", "楼宇党支部必填。")
    subtype = SelectField("功能型类别", validate_choice=False, description="功能型党支部必填；可在“功能型类别”页面增加本社区的类别。")
    mode = SelectField("组建模式", choices=[BLANK_STR] + AttachMode.choices(), validate_choice=False,
                       description="驻区组织党支部必填。")
    organisation_name = StringField("所属组织名称", validators=[Optional(), Length(max=100, message="组织名称不能超过100个字符。")],
                                    description="驻区组织党支部必填：市场、楼宇、商圈或协会的名称。")
    resident_unit_id = ref_field("关联驻区单位", "驻区组织党支部可选。")
    secretary_id = ref_field("支部书记", "可选，须为本社区在册党员。")
    founded_on = DateField("成立日期", validators=[Optional()])
    note = TextAreaField("备注", validators=[Optional(), Length(max=2000, message="备注不能超过2000个字符。")])


class BranchNewForm(BranchForm):
    unit_groups = BooleanField("为每个单元建立党小组", description="仅楼宇党支部：按所在楼栋的单元各建一个党小组（如“1单元党小组”）。")


class BranchEditForm(BranchForm):
    version = version_field()


class DissolveForm(BaseForm):
    dissolved_on = DateField("撤销日期", validators=[DataRequired("请填写撤销日期。")])


class GroupForm(BaseForm):
    name = StringField("党小组名称", validators=[DataRequired("请填写党小组名称。"), Length(max=50, message="党小组名称不能超过50个字符。")])
    stair_unit_id = ref_field("对应单元", "可选，须为本支部所在楼栋的单元。")
    leader_id = ref_field("党小组组长", "可选，须为本支部在册党员。")


class GroupEditForm(GroupForm):
    version = version_field()


class SubtypeForm(BaseForm):
    name = StringField("类别名称", validators=[DataRequired("请填写类别名称。"),
                                           Length(min=2, max=30, message="类别名称须为2至30个字符。")])


class BranchFilterForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField("名称", validators=[Optional(), Length(max=100)])
    kind = SelectField("类型", choices=[("", "全部")] + BranchKind.choices(), validate_choice=False)
    status = SelectField("状态", choices=[("", "全部")] + OrgStatus.choices(), validate_choice=False)
