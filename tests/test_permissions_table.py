"""Every route x role x own/other community: the status a user gets.

The route list comes from the URL map, so a new route fails `test_every_route_is_in_the_table`
until it is given a row here.
"""
import pytest

from partyorg import create_app
from partyorg.models import Role

from .committee_helpers import url_args as cob
from .conftest import text
from .supervision_helpers import step_id

D, S, ST, B, L = Role.DISTRICT, Role.SECRETARY, Role.STAFF, Role.BRANCH_SECRETARY, Role.LIAISON
ALL = {D, S, ST, B, L}
VIEW = {D, S, ST}
OFFICE = {S, ST}


def args_for(side, **extra):
    return {"cid": side.community.id, **extra}


# rule -> (method, roles allowed in their own scope, function(side) -> URL values).
# Branch ids: `bid` in org.* is a branch, in places.* a building.
TABLE = {
    "/": ("GET", ALL, None),
    "/password": ("GET", ALL, None),
    "/communities": ("GET", {D}, None),
    "/communities/new": ("GET", {D}, None),
    "/c/<int:cid>": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/edit": ("GET", {D, S}, lambda s: args_for(s)),
    "/c/<int:cid>/committee/edit": ("GET", {S}, lambda s: args_for(s)),
    "/c/<int:cid>/grids": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/grids/new": ("GET", {S}, lambda s: args_for(s)),
    "/c/<int:cid>/grids/<int:gid>": ("GET", VIEW, lambda s: args_for(s, gid=s.grid.id)),
    "/c/<int:cid>/grids/<int:gid>/edit": ("GET", {S}, lambda s: args_for(s, gid=s.grid.id)),
    "/c/<int:cid>/grids/<int:gid>/officers/new": ("GET", {S}, lambda s: args_for(s, gid=s.grid.id)),
    "/c/<int:cid>/grids/<int:gid>/officers/<int:oid>/remove": (
        "POST", {S}, lambda s: args_for(s, gid=s.grid.id, oid=s.grid.officers[0].id)),
    "/c/<int:cid>/buildings": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/buildings/new": ("GET", {S}, lambda s: args_for(s)),
    "/c/<int:cid>/buildings/<int:bid>": ("GET", VIEW, lambda s: args_for(s, bid=s.building.id)),
    "/c/<int:cid>/buildings/<int:bid>/edit": ("GET", {S}, lambda s: args_for(s, bid=s.building.id)),
    "/c/<int:cid>/buildings/<int:bid>/stair-units": ("POST", {S}, lambda s: args_for(s, bid=s.building.id)),
    "/c/<int:cid>/branches": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/branches/new": ("GET", {S}, lambda s: args_for(s)),
    "/c/<int:cid>/branch-subtypes": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/branches/<int:bid>": ("GET", VIEW | {B}, lambda s: args_for(s, bid=s.branch.id)),
    "/c/<int:cid>/branches/<int:bid>/edit": ("GET", {S}, lambda s: args_for(s, bid=s.branch.id)),
    "/c/<int:cid>/branches/<int:bid>/dissolve": ("GET", {S}, lambda s: args_for(s, bid=s.branch.id)),
    "/c/<int:cid>/branches/<int:bid>/unit-groups": ("POST", {S}, lambda s: args_for(s, bid=s.branch.id)),
    "/c/<int:cid>/branches/<int:bid>/groups/new": ("GET", {S, B}, lambda s: args_for(s, bid=s.branch.id)),
    "/c/<int:cid>/groups/<int:gid>/edit": ("GET", {S, B}, lambda s: args_for(s, gid=s.group.id)),
    "/c/<int:cid>/units": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/units/new": ("GET", {S}, lambda s: args_for(s)),
    "/c/<int:cid>/units/<int:uid>": ("GET", VIEW | {L}, lambda s: args_for(s, uid=s.unit.id)),
    "/c/<int:cid>/units/<int:uid>/edit": ("GET", {S}, lambda s: args_for(s, uid=s.unit.id)),
    "/c/<int:cid>/members": ("GET", VIEW | {B}, lambda s: args_for(s)),
    "/c/<int:cid>/members/new": ("GET", OFFICE, lambda s: args_for(s)),
    "/c/<int:cid>/members/<int:mid>": ("GET", VIEW | {B}, lambda s: args_for(s, mid=s.member.id)),
    "/c/<int:cid>/members/<int:mid>/edit": ("GET", OFFICE, lambda s: args_for(s, mid=s.member.id)),
    "/c/<int:cid>/members/<int:mid>/status": ("GET", OFFICE, lambda s: args_for(s, mid=s.member.id)),
    "/c/<int:cid>/members/<int:mid>/reveal-id": ("POST", OFFICE, lambda s: args_for(s, mid=s.member.id)),
    "/accounts": ("GET", {D}, None),
    "/accounts/new": ("GET", {D}, None),
    "/c/<int:cid>/accounts": ("GET", {D, S}, lambda s: args_for(s)),
    "/c/<int:cid>/accounts/new": ("GET", {D, S}, lambda s: args_for(s)),
    # The target is the community's staff account: the district manages only district and
    # secretary accounts.
    "/accounts/<int:uid>/edit": ("GET", {S}, lambda s: {"uid": s.users[Role.STAFF].id}),
    "/accounts/<int:uid>/password": ("POST", {S}, lambda s: {"uid": s.users[Role.STAFF].id}),
    # Supervision (五定): the step is this quarter's 组织生活 check of the branch's direct member.
    "/c/<int:cid>/todo": ("GET", VIEW, lambda s: args_for(s)),
    "/todo": ("GET", {S, ST, B}, None),
    "/c/<int:cid>/steps/<int:sid>/complete": ("GET", {S, ST, B}, lambda s: args_for(s, sid=step_id(s))),
    "/c/<int:cid>/steps/<int:sid>/waive": ("POST", OFFICE, lambda s: args_for(s, sid=step_id(s))),
    "/c/<int:cid>/members/<int:mid>/category-info": ("GET", OFFICE, lambda s: args_for(s, mid=s.member.id)),
    "/c/<int:cid>/members/<int:mid>/category": ("POST", OFFICE, lambda s: args_for(s, mid=s.member.id)),
    "/c/<int:cid>/members/<int:mid>/plan/open": ("POST", OFFICE, lambda s: args_for(s, mid=s.member.id)),
    "/c/<int:cid>/plan-settings": ("GET", {S}, lambda s: args_for(s)),
    # Joint activities: `activity_args` creates (once per test) a submitted activity of the side's
    # resident unit with one photo; the liaison is that unit's, so he is in scope.
    "/c/<int:cid>/activities": ("GET", VIEW | {L}, lambda s: args_for(s)),
    "/c/<int:cid>/activities/new": ("GET", {S, ST, L}, lambda s: args_for(s)),
    "/c/<int:cid>/activities/<int:aid>": ("GET", VIEW | {L}, lambda s: activity_args(s)),
    "/c/<int:cid>/activities/<int:aid>/edit": ("GET", {S, ST, L}, lambda s: activity_args(s)),
    "/c/<int:cid>/activities/<int:aid>/submit": ("POST", {S, ST, L}, lambda s: activity_args(s)),
    "/c/<int:cid>/activities/<int:aid>/confirm": ("POST", OFFICE, lambda s: activity_args(s)),
    "/c/<int:cid>/activities/<int:aid>/return": ("POST", OFFICE, lambda s: activity_args(s)),
    "/c/<int:cid>/activities/<int:aid>/attachments": ("POST", {S, ST, L}, lambda s: activity_args(s)),
    "/c/<int:cid>/activities/<int:aid>/attachments/<int:fid>": (
        "GET", VIEW | {L}, lambda s: activity_args(s, with_file=True)),
    "/c/<int:cid>/activities/<int:aid>/attachments/<int:fid>/thumbnail": (
        "GET", VIEW | {L}, lambda s: activity_args(s, with_file=True)),
    "/c/<int:cid>/activities/<int:aid>/attachments/<int:fid>/remove": (
        "POST", {S, ST, L}, lambda s: activity_args(s, with_file=True)),
    "/c/<int:cid>/activities/summary": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/activities/summary.xlsx": ("GET", VIEW, lambda s: args_for(s)),
    "/activities/summary": ("GET", {D}, None),
    "/activities/summary.xlsx": ("GET", {D}, None),
    # The big party committee and co-building: `cob` (tests/committee_helpers.url_args) makes a
    # concurrent seat held for the side's unit, a pending resource of that unit, a need and a project.
    "/c/<int:cid>/committee": ("GET", VIEW, lambda s: cob(s)),
    "/c/<int:cid>/committee.xlsx": ("GET", VIEW, lambda s: cob(s)),
    "/c/<int:cid>/committee/seats/new": ("GET", {S}, lambda s: cob(s)),
    "/c/<int:cid>/committee/seats/<int:sid>": ("GET", VIEW | {L}, lambda s: cob(s, sid=1)),
    "/c/<int:cid>/committee/seats/<int:sid>/terms/new": ("GET", {S}, lambda s: cob(s, sid=1)),
    "/c/<int:cid>/committee/terms/<int:tid>/end": ("GET", {S}, lambda s: cob(s, tid=1)),
    "/c/<int:cid>/cobuilding": ("GET", VIEW | {L}, lambda s: cob(s)),
    "/c/<int:cid>/cobuilding/units/<int:uid>": ("GET", VIEW | {L}, lambda s: cob(s, uid=1)),
    "/c/<int:cid>/cobuilding/units/<int:uid>/agreement": ("GET", OFFICE, lambda s: cob(s, uid=1)),
    "/c/<int:cid>/cobuilding/units/<int:uid>/agreement/scan": ("GET", VIEW | {L}, lambda s: cob(s, scan=1)),
    "/c/<int:cid>/cobuilding/resources": ("GET", VIEW | {L}, lambda s: cob(s)),
    "/c/<int:cid>/cobuilding/resources/new": ("GET", OFFICE | {L}, lambda s: cob(s)),
    "/c/<int:cid>/cobuilding/resources/<int:rid>/edit": ("GET", OFFICE | {L}, lambda s: cob(s, rid=1)),
    "/c/<int:cid>/cobuilding/resources/<int:rid>/confirm": ("POST", OFFICE, lambda s: cob(s, rid=1)),
    "/c/<int:cid>/cobuilding/needs": ("GET", VIEW | {L}, lambda s: cob(s)),
    "/c/<int:cid>/cobuilding/needs/new": ("GET", OFFICE, lambda s: cob(s)),
    "/c/<int:cid>/cobuilding/needs/<int:nid>/edit": ("GET", OFFICE, lambda s: cob(s, nid=1)),
    "/c/<int:cid>/cobuilding/projects": ("GET", VIEW | {L}, lambda s: cob(s)),
    "/c/<int:cid>/cobuilding/projects/new": ("GET", OFFICE, lambda s: cob(s)),
    "/c/<int:cid>/cobuilding/projects/<int:pid>": ("GET", VIEW | {L}, lambda s: cob(s, pid=1)),
    "/c/<int:cid>/cobuilding/projects/<int:pid>/edit": ("GET", OFFICE, lambda s: cob(s, pid=1)),
    "/c/<int:cid>/cobuilding/agreements.xlsx": ("GET", VIEW, lambda s: cob(s)),
    "/c/<int:cid>/cobuilding/resources.xlsx": ("GET", VIEW, lambda s: cob(s)),
    "/c/<int:cid>/cobuilding/needs.xlsx": ("GET", VIEW, lambda s: cob(s)),
    "/c/<int:cid>/cobuilding/projects.xlsx": ("GET", VIEW, lambda s: cob(s)),
    # Printouts (PDF): a branch secretary prints his own branch's roster and members' cards.
    "/c/<int:cid>/print/roster": ("GET", VIEW | {B}, lambda s: args_for(s)),
    "/c/<int:cid>/members/<int:mid>/card.pdf": ("GET", VIEW | {B}, lambda s: args_for(s, mid=s.member.id)),
    "/c/<int:cid>/print/units.pdf": ("GET", VIEW, lambda s: args_for(s)),
    # Background roster jobs: `print_job_args` makes a finished job of the side's secretary; only
    # the job's own user sees it.
    "/c/<int:cid>/print/jobs/<int:jid>": ("GET", {S}, lambda s: print_job_args(s)),
    "/c/<int:cid>/print/jobs/<int:jid>/file": ("GET", {S}, lambda s: print_job_args(s)),
    # The list of jobs: whoever prints rosters sees his own (the secretary her community's too);
    # removing a file early is for the job's own user.
    "/c/<int:cid>/print/jobs": ("GET", VIEW | {B}, lambda s: args_for(s)),
    "/c/<int:cid>/print/jobs/<int:jid>/remove": ("POST", {S}, lambda s: print_job_args(s)),
    # Excel exports of the list pages (same rights as the page) and the members import.
    "/c/<int:cid>/members/export.xlsx": ("GET", VIEW | {B}, lambda s: args_for(s)),
    "/c/<int:cid>/units/export.xlsx": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/branches/export.xlsx": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/grids/export.xlsx": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/buildings/export.xlsx": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/accounts/export.xlsx": ("GET", {D, S}, lambda s: args_for(s)),
    "/c/<int:cid>/members/import": ("POST", OFFICE, lambda s: args_for(s)),
    "/c/<int:cid>/members/import/template.xlsx": ("GET", OFFICE, lambda s: args_for(s)),
    "/c/<int:cid>/members/import/confirm": ("POST", OFFICE, lambda s: args_for(s)),
    "/c/<int:cid>/members/import/problems.xlsx": ("GET", OFFICE, lambda s: args_for(s)),
    # Committee composition, report-in roster, and the letters about an assisted member (report-in recorded).
    "/c/<int:cid>/print/committee.pdf": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/print/report-in.pdf": ("GET", VIEW, lambda s: args_for(s)),
    "/c/<int:cid>/members/<int:mid>/report-receipt.pdf": ("GET", OFFICE, lambda s: assisted_args(s)),
    "/c/<int:cid>/members/<int:mid>/feedback-letter.pdf": ("GET", OFFICE, lambda s: assisted_args(s)),
}
#: Open to everyone, logged in or not.
PUBLIC = {"/login", "/healthz", "/logout", "/static/<path:filename>", "/bootstrap/static/<path:filename>"}


