"""The big party committee (大党委制): seats, their holders' terms, size limits, what runs out soon."""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    ChosenBy,
    CommitteeSeat,
    Member,
    MemberStatus,
    PartyCommittee,
    ResidentUnit,
    SeatPost,
    SeatTerm,
)
from . import audit
from .errors import DomainError, StaleEdit

#: How many days ahead terms and agreements that run out are listed.
EXPIRY_DAYS = 60
DEFAULT_MIN, DEFAULT_MAX = 5, 9

SEAT_FIELDS = ("post", "duty", "note")
TERM_FIELDS = (
    "member_id", "holder_name", "holder_org", "holder_post", "resident_unit_id", "chosen_by", "start_on", "end_on",
)
_POST_ORDER = {p: i for i, p in enumerate(SeatPost)}


def _ymd(day: date) -> str:
    return day.strftime("%Y-%m-%d")


def size_limits(community_id: int) -> tuple[int, int]:
    committee = db.session.scalar(select(PartyCommittee).where(PartyCommittee.community_id == community_id))
    if committee is None:
        return DEFAULT_MIN, DEFAULT_MAX
    return committee.min_size, committee.max_size


def seats(community_id: int) -> list[CommitteeSeat]:
    """Every seat of the community with its terms and holders, in the order of posts."""
    rows = db.session.scalars(
        select(CommitteeSeat)
        .where(CommitteeSeat.community_id == community_id)
        .options(
            selectinload(CommitteeSeat.terms).selectinload(SeatTerm.member),
            selectinload(CommitteeSeat.terms).selectinload(SeatTerm.resident_unit),
        )
    ).all()
    return sorted(rows, key=lambda s: (_POST_ORDER[s.post], s.id))


def size_on(community_id: int, day: date, exclude_seat_id: int | None = None) -> int:
    """How many seats have a holder on `day`."""
    query = (
        select(SeatTerm.seat_id)
        .join(CommitteeSeat)
        .where(CommitteeSeat.community_id == community_id, SeatTerm.start_on <= day, SeatTerm.end_on >= day)
    )
    if exclude_seat_id is not None:
        query = query.where(SeatTerm.seat_id != exclude_seat_id)
    return len(set(db.session.scalars(query)))


# --- checks ------------------------------------------------------------------------------

def _clean_term(community_id: int, data: dict) -> dict:
    out = {k: data.get(k) for k in TERM_FIELDS}
    for key in ("holder_name", "holder_org", "holder_post"):
        out[key] = (out[key] or "").strip()
    for key in ("member_id", "resident_unit_id"):
        out[key] = out[key] or None
    if not out["chosen_by"]:
        raise DomainError("请选择产生方式（选举或增补）。", "chosen_by")
    try:
        out["chosen_by"] = ChosenBy(out["chosen_by"])
    except ValueError:
        raise DomainError("请选择产生方式（选举或增补）。", "chosen_by") from None
    if out["start_on"] is None:
        raise DomainError("请填写任期开始日期。", "start_on")
    if out["end_on"] is None:
        raise DomainError("请填写任期结束日期。", "end_on")
    if out["end_on"] < out["start_on"]:
        raise DomainError("任期结束日期不能早于开始日期。", "end_on")
    return out


def _check_holder(community_id: int, data: dict) -> None:
    if data["member_id"] and data["holder_name"]:
        raise DomainError("请选择本社区党员，或填写外部人员姓名，二者只选其一。", "member_id")
    if data["member_id"]:
        member = db.session.get(Member, data["member_id"])
        if member is None or member.community_id != community_id or member.status != MemberStatus.ACTIVE:
            raise DomainError("请选择本社区在册的党员。", "member_id")
        data["holder_org"] = data["holder_post"] = ""
        return
    if not data["holder_name"]:
        raise DomainError("请选择任职的本社区党员，或填写外部人员的姓名、所在党组织和职务。", "member_id")
    if not data["holder_org"]:
        raise DomainError("外部人员请填写所在党组织。", "holder_org")


