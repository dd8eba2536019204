"""The cross-check demo hook of seed_demo: the demo loads the shipped 动态更新 questionnaire
(动态1表), so the annual-update pages have their survey; running the demo again changes
nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from canlian.crosscheck.demo import seed_demo
from canlian.crosscheck.models import Questionnaire

pytestmark = pytest.mark.django_db


def test_demo_loads_the_questionnaire_once(region_data: None) -> None:
    out = StringIO()
    call_command("seed_demo", persons=1, stdout=out)
    assert "演示动态更新问卷：" in out.getvalue()
    loaded = list(Questionnaire.objects.values())
    assert len(loaded) == 1 and loaded[0]["is_active"]
    assert loaded[0]["code"] == "dongtai1"
    out = StringIO()  # the hook again, as a second `make demo` runs it
    seed_demo(persons=1, stdout=out)
    assert "未重复载入" in out.getvalue()
    assert list(Questionnaire.objects.values()) == loaded


def test_accounts_only_demo_loads_no_questionnaire(region_data: None) -> None:
    call_command("seed_demo", stdout=StringIO())
    assert not Questionnaire.objects.exists()
