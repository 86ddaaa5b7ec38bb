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

    monkeypatch.setattr(print_jobs, "render_pdf", broken)
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
