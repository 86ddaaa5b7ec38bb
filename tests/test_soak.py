"""Soak: several users work through the real forms at once; every acknowledged write is kept.

Clients log in as different users of 昌盛 and, for a bounded time (PARTYORG_SOAK_SECONDS, default
45 s), edit members, complete supervision steps from the to-do page, record, submit and confirm
joint activities and read list pages, each a GET of the form (CSRF token, version) and a POST, as a
browser would. A pair of clients also saves the same member (and the same step) at the same moment,
round after round. Afterwards the database must hold exactly what was acknowledged: nothing lost,
nothing doubled, no refused save stored, no 500, no "database is locked".
"""
import http.cookiejar
import logging
import os
import random
import re
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from partyorg import create_app
from partyorg.domain import workflow as wf
from partyorg.extensions import db
from partyorg.models import (
    ActivityState,
    AuditEntry,
    JointActivity,
    Member,
    Role,
    StepState,
    SupervisionStep,
)

from . import dbbackend, factories
from .browser import LiveServer

#: How long the clients keep working; `make test` runs the default.
SOAK_SECONDS = float(os.environ.get("PARTYORG_SOAK_SECONDS", "45"))
#: After the soak time, clients go on only until the floors below are met, and never longer than this.
GRACE_SECONDS = 15
#: An upper bound on each client's operations, whatever the time.
MAX_OPS = 5000
REQUEST_TIMEOUT = 60
#: Members with an open plan (one step on the to-do list each, more for the older plans).
MEMBERS = 150
#: Members only the contending pair edits (so that their rounds are not disturbed by the others).
CONTENDED_MEMBERS = 8
#: Acknowledged writes each kind must reach, so that the test cannot pass on a server that refuses all.
FLOORS = {"member": 5, "step": 5, "activity_create": 3, "activity_submit": 3, "activity_confirm": 2,
          "contention_member": 3}

STALE = "已被他人修改"
FLASH = {
    "member": "党员信息已保存。",
    "step": "已办理：",
    "activity_create": "已保存活动草稿",
    "activity_submit": "活动已提交，等待社区确认。",
    "activity_confirm": "活动已确认，计入统计。",
}
#: What a clean refusal of a write that lost a race says (stale version, or the state moved on).
REFUSALS = {
    "member": (STALE,),
    "step": (STALE, "不能重复办理"),
    "activity_confirm": (STALE, "该活动已确认，不能再确认"),
}


# --- a small browser over urllib ------------------------------------------------------------

@dataclass
class Form:
    action: str
    method: str
    fields: list = field(default_factory=list)

    def names(self) -> set[str]:
        return {name for name, _ in self.fields}

    def get(self, name: str) -> str | None:
        return next((v for n, v in self.fields if n == name), None)

    def set(self, name: str, value) -> None:
        self.fields = [(n, v) for n, v in self.fields if n != name] + [(name, str(value))]


