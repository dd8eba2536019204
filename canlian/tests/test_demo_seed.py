"""The demo county as its users meet it (issue 16 §18): every module has work in it, visits
are made by each village's own 专职委员, and nothing is dated after now."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.utils import timezone

from canlian.cases.models import Visit
from canlian.certificates.models import Application, Status
from canlian.crosscheck.models import Dataset, Finding
from canlian.organizations.selectors import liaison_holdings

pytestmark = pytest.mark.django_db

# Dates that are deadlines, validity ends, plans or period ends: the future is their nature.
FORWARD_LOOKING = ("due", "until", "end", "expir", "scheduled", "deadline", "locked")


def _ours() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("canlian.")]


def test_demo_has_applications_findings_and_visits_by_each_villages_officer_never_in_future(
) -> None:
    call_command("seed_demo", persons=600, stdout=StringIO())
    now, today = timezone.now(), timezone.localdate()

    statuses = set(Application.objects.values_list("status", flat=True))
    assert {Status.SUBMITTED, Status.NEEDS_MATERIALS, Status.IN_PROGRESS, Status.ISSUED,
            Status.REJECTED} <= statuses
    assert Application.objects.filter(status=Status.IN_PROGRESS).values("step").distinct(
    ).count() >= 3

    assert Dataset.objects.count() >= 3 and Finding.objects.exists()

    officer_of = {h.unit.region_id: h.member.user_id
                  for h in liaison_holdings(start=today).select_related("unit", "member")}
    credited = set(Visit.objects.values_list("region_id", "visitor_id").distinct())
    assert len({visitor for _, visitor in credited}) > 1
    assert all(officer_of.get(region) == visitor for region, visitor in credited)

    future: list[str] = []
    for model in _ours():
        for field in model._meta.concrete_fields:
            if any(word in field.name for word in FORWARD_LOOKING):
                continue
            limit: Any = None
            if isinstance(field, models.DateTimeField):
                limit = now + timedelta(seconds=5)
            elif isinstance(field, models.DateField):
                limit = today
            if limit is not None and model._default_manager.filter(
                    **{f"{field.name}__gt": limit}).exists():
                future.append(f"{model._meta.label}.{field.name}")
    assert future == []
