"""The registry import row parser (canlian.registry.rows): no database, plain pytest.

Identity rules cite ../shared/DOMAIN.md §0.1 (ID and certificate numbers, categories, grades,
多重残疾); region codes §0.2.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from canlian.core.idnumbers import id_check_char
from canlian.registry.rows import (
    COLUMNS,
    ROW_FAILED,
    ParseResult,
    PersonRow,
    RowError,
    parse_header,
    parse_rows,
)

TODAY = date(2026, 11, 23)
VILLAGE = "520322100201"
TOWNSHIP = "520322100000"
KNOWN = frozenset({VILLAGE, TOWNSHIP})


def make_id(first17: str) -> str:
    return first17 + id_check_char(first17)


ID_A = make_id("52032219900101124")  # 520322199001011244, female (sequence digit 4)
ID_B = make_id("52032219850615001")  # male, born 1985-06-15
ID_C = make_id("52032220100304002")  # a child, born 2010-03-04


def _find_id(want: str) -> str:
    """A valid ID born 1990-01-01 with a property only some sequence numbers give."""
    for sequence in range(1000):
        number = make_id(f"52032219900101{sequence:03d}")
        if want == "x" and number.endswith("X"):
            return number
        exact = not number.endswith("X") and int(float(int(number))) == int(number)
        if want == "exact_float" and exact:
            return number
    raise AssertionError(want)


ID_X = _find_id("x")  # ends in the check character X
ID_EXACT_FLOAT = _find_id("exact_float")  # a float can hold it exactly (a multiple of 64)


def parse(cells: dict[str, object], **kwargs: object) -> ParseResult:
    """Parse one data row (spreadsheet row 2) given as {header: value}."""
    base: dict[str, object] = {"姓名": "张三", "身份证号": ID_A, "户籍地区划代码": VILLAGE}
    row = base | cells
    kwargs.setdefault("today", TODAY)
    return parse_rows(list(row), [list(row.values())], **kwargs)  # type: ignore[arg-type]


def ok(cells: dict[str, object], **kwargs: object) -> PersonRow:
    result = parse(cells, **kwargs)
    assert result.errors == [], result.errors
    assert result.file_errors == []
    assert len(result.rows) == 1
    return result.rows[0]


def errors(cells: dict[str, object], **kwargs: object) -> list[tuple[str, str]]:
    result = parse(cells, **kwargs)
    assert result.rows == []
    assert result.errors, "expected at least one error"
    assert all(error.row == 2 for error in result.errors)
    return [(error.column, error.message) for error in result.errors]


def messages_for(column: str, cells: dict[str, object], **kwargs: object) -> list[str]:
    found = [message for col, message in errors(cells, **kwargs) if col == column]
    assert found, f"no error on {column}"
    return found


# --------------------------------------------------------------------------------------------
# Header
# --------------------------------------------------------------------------------------------


def test_header_maps_template_columns_in_any_order() -> None:
    columns, file_errors = parse_header(["户籍地区划代码", "姓名", None, "身份证号"])
    assert file_errors == []
    assert columns == {"户籍地区划代码": 0, "姓名": 1, "身份证号": 3}


def test_header_accepts_every_template_column() -> None:
    columns, file_errors = parse_header(list(COLUMNS))
    assert file_errors == []
    assert list(columns) == list(COLUMNS)
    assert len(COLUMNS) == 24


def test_header_strips_full_width_spaces_and_required_markers() -> None:
    cells = [
        "\u3000姓名（必填）",
        " 身份证号* ",
        "户籍地区划代码 (必填)",
        "现住址\u3000",
        "*联系电话",
    ]
    columns, file_errors = parse_header(cells)
    assert file_errors == []
    assert columns == {"姓名": 0, "身份证号": 1, "户籍地区划代码": 2, "现住址": 3, "联系电话": 4}


def test_header_unknown_column_is_a_file_error_naming_it() -> None:
    _, file_errors = parse_header(["姓名", "身份证号", "户籍地区划代码", "籍贯"])
    assert file_errors == ["未知的列：籍贯"]


def test_header_missing_required_column_is_a_file_error() -> None:
    _, file_errors = parse_header(["姓名", "现住址"])
    assert file_errors == ["缺少必填列：身份证号", "缺少必填列：户籍地区划代码"]


def test_header_duplicate_column_is_a_file_error() -> None:
    _, file_errors = parse_header(["姓名", "身份证号", "户籍地区划代码", "姓名（必填）"])
    assert len(file_errors) == 1
    assert file_errors[0].startswith("重复的列：姓名")


def test_header_that_is_a_data_row_does_not_echo_personal_data() -> None:
    # DOMAIN.md §7.2: a file without a header row must not put an ID number into a message.
    _, file_errors = parse_header(["张三", ID_A, VILLAGE])
    assert len(file_errors) == 1
    assert "表头" in file_errors[0]
    _, file_errors = parse_header(["姓名", "身份证号", "户籍地区划代码", ID_B])
    assert file_errors == ["未知的列：第 4 列"]


def test_file_error_checks_no_row_but_counts_rows() -> None:
    result = parse_rows(["姓名", "籍贯"], [["张三", "贵州"], [None, ""], ["李四", "四川"]])
    assert result.rows == [] and result.errors == []
    assert "未知的列：籍贯" in result.file_errors
    assert "缺少必填列：身份证号" in result.file_errors
    assert result.total_rows == 2


# --------------------------------------------------------------------------------------------
# Rows as a whole
# --------------------------------------------------------------------------------------------


def test_minimal_row_gives_a_person_with_defaults() -> None:
    person = ok({})
    assert person == PersonRow(
        row=2, name="张三", id_number=ID_A, certificate_number="", category=None, grade=None,
        components=(), cert_issued_on=None, cert_valid_until=None, region_code=VILLAGE,
        address="", phone="", head_id_number="", relation_to_head="", guardian_name="",
        guardian_id_number="", guardian_phone="", is_dibao=None, is_tekun=None,
        needs_long_term_care=None, living_status="alive", died_on=None,
        birth_date=date(1990, 1, 1), sex="F",
    )  # fmt: skip


def test_full_template_row_is_parsed() -> None:
    cells = {
        "姓名": "李 四", "身份证号": ID_B, "残疾人证号": ID_B + "71", "残疾类别": "多重残疾",
        "残疾等级": "一级", "多重残疾类别": "肢体、视力", "发证日期": date(2020, 5, 1),
        "有效期至": "2030-05-01", "户籍地区划代码": VILLAGE, "现住址": "  狮溪镇 1 组 ",
        "联系电话": "13812345678", "户主身份证号": ID_C, "与户主关系": "父母",
        "监护人姓名": "王五", "监护人身份证号": ID_X, "监护人电话": "0851-12345678",
        "是否低保": "是", "是否特困": "否", "是否需长期照护": "√", "生存状态": "正常", "死亡日期": None,
    }  # fmt: skip
    person = ok(cells, known_region_codes=KNOWN)
    assert person.name == "李 四"
    assert (person.category, person.grade, person.components) == (7, 1, (1, 4))
    assert person.certificate_number == ID_B + "71"
    assert (person.cert_issued_on, person.cert_valid_until) == (date(2020, 5, 1), date(2030, 5, 1))
    assert (person.address, person.phone) == ("狮溪镇 1 组", "13812345678")
    assert (person.head_id_number, person.relation_to_head) == (ID_C, "父母")
    assert (person.guardian_name, person.guardian_id_number) == ("王五", ID_X)
    assert person.guardian_phone == "0851-12345678"
    assert (person.is_dibao, person.is_tekun, person.needs_long_term_care) == (True, False, True)
    assert (person.birth_date, person.sex) == (date(1985, 6, 15), "M")


def test_blank_rows_are_skipped_and_not_counted() -> None:
    header = ["姓名", "身份证号", "户籍地区划代码"]
    rows = [[None, "", "\u3000"], ["张三", ID_A, VILLAGE], [], ["李四", ID_B, VILLAGE]]
    result = parse_rows(header, rows, today=TODAY)
    assert result.total_rows == 2
    assert [person.row for person in result.rows] == [3, 5]


def test_row_numbers_follow_start_row() -> None:
    header = ["姓名", "身份证号", "户籍地区划代码"]
    result = parse_rows(header, [["张三", ID_A, VILLAGE], ["", "", "x"]], start_row=7)
    assert [person.row for person in result.rows] == [7]
    assert {error.row for error in result.errors} == {8}


def test_every_error_of_a_row_is_listed() -> None:
    found = errors({"姓名": "", "身份证号": "123", "户籍地区划代码": "12", "联系电话": "abc",
                    "残疾类别": "肢体", "残疾等级": "五级"})  # fmt: skip
    assert {column for column, _ in found} == {"姓名", "身份证号", "户籍地区划代码", "联系电话",
                                              "残疾等级"}  # fmt: skip


def test_short_rows_and_extra_cells_are_tolerated() -> None:
    header = ["姓名", "身份证号", "户籍地区划代码", "现住址"]
    result = parse_rows(header, [["张三", ID_A, VILLAGE], ["李四", ID_B, VILLAGE, "某村", "多余"]])
    assert result.errors == []
    assert [person.address for person in result.rows] == ["", "某村"]


def test_odd_cell_objects_become_errors_not_exceptions() -> None:
    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    result = parse({"姓名": Unprintable(), "身份证号": object(), "户籍地区划代码": [1, 2],
                    "是否低保": 2 ** 400, "发证日期": float("inf"), "残疾类别": float("nan")})  # fmt: skip
    assert result.rows == []
    assert all(error.message != ROW_FAILED for error in result.errors)
    assert {error.column for error in result.errors} >= {"姓名", "身份证号", "户籍地区划代码"}


def test_messages_never_contain_the_id_or_phone_value() -> None:
    # STYLE.md / DOMAIN.md §7.2: no ID or phone number in messages.
    bad_id = ID_A[:17] + ("1" if ID_A[17] != "1" else "2")
    cells = {"身份证号": bad_id, "联系电话": "1381234567", "监护人电话": "23812345678",
             "户主身份证号": ID_B[:-1], "监护人身份证号": "52032219900231001X",
             "残疾人证号": ID_B + "9"}  # fmt: skip
    for _, message in errors(cells):
        for value in cells.values():
            assert str(value) not in message
            assert str(value)[:12] not in message


# --------------------------------------------------------------------------------------------
# 姓名
# --------------------------------------------------------------------------------------------


def test_name_is_stripped_and_internal_spaces_collapsed() -> None:
    assert ok({"姓名": "\u3000阿依古丽·买买提  "}).name == "阿依古丽·买买提"
    assert ok({"姓名": "张   三"}).name == "张 三"
    assert ok({"姓名": "张\u3000\u3000三"}).name == "张 三"


def test_name_is_required() -> None:
    assert messages_for("姓名", {"姓名": "  "}) == ["请填写姓名"]


def test_name_is_at_most_50_characters() -> None:
    assert ok({"姓名": "张" * 50}).name == "张" * 50
    assert messages_for("姓名", {"姓名": "张" * 51}) == ["姓名不能超过 50 个字"]


# --------------------------------------------------------------------------------------------
# 身份证号 (DOMAIN.md §0.1)
# --------------------------------------------------------------------------------------------


def test_id_number_gives_birth_date_and_sex() -> None:
    person = ok({"身份证号": ID_B})
    assert (person.id_number, person.birth_date, person.sex) == (ID_B, date(1985, 6, 15), "M")


def test_id_number_lower_case_x_and_full_width_digits_are_normalised() -> None:
    # DOMAIN.md §0.1: lower-case x is normalised to X.
    assert ok({"身份证号": ID_X.lower()}).id_number == ID_X
    full_width = ID_A.translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    assert ok({"身份证号": full_width}).id_number == ID_A
    assert ok({"身份证号": f" {ID_A[:6]} {ID_A[6:14]} {ID_A[14:]} "}).id_number == ID_A


def test_id_number_is_required() -> None:
    assert messages_for("身份证号", {"身份证号": None}) == ["请填写身份证号"]


def test_id_number_checksum_error() -> None:
    # DOMAIN.md §0.1: MOD 11-2 check character.
    wrong = ID_A[:17] + ("1" if ID_A[17] != "1" else "2")
    [message] = messages_for("身份证号", {"身份证号": wrong})
    assert message.startswith("身份证号校验位错误")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("52032219900101124", "应为 18 位"),
        ("520322900101124", "15 位"),
        ("52032219900101A244", "前 17 位应为数字"),
        (make_id("52032219900230124"), "不是有效日期"),
        (make_id("52032218990101124"), "早于 1900 年"),
        (make_id("52032220270101124"), "晚于今天"),
    ],
)
def test_id_number_invalid_forms_are_reported(value: str, expected: str) -> None:
    [message] = messages_for("身份证号", {"身份证号": value})
    assert expected in message


def test_id_number_as_an_excel_integer_is_rendered_exactly() -> None:
    assert ok({"身份证号": int(ID_A)}).id_number == ID_A


PRECISION_LOST = "身份证号在 Excel 中被存成了数字，末几位已丢失，请将该列设为文本后重新录入"


def test_id_number_float_that_lost_digits_is_reported() -> None:
    value = float(int(ID_A))  # 520322199001011244 becomes 520322199001011264
    assert str(int(value)) != ID_A
    assert messages_for("身份证号", {"身份证号": value}) == [PRECISION_LOST]


def test_id_number_float_rounded_into_the_birth_date_is_reported() -> None:
    number = make_id("52032219900101000")  # rounds down to 5203221990010099xx: day 00
    value = float(int(number))
    assert str(int(value))[6:14] != "19900101"
    assert messages_for("身份证号", {"身份证号": value}) == [PRECISION_LOST]


def test_id_number_typed_into_excel_as_a_number_is_reported() -> None:
    # Excel keeps 15 significant digits, so the last three become 000.
    excel_value = float(ID_A[:15] + "000")
    [message] = messages_for("身份证号", {"身份证号": excel_value})
    assert "被存成了数字" in message
    [message] = messages_for("身份证号", {"身份证号": "5.20322199001011E+17"})
    assert "被存成了数字" in message


def test_id_number_float_is_refused_even_when_its_check_character_fits() -> None:
    # A rounded float passes MOD 11-2 one time in 11 (DOMAIN.md §0.1), so a float that happens
    # to hold a valid ID cannot be told apart from a corrupted one: it is refused, never stored.
    value = float(int(ID_EXACT_FLOAT))
    assert str(int(value)) == ID_EXACT_FLOAT
    assert messages_for("身份证号", {"身份证号": value}) == [PRECISION_LOST]


def test_id_numbers_in_other_columns_are_refused_as_floats_too() -> None:
    cells = {"户主身份证号": float(int(ID_B)), "与户主关系": "子女",
             "监护人身份证号": float(int(ID_B))}  # fmt: skip
    found = errors(cells)
    assert ("户主身份证号", PRECISION_LOST.replace("身份证号", "户主身份证号", 1)) in found
    assert ("监护人身份证号", PRECISION_LOST.replace("身份证号", "监护人身份证号", 1)) in found


def test_same_id_number_twice_is_an_error_on_the_second_row() -> None:
    header = ["姓名", "身份证号", "户籍地区划代码"]
    rows = [["张三", ID_A, VILLAGE], ["李四", ID_B, VILLAGE], ["张三", ID_A.lower(), VILLAGE]]
    result = parse_rows(header, rows, today=TODAY)
    assert [person.row for person in result.rows] == [2, 3]
    assert result.errors == [RowError(4, "身份证号", "与第 2 行身份证号重复")]


# --------------------------------------------------------------------------------------------
# 残疾类别, 残疾等级, 多重残疾类别 (DOMAIN.md §0.1)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "category"),
    [
        ("视力", 1), ("听力残疾", 2), ("言语", 3), ("肢体残疾", 4), ("智力", 5), ("精神残疾", 6),
        ("1", 1), ("６", 6), ("4.0", 4), (4, 4), (2.0, 2), (" 肢体 残疾 ", 4),
    ],
)  # fmt: skip
def test_category_accepts_names_and_digits(value: object, category: int) -> None:
    assert ok({"残疾类别": value, "残疾等级": "二级"}).category == category


@pytest.mark.parametrize(
    ("value", "grade"),
    [("一级", 1), ("二", 2), ("三级", 3), ("四", 4), ("1", 1), ("4.0", 4), (3, 3), (2.0, 2)],
)
def test_grade_accepts_chinese_and_digits(value: object, grade: int) -> None:
    assert ok({"残疾类别": "肢体", "残疾等级": value}).grade == grade


@pytest.mark.parametrize("value", ["8", "0", "听障", "残疾", 7.5, True, "1、4"])
def test_category_invalid_values_are_reported(value: object) -> None:
    found = messages_for("残疾类别", {"残疾类别": value, "残疾等级": "一级"})
    assert found == [
        "残疾类别应为视力、听力、言语、肢体、智力、精神或多重（可带“残疾”二字），或 1–7"
    ]


@pytest.mark.parametrize("value", ["五级", "0", "5", 5, "重度", "1.5", "一二级"])
def test_grade_invalid_values_are_reported(value: object) -> None:
    found = messages_for("残疾等级", {"残疾类别": "肢体", "残疾等级": value})
    assert found == ["残疾等级应为一级至四级或 1–4"]


def test_category_without_grade_is_an_error() -> None:
    found = messages_for("残疾等级", {"残疾类别": "肢体", "残疾等级": ""})
    assert found == ["填写了残疾类别时须同时填写残疾等级"]


def test_grade_without_category_is_an_error() -> None:
    found = messages_for("残疾类别", {"残疾等级": "一级"})
    assert found == ["填写了残疾等级时须同时填写残疾类别"]


def test_no_category_and_no_grade_is_allowed() -> None:
    person = ok({"残疾类别": None, "残疾等级": ""})
    assert (person.category, person.grade, person.components) == (None, None, ())


@pytest.mark.parametrize(
    ("value", "components"),
    [("视力、肢体", (1, 4)), ("肢体残疾,视力残疾", (1, 4)), ("2，3、6", (2, 3, 6)),
     ("智力 精神", (5, 6)), ("听力、听力、言语", (2, 3))],
)  # fmt: skip
def test_multiple_disability_keeps_its_component_categories(
    value: str, components: tuple[int, ...]
) -> None:
    # DOMAIN.md §0.1 / §1: 多重残疾 = two or more categories; the components are kept.
    person = ok({"残疾类别": "多重", "残疾等级": "2", "多重残疾类别": value})
    assert (person.category, person.grade, person.components) == (7, 2, components)


@pytest.mark.parametrize("value", [None, "视力", "视力、视力", "肢体，肢体残疾"])
def test_multiple_disability_needs_two_distinct_components(value: object) -> None:
    [message] = messages_for("多重残疾类别", {"残疾类别": 7, "残疾等级": 1, "多重残疾类别": value})
    assert "至少两种不同的残疾类别" in message


@pytest.mark.parametrize("value", ["视力、多重", "1、7", "视力、听障", "视力、0"])
def test_multiple_disability_components_must_be_single_categories(value: str) -> None:
    [message] = messages_for("多重残疾类别", {"残疾类别": 7, "残疾等级": 1, "多重残疾类别": value})
    assert "不是有效类别" in message


def test_multiple_disability_needs_a_grade() -> None:
    found = messages_for("残疾等级", {"残疾类别": "多重", "多重残疾类别": "视力、肢体"})
    assert found == ["填写了残疾类别时须同时填写残疾等级"]


def test_components_only_for_multiple_disability() -> None:
    found = messages_for(
        "多重残疾类别", {"残疾类别": "肢体", "残疾等级": 1, "多重残疾类别": "视力、肢体"}
    )
    assert found == ["只有残疾类别为多重残疾时才填写多重残疾类别"]


# --------------------------------------------------------------------------------------------
# 残疾人证号 (DOMAIN.md §0.1)
# --------------------------------------------------------------------------------------------


def test_certificate_number_matching_the_record_is_kept() -> None:
    person = ok({"残疾人证号": ID_A + "42", "残疾类别": "肢体", "残疾等级": "二级"})
    assert person.certificate_number == ID_A + "42"


def test_certificate_number_reissue_and_lower_case_are_accepted() -> None:
    person = ok(
        {"身份证号": ID_X, "残疾人证号": ID_X.lower() + "42b1", "残疾类别": 4, "残疾等级": 2}
    )
    assert person.certificate_number == ID_X + "42B1"


def test_certificate_number_blank_means_none() -> None:
    assert ok({"残疾人证号": "  ", "残疾类别": "肢体", "残疾等级": 2}).certificate_number == ""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ID_A + "4", "应为 20 位"),
        (ID_A + "82", "第 19 位"),
        (ID_A + "45", "第 20 位"),
        (ID_A + "42C1", "补发标识"),
        (ID_A[:17] + "0" + "42" if ID_A[17] != "0" else ID_A[:17] + "1" + "42", "前 18 位不是有效"),
    ],
)
def test_certificate_number_that_does_not_parse_is_reported(value: str, expected: str) -> None:
    found = messages_for("残疾人证号", {"残疾人证号": value, "残疾类别": 4, "残疾等级": 2})
    assert len(found) == 1 and expected in found[0]


def test_certificate_id_part_must_equal_the_row_id() -> None:
    # DOMAIN.md §0.1: the certificate's ID part must equal the holder's ID.
    [message] = messages_for(
        "残疾人证号", {"残疾人证号": ID_B + "42", "残疾类别": 4, "残疾等级": 2}
    )
    assert "前 18 位与持证人身份证号不一致" in message


def test_certificate_category_and_grade_must_match_the_record() -> None:
    # DOMAIN.md §0.1: its digits must equal the recorded category and grade.
    [message] = messages_for(
        "残疾人证号", {"残疾人证号": ID_A + "13", "残疾类别": 4, "残疾等级": 2}
    )
    assert "残疾类别" in message and "残疾等级" in message


def test_certificate_number_needs_category_and_grade() -> None:
    found = messages_for("残疾人证号", {"残疾人证号": ID_A + "42"})
    assert found == ["填写了残疾人证号时须同时填写残疾类别和残疾等级"]


def test_certificate_number_as_an_excel_float_is_reported() -> None:
    [message] = messages_for(
        "残疾人证号", {"残疾人证号": float(ID_A + "42"), "残疾类别": 4, "残疾等级": 2}
    )
    assert message == "残疾人证号在 Excel 中被存成了数字，末几位已丢失，请将该列设为文本后重新录入"


# --------------------------------------------------------------------------------------------
# 发证日期, 有效期至, 死亡日期
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [date(2020, 1, 31), datetime(2020, 1, 31, 0, 0), "2020-01-31", "2020/1/31", "2020.01.31",
     "20200131", 20200131, 20200131.0, "2020-01-31 00:00:00", "2020年1月31日", "２０２０-０１-３１"],
)  # fmt: skip
def test_dates_accept_excel_dates_and_common_text_forms(value: object) -> None:
    assert ok({"发证日期": value}).cert_issued_on == date(2020, 1, 31)


@pytest.mark.parametrize("value", ["31/01/2020", "2020-1", "昨天", "2020-01/31", 43861, True])
def test_dates_in_other_forms_are_reported(value: object) -> None:
    [message] = messages_for("发证日期", {"发证日期": value})
    assert message.startswith("发证日期应为日期")


@pytest.mark.parametrize("value", ["2021-02-29", "20201301", "2020/04/31"])
def test_dates_that_do_not_exist_are_reported(value: str) -> None:
    assert messages_for("有效期至", {"有效期至": value}) == ["有效期至不是有效的日期"]


def test_issue_date_in_the_future_is_rejected() -> None:
    assert ok({"发证日期": TODAY}).cert_issued_on == TODAY
    assert messages_for("发证日期", {"发证日期": date(2026, 11, 24)}) == ["发证日期不能晚于今天"]


def test_issue_date_before_birth_is_rejected() -> None:
    assert messages_for("发证日期", {"发证日期": "1989-12-31"}) == ["发证日期不能早于出生日期"]


def test_valid_until_must_be_after_issue_date() -> None:
    # DOMAIN.md §0.1: valid_until is stored as given, not derived; it may lie in the future.
    person = ok({"发证日期": "2020-05-01", "有效期至": "2030-05-01"})
    assert person.cert_valid_until == date(2030, 5, 1)
    for value in ("2020-05-01", "2019-05-01"):
        found = messages_for("有效期至", {"发证日期": "2020-05-01", "有效期至": value})
        assert found == ["有效期至应晚于发证日期"]


# --------------------------------------------------------------------------------------------
# 户籍地区划代码 (DOMAIN.md §0.2)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [VILLAGE, int(VILLAGE), float(VILLAGE), " 5203 2210 0201 "])
def test_region_code_is_twelve_digits_also_from_excel_numbers(value: object) -> None:
    assert ok({"户籍地区划代码": value}).region_code == VILLAGE


@pytest.mark.parametrize(
    "value", ["52032210020", "5203221002011", "520322", "52032210020A", 5.2e11 + 0.5]
)
def test_region_code_other_lengths_are_reported(value: object) -> None:
    [message] = messages_for("户籍地区划代码", {"户籍地区划代码": value})
    assert message.startswith("户籍地区划代码应为 12 位数字")


def test_region_code_is_required() -> None:
    assert messages_for("户籍地区划代码", {"户籍地区划代码": ""}) == ["请填写户籍地区划代码"]


def test_region_code_must_be_known_when_codes_are_given() -> None:
    [message] = messages_for("户籍地区划代码", {"户籍地区划代码": "520322100299"},
                             known_region_codes=KNOWN)  # fmt: skip
    assert "区划代码不存在" in message


def test_region_code_must_be_village_level_when_codes_are_given() -> None:
    [message] = messages_for(
        "户籍地区划代码", {"户籍地区划代码": TOWNSHIP}, known_region_codes=KNOWN
    )
    assert "应为村（社区）级区划代码" in message


def test_region_code_is_only_checked_for_shape_without_known_codes() -> None:
    assert ok({"户籍地区划代码": TOWNSHIP}).region_code == TOWNSHIP


# --------------------------------------------------------------------------------------------
# 联系电话, 监护人电话
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "stored"),
    [("13812345678", "13812345678"), ("138 1234 5678", "13812345678"),
     ("138-1234-5678", "13812345678"), (13812345678, "13812345678"),
     (19912345678.0, "19912345678"), ("0851-12345678", "0851-12345678"),
     ("085112345678", "085112345678"), ("010-1234567", "010-1234567"),
     ("2812345", "2812345"), ("28123456", "28123456"), ("１３８１２３４５６７８", "13812345678")],
)  # fmt: skip
def test_phone_accepts_mobile_and_landline_numbers(value: object, stored: str) -> None:
    assert ok({"联系电话": value}).phone == stored
    assert ok({"监护人电话": value}).guardian_phone == stored


@pytest.mark.parametrize(
    "value",
    ["12812345678", "1381234567", "138123456789", "abc", "0851-123", "1234567", "0851-123456789",
     "+8613812345678", "0851—12345678"],
)  # fmt: skip
def test_phone_invalid_numbers_are_reported(value: str) -> None:
    [message] = messages_for("联系电话", {"联系电话": value})
    assert message == "联系电话应为 11 位手机号，或固定电话（如 0851-12345678，区号可省略）"
    [message] = messages_for("监护人电话", {"监护人电话": value})
    assert message.startswith("监护人电话应为")


# --------------------------------------------------------------------------------------------
# 是否低保, 是否特困, 是否需长期照护
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["是", "Y", "y", "yes", "1", 1, 1.0, "true", "TRUE", True, "√"])
def test_flags_accept_yes_values(value: object) -> None:
    person = ok({"是否低保": value, "是否特困": value, "是否需长期照护": value})
    assert (person.is_dibao, person.is_tekun, person.needs_long_term_care) == (True, True, True)


@pytest.mark.parametrize("value", ["否", "N", "n", "0", 0, 0.0, "false", False, "×"])
def test_flags_accept_no_values(value: object) -> None:
    person = ok({"是否低保": value, "是否特困": value, "是否需长期照护": value})
    assert (person.is_dibao, person.is_tekun, person.needs_long_term_care) == (False, False, False)


def test_flags_blank_or_absent_mean_do_not_change() -> None:
    person = ok({"是否低保": "", "是否特困": None})
    assert (person.is_dibao, person.is_tekun, person.needs_long_term_care) == (None, None, None)


@pytest.mark.parametrize("value", ["可能", "2", "有", "X"])
def test_flags_invalid_values_are_reported(value: str) -> None:
    found = errors({"是否低保": value, "是否特困": value, "是否需长期照护": value})
    assert [column for column, _ in found] == ["是否低保", "是否特困", "是否需长期照护"]
    assert found[0][1] == "是否低保应填“是”或“否”（也可填 Y/N、1/0、√）"


# --------------------------------------------------------------------------------------------
# 生存状态, 死亡日期
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "status"), [("", "alive"), ("正常", "alive"), ("在世", "alive"),
                                               ("迁出", "moved_out")])  # fmt: skip
def test_living_status_values(value: str, status: str) -> None:
    assert ok({"生存状态": value}).living_status == status


def test_living_status_column_absent_means_alive() -> None:
    assert ok({}).living_status == "alive"


def test_deceased_needs_a_death_date() -> None:
    person = ok({"生存状态": "死亡", "死亡日期": "2025-03-01"})
    assert (person.living_status, person.died_on) == ("deceased", date(2025, 3, 1))
    assert messages_for("死亡日期", {"生存状态": "死亡"}) == ["生存状态为死亡时须填写死亡日期"]


@pytest.mark.parametrize("status", ["正常", "", "迁出"])
def test_death_date_with_a_living_status_is_an_error(status: str) -> None:
    found = messages_for("死亡日期", {"生存状态": status, "死亡日期": "2025-03-01"})
    assert found == ["填写了死亡日期时，生存状态应为“死亡”"]


def test_living_status_invalid_value_is_reported() -> None:
    assert messages_for("生存状态", {"生存状态": "失踪"}) == ["生存状态应为正常、死亡或迁出"]


def test_death_date_in_the_future_or_before_birth_is_rejected() -> None:
    found = messages_for("死亡日期", {"生存状态": "死亡", "死亡日期": "2026-11-24"})
    assert found == ["死亡日期不能晚于今天"]
    found = messages_for("死亡日期", {"生存状态": "死亡", "死亡日期": "1989-01-01"})
    assert found == ["死亡日期不能早于出生日期"]


# --------------------------------------------------------------------------------------------
# 户主身份证号, 与户主关系
# --------------------------------------------------------------------------------------------


def test_blank_head_means_the_person_heads_the_household() -> None:
    person = ok({"户主身份证号": "", "与户主关系": ""})
    assert (person.head_id_number, person.relation_to_head) == ("", "")


def test_own_id_as_head_means_the_person_heads_the_household() -> None:
    person = ok({"户主身份证号": ID_A.lower(), "与户主关系": "户主"})
    assert person.head_id_number == ""


def test_other_head_needs_a_relation() -> None:
    person = ok({"户主身份证号": ID_B, "与户主关系": "配偶"})
    assert (person.head_id_number, person.relation_to_head) == (ID_B, "配偶")
    found = messages_for("与户主关系", {"户主身份证号": ID_B})
    assert found == ["户主不是本人时须填写与户主关系（如配偶、子女、父母）"]


def test_relation_is_any_text_up_to_20_characters() -> None:
    assert ok({"户主身份证号": ID_B, "与户主关系": "外甥女"}).relation_to_head == "外甥女"
    found = messages_for("与户主关系", {"户主身份证号": ID_B, "与户主关系": "关" * 21})
    assert found == ["与户主关系不能超过 20 个字"]


def test_invalid_head_id_is_reported_under_its_column() -> None:
    wrong = ID_B[:17] + ("1" if ID_B[17] != "1" else "2")
    [message] = messages_for("户主身份证号", {"户主身份证号": wrong, "与户主关系": "子女"})
    assert message.startswith("户主身份证号校验位错误")


# --------------------------------------------------------------------------------------------
# 监护人
# --------------------------------------------------------------------------------------------


def test_guardian_fields_are_optional() -> None:
    person = ok({"监护人姓名": "", "监护人身份证号": None, "监护人电话": ""})
    assert (person.guardian_name, person.guardian_id_number, person.guardian_phone) == ("", "", "")


def test_guardian_id_must_be_valid_if_given() -> None:
    [message] = messages_for("监护人身份证号", {"监护人身份证号": ID_B[:-1]})
    assert message.startswith("监护人身份证号应为 18 位")


def test_guardian_cannot_be_the_person() -> None:
    found = messages_for("监护人身份证号", {"监护人身份证号": ID_A})
    assert found == ["监护人身份证号不能与本人身份证号相同"]


def test_guardian_name_is_at_most_50_characters() -> None:
    found = messages_for("监护人姓名", {"监护人姓名": "王" * 51})
    assert found == ["监护人姓名不能超过 50 个字"]


# --------------------------------------------------------------------------------------------
# 民族、文化程度、就业状况
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cells", "expected"), [
    ({"民族": "苗族", "文化程度": "初中", "就业状况": "灵活就业"}, ("苗族", "初中", "灵活就业")),
    ({"民族": "仡佬", "文化程度": "大专", "就业状况": "务农"}, ("仡佬族", "大学专科", "农村种养加")),
    ({"民族": " 汉 ", "文化程度": "高中(含中专)", "就业状况": "自主创业"},
     ("汉族", "高中（含中专）", "个体就业（含自主创业）")),
])  # fmt: skip
def test_ethnicity_education_and_employment_accept_names_and_short_forms(
    cells: dict[str, object], expected: tuple[str, str, str]
) -> None:
    person = ok(cells)
    assert (person.ethnicity, person.education, person.employment_status) == expected


def test_absent_columns_leave_ethnicity_education_employment_as_they_are() -> None:
    person = ok({})
    assert (person.ethnicity, person.education, person.employment_status) == (None, None, None)
    blank = ok({"民族": "", "文化程度": None, "就业状况": " "})
    assert (blank.ethnicity, blank.education, blank.employment_status) == ("", "", "")


def test_unknown_ethnicity_education_or_employment_is_reported() -> None:
    found = dict(errors({"民族": "火星族", "文化程度": "幼儿园", "就业状况": "上班"}))
    assert "汉族" in found["民族"]
    assert "小学" in found["文化程度"] and "未就业" in found["就业状况"]

# --------------------------------------------------------------------------------------------
# Property: never raises, rows stay in range
# --------------------------------------------------------------------------------------------

_ANY_CELL = st.one_of(
    st.none(), st.text(), st.integers(), st.floats(allow_nan=True), st.dates(), st.booleans()
)
# Values that pass some checks, so that deeper rules are reached too.
_PLAUSIBLE = st.sampled_from(
    [ID_A, ID_B, ID_X.lower(), ID_A + "42", ID_B + "71", float(int(ID_A)), VILLAGE, TOWNSHIP,
     "张三", "视力", "多重", "肢体、视力", "一级", "2", "是", "否", "死亡", "迁出", "2020-01-31",
     "13812345678", "配偶", ""]
)  # fmt: skip
_CELL = st.one_of(_ANY_CELL, _PLAUSIBLE)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(_CELL, min_size=0, max_size=len(COLUMNS) + 2), max_size=6),
    start_row=st.integers(min_value=2, max_value=10_000),
    known=st.booleans(),
)
def test_parse_rows_never_raises_and_keeps_rows_in_range(
    rows: list[list[object]], start_row: int, known: bool
) -> None:
    result = parse_rows(
        list(COLUMNS), rows, today=TODAY, start_row=start_row,
        known_region_codes=KNOWN if known else None,
    )  # fmt: skip
    last_row = start_row + len(rows) - 1
    assert result.file_errors == []
    assert all(start_row <= error.row <= last_row for error in result.errors)
    assert all(start_row <= person.row <= last_row for person in result.rows)
    assert all(error.message != ROW_FAILED for error in result.errors)
    assert all(error.column in COLUMNS for error in result.errors)
    failed_rows = {error.row for error in result.errors}
    assert not failed_rows & {person.row for person in result.rows}
    assert len(failed_rows) + len(result.rows) == result.total_rows <= len(rows)


@given(
    cells=st.lists(
        st.one_of(_ANY_CELL, st.sampled_from([*COLUMNS, "姓名（必填）", "*"])), max_size=30
    )
)
def test_parse_header_never_raises(cells: list[object]) -> None:
    columns, file_errors = parse_header(cells)
    assert all(0 <= index < len(cells) for index in columns.values())
    assert set(columns) <= set(COLUMNS)
    assert all(isinstance(message, str) and message for message in file_errors)
