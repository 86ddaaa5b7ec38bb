"""Roster printing speed: render_roster_pdf (the character grid) against a plain WeasyPrint table.

    .venv/bin/python bench/print_bench.py [--members 1000] [--repeat 2]

Seeds a throw-away SQLite database (in a temporary directory) with one community of N members,
then times a 50-member branch roster and the whole-community roster, each beside a plain
WeasyPrint render of the same rows (automatic table layout, no column widths, default styles).
Writes nothing outside the temporary directory.
"""
import argparse
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from html import escape
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert
from weasyprint import HTML

from partyorg import create_app
from partyorg.domain import rosters
from partyorg.domain.idnumber import make_number
from partyorg.extensions import db
from partyorg.models import (
    Branch,
    BranchKind,
    Category,
    Community,
    CommunityClass,
    CommunityKind,
    Gender,
    Member,
    MemberType,
)
from partyorg.printing import render_roster_pdf

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英志强桂兰海燕文明春花德华玉梅振华丽娟永红淑珍国庆晓东"
COLUMNS = list(rosters.DEFAULT_COLUMNS)


def seed(members: int) -> tuple[int, int]:
    """One community, branches of 50 members each; returns (community id, first branch id)."""
    c = Community(name="昌盛", kind=CommunityKind.URBAN, grade=CommunityClass.FIRST)
    db.session.add(c)
    db.session.flush()
    branches = [Branch(community_id=c.id, name=f"第{i + 1}党支部", kind=BranchKind.RESIDENTIAL)
                for i in range((members + 49) // 50)]
    db.session.add_all(branches)
    db.session.flush()
    rows = []
    for n in range(members):
        birth = date(1940, 1, 1) + timedelta(days=(n * 37) % 20000)
        male = n % 2 == 0
        rows.append({
            "community_id": c.id, "name": SURNAMES[n % 20] + GIVEN[(n * 7) % 30] + GIVEN[(n * 3 + 1) % 30],
            "gender": Gender.MALE if male else Gender.FEMALE, "birth_date": birth,
            "id_number": make_number("620202", birth, (n % 499) * 2 + (1 if male else 0)),
            "member_type": MemberType.FULL, "joined_on": birth + timedelta(days=365 * 25),
            "phone": f"139{n:08d}", "category": Category.DIRECT, "branch_id": branches[n // 50].id,
            "work_unit": "嘉峪关市第一中学" if n % 3 else "",
        })
    db.session.execute(insert(Member), rows)
    db.session.commit()
    return c.id, branches[0].id


def plain_html(roster) -> str:
    """The same rows as a naive template would print them."""
    head = "".join(f"<th>{escape(label)}</th>" for label, _ in roster.columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(v)}</td>" for v in row) + "</tr>" for row in roster.rows)
    return (
        '<html lang="zh-CN"><head><style>'
        "@page { size: A4 landscape; margin: 18mm 10mm; "
        "@bottom-center { content: '第 ' counter(page) ' 页 / 共 ' counter(pages) ' 页' } }"
        "body { font-family: 'Noto Sans CJK SC'; font-size: 9pt }"
        "table { border-collapse: collapse; width: 100% } th, td { border: 1px solid #000; padding: 2px 4px }"
        f"</style></head><body><h1>{escape(roster.community_name)} {escape(roster.title)}</h1>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>"
    )


def timed(fn, repeat: int) -> tuple[float, float, bytes]:
    """Best wall-clock and CPU seconds of `repeat` runs (CPU time says more on a busy machine)."""
    walls, cpus, out = [], [], b""
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), out


def page_count(pdf: bytes) -> str:
    try:
        info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), "?")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2, help="runs per figure; the best is reported")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite", "SECRET_KEY": "bench"})
        with app.app_context():
            db.create_all()
            cid, bid = seed(args.members)
            community = db.session.get(Community, cid)
            start = time.perf_counter()
            render_roster_pdf(rosters.build_roster(rosters.resolve_scope(community, bid), ["gender"],
                                                   show_personal=True))
            print(f"warm-up (fonts, templates): {time.perf_counter() - start:.2f} s")
            print(f"{'roster':<20}{'rows':>6}{'pages':>7}{'grid wall/cpu':>22}{'plain wall/cpu':>18}"
                  f"{'ratio':>8}")
            for label, branch_id in (("branch roster", bid), ("community roster", None)):
                scope = rosters.resolve_scope(community, branch_id)
                start = time.perf_counter()
                data = rosters.build_roster(scope, COLUMNS, "branch", show_personal=True)
                query = time.perf_counter() - start
                ours, ours_cpu, pdf = timed(lambda d=data: render_roster_pdf(d), args.repeat)
                plain, plain_cpu, _ = timed(lambda d=data: HTML(string=plain_html(d)).write_pdf(), args.repeat)
                print(f"{label:<20}{data.count:>6}{page_count(pdf):>7}{ours:>13.2f}s /{ours_cpu:>5.2f}s"
                      f"{plain:>9.2f}s /{plain_cpu:>5.2f}s{plain_cpu / ours_cpu:>7.1f}x   (query {query:.2f} s)")
            print("ratio = plain CPU time / grid CPU time; targets: branch <= 1 s, community <= 3 s")


if __name__ == "__main__":
    main()
