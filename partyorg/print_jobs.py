"""Roster PDFs, printed at once or, above PRINT_BACKGROUND_ROWS rows, by a background job.

Rosters are set on a character grid (pdf_grid.py): about 1.5 s of CPU per 1,000 rows. No
request may hold a web worker for 30 s, so a very large roster becomes a PrintJob: the request
stores what to print and returns a progress page; one thread per process renders the jobs in
turn, each in its own app context and database session, and writes the PDF under PRINT_FOLDER
(default <instance>/prints).

Both paths go through `render_roster`, so masking and the audit row for whole ID numbers are
the same whether the PDF is made now or later.
"""
import json
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from flask import current_app

from .domain import rosters
from .domain.errors import DomainError
from .extensions import db
from .models import Community, JobState, PrintJob, User, utcnow
from .permissions import can_manage_community
from .printing import render_roster_pdf

log = logging.getLogger(__name__)

DEFAULT_BACKGROUND_ROWS = 3000
#: A job not finished by then was lost (a restart kills the thread): it shows as failed.
STALE_AFTER = timedelta(minutes=15)
#: Finished PDFs carry personal data: they are deleted after this long.
KEEP_FILES = timedelta(hours=24)

STALE_MESSAGE = "打印任务超过15分钟仍未完成（可能因系统重启而中断），请返回重新生成。"
FAILED_MESSAGE = "生成 PDF 时出错，请稍后重新生成；如果再次失败，请联系系统管理员。"

#: One rendering at a time per process: WeasyPrint is CPU-bound, and the web workers need the rest.
_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="print-job")


@dataclass
class RosterRequest:
    """What to print, with the masking already decided from the requesting user's rights."""

    branch_id: int | None = None
    group_id: int | None = None
    category: str | None = None
    building_id: int | None = None
    columns: list[str] = field(default_factory=list)
    sort: str = "name"
    show_id: bool = False
    show_personal: bool = False

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "RosterRequest":
        return cls(**json.loads(text or "{}"))


def background_rows() -> int:
    return int(current_app.config.get("PRINT_BACKGROUND_ROWS", DEFAULT_BACKGROUND_ROWS))


def print_folder() -> Path:
    folder = current_app.config.get("PRINT_FOLDER") or Path(current_app.instance_path) / "prints"
    return Path(folder)


def roster_filenames(data: rosters.Roster) -> tuple[str, str]:
    """The download's Chinese file name and its ASCII fallback."""
    return (f"{data.community_name}{data.title}_{data.printed_on:%Y%m%d}.pdf",
            f"roster_{data.printed_on:%Y%m%d}.pdf")


def render_roster(actor: User, community: Community, req: RosterRequest, scope: rosters.Scope | None = None,
                  progress=None) -> tuple[rosters.Roster, bytes]:
    """Build the roster's rows (masked as `req` says), audit whole ID numbers, render the PDF.

    Commits the audit row before rendering: a request for whole numbers stays on record even
    if the rendering fails.
    """
    if scope is None:
        scope = rosters.resolve_scope(community, req.branch_id, req.group_id, req.category, req.building_id)
    data = rosters.build_roster(scope, req.columns, req.sort, show_id=req.show_id,
                                show_personal=req.show_personal)
    if req.show_id and "id_number" in rosters.clean_columns(req.columns):
        rosters.record_unmasked_print(actor, community, data.title)
        db.session.commit()
    if progress:
        progress(10)
    pdf = render_roster_pdf(data)
    if progress:
        progress(90)
    return data, pdf


# --- background jobs -----------------------------------------------------------------------

def start_roster_job(actor: User, community: Community, req: RosterRequest, rows: int,
                     title: str = "") -> int:
    """Queue a roster for the background thread (commits the job) and return the job's id."""
    _remove_old_files()
    job = PrintJob(community_id=community.id, user_id=actor.id, params=req.to_json(), rows=rows,
                   title=title, state=JobState.QUEUED, progress=0)
    db.session.add(job)
    db.session.flush()
    job_id = job.id  # read before the commit expires it: the request's session stays idle from here on
    db.session.commit()
    app = current_app._get_current_object()
    if app.config.get("PRINT_SYNC_JOBS"):
        run_job(app, job_id)  # tests: render inline, still in a context and session of its own
        db.session.expire_all()
    else:
        _executor.submit(run_job, app, job_id)
    return job_id


def run_job(app, job_id: int) -> None:
    """Render job `job_id` in a fresh app context (so a session of its own); never raises."""
    with app.app_context():
        try:
            _run(job_id)
        except Exception:  # a thread has nobody to raise to: log it and mark the job failed
            log.exception("print job %s failed", job_id)
            db.session.rollback()
            _fail(job_id, FAILED_MESSAGE)
        finally:
            db.session.remove()


