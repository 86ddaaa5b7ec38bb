from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ...forms import BaseForm


class LoginForm(BaseForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名。"), Length(max=40)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码。"), Length(max=128)])
    submit = SubmitField("登录")


class PasswordForm(BaseForm):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码。")])
    password = PasswordField("新密码", validators=[DataRequired("请输入新密码。")])
    confirm = PasswordField("再次输入新密码", validators=[EqualTo("password", "两次输入的新密码不一致。")])
    submit = SubmitField("修改密码")
