"""Registry import (issue #3 §4 and "Bad input"): every bad row named by row and column,
all-or-nothing per file unless "valid rows only", idempotent, real XLSX files."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from canlian.core import audit
from canlian.core.crypto import blind_index
from canlian.core.models import AuditAction, AuditEvent, TaskRun, User
from canlian.registry.models import Person
from canlian.registry.prepare import PERSON_FIELDS
from canlian.registry.tests.factories import make_id_number
from canlian.registry.tests.helpers import HEADER, row


def _xlsx(path: Path, header: list[Any], rows: list[list[Any]], *, ids_as_numbers: bool = False
          ) -> Path:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("残疾人")
    sheet.write_row(0, 0, header)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            if ids_as_numbers and c == 1 and str(value).isdigit():
                sheet.write_number(r, c, int(value))
            else:
                sheet.write_string(r, c, str(value))
    workbook.close()
    return path


def _run(path: Path, *flags: str) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.suppress(CommandError):  # the exit status is tested through "errors"
        call_command("import_registry", str(path), "--json", *flags, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def good_rows(regions: dict[str, str]) -> list[list[Any]]:
    head = make_id_number(date(1970, 1, 1))
    return [row("周一", head, regions["village_a"], category="肢体", grade="二级", dibao="是"),
            row("周二", make_id_number(date(2012, 1, 1)), regions["village_a"], category="5",
                grade="1", head=head, relation="子女")]


def test_same_file_twice_changes_nothing(tmp_path: Path, good_rows: list[list[Any]],
                                         personas: dict[str, User]) -> None:
    path = _xlsx(tmp_path / "a.xlsx", HEADER, good_rows)
    assert _run(path) == {"written": True, "created": 2, "updated": 0, "unchanged": 0,
                          "rejected": 0, "errors": []}
    assert _run(path) == {"written": True, "created": 0, "updated": 0, "unchanged": 2,
                          "rejected": 0, "errors": []}


def test_bad_rows_are_named_and_nothing_is_written(tmp_path: Path, good_rows: list[list[Any]],
                                                   regions: dict[str, str]) -> None:
    bad_checksum = good_rows[0][1][:17] + ("0" if good_rows[0][1][17] != "0" else "1")
    rows = [*good_rows,
            row("坏甲", bad_checksum, regions["village_a"]),
            row("坏乙", make_id_number(), "520322999999"),
            row("坏丙", make_id_number(), regions["village_a"], category="肢体", grade="5"),
            row("坏丁", good_rows[0][1], regions["village_a"])]
    report = _run(_xlsx(tmp_path / "b.xlsx", HEADER, rows))
    where = {(e["row"], e["column"]) for e in report["errors"]}
    assert {(4, "身份证号"), (5, "户籍地区划代码"), (6, "残疾等级"), (7, "身份证号")} <= where
    assert report["created"] == 2 and report["rejected"] == 4
    assert report["written"] is False  # the 2 are what would have been created
    assert not Person.objects.exists()  # all-or-nothing


def test_valid_only_imports_the_good_rows(tmp_path: Path, good_rows: list[list[Any]],
                                          regions: dict[str, str]) -> None:
    rows = [*good_rows, row("坏", make_id_number(), "520322999999")]
    report = _run(_xlsx(tmp_path / "c.xlsx", HEADER, rows), "--valid-only")
    assert (report["written"], report["created"], report["rejected"]) == (True, 2, 1)
    assert Person.objects.count() == 2


def test_dry_run_writes_nothing(tmp_path: Path, good_rows: list[list[Any]]) -> None:
    report = _run(_xlsx(tmp_path / "d.xlsx", HEADER, good_rows), "--dry-run")
    assert (report["written"], report["created"]) == (False, 2)  # would create 2
    assert not Person.objects.exists()


def test_ids_stored_as_excel_numbers_keep_their_digits(tmp_path: Path,
                                                       regions: dict[str, str],
                                                       db: None) -> None:
    number = make_id_number(date(1988, 8, 8))
    while not number.isdigit():
        number = make_id_number(date(1988, 8, 8))
    path = _xlsx(tmp_path / "n.xlsx", HEADER, [row("数字", number, regions["village_a"])],
                 ids_as_numbers=True)
    report = _run(path)
    # An 18-digit number exceeds a double's precision, so Excel already lost the last digits:
    # refuse it with advice, never store a different person's number.
    assert report["created"] == 0
    assert (report["errors"][0]["row"], report["errors"][0]["column"]) == (2, "身份证号")
    assert "文本" in report["errors"][0]["message"]
    assert not Person.objects.exists()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.xlsx", b"", "空"),
    ("fake.xlsx", "姓名,身份证号\n张三,1\n".encode(), "不是有效的 Excel"),
    ("notes.txt", b"hello", "只支持"),
])
def test_unreadable_files_get_a_clear_message(tmp_path: Path, name: str, content: bytes,
                                              message: str, db: None) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    report = _run(path)
    assert message in report["errors"][0]["message"]


def test_unknown_column_is_reported(tmp_path: Path, good_rows: list[list[Any]]) -> None:
    report = _run(_xlsx(tmp_path / "u.xlsx", [*HEADER, "血型"], [[*r, "A"] for r in good_rows]))
    assert "血型" in report["errors"][0]["message"]
    assert not Person.objects.exists()


def test_csv_in_gbk_from_excel_is_read(tmp_path: Path, good_rows: list[list[Any]]) -> None:
    lines = [",".join(HEADER)] + [",".join(str(v) for v in r) for r in good_rows]
    path = tmp_path / "g.csv"
    path.write_bytes("\n".join(lines).encode("gb18030"))
    assert _run(path)["created"] == 2


def test_page_import_runs_as_a_task_and_offers_the_error_file(
    tmp_path: Path, good_rows: list[list[Any]], regions: dict[str, str],
    personas: dict[str, User], client: Client, django_capture_on_commit_callbacks: Any,
) -> None:
    rows = [*good_rows, row("坏", make_id_number(), "520322999999")]
    path = _xlsx(tmp_path / "p.xlsx", HEADER, rows)
    client.force_login(personas["county_staff"])
    with path.open("rb") as upload, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:person_import"),
                               {"file": upload, "mode": "all"})
    run = TaskRun.objects.get()
    assert response.url == reverse("core:task_progress", args=[run.pk])
    assert "未导入任何数据" in run.message and not Person.objects.exists()
    sheet = CalamineWorkbook.from_path(run.result_file).get_sheet_by_index(0).to_python()
    assert sheet[0] == [*HEADER, "错误说明"]  # the user's own columns, and the reasons
    assert sheet[1][0] == "坏" and sheet[1][-1].startswith("原第 4 行：户籍地区划代码")

    path = _xlsx(tmp_path / "p2.xlsx", HEADER, good_rows)
    with path.open("rb") as upload, django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry:person_import"), {"file": upload, "mode": "all"})
    assert Person.objects.count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.CREATE,
                                     object_type="registry.person").count() == 2


@pytest.mark.parametrize("valid_only", [False, True])
def test_large_file_checked_by_worker_processes_gives_the_same_result(
        tmp_path: Path, regions: dict[str, str], monkeypatch: pytest.MonkeyPatch,
        valid_only: bool) -> None:
    """A large file is checked a chunk at a time by forked workers while this one writes
    (importing.PARALLEL_MIN_ROWS): a member listed before their head, an ID repeated in a
    later chunk, a member after their head's chunk and a bad row come out exactly as when the whole file is checked at once."""
    from canlian.registry import importing

    head, member = make_id_number(date(1970, 1, 1)), make_id_number(date(2010, 5, 5))
    rows = [row("周子", member, regions["village_a"], head=head, relation="子女"),
            row("吴甲", make_id_number(date(1980, 2, 2)), regions["village_a"]),
            row("郑乙", make_id_number(date(1981, 3, 3)), regions["village_b"], dibao="是"),
            row("周父", head, regions["village_a"], category="肢体", grade="二级"),
            row("坏", make_id_number(), "520322999999"),
            row("周父", head, regions["village_a"]),  # the same ID again, in a later chunk
            # a member whose head was written with an earlier chunk: written with their own
            row("周母", make_id_number(date(1972, 4, 4)), regions["village_a"], head=head,
                relation="配偶", phone="13912345678", category="视力", grade="三级")]
    path = _xlsx(tmp_path / "p.xlsx", HEADER, rows)
    flags = ("--valid-only",) if valid_only else ()
    monkeypatch.setattr(importing, "CHECK_CHUNK", 10_000)
    at_once = _run(path, *flags, "--dry-run")
    monkeypatch.setattr(importing, "PARALLEL_MIN_ROWS", 4)
    monkeypatch.setattr(importing, "CHECK_CHUNK", 2)
    in_chunks = _run(path, *flags)
    assert (at_once.pop("written"), in_chunks.pop("written")) == (False, valid_only)
    assert in_chunks == at_once
    assert {(e["row"], e["column"]) for e in in_chunks["errors"]} == {
        (6, "户籍地区划代码"), (7, "身份证号")}
    assert in_chunks["created"] == 5
    if valid_only:
        child = Person.objects.get(id_number_index=blind_index(member))
        assert child.household.head.name == "周父"  # the member found the head written later
        assert {p.name for p in child.household.members.all()} == {"周父", "周子", "周母"}
        for person in Person.objects.all():  # audit rows as the workers prepared them
            event = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(person.pk))
            assert event.changes == audit.created(person, PERSON_FIELDS)
    else:
        assert not Person.objects.exists()  # all-or-nothing
