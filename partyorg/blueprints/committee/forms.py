"""Forms for committee seats and co-building lists; choices come from the view, rules from the domain."""

from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ...forms import BaseForm, DateField, ref_field
from ...models import (
    ChosenBy,
    NeedStatus,
    ProjectStatus,
    ResourceKind,
    ResourceState,
    SeatPost,
)


def _text(label: str, limit: int, required: str | None = None, **kw) -> StringField:
    checks = [DataRequired(required)] if required else [Optional()]
    return StringField(label, validators=checks + [Length(max=limit, message=f"{label}不能超过{limit}个字。")], **kw)


def _note(label: str = "备注", limit: int = 2000) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=limit, message=f"{label}不能超过{limit}个字。")])


class TermForm(BaseForm):
    member_id = ref_field("任职党员（本社区）", "本社区党员任职时选择；驻区单位等外部人员请留空并填写下面三项。")
    holder_name = _text("外部人员姓名", 50)
    holder_org = _text("外部人员所在党组织", 100)
    holder_post = _text("外部人员党内职务", 50, description="如：党委书记、党总支书记。")
    resident_unit_id = ref_field("驻区单位", "兼职副书记、兼职委员必须选择，且其共驻共建协议须在有效期内。")
    chosen_by = SelectField("产生方式", choices=[("", "—")] + ChosenBy.choices(), validate_choice=False)
    start_on = DateField("任期开始日期")
    end_on = DateField("任期结束日期")


class SeatForm(TermForm):
    post = SelectField("职务", choices=[("", "—")] + SeatPost.choices(), validate_choice=False)
    duty = _text("分工", 50, description="如：组织委员、宣传委员，选填。")
    note = _note()

    # The post first: the holder's fields depend on it.
    _order = ("post", "duty")

    def __iter__(self):
        first = [self[name] for name in self._order]
        return iter(first + [f for f in super().__iter__() if f.name not in self._order])


class EndTermForm(BaseForm):
    end_on = DateField("结束日期")
    end_reason = _text("结束原因", 200, description="如：辞职、工作调动、届满。")
    version = HiddenField()


class AgreementForm(BaseForm):
    agreement_start = DateField("协议开始日期")
    agreement_end = DateField("协议终止日期")
    signed_on = DateField("签订日期")
    community_signatory = _text("社区方签字人", 50)
    unit_signatory = _text("单位方签字人", 50)
    content = _note("主要内容", 5000)
    scan = FileField("协议扫描件", description="PDF或照片（JPG、PNG），不超过10 MB；重新上传会替换原扫描件。")
    version = HiddenField()


class ResourceForm(BaseForm):
    resident_unit_id = ref_field("驻区单位")
    kind = SelectField("资源类型", choices=[("", "—")] + ResourceKind.choices(), validate_choice=False)
    description = _text("资源说明", 200, "请填写资源说明。")
    quantity = _text("数量/规模", 100, description="如：会议室1间可坐50人、志愿者20人、每年2万元。")
    note = _note()
    version = HiddenField()


class ResourceStaffForm(ResourceForm):
    state = SelectField("状态", choices=ResourceState.choices(), validate_choice=False)


class NeedForm(BaseForm):
    title = _text("需求名称", 100, "请填写需求名称。")
    description = _note("需求说明", 5000)
    status = SelectField("状态", choices=NeedStatus.choices(), validate_choice=False)
    version = HiddenField()


class ProjectForm(BaseForm):
    title = _text("项目名称", 100, "请填写项目名称。")
    resident_unit_id = ref_field("驻区单位")
    resource_id = ref_field("对接资源", "该单位已确认的资源。")
    need_id = ref_field("对接需求")
    status = SelectField("状态", choices=ProjectStatus.choices(), validate_choice=False)
    started_on = DateField("开始日期")
    finished_on = DateField("完成日期")
    note = _note()
    version = HiddenField()


class ResourceFilter(BaseForm):
    class Meta:
        csrf = False

    unit = SelectField("驻区单位", coerce=int, validate_choice=False, default=0)
    kind = SelectField("类型", choices=[("", "全部类型")] + ResourceKind.choices(), validate_choice=False)
    state = SelectField("状态", choices=[("", "全部状态")] + ResourceState.choices(), validate_choice=False)


class NeedFilter(BaseForm):
    class Meta:
        csrf = False

    status = SelectField("状态", choices=[("", "全部状态")] + NeedStatus.choices(), validate_choice=False)
    q = StringField("需求名称", validators=[Optional(), Length(max=100)])


class ProjectFilter(BaseForm):
    class Meta:
        csrf = False

    unit = SelectField("驻区单位", coerce=int, validate_choice=False, default=0)
    status = SelectField("状态", choices=[("", "全部状态")] + ProjectStatus.choices(), validate_choice=False)