def app_rules():
    app = create_app("testing")
    return {r.rule for r in app.url_map.iter_rules()}


def test_every_route_is_in_the_table():
    missing = app_rules() - set(TABLE) - PUBLIC
    assert not missing, f"routes without a permission row: {sorted(missing)}"
    stale = set(TABLE) - app_rules()
    assert not stale, f"rows for routes that no longer exist: {sorted(stale)}"


def build(rule: str, values: dict) -> str:
    url = rule
    for key, value in values.items():
        url = url.replace(f"<int:{key}>", str(value))
    assert "<" not in url, url
    return url


def request(client, method, url):
    r = client.get(url) if method == "GET" else client.post(url, data={})
    r.get_data()  # buffer the body, then release a streamed file
    r.close()
    return r


def user_of(world, role):
    return world.district if role == D else world.a.users[role]


@pytest.mark.parametrize("rule", sorted(TABLE))
@pytest.mark.parametrize("role", [D, S, ST, B, L], ids=lambda r: r.value)
def test_own_scope(client, auth, world, rule, role):
    method, allowed, values = TABLE[rule]
    auth.login(user_of(world, role))
    r = request(client, method, build(rule, values(world.a) if values else {}))
    if role in allowed:
        assert r.status_code in (200, 302), f"{role} {rule}: {r.status_code}"
        if r.status_code == 200 and r.mimetype == "text/html":  # files (photos, Excel) are not pages
            assert '<html lang="zh-CN">' in text(r)
    else:
        assert r.status_code == 403, f"{role} {rule}: {r.status_code}"
        assert "无权访问" in text(r)


