"""Counts for the home pages, each in one query per table."""
from sqlalchemy import func, select

from ..extensions import db
from ..models import Branch, Building, Community, Grid, Member, MemberStatus, OrgStatus, ResidentUnit


def _count_by_community(model, *where) -> dict[int, int]:
    stmt = select(model.community_id, func.count()).where(*where).group_by(model.community_id)
    return dict(db.session.execute(stmt).all())


def community_counts(community_id: int) -> dict[str, int]:
    def one(model, *where) -> int:
        return db.session.scalar(select(func.count()).select_from(model).where(model.community_id == community_id, *where))

    return {
        "members": one(Member, Member.status == MemberStatus.ACTIVE),
        "branches": one(Branch, Branch.status == OrgStatus.ACTIVE),
        "grids": one(Grid),
        "buildings": one(Building),
        "units": one(ResidentUnit),
    }


def district_overview() -> list[dict]:
    members = _count_by_community(Member, Member.status == MemberStatus.ACTIVE)
    branches = _count_by_community(Branch, Branch.status == OrgStatus.ACTIVE)
    units = _count_by_community(ResidentUnit)
    return [
        {"community": c, "members": members.get(c.id, 0), "branches": branches.get(c.id, 0), "units": units.get(c.id, 0)}
        for c in db.session.scalars(select(Community).order_by(Community.id))
    ]


def todo_counts(community_id: int, today) -> dict[str, int]:
    """Pending steps of the community's active members: overdue, and due within 7 days — one query."""
    from datetime import timedelta

    from sqlalchemy import case

    from ..models import StepState, SupervisionStep
    from .workflow import TODO_DAYS

    soon = today + timedelta(days=TODO_DAYS)
    overdue, due_soon = db.session.execute(
        select(
            func.count(case((SupervisionStep.due_on < today, 1))),
            func.count(case((SupervisionStep.due_on.between(today, soon), 1))),
        )
        .join(Member, Member.id == SupervisionStep.member_id)
        .where(
            SupervisionStep.community_id == community_id,
            SupervisionStep.state == StepState.PENDING,
            # Both counts lie within the week ahead: read only that range of the (community, state, due) index.
            SupervisionStep.due_on <= soon,
            # Implied by the step's community; stated so that PostgreSQL reads members by that index.
            Member.community_id == community_id,
            Member.status == MemberStatus.ACTIVE,
        )
    ).one()
    return {"overdue": overdue, "due_soon": due_soon}
