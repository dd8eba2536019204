"""The audit log as the 审计管理员 reads it (issue #16 §16): objects by their Chinese type with
a masked label (no full personal data), filtered by Chinese type names, regions by name, and
an IP on every row written while answering a request (系统/后台任务 otherwise)."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from canlian.benefits.enrolments import enrolment_apply
from canlian.benefits.tests.helpers import holder, load_catalog
from canlian.cases.tests.helpers import disabled
from canlian.core import audit
from canlian.core.auditview import mask_name
from canlian.core.models import AuditAction, AuditEvent, Region, User
from canlian.organizations.tests.factories import make_unit


def _page(client: Client, **params: str) -> str:
    return client.get(reverse("core:audit_list"), params).content.decode()


def test_masked_name_keeps_first_and_last_character_only() -> None:
    assert [mask_name(n) for n in ("张三", "张小三", "欧阳小明", "")] == [
        "张*", "张*三", "欧**明", ""]


def test_audit_rows_show_chinese_type_masked_person_and_region_name(
        personas: dict[str, User], regions: dict[str, str], client: Client,
        django_assert_max_num_queries: Any) -> None:
    person = disabled(regions["village_a"], name="张小三")
    audit.audit_record(actor=personas["county_staff"], action=AuditAction.UPDATE, obj=person,
                       summary="修改残疾人信息", changes={"name": ["张小三", "张晓三"]})
    client.force_login(personas["auditor"])
    page = _page(client)
    village = Region.objects.select_related("parent").get(code=regions["village_a"])
    assert "残疾人 张*三" in page and f"编号 {person.pk}" in page
    assert "张小三" not in page and "<code>registry.person" not in page
    assert "姓名：张*三 → 张*三" in page and "张晓三" not in page  # the change, by field name
    assert f"{village.parent.name} {village.name}" in page
    # Filtered by the Chinese type name (the value stays the stored type).
    assert '<option value="registry.person">残疾人' in page
    assert "修改残疾人信息" in _page(client, object_type="registry.person")
    assert "修改残疾人信息" not in _page(client, object_type="cases.case")
    # A page of rows about many kinds of objects costs what a page about one kind costs.
    with django_assert_max_num_queries(10):
        client.get(reverse("core:audit_list"))
    catalog = load_catalog()
    for n, village in enumerate(("village_a", "village_a2", "village_b")):
        enrolment = enrolment_apply(
            actor=personas["village_liaison"], person=holder(regions["village_a"],
                                                             name=f"李小{n}", grade=1, care=True),
            policy=catalog["care_subsidy"], applied_month=timezone.localdate().replace(day=1))
        audit.audit_record(actor=personas["county_staff"], action=AuditAction.UPDATE,
                           obj=make_unit(region_code=regions[village], name=f"残协{n}"))
    assert AuditEvent.objects.values("object_type").distinct().count() >= 3
    with django_assert_max_num_queries(10):
        page = client.get(reverse("core:audit_list")).content.decode()
    assert f"编号 {enrolment.pk}" in page and "李*2" in page and "李小2" not in page
    assert "残协2" not in page  # an organisation: its type, no name needed


def test_rows_written_in_a_request_carry_the_ip_and_task_rows_say_so(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    """enrolment_review writes its audit row without being handed the request: the row still
    gets the client's address; a row written outside any request (a task, a command) is shown
    as 系统/后台任务, not a blank."""
    enrolment = enrolment_apply(
        actor=personas["village_liaison"], person=holder(regions["village_a"], grade=1,
                                                         care=True),
        policy=load_catalog()["care_subsidy"],
        applied_month=timezone.localdate().replace(day=1))
    client.force_login(personas["township_staff"])
    response = client.post(reverse("benefits:enrolment_detail", args=[enrolment.pk]),
                           {"decision": "approve", "note": "", "version": enrolment.version},
                           REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302
    reviewed = AuditEvent.objects.filter(actor=personas["township_staff"],
                                         object_type="benefits.enrolment").get()
    assert reviewed.ip_address == "10.1.2.3"
    audit.audit_record(actor=None, action=AuditAction.CREATE, object_type="core.taskrun",
                       summary="后台生成", actor_username="manage.py")
    client.force_login(personas["auditor"])
    page = _page(client)
    row = page.split("后台生成", 1)[1].split("</tr>", 1)[0]
    assert "系统/后台任务" in row
