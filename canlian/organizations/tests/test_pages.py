"""Pages: adding a post holder through the form (errors named on their field), the directory
with its audited phone reveal, members, units, the import page and the masked holder export."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import xlsxwriter
from django.test import Client
from django.urls import reverse

from canlian.core.models import AuditAction, AuditEvent, TaskRun, User
from canlian.organizations.models import Member, OrgUnit, Post, PostHolding, UnitKind
from canlian.organizations.tests.factories import make_holding, make_member, make_unit


def test_add_holder_form_names_the_field_of_each_refusal(personas: dict[str, User],
                                                         regions: dict[str, str],
                                                         client: Client) -> None:
    unit = make_unit(region_code=regions["village_a"], name="楚蔬社区残疾人协会")
    chair = make_member(region_code=regions["village_a"], name="甲")
    newcomer = make_member(region_code=regions["village_a"], name="乙")
    make_member(region_code=regions["village_a2"], name="邻村人")
    make_holding(unit=unit, member=chair, post=Post.CHAIR)
    client.force_login(personas["township_staff"])
    url = reverse("organizations:holding_create", args=[unit.pk])
    form_page = client.get(url)
    assert {label for _, label in form_page.context["form"].fields["member"].choices[1:]} == {
        "甲（楚蔬社区居民委员会）", "乙（楚蔬社区居民委员会）"}  # only the unit's region
    bad = client.post(url, {"member": newcomer.pk, "post": Post.CHAIR,
                            "started_on": "2025-01-01"})
    assert "同一时间只能有一人" in " ".join(bad.context["form"].errors["started_on"])
    assert 'href="#id_started_on"' in bad.content.decode()  # error summary links the field
    bad = client.post(url, {"member": newcomer.pk, "post": Post.LIAISON_OFFICER,
                            "started_on": "2025-01-01", "ended_on": "2024-01-01"})
    assert "不能早于" in " ".join(bad.context["form"].errors["ended_on"])
    ok = client.post(url, {"member": newcomer.pk, "post": Post.LIAISON_OFFICER,
                           "started_on": "2025-01-01"})
    assert ok.status_code == 302
    page = client.get(reverse("organizations:unit_detail", args=[unit.pk])).content.decode()
    assert "专职委员" in page and "乙" in page


def test_ending_a_term_from_the_unit_page(personas: dict[str, User], regions: dict[str, str],
                                          client: Client) -> None:
    holding = make_holding(unit=make_unit(region_code=regions["village_a"]),
                           member=make_member(region_code=regions["village_a"]),
                           post=Post.CHAIR, started_on=date(2024, 1, 1))
    client.force_login(personas["county_staff"])
    client.post(reverse("organizations:holding_end", args=[holding.pk]),
                {"ended_on": "2023-01-01"})
    holding.refresh_from_db()
    assert holding.ended_on is None  # refused: before the start
    client.post(reverse("organizations:holding_end", args=[holding.pk]),
                {"ended_on": "2025-12-31"})
    holding.refresh_from_db()
    assert holding.ended_on == date(2025, 12, 31)


def test_directory_lists_who_to_call_and_reveal_is_audited(
    personas: dict[str, User], regions: dict[str, str], client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    unit = make_unit(region_code=regions["village_a"])
    liaison = make_member(region_code=regions["village_a"], name="杨秀英", phone="13912345678")
    make_holding(unit=unit, member=liaison, post=Post.LIAISON_OFFICER)
    make_holding(unit=make_unit(region_code=regions["village_b"]),
                 member=make_member(region_code=regions["village_b"], name="外乡人"),
                 post=Post.CHAIR)
    client.force_login(personas["village_liaison"])
    with django_assert_max_num_queries(10):
        page = client.get(reverse("organizations:directory")).content.decode()
    assert "杨秀英" in page and "139****5678" in page and "13912345678" not in page
    assert "外乡人" not in page
    shown = client.post(reverse("organizations:member_reveal", args=[liaison.pk]),
                        {"next": "directory"}, follow=True).content.decode()
    assert 'href="tel:13912345678"' in shown
    assert "13912345678" not in client.get(reverse("organizations:directory")).content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL,
                                     object_id=str(liaison.pk)).count() == 1


def test_leader_cannot_reveal(personas: dict[str, User], regions: dict[str, str],
                              client: Client) -> None:
    member = make_member(region_code=regions["village_a"], phone="13912345678")
    client.force_login(personas["leader"])
    client.post(reverse("organizations:member_reveal", args=[member.pk]))
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_member_and_unit_created_through_pages(personas: dict[str, User],
                                               regions: dict[str, str], client: Client) -> None:
    client.force_login(personas["township_staff"])
    response = client.post(reverse("organizations:unit_create"), {
        "kind": UnitKind.VILLAGE_ASSOCIATION, "name": "三座社区残疾人协会",
        "region": regions["village_a"], "is_active": "on"})
    assert response.status_code == 302
    bad = client.post(reverse("organizations:unit_create"), {
        "kind": UnitKind.TOWNSHIP_FEDERATION, "name": "错", "region": regions["village_a"],
        "is_active": "on"})
    assert "乡镇" in " ".join(bad.context["form"].errors["region"])
    response = client.post(reverse("organizations:member_create"), {
        "name": "罗芳", "region": regions["village_a"], "phone": "0851-2345678",
        "is_disabled": "on", "is_grassroots": "on"})
    assert response.status_code == 302
    member = Member.objects.get(name="罗芳")
    assert member.is_disabled and member.is_grassroots and member.phone == "0851-2345678"
    assert OrgUnit.objects.get().name == "三座社区残疾人协会"


def test_list_pages_have_fixed_query_counts(personas: dict[str, User], regions: dict[str, str],
                                            client: Client,
                                            django_assert_max_num_queries: Any) -> None:
    for index in range(30):
        unit = make_unit(region_code=regions["village_a"], kind=UnitKind.SERVICE_TEAM,
                         name=f"服务队{index}")
        make_holding(unit=unit, member=make_member(region_code=regions["village_a"]),
                     post=Post.HEAD)
    client.force_login(personas["county_staff"])
    for name in ("unit_list", "member_list", "coverage", "composition", "training_list",
                 "grassroots"):
        with django_assert_max_num_queries(14):
            assert client.get(reverse(f"organizations:{name}")).status_code == 200


def test_import_page_reports_errors_by_row_and_column(personas: dict[str, User],
                                                      regions: dict[str, str], client: Client,
                                                      tmp_path: Path) -> None:
    path = tmp_path / "任职.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["组织类型", "组织区划代码", "职务", "姓名", "联系电话", "任职起始日期"])
    sheet.write_row(1, 0, ["村（社区）残协", regions["village_a"], "主席", "甲", "13800000001",
                           "2025-01-01"])
    sheet.write_row(2, 0, ["村（社区）残协", regions["village_a"], "主席", "乙", "13800000002",
                           "2025-02-01"])
    book.close()
    client.force_login(personas["township_staff"])
    with path.open("rb") as handle:
        page = client.post(reverse("organizations:holders_import"),
                           {"file": handle, "mode": "all"})
    report = page.context["report"]
    assert [(e.row, e.column) for e in report.errors] == [(3, "任职起始日期")]
    assert "未导入任何数据" in page.content.decode()
    assert PostHolding.objects.count() == 0


def test_holder_export_is_masked_and_audited(personas: dict[str, User],
                                             regions: dict[str, str], client: Client,
                                             django_capture_on_commit_callbacks: Any) -> None:
    from python_calamine import CalamineWorkbook

    make_holding(unit=make_unit(region_code=regions["village_a"]),
                 member=make_member(region_code=regions["village_a"], name="导出人",
                                    phone="13912345678"), post=Post.CHAIR)
    client.force_login(personas["township_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("organizations:holders_export"), {"on": ""})
    rows = CalamineWorkbook.from_path(TaskRun.objects.get().result_file).get_sheet_by_index(
        0).to_python()
    assert rows[3][4] == "导出人" and rows[3][5] == "139****5678"
    assert "13912345678" not in str(rows)
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT,
                                     object_type="organizations.postholding").count() == 1
