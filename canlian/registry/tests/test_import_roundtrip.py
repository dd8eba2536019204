"""Issue 16 §7: the registry import has a template, an error file that is the user's own rows
with a 错误说明 column (importable again once fixed), and a result page listing the bad rows."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import xlsxwriter
from django.test import Client
from django.urls import reverse

from canlian.core.models import TaskRun, User
from canlian.registry import rows as r
from canlian.registry.models import Person
from canlian.registry.tests.factories import make_id_number
from canlian.registry.views import IMPORT_ERRORS_SHOWN

HEADER = ["姓名", "身份证号", "户籍地区划代码", "残疾类别", "残疾等级", "联系电话"]


def _xlsx(header: list[Any], rows: list[list[Any]]) -> io.BytesIO:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    sheet = workbook.add_worksheet()
    for n, cells in enumerate([header, *rows]):
        for c, value in enumerate(cells):
            if value not in (None, ""):
                sheet.write_string(n, c, str(value))
    workbook.close()
    buffer.seek(0)
    buffer.name = "导入.xlsx"  # type: ignore[attr-defined]
    return buffer


def _import(client: Client, django_capture_on_commit_callbacks: Any, upload: io.BytesIO,
            mode: str = "all") -> Any:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:person_import"), {"file": upload, "mode": mode})
    assert response.status_code == 302
    run = TaskRun.objects.filter(kind="registry_import").latest("created_at")
    return client.get(reverse("registry:import_result", args=[run.pk]))


def test_template_has_header_example_lists_and_notes_and_imports_as_nothing(
        personas: dict[str, User], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(personas["township_staff"])
    response = client.get(reverse("registry:import_template"))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook["残疾人信息"]
    header = [c.value for c in sheet[1]]
    assert header == list(r.COLUMNS)
    example = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert example["姓名"].startswith(r.EXAMPLE_MARK) and len(example["身份证号"]) == 18
    assert example["户籍地区划代码"].startswith(personas["township_staff"].region.prefix)
    listed = {header[cell.column - 1] for dv in sheet.data_validations.dataValidation
              if dv.type == "list" for cell_range in dv.sqref.ranges
              for cell in [sheet.cell(cell_range.min_row, cell_range.min_col)]}
    assert {"残疾类别", "残疾等级", "是否低保", "是否特困", "是否需长期照护", "生存状态"} <= listed
    notes = {row[0]: row[1] for row in workbook["说明"].iter_rows(min_row=2, values_only=True)
             if row[0] in r.COLUMNS}
    assert set(notes) == set(r.COLUMNS) and all(notes.values())
    # The template as downloaded imports cleanly and writes nothing (the example is skipped).
    upload = io.BytesIO(response.content)
    upload.name = "模板.xlsx"  # type: ignore[attr-defined]
    page = _import(client, django_capture_on_commit_callbacks, upload)
    assert page.context["result"]["rejected"] == 0 and not Person.objects.exists()


def test_error_file_is_the_users_rows_with_a_note_and_imports_again_once_fixed(
        personas: dict[str, User], regions: dict[str, str], client: Client,
        django_capture_on_commit_callbacks: Any, tmp_path: Path) -> None:
    village = regions["village_a"]
    good = [["甲", make_id_number(), village, "肢体", "二级", ""],
            ["乙", make_id_number(), village, "视力", "一级", "13912345678"]]
    bad = [["丙", make_id_number(), "520322999999", "肢体", "二级", ""],
           ["丁", make_id_number(), village, "肢体", "五级", ""]]
    client.force_login(personas["county_staff"])
    page = _import(client, django_capture_on_commit_callbacks,
                   _xlsx(HEADER, [good[0], bad[0], good[1], bad[1]]))
    # The result page names each bad row, its column and the reason.
    html = page.content.decode()
    assert [number for number, _ in page.context["bad_rows"]] == [3, 5]
    assert "第 3 行" in html and "户籍地区划代码" in html and "残疾等级" in html
    assert not Person.objects.exists()  # all or nothing
    run = TaskRun.objects.get(kind="registry_import")
    task_page = client.get(reverse("core:task_progress", args=[run.pk])).content.decode()
    assert reverse("registry:import_result", args=[run.pk]) in task_page
    download = client.get(reverse("core:task_download", args=[run.pk]))
    returned = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    lines = [list(row) for row in returned.active.iter_rows(values_only=True)]
    assert lines[0] == [*HEADER, r.NOTE_COLUMN]
    assert [line[:6] for line in lines[1:]] == [[c or None for c in row] for row in bad]
    assert "户籍地区划代码" in lines[1][6] and "残疾等级" in lines[2][6]
    # Fix the two rows in the returned file (the note column stays) and import it again.
    lines[1][2], lines[2][4] = village, "二级"
    fixed = _xlsx(lines[0], [["" if c is None else c for c in line] for line in lines[1:]])
    again = _import(client, django_capture_on_commit_callbacks, fixed)
    assert again.context["result"]["created"] == 2 and again.context["result"]["rejected"] == 0
    assert set(Person.objects.values_list("name", flat=True)) == {"丙", "丁"}


def test_result_page_lists_a_capped_number_of_bad_rows_and_counts_the_rest(
        personas: dict[str, User], client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [[f"错{n}", make_id_number(), "520322999999", "", "", ""]
            for n in range(IMPORT_ERRORS_SHOWN + 5)]
    client.force_login(personas["county_staff"])
    page = _import(client, django_capture_on_commit_callbacks, _xlsx(HEADER, rows), "preview")
    assert len(page.context["bad_rows"]) == IMPORT_ERRORS_SHOWN
    assert "另有 5 行见错误清单" in page.content.decode()
