"""公示名单 (DOMAIN.md §3.2, §7: a public notice shows name, policy and amount and protects
privacy): the whole month's list page by page with the true total, and the same list as XLSX
and PDF for the notice board, names masked, no ID numbers (issue 16 §5)."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from canlian.benefits.models import Enrolment, EnrolmentStatus, Policy
from canlian.benefits.notice import mask_given_name
from canlian.benefits.tests.helpers import load_catalog
from canlian.core.models import AuditEvent, User
from canlian.registry.tests.factories import make_person

NOW = "2026-03-20 10:00:00+08:00"
DECIDED = datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _enrolled(village: str, policy: Policy, actor: User, count: int) -> list[Enrolment]:
    persons = [make_person(region_code=village, name=f"公示{i:04d}", head=False,
                           birth=date(1960 + i % 40, 1 + i % 12, 1)) for i in range(count)]
    return Enrolment.objects.bulk_create(
        Enrolment(person=p, policy=policy, region_id=village, status=EnrolmentStatus.ENROLLED,
                  applied_month=date(2026, 2, 1), start_month=date(2026, 2, 1),
                  applied_by=actor, decided_at=DECIDED) for p in persons)


def test_mask_given_name_keeps_only_the_surname() -> None:
    assert [mask_given_name(n) for n in ("张三", "王小明", "李")] == ["张*", "王**", "李"]


@time_machine.travel(NOW, tick=False)
def test_notice_lists_every_person_with_the_true_total_beyond_1000(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    policy = load_catalog()["care_subsidy"]
    _enrolled(regions["village_a"], policy, personas["county_staff"], 1001)
    client = Client()
    client.force_login(personas["county_staff"])
    url = reverse("benefits:notice")
    first = client.get(url, {"month": "2026-03"}).content.decode()
    assert "审定纳入名单（共 1001 人）" in first
    assert "拟纳入" not in first
    assert "第 1 / 21 页" in first
    last = client.get(url, {"month": "2026-03", "page": 21}).content.decode()
    assert ">1001<" in last and "公*****" in last
    assert "公示0" not in first + last  # the given name never shows

    sheet = load_workbook(io.BytesIO(client.post(
        reverse("benefits:notice_export", args=["xlsx"]), {"month": "2026-03"}
    ).content)).active
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert len(rows) == 1001
    assert rows[0][1] == "公*****" and rows[0][4] == "重度残疾人护理补贴"
    assert "审定纳入" in sheet["A1"].value and "共 1001 人" in sheet["A2"].value
    person = Enrolment.objects.first().person
    values = {str(v) for row in sheet.iter_rows(values_only=True) for v in row}
    assert person.id_number not in values and person.name not in values
    assert AuditEvent.objects.filter(action="export", object_type="benefits.enrolment").count() == 1


@time_machine.travel(NOW, tick=False)
def test_notice_pdf_is_a_printable_document_of_the_month(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    policy = load_catalog()["care_subsidy"]
    _enrolled(regions["village_a"], policy, personas["township_staff"], 3)
    client = Client()
    client.force_login(personas["township_staff"])
    response = client.post(reverse("benefits:notice_export", args=["pdf"]),
                           {"month": "2026-03"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert client.post(reverse("benefits:notice_export", args=["doc"])).status_code == 404
    assert client.get(reverse("benefits:notice_export", args=["pdf"])).status_code == 405


@time_machine.travel(NOW, tick=False)
def test_notice_is_scoped_to_the_viewers_area(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    policy = load_catalog()["care_subsidy"]
    _enrolled(regions["village_a"], policy, personas["county_staff"], 2)
    _enrolled(regions["village_b"], policy, personas["county_staff"], 3)
    client = Client()
    client.force_login(personas["village_liaison"])
    text = client.get(reverse("benefits:notice"), {"month": "2026-03"}).content.decode()
    assert "共 2 人" in text
    sheet = load_workbook(io.BytesIO(client.post(
        reverse("benefits:notice_export", args=["xlsx"]), {"month": "2026-03"}
    ).content)).active
    assert len(list(sheet.iter_rows(min_row=4))) == 2
    client.force_login(personas["resident"])
    assert client.get(reverse("benefits:notice")).status_code == 403
