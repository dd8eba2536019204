"""Rules for citizen ID numbers and disability certificate numbers.

Each test cites the rule in ../shared/DOMAIN.md it holds the code to (§0.1 reference
configuration, §1 categories and grades, §2.1 certificate number, §2.2 GB 11643-1999 checksum,
§7.2 masking and no personal data in messages).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from canlian.core import idnumbers
from canlian.core.idnumbers import (
    GRADE_LABELS,
    CertificateInfo,
    CertificateNumberError,
    DisabilityCategory,
    IdInfo,
    IdNumberError,
    age_on,
    build_certificate_number,
    certificate_valid_until,
    check_certificate_matches,
    id_check_char,
    is_valid_id_number,
    mask_certificate_number,
    mask_id_number,
    mask_phone,
    multiple_disability_grade,
    normalize_id_number,
    parse_certificate_number,
    parse_id_number,
)

TODAY = date(2026, 1, 15)

# DOMAIN.md §2.2 test vectors.
VALID_IDS = ["11010519491231002X", "440524188001010014", "34052419800101001X"]
BAD_CHECKSUM_IDS = [("23010519900101001X", "8"), ("110108200003154578", "3")]

HOLDER_ID = "11010519491231002X"


def make_id(address_code: str, birth_date: date, sequence: int) -> str:
    first17 = f"{address_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + id_check_char(first17)


def assert_no_personal_data(error: Exception, *secrets: str) -> None:
    """STYLE.md / DOMAIN.md §7.2: no ID number (or birth date) in exception messages."""
    texts = [str(error), repr(error), getattr(error, "message", ""), *map(str, error.args)]
    for secret in secrets:
        for text in texts:
            assert secret not in text, f"{secret!r} leaked into {text!r}"


# --------------------------------------------------------------------------------------------
# Citizen ID: check character (DOMAIN.md §2.2)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", VALID_IDS)
def test_id_check_char_is_iso7064_mod11_2(number: str) -> None:
    """DOMAIN.md §2.2: check = "10X98765432"[Σ a_i·W_i mod 11] (GB 11643 Annex A vectors)."""
    assert id_check_char(number[:17]) == number[17]


@pytest.mark.parametrize("number", VALID_IDS)
def test_gb11643_valid_vectors_parse(number: str) -> None:
    """DOMAIN.md §2.2: the standard's valid vectors are accepted."""
    assert parse_id_number(number, today=TODAY).number == number
    assert is_valid_id_number(number)


@pytest.mark.parametrize(("number", "correct"), BAD_CHECKSUM_IDS)
def test_id_with_wrong_check_char_is_rejected_naming_the_correct_one(
    number: str, correct: str
) -> None:
    """DOMAIN.md §2.2: invalid vectors (correct check chars would be 8 and 3)."""
    with pytest.raises(IdNumberError) as excinfo:
        parse_id_number(number, today=TODAY)
    assert excinfo.value.code == "checksum"
    assert excinfo.value.message == f"身份证号校验位错误，应为 {correct}"
    assert str(excinfo.value) == excinfo.value.message
    assert not is_valid_id_number(number)


def test_id_check_char_requires_17_digits() -> None:
    """DOMAIN.md §2.2: the check character is computed over positions 1–17, all digits."""
    for bad in ["1101051949123100", "110105194912310021", "11010519491231X02"]:
        with pytest.raises(IdNumberError) as excinfo:
            id_check_char(bad)
        assert excinfo.value.code == "format"


def test_id_number_error_is_a_value_error() -> None:
    """STYLE.md: errors carry a short code and a Chinese message; forms catch ValueError."""
    assert issubclass(IdNumberError, ValueError)
    assert issubclass(CertificateNumberError, ValueError)


def test_parsed_id_exposes_address_birth_date_sequence_and_sex() -> None:
    """DOMAIN.md §2.2: 6-digit address code + YYYYMMDD birth date + 3-digit sequence + check."""
    info = parse_id_number("11010519491231002X", today=TODAY)
    assert info == IdInfo(
        number="11010519491231002X",
        address_code="110105",
        birth_date=date(1949, 12, 31),
        sex="F",
        sequence="002",
    )


# --------------------------------------------------------------------------------------------
# Citizen ID: normalisation (DOMAIN.md §0.1)
# --------------------------------------------------------------------------------------------


