"""partyorg: party organisation management for a community party committee."""
import os
import secrets
from pathlib import Path

from flask import Flask

from config import CONFIGS


def create_app(config=None) -> Flask:
    """Build the app. `config` is a name from config.CONFIGS, a class, or a dict of overrides."""
    app = Flask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    load_config(app, config)
    register_proxy(app)
    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def load_config(app: Flask, config) -> None:
    overrides = {}
    if isinstance(config, dict):
        overrides = config
        config = None
    if config is None:
        config = os.environ.get("PARTYORG_ENV", "development")
    if isinstance(config, str):
        config = CONFIGS[config]
    app.config.from_object(config)
    app.config.update(overrides)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "partyorg.sqlite")
    if not app.config.get("SECRET_KEY"):
        if config.__name__ == "ProductionConfig":
            raise RuntimeError("生产环境必须设置环境变量 SECRET_KEY (SECRET_KEY is required in production)")
        app.config["SECRET_KEY"] = _instance_secret(app)


def _instance_secret(app: Flask) -> str:
    """Make (once) and read a random key kept in the instance folder for development."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def register_proxy(app: Flask) -> None:
    """Behind PROXY_COUNT trusted reverse proxies, take the client's address, scheme and host from
    their X-Forwarded-* headers (login throttling counts per client address). With no proxy the
    headers are ignored, so a client cannot forge its address."""
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def register_logging(app: Flask) -> None:
    from . import logs

    logs.init_app(app)


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (every table registered before the db binds)
    from .db_setup import configure_engine
    from .extensions import bootstrap, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "warning"

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(models.User, int(user_id))

    with app.app_context():
        configure_engine(db.engine)


def register_blueprints(app: Flask) -> None:
    from .blueprints import register_all

    register_all(app)


def register_errorhandlers(app: Flask) -> None:
    from flask import render_template
    from flask_wtf.csrf import CSRFError
    from sqlalchemy.exc import DataError

    from .extensions import db

    def render(code: int, title: str, message: str):
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(403)
    def forbidden(e):
        return render(403, "无权访问", "您的账号没有权限查看或修改此内容。")

    @app.errorhandler(404)
    def not_found(e):
        return render(404, "页面不存在", "您要找的页面或记录不存在。")

    @app.errorhandler(405)
    def not_allowed(e):
        return render(405, "请求方式不正确", "此页面不接受这种请求方式。")

    @app.errorhandler(413)
    def too_large(e):
        return render(413, "文件过大", "上传的内容超过了大小限制。")

    @app.errorhandler(429)
    def too_many(e):
        return render(429, "尝试次数过多", "尝试次数过多，请稍后再试。")

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return render(400, "请求已失效", "表单已过期或缺少安全令牌，请刷新页面后重试。")

    @app.errorhandler(OverflowError)
    def out_of_range(e):
        # A tampered number (page, filter or record id) too large for the database's integers.
        db.session.rollback()
        return render(400, "请求参数不正确", "请求中的数字超出了范围，请返回上一页后重试。")

    @app.errorhandler(DataError)
    def not_storable(e):
        # PostgreSQL refuses what SQLite stores or converts: an id or page beyond its integers,
        # a NUL character in text. The request was at fault; the SQL state only, never the values.
        db.session.rollback()
        app.logger.warning("request refused by the database: %s", getattr(e.orig, "sqlstate", None))
        return render(400, "请求参数不正确", "请求中的数字超出了范围或含有无效字符，您的修改没有保存。请返回上一页后重试。")

    @app.errorhandler(500)
    def server_error(e):
        db.session.rollback()
        return render(500, "系统错误", "系统出现错误，您的修改没有保存。请稍后重试。")


def register_security_headers(app: Flask) -> None:
    csp = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )

    @app.after_request
    def set_headers(response):
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def register_template_helpers(app: Flask) -> None:
    from . import templating

    templating.init_app(app)


def register_cli(app: Flask) -> None:
    from . import cli

    cli.init_app(app)