@pytest.mark.parametrize("rule", sorted(r for r, (_, _, v) in TABLE.items() if v))
@pytest.mark.parametrize("role", [S, ST, B, L], ids=lambda r: r.value)
def test_other_community_is_refused(client, auth, world, rule, role):
    method, _, values = TABLE[rule]
    auth.login(world.a.users[role])
    r = request(client, method, build(rule, values(world.b)))
    assert r.status_code in (403, 404), f"{role} {rule}: {r.status_code}"


@pytest.mark.parametrize("rule", sorted(TABLE))
def test_anonymous_goes_to_login(client, world, rule):
    method, _, values = TABLE[rule]
    r = request(client, method, build(rule, values(world.a) if values else {}))
    assert r.status_code == 302
    assert "/login" in r.headers["Location"]


def activity_args(side, with_file=False):
    """URL values of a submitted joint activity of `side`'s unit (made once per test), with a photo."""
    import io
    import shutil
    import tempfile
    import weakref
    from datetime import date, time

    from flask import current_app
    from PIL import Image
    from werkzeug.datastructures import FileStorage

    from partyorg import uploads
    from partyorg.extensions import db
    from partyorg.models import (
        ActivityKind,
        ActivityState,
        JointActivity,
        JointActivityAttachment,
    )

    if not current_app.config.get("UPLOAD_FOLDER"):
        folder = tempfile.mkdtemp(prefix="partyorg-perm-")
        # Removed with this test's app (or at exit at the latest).
        weakref.finalize(current_app._get_current_object(), shutil.rmtree, folder, True)
        current_app.config["UPLOAD_FOLDER"] = folder
    activity = getattr(side, "_activity", None)
    if activity is None:
        activity = JointActivity(
            community_id=side.community.id, unit_id=side.unit.id, kind=ActivityKind.SECURITY, title="夜间联防巡逻",
            held_on=date(2026, 3, 1), start_time=time(19), end_time=time(21), place="小区南门", other_count=5,
            hours=2, state=ActivityState.SUBMITTED,
        )
        activity.units = [side.unit]
        activity.participants = [side.member]
        png = io.BytesIO()
        Image.new("RGB", (40, 30), "red").save(png, "PNG")
        png.seek(0)
        stored = uploads.store_upload(FileStorage(png, filename="photo.png"))
        activity.attachments.append(JointActivityAttachment(
            key=stored.key, mime=stored.mime, size=stored.size, original_name=stored.original_name))
        db.session.add(activity)
        db.session.commit()
        side._activity = activity
    values = args_for(side, aid=activity.id)
    if with_file:
        values["fid"] = activity.attachments[0].id
    return values