def test_lower_case_x_is_normalised_to_upper_case() -> None:
    """DOMAIN.md §0.1: lower-case `x` is normalised to `X`."""
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    assert parse_id_number("11010519491231002x", today=TODAY).number == "11010519491231002X"
    assert is_valid_id_number("34052419800101001x")


@pytest.mark.parametrize(
    "pasted",
    [
        "１１０１０５１９４９１２３１００２Ｘ",  # full-width digits and letter (pasted from Word)
        "１１０１０５１９４９１２３１００２ｘ",  # full-width lower-case x
        "110105１９４９１２３１002X",  # mixed widths
    ],
)
def test_full_width_digits_and_letters_are_normalised(pasted: str) -> None:
    """DOMAIN.md §0.1 normalisation: full-width characters pasted from Word become ASCII."""
    assert normalize_id_number(pasted) == "11010519491231002X"
    assert parse_id_number(pasted, today=TODAY).number == "11010519491231002X"


@pytest.mark.parametrize(
    "pasted",
    [
        "  11010519491231002X  ",
        "\t11010519491231002X\n",
        "\u300011010519491231002X\u3000",  # ideographic space
        "\ufeff11010519491231002X\u200b",  # BOM / zero-width space from copy-paste
    ],
)
def test_surrounding_whitespace_is_stripped(pasted: str) -> None:
    """DOMAIN.md §0.1 normalisation: surrounding whitespace is stripped."""
    assert normalize_id_number(pasted) == "11010519491231002X"
    assert is_valid_id_number(pasted)


def test_normalize_id_number_of_none_is_empty() -> None:
    """DOMAIN.md §0.1: normalisation is total on empty input."""
    assert normalize_id_number(None) == ""


# --------------------------------------------------------------------------------------------
# Citizen ID: shape (DOMAIN.md §0.1, §2.2)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("1101051949123100", "length"),  # 16
        ("110105194912310", "length"),  # 15: first-generation ID
        ("11010519491231002X1", "length"),  # 19
        ("110105 19491231002X", "length"),  # internal space is not silently removed
        ("1101051949123100XX", "format"),  # X only allowed last
        ("11010519491231002A", "format"),
        ("11010519491231002-", "format"),
        ("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "format"),  # Arabic-Indic digits are not ID digits
    ],
)
def test_id_must_be_17_digits_and_a_check_char(raw: str, code: str) -> None:
    """DOMAIN.md §0.1: 18 characters, 17 digits then a digit or X."""
    with pytest.raises(IdNumberError) as excinfo:
        parse_id_number(raw, today=TODAY)
    assert excinfo.value.code == code
    assert not is_valid_id_number(raw)


def test_first_generation_15_digit_id_gets_a_hint() -> None:
    """DOMAIN.md §0.1: only 18-character IDs are accepted; say why a 15-digit one is refused."""
    with pytest.raises(IdNumberError) as excinfo:
        parse_id_number("110105491231002")
    assert "15 位" in excinfo.value.message


def test_is_valid_id_number_is_false_for_non_strings() -> None:
    """DOMAIN.md §0.1: a boolean check never raises."""
    assert not is_valid_id_number(None)  # type: ignore[arg-type]
    assert not is_valid_id_number(440524188001010014)  # type: ignore[arg-type]


def test_address_code_is_not_checked_against_current_county_codes() -> None:
    """DOMAIN.md §0.1 / §2.2: historic address codes are valid (110104 宣武区 was abolished in
    2010; 990000 is no code at all)."""
    for code in ["110104", "990000"]:
        number = make_id(code, date(1970, 5, 6), 123)
        assert parse_id_number(number, today=TODAY).address_code == code


# --------------------------------------------------------------------------------------------
# Citizen ID: birth date (DOMAIN.md §0.1)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("yyyymmdd", ["19900230", "19910229", "19901301", "19900001", "19900100"])
def test_birth_date_must_be_a_real_date(yyyymmdd: str) -> None:
    """DOMAIN.md §0.1: birth date valid (the check char is correct, only the date is wrong)."""
    first17 = f"520322{yyyymmdd}123"
    number = first17 + id_check_char(first17)
    with pytest.raises(IdNumberError) as excinfo:
        parse_id_number(number, today=TODAY)
    assert excinfo.value.code == "birth_date"
    assert_no_personal_data(excinfo.value, number, yyyymmdd)


