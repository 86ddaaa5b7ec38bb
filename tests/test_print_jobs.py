"""Large rosters render in the background: job page, progress, download, owner only, failures."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from partyorg import print_jobs
from partyorg.domain.masking import mask_id_number
from partyorg.extensions import db
from partyorg.models import AuditEntry, JobState, PrintJob, Role, utcnow

from .conftest import text
from .test_printing import pdf_text, roster_url


@pytest.fixture
def jobs(app, tmp_path):
    """Every roster of more than one row becomes a job, rendered inline; PDFs go to a temp folder."""
    app.config.update(PRINT_BACKGROUND_ROWS=1, PRINT_SYNC_JOBS=True, PRINT_FOLDER=str(tmp_path))
    return tmp_path


def job_url(side, job_id, file=False) -> str:
    return f"/c/{side.community.id}/print/jobs/{job_id}" + ("/file" if file else "")


def start_job(client, side, **params) -> PrintJob:
    r = client.get(roster_url(side, **params))
    assert r.status_code == 302, text(r)
    job = db.session.scalars(select(PrintJob).order_by(PrintJob.id.desc())).first()
    assert r.headers["Location"].endswith(job_url(side, job.id))
    return job


def test_large_roster_becomes_a_job_and_downloads(client, auth, world, jobs):
    secretary = auth.login(world.a.users[Role.SECRETARY])
    job = start_job(client, world.a, columns="id_number")
    assert job.user_id == secretary.id and job.community_id == world.a.community.id
    assert job.state == JobState.DONE and job.progress == 100 and job.rows == 2

    page = text(client.get(job_url(world.a, job.id)))
    assert "已完成" in page and "共 2 人" in page and "下载 PDF" in page
    assert 'http-equiv="refresh"' not in page  # a finished job stops refreshing

    r = client.get(job_url(world.a, job.id, file=True))
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "attachment;" in r.headers["Content-Disposition"]
    words = pdf_text(r.data)
    assert "昌盛社区" in words and "党员花名册" in words and "a张三" in words and "a李四" in words
    number = world.a.member.id_number
    assert number not in words and mask_id_number(number) in words
    assert list(jobs.glob("*.pdf")) and not list(jobs.glob("*.part"))


def test_small_roster_still_downloads_at_once(client, auth, world, jobs):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.get(roster_url(world.a, branch=world.a.branch.id))  # one member: not above the threshold
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert db.session.scalar(select(PrintJob)) is None


def test_default_threshold_prints_the_test_world_at_once(client, auth, world):
    auth.login(world.a.users[Role.SECRETARY])
    r = client.get(roster_url(world.a))
    assert r.status_code == 200 and r.mimetype == "application/pdf"


def test_queued_job_page_refreshes_itself_without_script(client, auth, world, jobs):
    user = auth.login(world.a.users[Role.STAFF])
    job = PrintJob(community_id=world.a.community.id, user_id=user.id, rows=1200, title="党员花名册",
                   state=JobState.RUNNING, progress=10)
    db.session.add(job)
    db.session.commit()
    r = client.get(job_url(world.a, job.id))
    page = text(r)
    assert r.status_code == 200
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "正在生成" in page and "进度 10%" in page and "共 1200 人" in page
    assert "<script>" not in page and "style=" not in page
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    # Not ready yet: the file link leads back to the progress page.
    r = client.get(job_url(world.a, job.id, file=True))
    assert r.status_code == 302 and r.headers["Location"].endswith(job_url(world.a, job.id))


@pytest.mark.parametrize("role", [Role.STAFF, Role.DISTRICT, Role.BRANCH_SECRETARY])
def test_only_the_jobs_user_sees_it(client, auth, world, jobs, role):
    auth.login(world.a.users[Role.SECRETARY])
    job = start_job(client, world.a)
    auth.login(world.district if role == Role.DISTRICT else world.a.users[role])
    for url in (job_url(world.a, job.id), job_url(world.a, job.id, file=True)):
        r = client.get(url)
        assert r.status_code == 403 and "无权访问" in text(r)


def test_job_of_another_community(client, auth, world, jobs):
    auth.login(world.b.users[Role.SECRETARY])
    job = start_job(client, world.b)
    # Its own user, but under another community's URL: not found there.
    auth.login(world.a.users[Role.SECRETARY])
    assert client.get(job_url(world.a, job.id)).status_code == 404
    assert client.get(job_url(world.b, job.id)).status_code == 403
    assert client.get(job_url(world.a, 99999)).status_code == 404


def test_anonymous_goes_to_login(client, auth, world, jobs):
    auth.login(world.a.users[Role.SECRETARY])
    job = start_job(client, world.a)
    auth.logout()
    for url in (job_url(world.a, job.id), job_url(world.a, job.id, file=True)):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_unmasked_job_is_audited(client, auth, world, jobs):
    staff = auth.login(world.a.users[Role.STAFF])
    job = start_job(client, world.a, columns="id_number", unmasked="y")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "print_unmasked"))
    assert entry.user_id == staff.id and entry.community_id == world.a.community.id
    assert entry.new_value == "党员花名册"
    words = pdf_text(client.get(job_url(world.a, job.id, file=True)).data)
    assert world.a.member.id_number in words


def test_branch_secretary_cannot_unmask_or_widen_a_job(client, auth, world, jobs):
    auth.login(world.a.users[Role.BRANCH_SECRETARY])
    assert client.get(roster_url(world.a, unmasked="y")).status_code == 403
    assert db.session.scalar(select(PrintJob)) is None
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "print_unmasked")) is None


def test_failed_render_shows_a_chinese_message(client, auth, world, jobs, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("pango exploded")

    monkeypatch.setattr(print_jobs, "render_roster_pdf", broken)
    auth.login(world.a.users[Role.SECRETARY])
    job = start_job(client, world.a)
    assert job.state == JobState.FAILED and job.finished_at is not None
    page = text(client.get(job_url(world.a, job.id)))
    assert "失败" in page and "生成 PDF 时出错" in page and "pango" not in page
    assert 'http-equiv="refresh"' not in page
    assert not list(jobs.iterdir())


def test_filter_gone_before_the_job_runs_fails_with_its_message(app, world, jobs):
    user = world.a.users[Role.SECRETARY]
    req = print_jobs.RosterRequest(branch_id=world.b.branch.id)  # not a branch of community a
    job = PrintJob(community_id=world.a.community.id, user_id=user.id, params=req.to_json(), rows=5)
    db.session.add(job)
    db.session.flush()
    job_id = job.id  # the worker shares the in-memory database's one connection: leave it idle
    db.session.commit()
    print_jobs.run_job(app, job_id)
    db.session.expire_all()
    assert job.state == JobState.FAILED and job.error == "所选党支部不属于本社区。"


def test_job_lost_to_a_restart_fails_after_15_minutes(client, auth, world, jobs):
    user = auth.login(world.a.users[Role.SECRETARY])
    old = PrintJob(community_id=world.a.community.id, user_id=user.id, rows=900, state=JobState.RUNNING,
                   progress=10, created_at=utcnow() - timedelta(minutes=16))
    recent = PrintJob(community_id=world.a.community.id, user_id=user.id, rows=900, state=JobState.RUNNING,
                      progress=10, created_at=utcnow() - timedelta(minutes=5))
    db.session.add_all([old, recent])
    db.session.commit()
    page = text(client.get(job_url(world.a, old.id)))
    assert "失败" in page and "重新生成" in page
    assert db.session.get(PrintJob, old.id).state == JobState.FAILED
    assert "正在生成" in text(client.get(job_url(world.a, recent.id)))


def test_expired_file_is_gone(client, auth, world, jobs):
    auth.login(world.a.users[Role.SECRETARY])
    job = start_job(client, world.a)
    (jobs / job.file_key).unlink()
    assert "已过期删除" in text(client.get(job_url(world.a, job.id)))
    r = client.get(job_url(world.a, job.id, file=True))
    assert r.status_code == 410 and "重新生成" in text(r)


def test_old_files_are_removed_when_a_job_starts(client, auth, world, jobs):
    auth.login(world.a.users[Role.SECRETARY])
    first = start_job(client, world.a)
    key = first.file_key
    first.finished_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    start_job(client, world.a)
    assert not (jobs / key).exists()
    assert db.session.get(PrintJob, first.id).file_key == ""


def test_background_thread_renders_the_job(client, auth, world, jobs, app):
    app.config["PRINT_SYNC_JOBS"] = False
    auth.login(world.a.users[Role.SECRETARY])
    r = client.get(roster_url(world.a))
    assert r.status_code == 302
    # One worker thread runs jobs in order: once a later no-op is done, so is the job.
    print_jobs._executor.submit(lambda: None).result(timeout=60)
    job = db.session.scalars(select(PrintJob)).one()
    assert job.state == JobState.DONE, job.error
    assert "已完成" in text(client.get(r.headers["Location"]))
    assert client.get(job_url(world.a, job.id, file=True)).mimetype == "application/pdf"


# --- the list of jobs (打印任务) and removing a file early --------------------------------------

def jobs_url(side) -> str:
    return f"/c/{side.community.id}/print/jobs"


def remove_url(side, job_id) -> str:
    return f"{job_url(side, job_id)}/remove"


def add_job(user, side, title, state=JobState.DONE, age=timedelta(minutes=1), **kw) -> PrintJob:
    """A job row as the worker leaves it (no file: `start_job` makes real ones)."""
    job = PrintJob(community_id=side.community.id, user_id=user.id, rows=kw.pop("rows", 500), title=title,
                   state=state, progress=100 if state == JobState.DONE else 10, created_at=utcnow() - age,
                   finished_at=utcnow() - age if state in (JobState.DONE, JobState.FAILED) else None, **kw)
    db.session.add(job)
    db.session.commit()
    return job


def test_job_list_shows_own_jobs_of_the_last_day_newest_first(client, auth, world, jobs):
    staff = auth.login(world.a.users[Role.STAFF])
    done = start_job(client, world.a)
    queued = add_job(staff, world.a, "甲楼花名册", JobState.QUEUED, timedelta(minutes=2))
    stale = add_job(staff, world.a, "乙楼花名册", JobState.RUNNING, timedelta(minutes=20))
    failed = add_job(staff, world.a, "丙楼花名册", JobState.FAILED, timedelta(minutes=30),
                     error="所选党支部不属于本社区。")
    add_job(staff, world.a, "丁楼花名册", JobState.DONE, timedelta(hours=25))
    add_job(world.a.users[Role.SECRETARY], world.a, "党委书记的花名册")

    r = client.get(jobs_url(world.a))
    page = text(r)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "<h1 class=\"h4 mb-0\">打印任务</h1>" in page and "近24小时您提交" in page
    # Newest first; older than a day and other users' jobs are not listed.
    assert page.index(f"{done.rows} 人") < page.index("甲楼花名册") < page.index("乙楼花名册") < page.index("丙楼花名册")
    assert "丁楼花名册" not in page and "党委书记的花名册" not in page
    assert "提交人" not in page  # only the secretary's list names who asked
    assert "排队中" in page and "已完成" in page and "失败" in page
    # Done: download and remove; queued: progress page; failed: the reason, no links.
    assert f'href="{job_url(world.a, done.id, file=True)}"' in page
    assert f'action="{remove_url(world.a, done.id)}"' in page and "data-confirm=" in page
    assert f'href="{job_url(world.a, queued.id)}"' in page and "查看进度" in page
    assert "所选党支部不属于本社区。" in page
    assert f'href="{job_url(world.a, failed.id)}"' not in page
    # A job lost to a restart shows failed with the stale message, and is stored as failed.
    assert print_jobs.STALE_MESSAGE in page
    assert f'href="{job_url(world.a, stale.id)}"' not in page
    assert db.session.get(PrintJob, stale.id).state == JobState.FAILED


def test_secretary_sees_her_community_users_jobs_but_not_their_files(client, auth, world, jobs):
    a = world.a
    add_job(a.users[Role.STAFF], a, "工作人员的花名册")
    branch_job = add_job(a.users[Role.BRANCH_SECRETARY], a, "支部书记的花名册", JobState.RUNNING)
    add_job(world.district, a, "区委打印的花名册")
    add_job(world.b.users[Role.STAFF], world.b, "新华的花名册")
    auth.login(a.users[Role.SECRETARY])
    mine = start_job(client, a)

    page = text(client.get(jobs_url(a)))
    assert "近24小时本社区账号提交" in page and "提交人" in page
    assert "工作人员的花名册" in page and a.users[Role.STAFF].display_name in page
    assert "支部书记的花名册" in page and a.users[Role.BRANCH_SECRETARY].display_name in page
    assert "区委打印的花名册" not in page  # the district is not one of the community's users
    assert "新华的花名册" not in page
    # Her own job downloads; the others' files and progress pages stay their users'.
    assert f'href="{job_url(a, mine.id, file=True)}"' in page
    assert page.count("下载 PDF") == 1 and page.count('/remove"') == 1
    assert "仅提交人可下载" in page
    assert f'href="{job_url(a, branch_job.id)}"' not in page


@pytest.mark.parametrize("role", [Role.DISTRICT, Role.STAFF, Role.BRANCH_SECRETARY])
def test_others_see_only_their_own_jobs(client, auth, world, jobs, role):
    a = world.a
    for user, title in ((world.district, "区委打印的花名册"), (a.users[Role.SECRETARY], "党委书记的花名册"),
                        (a.users[Role.STAFF], "工作人员的花名册"),
                        (a.users[Role.BRANCH_SECRETARY], "支部书记的花名册")):
        add_job(user, a, title)
    user = auth.login(world.district if role == Role.DISTRICT else a.users[role])
    own = {Role.DISTRICT: "区委打印的花名册", Role.STAFF: "工作人员的花名册",
           Role.BRANCH_SECRETARY: "支部书记的花名册"}[role]
    page = text(client.get(jobs_url(a)))
    assert own in page
    assert sum(t in page for t in ("区委打印的花名册", "党委书记的花名册", "工作人员的花名册", "支部书记的花名册")) == 1
    assert "提交人" not in page
    assert user.display_name not in page.split("<main", 1)[1]  # no names column for one's own list


def test_job_list_of_another_community_is_refused(client, auth, world, jobs):
    add_job(world.b.users[Role.SECRETARY], world.b, "新华的花名册")
    auth.login(world.a.users[Role.SECRETARY])
    r = client.get(jobs_url(world.b))
    assert r.status_code == 403 and "新华的花名册" not in text(r)
    auth.login(world.a.users[Role.LIAISON])
    assert client.get(jobs_url(world.a)).status_code == 403


def test_empty_job_list_says_what_to_do(client, auth, world, jobs):
    auth.login(world.a.users[Role.BRANCH_SECRETARY])
    page = text(client.get(jobs_url(world.a)))
    assert "近24小时没有后台打印任务" in page
    assert f'href="/c/{world.a.community.id}/print/roster"' in page


def test_job_list_is_linked_from_nav_roster_and_progress_pages(client, auth, world, jobs):
    auth.login(world.a.users[Role.STAFF])
    link = f'href="{jobs_url(world.a)}"'
    roster_page = text(client.get(f"/c/{world.a.community.id}/print/roster"))
    assert link in roster_page and "打印任务" in roster_page
    job = start_job(client, world.a)
    assert link in text(client.get(job_url(world.a, job.id)))
    # The nav marks 打印任务 on the list, not 打印.
    page = text(client.get(jobs_url(world.a)))
    assert f'<a class="nav-link active" href="{jobs_url(world.a)}">打印任务</a>' in page
    auth.login(world.a.users[Role.BRANCH_SECRETARY])
    assert link in text(client.get("/", follow_redirects=True))


def test_remove_own_file_keeps_the_row(client, auth, world, jobs):
    auth.login(world.a.users[Role.STAFF])
    job = start_job(client, world.a)
    key = job.file_key
    assert (jobs / key).is_file()

    r = client.post(remove_url(world.a, job.id))
    assert r.status_code == 302 and r.headers["Location"].endswith(jobs_url(world.a))
    page = text(client.get(jobs_url(world.a)))
    assert "PDF 文件，任务记录仍保留在列表中" in page and "文件已于" in page
    assert f'href="{job_url(world.a, job.id, file=True)}"' not in page
    assert not (jobs / key).exists()
    job = db.session.get(PrintJob, job.id)
    assert job.state == JobState.DONE and job.file_key == "" and job.removed_at is not None

    r = client.get(job_url(world.a, job.id, file=True))
    assert r.status_code == 410 and "您已删除此 PDF 文件" in text(r)
    assert "您已于" in text(client.get(job_url(world.a, job.id)))
    # A second removal says so and changes nothing.
    removed_at = job.removed_at
    client.post(remove_url(world.a, job.id))
    assert "已经删除" in text(client.get(jobs_url(world.a)))
    db.session.expire_all()
    assert db.session.get(PrintJob, job.id).removed_at == removed_at


@pytest.mark.parametrize("state, message", [(JobState.QUEUED, "任务尚未完成"), (JobState.RUNNING, "任务尚未完成"),
                                            (JobState.FAILED, "生成失败的任务没有 PDF 文件")])
def test_only_finished_files_can_be_removed(client, auth, world, jobs, state, message):
    user = auth.login(world.a.users[Role.STAFF])
    job = add_job(user, world.a, "党员花名册", state)
    r = client.post(remove_url(world.a, job.id))
    assert r.status_code == 302
    assert message in text(client.get(jobs_url(world.a)))
    db.session.expire_all()
    job = db.session.get(PrintJob, job.id)
    assert job.state == state and job.removed_at is None


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.STAFF, Role.BRANCH_SECRETARY, Role.DISTRICT, Role.LIAISON])
def test_nobody_removes_another_users_file(client, auth, world, jobs, role):
    owner = Role.STAFF if role == Role.SECRETARY else Role.SECRETARY
    auth.login(world.a.users[owner])
    job = start_job(client, world.a)
    auth.login(world.district if role == Role.DISTRICT else world.a.users[role])
    r = client.post(remove_url(world.a, job.id))
    assert r.status_code == 403 and "无权访问" in text(r)
    db.session.expire_all()
    job = db.session.get(PrintJob, job.id)
    assert job.removed_at is None and (jobs / job.file_key).is_file()


def test_another_communitys_file_cannot_be_removed(client, auth, world, jobs):
    auth.login(world.b.users[Role.SECRETARY])
    job = start_job(client, world.b)
    auth.login(world.a.users[Role.SECRETARY])
    assert client.post(remove_url(world.a, job.id)).status_code == 404  # not a job of 昌盛
    assert client.post(remove_url(world.b, job.id)).status_code == 403  # not her community
    assert client.post(remove_url(world.a, 99999)).status_code == 404
    db.session.expire_all()
    job = db.session.get(PrintJob, job.id)
    assert job.removed_at is None and (jobs / job.file_key).is_file()