def _check_unit(community_id: int, post: SeatPost, data: dict, today: date) -> None:
    unit_id = data["resident_unit_id"]
    if not post.concurrent:
        if unit_id:
            raise DomainError("只有兼职副书记、兼职委员需要选择驻区单位。", "resident_unit_id")
        return
    if not unit_id:
        raise DomainError(f"{post.label}须选择其所在的驻区单位。", "resident_unit_id")
    unit = db.session.get(ResidentUnit, unit_id)
    if unit is None or unit.community_id != community_id:
        raise DomainError("请选择本社区的驻区单位。", "resident_unit_id")
    if not unit.agreement_in_force(today):
        if unit.agreement_start is None:
            why = "尚未签订共驻共建协议"
        elif unit.agreement_start > today:
            why = f"共驻共建协议自{_ymd(unit.agreement_start)}起才生效"
        else:
            why = f"共驻共建协议已于{_ymd(unit.agreement_end)}到期"
        raise DomainError(f"驻区单位“{unit.name}”{why}，不能担任兼职席位。请先签订或续签协议。", "resident_unit_id")


def _check_periods(community_id: int, seat: CommitteeSeat | None, post: SeatPost, data: dict) -> None:
    start, end = data["start_on"], data["end_on"]
    if seat is not None:
        for other in seat.terms:
            if other.start_on <= end and start <= other.end_on:
                raise DomainError(
                    f"该席位在{_ymd(other.start_on)}至{_ymd(other.end_on)}已由{other.holder}任职，同一席位的任期不能重叠。",
                    "start_on",
                )
    if post == SeatPost.SECRETARY:
        clash = db.session.scalars(
            select(SeatTerm)
            .join(CommitteeSeat)
            .where(
                CommitteeSeat.community_id == community_id,
                CommitteeSeat.post == SeatPost.SECRETARY,
                SeatTerm.start_on <= end,
                SeatTerm.end_on >= start,
            )
        ).first()
        if clash is not None and (seat is None or clash.seat_id != seat.id):
            raise DomainError(
                f"{clash.holder}在{_ymd(clash.start_on)}至{_ymd(clash.end_on)}任社区党委书记，同一时间只能有一位书记。",
                "start_on",
            )
    _, high = size_limits(community_id)
    filled = size_on(community_id, start, exclude_seat_id=seat.id if seat else None)
    if filled >= high:
        raise DomainError(
            f"{_ymd(start)}社区党委已有{filled}名委员，达到上限{high}人，不能再增加。"
            "如需调整，请先修改社区党委的人数上下限。"
        )


def _new_term(actor, seat: CommitteeSeat, data: dict) -> SeatTerm:
    term = SeatTerm(seat=seat, end_reason="", **data)
    db.session.add(term)
    audit.record_create(actor, term)
    return term


# --- actions ----------------------------------------------------------------------------

def create_seat(actor, community_id: int, data: dict, today: date) -> CommitteeSeat:
    """Set up a seat with its first holder's term."""
    try:
        post = SeatPost(data.get("post") or "")
    except ValueError:
        raise DomainError("请选择职务。", "post") from None
    duty = (data.get("duty") or "").strip()
    if len(duty) > 50:
        raise DomainError("分工不能超过50个字。", "duty")
    if post == SeatPost.SECRETARY and db.session.scalar(
        select(CommitteeSeat.id).where(
            CommitteeSeat.community_id == community_id, CommitteeSeat.post == SeatPost.SECRETARY
        )
    ):
        raise DomainError("本社区党委已设书记席位，同一时间只能有一位书记。请在书记席位下登记新一任书记。", "post")
    term_data = _clean_term(community_id, data)
    _check_holder(community_id, term_data)
    _check_unit(community_id, post, term_data, today)
    _check_periods(community_id, None, post, term_data)
    seat = CommitteeSeat(community_id=community_id, post=post, duty=duty, note=(data.get("note") or "").strip())
    db.session.add(seat)
    audit.record_create(actor, seat)
    _new_term(actor, seat, term_data)
    return seat