def test_birth_date_29_february_in_a_leap_year_is_valid() -> None:
    """DOMAIN.md §0.1: birth date valid; 2000 was a leap year."""
    number = make_id("520322", date(2000, 2, 29), 11)
    assert parse_id_number(number, today=TODAY).birth_date == date(2000, 2, 29)


def test_birth_date_must_not_be_in_the_future() -> None:
    """DOMAIN.md §0.1: birth date not in the future (born today is fine)."""
    born_today = make_id("520322", TODAY, 1)
    born_tomorrow = make_id("520322", TODAY + timedelta(days=1), 1)
    assert parse_id_number(born_today, today=TODAY).birth_date == TODAY
    with pytest.raises(IdNumberError) as excinfo:
        parse_id_number(born_tomorrow, today=TODAY)
    assert excinfo.value.code == "birth_date"
    assert not is_valid_id_number(born_tomorrow, today=TODAY)


def test_birth_date_has_a_plausibility_floor() -> None:
    """DOMAIN.md §0.1 "birth date valid": the default floor is 1800-01-01, because the §2.2
    vector 440524188001010014 (GB 11643 Annex A) was born in 1880; a caller registering living
    persons can ask for 1900-01-01."""
    assert parse_id_number("440524188001010014", today=TODAY).birth_date == date(1880, 1, 1)
    with pytest.raises(IdNumberError) as excinfo:
        parse_id_number(make_id("520322", date(1799, 12, 31), 1), today=TODAY)
    assert excinfo.value.code == "birth_date"

    floor = date(1900, 1, 1)
    assert parse_id_number(make_id("520322", floor, 1), today=TODAY, earliest=floor)
    with pytest.raises(IdNumberError) as excinfo:
        parse_id_number(make_id("520322", date(1899, 12, 31), 1), today=TODAY, earliest=floor)
    assert excinfo.value.code == "birth_date"
    assert "1900" in excinfo.value.message
    assert not is_valid_id_number("440524188001010014", earliest=floor)


def test_today_defaults_to_the_date_in_asia_shanghai(monkeypatch: pytest.MonkeyPatch) -> None:
    """DESIGN.md "Dates are Asia/Shanghai": at 2025-06-30 17:00 UTC it is already 07-01 in
    Shanghai, so someone born on 2025-07-01 is not "in the future"."""

    class FrozenDateTime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return datetime(2025, 6, 30, 17, 0, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(idnumbers, "datetime", FrozenDateTime)
    assert is_valid_id_number(make_id("520322", date(2025, 7, 1), 1))
    assert not is_valid_id_number(make_id("520322", date(2025, 7, 2), 1))


# --------------------------------------------------------------------------------------------
# Citizen ID: sex (DOMAIN.md §0.1, §2.2)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sequence", "sex"), [(1, "M"), (2, "F"), (9, "M"), (0, "F"), (123, "M"), (998, "F")]
)
def test_sex_from_sequence_digit_odd_male_even_female(sequence: int, sex: str) -> None:
    """DOMAIN.md §0.1: sequence digit (17th character) odd = male, even = female."""
    info = parse_id_number(make_id("520322", date(1980, 1, 1), sequence), today=TODAY)
    assert info.sex == sex
    assert info.sequence == f"{sequence:03d}"


def test_sex_of_standard_vectors() -> None:
    """DOMAIN.md §2.2: 11010519491231002X has sequence 002 (female), 440524188001010014 has
    001 (male)."""
    assert parse_id_number("11010519491231002X", today=TODAY).sex == "F"
    assert parse_id_number("440524188001010014", today=TODAY).sex == "M"


# --------------------------------------------------------------------------------------------
# Categories, grades, multiple disability (DOMAIN.md §1, §2.1)
# --------------------------------------------------------------------------------------------


def test_disability_category_codes_and_labels() -> None:
    """DOMAIN.md §0.1 / §2.1: 1 视力 2 听力 3 言语 4 肢体 5 智力 6 精神 7 多重."""
    assert [(int(c), c.label) for c in DisabilityCategory] == [
        (1, "视力残疾"),
        (2, "听力残疾"),
        (3, "言语残疾"),
        (4, "肢体残疾"),
        (5, "智力残疾"),
        (6, "精神残疾"),
        (7, "多重残疾"),
    ]
    assert DisabilityCategory(4) is DisabilityCategory.PHYSICAL


