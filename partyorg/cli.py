"""Command-line commands: flask --app partyorg <command>."""
import click
from flask import Flask

from .domain import accounts
from .domain.errors import DomainError
from .extensions import db
from .models import Community, Role


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


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
