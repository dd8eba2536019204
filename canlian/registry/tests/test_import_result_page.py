"""What an import's task page says at the end (issue 16 §13): a rejected import is 未通过检查,
never 已完成 100 %, and the page links to what comes next, not only to the work-bench."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from django.test import Client
from django.urls import reverse

from canlian.core.models import TaskRun, TaskStatus, User
from canlian.registry.models import Person
from canlian.registry.tests.factories import make_id_number
from canlian.registry.tests.helpers import HEADER, row


def _upload(client: Client, path: Path, rows: list[list[Any]], mode: str,
            capture: Any) -> tuple[TaskRun, str]:
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("残疾人")
    sheet.write_row(0, 0, HEADER)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            sheet.write_string(r, c, str(value))
    workbook.close()
    with path.open("rb") as upload, capture(execute=True):
        response = client.post(reverse("registry:person_import"), {"file": upload, "mode": mode})
    run = TaskRun.objects.get(pk=response.url.rstrip("/").split("/")[-1])
    return run, client.get(response.url).content.decode()


def test_a_rejected_import_does_not_say_done_and_links_back_to_the_import(
        tmp_path: Path, regions: dict[str, str], personas: dict[str, User], client: Client,
        django_capture_on_commit_callbacks: Any) -> None:
    client.force_login(personas["county_staff"])
    good = row("周一", make_id_number(date(1970, 1, 1)), regions["village_a"], category="肢体",
               grade="二级")
    bad = row("坏", make_id_number(), "520322999999")

    run, page = _upload(client, tmp_path / "bad.xlsx", [good, bad], "all",
                        django_capture_on_commit_callbacks)

    assert run.status == TaskStatus.REJECTED and not Person.objects.exists()
    assert "未通过检查" in page and "已完成" not in page and "100%" not in page
    assert "未导入任何数据" in page
    assert "下载文件：导入错误清单_" in page
    # The bad rows, with their messages, are one link away (issue 16 §7).
    bad_rows = reverse("registry:import_result", args=[run.pk])
    assert f'href="{bad_rows}">查看有错误的行（1 行）</a>' in page

    run, page = _upload(client, tmp_path / "good.xlsx", [good], "all",
                        django_capture_on_commit_callbacks)

    assert run.status == TaskStatus.SUCCEEDED and Person.objects.count() == 1
    assert "已完成" in page and "导入完成" in page
    assert f'href="{reverse("registry:person_list")}">查看残疾人名单</a>' in page
