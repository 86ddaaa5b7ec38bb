"""PDF printouts: a Jinja template under templates/pdf/ and its CSS -> WeasyPrint -> bytes.

Only files inside the partyorg package can be loaded while rendering: the URL fetcher refuses
the network, data: URLs and every file elsewhere, so no printed value can pull anything in.
Fonts come from fontconfig ("Noto Sans CJK SC", Debian's fonts-noto-cjk) and are subset with
HarfBuzz when libharfbuzz-subset0 is installed.
"""
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from flask import current_app
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import pdf_grid

PACKAGE_DIR = Path(__file__).resolve().parent
PDF_TEMPLATE_DIR = PACKAGE_DIR / "templates" / "pdf"

_font_config: FontConfiguration | None = None


class URLRefused(ValueError):
    """A printout asked for something outside the partyorg package."""


class PackageFetcher(URLFetcher):
    """Serve file: URLs inside the package; refuse everything else."""

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise URLRefused(f"refused to fetch {url!r}: only package files may be used in printouts")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(PACKAGE_DIR) or not path.is_file():
            raise URLRefused(f"refused to fetch {url!r}: not a file of the partyorg package")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})


def _fonts() -> FontConfiguration:
    # One configuration per process: building it asks fontconfig about every installed font.
    global _font_config
    if _font_config is None:
        _font_config = FontConfiguration()
    return _font_config


def render_html(template_name: str, **context) -> str:
    """The printout's HTML (no request context needed: usable from the command line)."""
    template = current_app.jinja_env.get_template(f"pdf/{template_name}")
    return template.render(**context)


def render_pdf(template_name: str, **context) -> bytes:
    """Render templates/pdf/<template_name> with `context` (plain data) to PDF bytes."""
    html = HTML(
        string=render_html(template_name, **context),
        base_url=PDF_TEMPLATE_DIR.as_uri() + "/",
        url_fetcher=PackageFetcher(),
    )
    return html.write_pdf(font_config=_fonts())


def render_grid_pdf(template_name: str, columns, rows, **context) -> bytes:
    """A printout whose body is one long table (`columns` as (label, weight), `rows` of strings),
    set on the character grid of `pdf_grid`; the grid also decides the page's orientation."""
    grid = pdf_grid.layout(columns, rows)
    context.update(grid=grid, landscape=grid.landscape, dense=False)
    return render_pdf(template_name, columns=columns, rows=rows, **context)


def render_roster_pdf(roster) -> bytes:
    """A roster (花名册, `domain.rosters.Roster`)."""
    return render_grid_pdf("roster.html", **{**vars(roster), "count": roster.count})
