"""An eligibility run's task page links to the run's results (issue 16 §13)."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from canlian.benefits.models import EligibilityRun
from canlian.core.models import User


def test_eligibility_task_page_links_to_the_run(personas: dict[str, User], client: Client,
                                                django_capture_on_commit_callbacks: Any) -> None:
    client.force_login(personas["county_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("benefits:run_list"), {"month": "2026-03"})
    run = EligibilityRun.objects.get()
    page = client.get(reverse("core:task_progress", args=[run.task_run_id])).content.decode()
    assert "比对完成" in page
    assert f'href="{reverse("benefits:run_detail", args=[run.pk])}">查看比对结果</a>' in page
