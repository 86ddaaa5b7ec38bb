"""Command-line commands: flask --app partyorg <command>."""
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .domain import accounts
from .domain.errors import DomainError
from .extensions import db
from .models import Category, Community, Role


@click.command("create-user")
@click.option("--username", required=True, help="登录用户名")
@click.option("--name", "display_name", required=True, help="姓名")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True, help="角色")
@click.option("--community", default=None, help="所属社区名称（区委组织部账号不填）")
@click.password_option("--password", help="密码（至少10位，含字母和数字）", confirmation_prompt=True)
def create_user_command(username, display_name, role, community, password):
    """Create an account (branch secretaries and liaisons are made on the web page)."""
    community_id = None
    if community:
        c = db.session.scalar(db.select(Community).where(Community.name == community))
        if c is None:
            raise click.ClickException(f"找不到社区“{community}”。")
        community_id = c.id
    if Role(role) in (Role.BRANCH_SECRETARY, Role.LIAISON):
        raise click.ClickException("支部书记和联络员账号请由社区党委书记在网页上创建，以便选择支部或单位。")
    try:
        user = accounts.create_user(None, username, display_name, password, Role(role), community_id)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from None
    click.echo(f"已创建账号 {user.username}（{user.role.label}）。")


@click.command("seed-demo")
def seed_demo_command():
    """Load the demo communities of Jiayuguan (safe to run again)."""
    from .demo import DEMO_LOGINS, DEMO_PASSWORD, seed_demo

    created = seed_demo()
    if created:
        click.echo("已载入示范数据。")
    else:
        click.echo("示范数据已存在，未做改动。")
    click.echo(f"示范账号（密码均为 {DEMO_PASSWORD}）：")
    for username, role_label, hint in DEMO_LOGINS:
        click.echo(f"  {username:<24}{role_label}  {hint}")
    click.echo("打开 http://127.0.0.1:5000 登录。")


@click.command("workflow-refresh")
@click.option("--community", default=None, help="只刷新该社区（填社区名称），默认全部社区")
def workflow_refresh_command(community):
    """Create this period's recurring supervision steps (run daily, e.g. from cron)."""
    from datetime import date

    from .domain.workflow import refresh_recurring

    stmt = db.select(Community).order_by(Community.id)
    if community:
        stmt = stmt.where(Community.name == community)
    communities = list(db.session.scalars(stmt))
    if community and not communities:
        raise click.ClickException(f"找不到社区“{community}”。")
    total = 0
    for c in communities:
        created = refresh_recurring(db.session, c.id, date.today())
        db.session.commit()
        total += len(created)
        if created:
            click.echo(f"{c.name}：新建周期性步骤 {len(created)} 项。")
    click.echo(f"共新建周期性步骤 {total} 项。")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(roster_command)
    app.cli.add_command(import_members_command)
    app.cli.add_command(import_template_command)
    app.cli.add_command(export_members_command)
    app.cli.add_command(workflow_refresh_command)
    app.cli.add_command(print_committee_command)
    app.cli.add_command(print_feedback_letter_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(seed_scale_command)


# --- Excel: members import and export ---------------------------------------------------------

def _community_named(name: str) -> Community:
    community = db.session.scalar(db.select(Community).where(Community.name == name))
    if community is None:
        raise click.ClickException(f"找不到社区“{name}”。")
    return community


@click.command("import-members")
@click.option("--community", "community_name", required=True, help="导入到的社区名称")
@click.option("--dry-run", is_flag=True, help="只检查并列出问题，不写入")
@click.option("--update", "allow_update", is_flag=True, help="按表格更新已登记党员的不同信息")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_members_command(community_name, dry_run, allow_update, file):
    """Import members from an .xlsx file: every problem is listed, and all rows are written or none."""
    import hashlib
    from pathlib import Path

    from .domain import member_import

    community = _community_named(community_name)
    data = Path(file).read_bytes()
    try:
        preview = member_import.preview_file(
            None, community.id, data, allow_update=allow_update,
            max_rows=member_import.CLI_MAX_ROWS, max_bytes=member_import.CLI_MAX_BYTES,
        )
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message) from None
    for note in preview.warnings:
        click.echo(f"注意：{note}")
    counts = preview.counts
    click.echo(f"新增{counts['new']}人，更新{counts['update']}人，无变化{counts['unchanged']}人。")
    if not preview.ok:
        db.session.rollback()
        for p in preview.problems:
            click.echo(f"第{p.row}行 {p.column or '—'}：{p.message}", err=True)
        click.echo(f"共{len(preview.problems)}处问题，未写入任何记录。", err=True)
        raise SystemExit(1)
    if dry_run:
        db.session.rollback()
        click.echo("试运行：未写入任何记录。")
        return
    try:
        member_import.apply(None, community.id, preview, Path(file).name, hashlib.sha256(data).hexdigest())
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(f"导入失败，未写入任何记录：{err.message}") from None
    click.echo("导入完成。")