class PageParser(HTMLParser):
    """The forms (with what a browser would send) and the links of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: dict | None = None
        self._textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            self._form = Form(a.get("action", ""), (a.get("method") or "get").lower())
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if not a.get("name") or kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.fields.append((a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select":
            self._select = {"name": a.get("name"), "multiple": "multiple" in a, "first": None, "chosen": []}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"].append(value)
        elif tag == "textarea":
            self._textarea = [a.get("name"), ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            s, self._select = self._select, None
            if self._form is not None and s["name"]:
                values = s["chosen"] or ([] if s["multiple"] or s["first"] is None else [s["first"]])
                self._form.fields.extend((s["name"], v) for v in values)
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self._textarea = None
            if self._form is not None and name:
                self._form.fields.append((name, text[2:] if text.startswith("\r\n") else text.lstrip("\n")))


@dataclass
class Page:
    url: str
    status: int
    text: str
    location: str = ""

    def parsed(self) -> PageParser:
        parser = PageParser()
        parser.feed(self.text)
        return parser

    def form(self, has: str = "", action_end: str = "") -> Form | None:
        for f in self.parsed().forms:
            if f.method == "post" and (not has or has in f.names()) and f.action.endswith(action_end):
                f.action = urllib.parse.urljoin(self.url, f.action)
                return f
        return None

    def links(self, pattern: str) -> list[str]:
        return [urllib.parse.urljoin(self.url, h) for h in self.parsed().links if re.search(pattern, h)]

    def alerts(self) -> str:
        """The flashed messages and the field errors on the page."""
        return " ".join(re.findall(r'(?:role="alert"|class="invalid-feedback[^"]*")[^>]*>([^<]*)<', self.text))


def step_of(url: str) -> int:
    return int(re.search(r"/steps/(\d+)/complete", url).group(1))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Unexpected(Exception):
    """A response no user should ever get (a 500, a lock error, a page that is not what was asked)."""


class Browser:
    def __init__(self, base: str, username: str):
        self.base = base
        self.username = username
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

    def _send(self, url: str, body: bytes | None = None) -> Page:
        url = urllib.parse.urljoin(self.base, url)
        try:
            with self.opener.open(url, body, timeout=REQUEST_TIMEOUT) as r:
                page = Page(url, r.status, r.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as e:
            page = Page(url, e.code, e.read().decode("utf-8", "replace"), e.headers.get("Location", ""))
            e.close()
        if page.status >= 500 or "database is locked" in page.text:
            raise Unexpected(f"{self.username}: {page.status} on {'POST' if body else 'GET'} {url}: {page.alerts()}")
        return page

    def get(self, url: str, expect: int = 200) -> Page:
        page = self._send(url)
        for _ in range(5):
            if page.status not in (301, 302, 303):
                break
            page = self._send(page.location)
        if page.status != expect:
            raise Unexpected(f"{self.username}: GET {url} gave {page.status}: {page.alerts()}")
        return page

    def submit(self, form: Form) -> tuple[Page, Page | None]:
        """POST the form; return the response and, after a redirect, the page it leads to."""
        page = self._send(form.action, urllib.parse.urlencode(form.fields).encode())
        if page.status in (302, 303):
            return page, self.get(page.location)
        return page, None

    def login(self, password: str) -> None:
        form = self.get("/login").form(has="username")
        form.set("username", self.username)
        form.set("password", password)
        response, landed = self.submit(form)
        if landed is None:
            raise Unexpected(f"{self.username}: login refused: {response.alerts()}")


# --- the client-side log ----------------------------------------------------------------------

@dataclass
class Write:
    kind: str
    key: int
    marker: str
    outcome: str  # "ack" or "refused"
    client: str


class Journal:
    def __init__(self):
        self.lock = threading.Lock()
        self.writes: list[Write] = []
        self.problems: list[str] = []
        self.rounds: list[tuple[str, int, list[Write]]] = []
        self.stop = threading.Event()
        self._n = 0

    def marker(self, client: str) -> str:
        with self.lock:
            self._n += 1
            return f"soak-{client}-{self._n}"

    def add(self, write: Write) -> None:
        with self.lock:
            self.writes.append(write)

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)
        self.stop.set()

    def acked(self, kind: str) -> list[Write]:
        with self.lock:
            return [w for w in self.writes if w.kind == kind and w.outcome == "ack"]

    def floors_met(self) -> bool:
        with self.lock:
            contended = sum(1 for k, *_ in self.rounds if k == "member")
        return contended >= FLOORS["contention_member"] and all(
            len(self.acked(kind)) >= n for kind, n in FLOORS.items() if kind in FLASH
        )


def outcome(kind: str, response: Page, landed: Page | None) -> str:
    """ack, refused, or raise: what the user saw after saving."""
    if landed is not None and FLASH[kind] in landed.alerts():
        return "ack"
    shown = (landed or response).alerts()
    if any(text in shown for text in REFUSALS.get(kind, ())):
        return "refused"
    raise Unexpected(f"{kind}: neither saved nor cleanly refused ({response.status}): {shown}")


# --- what the clients do ------------------------------------------------------------------------

class Client:
    def __init__(self, server, world: dict, journal: Journal, username: str, seed: int):
        self.server = server
        self.world = world
        self.cid = world["cid"]
        self.journal = journal
        self.name = username
        self.rng = random.Random(seed)
        self.browser = Browser(server.url, username)

    def edit_member(self, mid: int, browser: "Browser | None" = None) -> tuple[Form, Write]:
        """Open the member's edit form; return it filled with a new work unit, not yet posted."""
        browser = browser or self.browser
        form = browser.get(f"/c/{self.cid}/members/{mid}/edit").form(has="id_number")
        if form is None or not form.get("version"):
            raise Unexpected(f"{self.name}: no member form with a version for member {mid}")
        marker = self.journal.marker(self.name)
        form.set("work_unit", marker)
        return form, Write("member", mid, marker, "", browser.username)

    def save(self, form: Form, write: Write, browser: "Browser | None" = None) -> Write:
        """Post the form and log what the user saw."""
        response, landed = (browser or self.browser).submit(form)
        return self.log(write, response, landed)

    def log(self, write: Write, response: Page, landed: Page | None) -> Write:
        write.outcome = outcome(write.kind, response, landed)
        self.journal.add(write)
        return write

    def member_op(self) -> None:
        form, write = self.edit_member(self.rng.choice(self.world["members"]))
        self.save(form, write)

    def step_form(self, url: str, browser: "Browser | None" = None) -> tuple[Form | None, Write | None]:
        browser = browser or self.browser
        sid = step_of(url)
        form = browser.get(url).form(has="note")
        if form is None:
            return None, None  # done by someone else since the list was drawn: nothing to do
        marker = self.journal.marker(self.name)
        form.set("note", marker)
        if "outcome" in form.names():
            form.set("outcome", "合格")
        if "hours" in form.names():
            form.set("hours", "1")
        return form, Write("step", sid, marker, "", browser.username)

    def todo_links(self, browser: "Browser | None" = None) -> list[str]:
        page = (browser or self.browser).get(f"/c/{self.cid}/todo")
        return sorted({u for u in page.links(r"/steps/\d+/complete") if "#" not in u})

    def step_op(self) -> None:
        links = [u for u in self.todo_links() if step_of(u) not in self.world["contended_steps"]]
        if not links:
            self.read_op()
            return
        form, write = self.step_form(self.rng.choice(links))
        if form is not None:
            self.save(form, write)

    def activity_op(self) -> None:
        form = self.browser.get(f"/c/{self.cid}/activities/new").form(has="title")
        marker = self.journal.marker(self.name)
        for name, value in (("kind", "welfare"), ("title", marker), ("held_on", date.today().isoformat()),
                            ("start_time", "09:00"), ("end_time", "10:30"), ("place", "社区活动室"),
                            ("other_count", "5"), ("hours", "1")):
            form.set(name, value)
        response, landed = self.browser.submit(form)
        found = re.search(r"/activities/(\d+)$", response.location or "")
        write = Write("activity_create", int(found.group(1)) if found else 0, marker, "", self.name)
        self.log(write, response, landed)
        submit = landed.form(action_end="/submit")
        if submit is None:
            raise Unexpected(f"{self.name}: no submit button on the new activity {marker}")
        response, landed = self.browser.submit(submit)
        self.log(Write("activity_submit", write.key, marker, "", self.name), response, landed)

    def confirm_op(self) -> None:
        listed = self.browser.get(f"/c/{self.cid}/activities?state=submitted")
        links = sorted(set(listed.links(rf"^/c/{self.cid}/activities/\d+$")))
        if not links:
            self.read_op()
            return
        url = self.rng.choice(links)
        form = self.browser.get(url).form(action_end="/confirm")
        if form is None:
            return  # confirmed by someone else since the list was drawn
        aid = int(url.rsplit("/", 1)[1])
        response, landed = self.browser.submit(form)
        self.log(Write("activity_confirm", aid, "", "", self.name), response, landed)

    def read_op(self) -> None:
        cid = self.cid
        url = self.rng.choice([
            f"/c/{cid}/members", f"/c/{cid}/members?q=" + urllib.parse.quote("浸泡"), f"/c/{cid}/members?page=2",
            f"/c/{cid}/activities", f"/c/{cid}/todo", f"/c/{cid}/todo?by=branch", "/todo",
            f"/c/{cid}/members/{self.rng.choice(self.world['members'])}",
        ])
        self.browser.get(url)

    def operations(self):
        return [(self.member_op, 3), (self.step_op, 3), (self.confirm_op, 2), (self.read_op, 2)]

    def run(self, deadline: float, hard_deadline: float) -> None:
        try:
            self.browser.login(factories.PASSWORD)
            ops, weights = zip(*self.operations())
            for _ in range(MAX_OPS):
                now = time.monotonic()
                if self.journal.stop.is_set() or now >= hard_deadline:
                    break
                if now >= deadline and self.journal.floors_met():
                    break
                self.rng.choices(ops, weights)[0]()
        except Exception as e:  # noqa: BLE001  (any failure of a client fails the test below)
            self.journal.problem(f"{self.name}: {type(e).__name__}: {e}")


