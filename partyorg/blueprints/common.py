"""Helpers the blueprints share: loading scoped records, turning domain errors into form errors."""
from flask import abort, flash
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

    from flask import send_file

    from ..excel import XLSX_MIME, xlsx_bytes

    return send_file(
        io.BytesIO(xlsx_bytes(title, headers, rows)), mimetype=XLSX_MIME, as_attachment=True, download_name=filename
    )


def form_version(form) -> int | None:
    """The version an edit form was opened at (None when missing or unreadable)."""
    try:
        return int(form.version.data)
    except (TypeError, ValueError, AttributeError):
        return None
