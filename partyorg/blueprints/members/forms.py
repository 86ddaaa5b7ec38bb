from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, Optional, StopValidation

from ...domain.members import LEAVING_STATUSES
from ...forms import BaseForm, DateField
from ...models import EDUCATION_CHOICES, Category, Gender, MemberStatus, MemberType


class DateRequired:
    """Like DataRequired, but keeps the format error when something unreadable was typed."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if field.data is None:
            if field.process_errors:
                raise StopValidation()
            raise StopValidation(self.message)


class MemberForm(BaseForm):
    """The member record; reference choices are set by the view from the community's records."""

    name = StringField("姓名", validators=[DataRequired("请填写姓名。"), Length(max=50, message="姓名不能超过50个字符。")])
    gender = SelectField("性别", choices=Gender.choices())
    ethnicity = StringField("民族", default="汉族",
                            validators=[DataRequired("请填写民族。"), Length(max=20, message="民族不能超过20个字符。")])
    birth_date = DateField("出生日期", validators=[DateRequired("请填写出生日期。")])
    id_number = StringField("公民身份号码", validators=[DataRequired("请填写公民身份号码。"),
                                                  Length(max=24, message="身份证号码应为18位（旧证为15位）。")])
    education = SelectField("学历", choices=[("", "—")] + [(e, e) for e in EDUCATION_CHOICES])
    member_type = SelectField("党员类型", choices=MemberType.choices())
    joined_on = DateField("入党日期", validators=[DateRequired("请填写入党日期。")])
    full_on = DateField("转正日期", validators=[Optional()], description="预备党员不填。")
    work_unit = StringField("工作单位", validators=[Length(max=100, message="工作单位不能超过100个字符。")])
    post = StringField("职务", validators=[Length(max=50, message="职务不能超过50个字符。")])
    phone = StringField("联系电话", validators=[Length(max=20, message="联系电话不能超过20个字符。")],
                        description="11位手机号码，或带区号的固定电话，如 0937-6221234。")
    building_id = SelectField("楼栋", coerce=int)
    stair_unit_id = SelectField("单元", coerce=int, description="须是所选楼栋的单元。")
    room = StringField("房号", validators=[Length(max=20, message="房号不能超过20个字符。")])
    branch_id = SelectField("所在党支部", coerce=int)
    group_id = SelectField("所在党小组", coerce=int, description="须是所选党支部的党小组。")
    category = SelectField("管理类别", choices=Category.choices())
    relation_here = BooleanField("正式组织关系在本社区", default=True,
                                 description="直管、接管党员总在本社区；协管党员不在本社区。")
    version = HiddenField()
    submit = SubmitField("保存")


class StatusForm(BaseForm):
    """Leaving active supervision: transferred out, deceased, left the party, other."""

    status = SelectField("变更为", choices=[(s.value, s.label) for s in LEAVING_STATUSES])
    status_on = DateField("日期", validators=[DateRequired("请填写变更日期。")])
    status_reason = StringField(
        "原因", validators=[DataRequired("请填写变更原因。"), Length(max=200, message="原因不能超过200个字符。")],
        description="转出时填写介绍信编号和转往单位。",
    )
    version = HiddenField()
    submit = SubmitField("确认变更")


class FilterForm(BaseForm):
    """The GET form above the member list (choices set by the view)."""

    class Meta:
        csrf = False

    q = StringField("姓名")
    category = SelectField("管理类别", choices=[("", "全部")] + Category.choices())
    branch = SelectField("党支部")
    group = SelectField("党小组")
    building = SelectField("楼栋")
    type = SelectField("党员类型", choices=[("", "全部")] + MemberType.choices())
    overdue = SelectField("管理步骤", choices=[("", "全部"), ("1", "有逾期步骤")])
    status = SelectField("状态", default=MemberStatus.ACTIVE.value,
                         choices=[("all", "全部")] + MemberStatus.choices())
