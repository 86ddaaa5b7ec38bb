"""Attack: a script stored in every free-text column of every table.

The world gets one record of every kind, then every String/Text column of every row holds a script
payload (beside what was there). Every page (the permission table's routes, which are the URL map's)
that a secretary, a branch secretary, a liaison or the district opens answers 200 and shows the
payload escaped (as text, never as a tag, an attribute or a script URL); every printout prints it as
literal text; every Excel export keeps it as text, never as a formula.
"""
import io
from datetime import date, time
from html.parser import HTMLParser
from urllib.parse import quote

import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy import select

from partyorg.domain import audit
from partyorg.excel import FORMULA_STARTS
from partyorg.extensions import db
from partyorg.models import (
    ActivityKind,
    ActivityState,
    AssistedInfo,
    AuditEntry,
    Branch,
    BranchSubtype,
    Category,
    ChosenBy,
    CobuildingProject,
    CommitteeSeat,
    CommunityNeed,
    DualInfo,
    JobState,
    JointActivity,
    Member,
    PlanSetting,
    PrintJob,
    Role,
    SeatTerm,
    TakeoverInfo,
    TakeoverReason,
    UnitResource,
)
from partyorg.uploads import clean_name

from . import factories
from .committee_helpers import concurrent_seat, first_of, need, resource
from .conftest import text
from .test_permissions_table import TABLE, assisted_args, build
from .test_printing import assert_pdf, pdf_text

D, S, B, L = Role.DISTRICT, Role.SECRETARY, Role.BRANCH_SECRETARY, Role.LIAISON

SCRIPT = "<script>alert(1)</script>"
#: A script, quotes and an ampersand, and a tag with a handler: it breaks out of text, of a quoted
#: attribute (`"'>`) and of an unquoted one (the blank), if any of them is not escaped. The line break
#: and the vertical tab (Word's line break, pasted) are odd text the forms take: they once made the
#: Excel exports answer 500 (a line break in the file name's header, a cell openpyxl refuses) or
#: write a file Excel cannot open (the activity summary's title).
PAYLOAD = SCRIPT + "\"'&\n\v<b onclick=x>"
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"
#: What no page may contain: the script as a tag (also cut short in a short column), or escaped twice.
RAW = ("<script>alert", "<b onclick", "&amp;lt;script")

#: Columns left as they are, with the reason. Everything else that holds text gets the payload,
#: also ID numbers, credit codes, phones, usernames (the tests log in through the session, not the
#: form), the attachments' original names and the audit trail's action and field.
KEEP = {
    # A secret and stored files: never shown as text; a payload would only break the download.
    ("user_account", "password_hash"): "a password hash, never shown",
    ("joint_activity_attachment", "key"): "the stored file's name on disk",
    ("joint_activity_attachment", "mime"): "sniffed from the file's bytes; decides how the file is served",
    ("cobuilding_agreement", "scan_key"): "the stored file's name on disk",
    ("cobuilding_agreement", "scan_mime"): "sniffed from the file's bytes; decides how the file is served",
    ("print_job", "file_key"): "the rendered PDF's name on disk",
    ("print_job", "params"): "JSON written by the app (the roster request), never shown",
    # Codes the app writes and looks up (no user ever types them): the payload would detach the
    # row from its definition instead of testing how text is shown.
    ("supervision_step", "step_code"): "the key of the step's definition in domain/workflow",
    ("supervision_step", "period_key"): "the period code (2026, 2026H1, 2026Q1) the app parses",
    ("plan_setting", "step_code"): "the key of the step's definition in domain/workflow",
    ("audit_entry", "entity"): "the table name that links an audit row to its record",
}
#: Columns the app only ever stores cleaned: the uploaded file's own name, without control characters.
CLEANED = {
    ("joint_activity_attachment", "original_name"): clean_name,
    ("cobuilding_agreement", "scan_name"): clean_name,
}