def test_grade_labels_one_is_most_severe() -> None:
    """DOMAIN.md §1: 4 grades, 一级 (极重度) … 四级 (轻度)."""
    assert GRADE_LABELS == {1: "一级", 2: "二级", 3: "三级", 4: "四级"}


@pytest.mark.parametrize(
    ("components", "grade"), [([3, 1, 4], 1), ([4, 2], 2), ([3, 3], 3), ([4], 4)]
)
def test_multiple_disability_grade_is_the_most_severe_component(
    components: list[int], grade: int
) -> None:
    """DOMAIN.md §0.1 / §1 (管理办法第十三条): multiple.grade = min(component grades)."""
    assert multiple_disability_grade(components) == grade
    assert multiple_disability_grade(iter(components)) == grade


@pytest.mark.parametrize("components", [[], [0, 2], [5], [2, True]])
def test_multiple_disability_grade_rejects_empty_or_unknown_grades(components: list[int]) -> None:
    """DOMAIN.md §1: grades are 1–4."""
    with pytest.raises(ValueError, match="残疾等级"):
        multiple_disability_grade(components)


# --------------------------------------------------------------------------------------------
# Certificate number (DOMAIN.md §0.1, §2.1)
# --------------------------------------------------------------------------------------------


def test_certificate_number_of_20_chars_is_id_plus_category_plus_grade() -> None:
    """DOMAIN.md §2.1: 18-char ID + category digit + grade digit = 20 characters."""
    info = parse_certificate_number(HOLDER_ID + "41")
    assert info == CertificateInfo(
        number=HOLDER_ID + "41",
        id_number=HOLDER_ID,
        category=DisabilityCategory.PHYSICAL,
        grade=1,
        reissue=0,
    )


def test_certificate_number_example_endings() -> None:
    """DOMAIN.md §2.1: a number ending 23 is 听力残疾三级; one ending 44 is 肢体残疾四级."""
    hearing = parse_certificate_number("44052418800101001423")
    assert (hearing.category.label, GRADE_LABELS[hearing.grade]) == ("听力残疾", "三级")
    physical = parse_certificate_number("44052418800101001444")
    assert (physical.category.label, GRADE_LABELS[physical.grade]) == ("肢体残疾", "四级")


@pytest.mark.parametrize("reissue", range(1, 10))
def test_certificate_number_of_22_chars_has_reissue_suffix(reissue: int) -> None:
    """DOMAIN.md §2.1: `B1`…`B9` for re-issues, 22 characters."""
    info = parse_certificate_number(f"{HOLDER_ID}72B{reissue}")
    assert info.id_number == HOLDER_ID
    assert info.category is DisabilityCategory.MULTIPLE
    assert info.grade == 2
    assert info.reissue == reissue


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x41b1",
        " 11010519491231002X41B1 ",
        "１１０１０５１９４９１２３１００２ｘ４１ｂ１",
    ],
)
def test_certificate_number_is_normalised_to_upper_case(raw: str) -> None:
    """DOMAIN.md §2.1: certificate numbers are alphanumeric; normalise to upper-case."""
    assert parse_certificate_number(raw).number == HOLDER_ID + "41B1"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        (HOLDER_ID, "length"),
        (HOLDER_ID + "4", "length"),
        (HOLDER_ID + "41B", "length"),
        (HOLDER_ID + "41B12", "length"),
        (HOLDER_ID + "81", "category"),  # category 8 does not exist
        (HOLDER_ID + "01", "category"),
        (HOLDER_ID + "A1", "category"),
        (HOLDER_ID + "45", "grade"),  # grade 5 does not exist
        (HOLDER_ID + "40", "grade"),
        (HOLDER_ID + "41B0", "reissue"),  # re-issues start at B1
        (HOLDER_ID + "41C1", "reissue"),
        (HOLDER_ID + "41BX", "reissue"),
        ("23010519900101001X41", "id_number"),  # ID part fails its checksum
        ("11010519490230002X41", "id_number"),  # ID part has an impossible birth date
    ],
)
def test_certificate_number_parts_are_validated(raw: str, code: str) -> None:
    """DOMAIN.md §2.1: category 1–7, grade 1–4, optional B1–B9, 20 or 22 characters, and the
    first 18 characters pass the ID checks (checksum included)."""
    with pytest.raises(CertificateNumberError) as excinfo:
        parse_certificate_number(raw)
    assert excinfo.value.code == code


