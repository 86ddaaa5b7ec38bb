"""Jinja filters and the navigation every page shows."""
from datetime import date, datetime
from enum import Enum

from flask import Flask, request, url_for
from flask_login import current_user

from . import permissions as perm
from .domain.masking import mask_id_number, mask_phone
from .localtime import local_time
from .models import Role


def fmt_date(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return local_time(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def fmt_label(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return getattr(value, "label", value.value)
    return str(value)


def nav_items() -> list[tuple[str, str, str]]:
    """(label, url, endpoint prefix) for the current user's role."""
    if not current_user.is_authenticated:
        return []
    u = current_user
    items = [("首页", url_for("main.index"), "main.")]
    if u.role == Role.DISTRICT:
        items += [("社区", url_for("communities.index"), "communities."), ("账号", url_for("accounts.index"), "accounts.")]
        return items
    cid = u.community_id
    if u.role in (Role.SECRETARY, Role.STAFF):
        items += [
            ("社区概况", url_for("communities.show", cid=cid), "communities."),
            ("待办", url_for("supervision.todo", cid=cid), "supervision."),
            ("党员", url_for("members.index", cid=cid), "members."),
            ("党支部", url_for("org.branches", cid=cid), "org.branch"),
            ("网格", url_for("places.grids", cid=cid), "places.grid"),
            ("楼栋", url_for("places.buildings", cid=cid), "places.building"),
            ("驻区单位", url_for("units.index", cid=cid), "units."),
            ("大党委", url_for("committee.seats", cid=cid), "committee.seat"),
            ("共驻共建", url_for("committee.cobuilding", cid=cid), "committee.cobuilding"),
            ("联建活动", url_for("activities.index", cid=cid), "activities."),
            ("打印", url_for("printing.roster", cid=cid), "printing.roster"),
            ("打印任务", url_for("printing.jobs", cid=cid), "printing.job"),
        ]
        if perm.can_manage_accounts(u, cid):
            items.append(("账号", url_for("accounts.index", cid=cid), "accounts."))
    elif u.role == Role.BRANCH_SECRETARY and u.branch_id:
        items.append(("本支部", url_for("org.branch_show", cid=cid, bid=u.branch_id), "org.branch"))
        items.append(("我的待办", url_for("supervision.my_todo"), "supervision."))
        items.append(("本支部党员", url_for("members.index", cid=cid), "members."))
        items.append(("打印任务", url_for("printing.jobs", cid=cid), "printing.job"))
    elif u.role == Role.LIAISON and u.resident_unit_id:
        items.append(("联建活动", url_for("activities.index", cid=cid), "activities."))
        items.append(("本单位", url_for("units.show", cid=cid, uid=u.resident_unit_id), "units."))
        items.append(("共驻共建", url_for("committee.unit_show", cid=cid, uid=u.resident_unit_id), "committee."))
    return items


def url_with_args(endpoint: str, **values) -> str:
    """A URL keeping the current page's filters (not its page number); `values` win."""
    args = {k: v for k, v in request.args.items() if k != "page"}
    args.update(values)
    return url_for(endpoint, **args)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["ymd"] = fmt_date
    app.jinja_env.filters["label"] = fmt_label
    app.jinja_env.filters["mask_id"] = mask_id_number
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.globals["url_with_args"] = url_with_args

    @app.context_processor
    def inject():
        return {"nav_items": nav_items, "perm": perm, "current_endpoint": request.endpoint or ""}
