"""Citizen ID numbers (身份证号) and disability certificate numbers (残疾人证号).

Pure standard-library rules, no Django: validation, parsing, building and masking.

Rules: ../shared/DOMAIN.md §0.1 (reference configuration), §1 (categories, grades, 多重残疾),
§2.1 (certificate number format) and §2.2 (GB 11643-1999, ISO 7064 MOD 11-2 check character).

Privacy (DOMAIN.md §7.2, STYLE.md "no personal data in exception messages"): no error raised here
ever contains the number (or its birth date) that was given; ``repr()`` of the parsed results
shows the number masked.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import IntEnum
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "CATEGORY_LABELS",
    "GRADE_LABELS",
    "CertificateInfo",
    "CertificateNumberError",
    "DisabilityCategory",
    "IdInfo",
    "IdNumberError",
    "age_on",
    "build_certificate_number",
    "certificate_valid_until",
    "check_certificate_matches",
    "id_check_char",
    "is_valid_id_number",
    "mask_certificate_number",
    "mask_id_number",
    "mask_phone",
    "multiple_disability_grade",
    "normalize_id_number",
    "parse_certificate_number",
    "parse_id_number",
]

ID_LENGTH = 18
# GB 11643-1999 / ISO 7064 MOD 11-2: weight of position i (1..17) is 2^(17-i) mod 11.
ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"  # indexed by S mod 11
# Plausibility floor for birth dates. Not 1900: GB 11643-1999 Annex A's own example
# 440524188001010014 (born 1880-01-01) is a valid vector in DOMAIN.md §2.2. Callers that register
# living persons may pass ``earliest=date(1900, 1, 1)``.
EARLIEST_BIRTH_DATE = date(1800, 1, 1)
# 管理办法第十九条 (DOMAIN.md §2.1): a certificate is valid for 10 years.
CERTIFICATE_VALIDITY_YEARS = 10

_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
_CERT_SHAPE = re.compile(r"[0-9]{17}[0-9X][0-9]{2}(?:B[0-9])?", re.ASCII)
_PHONE_CHARS = re.compile(r"[0-9+\-() ]+", re.ASCII)

# Values pasted from Word/WPS/web pages: full-width ASCII (U+FF01..U+FF5E, e.g. '５' 'Ｘ') becomes
# ASCII, the ideographic space becomes a space, and invisible zero-width characters are dropped.
_PASTE_TABLE: dict[int, int | None] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_PASTE_TABLE[0x3000] = 0x20
for _cp in (0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF):
    _PASTE_TABLE[_cp] = None
del _cp

try:
    _SHANGHAI: ZoneInfo | timezone = ZoneInfo("Asia/Shanghai")
except ZoneInfoNotFoundError:  # no tz database (e.g. Windows without the tzdata package)
    # China has had no DST since 1991, so a fixed UTC+8 gives the same calendar date.
    _SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")


def _today_in_shanghai() -> date:
    """Today's date in Asia/Shanghai (DESIGN.md: "Dates are Asia/Shanghai")."""
    return datetime.now(_SHANGHAI).date()


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class _CodedError(ValueError):
    """A ValueError with a short English ``code`` and a Chinese ``message`` for the user.

    ``str(error)`` is the Chinese message. Messages never include the number being checked.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class IdNumberError(_CodedError):
    """Invalid citizen ID number.

    Codes: ``empty``, ``length``, ``format``, ``birth_date``, ``checksum``.
    """


class CertificateNumberError(_CodedError):
    """Invalid disability certificate number, or one that disagrees with the holder's record.

    Codes: ``empty``, ``length``, ``format``, ``id_number`` (the first 18 characters are not a
    valid ID; ``id_error`` holds the underlying :class:`IdNumberError`), ``category``, ``grade``,
    ``reissue``, and ``mismatch`` (from :func:`check_certificate_matches`; ``fields`` names the
    disagreeing parts: ``id_number``, ``category``, ``grade``).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        fields: tuple[str, ...] = (),
        id_error: IdNumberError | None = None,
    ) -> None:
        super().__init__(code, message)
        self.fields = fields
        self.id_error = id_error


# --------------------------------------------------------------------------------------------
# Categories and grades (DOMAIN.md §1, §2.1)
# --------------------------------------------------------------------------------------------


class DisabilityCategory(IntEnum):
    """残疾类别: the digit in position 19 of a certificate number (DOMAIN.md §0.1, §2.1)."""

    VISUAL = 1
    HEARING = 2
    SPEECH = 3
    PHYSICAL = 4
    INTELLECTUAL = 5
    MENTAL = 6
    MULTIPLE = 7

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self.value]


