"""Blueprints: thin views over the domain."""
from flask import Flask


def register_all(app: Flask) -> None:
    from .accounts import bp as accounts
    from .activities import bp as activities
    from .auth import bp as auth
    from .committee import bp as committee
    from .communities import bp as communities
    from .exports import bp as exports
    from .main import bp as main
    from .members import bp as members
    from .org import bp as org
    from .places import bp as places
    from .printing import bp as printing
    from .supervision import bp as supervision
    from .units import bp as units

    for bp in (auth, main, communities, places, org, units, members, supervision, committee, activities,
               printing, exports, accounts):
        app.register_blueprint(bp)