def test_certificate_id_part_checksum_error_says_what_is_wrong() -> None:
    """DOMAIN.md §2.1: "Also run the ID checksum on the first 18 characters"."""
    with pytest.raises(CertificateNumberError) as excinfo:
        parse_certificate_number("23010519900101001X41")
    assert "校验位错误，应为 8" in excinfo.value.message
    assert excinfo.value.id_error is not None
    assert excinfo.value.id_error.code == "checksum"


def test_certificate_matching_its_holder_passes() -> None:
    """DOMAIN.md §0.1: ID part equals the holder's ID, digits equal recorded category/grade."""
    check_certificate_matches(HOLDER_ID + "41", id_number=HOLDER_ID, category=4, grade=1)
    check_certificate_matches(
        "11010519491231002x72b2",
        id_number="11010519491231002x",
        category=DisabilityCategory.MULTIPLE,
        grade=2,
    )


@pytest.mark.parametrize(
    ("holder", "fields", "phrase"),
    [
        (
            {"id_number": "440524188001010014", "category": 4, "grade": 1},
            ("id_number",),
            "身份证号",
        ),
        ({"id_number": HOLDER_ID, "category": 1, "grade": 1}, ("category",), "残疾类别"),
        ({"id_number": HOLDER_ID, "category": 4, "grade": 2}, ("grade",), "残疾等级"),
        (
            {"id_number": HOLDER_ID, "category": 5, "grade": 3},
            ("category", "grade"),
            "残疾类别",
        ),
    ],
)
def test_certificate_mismatch_names_the_disagreeing_part(
    holder: dict[str, Any], fields: tuple[str, ...], phrase: str
) -> None:
    """DOMAIN.md §0.1: "Its ID part must equal the holder's ID and its digits must equal the
    recorded category and grade"; the message names which part disagrees."""
    with pytest.raises(CertificateNumberError) as excinfo:
        check_certificate_matches(HOLDER_ID + "41", **holder)
    assert excinfo.value.code == "mismatch"
    assert excinfo.value.fields == fields
    assert phrase in excinfo.value.message
    if fields == ("category", "grade"):
        assert "残疾等级" in excinfo.value.message
    assert_no_personal_data(excinfo.value, HOLDER_ID, holder["id_number"], HOLDER_ID + "41")


def test_certificate_check_rejects_an_invalid_certificate_number() -> None:
    """DOMAIN.md §2.1: a certificate number that is not well formed cannot match anyone."""
    with pytest.raises(CertificateNumberError) as excinfo:
        check_certificate_matches(HOLDER_ID + "81", id_number=HOLDER_ID, category=4, grade=1)
    assert excinfo.value.code == "category"


def test_build_certificate_number() -> None:
    """DOMAIN.md §2.1: ID + category digit + grade digit, `Bn` for the n-th re-issue."""
    assert build_certificate_number(id_number=HOLDER_ID, category=4, grade=1) == HOLDER_ID + "41"
    assert (
        build_certificate_number(
            id_number="11010519491231002x", category=DisabilityCategory.MENTAL, grade=2, reissue=3
        )
        == HOLDER_ID + "62B3"
    )


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"id_number": "23010519900101001X", "category": 4, "grade": 1}, "id_number"),
        ({"id_number": HOLDER_ID, "category": 8, "grade": 1}, "category"),
        ({"id_number": HOLDER_ID, "category": 0, "grade": 1}, "category"),
        ({"id_number": HOLDER_ID, "category": 4, "grade": 5}, "grade"),
        ({"id_number": HOLDER_ID, "category": 4, "grade": True}, "grade"),
        ({"id_number": HOLDER_ID, "category": 4, "grade": 1, "reissue": 10}, "reissue"),
        ({"id_number": HOLDER_ID, "category": 4, "grade": 1, "reissue": -1}, "reissue"),
    ],
)
def test_build_certificate_number_rejects_invalid_parts(kwargs: dict[str, Any], code: str) -> None:
    """DOMAIN.md §2.1: category 1–7, grade 1–4, re-issue B1–B9, valid ID."""
    with pytest.raises(CertificateNumberError) as excinfo:
        build_certificate_number(**kwargs)
    assert excinfo.value.code == code
    assert_no_personal_data(excinfo.value, kwargs["id_number"])


