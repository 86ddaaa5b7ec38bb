"""Print jobs: large rosters rendered in the background, then downloaded from a progress page."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import LabelledEnum, enum_column, utcnow


class JobState(LabelledEnum):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "正在生成"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class PrintJob(db.Model):
    __tablename__ = "print_job"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("community.id"), index=True)
    #: Only this user sees the job and downloads its file.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    #: What to print, as JSON: filters, columns, sort and the masking decided at request time.
    params: Mapped[str] = mapped_column(sa.Text, default="{}")
    state: Mapped[JobState] = enum_column(JobState, "print_job_state", default=JobState.QUEUED)
    #: 0-100, shown on the progress page.
    progress: Mapped[int] = mapped_column(default=0)
    rows: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The PDF's file name under PRINT_FOLDER (random), empty until done.
    file_key: Mapped[str] = mapped_column(sa.String(64), default="")
    #: The Chinese download name.
    filename: Mapped[str] = mapped_column(sa.String(200), default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    #: When the user deleted the PDF before KEEP_FILES; the row stays for the list of jobs.
    removed_at: Mapped[datetime | None] = mapped_column()