def poisoned(original: str | None, length: int | None, prefix: str = "") -> str:
    """`prefix`, the payload and the original text, cut to the column's length.

    In a column too short for both, the payload's start stays and so do the original's first and
    last characters (unique values stay unique: ID numbers, stairwell unit names, usernames).
    """
    payload, original = prefix + PAYLOAD, original or ""
    if length is None or len(payload) + len(original) <= length:
        return payload + original
    keep = min(len(original), max(length - len(payload), length // 2 if length < len(payload) else 4))
    head = keep // 2
    return payload[:length - keep] + original[:head] + original[len(original) - (keep - head):]


def text_columns():
    """(model class, attribute, column, cleaning) for every String/Text column that is not an enum or in KEEP."""
    for mapper in db.Model.registry.mappers:
        table = mapper.local_table
        for column in table.columns:
            if not isinstance(column.type, sa.String) or isinstance(column.type, sa.Enum):
                continue
            if (table.name, column.name) in KEEP:
                continue
            clean = CLEANED.get((table.name, column.name), str)
            yield mapper.class_, mapper.get_property_by_column(column).key, column, clean


def poison_every_text_column(prefixes=("",)) -> int:
    """Put the payload into every text column of every row (prefixes taken in turn); return the count."""
    done = 0
    empty = []
    for n, (model, attr, column, clean) in enumerate(text_columns()):
        rows = db.session.scalars(select(model)).all()
        if not rows:
            empty.append(model.__name__)
        prefix = prefixes[n % len(prefixes)]
        for row in rows:
            setattr(row, attr, clean(poisoned(getattr(row, attr), column.type.length, prefix)))
            done += 1
    assert not empty, f"no rows to poison for {sorted(set(empty))}: add one to furnish()"
    db.session.commit()
    return done


def furnish(world) -> None:
    """Give world.a one record of every kind: those the permission table's URLs make, and the rest."""
    a = world.a
    for _, _, values in TABLE.values():
        if values:
            values(a)
    assisted_args(a)
    staff = a.users[Role.STAFF]
    dual = factories.member(a.community, name="双管党员", category=Category.DUAL, branch_id=a.branch.id)
    takeover = factories.member(a.community, name="接管党员", category=Category.TAKEOVER, branch_id=a.branch.id)
    db.session.add_all([
        DualInfo(member_id=dual.id, former_employer="市钢铁公司", former_party_org="钢铁公司党委",
                 contact_person="赵联系", contact_phone="13900000002"),
        TakeoverInfo(member_id=takeover.id, reason=TakeoverReason.GRADUATE, origin_org="某大学党委",
                     letter_number="介字001号", letter_issuer="某大学党委组织部",
                     letter_issued_on=date(2026, 1, 5), letter_valid_days=90,
                     letter_expiry_override=True, letter_override_reason="补办手续中"),
        BranchSubtype(community_id=a.community.id, name="志愿服务型"),
        PlanSetting(community_id=a.community.id, category=Category.DIRECT, step_code="org_life", post="支部委员"),
        SeatTerm(seat_id=concurrent_seat(a).id, holder_name="钱前任", holder_org="区委组织部",
                 holder_post="副部长", chosen_by=ChosenBy.ELECTED, start_on=date(2021, 1, 1),
                 end_on=date(2023, 12, 31), end_reason="调离"),
        CobuildingProject(community_id=a.community.id, resident_unit_id=a.unit.id, title="结对帮扶项目",
                          resource_id=first_of(UnitResource, a, resource).id,
                          need_id=first_of(CommunityNeed, a, need).id, note="每月一次"),
        JointActivity(community_id=a.community.id, unit_id=a.unit.id, kind=ActivityKind.WELFARE, title="义诊",
                      held_on=date(2026, 2, 1), start_time=time(9), end_time=time(11), place="社区广场", hours=2,
                      summary="测量血压", state=ActivityState.RETURNED, return_reason="请补充照片"),
        PrintJob(community_id=a.community.id, user_id=a.users[Role.SECRETARY].id, rows=5000, title="全社区花名册",
                 state=JobState.FAILED, error="字体缺失", filename="全社区花名册.pdf"),
    ])
    audit.record(staff, a.member, "update", "work_unit", "原单位", "新单位")
    db.session.commit()
    assert db.session.scalar(select(AssistedInfo).where(AssistedInfo.member_id == a.other_member.id))
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.entity == "member"))


