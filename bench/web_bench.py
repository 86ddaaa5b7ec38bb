"""Web page speed at district scale: partyorg's busiest pages under gunicorn beside a bare Flask page.

    .venv/bin/python bench/web_bench.py [--members 20000] [--warmup 2] [--duration 5]
                                        [--sqlite-only | --postgresql] [--no-write]

For SQLite (a file in a temporary directory) and, when the server binaries are installed, a
throw-away PostgreSQL cluster (tests/pg_cluster.py): migrate, load `seed-scale --members N`, add a
community secretary (PostgreSQL: ANALYZE, as autovacuum would after the load), then
- count the SQL statements of each page in-process (test client, a before_cursor_execute listener)
  with PER_PAGE set to 20 and to 200;
- serve partyorg with gunicorn (2 sync workers, production config) on a free 127.0.0.1 port and log
  in through the login form; serve bench/bare_app.py beside it (Flask + Flask-SQLAlchemy paging the
  same members table with the same filters and page size, a minimal template, no login);
- drive the bare page and the pages in turn with wrk (1 thread, 2 connections: one per worker),
  each for --warmup seconds and then --duration seconds measured: bare, page 1, bare, page 2, ...,
  bare. Each page is compared with the mean of the bare runs just before and after it, so that a
  machine whose load drifts (its cores are shared) skews a page and its baseline alike.
Prints a markdown report and rewrites the "## Web pages" section of bench/RESULTS.md.
Targets: each page at least 80% of the bare page's requests/s, and p99 under 50 ms.
Traffic goes to 127.0.0.1 only, and every wrk run stops by itself after its duration.
"""
import argparse
import logging
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import template_rendered
from flask_migrate import upgrade
from sqlalchemy import event, func, select, text

from partyorg import create_app
from partyorg.domain import accounts
from partyorg.extensions import db
from partyorg.models import (
    Category,
    Community,
    JointActivity,
    Member,
    MemberStatus,
    Role,
    SupervisionStep,
    User,
)
from partyorg.scale import seed_scale

RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Web pages"
TARGET_RATIO = 0.80
TARGET_P99_MS = 50.0
PAGE_SIZES = (20, 200)
USERNAME = "bench_secretary"
PASSWORD = "Bench-2026-" + secrets.token_hex(4)


@dataclass
class Page:
    key: str
    label: str
    path: str  # measured with wrk
    count_path: str  # statements counted at page sizes 20 and 200 (a list long enough for 200 rows)
    expect: str  # text the page must show (a login redirect or an error page would not)


@dataclass
class WrkResult:
    rps: float
    p50: float
    p99: float
    requests: int
    bad: int  # non-2xx/3xx responses and socket errors


@dataclass
class Counted:
    statements: int
    rows: int | None


@dataclass
class BackendRun:
    name: str
    pages: list[Page] = field(default_factory=list)
    bare_path: str = ""
    data: str = ""
    wrk: dict[str, WrkResult] = field(default_factory=dict)
    bare: list[WrkResult] = field(default_factory=list)  # the bare page, before, between and after the pages
    counts: dict[tuple[str, int], Counted] = field(default_factory=dict)
    bare_counts: dict[int, Counted] = field(default_factory=dict)


# --- preparing a database -----------------------------------------------------------------

