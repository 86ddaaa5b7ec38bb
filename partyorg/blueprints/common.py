"""Helpers the blueprints share: loading scoped records, turning domain errors into form errors."""
from flask import abort, flash
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