CATEGORY_LABELS: dict[int, str] = {
    1: "视力残疾",
    2: "听力残疾",
    3: "言语残疾",
    4: "肢体残疾",
    5: "智力残疾",
    6: "精神残疾",
    7: "多重残疾",
}

# GB/T 26341-2010: grade 1 is the most severe (极重度), grade 4 the mildest (轻度).
GRADE_LABELS: dict[int, str] = {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def multiple_disability_grade(component_grades: Iterable[int]) -> int:
    """Grade of a 多重残疾: the most severe component, i.e. the smallest grade number.

    DOMAIN.md §0.1 / §1 (管理办法第十三条). Raises ``ValueError`` if there is no component or a
    component grade is not 1–4. Whether there really are two or more categories is the caller's
    check (it has the component categories, this function only sees grades).
    """
    grades = list(component_grades)
    if not grades:
        raise ValueError("多重残疾至少需要一个分项残疾等级")
    for grade in grades:
        if not _is_int(grade) or grade not in GRADE_LABELS:
            raise ValueError("残疾等级应为 1–4")
    return min(grades)


# --------------------------------------------------------------------------------------------
# Citizen ID number (GB 11643-1999, DOMAIN.md §0.1, §2.2)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IdInfo:
    """A valid citizen ID number and what it encodes.

    ``sequence`` is the 3-digit sequence code as a string (positions 15–17); its last digit
    gives ``sex``: odd ``'M'``, even ``'F'``.
    """

    number: str
    address_code: str
    birth_date: date
    sex: str
    sequence: str

    def __repr__(self) -> str:  # never print the full number or the birth date in logs
        return f"IdInfo(number={mask_id_number(self.number)!r}, sex={self.sex!r})"


def _clean_pasted(raw: str) -> str:
    return raw.translate(_PASTE_TABLE).strip().upper()


def normalize_id_number(raw: str | None) -> str:
    """Normalise a typed or pasted ID (or certificate) number; does not validate it.

    Full-width characters become ASCII (``'５２０３'`` → ``'5203'``, ``'ｘ'`` → ``'X'``),
    zero-width characters are dropped, surrounding whitespace is stripped and letters are
    upper-cased (DOMAIN.md §0.1: lower-case ``x`` is normalised to ``X``). ``None`` gives ``''``.
    """
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise TypeError("身份证号应为字符串")
    return _clean_pasted(raw)


def id_check_char(first17: str) -> str:
    """The MOD 11-2 check character for the first 17 digits (DOMAIN.md §2.2)."""
    digits = normalize_id_number(first17)
    if not re.fullmatch(r"[0-9]{17}", digits, re.ASCII):
        raise IdNumberError("format", "身份证号前 17 位应为 17 个数字")
    return _check_char(digits)


@lru_cache(maxsize=1 << 17)
def _weighted_sum(digits: str, start: int) -> int:
    return sum(map(operator.mul, map(int, digits), ID_WEIGHTS[start:start + len(digits)]))


def _check_char(digits: str) -> str:
    """The check character of 17 ASCII digits. The sum is taken in three cached parts (address
    code, birth date, sequence): a county's numbers share few addresses and dates, so a
    million-row import computes each part once and then looks it up."""
    total = (_weighted_sum(digits[:6], 0) + _weighted_sum(digits[6:14], 6)
             + _weighted_sum(digits[14:], 14))
    return ID_CHECK_CHARS[total % 11]


@lru_cache(maxsize=1 << 16)
def _encoded_birth_date(digits: str) -> date | None:
    """The date of an 8-digit YYYYMMDD, None if there is no such day (cached: dates repeat)."""
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def parse_id_number(
    raw: str, *, today: date | None = None, earliest: date = EARLIEST_BIRTH_DATE
) -> IdInfo:
    """Validate a citizen ID number and return what it encodes; raises :class:`IdNumberError`.

    DOMAIN.md §0.1: 18 characters; birth date a real date, not before ``earliest`` (default
    1800-01-01, see ``EARLIEST_BIRTH_DATE``) and not after ``today`` (default: today in
    Asia/Shanghai); MOD 11-2 check character (§2.2). The address code is deliberately not checked
    against current county codes (historic codes are valid).
    """
    number = normalize_id_number(raw)
    if not number:
        raise IdNumberError("empty", "请填写身份证号")
    if len(number) != ID_LENGTH:
        hint = "（15 位的第一代身份证号已停止使用）" if len(number) == 15 else ""
        raise IdNumberError("length", f"身份证号应为 18 位，当前为 {len(number)} 位{hint}")
    if not _ID_SHAPE.fullmatch(number):
        raise IdNumberError("format", "身份证号前 17 位应为数字，最后一位应为数字或 X")

    birth_date = _encoded_birth_date(number[6:14])
    if birth_date is None:
        raise IdNumberError("birth_date", "身份证号中的出生日期不是有效日期")
    if birth_date < earliest:
        raise IdNumberError("birth_date", f"身份证号中的出生日期早于 {earliest.year} 年")
    if birth_date > (today if today is not None else _today_in_shanghai()):
        raise IdNumberError("birth_date", "身份证号中的出生日期晚于今天")

    expected = _check_char(number[:17])
    if number[17] != expected:
        raise IdNumberError("checksum", f"身份证号校验位错误，应为 {expected}")

    return IdInfo(
        number=number,
        address_code=number[:6],
        birth_date=birth_date,
        sex="M" if int(number[16]) % 2 == 1 else "F",
        sequence=number[14:17],
    )


def is_valid_id_number(
    raw: str, *, today: date | None = None, earliest: date = EARLIEST_BIRTH_DATE
) -> bool:
    """True if ``raw`` is a valid citizen ID number (see :func:`parse_id_number`)."""
    try:
        parse_id_number(raw, today=today, earliest=earliest)
    except (IdNumberError, TypeError):
        return False
    return True


def age_on(birth_date: date, on: date) -> int:
    """Age in full years (周岁) on a date.

    Someone born on 29 February turns a year older on 1 March in non-leap years.
    """
    if on < birth_date:
        raise ValueError("日期早于出生日期")
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


# --------------------------------------------------------------------------------------------
# Disability certificate number (DOMAIN.md §0.1, §2.1)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """A valid certificate number split into its parts. ``reissue`` is 0 for the original card,
    n for the n-th re-issue (suffix ``Bn``)."""

    number: str
    id_number: str
    category: DisabilityCategory
    grade: int
    reissue: int = 0

    def __repr__(self) -> str:  # never print the full number in logs
        return (
            f"CertificateInfo(number={mask_certificate_number(self.number)!r}, "
            f"category={int(self.category)}, grade={self.grade}, reissue={self.reissue})"
        )


def parse_certificate_number(raw: str, *, today: date | None = None) -> CertificateInfo:
    """Validate a certificate number and split it; raises :class:`CertificateNumberError`.

    DOMAIN.md §2.1: 18-character citizen ID (checksum included) + category digit 1–7 + grade
    digit 1–4, optionally ``B1``…``B9`` for re-issues: 20 or 22 characters, upper-case.
    ``today`` is passed on to the ID's birth-date check.
    """
    number = normalize_id_number(raw)
    if not number:
        raise CertificateNumberError("empty", "请填写残疾人证号")
    if len(number) not in (20, 22):
        raise CertificateNumberError(
            "length", f"残疾人证号应为 20 位（补发证 22 位），当前为 {len(number)} 位"
        )

    try:
        parse_id_number(number[:ID_LENGTH], today=today)
    except IdNumberError as exc:
        raise CertificateNumberError(
            "id_number", f"残疾人证号前 18 位不是有效的身份证号：{exc.message}", id_error=exc
        ) from None

    category_char, grade_char = number[18], number[19]
    if category_char not in "1234567":
        raise CertificateNumberError("category", "残疾人证号第 19 位（残疾类别）应为 1–7 的数字")
    if grade_char not in "1234":
        raise CertificateNumberError("grade", "残疾人证号第 20 位（残疾等级）应为 1–4 的数字")

    reissue = 0
    if len(number) == 22:
        suffix = number[20:]
        if suffix[0] != "B" or suffix[1] not in "123456789":
            raise CertificateNumberError("reissue", "残疾人证号补发标识应为 B1–B9")
        reissue = int(suffix[1])

    return CertificateInfo(
        number=number,
        id_number=number[:ID_LENGTH],
        category=DisabilityCategory(int(category_char)),
        grade=int(grade_char),
        reissue=reissue,
    )


def check_certificate_matches(
    cert_number: str, *, id_number: str, category: int, grade: int
) -> None:
    """Check a certificate number against the holder's record (DOMAIN.md §0.1).

    Raises :class:`CertificateNumberError`: the parse errors of
    :func:`parse_certificate_number`, or code ``mismatch`` naming every part that disagrees
    (its ``fields``: ``id_number``, ``category``, ``grade``) without echoing any value.
    """
    info = parse_certificate_number(cert_number)
    holder_id = normalize_id_number(id_number) if isinstance(id_number, str) else None

    fields: list[str] = []
    problems: list[str] = []
    if info.id_number != holder_id:
        fields.append("id_number")
        problems.append("前 18 位与持证人身份证号不一致")
    if int(info.category) != category:
        fields.append("category")
        problems.append("第 19 位（残疾类别）与登记的残疾类别不一致")
    if info.grade != grade:
        fields.append("grade")
        problems.append("第 20 位（残疾等级）与登记的残疾等级不一致")
    if fields:
        raise CertificateNumberError(
            "mismatch", "残疾人证号" + "；".join(problems), fields=tuple(fields)
        )


def build_certificate_number(*, id_number: str, category: int, grade: int, reissue: int = 0) -> str:
    """Compose a certificate number from its parts (DOMAIN.md §2.1).

    ``reissue`` 0 gives the 20-character original; 1–9 append ``B1``…``B9``.
    Raises :class:`CertificateNumberError` on an invalid part.
    """
    try:
        id_info = parse_id_number(id_number)
    except IdNumberError as exc:
        raise CertificateNumberError(
            "id_number", f"持证人身份证号无效：{exc.message}", id_error=exc
        ) from None
    if not _is_int(category) or category not in CATEGORY_LABELS:
        raise CertificateNumberError("category", "残疾类别应为 1–7")
    if not _is_int(grade) or grade not in GRADE_LABELS:
        raise CertificateNumberError("grade", "残疾等级应为 1–4")
    if not _is_int(reissue) or not 0 <= reissue <= 9:
        raise CertificateNumberError("reissue", "补发次数应为 0–9")
    suffix = f"B{reissue}" if reissue else ""
    return f"{id_info.number}{int(category)}{grade}{suffix}"


def certificate_valid_until(issued_on: date) -> date:
    """Proposed default end of validity: the same calendar date 10 years later.

    管理办法第十九条 (DOMAIN.md §0.1, §2.1): valid for 10 years from the issue date. A card issued
    on 29 February ends on 28 February. This only proposes a default for the form: the project
    stores ``valid_until`` on each certificate and never derives it (other validity periods for
    some groups are unconfirmed, and cards carry their printed date).
    """
    year = issued_on.year + CERTIFICATE_VALIDITY_YEARS
    try:
        return issued_on.replace(year=year)
    except ValueError:  # 29 February into a non-leap year
        return date(year, 2, 28)


# --------------------------------------------------------------------------------------------
# Masking for display (DOMAIN.md §7.2, DESIGN.md "Data")
# --------------------------------------------------------------------------------------------


def _display_text(value: object) -> str | None:
    """The value as normalised text, or ``None`` if it cannot even be turned into text."""
    if value is None:
        return ""
    if not isinstance(value, str):
        try:
            value = str(value)
        except Exception:
            return None
    return _clean_pasted(value)


_UNPRINTABLE = "***"


def _mask_malformed(text: str) -> str:
    # A half-typed or odd value still must not leak: keep only the last 2 characters,
    # and nothing at all when there are only 1-2 characters.
    if len(text) <= 2:
        return "*" * len(text)
    return "*" * (len(text) - 2) + text[-2:]


def mask_id_number(value: str | None) -> str:
    """``520322198001011234`` → ``520322********1234`` (first 6, 8 stars, last 4).

    Only the shape (17 digits + digit/X) is checked, not the checksum. Anything else keeps only
    its last 2 characters. ``None``/empty gives ``''``. Never raises.
    """
    text = _display_text(value)
    if text is None:
        return _UNPRINTABLE
    if _ID_SHAPE.fullmatch(text):
        return text[:6] + "*" * 8 + text[14:]
    return _mask_malformed(text)


def mask_certificate_number(value: str | None) -> str:
    """Mask the ID part like :func:`mask_id_number` and keep the category/grade/re-issue suffix:
    ``520322********123X41``, ``520322********123X41B1``. Never raises."""
    text = _display_text(value)
    if text is None:
        return _UNPRINTABLE
    if _CERT_SHAPE.fullmatch(text):
        return text[:6] + "*" * 8 + text[14:]
    return _mask_malformed(text)


def mask_phone(value: str | None) -> str:
    """Mobile ``13812345678`` (also typed as ``138 1234 5678``) → ``138****5678``.

    Other phone numbers keep the first 3 and last 2 characters and star the rest
    (``0851-12345678`` → ``085********78``). Values that are not phone-like (letters, fewer
    than 7 digits) keep only their last 2 characters. ``None``/empty gives ``''``. Never raises.
    """
    text = _display_text(value)
    if text is None:
        return _UNPRINTABLE
    if not text:
        return ""
    compact = re.sub(r"[ \-]", "", text)
    if re.fullmatch(r"1[0-9]{10}", compact, re.ASCII):  # mainland mobile number
        return compact[:3] + "****" + compact[7:]
    digit_count = sum(ch in "0123456789" for ch in text)
    if _PHONE_CHARS.fullmatch(text) and digit_count >= 7:
        return text[:3] + "*" * (len(text) - 5) + text[-2:]
    return _mask_malformed(text)
