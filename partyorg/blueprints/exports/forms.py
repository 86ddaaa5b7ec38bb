from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SubmitField

from ...forms import BaseForm


class ImportForm(BaseForm):
    """Upload a filled-in template; nothing is written until the preview is confirmed."""

    file = FileField("Excel文件（.xlsx）", validators=[FileRequired("请选择要导入的Excel文件。")],
                     description="使用导入模板的表头，列的顺序不限；每次最多2000行、5 MB。")
    update = BooleanField("更新已有党员", description="勾选后，已登记党员的信息按表格更新（空白单元格不会清除原有信息）；"
                                                  "不勾选时，与档案不同的行列为问题。")
    submit = SubmitField("上传并预览")


class ConfirmForm(BaseForm):
    token = HiddenField()
    submit = SubmitField("确认导入")