class Liaison(Client):
    def operations(self):
        return [(self.activity_op, 3), (self.liaison_read_op, 1)]

    def liaison_read_op(self) -> None:
        self.browser.get(f"/c/{self.cid}/activities")


class ContendingPair(Client):
    """Two users who open the same record and save it at the same moment, round after round."""

    def __init__(self, server, world, journal, usernames, seed):
        super().__init__(server, world, journal, usernames[0], seed)
        self.other = Browser(server.url, usernames[1])
        self.pool = ThreadPoolExecutor(max_workers=2)

    def race(self, kind: str, key: int, prepared: list[tuple[Browser, Form, Write]]) -> None:
        futures = [self.pool.submit(self.save, form, write, browser) for browser, form, write in prepared]
        results = [f.result() for f in futures]
        with self.journal.lock:
            self.journal.rounds.append((kind, key, results))

    def member_round(self) -> None:
        mid = self.rng.choice(self.world["contended"])
        prepared = [(b, *self.edit_member(mid, b)) for b in (self.browser, self.other)]
        self.race("member", mid, prepared)

    def step_round(self) -> None:
        """Both open a pending step of a contended member (from the plan on the member's page)."""
        page = self.browser.get(f"/c/{self.cid}/members/{self.rng.choice(self.world['contended'])}")
        links = sorted({u for u in page.links(r"/steps/\d+/complete") if "#" not in u})
        if not links:
            self.member_round()
            return
        url = self.rng.choice(links)
        prepared = [(b, *self.step_form(url, b)) for b in (self.browser, self.other)]
        if any(form is None for _b, form, _w in prepared):
            return
        self.race("step", prepared[0][2].key, prepared)

    def operations(self):
        return [(self.member_round, 2), (self.step_round, 1)]

    def run(self, deadline, hard_deadline):
        try:
            self.other.login(factories.PASSWORD)
        except Exception as e:  # noqa: BLE001
            self.journal.problem(f"{self.other.username}: {type(e).__name__}: {e}")
            return
        try:
            super().run(deadline, hard_deadline)
        finally:
            self.pool.shutdown()