def assisted_args(side):
    """URL values of the side's assisted member, with his report-in recorded (once per test)."""
    from datetime import date

    from sqlalchemy import select

    from partyorg.extensions import db
    from partyorg.models import AssistedInfo

    member = side.other_member
    if db.session.scalar(select(AssistedInfo).where(AssistedInfo.member_id == member.id)) is None:
        db.session.add(AssistedInfo(member_id=member.id, employer="市人民医院", employer_party_org="市人民医院党委",
                                    reported_on=date(2025, 3, 1)))
        db.session.commit()
    return args_for(side, mid=member.id)


def print_job_args(side):
    """URL values of a finished roster print job of `side`'s secretary (made once per test), with its PDF."""
    import shutil
    import tempfile
    import weakref

    from flask import current_app

    from partyorg.extensions import db
    from partyorg.models import JobState, PrintJob, utcnow

    if not current_app.config.get("PRINT_FOLDER"):
        folder = tempfile.mkdtemp(prefix="partyorg-prints-")
        weakref.finalize(current_app._get_current_object(), shutil.rmtree, folder, True)
        current_app.config["PRINT_FOLDER"] = folder
    job = getattr(side, "_print_job", None)
    if job is None:
        key = f"job{side.community.id}.pdf"
        with open(f"{current_app.config['PRINT_FOLDER']}/{key}", "wb") as f:
            f.write(b"%PDF-1.7\n%%EOF\n")
        job = PrintJob(community_id=side.community.id, user_id=side.users[Role.SECRETARY].id, rows=2,
                       title="党员花名册", state=JobState.DONE, progress=100, file_key=key,
                       filename="党员花名册.pdf", finished_at=utcnow())
        db.session.add(job)
        db.session.commit()
        side._print_job = job
    return args_for(side, jid=job.id)
