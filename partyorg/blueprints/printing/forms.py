from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from ...domain.rosters import COLUMNS, DEFAULT_COLUMNS, SORTS
from ...forms import BaseForm
from ...models import Category


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RosterForm(BaseForm):
    """Which roster, in which order, with which columns (GET; the view fills the choices)."""

    class Meta:
        csrf = False

    # Ids are checked against the community by the domain (with a Chinese message), not by WTForms.
    branch = SelectField("党支部", validate_choice=False)
    group = SelectField("党小组", validate_choice=False)
    building = SelectField("楼栋", validate_choice=False)
    category = SelectField("党员类别", choices=[("", "全部")] + Category.choices(), validate_choice=False)
    sort = RadioField("排序", choices=list(SORTS.items()), default="name", validate_choice=False)
    columns = CheckboxesField("显示的列", choices=[(c.key, c.label) for c in COLUMNS],
                              default=list(DEFAULT_COLUMNS), validate_choice=False)
    unmasked = BooleanField("打印完整身份证号（将记录在操作日志中）")
