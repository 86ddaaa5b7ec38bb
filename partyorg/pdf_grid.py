"""Long printed tables (花名册) set on a character grid: one text box per row, not one per cell.

WeasyPrint spends most of a roster's time on boxes: about 0.75 ms for every table cell, so a
1,000-row roster with 10 columns took 9 s. Here the rows are laid out in Python instead, in
Noto Sans Mono CJK SC, whose Chinese characters are exactly two half-width cells and whose
Latin letters and digits are one. Each cell's text is wrapped and padded to its column's width
in cells, the cells of a row are joined into lines, and the template prints each row as one
pre-formatted text box; vertical rules are drawn once per page. Because every row's height is
known here, pages are cut here too, each page repeats the table header, and nothing is left
for WeasyPrint to paginate.

A character whose advance is not a whole number of cells (or which the font lacks) would shift
the cells after it, so a row holding one is printed as a small fixed-layout table instead, with
the same column widths: slower, but such rows are rare and stay aligned.
"""
import logging
import math
import subprocess
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

log = logging.getLogger(__name__)

MONO_FAMILY = "Noto Sans Mono CJK SC"
PT_PER_MM = 72 / 25.4

#: Printable area (mm) of A4 for the margins in templates/pdf/print.css.
PAGE_AREAS = {False: (210 - 24, 297 - 20 - 16), True: (297 - 20, 210 - 18 - 14)}
#: Height (pt) reserved on the first page for the community, title and print-date lines.
HEAD_PT = 64.0
LINE_HEIGHT = 1.5
SLACK_PT = 3.0
#: Vertical padding (pt, top + bottom) and the bottom rule of a row.
ROW_EXTRA_PT = 0.0
#: Body type sizes tried in turn: the widest roster that still fits gets the largest type.
SIZES_PT = (9.0, 7.5, 6.5)
MIN_CELLS = 4
#: Long values wrap rather than shrink the type, down to this width (cells) per column.
WRAP_CELLS = 12


@lru_cache(maxsize=1)
def _advances() -> dict[int, float] | None:
    """Code point -> advance in half-width cells for the mono font, or None when it is missing."""
    try:
        from fontTools.ttLib import TTFont

        found = subprocess.run(["fc-match", "-f", "%{file}\n%{index}", MONO_FAMILY],
                               capture_output=True, text=True, timeout=10, check=True).stdout.split("\n")
        font = TTFont(found[0], fontNumber=int(found[1] or 0), lazy=True)
        if font["name"].getDebugName(1) != MONO_FAMILY:
            raise LookupError(f"fontconfig offers {font['name'].getDebugName(1)!r} for {MONO_FAMILY!r}")
        try:
            half = font["head"].unitsPerEm / 2
            hmtx = font["hmtx"]
            return {cp: hmtx[glyph][0] / half for cp, glyph in font.getBestCmap().items()}
        finally:
            font.close()
    except Exception as exc:  # noqa: BLE001 - any failure means "measure by Unicode width"
        log.warning("%s not measurable (%s): roster columns are estimated", MONO_FAMILY, exc)
        return None


def char_cells(ch: str) -> tuple[float, bool]:
    """(width in half-width cells, whether it sits exactly on the grid)."""
    advances = _advances()
    width = advances.get(ord(ch)) if advances is not None else None
    if width is None:
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        return (2.0 if wide else 1.0), advances is None
    return width, width in (1.0, 2.0)


def text_cells(text: str) -> tuple[float, bool]:
    total, exact = 0.0, True
    for ch in text:
        width, on_grid = char_cells(ch)
        total += width
        exact = exact and on_grid
    return total, exact


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken anywhere, preferably at a space."""
    text = " ".join(text.split())
    lines: list[str] = []
    line, used = "", 0.0
    for ch in text:
        w = char_cells(ch)[0]
        if used + w > width and line:
            cut = line.rfind(" ")
            if 0 < cut:
                lines.append(line[:cut])
                line = line[cut + 1:]
                used = text_cells(line)[0]
            else:
                lines.append(line)
                line, used = "", 0.0
            if ch == " " and not line:
                continue
        line += ch
        used += w
    lines.append(line)
    return lines


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - math.ceil(text_cells(text)[0]))


@dataclass
class GridRow:
    #: The row's printed lines joined by newlines when `exact`; otherwise empty (see `cells`).
    text: str
    #: Each cell's wrapped lines joined by newlines, for a row printed as a small table.
    cells: list[str]
    lines: int
    exact: bool
    height_pt: float


@dataclass
class Block:
    """Consecutive rows of a page printed together: one text box, or one fallback table row."""

    exact: bool
    text: str
    cells: list[str]
    height_pt: float


@dataclass
class Page:
    blocks: list[Block]
    #: y of each horizontal rule below the header, from the top of the table.
    rules_y: list[float]
    height_pt: float


@dataclass
class Grid:
    landscape: bool
    font_pt: float
    line_pt: float
    cell_pt: float
    #: Column widths in cells (text only; each column also has one cell of padding).
    widths: list[int]
    header: GridRow
    pages: list[Page] = field(default_factory=list)

    @property
    def rules_pt(self) -> list[float]:
        """x of each vertical rule from the table's left edge."""
        xs, x = [0.0], 0.0
        for w in self.widths:
            x += (w + 1) * self.cell_pt
            xs.append(round(x, 2))
        return xs

    @property
    def col_pt(self) -> list[float]:
        return [round((w + 1) * self.cell_pt, 2) for w in self.widths]

    @property
    def width_pt(self) -> float:
        return self.rules_pt[-1]


