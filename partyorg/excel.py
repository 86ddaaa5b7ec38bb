"""Excel files in and out: a safe one-sheet writer and a careful reader for uploads.

Writing: text that a spreadsheet would run as a formula gets a leading apostrophe; the header
row is bold and frozen; dates stay dates, ID numbers stay text.
Reading: the content must really be an .xlsx (a zip with a workbook), small enough, and not a
zip bomb; rows come back as plain Python values with their Excel row numbers.
"""
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from xml.etree.ElementTree import ParseError

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from .domain.errors import DomainError

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: A cell starting with one of these could run as a formula when the sheet is opened.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Uncompressed size of all parts of an uploaded workbook; more is refused as a possible zip bomb.
MAX_UNZIPPED = 200 * 1024 * 1024
#: Characters of a cell's text kept when reading (a 2 MB string is cut, and then fails a length rule).
MAX_CELL_CHARS = 1000
#: What openpyxl raises on a damaged workbook.
_DAMAGED = (InvalidFileException, zipfile.BadZipFile, ParseError, KeyError, ValueError, TypeError, IndexError, OSError)


def safe_cell(value):
    """A value ready for a cell: labels for enums, 是/否 for booleans, formula-like text defused."""
    if value is None:
        return None
    if isinstance(value, Enum):
        value = getattr(value, "label", value.value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float, date, datetime)):
        return value
    # Control characters (a vertical tab pasted from Word) cannot be written to a sheet: openpyxl refuses them.
    value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, (date, datetime)):
        return 12
    text = str(value)
    # CJK characters take two columns.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def xlsx_bytes(title: str, headers, rows) -> bytes:
    """One sheet named `title`: a bold, frozen header row, then `rows`; returns the .xlsx file."""
    book = Workbook()
    sheet = book.active
    sheet.title = (title or "Sheet1")[:31]
    sheet.append([safe_cell(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [_width(h) + 2 for h in headers]
    for row in rows:
        values = [safe_cell(v) for v in row]
        sheet.append(values)
        for i, v in enumerate(values[: len(widths)]):
            widths[i] = max(widths[i], _width(v) + 2)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, str):
                cell.number_format = "@"  # text: an ID number never turns into 6.20202E+17
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(60, max(8, width))
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- reading ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sheet:
    headers: list
    #: (Excel row number, values) for every row that is not blank.
    rows: list


def check_xlsx(data: bytes, max_bytes: int) -> None:
    """Refuse anything that is not a reasonable .xlsx file, judged by its content."""
    mb = max_bytes // (1024 * 1024)
    if not data:
        raise DomainError("上传的文件是空的。", "file")
    if len(data) > max_bytes:
        raise DomainError(f"文件超过{mb} MB，请删去无关的工作表或拆分后再上传。", "file")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DomainError("这是旧版Excel（.xls）文件。请在Excel中“另存为”Excel工作簿（.xlsx）后再上传。", "file")
    not_xlsx = DomainError("文件内容不是Excel工作簿（.xlsx），不能导入（按文件内容检查，与扩展名无关）。", "file")
    if not data.startswith(b"PK\x03\x04"):
        raise not_xlsx
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise not_xlsx from None
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise not_xlsx
    if sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise DomainError("文件解压后过大，可能是异常文件，不能导入。", "file")


def _plain(value):
    if value is None:
        return None
    # Read without data_only, a formula cell's value is its text, "=1+1".
    if isinstance(value, str) and value.startswith("="):
        return Formula(str(value)[:MAX_CELL_CHARS])
    if isinstance(value, str):
        value = value[:MAX_CELL_CHARS]
        return value if value.strip() else None
    return value


def _damaged() -> DomainError:
    return DomainError("无法读取该Excel文件，文件可能已损坏。请用Excel打开后重新保存再上传。", "file")


class Formula(str):
    """A cell that holds a formula: the import refuses it rather than guess its value."""


def read_sheet(data: bytes, max_rows: int, max_bytes: int) -> Sheet:
    """The first sheet's header row and data rows; refuse more than `max_rows` data rows."""
    check_xlsx(data, max_bytes)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except _DAMAGED:
        raise _damaged() from None
    try:
        sheet = book.worksheets[0] if book.worksheets else None
        if sheet is None:
            raise DomainError("文件里没有工作表。", "file")
        headers = None
        rows = []
        # values_only: no cell objects, which more than halves the reading time of a large sheet.
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = [_plain(c) for c in cells]
            if headers is None:
                if any(v is not None for v in values):
                    headers = values
                continue
            if all(v is None for v in values):
                continue
            if len(rows) >= max_rows:
                raise DomainError(
                    f"文件的数据超过{max_rows}行，不能一次导入。请拆分成每个不超过{max_rows}行的文件后分批导入。", "file"
                )
            rows.append((number, values))
    except _DAMAGED:
        raise _damaged() from None
    finally:
        book.close()
    if headers is None:
        raise DomainError("第一个工作表是空的：请在第一行填写表头，从第二行起每行填写一名党员。", "file")
    return Sheet(headers=headers, rows=rows)
