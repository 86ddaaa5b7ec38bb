"""The app's logs: plain text or one JSON object per line, and one access line per request.

What a line may say about a request is fixed here: the method, the endpoint, the path without its
query string, the status, the duration, the user's id and the remote address. Never a query string,
a form value, a cookie or a header: searches carry names and ID numbers, and forms carry phones.
"""
import json
import logging
import re
import time
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, g, has_request_context, request
from flask.logging import default_handler, wsgi_errors_stream

#: The logger of the access lines (a child of the app's logger, "partyorg").
ACCESS_LOGGER = "partyorg.access"
#: The request fields a record may carry, in the order a JSON line shows them.
REQUEST_FIELDS = ("method", "endpoint", "path", "status", "duration_ms", "user_id", "remote_addr")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")

#: Kept in the request's WSGI environ (`g` may outlive a request: tests keep one app context).
_STARTED = "partyorg.log_started"
_LOGGED = "partyorg.log_done"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request fields, any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # json.dumps escapes newlines, so a traceback stays on its line.
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestFields(logging.Filter):
    """Give a record made during a request the request's fields (those it does not carry already)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            for name, value in request_fields().items():
                if not hasattr(record, name):
                    setattr(record, name, value)
        return True


class StripQuery(logging.Filter):
    """Cut the query string out of the request lines of Werkzeug's development server."""

    QUERY = re.compile(r"\?[^\s\x1b\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self.QUERY.sub("", a) if isinstance(a, str) and " HTTP/" in a else a
                                for a in record.args)
        return True


def _user_id():
    """The logged-in user's id if the request loaded the user (never loads it: no query here)."""
    user = g.get("_login_user")
    state = sa.inspect(user, raiseerr=False) if user is not None else None
    return state.identity[0] if state is not None and state.identity else None


def request_fields() -> dict:
    return {
        "method": request.method,
        "endpoint": request.endpoint,
        "path": request.path,
        "user_id": _user_id(),
        "remote_addr": request.remote_addr,
    }


def init_app(app: Flask) -> None:
    """Set up the handler from the config and log one access line per request."""
    configure(app)

    # Registered before the extensions' hooks, so that the clock starts first.
    @app.before_request
    def start_clock():
        request.environ[_STARTED] = time.perf_counter()

    @app.after_request
    def log_response(response):
        _log_access(response.status_code)
        return response

    @app.teardown_request
    def log_unhandled(exc):
        # An exception that propagated (TESTING) skipped after_request.
        if exc is not None and not request.environ.get(_LOGGED):
            _log_access(500)


def configure(app: Flask) -> None:
    """Put one handler, text or JSON by LOG_FORMAT, on the app's logger at LOG_LEVEL (again: replaced)."""
    fmt = (app.config.get("LOG_FORMAT") or "text").strip().lower()
    if fmt not in FORMATS:
        raise RuntimeError(f"LOG_FORMAT 只能是 text 或 json (LOG_FORMAT must be text or json, not {fmt!r})")
    logger = app.logger
    logger.removeHandler(default_handler)
    for old in [h for h in logger.handlers if getattr(h, "partyorg", False)]:
        logger.removeHandler(old)
    handler = logging.StreamHandler(wsgi_errors_stream)
    handler.partyorg = True
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestFields())
    logger.addHandler(handler)
    logger.setLevel(app.config.get("LOG_LEVEL") or "INFO")
    werkzeug = logging.getLogger("werkzeug")
    if not any(isinstance(f, StripQuery) for f in werkzeug.filters):
        werkzeug.addFilter(StripQuery())


def installed_handler(app: Flask) -> logging.Handler:
    return next(h for h in app.logger.handlers if getattr(h, "partyorg", False))


def _log_access(status: int) -> None:
    request.environ[_LOGGED] = True
    logger = logging.getLogger(ACCESS_LOGGER)
    if not logger.isEnabledFor(logging.INFO):
        return
    started = request.environ.get(_STARTED)
    duration = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    fields = {**request_fields(), "status": status, "duration_ms": duration}
    logger.info("%s %s %s %s ms", fields["method"], fields["path"], status, duration, extra=fields)