def prepare(url: str, members: int) -> tuple[list[Page], str, str]:
    """Migrate, seed, add the secretary; return the pages, the bare page's path and a data summary."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        report = seed_scale(members)
        seeded = time.perf_counter() - started
        cid, cname = db.session.execute(select(Community.id, Community.name).order_by(Community.id).limit(1)).one()
        accounts.create_user(None, USERNAME, "基准测试书记", PASSWORD, Role.SECRETARY, cid)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # What autovacuum does within a minute of a bulk load: without statistics the planner
            # guesses one row per table and picks plans no running server would.
            with db.engine.connect() as conn:
                conn.execute(text("ANALYZE"))
                conn.commit()
        # The member list with filters: the branch with the most direct members, and the name
        # character they share most, so the page is full and the bare page shows the same rows.
        active = (Member.community_id == cid, Member.status == MemberStatus.ACTIVE, Member.category == Category.DIRECT)
        branch = db.session.execute(
            select(Member.branch_id).where(*active, Member.branch_id.is_not(None))
            .group_by(Member.branch_id).order_by(func.count().desc(), Member.branch_id).limit(1)
        ).scalar_one()
        names = db.session.scalars(select(Member.name).where(*active, Member.branch_id == branch))
        char = Counter(c for n in names for c in set(n)).most_common(1)[0][0]
        steps = db.session.scalar(select(func.count()).select_from(SupervisionStep))
        activities = db.session.scalar(select(func.count()).select_from(JointActivity))
        db.session.remove()
        db.engine.dispose()
    q = urllib.parse.urlencode({"category": "direct", "branch": branch, "q": char})
    pages = [
        Page("members", "党员列表（类别+支部+姓名筛选）", f"/c/{cid}/members?{q}", f"/c/{cid}/members?category=direct",
             "管理类别"),
        Page("todo", "待办（社区，按责任人）", f"/c/{cid}/todo", f"/c/{cid}/todo", "已逾期"),
        Page("units", "驻区单位列表", f"/c/{cid}/units", f"/c/{cid}/units", "共驻共建协议"),
        Page("activities", "联建活动列表", f"/c/{cid}/activities", f"/c/{cid}/activities", "参加人员"),
        Page("summary", "联建活动年度汇总（按单位）", f"/c/{cid}/activities/summary", f"/c/{cid}/activities/summary",
             "年度"),
    ]
    data = (f"`seed-scale --members {members}`: {report.communities} communities, {report.units} resident units, "
            f"{report.members} members, {steps} supervision steps, {activities} joint activities "
            f"(seeded in {seeded:.0f} s); logged in as the secretary of {cname}社区 (id {cid}); "
            f"member filters category=direct, branch={branch}, q={char}")
    return pages, f"/c/{cid}/members?{q}", data


# --- statements per page (in-process) -----------------------------------------------------

def count_statements(url: str, pages: list[Page]) -> tuple[dict, dict]:
    """Statements per request for each page at each page size (the second of two identical requests)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    seen: list[str] = []
    shown: list[int | None] = []

    def on_render(sender, template, context, **extra):
        pager = context.get("pagination") or context.get("page")
        if pager is not None and hasattr(pager, "items"):
            shown.append(len(pager.items))

    logging.getLogger("partyorg.access").disabled = True  # one line per counted request is only noise here
    counts = {}
    with app.app_context():
        uid = db.session.scalar(select(User.id).where(User.username == USERNAME))
        engine = db.engine
    # Requests run outside any app context of ours, so each gets a fresh session as under gunicorn.
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(uid)
        sess["_fresh"] = True
    template_rendered.connect(on_render, app)
    for page in pages:
        for size in PAGE_SIZES:
            app.config["PER_PAGE"] = size
            client.get(page.count_path)  # the first request may refresh recurring steps once
            seen.clear()
            shown.clear()
            response = client.get(page.count_path)
            if response.status_code != 200:
                raise RuntimeError(f"{page.count_path}: HTTP {response.status_code}")
            counts[(page.key, size)] = Counted(len(seen), shown[0] if shown else None)
    template_rendered.disconnect(on_render, app)
    engine.dispose()

    # The bare page's statements on the member list's counting path (same route shape, no login).
    sys.path.insert(0, str(ROOT / "bench"))
    import bare_app

    bare_counts = {}
    for size in PAGE_SIZES:
        bare = bare_app.create_app(url, size)
        with bare.app_context():
            engine = bare_app.db.engine
        event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
        client = bare.test_client()
        client.get(pages[0].count_path)
        seen.clear()
        html = client.get(pages[0].count_path).get_data(as_text=True)
        bare_counts[size] = Counted(len(seen), html.count("<tr>") - 1)
        engine.dispose()
    return counts, bare_counts


