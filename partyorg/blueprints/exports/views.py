"""Excel downloads of the list pages (all rows the filters match) and the members import."""
import hashlib
import re
import secrets
import time
from datetime import date
from pathlib import Path

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required

from ... import permissions as perm
from ...domain import exports as rows_of
from ...domain import member_import as importer
from ...domain.errors import DomainError
from ...extensions import db
from ...models import Community
from ..common import xlsx_response
from . import bp
from .forms import ConfirmForm, ImportForm

#: The session key holding the pending import (token, community, file name, options, digest).
PENDING = "member_import"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
#: Uploaded files left unconfirmed are removed after this many seconds.
KEEP_SECONDS = 24 * 3600


def _download(community: Community, title: str, headers, rows):
    response = xlsx_response(f"{community.name}社区{title}-{date.today():%Y%m%d}.xlsx", headers, rows)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- list exports ------------------------------------------------------------------------

@bp.route("/c/<int:cid>/members/export.xlsx")
@login_required
def members(cid):
    forced_branch = perm.member_list_branch(current_user, cid)
    community = db.get_or_404(Community, cid)
    return _download(community, *rows_of.member_rows(current_user, cid, request.args, forced_branch))


def _simple_export(cid: int, allowed: bool, rows_fn):
    perm.require(allowed)
    community = db.get_or_404(Community, cid)
    return _download(community, *rows_fn(current_user, cid, request.args))


@bp.route("/c/<int:cid>/units/export.xlsx")
@login_required
def units(cid):
    return _simple_export(cid, perm.can_view_community(current_user, cid), rows_of.unit_rows)


@bp.route("/c/<int:cid>/branches/export.xlsx")
@login_required
def branches(cid):
    return _simple_export(cid, perm.can_view_community(current_user, cid), rows_of.branch_rows)


@bp.route("/c/<int:cid>/grids/export.xlsx")
@login_required
def grids(cid):
    return _simple_export(cid, perm.can_view_community(current_user, cid), rows_of.grid_rows)


@bp.route("/c/<int:cid>/buildings/export.xlsx")
@login_required
def buildings(cid):
    return _simple_export(cid, perm.can_view_community(current_user, cid), rows_of.building_rows)


@bp.route("/c/<int:cid>/accounts/export.xlsx")
@login_required
def accounts(cid):
    return _simple_export(cid, perm.can_manage_accounts(current_user, cid), rows_of.account_rows)


# --- members import ----------------------------------------------------------------------

