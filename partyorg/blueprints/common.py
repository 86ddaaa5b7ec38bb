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


#: A cell starting with one of these could run as a formula in a spreadsheet (CSV/formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _xlsx_cell(value):
    from datetime import date, datetime
    from enum import Enum

    if value is None:
        return ""
    if isinstance(value, Enum):
        value = getattr(value, "label", value.value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float, date, datetime)):
        return value
    value = str(value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_response(filename: str, headers, rows):
    """An Excel download of one sheet: bold header row, then `rows`; text that looks like a formula is defused."""
    import io
    from datetime import date, datetime

    from flask import send_file
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append([_xlsx_cell(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [max(8, len(str(h)) * 2 + 2) for h in headers]
    for row in rows:
        values = [_xlsx_cell(v) for v in row]
        sheet.append(values)
        for i, v in enumerate(values[: len(widths)]):
            widths[i] = min(60, max(widths[i], len(str(v)) * 2 if isinstance(v, str) else 12))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return send_file(
        out,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=filename,
    )
