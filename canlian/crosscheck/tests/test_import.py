"""Dataset imports (issue #8 §1): header text in any order, all-or-nothing per file, every bad
row reported with its row and column, the list kept with who, when, source and row count."""

from __future__ import annotations

import pytest

from canlian.core.models import AuditEvent, User
from canlian.crosscheck.models import Dataset, DatasetRow
from canlian.crosscheck.tests.helpers import import_list
from canlian.registry.tests.factories import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(personas: dict[str, User]) -> User:
    return personas["county_staff"]


def test_columns_in_any_order_and_extra_columns_ignored(staff: User,
                                                        regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    header = ["序号", "死亡日期", "来源单位", "身份证号", "姓名"]
    report = import_list(staff, "deaths", [[1, "2026/01/15", "县医院", person.id_number, "王五"]],
                         header=header)
    assert report.errors == [] and report.matched == 1
    dataset = Dataset.objects.get()
    assert (dataset.row_count, dataset.imported_by, dataset.source) == (1, staff, "县民政局")
    assert AuditEvent.objects.filter(action="import", object_type="crosscheck.dataset").count() == 1


def test_bad_rows_reject_the_whole_file_with_row_and_column(staff: User,
                                                            regions: dict[str, str]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    report = import_list(staff, "deaths", [
        ["王五", person.id_number, "2026-01-15", ""],
        ["", "110105194912310021", "2026-13-01", ""],
        ["李四", "12345", "2099-01-01", ""],
        ["王五", person.id_number, "2026-01-16", ""],
    ])
    found = {(e.row, e.column) for e in report.errors}
    assert {(3, "姓名"), (3, "死亡日期"), (4, "身份证号"), (4, "死亡日期"), (5, "身份证号")} <= found
    assert report.rejected == 3 and not report.written
    assert Dataset.objects.count() == 0 and DatasetRow.objects.count() == 0
    assert all(person.id_number not in e.message for e in report.errors)


def test_missing_required_column_is_a_file_error(staff: User) -> None:
    report = import_list(staff, "dibao", [["王五", "11010519491231002X", "城市低保"]],
                         header=["姓名", "身份证号", "保障类别"])
    assert report.file_errors == ["缺少必填列：起始年月"]


def test_id_typed_as_a_number_is_refused(staff: User) -> None:
    report = import_list(staff, "deaths", [["王五", 110105194912310020.0, "2026-01-15", ""]])
    assert report.errors[0].column == "身份证号" and "数字" in report.errors[0].message


def test_only_the_mental_list_keeps_the_id_number(staff: User, regions: dict[str, str]) -> None:
    """PIPL data minimisation: an exactly-checkable row keeps only the blind index."""
    person = make_person(region_code=regions["village_a"], name="王五")
    import_list(staff, "deaths", [["王五", person.id_number, "2026-01-15", ""]])
    assert DatasetRow.objects.get().id_number == ""
    import_list(staff, "mental", [["王五", person.id_number, "", ""]])
    assert DatasetRow.objects.get(dataset__kind="mental").id_number == person.id_number


def test_status_category_must_be_known(staff: User) -> None:
    report = import_list(staff, "dibao", [["王五", "11010519491231002X", "", "五保", "2026-01",
                                           ""]])
    assert [(e.row, e.column) for e in report.errors] == [(2, "保障类别")]


def test_end_before_start_is_an_error(staff: User) -> None:
    report = import_list(staff, "orphans", [["王五", "11010519491231002X", "2026-03", "2026-01"]])
    assert [(e.row, e.column) for e in report.errors] == [(2, "终止年月")]


@pytest.mark.postgres_only
def test_large_file_checked_in_forked_workers_gives_the_same_result(
        staff: User, regions: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A big list is checked by worker processes in chunks (staging.PARALLEL_MIN_ROWS): a
    duplicate across chunks is still found, and good files land whole."""
    from canlian.crosscheck import staging

    monkeypatch.setattr(staging, "PARALLEL_MIN_ROWS", 4)
    monkeypatch.setattr(staging, "CHUNK", 2)
    people = [make_person(region_code=regions["village_a"], name=f"甲{i}") for i in range(5)]
    rows = [[p.name, p.id_number, "2026-01-15", ""] for p in people]
    report = import_list(staff, "deaths", [*rows, rows[0]])
    assert [(e.row, e.message) for e in report.errors] == [(7, "与第 2 行重复")]
    report = import_list(staff, "deaths", rows)
    assert report.matched == 5 and DatasetRow.objects.count() == 5
