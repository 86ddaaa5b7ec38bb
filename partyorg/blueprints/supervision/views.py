"""To-do lists, step pages, category data and plan settings over `domain.workflow`."""
from datetime import date
from itertools import groupby

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ... import permissions as perm
from ...db_setup import writing
from ...domain import stats
from ...domain import workflow as wf
from ...domain.errors import DomainError
from ...extensions import db
from ...models import Category, Community, Member, MemberStatus, SupervisionStep, User
from ..auth.views import safe_next
from ..common import form_data, get_in_community, save
from . import bp
from .forms import (
    INFO_FORMS,
    CategoryChangeForm,
    CompleteStepForm,
    PlanSettingForm,
    WaiveStepForm,
)

GROUPINGS = {"responsible": "按责任人", "branch": "按党支部"}


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def refresh_once(community_id: int, today: date) -> None:
    """Create this period's recurring steps once per community and quarter in this process.

    Recurring instances are otherwise made when a plan opens or a step is done; only a new period
    needs this, so later page loads skip it. The `workflow-refresh` command does the same for all.
    """
    done = current_app.extensions.setdefault("partyorg_workflow_refreshed", set())
    key = (community_id, wf.period_key(wf.QUARTER, today))
    if key in done:
        return
    with writing(db.session):
        try:
            if wf.refresh_recurring(db.session, community_id, today):
                db.session.commit()
        except IntegrityError:
            db.session.rollback()  # another worker created them at the same moment
    done.add(key)


# --- the partial on the member page -------------------------------------------------------

def plan_context(member: Member, user: User, today: date) -> dict:
    """What templates/supervision/_plan.html needs: the member's steps and what `user` may do."""
    steps = wf.member_steps(member)
    return {
        "member": member,
        "steps": steps,
        "today": today,
        "actions": {s.id: wf.allowed_actions(s, user, today) for s in steps},
        "step_clock": {s.id: wf.due_text(s, today) for s in steps},
        "plan_may_edit": perm.can_edit_member(user, member.community_id) and member.status == MemberStatus.ACTIVE,
    }


# --- to-do lists ------------------------------------------------------------------------------

def _rows(pagination, by: str, today: date) -> list[tuple[str, list]]:
    """The page's steps grouped under their heading, each with its clock and buttons."""
    user = current_user._get_current_object()  # once, not through the proxy for every row
    rows = [
        {"step": s, "clock": wf.due_text(s, today), "responsible": wf.responsible_label(s),
         "actions": wf.allowed_actions(s, user, today), "group": wf.group_label(s, by)}
        for s in pagination.items
    ]
    return [(label, list(items)) for label, items in groupby(rows, key=lambda r: r["group"])]


def _grouping() -> str:
    by = request.args.get("by", "responsible")
    return by if by in GROUPINGS else "responsible"