def poisoned_world(world, prefixes=("",)):
    furnish(world)
    assert poison_every_text_column(prefixes) > 200


# --- pages ----------------------------------------------------------------------------------------

class Injected(HTMLParser):
    """What the payload would make if it were not escaped: inline scripts, handlers, script URLs."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        names = [name for name, _ in attrs]
        if tag == "script" and "src" not in names:
            self.found.append(f"<{tag}> without src")
        self.found += [f"<{tag} {name}=...>" for name in names if name.startswith("on")]
        self.found += [f"<{tag} {name}={value!r}>" for name, value in attrs
                       if name in ("href", "src", "action", "formaction")
                       and (value or "").strip().lower().startswith(("javascript:", "data:"))]


def injected(html: str) -> list[str]:
    parser = Injected()
    parser.feed(html)
    parser.close()
    return parser.found


def page_urls(role, side) -> dict[str, str]:
    """Rule -> URL of the GET routes `role` may open in `side`, but the printouts and exports (below)."""
    return {rule: build(rule, values(side) if values else {})
            for rule, (method, allowed, values) in sorted(TABLE.items())
            if method == "GET" and role in allowed and not rule.endswith((".pdf", ".xlsx"))}


def record_urls(side) -> dict[str, str]:
    """The pages of every record of `side` the permission table's URLs do not show (as the secretary)."""
    cid = side.community.id
    pages = {
        "member": (Member, "members/{}"), "category info": (Member, "members/{}/category-info"),
        "branch": (Branch, "branches/{}"), "activity": (JointActivity, "activities/{}"),
        "seat": (CommitteeSeat, "committee/seats/{}"), "project": (CobuildingProject, "cobuilding/projects/{}"),
        "print job": (PrintJob, "print/jobs/{}"),
    }
    return {f"{name} {id_}": f"/c/{cid}/" + path.format(id_)
            for name, (model, path) in pages.items()
            for id_ in db.session.scalars(select(model.id).where(model.community_id == cid))}


def visit(client, auth, user, urls: dict[str, str], query=""):
    """GET each page as `user`: (problems, the HTML pages, the HTML pages that show the escaped script)."""
    auth.login(user)
    problems, pages, shown = [], [], []
    for name, url in urls.items():
        url += query
        r = client.get(url, follow_redirects=True)
        r.get_data()
        r.close()
        if r.status_code != 200:
            problems.append(f"{user.role.value} {url}: {r.status_code}")
            continue
        if r.mimetype != "text/html":  # photos, scans, the print job's PDF
            continue
        html = text(r)
        pages.append(name)
        problems += [f"{user.role.value} {url}: raw {raw!r}" for raw in RAW if raw in html]
        problems += [f"{user.role.value} {url}: {tag}" for tag in injected(html)]
        if ESCAPED_SCRIPT in html:
            shown.append(name)
    return problems, pages, shown


def test_every_page_shows_stored_script_escaped(client, auth, world):
    poisoned_world(world)
    users = {S: world.a.users[S], B: world.a.users[B], L: world.a.users[L], D: world.district}
    urls = {role: page_urls(role, world.a) for role in users}
    urls[S] |= record_urls(world.a)
    problems, pages, shown = [], {}, {}
    for role, user in users.items():
        found, pages[role], shown[role] = visit(client, auth, user, urls[role])
        problems += found
    assert not problems, "\n".join(problems)
    # The payload was stored and is shown (every page shows at least the user's or the community's name).
    for role in users:
        assert shown[role] == pages[role], f"{role.value}: {sorted(set(pages[role]) - set(shown[role]))}"
    assert len(shown[S]) >= 80 and len(shown[D]) >= 30 and len(shown[B]) >= 6 and len(shown[L]) >= 6
    cid = "/c/<int:cid>"
    for rule in (f"{cid}/members", f"{cid}/members/<int:mid>", f"{cid}/branches", f"{cid}/units/<int:uid>/edit"):
        assert rule in shown[S], rule


