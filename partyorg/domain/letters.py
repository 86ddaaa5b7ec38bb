"""Printouts about the big party committee and in-service (协管) members, as plain data.

The committee's composition (委员名单), the report-in roster (在职党员到社区报到花名册), the report
slip receipt (报到回执) and the yearly feedback letter (反馈函) to the employer's party organisation.
Like `rosters`, everything handed to a template is strings, numbers and dates, masked where needed.
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    ActivityState,
    AssistedInfo,
    Category,
    Community,
    JointActivity,
    Member,
    MemberStatus,
    PartyCommittee,
    StepState,
    SupervisionStep,
    joint_activity_participant,
)
from . import committee as committee_rules
from .errors import DomainError
from .masking import mask_phone

#: Years a feedback letter may be asked for start here; later ones end with the current year.
FIRST_YEAR = 2000


def cn_date(day: date | None) -> str:
    """A date as printed in letters: 2026年11月30日."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _ymd(day: date | None) -> str:
    return day.strftime("%Y-%m-%d") if day else ""


def _hours(value: float | None) -> str:
    return f"{value or 0:g}"


def committee_name(community: Community) -> str:
    committee = db.session.scalar(select(PartyCommittee).where(PartyCommittee.community_id == community.id))
    return committee.name if committee and committee.name else f"{community.name}社区党委"


def claimed_posts(info: AssistedInfo | None) -> list[str]:
    if info is None:
        return []
    return [p.strip() for p in info.claimed_posts.splitlines() if p.strip()]


# --- the big party committee (委员名单) ---------------------------------------------------------

def build_committee(community: Community, today: date | None = None) -> dict:
    """The seats with their holders on `today`, and every other term as the seats' history."""
    today = today or date.today()
    seats = committee_rules.seats(community.id)
    low, high = committee_rules.size_limits(community.id)
    rows, history = [], []
    for n, seat in enumerate(seats, start=1):
        term = seat.term_on(today)
        if term is None:
            rows.append((str(n), seat.post.label, seat.duty, "（空缺）", "", "", "", ""))
        else:
            if term.member is not None:
                branch = term.member.branch
                org = "本社区党员" + (f"，{branch.name}" if branch else "")
            else:
                org = " ".join(p for p in (term.holder_org, term.holder_post) if p)
            rows.append((
                str(n), seat.post.label, seat.duty, term.holder, org,
                term.resident_unit.name if term.resident_unit else "",
                term.chosen_by.label, f"{_ymd(term.start_on)} 至 {_ymd(term.end_on)}",
            ))
        for other in seat.terms:
            if other is not term:
                state = "已结束" if other.end_on < today else "未开始"
                history.append((
                    seat.post.label, other.holder, f"{_ymd(other.start_on)} 至 {_ymd(other.end_on)}",
                    other.resident_unit.name if other.resident_unit else "",
                    other.end_reason or state,
                ))
    history.sort(key=lambda h: (h[2], h[0]))
    return {
        "community_name": f"{community.name}社区", "title": f"{committee_name(community)}委员名单",
        "printed_on": today, "landscape": False, "dense": False,
        "columns": [("序号", 5), ("职务", 11), ("分工", 14), ("姓名", 9), ("所在党组织及职务", 21),
                    ("驻区单位", 15), ("产生方式", 9), ("任期", 25)],
        "rows": rows, "size": sum(1 for r in rows if r[3] != "（空缺）"), "low": low, "high": high,
        "history_columns": [("职务", 14), ("姓名", 14), ("任期", 26), ("驻区单位", 22), ("结束原因", 24)],
        "history": history,
    }


# --- the report-in roster (在职党员到社区报到花名册) -----------------------------------------------