def add_term(actor, seat: CommitteeSeat, data: dict, today: date) -> SeatTerm:
    """Record the next holder of a seat."""
    term_data = _clean_term(seat.community_id, data)
    _check_holder(seat.community_id, term_data)
    _check_unit(seat.community_id, seat.post, term_data, today)
    _check_periods(seat.community_id, seat, seat.post, term_data)
    return _new_term(actor, seat, term_data)


def end_term(actor, term: SeatTerm, end_on: date | None, reason: str, expected_version: int | None) -> str | None:
    """End a term early; return a warning when the committee falls below its lower limit."""
    if expected_version is not None and term.version != expected_version:
        raise StaleEdit()
    if end_on is None:
        raise DomainError("请填写任期结束日期。", "end_on")
    if end_on < term.start_on:
        raise DomainError(f"结束日期不能早于任期开始日期（{_ymd(term.start_on)}）。", "end_on")
    if end_on > term.end_on:
        raise DomainError(
            f"结束日期不能晚于原定任期结束日期（{_ymd(term.end_on)}）。如需延续，请登记新一任任期。", "end_on"
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写结束原因，如辞职、调离、届满。", "end_reason")
    if len(reason) > 200:
        raise DomainError("结束原因不能超过200个字。", "end_reason")
    audit.apply_changes(actor, term, {"end_on": end_on, "end_reason": reason}, expected_version)
    community_id = term.seat.community_id
    low, _ = size_limits(community_id)
    after = size_on(community_id, end_on + timedelta(days=1))
    if after < low:
        return f"任期结束后社区党委只有{after}名委员，少于下限{low}人，请尽快增补。"
    return None


# --- what runs out soon -------------------------------------------------------------------

@dataclass
class Expiring:
    """Terms and co-building agreements that end within `days` days of `today`."""

    today: date
    days: int
    terms: list = field(default_factory=list)
    units: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.terms or self.units)

    def days_left(self, day: date) -> int:
        return (day - self.today).days


def expiring(community_id: int, today: date, days: int = EXPIRY_DAYS) -> Expiring:
    """Seats whose current term ends within `days` (no successor yet) and agreements that end within `days`."""
    limit = today + timedelta(days=days)
    terms = db.session.scalars(
        select(SeatTerm)
        .join(CommitteeSeat)
        .where(
            CommitteeSeat.community_id == community_id,
            SeatTerm.start_on <= today,
            SeatTerm.end_on >= today,
            SeatTerm.end_on <= limit,
        )
        .options(
            selectinload(SeatTerm.seat).selectinload(CommitteeSeat.terms),
            selectinload(SeatTerm.member),
            selectinload(SeatTerm.resident_unit),
        )
        .order_by(SeatTerm.end_on)
    ).all()
    terms = [t for t in terms if not any(o.start_on > t.end_on for o in t.seat.terms)]
    units = db.session.scalars(
        select(ResidentUnit)
        .where(
            ResidentUnit.community_id == community_id,
            ResidentUnit.agreement_end >= today,
            ResidentUnit.agreement_end <= limit,
        )
        .order_by(ResidentUnit.agreement_end, ResidentUnit.name)
    ).all()
    return Expiring(today=today, days=days, terms=list(terms), units=list(units))


def unit_terms(unit_id: int, today: date) -> list[SeatTerm]:
    """The terms in force today held for a resident unit (what its liaison may see)."""
    return list(
        db.session.scalars(
            select(SeatTerm)
            .where(SeatTerm.resident_unit_id == unit_id, SeatTerm.start_on <= today, SeatTerm.end_on >= today)
            .options(selectinload(SeatTerm.seat), selectinload(SeatTerm.member))
            .order_by(SeatTerm.start_on)
        )
    )
