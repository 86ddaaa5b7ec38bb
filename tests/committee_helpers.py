"""Records of the big party committee and co-building for tests (the shared factories have none)."""
from datetime import date

from sqlalchemy import func, select

from partyorg.extensions import db
from partyorg.models import (
    AuditEntry,
    ChosenBy,
    CobuildingProject,
    CommitteeSeat,
    CommunityNeed,
    ProjectStatus,
    ResourceKind,
    ResourceState,
    SeatPost,
    SeatTerm,
    UnitResource,
)


def seat(side, post=SeatPost.MEMBER, start=date(2024, 1, 1), end=date(2028, 12, 31), unit=None, member=None,
         name="", org="", duty="") -> CommitteeSeat:
    """A seat with one term; a concurrent post gets the side's unit and an outside holder by default."""
    s = CommitteeSeat(community_id=side.community.id, post=post, duty=duty)
    db.session.add(s)
    db.session.flush()
    if post.concurrent:
        unit = unit or side.unit
        name = name or "赵兼职"
        org = org or "中学党总支"
    if not member and not name:
        member = side.member
    db.session.add(SeatTerm(
        seat_id=s.id, member_id=member.id if member else None, holder_name=name if not member else "",
        holder_org=org if not member else "", resident_unit_id=unit.id if unit else None,
        chosen_by=ChosenBy.ELECTED, start_on=start, end_on=end,
    ))
    db.session.commit()
    return s


def concurrent_seat(side) -> CommitteeSeat:
    """The side's unit holds a concurrent member seat (the liaison's own)."""
    existing = db.session.scalar(
        select(CommitteeSeat).where(
            CommitteeSeat.community_id == side.community.id, CommitteeSeat.post == SeatPost.CONCURRENT_MEMBER
        )
    )
    return existing or seat(side, SeatPost.CONCURRENT_MEMBER)


def current_term(side) -> SeatTerm:
    return concurrent_seat(side).terms[0]


def resource(side, state=ResourceState.PENDING, unit=None, description="会议室1间") -> UnitResource:
    r = UnitResource(
        community_id=side.community.id, resident_unit_id=(unit or side.unit).id, kind=ResourceKind.VENUE,
        description=description, quantity="50人", state=state,
    )
    db.session.add(r)
    db.session.commit()
    return r


def need(side, title="老旧小区夜间照明") -> CommunityNeed:
    n = CommunityNeed(community_id=side.community.id, title=title, description="3号楼一带路灯不足")
    db.session.add(n)
    db.session.commit()
    return n


def project(side, title="共建照明项目") -> CobuildingProject:
    p = CobuildingProject(
        community_id=side.community.id, resident_unit_id=side.unit.id, title=title, status=ProjectStatus.PREPARING,
    )
    db.session.add(p)
    db.session.commit()
    return p


def first_of(model, side, make):
    """The side's first record of `model`, made with `make(side)` when there is none."""
    obj = db.session.scalar(select(model).where(model.community_id == side.community.id).order_by(model.id))
    return obj or make(side)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audit_count() -> int:
    return count(AuditEntry)


def agreement_with_scan(side):
    """The side's unit gets an agreement record with a stored scanned copy (a small PDF)."""
    import atexit
    import io
    import shutil
    import tempfile

    from flask import current_app
    from werkzeug.datastructures import FileStorage

    from partyorg import uploads
    from partyorg.models import CobuildingAgreement

    if not current_app.config.get("UPLOAD_FOLDER"):
        folder = tempfile.mkdtemp(prefix="partyorg-cob-")
        atexit.register(shutil.rmtree, folder, True)
        current_app.config["UPLOAD_FOLDER"] = folder
    agreement = db.session.scalar(
        select(CobuildingAgreement).where(CobuildingAgreement.resident_unit_id == side.unit.id)
    )
    if agreement is None:
        stored = uploads.store_upload(FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="协议.pdf"))
        agreement = CobuildingAgreement(
            community_id=side.community.id, resident_unit_id=side.unit.id, community_signatory="王书记",
            unit_signatory="刘校长", scan_key=stored.key, scan_mime=stored.mime, scan_name=stored.original_name,
        )
        db.session.add(agreement)
        db.session.commit()
    return agreement


def url_args(side, **kinds) -> dict:
    """URL values for the committee blueprint's routes: sid, tid, rid, nid, pid made on demand."""
    values = {"cid": side.community.id}
    makers = {
        "sid": lambda: concurrent_seat(side).id,
        "tid": lambda: current_term(side).id,
        "rid": lambda: first_of(UnitResource, side, resource).id,
        "nid": lambda: first_of(CommunityNeed, side, need).id,
        "pid": lambda: first_of(CobuildingProject, side, project).id,
        "uid": lambda: side.unit.id,
        "scan": lambda: agreement_with_scan(side) and side.unit.id,
    }
    for key in kinds:
        if key == "scan":
            values["uid"] = makers["scan"]()
        else:
            values[key] = makers[key]()
    return values
