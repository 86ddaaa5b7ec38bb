from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import permissions as perm
from ...domain import communities
from ...extensions import db
from ...models import Community
from ...permissions import require
from ..common import form_data, save
from . import bp
from .forms import CommitteeForm, CommunityEditForm, CommunityForm


@bp.route("/communities")
@login_required
def index():
    require(perm.can_list_communities(current_user))
    page = db.paginate(
        select(Community).order_by(Community.id), page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PER_PAGE"], error_out=False,
    )
    counts = communities.list_counts([c.id for c in page.items])
    return render_template(
        "communities/index.html", page=page, counts=counts, can_create=perm.can_create_community(current_user)
    )


@bp.route("/communities/new", methods=["GET", "POST"])
@login_required
def new():
    require(perm.can_create_community(current_user))
    form = CommunityForm()
    if form.validate_on_submit():
        data = form_data(form, "name", "kind", "grade", "address")
        created = []
        if save(form, lambda: created.append(communities.create_community(current_user, **data))):
            flash(f"已新建社区“{created[0].name}”及其社区党委记录。", "success")
            return redirect(url_for(".show", cid=created[0].id))
    return render_template("communities/form.html", form=form, title="新建社区", cancel_url=url_for(".index"))


@bp.route("/c/<int:cid>")
@login_required
def show(cid):
    require(perm.can_view_community(current_user, cid))
    community = db.session.scalar(
        select(Community).where(Community.id == cid).options(selectinload(Community.committee))
    )
    if community is None:
        abort(404)
    return render_template(
        "communities/show.html",
        community=community,
        committee=community.committee,
        counts=communities.overview(cid),
        can_edit=perm.can_edit_community(current_user, cid),
        can_manage=perm.can_manage_community(current_user, cid),
    )


@bp.route("/c/<int:cid>/edit", methods=["GET", "POST"])
@login_required
def edit(cid):
    require(perm.can_edit_community(current_user, cid))
    community = db.get_or_404(Community, cid)
    form = CommunityEditForm(obj=community)
    if form.validate_on_submit():
        data = form_data(form, "name", "kind", "grade", "address", "note")
        if save(form, lambda: communities.update_community(current_user, community, data, form.version.data)):
            flash("社区信息已保存。", "success")
            return redirect(url_for(".show", cid=cid))
    return render_template(
        "communities/form.html", form=form, title=f"编辑社区：{community.name}", cancel_url=url_for(".show", cid=cid)
    )


@bp.route("/c/<int:cid>/committee/edit", methods=["GET", "POST"])
@login_required
def committee_edit(cid):
    require(perm.can_manage_community(current_user, cid))
    community = db.get_or_404(Community, cid)
    committee = community.committee
    if committee is None:
        abort(404)  # every community gets one when created; an old one without it has nothing to edit
    form = CommitteeForm(obj=committee)
    if form.validate_on_submit():
        data = form_data(form, "name", "founded_on", "term_start", "term_end", "min_size", "max_size")
        if save(form, lambda: communities.update_committee(current_user, committee, data, form.version.data)):
            flash("社区党委信息已保存。", "success")
            return redirect(url_for(".show", cid=cid))
    return render_template(
        "communities/form.html", form=form, title=f"编辑社区党委：{committee.name}",
        subtitle=f"委员人数上下限须在1至{communities.MAX_COMMITTEE_SIZE}人之间；届期结束须晚于开始。",
        cancel_url=url_for(".show", cid=cid),
    )
