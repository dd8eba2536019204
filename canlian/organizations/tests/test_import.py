"""Import of post holders (issue #4 §6): header text in any order, every error named by row and
column in Chinese, all or nothing, and re-importing the same file changes nothing."""

from __future__ import annotations

from pathlib import Path

from canlian.core.models import AuditAction, AuditEvent, User
from canlian.organizations.importing import holdings_import, read_table
from canlian.organizations.models import Member, OrgUnit, PostHolding, UnitKind

# Deliberately not in template order.
HEADER = ["姓名", "职务", "*组织区划代码", "组织类型", "联系电话", "任职起始日期",
          "任职终止日期", "是否残疾人", "人员所在区划代码"]


def _rows(regions: dict[str, str]) -> list[list[object]]:
    a, chumi = regions["village_a"], regions["township_a"]
    return [
        ["杨秀英", "主席", a, "村（社区）残协", "13800000009", "2024-01-01", "", "是", ""],
        ["吴德才", "专职委员", a, "村残协", 13800000010.0, "2024/3/1", "", "否", ""],
        ["张华", "理事长", chumi, "乡镇（街道）残联", "13800000011", "20240101", "", "", ""],
    ]


def test_import_founds_units_creates_members_and_is_idempotent(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    actor = personas["township_staff"]
    report = holdings_import(actor=actor, header=HEADER, rows=_rows(regions))
    assert report.errors == [] and report.written
    assert (report.units_created, report.members_created, report.created) == (2, 3, 3)
    village = OrgUnit.objects.get(kind=UnitKind.VILLAGE_ASSOCIATION)
    assert village.name == "楚蔬社区残疾人协会" and village.region_id == regions["village_a"]
    assert Member.objects.get(name="杨秀英").is_disabled
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT).count() == 1
    again = holdings_import(actor=actor, header=HEADER, rows=_rows(regions))
    assert again.errors == []
    assert (again.units_created, again.members_created, again.created, again.unchanged) == (
        0, 0, 0, 3)
    assert (OrgUnit.objects.count(), Member.objects.count(), PostHolding.objects.count()) == (
        2, 3, 3)


def test_ending_a_term_by_reimporting_with_an_end_date(personas: dict[str, User],
                                                       regions: dict[str, str]) -> None:
    actor = personas["township_staff"]
    holdings_import(actor=actor, header=HEADER, rows=_rows(regions))
    rows = _rows(regions)
    rows[0][6] = "2025-06-30"
    report = holdings_import(actor=actor, header=HEADER, rows=rows)
    assert (report.updated, report.unchanged) == (1, 2)
    assert str(PostHolding.objects.get(member__name="杨秀英").ended_on) == "2025-06-30"


def test_every_bad_row_is_reported_by_row_and_column_and_nothing_is_written(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    a, b = regions["village_a"], regions["village_b"]
    rows = [
        *_rows(regions),
        # row 5: a second chair of village A at the same time (single-holder post)
        ["李四", "主席", a, "村（社区）残协", "13800000012", "2025-01-01", "", "", ""],
        # row 6: a term that ends before it starts
        ["王五", "委员", a, "村（社区）残协", "13800000013", "2025-01-01", "2024-01-01", "", ""],
        # row 7: a member who lives in another township's village
        ["赵六", "委员", a, "村（社区）残协", "13800000014", "2025-01-01", "", "", b],
        # row 8: not a date, not a post, not a yes/no
        ["钱七", "村长", a, "村（社区）残协", "13800000015", "明年", "", "也许", ""],
    ]
    report = holdings_import(actor=personas["county_staff"], header=HEADER, rows=rows)
    assert not report.written
    found = {(e.row, e.column) for e in report.errors}
    assert found == {(5, "任职起始日期"), (6, "任职终止日期"), (7, "姓名"), (8, "职务"),
                     (8, "任职起始日期"), (8, "是否残疾人")}
    messages = {e.row: e.message for e in report.errors}
    assert "同一时间只能有一人" in messages[5] and "不能早于" in messages[6]
    assert "范围内" in messages[7]
    assert (OrgUnit.objects.count(), Member.objects.count(), PostHolding.objects.count()) == (
        0, 0, 0)


def test_preview_writes_nothing(personas: dict[str, User], regions: dict[str, str]) -> None:
    report = holdings_import(actor=personas["township_staff"], header=HEADER,
                             rows=_rows(regions), dry_run=True)
    assert report.errors == [] and not report.written and report.created == 3
    assert PostHolding.objects.count() == 0


def test_rows_outside_jurisdiction_are_refused(personas: dict[str, User],
                                               regions: dict[str, str]) -> None:
    rows = [["吴", "主席", regions["village_b"], "村（社区）残协", "13800000020", "2025-01-01",
             "", "", ""]]
    report = holdings_import(actor=personas["township_staff"], header=HEADER, rows=rows)
    assert [(e.row, e.column) for e in report.errors] == [(2, "组织区划代码")]


def test_missing_column_is_a_file_error(personas: dict[str, User],
                                        regions: dict[str, str]) -> None:
    report = holdings_import(actor=personas["county_staff"], header=HEADER[:3], rows=[])
    assert report.file_errors and "组织类型" in report.file_errors[0]


def test_gbk_csv_is_read(tmp_path: Path, regions: dict[str, str]) -> None:
    path = tmp_path / "任职.csv"
    path.write_bytes(("姓名,职务\n杨秀英,主席\n").encode("gb18030"))
    header, rows = read_table(path)
    assert header == ["姓名", "职务"] and rows == [["杨秀英", "主席"]]
