"""seed-scale: a district of 30 communities built in bulk (small size here)."""
from datetime import date

from sqlalchemy import func, select

from partyorg.domain import idnumber
from partyorg.extensions import db
from partyorg.models import (
    Branch,
    BranchKind,
    Category,
    Community,
    JointActivity,
    Member,
    ResidentUnit,
    StepState,
    SupervisionStep,
)
from partyorg.models.activity import joint_activity_unit


def count(model_or_table) -> int:
    return db.session.scalar(select(func.count()).select_from(model_or_table))


def test_builds_district(runner):
    r = runner.invoke(args=["seed-scale", "--members", "600"])
    assert r.exit_code == 0, r.output
    assert "已新建社区 30 个" in r.output and "用时" in r.output
    assert count(Community) == 30
    assert count(ResidentUnit) == 600
    assert count(Member) == 600
    by_category = dict(db.session.execute(select(Member.category, func.count()).group_by(Member.category)).all())
    assert set(by_category) == set(Category)
    assert by_category[Category.DIRECT] == 270 and by_category[Category.ASSISTED] == 120
    numbers = list(db.session.scalars(select(Member.id_number)))
    assert len(set(numbers)) == len(numbers)
    for n in numbers:
        idnumber.parse(n)
    kinds = set(db.session.scalars(select(Branch.kind).distinct()))
    assert kinds == set(BranchKind)
    today = date.today()
    steps = db.session.execute(select(SupervisionStep.state, SupervisionStep.due_on)).all()
    assert any(s == StepState.DONE for s, _ in steps)
    assert any(s == StepState.PENDING and d >= today for s, d in steps)
    assert any(s == StepState.PENDING and d < today for s, d in steps)
    assert count(JointActivity) >= 600 and count(joint_activity_unit) >= count(JointActivity)


def test_second_run_adds_nothing(runner):
    assert runner.invoke(args=["seed-scale", "--members", "60"]).exit_code == 0
    r = runner.invoke(args=["seed-scale", "--members", "60"])
    assert r.exit_code == 0, r.output
    assert "均已存在，未做改动" in r.output
    assert count(Community) == 30 and count(Member) == 60


def test_runs_on_top_of_demo_communities(runner, world):
    before = count(Community)
    r = runner.invoke(args=["seed-scale", "--members", "56"])
    assert r.exit_code == 0, r.output
    assert "跳过已存在的社区 2 个" in r.output
    assert count(Community) == 30 and before == 2
    numbers = list(db.session.scalars(select(Member.id_number)))
    assert len(set(numbers)) == len(numbers)


def test_bad_input_refused(runner):
    for value, message in (("0", "党员人数应在"), ("200001", "党员人数应在"), ("-5", "党员人数应在"),
                           ("abc", "党员人数应为整数"), ("1.5", "党员人数应为整数")):
        r = runner.invoke(args=["seed-scale", "--members", value])
        assert r.exit_code != 0 and message in r.output, (value, r.output)
    assert count(Community) == 0
