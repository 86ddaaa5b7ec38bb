from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ...domain import accounts
from ...extensions import db, limiter
from ..common import save
from . import bp
from .forms import LoginForm, PasswordForm

LOGIN_FAILED = "用户名或密码不正确。"


def safe_next(target: str | None) -> str:
    """Only a path on this site; anything else goes home."""
    if not target:
        return url_for("main.index")
    target = target.replace("\\", "/")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.index")
    return target


def _account_key() -> str:
    return "login-account:" + (request.form.get("username") or "").strip().lower()[:40]


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], error_message=LOGIN_FAILED)
@limiter.limit(_login_limit, methods=["POST"], key_func=_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.username.data, form.password.data)
        if user is not None:
            db.session.commit()
            login_user(user)
            return redirect(safe_next(request.args.get("next")))
        flash(LOGIN_FAILED, "danger")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        if save(form, lambda: accounts.change_own_password(current_user, form.current.data, form.password.data)):
            flash("密码已修改。", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)
