"""Forms of the supervision pages: acting on a step, category data, category change, plan settings."""
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ...domain.workflow import OUTCOMES, TEXT_LIMITS
from ...forms import BaseForm, DateField
from ...models import AssistedInfo, Category, DualInfo, TakeoverInfo, TakeoverReason


class ChineseIntegerField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("请填写整数。") from None


class ChineseDecimalField(DecimalField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("请填写数字，如 2 或 1.5。") from None


def _text(label: str, limit: int, **kw) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=limit, message=f"{label}不能超过{limit}个字。")], **kw)


class CompleteStepForm(BaseForm):
    """办理: the view drops `outcome` and `hours` when the step does not ask for them."""

    version = HiddenField()
    outcome = SelectField("评价结果", choices=[("", "—")] + [(o, o) for o in OUTCOMES], validate_choice=False)
    hours = ChineseDecimalField("服务时长（小时）", places=1,
                         validators=[Optional()], render_kw={"inputmode": "decimal"})
    note = TextAreaField("办理情况", validators=[Length(max=1000, message="办理情况不能超过1000个字。")],
                         render_kw={"rows": 3})
    evidence = TextAreaField("佐证材料", description="如谈话记录编号、回执、会议记录的存放位置",
                             validators=[Length(max=500, message="佐证材料说明不能超过500个字。")],
                             render_kw={"rows": 2})


class WaiveStepForm(BaseForm):
    version = HiddenField()
    reason = StringField("免办理由", validators=[DataRequired("免办须填写理由。"),
                                             Length(max=200, message="免办理由不能超过200个字。")])


class DualInfoForm(BaseForm):
    version = HiddenField()
    former_employer = _text("原单位", TEXT_LIMITS[DualInfo]["former_employer"])
    former_party_org = _text("原单位党组织", TEXT_LIMITS[DualInfo]["former_party_org"])
    contact_person = _text("联系人", TEXT_LIMITS[DualInfo]["contact_person"])
    contact_phone = _text("联系电话", TEXT_LIMITS[DualInfo]["contact_phone"])

    names = ("former_employer", "former_party_org", "contact_person", "contact_phone")


class TakeoverInfoForm(BaseForm):
    version = HiddenField()
    reason = SelectField("接管原因", choices=[("", "—")] + TakeoverReason.choices(), validate_choice=False)
    origin_org = _text("原组织", TEXT_LIMITS[TakeoverInfo]["origin_org"], description="组织关系从哪里转来")
    letter_number = _text("介绍信编号", TEXT_LIMITS[TakeoverInfo]["letter_number"])
    letter_issuer = _text("介绍信开具单位", TEXT_LIMITS[TakeoverInfo]["letter_issuer"])
    letter_issued_on = DateField("介绍信开具日期", validators=[Optional()])
    letter_valid_days = ChineseIntegerField(
        "介绍信有效期（日）", description="市内一般10日，市外30日，最长90日",
        validators=[Optional(), NumberRange(min=1, max=90, message="介绍信有效期应为1至90日（最长3个月）。")],
    )
    letter_expiry_override = BooleanField("逾期受理（介绍信已过期仍予接收）")
    letter_override_reason = _text("逾期受理理由", TEXT_LIMITS[TakeoverInfo]["letter_override_reason"])

    names = ("reason", "origin_org", "letter_number", "letter_issuer", "letter_issued_on", "letter_valid_days",
              "letter_expiry_override", "letter_override_reason")


class AssistedInfoForm(BaseForm):
    version = HiddenField()
    employer = _text("工作单位", TEXT_LIMITS[AssistedInfo]["employer"])
    employer_party_org = _text("工作单位党组织", TEXT_LIMITS[AssistedInfo]["employer_party_org"])
    reported_on = DateField("到社区报到日期", validators=[Optional()])
    skills = _text("特长", TEXT_LIMITS[AssistedInfo]["skills"])
    service_preference = _text("服务意向", TEXT_LIMITS[AssistedInfo]["service_preference"])
    claimed_posts = TextAreaField("认领的服务岗位", description="每行一个岗位",
                                  validators=[Length(max=1000, message="认领的服务岗位不能超过1000个字。")],
                                  render_kw={"rows": 3})

    names = ("employer", "employer_party_org", "reported_on", "skills", "service_preference", "claimed_posts")


INFO_FORMS = {Category.DUAL: DualInfoForm, Category.TAKEOVER: TakeoverInfoForm, Category.ASSISTED: AssistedInfoForm}


class CategoryChangeForm(BaseForm):
    version = HiddenField()
    category = SelectField("新的管理类别", choices=[("", "—")] + Category.choices(), validate_choice=False,
                           validators=[DataRequired("请选择新的管理类别。")])
    reason = StringField("变更原因", description="如：已再就业，转为在职党员到社区报到",
                         validators=[DataRequired("请填写类别变更原因。"),
                                     Length(max=150, message="变更原因不能超过150个字。")])


class PlanSettingForm(BaseForm):
    """One step of one category's plan; the view sets the person choices and placeholders."""

    post = _text("岗位", 50)
    responsible_role = SelectField("责任角色", choices=[], validate_choice=False)
    responsible_user_id = SelectField("责任人", coerce=int, choices=[], validate_choice=False)
    days = ChineseIntegerField("时限（日）", validators=[
        Optional(), NumberRange(min=0, max=365, message="时限天数应在0到365日之间。")])