# --------------------------------------------------------------------------------------------
# Dates: age and certificate validity (DOMAIN.md §0.1, §2.1)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(1980, 6, 15), date(2026, 6, 14), 45),
        (date(1980, 6, 15), date(2026, 6, 15), 46),
        (date(2008, 2, 29), date(2026, 2, 28), 17),  # 29 Feb birthday: a year older on 1 March
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 29), 20),
        (date(2026, 1, 15), date(2026, 1, 15), 0),
    ],
)
def test_age_on_counts_full_years(born: date, on: date, age: int) -> None:
    """DOMAIN.md §0.3: age thresholds (e.g. under 18) use full years (周岁)."""
    assert age_on(born, on) == age


def test_age_on_before_birth_is_an_error() -> None:
    """DOMAIN.md §0.3: no age before birth."""
    with pytest.raises(ValueError, match="出生日期"):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


@pytest.mark.parametrize(
    ("issued_on", "valid_until"),
    [
        (date(2020, 5, 10), date(2030, 5, 10)),
        (date(2020, 12, 31), date(2030, 12, 31)),
        (date(2020, 2, 28), date(2030, 2, 28)),
        (date(2024, 2, 29), date(2034, 2, 28)),  # 29 Feb → 28 Feb in a non-leap year
        (date(2016, 2, 29), date(2026, 2, 28)),
    ],
)
def test_certificate_is_valid_for_10_years_same_calendar_date(
    issued_on: date, valid_until: date
) -> None:
    """DOMAIN.md §0.1 / §2.1 (管理办法第十九条): valid for 10 years from the issue date; the helper
    proposes the same calendar date 10 years later (the project stores valid_until)."""
    assert certificate_valid_until(issued_on) == valid_until


