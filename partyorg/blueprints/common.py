"""Helpers the blueprints share: loading scoped records, turning domain errors into form errors, list pages."""
from flask import abort, current_app, flash, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..domain.errors import DomainError, StaleEdit
from ..extensions import db


def get_in_community(model, obj_id: int, cid: int):
    """Load a record of community `cid` or 404 (a record of another community is not found here)."""
    obj = db.session.get(model, obj_id)
    if obj is None or obj.community_id != cid:
        abort(404)
    return obj


def save(form, action) -> bool:
    """Run domain `action()`, commit once; on a DomainError put it on the form and roll back.

    Returns True when the change was committed.
    """
    try:
        action()
        db.session.commit()
        return True
    except StaleDataError:
        db.session.rollback()
        _attach(form, StaleEdit())
    except DomainError as err:
        db.session.rollback()
        _attach(form, err)
    except IntegrityError:
        # Two saves raced past the domain's checks; the database kept the first one.
        db.session.rollback()
        _attach(form, DomainError("保存失败：与刚刚保存的另一条记录重复或冲突。请刷新页面核对后重试。"))
    return False


def _attach(form, err: DomainError) -> None:
    field = getattr(form, err.field, None) if (form is not None and err.field) else None
    if field is not None:
        # WTForms may hand out a tuple once validation has run.
        field.errors = list(field.errors) + [err.message]
    else:
        flash(err.message, "danger")


def form_data(form, *names) -> dict:
    """The named fields' data, with surrounding blanks stripped from strings."""
    out = {}
    for name in names:
        value = getattr(form, name).data
        if isinstance(value, str):
            value = value.strip()
        out[name] = value
    return out


def xlsx_response(filename: str, headers, rows, title: str = "Sheet1"):
    """An Excel download of one sheet (partyorg.excel writes it: bold header, formula-like text defused)."""
    import io
    import unicodedata

    from flask import send_file

    from ..excel import XLSX_MIME, xlsx_bytes

    # The name carries stored text (a community's name): a line break in it would fail the header (500).
    filename = "".join(ch for ch in filename if unicodedata.category(ch)[0] != "C")
    return send_file(
        io.BytesIO(xlsx_bytes(title, headers, rows)), mimetype=XLSX_MIME, as_attachment=True, download_name=filename
    )


def form_version(form) -> int | None:
    """The version an edit form was opened at (None when missing or unreadable)."""
    try:
        return int(form.version.data)
    except (TypeError, ValueError, AttributeError):
        return None


def page_of(query):
    """The page of `query` that the request's `page` argument asks for (past the last page: an empty page, not 404)."""
    return db.paginate(
        query, page=request.args.get("page", 1, type=int), per_page=current_app.config["PER_PAGE"], error_out=False
    )


class ListFilters:
    """Narrow a list page's query by the filters in the request's arguments.

    `given` tells whether any filter was filled in, even with a value that matches no choice, so that
    an empty page can say "nothing matches" instead of "nothing here yet".
    """

    def __init__(self, query):
        self.query = query
        self.given = False

    def choice(self, name: str, column, enum_cls) -> "ListFilters":
        """Keep the rows whose `column` is the enum value in argument `name` (an unknown value keeps all)."""
        value = request.args.get(name, "")
        self.given = self.given or bool(value)
        if value in {member.value for member in enum_cls}:
            self.query = self.query.where(column == enum_cls(value))
        return self

    def record_id(self, name: str, column) -> "ListFilters":
        """Keep the rows whose `column` is the id in argument `name` (0, missing or not a number keeps all)."""
        value = request.args.get(name, 0, type=int)
        if value:
            self.given = True
            self.query = self.query.where(column == value)
        return self

    def text(self, name: str, column) -> "ListFilters":
        """Keep the rows whose `column` contains argument `name` (blanks stripped, at most 100 characters)."""
        value = (request.args.get(name) or "").strip()[:100]
        if value:
            self.given = True
            self.query = self.query.where(column.contains(value, autoescape=True))
        return self
