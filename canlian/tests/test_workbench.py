"""The home page's 待办 (DESIGN.md "Staff console": my pending applications, cases near their
deadline, visits due): each app adds what waits for the signed-in officer, with a link to the
page where it is handled, and overdue items are called out in words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from canlian.benefits.enrolments import enrolment_apply
from canlian.benefits.tests.helpers import holder as benefits_holder
from canlian.benefits.tests.helpers import load_catalog
from canlian.certificates.models import Application
from canlian.certificates.tests.helpers import submit
from canlian.core.models import User
from canlian.registry.tests.factories import make_id_number


def _home(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("core:home")).content.decode()


def test_township_officer_sees_applications_waiting_at_their_step(
        personas: dict[str, User], regions: dict[str, str],
        django_assert_max_num_queries: Any) -> None:
    catalog = load_catalog()
    person = benefits_holder(regions["village_a"], grade=1, care=True)
    this_month = timezone.localdate().replace(day=1)
    enrolment_apply(actor=personas["village_liaison"], person=person,
                    policy=catalog["care_subsidy"], applied_month=this_month)
    late = submit(personas["village_liaison"], type="new", channel="township",
                  region=regions["village_a"], id_number=make_id_number())
    submit(personas["village_liaison"], type="new", channel="township",
           region=regions["village_a"], id_number=make_id_number())
    Application.objects.filter(pk=late.pk).update(
        step_due_on=timezone.localdate() - timedelta(days=1))

    township = _home(personas["township_staff"])
    assert "待乡镇（街道）初审的补贴申请 <strong>1</strong> 件" in township
    assert f'{reverse("benefits:enrolment_list")}?step=township' in township
    assert "待您办理的证件申请 <strong>2</strong> 件" in township
    assert "其中 1 件已超期" in township
    # The county's queue is empty until the township has reviewed.
    county = _home(personas["county_staff"])
    assert "待县残联审核的补贴申请" not in county
    client = Client()
    client.force_login(personas["township_staff"])
    mine = client.get(reverse("certificates:application_list"), {"status": "open", "mine": "on"})
    assert late.reference in mine.content.decode()
    with django_assert_max_num_queries(20):
        client.get(reverse("core:home"))


def test_nothing_waiting_says_so(personas: dict[str, User]) -> None:
    assert "目前没有等待您办理的事项" in _home(personas["county_staff"])


def test_admin_roles_have_no_todo_block(personas: dict[str, User]) -> None:
    page = _home(personas["county_admin"])
    assert "账户概况" in page and "目前没有等待您办理的事项" not in page


def test_liaison_officer_sees_who_to_visit_and_open_cases_of_the_village(
        personas: dict[str, User], regions: dict[str, str]) -> None:
    """Issue #7: the due list and the open cases reach the officer's home page; a case past
    its acceptance deadline counts as overdue."""
    from canlian.cases import services as case_services
    from canlian.cases.models import Case
    from canlian.cases.tests.helpers import disabled, federations, on

    federations()
    today = timezone.localdate()
    with on(today - timedelta(days=30)):
        first = disabled(regions["village_a"], name="甲")
        disabled(regions["village_a"], name="乙")
        case = case_services.case_register(
            actor=personas["village_liaison"], source="help", category="rehab",
            title="需要轮椅", description="行动不便，申请轮椅", person=first)
    Case.objects.filter(pk=case.pk).update(accept_due_on=today - timedelta(days=1))
    page = _home(personas["village_liaison"])
    assert "应走访的残疾人 <strong>2</strong> 人" in page
    assert "本村尚未办结的诉求 <strong>1</strong> 件" in page
    assert "其中 1 件已超期" in page
    assert f'{reverse("cases:case_list")}?status=open' in page