# --------------------------------------------------------------------------------------------
# Masking (DOMAIN.md §7.2, DESIGN.md "Data")
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("520322198001011234", "520322********1234"),
        ("52032219800101123x", "520322********123X"),
        (" ５２０３２２１９８００１０１１２３４ ", "520322********1234"),
        ("5203221980", "********80"),  # half-typed: only the last 2 characters show
        ("5203221980010112345", "*****************45"),  # 19 characters
        ("12", "**"),
        ("1", "*"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number_shows_first_6_and_last_4(value: str | None, masked: str) -> None:
    """DOMAIN.md §7.2: mask identifiers in lists (520322********1234); malformed values show at
    most their last 2 characters."""
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("52032219800101123X41", "520322********123X41"),
        ("52032219800101123x41b1", "520322********123X41B1"),
        ("52032219800101123X4", "*****************X4"),  # 19 characters: malformed
        ("52032219800101123X41B", "*******************1B"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_certificate_number_masks_the_id_part_and_keeps_the_suffix(
    value: str | None, masked: str
) -> None:
    """DOMAIN.md §7.2: "certificate numbers too"."""
    assert mask_certificate_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        (" 138 1234 5678 ", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("１３８１２３４５６７８", "138****5678"),
        ("0851-12345678", "085********78"),  # landline: first 3 and last 2
        ("+8613812345678", "+86*********78"),
        ("12345", "***45"),  # too short to be a phone: only the last 2 show
        ("abc1234567", "********67"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(value: str | None, masked: str) -> None:
    """DOMAIN.md §7.2 / DESIGN.md "Phone numbers likewise": mobile 138****5678, other numbers
    keep the first 3 and last 2 characters."""
    assert mask_phone(value) == masked


def test_masking_never_raises_on_odd_input() -> None:
    """DOMAIN.md §7.2: masking is used in lists and must not break a page."""

    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    for mask in (mask_id_number, mask_certificate_number, mask_phone):
        assert mask(Unprintable()) == "***"  # type: ignore[arg-type]
        assert mask(13812345678) == mask("13812345678")  # type: ignore[arg-type]
        assert isinstance(mask("\x00\ud800ß"), str)


def test_parsed_results_do_not_show_the_full_number_in_repr() -> None:
    """STYLE.md: no ID number in log lines; repr() of parsed results is masked."""
    id_info = parse_id_number(HOLDER_ID, today=TODAY)
    cert_info = parse_certificate_number(HOLDER_ID + "41B1")
    assert HOLDER_ID not in repr(id_info)
    assert "19491231" not in repr(id_info)
    assert HOLDER_ID not in repr(cert_info)
    assert "110105********002X41B1" in repr(cert_info)


# --------------------------------------------------------------------------------------------
# Privacy of error messages (DOMAIN.md §7.2, STYLE.md)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "23010519900101001X",
        "110108200003154578",
        "11010519900230123X",
        "52032220990101123X",
        "18991231000000000X",
        "1101051949123100XX",
        "11010519491231002X1",
        "110105491231002",
    ],
)
def test_id_error_messages_never_contain_the_number_given(raw: str) -> None:
    """STYLE.md: "No personal data (name, ID number, …) in log lines or exception messages"."""
    with pytest.raises(IdNumberError) as excinfo:
        parse_id_number(raw, today=TODAY)
    assert_no_personal_data(excinfo.value, raw, raw[:17], raw[6:14])


@pytest.mark.parametrize(
    "raw",
    [
        "23010519900101001X41",
        "11010519491231002X81",
        "11010519491231002X45",
        "11010519491231002X41B0",
        "11010519491231002X4",
    ],
)
def test_certificate_error_messages_never_contain_the_number_given(raw: str) -> None:
    """STYLE.md: no ID or certificate number in exception messages."""
    with pytest.raises(CertificateNumberError) as excinfo:
        parse_certificate_number(raw)
    assert_no_personal_data(excinfo.value, raw, raw[:18], raw[:17])


# --------------------------------------------------------------------------------------------
# Properties (DOMAIN.md §2.2)
# --------------------------------------------------------------------------------------------

address_codes = st.integers(min_value=0, max_value=999_999).map(lambda n: f"{n:06d}")
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


@settings(deadline=None)
@given(address_codes, birth_dates, sequences)
def test_property_id_built_with_check_char_always_parses(
    address_code: str, birth_date: date, sequence: int
) -> None:
    """DOMAIN.md §2.2: any valid birth date and sequence + id_check_char gives a valid ID, and
    parsing gives back its parts."""
    number = make_id(address_code, birth_date, sequence)
    info = parse_id_number(number, today=TODAY)
    assert info.birth_date == birth_date
    assert info.address_code == address_code
    assert info.sex == ("M" if sequence % 2 else "F")
    assert parse_id_number(number.lower(), today=TODAY).number == number


@settings(deadline=None)
@given(
    address_codes,
    birth_dates,
    sequences,
    st.integers(min_value=0, max_value=16),
    st.integers(min_value=1, max_value=9),
)
def test_property_changing_any_single_digit_of_the_first_17_invalidates_the_id(
    address_code: str, birth_date: date, sequence: int, position: int, shift: int
) -> None:
    """DOMAIN.md §2.2: MOD 11-2 detects every single-digit substitution (all weights are
    non-zero mod 11, and 11 is prime)."""
    number = make_id(address_code, birth_date, sequence)
    changed_digit = str((int(number[position]) + shift) % 10)
    mutated = number[:position] + changed_digit + number[position + 1 :]
    assert id_check_char(mutated[:17]) != number[17]
    assert not is_valid_id_number(mutated)
    with pytest.raises(IdNumberError) as excinfo:
        parse_id_number(mutated, today=TODAY)
    assert_no_personal_data(excinfo.value, mutated, mutated[:17])


@settings(deadline=None)
@given(st.one_of(st.none(), st.text(), st.from_regex(r"[0-9xX]{15,23}", fullmatch=True)))
def test_property_masking_never_raises_and_keeps_the_length(value: str | None) -> None:
    """DOMAIN.md §7.2: masking never raises and never reveals more than its pattern allows."""
    expected_length = len(normalize_id_number(value))
    # first 6 + last 4 of the ID part (+ a 2–4 character certificate suffix), or the last 2
    for mask, most_shown in ((mask_id_number, 10), (mask_certificate_number, 14)):
        masked = mask(value)
        assert len(masked) == expected_length
        assert sum(ch != "*" for ch in masked) <= most_shown
    assert isinstance(mask_phone(value), str)