@click.command("import-template")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="模板文件路径（.xlsx）")
def import_template_command(out):
    """Write the members import template."""
    from pathlib import Path

    from .domain import member_import

    Path(out).write_bytes(member_import.template_bytes())
    click.echo(f"已生成导入模板 {out}。")


@click.command("export-members")
@click.option("--community", "community_name", required=True, help="社区名称")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="导出文件路径（.xlsx）")
def export_members_command(community_name, out):
    """Export a community's active members (unmasked: for the server's operator) to .xlsx."""
    from pathlib import Path

    from .domain import exports
    from .excel import xlsx_bytes

    community = _community_named(community_name)
    title, headers, rows = exports.member_rows(None, community.id, {})
    Path(out).write_bytes(xlsx_bytes(title, headers, rows))
    click.echo(f"已导出{len(rows)}名党员到 {out}。")


# --- PDF rosters (花名册) ------------------------------------------------------------------------

@click.command("roster")
@click.option("--community", "community_name", required=True, help="社区名称")
@click.option("--branch", "branch_name", default=None, help="党支部名称")
@click.option("--group", "group_name", default=None, help="党小组名称（重名时同时指定 --branch）")
@click.option("--category", type=click.Choice([c.value for c in Category]), default=None,
              help="党员类别：direct 直管, dual 双管, takeover 接管, assisted 协管")
@click.option("--building", "building_name", default=None, help="楼栋名称")
@click.option("--sort", type=click.Choice(["name", "joined", "branch"]), default="name", help="排序")
@click.option("--columns", default=None, help="要打印的列，逗号分隔，如 gender,id_number,branch")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出的 PDF 文件")
@click.option("--unmasked", is_flag=True, help="打印完整身份证号（记入操作日志）")
def roster_command(community_name, branch_name, group_name, category, building_name, sort, columns, out, unmasked):
    """Print a roster (花名册) of a community to a PDF file; ID numbers masked unless --unmasked."""
    from .domain import rosters
    from .models import Branch, Building, PartyGroup
    from .printing import render_roster_pdf

    if out.suffix.lower() != ".pdf":
        raise click.ClickException("输出文件名应以 .pdf 结尾。")
    if not out.resolve().parent.is_dir():
        raise click.ClickException(f"目录“{out.parent}”不存在，请先创建目录或换一个位置。")
    community = db.session.scalar(db.select(Community).where(Community.name == community_name))
    if community is None:
        raise click.ClickException(f"找不到社区“{community_name}”。")

    def named(model, name, what, *where):
        found = list(db.session.scalars(db.select(model).where(model.name == name, *where)))
        if not found:
            raise click.ClickException(f"{community.name}社区没有名为“{name}”的{what}。")
        if len(found) > 1:
            raise click.ClickException(f"{community.name}社区有多个名为“{name}”的{what}，请同时用 --branch 指定党支部。")
        return found[0]

    branch = named(Branch, branch_name, "党支部", Branch.community_id == community.id) if branch_name else None
    group = None
    if group_name:
        where = [PartyGroup.branch_id == branch.id] if branch else [
            PartyGroup.branch_id.in_(db.select(Branch.id).where(Branch.community_id == community.id))]
        group = named(PartyGroup, group_name, "党小组", *where)
    building = named(Building, building_name, "楼栋", Building.community_id == community.id) if building_name else None
    keys = [k.strip() for k in columns.split(",")] if columns else None
    unknown = [k for k in keys or () if k not in rosters.COLUMN_BY_KEY]
    if unknown:
        raise click.ClickException(f"未知的列：{', '.join(unknown)}。可用：{', '.join(rosters.COLUMN_BY_KEY)}")
    try:
        scope = rosters.resolve_scope(community, branch and branch.id, group and group.id, category,
                                      building and building.id)
    except DomainError as err:
        raise click.ClickException(err.message) from None
    data = rosters.build_roster(scope, keys, sort, show_id=unmasked, show_personal=True)
    if unmasked:
        rosters.record_unmasked_print(None, community, data.title + "（命令行）")
        db.session.commit()
    out.write_bytes(render_roster_pdf(data))
    click.echo(f"已生成{data.community_name}{data.title}（{data.count} 人）：{out}")


# --- Backup and restore --------------------------------------------------------------------------

