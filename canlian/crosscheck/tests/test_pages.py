"""Cross-check pages (issue #8 §6): counts by kind and township, the review queue with a fixed
number of queries, masked ID numbers, confirm/dismiss through the page, the import as a
background task with its error file, history and re-run, export (masked, audited)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from canlian.core.idnumbers import mask_id_number
from canlian.core.models import AuditAction, AuditEvent, TaskRun, User
from canlian.crosscheck.models import Dataset, Finding, FindingStatus
from canlian.crosscheck.tests.helpers import import_list
from canlian.registry.models import Person
from canlian.registry.tests.factories import make_person


def _deaths(staff: User, village: str, n: int) -> list[Person]:
    people = [make_person(region_code=village, name=f"甲{i}") for i in range(n)]
    import_list(staff, "deaths", [[p.name, p.id_number, "2026-01-15", "县医院"] for p in people])
    return people


def test_overview_counts_by_township_and_kind(personas: dict[str, User],
                                              regions: dict[str, str], client: Client) -> None:
    staff = personas["county_staff"]
    _deaths(staff, regions["village_a"], 3)
    _deaths(staff, regions["village_b"], 2)
    client.force_login(staff)
    rows = client.get(reverse("crosscheck:overview")).context["rows"]
    assert {(r.code, r.counts["deceased_alive"]) for r in rows} == {
        (regions["township_a"][:9], 3), (regions["township_b"][:9], 2)}
    client.force_login(personas["township_staff"])  # 楚米镇 sees its own township only
    rows = client.get(reverse("crosscheck:overview")).context["rows"]
    assert [r.code for r in rows] == [regions["township_a"][:9]]


def test_review_queue_masks_ids_and_has_fixed_queries(
        personas: dict[str, User], regions: dict[str, str], client: Client,
        django_assert_max_num_queries: Any) -> None:
    people = _deaths(personas["county_staff"], regions["village_a"], 30)
    client.force_login(personas["county_staff"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("crosscheck:finding_list"))
    html = response.content.decode()
    assert response.context["page"].paginator.count == 30
    assert people[0].id_number not in html and mask_id_number(people[0].id_number) in html


def test_confirm_and_dismiss_through_the_page(personas: dict[str, User],
                                              regions: dict[str, str], client: Client) -> None:
    people = _deaths(personas["county_staff"], regions["village_a"], 2)
    first, second = Finding.objects.order_by("pk")
    client.force_login(personas["county_staff"])
    url = reverse("crosscheck:finding_detail", args=[first.pk])
    assert client.post(url, {"decision": "confirm"}).status_code == 302
    assert Person.objects.get(pk=people[0].pk).living_status == "deceased"
    response = client.post(reverse("crosscheck:finding_detail", args=[second.pk]),
                           {"decision": "dismiss", "note": ""})
    assert "排除须填写理由" in response.content.decode()
    client.post(reverse("crosscheck:finding_detail", args=[second.pk]),
                {"decision": "dismiss", "note": "死亡证明有误"})
    second.refresh_from_db()
    assert second.status == FindingStatus.DISMISSED
    assert Person.objects.get(pk=people[1].pk).living_status == "alive"


def test_leader_reads_but_cannot_decide(personas: dict[str, User], regions: dict[str, str],
                                        client: Client) -> None:
    people = _deaths(personas["county_staff"], regions["village_a"], 1)
    finding = Finding.objects.get()
    client.force_login(personas["leader"])
    url = reverse("crosscheck:finding_detail", args=[finding.pk])
    assert client.get(url).context["can_decide"] is False
    client.post(url, {"decision": "confirm"})
    assert Person.objects.get(pk=people[0].pk).living_status == "alive"


def test_import_page_runs_a_task_and_offers_the_error_file(
        tmp_path: Path, personas: dict[str, User], regions: dict[str, str], client: Client,
        django_capture_on_commit_callbacks: Any) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    path = tmp_path / "deaths.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["姓名", "身份证号", "死亡日期"])
        writer.writerow(["王五", person.id_number, "2026-01-15"])
        writer.writerow(["李四", "123", "2026-01-15"])
    client.force_login(personas["county_staff"])
    form = {"kind": "deaths", "source": "县公安局", "month": "2026-03"}
    with path.open("rb") as upload, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("crosscheck:dataset_import"), {**form, "file": upload})
    run = TaskRun.objects.get()
    assert response.url == reverse("core:task_progress", args=[run.pk])
    assert "未导入任何数据" in run.message and not Dataset.objects.exists()
    sheet = CalamineWorkbook.from_path(run.result_file).get_sheet_by_index(0).to_python()
    assert sheet[3][1:3] == ["身份证号", "身份证号应为 18 位，当前为 3 位"]

    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([["姓名", "身份证号", "死亡日期"],
                                   ["王五", person.id_number, "2026-01-15"]])
    with path.open("rb") as upload, django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("crosscheck:dataset_import"), {**form, "file": upload})
    dataset = Dataset.objects.get()
    assert (dataset.source, dataset.row_count, dataset.matched_count) == ("县公安局", 1, 1)
    history = client.get(reverse("crosscheck:dataset_list")).context["page"]
    assert [d.pk for d in history] == [dataset.pk]
    response = client.post(reverse("crosscheck:dataset_detail", args=[dataset.pk]))
    dataset.refresh_from_db()
    assert response.status_code == 302 and dataset.match_runs == 2
    assert Finding.objects.count() == 1  # re-run: no duplicate


def test_export_is_masked_and_audited(personas: dict[str, User], regions: dict[str, str],
                                      client: Client,
                                      django_capture_on_commit_callbacks: Any) -> None:
    people = _deaths(personas["county_staff"], regions["village_a"], 2)
    client.force_login(personas["county_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("crosscheck:finding_export"), {"status": "open"})
    run = TaskRun.objects.get(kind="crosscheck_export")
    sheet = CalamineWorkbook.from_path(run.result_file).get_sheet_by_index(0).to_python()
    cells = {str(c) for r in sheet for c in r}
    assert mask_id_number(people[0].id_number) in cells and people[0].id_number not in cells
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT,
                                     object_type="crosscheck.finding").count() == 1


def test_county_staff_confirm_a_class_from_the_overview(
        personas: dict[str, User], regions: dict[str, str], client: Client,
        django_capture_on_commit_callbacks: Any) -> None:
    _deaths(personas["county_staff"], regions["village_a"], 3)
    client.force_login(personas["county_admin"])  # 等保 三员分立 (issue #17 §6)
    assert client.get(reverse("crosscheck:overview")).status_code == 403
    assert client.post(reverse("crosscheck:confirm_class"),
                       {"kind": "deceased_alive"}).status_code == 403
    client.force_login(personas["county_staff"])
    assert client.get(reverse("crosscheck:overview")).context["can_confirm_class"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("crosscheck:confirm_class"), {"kind": "deceased_alive"})
    assert TaskRun.objects.get(kind="crosscheck_confirm_class").message == "已批量确认 3 条。"
    assert Person.objects.filter(living_status="deceased").count() == 3


def test_outreach_finding_of_someone_not_in_the_registry_shows_masked(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    from canlian.core.idnumbers import id_check_char

    stranger = "52032219900101003"
    stranger += id_check_char(stranger)
    import_list(personas["county_staff"], "mental",
                [["赵六", stranger, "精神分裂症", regions["village_a"]]])
    finding = Finding.objects.get()
    client.force_login(personas["township_staff"])
    html = client.get(reverse("crosscheck:finding_detail", args=[finding.pk])).content.decode()
    assert "未在基础库登记" in html and "诊断：精神分裂症" in html
    assert stranger not in html and mask_id_number(stranger) in html


def test_candidate_list_has_fixed_queries(personas: dict[str, User], regions: dict[str, str],
                                          client: Client,
                                          django_assert_max_num_queries: Any) -> None:
    from canlian.crosscheck.models import MatchCandidate
    from canlian.crosscheck.tests.helpers import mistype

    people = [make_person(region_code=regions["village_a"], name=f"甲{i}") for i in range(20)]
    import_list(personas["county_staff"], "deaths",
                [[p.name, mistype(p.id_number, 15), "2026-01-15", ""] for p in people])
    assert MatchCandidate.objects.count() == 20
    client.force_login(personas["county_staff"])
    with django_assert_max_num_queries(10):
        page = client.get(reverse("crosscheck:candidate_list"))
    assert page.context["page"].paginator.count == 20


def test_findings_name_the_village_not_its_code(
        personas: dict[str, User], regions: dict[str, str], client: Client) -> None:
    """Issue #16 §16: the review queue and a finding showed 520322101001 where a user reads
    the township and village."""
    from canlian.core.models import Region

    _deaths(personas["county_staff"], regions["village_a"], 2)
    village = Region.objects.select_related("parent").get(code=regions["village_a"])
    client.force_login(personas["county_staff"])
    listing = client.get(reverse("crosscheck:finding_list")).content.decode()
    assert f"<td>{village.parent.name} {village.name}</td>" in listing
    assert f">{regions['village_a']}<" not in listing
    detail = client.get(reverse("crosscheck:finding_detail",
                                args=[Finding.objects.first().pk])).content.decode()
    assert f"{village.parent.name} {village.name}" in detail
