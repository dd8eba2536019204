"""The appraisal demo hook of seed_demo: on the organisations' and cases' demo data, the
quarter before the last finished one is finalised (with liaison2's appeal upheld) and the
last one waits for 楚米镇's scores; running it again changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from canlian.appraisals.demo import seed_demo
from canlian.appraisals.models import AppealStatus, AppraisalAppeal, AppraisalQuarter
from canlian.appraisals.rules import Quarter

pytestmark = pytest.mark.django_db


def test_demo_finalises_one_quarter_and_leaves_the_last_for_chumi() -> None:
    out = StringIO()
    call_command("seed_demo", persons=400, stdout=out)
    assert "演示专职委员考核" in out.getvalue()
    last = Quarter.last_finished(timezone.localdate())
    earlier = AppraisalQuarter.objects.get(year=last.previous().year,
                                           number=last.previous().number)
    latest = AppraisalQuarter.objects.get(year=last.year, number=last.number)
    assert earlier.is_finalized and not latest.is_finalized
    assert earlier.officer_count > 150 and earlier.total_amount > 0
    appeal = AppraisalAppeal.objects.get()
    assert appeal.result.user.username == "liaison2"
    assert appeal.status in (AppealStatus.UPHELD, AppealStatus.REJECTED)
    waiting = latest.results.filter(manual_complete=False)
    assert waiting.exists()
    assert not waiting.exclude(region__code__startswith="520322101").exists()
    # The cases demo's follow-ups (about 85 % a quarter) show in the KPIs: most persons due
    # were visited, not all.
    sums = latest.results.aggregate(due=Sum("persons_due"), visited=Sum("persons_visited"))
    assert 0.5 * sums["due"] < sums["visited"] < sums["due"]
    again = StringIO()
    seed_demo(persons=400, stdout=again)
    assert "已存在" in again.getvalue()
    assert AppraisalQuarter.objects.count() == 2