def build_report_in(community: Community, *, show_phones: bool, today: date | None = None) -> dict:
    """Active assisted members with employer, report-in date, claimed posts; phones masked unless allowed."""
    today = today or date.today()
    members = list(db.session.scalars(
        select(Member)
        .where(Member.community_id == community.id, Member.status == MemberStatus.ACTIVE,
               Member.category == Category.ASSISTED)
        .options(selectinload(Member.branch))
    ))
    infos = {
        i.member_id: i for i in db.session.scalars(
            select(AssistedInfo).where(AssistedInfo.member_id.in_([m.id for m in members]))
        )
    } if members else {}
    far = date.max

    def key(m):
        info = infos.get(m.id)
        return (info.reported_on if info and info.reported_on else far, m.name, m.id)

    rows = []
    for n, m in enumerate(sorted(members, key=key), start=1):
        info = infos.get(m.id)
        rows.append((
            str(n), m.name, m.gender.label,
            info.employer if info else "", info.employer_party_org if info else "",
            _ymd(info.reported_on) if info and info.reported_on else "未登记",
            "；".join(claimed_posts(info)), m.branch.name if m.branch else "",
            m.phone if show_phones else mask_phone(m.phone),
        ))
    return {
        "community_name": f"{community.name}社区", "title": "在职党员到社区报到花名册",
        "printed_on": today, "landscape": True, "dense": False,
        "columns": [("序号", 4), ("姓名", 8), ("性别", 4), ("工作单位", 17), ("单位党组织", 17),
                    ("报到日期", 9), ("认领服务岗位", 18), ("服务支部", 12), ("联系电话", 11)],
        "rows": rows, "masked_phones": not show_phones,
    }


# --- one assisted member: the receipt and the feedback letter ------------------------------------

def assisted_info(member: Member) -> AssistedInfo:
    """The member's report-in record; refuse members who are not assisted or have not reported in."""
    if member.category != Category.ASSISTED:
        raise DomainError(f"{member.name}是{member.category.label}党员，不是到社区报到的在职（协管）党员，"
                          "没有报到回执和反馈函。")
    info = db.session.scalar(select(AssistedInfo).where(AssistedInfo.member_id == member.id))
    if info is None or info.reported_on is None or not info.employer:
        raise DomainError(f"{member.name}的报到信息（工作单位、报到日期）尚未登记，请先在党员页面填写类别信息。")
    return info


def _recipient(info: AssistedInfo) -> str:
    return info.employer_party_org or f"{info.employer}党组织"


def build_receipt(member: Member, today: date | None = None) -> dict:
    """The report slip receipt (报到回执) the community returns to the member's employer."""
    today = today or date.today()
    info = assisted_info(member)
    community = member.community
    return {
        "community_name": f"{community.name}社区", "committee_name": committee_name(community),
        "title": "在职党员到社区报到回执", "recipient": _recipient(info),
        "name": member.name, "gender": member.gender.label, "employer": info.employer,
        "employer_party_org": info.employer_party_org, "reported_on": cn_date(info.reported_on),
        "posts": claimed_posts(info), "branch": member.branch.name if member.branch else "",
        "skills": info.skills, "dated": cn_date(today),
    }


def parse_year(value, member: Member | None = None, today: date | None = None) -> int:
    """The letter's year from text: a whole year between 2000 (or the report-in year) and this year."""
    today = today or date.today()
    text = str(value if value is not None else "").strip()
    if not text:
        return today.year
    if not (text.isascii() and text.isdigit()):
        raise DomainError(f"年份“{text[:20]}”不正确，请填写四位数字的年份，如{today.year}。", "year")
    year = int(text)
    if not FIRST_YEAR <= year <= today.year:
        raise DomainError(f"年份应在{FIRST_YEAR}年至{today.year}年之间。", "year")
    if member is not None:
        info = db.session.scalar(select(AssistedInfo).where(AssistedInfo.member_id == member.id))
        if info and info.reported_on and year < info.reported_on.year:
            raise DomainError(
                f"{member.name}于{cn_date(info.reported_on)}到社区报到，不能为{year}年出具反馈函。", "year")
    return year