def _natural_widths(labels, rows) -> list[int]:
    widths = [max(MIN_CELLS, math.ceil(text_cells(label)[0])) for label in labels]
    for row in rows:
        for i, cell in enumerate(row):
            if cell:
                widths[i] = max(widths[i], math.ceil(text_cells(cell)[0]))
    return widths


def _fit(natural: list[int], weights: list[float], capacity: int) -> list[int]:
    """Widths summing to at most `capacity` cells: columns narrower than their share keep their
    natural width; the others share the rest by weight (water filling)."""
    capacity -= len(natural)  # one padding cell per column
    fixed: dict[int, int] = {}
    while True:
        free = [i for i in range(len(natural)) if i not in fixed]
        room = capacity - sum(fixed.values())
        total = sum(weights[i] for i in free) or 1
        newly = {i: natural[i] for i in free if natural[i] <= room * weights[i] / total}
        if not newly:
            break
        fixed.update(newly)
    widths = []
    for i, nat in enumerate(natural):
        if i in fixed:
            widths.append(nat)
        else:
            room = capacity - sum(fixed.values())
            total = sum(weights[j] for j in range(len(natural)) if j not in fixed)
            widths.append(max(MIN_CELLS, math.floor(room * weights[i] / total)))
    # Spread what is left over by weight, so the table spans the page like an official form.
    spare = capacity - sum(widths)
    if spare > 0:
        total = sum(weights)
        extra = [math.floor(spare * w / total) for w in weights]
        widths = [w + e for w, e in zip(widths, extra)]
        widths[-1] += capacity - sum(widths)
    return widths


def _row(cells: list[str], widths: list[int], line_pt: float) -> GridRow:
    wrapped = [wrap(cell, w) for cell, w in zip(cells, widths)]
    count = max(len(lines) for lines in wrapped)
    exact = all(text_cells(cell)[1] for cell in cells)
    text = ""
    if exact:
        text = "\n".join(
            " ".join(_pad(lines[k] if k < len(lines) else "", w) for lines, w in zip(wrapped, widths)).rstrip()
            for k in range(count)
        )
    return GridRow(text=text, cells=["\n".join(lines) for lines in wrapped], lines=count, exact=exact,
                   height_pt=count * line_pt + ROW_EXTRA_PT)


def _capacity(font_pt: float, landscape: bool) -> int:
    return int(PAGE_AREAS[landscape][0] * PT_PER_MM // (font_pt / 2))


def _page_setup(labels: list[str], natural: list[int]) -> tuple[float, bool, int]:
    """Type size and orientation: portrait when every cell fits on one line at full size, else
    landscape at the largest size where each column gets at least its wrap width."""
    if sum(natural) + len(natural) <= _capacity(SIZES_PT[0], False):
        return SIZES_PT[0], False, _capacity(SIZES_PT[0], False)
    least = [min(nat, max(WRAP_CELLS, math.ceil(text_cells(label)[0])))
             for nat, label in zip(natural, labels)]
    for font_pt in SIZES_PT:
        if sum(least) + len(least) <= _capacity(font_pt, True):
            break
    return font_pt, True, _capacity(font_pt, True)


def layout(columns: list[tuple[str, float]], rows: list[tuple[str, ...]]) -> Grid:
    """Lay `rows` out under `columns` ((label, weight) pairs) on A4 pages."""
    labels = [label for label, _ in columns]
    weights = [float(weight) for _, weight in columns]
    natural = _natural_widths(labels, rows)
    font_pt, landscape, capacity = _page_setup(labels, natural)
    widths = _fit(natural, weights, capacity)
    line_pt = round(font_pt * LINE_HEIGHT, 2)
    header = _row(labels, widths, line_pt)
    grid = Grid(landscape=landscape, font_pt=font_pt, line_pt=line_pt, cell_pt=font_pt / 2,
                widths=widths, header=header)
    # A little slack per page absorbs rounding in WeasyPrint's line boxes.
    page_pt = PAGE_AREAS[landscape][1] * PT_PER_MM - SLACK_PT
    room = page_pt - HEAD_PT - header.height_pt
    page: list[GridRow] = []
    for cells in rows:
        row = _row(list(cells), widths, line_pt)
        if page and row.height_pt > room:
            grid.pages.append(_page(page, header.height_pt))
            page, room = [], page_pt - header.height_pt
        page.append(row)
        room -= row.height_pt
    if page:
        grid.pages.append(_page(page, header.height_pt))
    return grid


def _page(rows: list[GridRow], top: float) -> Page:
    """Group a page's rows into text blocks (fallback rows stand alone) and place its rules."""
    blocks: list[Block] = []
    rules, y = [round(top, 2)], top
    for row in rows:
        y += row.height_pt
        rules.append(round(y, 2))
        if row.exact and blocks and blocks[-1].exact:
            last = blocks[-1]
            last.text += "\n" + row.text
            last.height_pt += row.height_pt
        else:
            blocks.append(Block(row.exact, row.text, row.cells, row.height_pt))
    return Page(blocks=blocks, rules_y=rules, height_pt=round(y, 2))
