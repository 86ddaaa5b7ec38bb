"""Helpers for the member tests: valid ID numbers and a complete member form."""
from datetime import date
from itertools import count

from sqlalchemy import func, select

from partyorg.domain.idnumber import ric
from partyorg.extensions import db
from partyorg.models import AuditEntry, Member

_seq = count(101, 2)  # odd sequence numbers: male


def valid_id(birth: date = date(1970, 3, 8), male: bool = True, area: str = "620202") -> str:
    """A correct 18-digit number (calc_check_digit expects the number including a check place)."""
    sequence = next(_seq) + (0 if male else 1)
    body = f"{area}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def member_form(side, **over) -> dict:
    """Form data for a valid direct member living in the side's building, in its building branch."""
    data = {
        "name": "王建国",
        "gender": "male",
        "ethnicity": "汉族",
        "birth_date": "1970-03-08",
        "id_number": valid_id(date(1970, 3, 8)),
        "education": "大学本科",
        "member_type": "full",
        "joined_on": "1995-07-01",
        "full_on": "1996-07-01",
        "work_unit": "酒钢集团",
        "post": "工程师",
        "phone": "13909371234",
        "building_id": str(side.building.id),
        "stair_unit_id": str(side.stair_units[0].id),
        "room": "302",
        "branch_id": str(side.branch.id),
        "group_id": str(side.group.id),
        "category": "direct",
        "relation_here": "y",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def counts() -> tuple[int, int]:
    """(members, audit rows) — to show that refused input wrote nothing."""
    members = db.session.scalar(select(func.count()).select_from(Member))
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    return members, entries