def _import_dir() -> Path:
    path = Path(current_app.config.get("IMPORT_FOLDER") or Path(current_app.instance_path) / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _stored_path(token: str) -> Path:
    """The kept upload for `token`; only our own random tokens name a file."""
    if not isinstance(token, str) or not _TOKEN.match(token):
        raise ValueError("invalid import token")
    return _import_dir() / f"{token}.xlsx"


def _forget_old_files() -> None:
    limit = time.time() - KEEP_SECONDS
    for path in _import_dir().glob("*.xlsx"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def _drop_pending() -> None:
    pending = session.pop(PENDING, None)
    if pending and _TOKEN.match(str(pending.get("token", ""))):
        _stored_path(pending["token"]).unlink(missing_ok=True)


def _pending(cid: int, token: str | None) -> tuple[dict, bytes] | None:
    """The pending import of this community whose token the form sent back, with its file."""
    pending = session.get(PENDING)
    if not pending or pending.get("cid") != cid or not token or not secrets.compare_digest(str(pending.get("token")), token):
        return None
    path = _stored_path(pending["token"])
    if not path.exists():
        return None
    return pending, path.read_bytes()


def _render(community, form, preview=None, pending=None):
    confirm = None
    if preview is not None and preview.ok and pending:
        confirm = ConfirmForm(token=pending["token"])
    return render_template(
        "exports/import.html", community=community, form=form, preview=preview, pending=pending,
        confirm=confirm, labels=importer.ACTION_LABELS, field_labels=importer.members.FIELD_LABELS, required=importer.REQUIRED,
    )


@bp.route("/c/<int:cid>/members/import/template.xlsx")
@login_required
def import_template(cid):
    perm.require(perm.can_edit_member(current_user, cid))
    db.get_or_404(Community, cid)
    response = xlsx_response("党员信息导入模板.xlsx", importer.template_header_row(), [])
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/c/<int:cid>/members/import", methods=["GET", "POST"])
@login_required
def import_members(cid):
    perm.require(perm.can_edit_member(current_user, cid))
    community = db.get_or_404(Community, cid)
    form = ImportForm()
    if not form.validate_on_submit():
        return _render(community, form)
    upload = form.file.data
    try:
        data = upload.stream.read(importer.WEB_MAX_BYTES + 1)
    finally:
        upload.close()  # a large upload sits in a temporary file
    try:
        preview = importer.preview_file(current_user, cid, data, allow_update=form.update.data)
    except DomainError as err:
        form.file.errors = list(form.file.errors) + [err.message]
        db.session.rollback()
        return _render(community, form)
    db.session.rollback()  # the preview only read; make sure nothing lingers
    _drop_pending()
    _forget_old_files()
    token = secrets.token_hex(16)
    _stored_path(token).write_bytes(data)
    pending = {
        "token": token, "cid": cid, "name": (upload.filename or "")[-100:], "update": bool(form.update.data),
        "sha256": hashlib.sha256(data).hexdigest(), "digest": preview.digest(),
    }
    session[PENDING] = pending
    return _render(community, form, preview, pending)


@bp.route("/c/<int:cid>/members/import/confirm", methods=["POST"])
@login_required
def import_confirm(cid):
    perm.require(perm.can_edit_member(current_user, cid))
    community = db.get_or_404(Community, cid)
    confirm = ConfirmForm()
    found = _pending(cid, confirm.token.data) if confirm.validate_on_submit() else None
    if found is None:
        flash("导入文件已失效或不属于本次预览，未写入任何记录。请重新上传文件并预览。", "danger")
        return redirect(url_for("exports.import_members", cid=cid))
    pending, data = found
    # Check again: the records may have changed since the preview.
    try:
        preview = importer.preview_file(current_user, cid, data, allow_update=pending["update"])
    except DomainError as err:
        _drop_pending()
        flash(err.message, "danger")
        return redirect(url_for("exports.import_members", cid=cid))
    if not preview.ok or preview.digest() != pending["digest"]:
        db.session.rollback()
        pending["digest"] = preview.digest()
        session[PENDING] = pending
        flash("预览之后党员档案已有变化，未写入任何记录。请核对下面重新生成的预览后再确认。", "warning")
        return _render(community, ImportForm(formdata=None), preview, pending)
    try:
        counts = importer.apply(current_user, cid, preview, pending["name"], pending["sha256"])
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        flash(f"导入失败，未写入任何记录：{err.message}", "danger")
        return redirect(url_for("exports.import_members", cid=cid))
    _drop_pending()
    flash(f"导入完成：新增{counts['new']}人，更新{counts['update']}人，无变化{counts['unchanged']}人。", "success")
    return redirect(url_for("members.index", cid=cid))


@bp.route("/c/<int:cid>/members/import/problems.xlsx")
@login_required
def import_problems(cid):
    """The previewed file's rows that have problems, with a 问题 column, to fix and upload again."""
    perm.require(perm.can_edit_member(current_user, cid))
    community = db.get_or_404(Community, cid)
    found = _pending(cid, request.args.get("token"))
    if found is None:
        flash("导入文件已失效，请重新上传文件并预览。", "warning")
        return redirect(url_for("exports.import_members", cid=cid))
    pending, data = found
    try:
        title, headers, rows = importer.problem_rows(current_user, cid, data, pending["update"])
    except DomainError as err:
        flash(err.message, "danger")
        return redirect(url_for("exports.import_members", cid=cid))
    finally:
        db.session.rollback()
    return _download(community, title, headers, rows)

