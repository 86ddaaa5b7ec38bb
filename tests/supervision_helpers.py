"""Helpers for the supervision tests (and the permission table): steps to act on."""
from datetime import date

from sqlalchemy import select

from partyorg.domain import workflow as wf
from partyorg.extensions import db
from partyorg.models import Role, StepState, SupervisionStep


def pending_step(member, code: str):
    return db.session.scalar(
        select(SupervisionStep).where(
            SupervisionStep.member_id == member.id,
            SupervisionStep.step_code == code,
            SupervisionStep.state == StepState.PENDING,
        )
    )


def open_plan(side, member=None):
    """Open the plan of `member` (default: the side's direct member in the building branch) and commit."""
    member = member or side.member
    wf.open_plan(member, side.users[Role.STAFF], date.today())
    db.session.commit()
    return member


def step_id(side, code: str = "org_life") -> int:
    """A pending step of the side's direct member (this quarter's 组织生活 check: branch secretary's)."""
    step = pending_step(side.member, code)
    if step is None:
        open_plan(side)
        step = pending_step(side.member, code)
    return step.id