# --- the server and its data ---------------------------------------------------------------------

@pytest.fixture
def soak_server(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "soak", "WTF_CSRF_ENABLED": True,
                      "RATELIMIT_ENABLED": False, "PROPAGATE_EXCEPTIONS": False,
                      "SQLALCHEMY_DATABASE_URI": dbbackend.file_database_url(tmp_path, "soak")})
    today = date.today()
    with app.app_context():
        db.create_all()
        w = factories.world()
        side = w.a
        staff = side.users[Role.STAFF]
        for username in ("a_staff2", "a_staff3", "a_staff4"):
            factories.user(username, Role.STAFF, side.community)
        factories.user("a_liaison2", Role.LIAISON, side.community, resident_unit_id=side.unit.id)
        members, contended_steps = [], []
        for i in range(MEMBERS + CONTENDED_MEMBERS):
            m = factories.member(side.community, name=f"浸泡{i:03d}", branch_id=side.branch.id,
                                 group_id=side.group.id, building_id=side.building.id,
                                 stair_unit_id=side.stair_units[0].id, room=f"{100 + i}")
            # A third of the plans were opened last quarter: overdue steps, and this quarter's
            # recurring steps still to be made by the first to-do page of the server.
            opened = today - timedelta(days=100) if i % 3 == 0 and i < MEMBERS else today
            steps = wf.open_plan(m, staff, opened)
            members.append(m.id)
            if i >= MEMBERS:
                db.session.flush()
                contended_steps.extend(s.id for s in steps)
        db.session.commit()
        world = {"cid": side.community.id, "members": members[:MEMBERS], "contended": members[MEMBERS:],
                 "contended_steps": set(contended_steps)}
        db.session.remove()
    with LiveServer(app) as server:
        yield app, server, world
    with app.app_context():
        db.engine.dispose()


