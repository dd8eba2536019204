"""The department-list row parser (issue #8 §1: bad rows reported by row and column).

The parser remembers the checked value of each repeated cell within a chunk (dates, months,
保障类别 and names repeat across a million-row list); these tests pin that remembering never
changes a result, and that no cell value makes the parser raise.
"""

from __future__ import annotations

from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from canlian.core.idnumbers import id_check_char
from canlian.crosscheck.rows import COLUMNS, ROW_FAILED, ListRow, header_columns, parse_chunk

TODAY = date(2026, 11, 23)
ID_A = "52032219900101124" + id_check_char("52032219900101124")
ID_B = "52032219850615001" + id_check_char("52032219850615001")
DIBAO_HEADER = ["姓名", "身份证号", "户主身份证号", "保障类别", "起始年月", "终止年月"]
DEATHS_HEADER = ["姓名", "身份证号", "死亡日期", "来源单位"]


def _parse(kind: str, header: list[str], rows: list[list[object]]):  # type: ignore[no-untyped-def]
    columns, errors = header_columns(kind, header)
    assert errors == []
    return parse_chunk(kind, columns, rows, today=TODAY, start_row=2)


def test_each_row_is_checked_on_its_own_even_when_cells_repeat() -> None:
    rows: list[list[object]] = [
        ["张三", ID_A, ID_A, "农村低保", "2021-11", ""],
        ["李四", ID_B, ID_B, "农村低保", "2021-11", "2021-10"],  # ends before it starts
        ["张三", ID_B, ID_B, "农村低保", "2021-11", "2026-10"],
        ["王五", ID_A, ID_A, "农村 低保", "2021-13", ""],  # bad month, spaced category
    ]
    result = _parse("dibao", DIBAO_HEADER, rows)
    assert [(r.row, r.name, r.start_month, r.end_month) for r in result.rows] == [
        (2, "张三", date(2021, 11, 1), None), (4, "张三", date(2021, 11, 1), date(2026, 10, 1))]
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "终止年月", "终止年月不能早于起始年月"),
        (5, "起始年月", "起始年月不是有效的年月"),
    ]
    assert result.rows[0].status_kind == "dibao" and result.rows[0].dibao_area == "农村"


def test_equal_cells_of_different_types_are_not_confused() -> None:
    """1, 1.0 and True are equal Python keys; as cells they are different names."""
    rows: list[list[object]] = [[True, ID_A, "2026-10-01", ""], [1, ID_B, "2026-10-01", ""]]
    result = _parse("deaths", DEATHS_HEADER, rows)
    assert [r.name for r in result.rows] == ["True", "1"]


def test_a_wrong_check_character_is_kept_for_near_matches() -> None:
    wrong = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")
    result = _parse("deaths", DEATHS_HEADER, [["张三", wrong, "2026-10-01", "县医院"]])
    assert result.errors == []
    assert (result.rows[0].id_number, result.rows[0].id_valid) == (wrong, False)


CELLS = st.one_of(
    st.none(), st.text(max_size=30), st.integers(), st.floats(allow_nan=True),
    st.booleans(), st.dates(), st.datetimes(),
    st.sampled_from([ID_A, ID_B, ID_A.lower(), f" {ID_B} ", "2026-10", "2026-10-01", "202610",
                     "城市低保", "特困供养", "张三", "５２０３", "", "0"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["deaths", "moves", "dibao", "mental", "orphans", "injury"]),
       pool=st.lists(st.lists(CELLS, min_size=0, max_size=7), min_size=1, max_size=4),
       picks=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=8))
def test_parser_never_raises_and_a_chunk_equals_its_rows_alone(
        kind: str, pool: list[list[object]], picks: list[int]) -> None:
    """Hypothesis: any cells give rows or row errors, never an exception; parsing a chunk whose
    rows repeat (so the remembered cells are used) gives what parsing each row alone gives."""
    header = [name for name, _ in COLUMNS[kind]] + ["备注"]
    rows = [pool[i % len(pool)] for i in picks]
    together = _parse(kind, header, rows)
    alone_rows: list[ListRow] = []
    alone_errors = []
    for offset, cells in enumerate(rows):
        one = parse_chunk(kind, header_columns(kind, header)[0], [cells], today=TODAY,
                          start_row=2 + offset)
        alone_rows += one.rows
        alone_errors += one.errors
    assert together.rows == alone_rows
    assert together.errors == alone_errors
    known = {name for name, _ in COLUMNS[kind]} | {""}
    assert all(e.column in known and e.message for e in together.errors)
    assert all(e.message != ROW_FAILED for e in together.errors), together.errors
    for row in together.rows:
        assert row.name and len(row.id_number) == 18
        assert row.event_on is None or row.event_on <= TODAY
        assert isinstance(row.start_month, date | type(None))
        assert not isinstance(row.event_on, datetime)
