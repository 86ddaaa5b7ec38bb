from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)
from wtforms.widgets import HiddenInput

from ...domain.places import MAX_NEW_STAIR_UNITS, PHONE_MESSAGE, PHONE_PATTERN
from ...forms import BaseForm

STALE_FORM = "表单缺少版本信息，请刷新页面后重试。"


class GridForm(BaseForm):
    name = StringField("网格名称", validators=[DataRequired("请填写网格名称。"), Length(max=50, message="网格名称不能超过50个字。")])
    area = StringField("范围", description="如：东至兰新路，西至雄关西路",
                       validators=[Optional(), Length(max=200, message="范围不能超过200个字。")])
    submit = SubmitField("保存")


class GridEditForm(GridForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(STALE_FORM)])


class OfficerForm(BaseForm):
    name = StringField("姓名", validators=[DataRequired("请填写信息员姓名。"), Length(max=50, message="姓名不能超过50个字。")])
    phone = StringField("联系电话", description="手机号或带区号的固定电话，如 0937-6221234",
                        validators=[Optional(), Length(max=20, message="电话不能超过20个字符。"),
                                    Regexp(PHONE_PATTERN, message=PHONE_MESSAGE)])
    submit = SubmitField("添加")


class BuildingForm(BaseForm):
    name = StringField("楼栋名称", validators=[DataRequired("请填写楼栋名称。"), Length(max=50, message="楼栋名称不能超过50个字。")])
    # Choices come from the community's grids; the domain checks the grid belongs to it.
    grid_id = SelectField("所属网格", coerce=int, validate_choice=False)
    address = StringField("地址", validators=[Optional(), Length(max=200, message="地址不能超过200个字。")])
    floors = IntegerField("层数", validators=[Optional(), NumberRange(1, 100, "层数应在1到100之间。")])
    submit = SubmitField("保存")


class BuildingEditForm(BuildingForm):
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired(STALE_FORM)])


class StairUnitsForm(BaseForm):
    count = IntegerField("按数量新增", description=f"填 N（1至{MAX_NEW_STAIR_UNITS}），新增“1单元”至“N单元”，已有的跳过",
                         validators=[Optional()])
    names = StringField("或按名称新增", description="多个名称用逗号或顿号分隔，如：东单元、西单元",
                        validators=[Optional(), Length(max=500, message="名称列表不能超过500个字。")])
    submit = SubmitField("新增单元")


class BuildingFilterForm(BaseForm):
    class Meta:
        csrf = False

    grid = SelectField("网格", coerce=int, default=0, validate_choice=False)
    q = StringField("楼栋名称", validators=[Optional(), Length(max=50)])