def _echo_counts(counts: dict[str, int]) -> None:
    click.echo(f"共 {len(counts)} 张表，{sum(counts.values())} 行：")
    for table, n in counts.items():
        click.echo(f"  {table:<28}{n} 行")


def _human_size(size: int) -> str:
    for unit in ("字节", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "字节" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


@click.command("backup")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="备份文件路径")
@click.option("--force", is_flag=True, help="覆盖已存在的备份文件")
@with_appcontext
def backup_command(out, force):
    """Write a consistent snapshot of the database while the app runs (SQLite backup API or pg_dump)."""
    from . import backup

    try:
        report = backup.backup(current_app._get_current_object(), out, force=force)
    except backup.BackupError as err:
        raise click.ClickException(err.message) from None
    click.echo(f"已备份到 {report.path}（{_human_size(report.size)}）。")
    _echo_counts(report.counts)
    click.echo("备份文件含党员个人信息，请妥善保管。")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="覆盖当前数据库中的全部数据")
@with_appcontext
def restore_command(file, force):
    """Replace the database by a backup; a database that holds data is overwritten only with --force."""
    from . import backup

    try:
        report = backup.restore(current_app._get_current_object(), file, force=force)
    except backup.BackupError as err:
        raise click.ClickException(err.message) from None
    click.echo(f"已从 {report.path} 恢复数据库。")
    _echo_counts(report.counts)
    if report.needs_upgrade:
        click.echo("备份的数据库版本早于本程序，请运行 flask --app partyorg db upgrade。")


# --- committee composition and feedback letters -------------------------------------------------

def _pdf_out(out: Path) -> None:
    if out.suffix.lower() != ".pdf":
        raise click.ClickException("输出文件名应以 .pdf 结尾。")
    if not out.resolve().parent.is_dir():
        raise click.ClickException(f"目录“{out.parent}”不存在，请先创建目录或换一个位置。")


@click.command("print-committee")
@click.option("--community", "community_name", required=True, help="社区名称")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出的 PDF 文件")
def print_committee_command(community_name, out):
    """Print the big party committee's composition (委员名单) to a PDF file."""
    from .domain import letters
    from .printing import render_pdf

    _pdf_out(out)
    community = _community_named(community_name)
    data = letters.build_committee(community)
    out.write_bytes(render_pdf("committee.html", **data))
    click.echo(f"已生成{data['title']}（现有委员 {data['size']} 人）：{out}")


@click.command("print-feedback-letter")
@click.option("--community", "community_name", required=True, help="社区名称")
@click.option("--member-id", "member_id", required=True, type=int, help="协管党员的编号（党员页面地址中的数字）")
@click.option("--year", "year", required=True, help="反馈的年度，如 2026")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="输出的 PDF 文件")
def print_feedback_letter_command(community_name, member_id, year, out):
    """Print the yearly feedback letter (反馈函) for an in-service member to his employer's party organisation."""
    from .domain import letters
    from .models import Member
    from .printing import render_pdf

    _pdf_out(out)
    community = _community_named(community_name)
    member = db.session.get(Member, member_id)
    if member is None or member.community_id != community.id:
        raise click.ClickException(f"{community.name}社区没有编号为{member_id}的党员。")
    try:
        letters.assisted_info(member)
        data = letters.build_feedback_letter(member, letters.parse_year(year, member))
    except DomainError as err:
        raise click.ClickException(err.message) from None
    out.write_bytes(render_pdf("feedback_letter.html", **vars(data)))
    click.echo(f"已生成{data.title}：{out}")


# --- district-scale data for benchmarks ----------------------------------------------------------

@click.command("seed-scale")
@click.option("--members", "members", default="20000", help="党员总数（1 到 200000），分布在 30 个社区")
def seed_scale_command(members):
    """Build a district of 30 communities with MEMBERS members for benchmarks (existing communities are skipped)."""
    import time

    from .scale import check_members, seed_scale

    try:
        count = int(str(members).strip())
    except ValueError:
        raise click.ClickException(f"党员人数应为整数，收到“{members}”。") from None
    try:
        check_members(count)
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    started = time.perf_counter()
    report = seed_scale(count)
    elapsed = time.perf_counter() - started
    if report.communities == 0:
        click.echo(f"30 个社区均已存在，未做改动（用时 {elapsed:.1f} 秒）。")
        return
    if report.skipped:
        click.echo(f"跳过已存在的社区 {report.skipped} 个。")
    click.echo(
        f"已新建社区 {report.communities} 个、驻区单位 {report.units} 个、党员 {report.members} 人、"
        f"管理步骤 {report.steps} 项、联建活动 {report.activities} 次，用时 {elapsed:.1f} 秒。"
    )