def test_soak_mixed_users_keep_every_acknowledged_write(soak_server, caplog):
    app, server, world = soak_server
    caplog.set_level(logging.INFO)
    journal = Journal()
    clients = [
        Client(server, world, journal, "a_secretary", 1),
        Client(server, world, journal, "a_staff", 2),
        Client(server, world, journal, "a_staff2", 3),
        Liaison(server, world, journal, "a_liaison", 4),
        Liaison(server, world, journal, "a_liaison2", 5),
        ContendingPair(server, world, journal, ("a_staff3", "a_staff4"), 6),
    ]
    start = time.monotonic()
    deadline, hard_deadline = start + SOAK_SECONDS, start + SOAK_SECONDS + GRACE_SECONDS
    threads = [threading.Thread(target=c.run, args=(deadline, hard_deadline)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(SOAK_SECONDS + GRACE_SECONDS + 2 * REQUEST_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a client never finished"

    tally = {f"{w.kind}:{w.outcome}": 0 for w in journal.writes}
    for w in journal.writes:
        tally[f"{w.kind}:{w.outcome}"] += 1
    print(f"soak {time.monotonic() - start:.0f} s:", sorted(tally.items()), f"{len(journal.rounds)} contended rounds")

    # What the users saw: no error page, no lock error, enough work done.
    assert journal.problems == []
    server_log = caplog.text
    assert "database is locked" not in server_log
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    for kind, floor in FLOORS.items():
        done = len(journal.acked(kind)) if kind in FLASH else sum(1 for k, *_ in journal.rounds if k == "member")
        assert done >= floor, f"only {done} × {kind} in {SOAK_SECONDS:g} s"

    # Two saves of the same record at the same moment: one is kept, the other refused, never both.
    for kind, key, results in journal.rounds:
        assert sorted(w.outcome for w in results) == ["ack", "refused"], (kind, key, results)

    with app.app_context():
        check_members(journal)
        check_steps(journal)
        check_activities(journal)
        db.session.remove()


def check_members(journal: Journal) -> None:
    """Each member's work-unit history is the chain of acknowledged saves: none lost, none refused kept."""
    writes = [w for w in journal.writes if w.kind == "member"]
    for mid in {w.key for w in writes}:
        acked = {w.marker for w in writes if w.key == mid and w.outcome == "ack"}
        trail = list(db.session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "member", AuditEntry.entity_id == mid,
                                     AuditEntry.field == "work_unit").order_by(AuditEntry.id)
        ))
        assert {e.new_value for e in trail} == acked, mid
        assert len(trail) == len(acked), mid  # each save once
        for before, after in pairwise(trail):
            assert after.old_value == before.new_value, f"member {mid}: a save overwrote one it never saw"
        member = db.session.get(Member, mid)
        assert (member.work_unit or "") == (trail[-1].new_value if trail else "")
        assert member.version == 1 + len(trail)


def check_steps(journal: Journal) -> None:
    writes = [w for w in journal.writes if w.kind == "step"]
    acked = {w.key: w.marker for w in writes if w.outcome == "ack"}
    assert len(acked) == sum(1 for w in writes if w.outcome == "ack"), "a step was completed twice"
    for sid, marker in acked.items():
        step = db.session.get(SupervisionStep, sid)
        assert (step.state, step.note) == (StepState.DONE, marker)
        moves = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity == "supervision_step", AuditEntry.entity_id == sid, AuditEntry.field == "state"))
        assert moves == 1
    noted = db.session.scalars(select(SupervisionStep.note).where(SupervisionStep.note.like("soak-%"))).all()
    assert sorted(noted) == sorted(acked.values())


def check_activities(journal: Journal) -> None:
    created = {w.marker: w.key for w in journal.acked("activity_create")}
    submitted = {w.key for w in journal.acked("activity_submit")}
    confirmed = {w.key for w in journal.acked("activity_confirm")}
    assert len(confirmed) == len(journal.acked("activity_confirm")), "an activity was confirmed twice"
    rows = db.session.execute(
        select(JointActivity.title, JointActivity.id, JointActivity.state).where(JointActivity.title.like("soak-%"))
    ).all()
    assert sorted(title for title, *_ in rows) == sorted(created), "an activity is missing or doubled"
    for title, aid, state in rows:
        assert created[title] == aid
        expected = (ActivityState.CONFIRMED if aid in confirmed
                    else ActivityState.SUBMITTED if aid in submitted else ActivityState.DRAFT)
        assert state == expected, (title, state)


@pytest.mark.sqlite_only("SQLite's write lock: a GET that writes must take it up front")
def test_todo_page_fills_in_the_new_quarter_while_another_request_writes(tmp_path):
    """The first to-do page of a quarter makes its recurring steps; another writer must not make it fail."""
    path = tmp_path / "quarter.sqlite"
    app = create_app({"TESTING": True, "SECRET_KEY": "quarter", "PROPAGATE_EXCEPTIONS": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    today = date.today()
    with app.app_context():
        db.create_all()
        w = factories.world()
        member = w.a.member
        wf.open_plan(member, w.a.users[Role.STAFF], today - timedelta(days=100))  # last quarter's plan
        db.session.commit()
        cid, mid, uid = w.a.community.id, member.id, w.a.users[Role.SECRETARY].id
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(uid)

    # Another request holds the write lock while the page loads, and commits a moment later.
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE member SET room = '102' WHERE id = ?", (mid,))
    done = {}
    page = threading.Thread(target=lambda: done.setdefault("response", client.get(f"/c/{cid}/todo")))
    page.start()
    time.sleep(1)
    writer.execute("COMMIT")
    writer.close()
    page.join(60)

    assert done["response"].status_code == 200
    with app.app_context():
        quarter = wf.period_key(wf.QUARTER, today)
        made = db.session.scalar(select(func.count()).select_from(SupervisionStep).where(
            SupervisionStep.member_id == mid, SupervisionStep.step_code == "org_life",
            SupervisionStep.period_key == quarter))
        assert made == 1
        db.session.remove()
        db.engine.dispose()