@bp.route("/c/<int:cid>/todo")
@login_required
def todo(cid):
    perm.require(perm.can_view_todo(current_user, cid))
    community = db.get_or_404(Community, cid)
    today = date.today()
    refresh_once(cid, today)
    by = _grouping()
    pagination = db.paginate(wf.community_todo(cid, today, by), page=request.args.get("page", 1, type=int),
                             per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template(
        "supervision/todo.html", community=community, groups=_rows(pagination, by, today), pagination=pagination,
        by=by, groupings=GROUPINGS, counts=stats.todo_counts(cid, today), today=today, mine=False,
        show_all=False,
    )


@bp.route("/todo")
@login_required
def my_todo():
    perm.require(perm.can_work_steps(current_user, current_user.community_id))
    today = date.today()
    refresh_once(current_user.community_id, today)
    by = _grouping()
    show_all = request.args.get("all") == "1"
    pagination = db.paginate(wf.user_todo(current_user, None if show_all else today, by),
                             page=request.args.get("page", 1, type=int),
                             per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template(
        "supervision/todo.html", community=current_user.community, groups=_rows(pagination, by, today),
        pagination=pagination, by=by, groupings=GROUPINGS, counts=None, today=today, mine=True,
        show_all=show_all,
    )


# --- acting on a step ---------------------------------------------------------------------

def _load_step(cid: int, sid: int) -> SupervisionStep:
    perm.require(perm.can_work_steps(current_user, cid))
    step = get_in_community(SupervisionStep, sid, cid)
    perm.require(wf.in_scope(step, current_user))
    return step


def _back(cid: int) -> str:
    target = request.args.get("next")
    if target:
        return safe_next(target)
    if perm.can_view_todo(current_user, cid):
        return url_for("supervision.todo", cid=cid)
    return url_for("supervision.my_todo")


def _complete_form(step: SupervisionStep, bind: bool = True) -> CompleteStepForm:
    form = CompleteStepForm() if bind else CompleteStepForm(formdata=None)
    defn = wf.default_def(step.category, step.step_code)
    if not defn.needs_outcome:
        del form.outcome
    if not defn.needs_hours:
        del form.hours
    return form


def _render_step(step, complete_form, waive_form, status=200):
    today = date.today()
    if wf.not_started(step, today):
        idle_note = f"{wf.period_label(step.period_key)}尚未开始，开始后才能办理。"
    else:
        idle_note = "此步骤待办，但不在您的办理范围内。"
    return render_template(
        "supervision/step.html", idle_note=idle_note, step=step, member=step.member, complete_form=complete_form,
        waive_form=waive_form, actions=wf.allowed_actions(step, current_user, today),
        clock=wf.due_text(step, today), responsible=wf.responsible_label(step), back_url=_back(step.community_id),
        next_value=request.args.get("next", ""),
    ), status


@bp.route("/c/<int:cid>/steps/<int:sid>/complete", methods=["GET", "POST"])
@login_required
def complete(cid, sid):
    step = _load_step(cid, sid)
    form = _complete_form(step)
    waive_form = WaiveStepForm(formdata=None)
    waive_form.version.data = step.version
    if request.method == "GET":
        form.version.data = step.version
    if form.validate_on_submit():
        hours = getattr(form, "hours", None)

        def action():
            wf.apply(step, wf.COMPLETE, current_user, date.today(), note=form.note.data or "",
                     evidence=form.evidence.data or "",
                     outcome=form.outcome.data if form.outcome is not None else "",
                     hours=float(hours.data) if hours is not None and hours.data is not None else None,
                     expected_version=_int(form.version.data))

        if save(form, action):
            flash(f"已办理：{step.member.name} · {step.task}。", "success")
            return redirect(_back(cid))
        step = db.session.get(SupervisionStep, sid)  # the rollback expired it; show it as it is now
    return _render_step(step, form, waive_form)


@bp.route("/c/<int:cid>/steps/<int:sid>/waive", methods=["POST"])
@login_required
def waive(cid, sid):
    perm.require(perm.can_waive_steps(current_user, cid))
    step = _load_step(cid, sid)
    form = WaiveStepForm()
    if form.validate_on_submit():
        def action():
            wf.apply(step, wf.WAIVE, current_user, date.today(), reason=form.reason.data,
                     expected_version=_int(form.version.data))

        if save(form, action):
            flash(f"已免办：{step.member.name} · {step.task}。", "success")
            return redirect(_back(cid))
        step = db.session.get(SupervisionStep, sid)
    complete_form = _complete_form(step, bind=False)
    complete_form.version.data = step.version
    return _render_step(step, complete_form, form)


# --- category data and category change ------------------------------------------------------

def _info_form(member: Member, info, formdata=True):
    cls = INFO_FORMS.get(member.category)
    if cls is None:
        return None
    if formdata and request.method == "POST":
        return cls()
    form = cls(formdata=None, obj=info)
    if info is not None:
        form.version.data = info.version
        if isinstance(form, INFO_FORMS[Category.TAKEOVER]) and info.reason:
            form.reason.data = info.reason.value
    return form


def _render_category(member, info_form, change_form, status=200):
    info = wf.category_info(member)
    return render_template("supervision/category_info.html", member=member, form=info_form, info=info,
                           change_form=change_form), status


def _change_form(member: Member, formdata=False) -> CategoryChangeForm:
    form = CategoryChangeForm() if formdata else CategoryChangeForm(formdata=None)
    form.category.choices = [("", "—")] + [(c.value, c.label) for c in Category if c != member.category]
    if not formdata:
        form.version.data = member.version
    return form


@bp.route("/c/<int:cid>/members/<int:mid>/category-info", methods=["GET", "POST"])
@login_required
def category_info(cid, mid):
    perm.require(perm.can_edit_member(current_user, cid))
    member = get_in_community(Member, mid, cid)
    info = wf.category_info(member)
    form = _info_form(member, info)
    if form is not None and form.validate_on_submit():
        def action():
            wf.save_category_info(member, form_data(form, *form.names), current_user, date.today(),
                                  expected_version=_int(form.version.data))

        if save(form, action):
            flash(f"已保存{member.name}的{member.category.label}信息。", "success")
            return redirect(url_for("supervision.category_info", cid=cid, mid=mid))
    elif form is None and request.method == "POST":
        flash(f"{member.category.label}党员没有类别信息可填写。", "warning")
    return _render_category(member, form, _change_form(member))


@bp.route("/c/<int:cid>/members/<int:mid>/category", methods=["POST"])
@login_required
def change_category(cid, mid):
    perm.require(perm.can_edit_member(current_user, cid))
    member = get_in_community(Member, mid, cid)
    form = _change_form(member, formdata=True)
    if form.validate_on_submit():
        old = member.category

        def action():
            wf.change_category(member, form.category.data, current_user, date.today(), form.reason.data,
                               expected_version=_int(form.version.data))

        if save(form, action):
            flash(f"{member.name}的管理类别已由{old.label}变更为{member.category.label}：原计划已关闭，新计划已开启。",
                  "success")
            return redirect(url_for("supervision.category_info", cid=cid, mid=mid))
        member = db.session.get(Member, mid)
    return _render_category(member, _info_form(member, wf.category_info(member), formdata=False), form)


@bp.route("/c/<int:cid>/members/<int:mid>/plan/open", methods=["POST"])
@login_required
def open_plan(cid, mid):
    """Open the plan of a member who has none yet (records made before the workflow existed)."""
    perm.require(perm.can_edit_member(current_user, cid))
    member = get_in_community(Member, mid, cid)
    if save(None, lambda: wf.open_plan(member, current_user, date.today())):
        flash(f"已为{member.name}开启{member.category.label}管理计划。", "success")
    return redirect(safe_next(request.args.get("next")) if request.args.get("next")
                    else url_for("members.show", cid=cid, mid=mid))


# --- plan settings ---------------------------------------------------------------------------

def _row_key(category: Category, code: str) -> str:
    return f"{category.value}-{code}"


@bp.route("/c/<int:cid>/plan-settings", methods=["GET", "POST"])
@login_required
def plan_settings(cid):
    perm.require(perm.can_manage_community(current_user, cid))
    community = db.get_or_404(Community, cid)
    people = list(db.session.scalars(
        select(User).where(User.community_id == cid, User.active.is_(True), User.role.in_(wf.RESPONSIBLE_ROLES))
        .order_by(User.role, User.display_name)
    ))
    posted = request.form.get("row") if request.method == "POST" else None
    sections = []
    saved = None
    for category in Category:
        defaults = {d.code: d for d in wf.plan(category)}
        settings = wf.community_settings(cid, category)
        rows = []
        for defn in wf.effective_plan(cid, category):
            key = _row_key(category, defn.code)
            setting = settings.get(defn.code)
            form = PlanSettingForm(prefix=key, formdata=None if key != posted else request.form)
            default = defaults[defn.code]
            form.responsible_role.choices = [("", f"默认（{default.responsible_role.label}）")] + [
                (r.value, r.label) for r in wf.RESPONSIBLE_ROLES]
            form.responsible_user_id.choices = [(0, "—（按角色）")] + [
                (u.id, f"{u.display_name}（{u.role.label}）") for u in people]
            form.post.render_kw = {"placeholder": default.post}
            if default.recurring:
                del form.days
            else:
                form.days.render_kw = {"placeholder": str(default.limit.days)}
            if key != posted and setting is not None:
                form.post.data = setting.post
                form.responsible_role.data = setting.responsible_role.value if setting.responsible_role else ""
                form.responsible_user_id.data = setting.responsible_user_id or 0
                if form.days is not None:
                    form.days.data = setting.days
            if key == posted and form.validate():
                def action(category=category, defn=defn, form=form):
                    role = form.responsible_role.data or None
                    if role and role not in {r.value for r in wf.RESPONSIBLE_ROLES}:
                        raise DomainError("请选择有效的责任角色。", "responsible_role")
                    wf.set_plan_setting(
                        current_user, cid, category, defn.code, post=form.post.data or "",
                        responsible_role=role,
                        responsible_user_id=form.responsible_user_id.data or None,
                        days=form.days.data if form.days is not None else None,
                    )

                if save(form, action):
                    saved = (category, defn)
            rows.append({"key": key, "defn": defn, "default": default, "form": form,
                         "limit": wf.limit_text(defn, category), "changed": setting is not None})
        sections.append((category, rows))
    if saved:
        flash(f"已保存{saved[0].label} · {saved[1].task}的设置，此后新建的步骤按新设置执行。", "success")
        return redirect(url_for("supervision.plan_settings", cid=cid))
    if posted and not any(r["key"] == posted for _c, rows in sections for r in rows):
        abort(400)
    return render_template("supervision/plan_settings.html", community=community, sections=sections)