#: Every argument a page reads, with the payload (reflected rather than stored); `next` and `back`
#: (where to go back to) with a script URL.
ARGUMENTS = "&".join(
    [f"{name}={quote(PAYLOAD)}" for name in ("q", "kind", "state", "status", "category", "year", "by", "all",
                                              "branch", "group", "building", "unit", "need", "grid", "sort")]
    + [f"{name}={quote('javascript:alert(1)')}" for name in ("next", "back")]
)


def test_page_arguments_are_shown_escaped(client, auth, world):
    problems, pages, _ = visit(client, auth, world.a.users[S], page_urls(S, world.a), query="?" + ARGUMENTS)
    assert not problems, "\n".join(problems)
    assert len(pages) >= 60


# --- printouts ------------------------------------------------------------------------------------

def test_every_printout_prints_stored_script_as_text(client, auth, world):
    poisoned_world(world)
    a, year = world.a, date.today().year
    cid, mid = a.community.id, a.other_member.id
    columns = "&".join(f"columns={c}" for c in ("ethnicity", "id_number", "education", "work_unit", "phone",
                                                "address", "branch", "group"))
    urls = {
        "roster": f"/c/{cid}/print/roster?download=1&{columns}",
        "card": f"/c/{cid}/members/{mid}/card.pdf",
        "committee": f"/c/{cid}/print/committee.pdf",
        "units": f"/c/{cid}/print/units.pdf",
        "report_in": f"/c/{cid}/print/report-in.pdf",
        "receipt": f"/c/{cid}/members/{mid}/report-receipt.pdf",
        "letter": f"/c/{cid}/members/{mid}/feedback-letter.pdf?year={year}",
    }
    auth.login(a.users[S])
    problems = []
    for name, url in urls.items():
        words = pdf_text(assert_pdf(client.get(url)))
        # Printed as typed: not dropped, not escaped (twice) into entities.
        if SCRIPT not in words or "&lt;" in words or "&amp;" in words:
            problems.append(f"{name}: {words[:400]!r}")
    assert not problems, "\n".join(problems)


# --- Excel ----------------------------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t")


def test_every_export_keeps_stored_text_as_text(client, auth, world):
    """Text starting like a formula is written with a leading apostrophe, never as a formula, never escaped."""
    poisoned_world(world, prefixes=FORMULA_PREFIXES)
    problems, shown, defused = [], {}, set()
    for user in (world.a.users[S], world.district):
        auth.login(user)
        for rule in sorted(rule for rule, (method, allowed, _) in TABLE.items()
                           if method == "GET" and user.role in allowed and rule.endswith(".xlsx")
                           and "/import/" not in rule):  # the import's sheets have their own tests
            _, _, values = TABLE[rule]
            url = build(rule, values(world.a) if values else {})
            r = client.get(url)
            assert r.status_code == 200, url
            where = f"{user.role.value} {url}"
            shown[where] = 0
            for sheet in load_workbook(io.BytesIO(r.data)).worksheets:
                for cell in (c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)):
                    if cell.data_type == "f" or cell.value.startswith(FORMULA_STARTS) or "&lt;" in cell.value:
                        problems.append(f"{where} {sheet.title}!{cell.coordinate}: {cell.value!r}")
                    elif SCRIPT in cell.value:
                        shown[where] += 1
                        if cell.value.startswith("'"):
                            defused.add(cell.value[1])
    assert not problems, "\n".join(problems)
    assert all(shown.values()) and len(shown) >= 15, shown
    assert defused == set(FORMULA_PREFIXES)
