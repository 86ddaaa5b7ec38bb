"""Members import speed: the preview of a 10,000-row sheet against just reading it with openpyxl.

    .venv/bin/python bench/import_bench.py [--rows 10000] [--seed 7] [--repeat 2]

Seeds a throw-away SQLite database (in a temporary directory) with one community, its branches,
groups, buildings and stair units, builds a sheet of valid rows from a fixed seed, and times
`member_import.preview_file` beside a plain read of the same file with openpyxl (read-only, every
cell's value) in the same run. Writes nothing outside the temporary directory.
"""
import argparse
import io
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook, load_workbook

from partyorg import create_app
from partyorg.domain import member_import
from partyorg.domain.idnumber import make_number
from partyorg.extensions import db
from partyorg.models import (
    Branch,
    BranchKind,
    Building,
    Community,
    CommunityClass,
    CommunityKind,
    PartyGroup,
    StairUnit,
)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英志强桂兰海燕文明春花德华玉梅振华丽娟永红淑珍国庆晓东"
BUILDINGS = 20
UNITS_PER_BUILDING = 3
TARGET_SECONDS = 10.0


def seed_places() -> int:
    """One community with a branch and two groups per building; returns the community id."""
    c = Community(name="昌盛", kind=CommunityKind.URBAN, grade=CommunityClass.FIRST)
    db.session.add(c)
    db.session.flush()
    for b in range(1, BUILDINGS + 1):
        building = Building(community_id=c.id, name=f"{b}号楼")
        db.session.add(building)
        db.session.flush()
        db.session.add_all(StairUnit(building_id=building.id, name=f"{u}单元") for u in range(1, UNITS_PER_BUILDING + 1))
        branch = Branch(community_id=c.id, name=f"{b}号楼党支部", kind=BranchKind.RESIDENTIAL)
        db.session.add(branch)
        db.session.flush()
        db.session.add_all(PartyGroup(branch_id=branch.id, name=f"第{g}党小组") for g in (1, 2))
    db.session.commit()
    return c.id


def sheet_bytes(rows: int, rng: random.Random) -> bytes:
    """A filled-in import template of `rows` valid, distinct members."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("党员信息")
    sheet.append(member_import.template_header_row())
    for n in range(rows):
        birth = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 50 * 365))
        male = rng.random() < 0.5
        # Distinct numbers: the sequence code carries n (make_number wants it 0..999 and gender-odd/even).
        number = make_number(f"6202{n // 500 % 100:02d}", birth, (n % 500) * 2 + (1 if male else 0))
        joined = birth + timedelta(days=365 * 19 + rng.randrange(0, 365 * 20))
        joined = min(joined, date(2024, 1, 1))
        b = rng.randrange(1, BUILDINGS + 1)
        sheet.append([
            SURNAMES[rng.randrange(20)] + GIVEN[rng.randrange(30)] + GIVEN[rng.randrange(30)],
            "男" if male else "女", "汉族", birth, number, "大学本科", "正式党员", joined,
            joined + timedelta(days=365), "直管", f"{b}号楼党支部", f"第{rng.randrange(1, 3)}党小组",
            f"{b}号楼", f"{rng.randrange(1, UNITS_PER_BUILDING + 1)}单元", str(rng.randrange(101, 1802)),
            f"139{n:08d}", "嘉峪关市第一中学/教师" if n % 3 else "", None, None, None,
        ])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_only(data: bytes) -> int:
    """The baseline: open the file with openpyxl and touch every cell's value."""
    book = load_workbook(io.BytesIO(data), read_only=True)
    count = 0
    for row in book.worksheets[0].iter_rows(values_only=True):
        count += sum(1 for v in row if v is not None)
    book.close()
    return count


def timed(fn, repeat: int):
    """Best wall-clock and CPU seconds of `repeat` runs (CPU time says more on a busy machine)."""
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=2, help="runs per figure; the best is reported")
    args = parser.parse_args()
    data = sheet_bytes(args.rows, random.Random(args.seed))
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite", "SECRET_KEY": "bench"})
        with app.app_context():
            db.create_all()
            cid = seed_places()

            def preview():
                result = member_import.preview_file(None, cid, data, max_rows=member_import.CLI_MAX_ROWS,
                                                    max_bytes=member_import.CLI_MAX_BYTES)
                db.session.rollback()
                return result

            plain, plain_cpu, _ = timed(lambda: read_only(data), args.repeat)
            ours, ours_cpu, result = timed(preview, args.repeat)
    if result.problems:
        print(f"unexpected problems ({len(result.problems)}), first: {result.problems[0]}")
        sys.exit(1)
    print(f"import preview: {args.rows} rows ({len(data) / 1e6:.1f} MB), new {result.counts['new']}")
    print(f"{'':<22}{'wall':>8}{'cpu':>8}")
    print(f"{'openpyxl read only':<22}{plain:>7.2f}s{plain_cpu:>7.2f}s")
    print(f"{'preview (all checks)':<22}{ours:>7.2f}s{ours_cpu:>7.2f}s")
    print(f"ratio preview/read (cpu) {ours_cpu / plain_cpu:.1f}x; "
          f"target preview <= {TARGET_SECONDS:.0f} s: {'ok' if ours <= TARGET_SECONDS else 'MISSED'}")


if __name__ == "__main__":
    main()
