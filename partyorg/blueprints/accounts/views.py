from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import permissions as perm
from ...domain import accounts
from ...extensions import db
from ...models import Branch, Community, OrgStatus, ResidentUnit, Role, User
from ...forms import BLANK_INT
from ..common import save
from . import bp
from .forms import AccountEditForm, AccountFilterForm, AccountForm, PasswordResetForm



def _list_url(community_id: int | None = None) -> str:
    """Where the actor's account list is: the district's own, or his community's."""
    if current_user.role == Role.DISTRICT and community_id is None:
        return url_for("accounts.index")
    return url_for("accounts.index", cid=community_id or current_user.community_id)


def _grantable(community_scoped: bool) -> list[Role]:
    roles = list(perm.GRANTABLE.get(current_user.role, ()))
    if community_scoped:
        roles = [r for r in roles if r != Role.DISTRICT]  # district accounts belong to no community
    return roles


def _set_choices(form, roles: list[Role], community_id: int | None, current=None) -> None:
    """Offer only what the actor may give; drop the scope fields that cannot apply."""
    form.role.choices = [(r.value, r.label) for r in roles]
    if community_id is None:
        communities = db.session.scalars(select(Community).order_by(Community.name)).all()
        form.community_id.choices = [BLANK_INT] + [(c.id, c.name) for c in communities]
    else:
        del form.community_id
    if community_id is not None and Role.BRANCH_SECRETARY in roles:
        branches = db.session.scalars(
            select(Branch).where(Branch.community_id == community_id).order_by(Branch.name)
        ).all()
        keep = getattr(current, "branch_id", None)
        form.branch_id.choices = [BLANK_INT] + [
            (b.id, b.name) for b in branches if b.status == OrgStatus.ACTIVE or b.id == keep
        ]
    else:
        del form.branch_id
    if community_id is not None and Role.LIAISON in roles:
        units = db.session.scalars(
            select(ResidentUnit).where(ResidentUnit.community_id == community_id).order_by(ResidentUnit.name)
        ).all()
        form.resident_unit_id.choices = [BLANK_INT] + [(u.id, u.name) for u in units]
    else:
        del form.resident_unit_id


def _scope_data(form) -> dict:
    """The scope fields the form carries, 0 (the blank choice) as None."""
    out = {}
    for name in ("community_id", "branch_id", "resident_unit_id"):
        if name in form:
            out[name] = form[name].data or None
    return out


@bp.route("/accounts")
@bp.route("/c/<int:cid>/accounts")
@login_required
def index(cid=None):
    perm.require(perm.can_manage_accounts(current_user, cid))
    community = db.get_or_404(Community, cid) if cid is not None else None
    query = select(User)
    filter_form = None
    if community is None:
        filter_form = AccountFilterForm(request.args)
        communities = db.session.scalars(select(Community).order_by(Community.name)).all()
        filter_form.community.choices = [("", "全部")] + [(str(c.id), c.name) for c in communities]
        query = query.where(User.role.in_((Role.DISTRICT, Role.SECRETARY))).options(joinedload(User.community))
        chosen = request.args.get("community", type=int)
        if chosen:
            query = query.where(User.community_id == chosen)
        query = query.order_by(User.role, User.community_id, User.username)
    else:
        query = query.where(User.community_id == cid).options(
            joinedload(User.community), joinedload(User.branch), joinedload(User.resident_unit)
        )
        if current_user.role != Role.DISTRICT:
            # A secretary manages the accounts he may grant, not his peers'.
            query = query.where(User.role.in_(perm.GRANTABLE[current_user.role]))
        query = query.order_by(User.role, User.username)
    page = db.paginate(
        query,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
    )
    editable = {a.id for a in page.items if perm.can_edit_account(current_user, a)}
    return render_template(
        "accounts/index.html",
        community=community,
        page=page,
        filter_form=filter_form,
        editable=editable,
        filtered=bool(request.args.get("community")),
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
@bp.route("/c/<int:cid>/accounts/new", methods=["GET", "POST"])
@login_required
def new(cid=None):
    perm.require(perm.can_manage_accounts(current_user, cid))
    community = db.get_or_404(Community, cid) if cid is not None else None
    roles = _grantable(community_scoped=cid is not None)
    perm.require(bool(roles))
    form = AccountForm()
    _set_choices(form, roles, cid)
    if form.validate_on_submit():
        scope = _scope_data(form)
        if cid is not None:
            scope["community_id"] = cid
        created = {}

        def action():
            created["user"] = accounts.create_user(
                current_user,
                form.username.data,
                form.display_name.data,
                form.password.data,
                Role(form.role.data),
                scope.get("community_id"),
                scope.get("branch_id"),
                scope.get("resident_unit_id"),
            )

        if save(form, action):
            user = created["user"]
            flash(f"已创建账号“{user.username}”（{user.role.label}）。", "success")
            return redirect(_list_url(cid))
    return render_template("accounts/new.html", form=form, community=community, cancel_url=_list_url(cid))


def _load_editable(uid: int) -> User:
    account = db.get_or_404(User, uid)
    perm.require(perm.can_edit_account(current_user, account))
    return account


def _edit_form(account: User, fresh: bool = False) -> AccountEditForm:
    """The edit form; `fresh` fills it from the record even on a POST (the password form was sent)."""
    form = AccountEditForm(formdata=None, obj=account) if fresh else AccountEditForm(obj=account)
    scoped = current_user.role != Role.DISTRICT
    _set_choices(form, _grantable(scoped), account.community_id if scoped else None, current=account)
    if fresh or request.method == "GET":
        form.version.data = account.version
    for name in ("community_id", "branch_id", "resident_unit_id"):
        if name in form and form[name].data is None:
            form[name].data = 0
    return form


def _render_edit(account: User, form, password_form):
    return render_template(
        "accounts/edit.html",
        account=account,
        form=form,
        password_form=password_form,
        cancel_url=_list_url(None if current_user.role == Role.DISTRICT else account.community_id),
    )


@bp.route("/accounts/<int:uid>/edit", methods=["GET", "POST"])
@login_required
def edit(uid):
    account = _load_editable(uid)
    form = _edit_form(account)
    if form.validate_on_submit():
        data = {"display_name": form.display_name.data.strip(), "role": Role(form.role.data), "active": form.active.data}
        data |= _scope_data(form)
        try:
            version = int(form.version.data)
        except (TypeError, ValueError):
            version = -1
        if save(form, lambda: accounts.update_user(current_user, account, data, version)):
            flash(f"账号“{account.username}”已保存。", "success")
            return redirect(_list_url(None if current_user.role == Role.DISTRICT else account.community_id))
    return _render_edit(account, form, PasswordResetForm(formdata=None))


@bp.route("/accounts/<int:uid>/password", methods=["POST"])
@login_required
def password(uid):
    account = _load_editable(uid)
    password_form = PasswordResetForm()
    if password_form.validate_on_submit():
        if save(password_form, lambda: accounts.set_password(current_user, account, password_form.password.data)):
            flash(f"已为账号“{account.username}”重设密码，请当面告知本人并提醒其登录后修改。", "success")
            return redirect(url_for("accounts.edit", uid=account.id))
    return _render_edit(account, _edit_form(account, fresh=True), password_form)