def _run(job_id: int) -> None:
    job = db.session.get(PrintJob, job_id)
    if job is None or job.state != JobState.QUEUED:
        return
    job.state = JobState.RUNNING
    db.session.commit()

    def progress(percent: int) -> None:
        job.progress = percent
        db.session.commit()

    actor = db.session.get(User, job.user_id)
    community = db.session.get(Community, job.community_id)
    try:
        data, pdf = render_roster(actor, community, RosterRequest.from_json(job.params), progress=progress)
    except DomainError as err:  # e.g. the branch was dissolved or moved meanwhile
        db.session.rollback()
        _fail(job_id, err.message)
        return
    folder = print_folder()
    folder.mkdir(parents=True, exist_ok=True)
    key = f"{secrets.token_hex(16)}.pdf"
    partial = folder / f"{key}.part"
    partial.write_bytes(pdf)
    partial.replace(folder / key)  # a half-written file is never offered for download
    name, _ = roster_filenames(data)
    job.file_key = key
    job.filename = name
    job.title = data.title
    job.rows = data.count
    job.progress = 100
    job.state = JobState.DONE
    job.finished_at = utcnow()
    db.session.commit()


def _fail(job_id: int, message: str) -> None:
    job = db.session.get(PrintJob, job_id)
    if job is None:
        return
    job.state = JobState.FAILED
    job.error = message
    job.finished_at = utcnow()
    db.session.commit()


def expire_if_stale(job: PrintJob) -> bool:
    """Mark a job lost to a restart as failed (flushes nothing: the caller commits); True if changed."""
    if job.state in (JobState.QUEUED, JobState.RUNNING) and utcnow() - job.created_at > STALE_AFTER:
        job.state = JobState.FAILED
        job.error = STALE_MESSAGE
        job.finished_at = utcnow()
        return True
    return False


def job_file(job: PrintJob) -> Path | None:
    """The finished job's PDF on disk, or None when it is not (or no longer) there."""
    if job.state != JobState.DONE or not job.file_key:
        return None
    path = print_folder() / job.file_key
    return path if path.is_file() else None


# --- the list of jobs ("打印任务") --------------------------------------------------------------

@dataclass
class JobRow:
    """One line of the job list, with what the viewer may do decided here, not in the template."""

    job: PrintJob
    requested_by: str
    mine: bool
    file_ready: bool

    @property
    def can_follow(self) -> bool:
        """A link to the progress page: own jobs still queued or rendering."""
        return self.mine and self.job.state in (JobState.QUEUED, JobState.RUNNING)

    @property
    def can_download(self) -> bool:
        return self.mine and self.file_ready

    @property
    def can_remove(self) -> bool:
        return self.mine and self.file_ready


def sees_community_jobs(viewer: User, community_id: int) -> bool:
    """The community's secretary also sees the jobs of the community's other users (not their files)."""
    return can_manage_community(viewer, community_id)


def list_jobs(viewer: User, community_id: int) -> tuple[list[JobRow], bool]:
    """The jobs of community `community_id` asked for in the last KEEP_FILES, newest first.

    Everyone sees his own; the community's secretary also those of the community's users (never
    the district's). Marks lost jobs failed as the progress page does and says whether it did
    (flushes nothing: the caller commits).
    """
    stmt = (
        db.select(PrintJob, User.display_name)
        .join(User, User.id == PrintJob.user_id)
        .where(PrintJob.community_id == community_id, PrintJob.created_at >= utcnow() - KEEP_FILES)
        .order_by(PrintJob.created_at.desc(), PrintJob.id.desc())
    )
    if sees_community_jobs(viewer, community_id):
        stmt = stmt.where(db.or_(PrintJob.user_id == viewer.id, User.community_id == community_id))
    else:
        stmt = stmt.where(PrintJob.user_id == viewer.id)
    rows, changed = [], False
    for job, name in db.session.execute(stmt):
        changed = expire_if_stale(job) or changed
        rows.append(JobRow(job=job, requested_by=name, mine=job.user_id == viewer.id,
                           file_ready=job_file(job) is not None))
    return rows, changed


def remove_file(job: PrintJob) -> None:
    """Delete a finished job's PDF before KEEP_FILES; the row stays, marked removed (the caller commits)."""
    if job.state == JobState.FAILED:
        raise DomainError("生成失败的任务没有 PDF 文件，无需删除。")
    if job.state != JobState.DONE:
        raise DomainError("任务尚未完成，请等 PDF 生成后再删除文件。")
    if job.removed_at is not None:
        raise DomainError("该任务的 PDF 文件已经删除。")
    if job_file(job) is None:
        raise DomainError("该任务的 PDF 文件已过期删除，无需再删除。")
    # The file goes first: a row pointing at a missing file only says "expired", a file nobody
    # points at would keep personal data forever.
    (print_folder() / job.file_key).unlink(missing_ok=True)
    job.file_key = ""
    job.removed_at = utcnow()


def _remove_old_files() -> None:
    """Delete the PDFs of jobs finished more than KEEP_FILES ago (flushes; the caller commits)."""
    cutoff = utcnow() - KEEP_FILES
    old = db.session.scalars(
        db.select(PrintJob).where(PrintJob.file_key != "", PrintJob.finished_at < cutoff)
    )
    for job in old:
        (print_folder() / job.file_key).unlink(missing_ok=True)
        job.file_key = ""
