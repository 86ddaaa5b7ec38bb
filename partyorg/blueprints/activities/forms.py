"""Forms for joint activities; choices of units and members come from the view."""

from flask_wtf.file import MultipleFileField
from wtforms import (
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)
from wtforms.widgets import HiddenInput

from ...forms import BaseForm, DateField, version_field
from ...models import ActivityKind, ActivityState

BLANK = ("", "—")


class DateRequired:
    """Like DataRequired, but keeps the format error when something unreadable was typed."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field):
        if field.data is None:
            raise StopValidation(None if field.process_errors else self.message)


class IdsField(SelectMultipleField):
    """Several record ids; whether they belong to this community is a domain rule (Chinese message)."""

    def __init__(self, label, **kw):
        super().__init__(label, coerce=int, validate_choice=False, **kw)

    def process_formdata(self, valuelist):
        try:
            self.data = [int(v) for v in valuelist if str(v).strip()]
        except ValueError:
            self.data = []
            raise ValueError("所选内容无效，请重新选择。") from None


class ActivityForm(BaseForm):
    kind = SelectField("活动类别", choices=[BLANK] + ActivityKind.choices(), validate_choice=False,
                       validators=[DataRequired("请选择活动类别。")])
    title = StringField("活动名称", validators=[DataRequired("请填写活动名称。"),
                                            Length(max=100, message="活动名称不能超过100个字。")])
    held_on = DateField("活动日期", validators=[DateRequired("请填写活动日期。")])
    start_time = TimeField("开始时间", validators=[InputRequired("请填写开始时间。")])
    end_time = TimeField("结束时间", validators=[InputRequired("请填写结束时间。")])
    place = StringField("活动地点", validators=[DataRequired("请填写活动地点。"),
                                            Length(max=100, message="活动地点不能超过100个字。")])
    unit_id = SelectField("主办单位", coerce=int, validate_choice=False, default=0)
    unit_ids = IdsField("协办单位", description="可多选；主办单位自动计入参加单位。")
    participant_ids = IdsField("参加党员", description="从本社区花名册中选择，可多选（按住Ctrl或在手机上点选）。")
    project_ids = IdsField("所实施的共建项目", description="可选；项目的承担单位须参加本活动。")
    other_count = IntegerField("其他参加人数", default=0,
                               validators=[Optional(), NumberRange(min=0, max=10000, message="其他参加人数应为0至10000人。")],
                               description="群众、单位职工等非本社区党员的人数。")
    hours = DecimalField("每人服务时长（小时）", places=1, default=0,
                         validators=[Optional(), NumberRange(min=0, max=24, message="服务时长应为0至24小时。")],
                         description="不超过活动时长；协管党员参加的，确认后计入其服务记录。")
    summary = TextAreaField("活动内容", validators=[Optional(), Length(max=5000, message="活动内容不能超过5000个字。")])


class ActivityEditForm(ActivityForm):
    version = version_field()


class VersionForm(BaseForm):
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ReturnForm(VersionForm):
    reason = TextAreaField("退回理由", validators=[DataRequired("退回须填写理由。"),
                                               Length(max=200, message="退回理由不能超过200个字。")])


class UploadForm(BaseForm):
    files = MultipleFileField("照片或PDF", description="JPG、PNG照片或PDF文件，每个不超过10 MB，每个活动最多20个。")


class ActivitySearchForm(BaseForm):
    class Meta:
        csrf = False

    kind = SelectField("活动类别", choices=[("", "全部类别")] + ActivityKind.choices(), validate_choice=False)
    state = SelectField("状态", choices=[("", "全部状态")] + ActivityState.choices(), validate_choice=False)
    unit = SelectField("单位", validate_choice=False)
    year = SelectField("年度", validate_choice=False)


class YearForm(BaseForm):
    class Meta:
        csrf = False

    year = SelectField("年度", validate_choice=False)
