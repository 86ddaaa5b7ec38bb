"""Configuration classes selected by create_app(config=...)."""
import os


class Config:
    """Settings shared by every environment."""

    SQLALCHEMY_TRACK_MODIFICATIONS = False
    #: Statement parameters (ID numbers, phones) stay out of error messages and so out of the logs.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    #: WTForms' built-in Chinese messages (BaseForm.Meta.locales) instead of Flask-Babel.
    WTF_I18N_ENABLED = False
    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BTN_STYLE = "danger"
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    #: Login attempts allowed per account and per address.
    LOGIN_LIMIT = "10 per 5 minutes"
    PER_PAGE = 20
    #: Reverse proxies in front of the app (nginx: 1) whose X-Forwarded-For/-Proto/-Host are trusted.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0") or 0)
    #: Times are stored in UTC and shown in Beijing time (China keeps no daylight saving time).
    DISPLAY_UTC_OFFSET_HOURS = 8
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    #: "text" or "json" (one JSON object per line, for a log collector); see partyorg/logs.py.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")


class DevelopmentConfig(Config):
    """Local use: SQLite in the instance folder, a generated secret key."""

    DEBUG = False


class TestingConfig(Config):
    """Tests: a private in-memory database and no CSRF unless a test asks for it."""

    TESTING = True
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SECRET_KEY = "testing-secret-key"
    RATELIMIT_ENABLED = True
    #: No access line per request in the test output; tests/test_logs.py turns them on.
    LOG_LEVEL = "WARNING"


class ProductionConfig(Config):
    """Production: SECRET_KEY must come from the environment."""

    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
