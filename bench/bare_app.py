"""The baseline of bench/web_bench.py: plain Flask + Flask-SQLAlchemy paging partyorg's members table.

    DATABASE_URL=sqlite:///... gunicorn --workers 2 --pythonpath bench 'bare_app:create_app()'

One route, /c/<cid>/members, takes the same filters as partyorg's member list (category, branch,
q: name contains), orders by name, pages by BENCH_PER_PAGE (default 20, partyorg's PER_PAGE) and
shows each row's branch name through a minimal template. No login, forms, permissions or layout:
what is left is the floor a page of that table costs on this machine.
"""
import os

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    mapped_column,
    relationship,
    selectinload,
)


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Branch(db.Model):
    __tablename__ = "branch"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class Member(db.Model):
    __tablename__ = "member"
    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(50))
    category: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    phone: Mapped[str] = mapped_column(String(20))
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("branch.id"))
    branch: Mapped[Branch | None] = relationship()


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>党员</title></head><body>
<table>
<tr><th>姓名</th><th>管理类别</th><th>党支部</th><th>联系电话</th></tr>
{% for m in page.items %}<tr><td><a href="/c/{{ cid }}/members/{{ m.id }}">{{ m.name }}</a></td>
<td>{{ m.category }}</td><td>{{ m.branch.name if m.branch else '—' }}</td><td>{{ m.phone }}</td></tr>
{% endfor %}</table>
<p>共 {{ page.total }} 条，第 {{ page.page }} / {{ page.pages }} 页</p>
</body></html>"""


def create_app(database_url: str | None = None, per_page: int | None = None) -> Flask:
    """The app on `database_url` (else $DATABASE_URL), `per_page` rows a page (else $BENCH_PER_PAGE or 20)."""
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url or os.environ["DATABASE_URL"]
    per_page = per_page or int(os.environ.get("BENCH_PER_PAGE", "20"))
    db.init_app(app)
    template = app.jinja_env.from_string(PAGE)  # compiled once, as Flask caches a template file

    @app.get("/c/<int:cid>/members")
    def members(cid: int):
        stmt = select(Member).where(Member.community_id == cid, Member.status == "active")
        if request.args.get("category"):
            stmt = stmt.where(Member.category == request.args["category"])
        branch = request.args.get("branch", type=int)
        if branch:
            stmt = stmt.where(Member.branch_id == branch)
        q = (request.args.get("q") or "").strip()
        if q:
            stmt = stmt.where(Member.name.contains(q, autoescape=True))
        page = db.paginate(stmt.options(selectinload(Member.branch)).order_by(Member.name, Member.id),
                           page=request.args.get("page", 1, type=int), per_page=per_page, error_out=False)
        return template.render(page=page, cid=cid)

    return app