# --- serving and driving --------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(app_spec: str, env: dict, log: Path, extra: tuple = ()):
    """Serve `app_spec` with 2 sync workers on a free loopback port; yield the port."""
    port = free_port()
    cmd = [sys.executable, "-m", "gunicorn", "--workers", "2", "--timeout", "120", "--bind", f"127.0.0.1:{port}",
           *extra, app_spec]
    with log.open("ab") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({proc.returncode}); see {log}:\n{log.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not listen within 60 s; see {log}") from None
                time.sleep(0.2)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def http(port: int, method: str, path: str, cookie: str = "", body: str | None = None):
    conn = HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read().decode("utf-8", "replace")
    cookies = [v.split(";", 1)[0] for k, v in response.getheaders() if k.lower() == "set-cookie"]
    conn.close()
    return response.status, data, cookies


def login(port: int) -> str:
    """Log in through the form like a browser; return the Cookie header of the session."""
    for _ in range(30):  # the first request after startup may be slow; wait for a 200
        status, html, cookies = http(port, "GET", "/login")
        if status == 200:
            break
        time.sleep(0.5)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    if not token:
        raise RuntimeError("no CSRF token on the login page")
    body = urllib.parse.urlencode({"csrf_token": token.group(1), "username": USERNAME, "password": PASSWORD})
    status, _, new = http(port, "POST", "/login", "; ".join(cookies), body)
    if status != 302 or not new:
        raise RuntimeError(f"login failed: HTTP {status}")
    return "; ".join(new)


def check_page(port: int, path: str, cookie: str, expect: str) -> None:
    status, html, _ = http(port, "GET", path, cookie)
    if status != 200 or expect not in html:
        raise RuntimeError(f"{path}: HTTP {status}, expected text {expect!r} {'missing' if status == 200 else ''}")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def wrk(port: int, path: str, cookie: str, seconds: float) -> WrkResult:
    cmd = ["wrk", "-t1", "-c2", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s"]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*cmd, f"http://127.0.0.1:{port}{path}"], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    bad = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        bad += int(m.group(1)) + int(m.group(3)) + int(m.group(4))  # reads: gunicorn closes after each reply
    return WrkResult(rps, p50, p99, requests, bad)


def drive(port: int, path: str, cookie: str, args) -> WrkResult:
    wrk(port, path, cookie, args.warmup)
    return wrk(port, path, cookie, args.duration)


def run_backend(name: str, url: str, args, tmp: Path) -> BackendRun:
    run = BackendRun(name)
    print(f"[{name}] migrating and seeding {args.members} members ...", flush=True)
    run.pages, run.bare_path, run.data = prepare(url, args.members)
    print(f"[{name}] counting statements per page ...", flush=True)
    run.counts, run.bare_counts = count_statements(url, run.pages)
    log = tmp / f"gunicorn-{name}.log"
    env = {"PARTYORG_ENV": "production", "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": url,
           "SESSION_COOKIE_SECURE": "0", "RATELIMIT_STORAGE_URI": "memory://"}
    # Both servers run at once and the bare page is measured before, between and after the pages, so
    # that a machine whose load drifts (the 2 cores are shared) skews a page and its baseline alike.
    with (gunicorn("bare_app:create_app()", {"DATABASE_URL": url, "BENCH_PER_PAGE": "20"}, log,
                   ("--pythonpath", str(ROOT / "bench"))) as bare_port,
          gunicorn("partyorg:create_app()", env, log) as port):
        check_page(bare_port, run.bare_path, "", "共")
        cookie = login(port)
        for page in run.pages:
            print(f"[{name}] {page.path}", flush=True)
            check_page(port, page.path, cookie, page.expect)
            run.bare.append(drive(bare_port, run.bare_path, "", args))
            run.wrk[page.key] = drive(port, page.path, cookie, args)
        run.bare.append(drive(bare_port, run.bare_path, "", args))
    return run


# --- the report ------------------------------------------------------------------------------

def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    ram = "?"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        ram = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    return f"{os.cpu_count()} CPUs (nproc), {cpu}, {ram} RAM, {platform.system()} {platform.release()}"


def baseline(run: BackendRun, page: Page) -> float:
    """The bare page's requests/s around `page`: the mean of the runs just before and just after it."""
    i = run.pages.index(page)
    return (run.bare[i].rps + run.bare[i + 1].rps) / 2


def report(runs: list[BackendRun], args, skipped: str | None) -> str:
    lines = [
        SECTION,
        "",
        "<!-- Written by bench/web_bench.py: it rewrites this section up to the next \"## \" heading. -->",
        "",
        f"- Date: {datetime.now():%Y-%m-%d %H:%M}; machine: {machine()}",
        f"- Command: `{' '.join(['.venv/bin/python', 'bench/web_bench.py', *sys.argv[1:]])}`",
        (f"- Server: gunicorn, 2 sync workers, production config; load: wrk -t1 -c2 (one connection per "
         f"worker) --latency, {args.warmup:g} s warm-up then {args.duration:g} s per page; wrk shares the 2 cores"),
        f"- Targets: at least {TARGET_RATIO:.0%} of the bare page's requests/s, p99 under {TARGET_P99_MS:.0f} ms",
        ("- Bare page: bench/bare_app.py, Flask + Flask-SQLAlchemy paging the same members table with the same "
         "filters and page size (20), minimal template, no login"),
    ]
    if skipped:
        lines.append(f"- PostgreSQL not run: {skipped}")
    for run in runs:
        bares = sorted(run.bare, key=lambda r: r.rps)
        mid = bares[len(bares) // 2]
        lines += ["", f"### {run.name}", "", f"Data: {run.data}.", "",
                  "| page | path | req/s | p50 ms | p99 ms | bare req/s (runs before and after) | req/s vs bare | targets |",
                  "|---|---|---:|---:|---:|---:|---:|---|"]
        bad = sum(r.bad for r in bares)
        lines.append(f"| bare Flask page (median of {len(bares)} runs) | `{run.bare_path}` | {mid.rps:.0f} | "
                     f"{mid.p50:.1f} | {mid.p99:.1f} | | 100% | {f'{bad} errors' if bad else ''} |")
        for page in run.pages:
            r, bare = run.wrk[page.key], baseline(run, page)
            ratio = r.rps / bare if bare else 0.0
            missed = []
            if ratio < TARGET_RATIO:
                missed.append(f"MISSED req/s ({ratio:.0%} < {TARGET_RATIO:.0%})")
            if r.p99 >= TARGET_P99_MS:
                missed.append(f"MISSED p99 ({r.p99:.0f} ms)")
            if r.bad:
                missed.append(f"{r.bad} errors")
            lines.append(f"| {page.label} | `{page.path}` | {r.rps:.0f} | {r.p50:.1f} | {r.p99:.1f} | {bare:.0f} | "
                         f"{ratio:.0%} | {'; '.join(missed) or 'met'} |")
        slow = [p.label for p in run.pages if run.wrk[p.key].rps < TARGET_RATIO * baseline(run, p)]
        late = [p.label for p in run.pages if run.wrk[p.key].p99 >= TARGET_P99_MS]
        lines += ["", f"Missed on {run.name}: requests/s target by {len(slow)} of {len(run.pages)} pages"
                  + (f" ({'、'.join(slow)})" if slow else "") + f"; p99 target by {len(late)}"
                  + (f" ({'、'.join(late)})" if late else "") + "."]
        lines += ["", f"SQL statements per request ({run.name}; every statement the driver executes"
                  + (", BEGIN included" if run.name == "SQLite" else "") + "), in-process with PER_PAGE set:", "",
                  "| page | path | PER_PAGE=20: statements (rows) | PER_PAGE=200: statements (rows) | equal |",
                  "|---|---|---:|---:|---|"]
        for page in run.pages:
            a, b = (run.counts[(page.key, s)] for s in PAGE_SIZES)
            rows = [f"{c.statements} ({c.rows if c.rows is not None else '—'})" for c in (a, b)]
            lines.append(f"| {page.label} | `{page.count_path}` | {rows[0]} | {rows[1]} | "
                         f"{'yes' if a.statements == b.statements else 'NO'} |")
        a, b = (run.bare_counts[s] for s in PAGE_SIZES)
        lines.append(f"| bare Flask page | `{run.pages[0].count_path}` | {a.statements} ({a.rows}) | {b.statements} ({b.rows}) | "
                     f"{'yes' if a.statements == b.statements else 'NO'} |")
    return "\n".join(lines) + "\n"


def write_section(markdown: str) -> None:
    """Replace the "## Web pages" section of RESULTS.md (or append it), leaving the rest alone."""
    old = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n\nFigures from `make bench`.\n"
    start = old.find(SECTION + "\n")
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + markdown
    else:
        following = old.find("\n## ", start + len(SECTION))
        new = old[:start] + markdown + ("\n" + old[following + 1:] if following >= 0 else "")
    RESULTS.write_text(new)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=20000)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--duration", type=float, default=5, help="seconds measured per page")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    which.add_argument("--postgresql", action="store_true", help="fail when PostgreSQL cannot run here")
    parser.add_argument("--no-write", action="store_true", help=f"print only; leave {RESULTS.name} alone")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: run `make bench` (it installs the Debian package wrk).")

    from tests.pg_cluster import PgCluster, unavailable_reason

    skipped = "--sqlite-only" if args.sqlite_only else unavailable_reason()
    if args.postgresql and skipped:
        sys.exit(f"PostgreSQL cannot run here: {skipped}")
    runs = []
    with tempfile.TemporaryDirectory(prefix="partyorg-webbench-") as tmp:
        tmp = Path(tmp)
        runs.append(run_backend("SQLite", f"sqlite:///{tmp / 'bench.sqlite'}", args, tmp))
        if not skipped:
            cluster = PgCluster.start()
            try:
                runs.append(run_backend("PostgreSQL", cluster.create_database("partyorg_bench"), args, tmp))
            finally:
                cluster.stop()
    markdown = report(runs, args, skipped)
    print()
    print(markdown)
    if not args.no_write:
        write_section(markdown)
        print(f"(written to {RESULTS.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
