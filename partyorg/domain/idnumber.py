"""Citizen ID numbers (公民身份号码, GB 11643).

stdnum's `ric.validate` also rejects numbers whose area code was created after the holder's
birth year, but codes are given at issue: a member born in 1950 may carry a code from 1983.
So we check length, format, birth date and check digit, and treat the area code as unknown.
"""
import re
from dataclasses import dataclass
from datetime import date

from stdnum.cn import ric

from .errors import DomainError

_RE18 = re.compile(r"^\d{17}[\dX]$")
_RE15 = re.compile(r"^\d{15}$")


@dataclass(frozen=True)
class ParsedId:
    number: str
    birth_date: date
    #: "male" or "female", from the sequence code's parity.
    gender: str
    #: A first-generation 15-digit number.
    legacy: bool


def normalise(value: str) -> str:
    return (value or "").strip().replace(" ", "").upper()


def parse(value: str, today: date | None = None) -> ParsedId:
    """Parse and check an ID number, raising DomainError in Chinese when it is wrong."""
    number = normalise(value)
    if len(number) == 15:
        if not _RE15.match(number):
            raise DomainError("15位身份证号码只能由数字组成。", "id_number")
        birth = _birth(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
        sequence = int(number[14])
        legacy = True
    elif len(number) == 18:
        if not _RE18.match(number):
            raise DomainError("身份证号码格式不正确：前17位应为数字，最后一位为数字或X。", "id_number")
        birth = _birth(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        if ric.calc_check_digit(number) != number[17]:
            raise DomainError("身份证号码校验位不正确，请核对后重新输入。", "id_number")
        sequence = int(number[16])
        legacy = False
    else:
        raise DomainError("身份证号码应为18位（旧证为15位）。", "id_number")
    today = today or date.today()
    if birth > today or birth.year < 1900:
        raise DomainError("身份证号码中的出生日期不合理。", "id_number")
    return ParsedId(number, birth, "male" if sequence % 2 else "female", legacy)


def _birth(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DomainError("身份证号码中的出生日期无效。", "id_number") from None


def check_consistent(parsed: ParsedId, birth_date: date | None, gender: str | None) -> None:
    """The birth date and gender on the record must agree with the number."""
    if birth_date and birth_date != parsed.birth_date:
        raise DomainError(
            f"出生日期与身份证号码不一致（号码显示为 {parsed.birth_date.isoformat()}）。", "birth_date"
        )
    if gender and str(gender) != parsed.gender:
        shown = "男" if parsed.gender == "male" else "女"
        raise DomainError(f"性别与身份证号码不一致（号码显示为{shown}）。", "gender")


def make_number(area: str, birth: date, sequence: int) -> str:
    """Build a valid 18-digit number (for demo data and tests)."""
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")