@dataclass
class ServiceRecord:
    day: date
    content: str
    hours: float


@dataclass
class FeedbackLetter:
    community_name: str
    committee_name: str
    title: str
    recipient: str
    name: str
    gender: str
    employer: str
    reported_on: str
    posts: list[str]
    branch: str
    year: int
    records: list[tuple[str, str, str]]
    total_hours: str
    outcome: str
    evaluation_note: str
    dated: str
    count: int = field(default=0)


def service_records(member: Member, year: int) -> list[ServiceRecord]:
    """Done service-record steps of `year` and the confirmed joint activities he took part in."""
    steps = db.session.scalars(
        select(SupervisionStep).where(
            SupervisionStep.member_id == member.id,
            SupervisionStep.category == Category.ASSISTED,
            SupervisionStep.step_code == "service_record",
            SupervisionStep.state == StepState.DONE,
            SupervisionStep.period_key.in_([f"{year}H1", f"{year}H2"]),
        )
    )
    records = []
    for s in steps:
        half = "上半年" if s.period_key.endswith("H1") else "下半年"
        day = s.done_at.date() if s.done_at else s.due_on
        records.append(ServiceRecord(day, s.note or f"{year}年{half}服务记录", s.hours or 0))
    activities = db.session.scalars(
        select(JointActivity)
        .join(joint_activity_participant, joint_activity_participant.c.activity_id == JointActivity.id)
        .where(
            joint_activity_participant.c.member_id == member.id,
            JointActivity.community_id == member.community_id,
            JointActivity.state == ActivityState.CONFIRMED,
            JointActivity.held_on >= date(year, 1, 1),
            JointActivity.held_on <= date(year, 12, 31),
        )
    )
    for a in activities:
        records.append(ServiceRecord(a.held_on, f"{a.kind.label}：{a.title}（{a.place}）", a.hours or 0))
    records.sort(key=lambda r: (r.day, r.content))
    return records


def _evaluation(member: Member, year: int) -> tuple[str, str]:
    """(outcome, note) of the year's evaluation; a waived one says why; none yet says so."""
    steps = list(db.session.scalars(
        select(SupervisionStep)
        .where(
            SupervisionStep.member_id == member.id,
            SupervisionStep.category == Category.ASSISTED,
            SupervisionStep.step_code == "evaluation",
            SupervisionStep.period_key == str(year),
            SupervisionStep.state.in_([StepState.DONE, StepState.WAIVED]),
        )
        .order_by(SupervisionStep.plan_no.desc(), SupervisionStep.id.desc())
    ))
    done = next((s for s in steps if s.state == StepState.DONE and s.outcome), None)
    if done is not None:
        return done.outcome, done.note
    if steps:
        return "", f"本年度免于评价（{steps[0].waive_reason}）。" if steps[0].waive_reason else "本年度免于评价。"
    return "", "本年度评价尚未进行。"


def build_feedback_letter(member: Member, year: int, today: date | None = None) -> FeedbackLetter:
    """The yearly feedback letter (反馈函) to the employer's party organisation."""
    today = today or date.today()
    info = assisted_info(member)
    records = service_records(member, year)
    outcome, note = _evaluation(member, year)
    community = member.community
    return FeedbackLetter(
        community_name=f"{community.name}社区", committee_name=committee_name(community),
        title=f"关于{member.name}同志{year}年度在社区服务情况的反馈函", recipient=_recipient(info),
        name=member.name, gender=member.gender.label, employer=info.employer,
        reported_on=cn_date(info.reported_on), posts=claimed_posts(info),
        branch=member.branch.name if member.branch else "", year=year,
        records=[(_ymd(r.day), r.content, _hours(r.hours)) for r in records],
        total_hours=_hours(sum(r.hours for r in records)), outcome=outcome,
        evaluation_note=note if not outcome or note != outcome else "", dated=cn_date(today),
        count=len(records),
    )
