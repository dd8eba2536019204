"""Registry pages and API: search (name, pinyin, ID, tail, certificate), filters, 360° page,
reveal (audited), export (masked, audited), residents see their own household only."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from canlian.core.crypto import blind_index
from canlian.core.idnumbers import build_certificate_number
from canlian.core.models import AuditAction, AuditEvent, TaskRun, User
from canlian.registry.forms import person_initial
from canlian.registry.models import Person
from canlian.registry.selectors import PersonFilter, persons_for
from canlian.registry.tests.factories import make_id_number, make_person


def _names(client: Client, **params: Any) -> set[str]:
    """Search as the form does: POST, then the page it redirects to."""
    page = client.post(reverse("registry:person_list"), params, follow=True).context["page"]
    return {p.name for p in page}


def test_search_by_name_pinyin_id_tail_birth_and_certificate(
    personas: dict[str, User], regions: dict[str, str], client: Client
) -> None:
    village = regions["village_a"]
    zhang = make_person(region_code=village, name="张三", birth=date(1975, 3, 9),
                        category=4, grade=3)
    zeng = make_person(region_code=village, name="曾小红", category=2, grade=3)
    cert = build_certificate_number(id_number=zeng.id_number, category=2, grade=3)
    Person.objects.filter(pk=zeng.pk).update(certificate_index=blind_index(cert))
    client.force_login(personas["county_staff"])
    assert _names(client, q="张三") == {"张三"}
    assert _names(client, q="zs") == {"张三"}
    assert _names(client, q="ZXH") == {"曾小红"}  # 曾 as a surname reads zeng (STACK.md §1)
    assert _names(client, q=zhang.id_number) == {"张三"}
    assert _names(client, q=zhang.id_number[-4:]) >= {"张三"}
    assert _names(client, q="19750309") == {"张三"}
    assert _names(client, q=cert) == {"曾小红"}


@pytest.mark.postgres_only
@pytest.mark.django_db
def test_postgresql_keeps_fine_statistics_for_the_prefix_search_columns() -> None:
    """Migration 0008: with the default statistics the planner guessed ~10,000 matches for a
    two-character name that has 131 and walked the region index (600 ms at 1,000,000 persons,
    bench/registry.py "name prefix"); 1,000 histogram buckets keep the guess close."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT attname, attstattarget FROM pg_attribute "
                       "WHERE attrelid = 'registry_person'::regclass "
                       "AND attname IN ('name', 'name_initials')")
        assert dict(cursor.fetchall()) == {"name": 1000, "name_initials": 1000}


def test_filters_and_fixed_query_count(personas: dict[str, User], regions: dict[str, str],
                                       client: Client, django_assert_max_num_queries: Any
                                       ) -> None:
    today = timezone.localdate()
    for i in range(30):
        make_person(region_code=regions["village_a"], name=f"甲{i}", category=4, grade=3)
    make_person(region_code=regions["village_b"], name="乙", category=1, grade=1,
                certificate_valid_until=today + timedelta(days=30),
                certificate_number=build_certificate_number(id_number=make_id_number(),
                                                            category=1, grade=1))
    client.force_login(personas["county_staff"])
    assert _names(client, category=1) == {"乙"}
    assert _names(client, expiring="on") == {"乙"}
    assert _names(client, hardship="severe") == {"乙"}
    assert len(_names(client, region=regions["township_a"])) == 30
    # Fixed whatever the number of persons: count, the page's ids, its rows, their regions.
    with django_assert_max_num_queries(11):
        client.get(reverse("registry:person_list"))


def test_township_officer_sees_every_village_of_the_township_and_no_other(
    personas: dict[str, User], regions: dict[str, str], client: Client
) -> None:
    for key in ("village_a", "village_a2", "village_b"):
        make_person(region_code=regions[key], name=key, category=4, grade=3)
    client.force_login(personas["township_staff"])
    assert _names(client) == {"village_a", "village_a2"}
    client.force_login(personas["village_liaison"])
    assert _names(client) == {"village_a"}
    client.force_login(personas["county_staff"])
    assert _names(client) == {"village_a", "village_a2", "village_b"}


def test_person_page_masks_and_reveal_is_audited_once(
    personas: dict[str, User], regions: dict[str, str], client: Client
) -> None:
    person = make_person(region_code=regions["village_a"], name="孙八", phone="13912345678")
    client.force_login(personas["village_liaison"])
    url = reverse("registry:person_detail", args=[person.pk])
    page = client.get(url).content.decode()
    assert person.id_number not in page and person.id_number[:6] + "********" in page
    shown = client.post(reverse("registry:person_reveal", args=[person.pk, "id_number"]),
                        follow=True).content.decode()
    assert person.id_number in shown
    assert person.id_number not in client.get(url).content.decode()
    event = AuditEvent.objects.get(action=AuditAction.REVEAL)
    assert (event.object_type, event.object_id) == ("registry.person", str(person.pk))


def test_leader_reads_but_cannot_reveal(personas: dict[str, User], regions: dict[str, str],
                                        client: Client) -> None:
    person = make_person(region_code=regions["village_a"])
    client.force_login(personas["leader"])
    client.post(reverse("registry:person_reveal", args=[person.pk, "id_number"]))
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()
    assert "查看完整号码" not in client.get(
        reverse("registry:person_detail", args=[person.pk])).content.decode()


def test_resident_sees_own_household_only(personas: dict[str, User], regions: dict[str, str],
                                          make_user: Any) -> None:
    village = regions["village_a"]
    me = make_person(region_code=village, name="本人")
    child = make_person(region_code=village, name="孩子", household=me.household, head=False)
    make_person(region_code=village, name="邻居")
    resident = make_user("resident", village, username="me", id_number=me.id_number,
                         id_number_index=me.id_number_index)
    visible = set(Person.objects.visible_to(resident).values_list("name", flat=True))
    assert visible == {me.name, child.name}


def test_create_form_names_the_field_in_chinese(personas: dict[str, User],
                                                regions: dict[str, str], client: Client) -> None:
    client.force_login(personas["county_staff"])
    number = make_id_number()
    bad = client.post(reverse("registry:person_create"), {
        "name": "新人", "id_number": number[:17] + ("0" if number[17] != "0" else "1"),
        "region": regions["village_a"], "living_status": "正常", "category": "4", "grade": ""})
    form = bad.context["form"]
    assert "校验" in " ".join(form.errors["id_number"])
    assert form.errors["grade"] or form.errors["category"]
    ok = client.post(reverse("registry:person_create"), {
        "name": "新人", "id_number": number, "region": regions["village_a"],
        "living_status": "正常", "category": "4", "grade": "3", "needs_long_term_care": "否"})
    assert ok.status_code == 302
    assert Person.objects.get(name="新人").grade == 3


def test_export_is_masked_watermarked_and_audited(
    personas: dict[str, User], regions: dict[str, str], client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    person = make_person(region_code=regions["village_a"], name="导出人员", phone="13912345678",
                         category=4, grade=3)
    client.force_login(personas["county_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registry:person_export"), {"q": "导出人员"})
    run = TaskRun.objects.get()
    rows = CalamineWorkbook.from_path(run.result_file).get_sheet_by_index(0).to_python()
    assert "导出人：" in rows[1][0]
    assert rows[3][0] == "导出人员"
    assert person.id_number not in str(rows) and "13912345678" not in str(rows)
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT,
                                     object_type="registry.person").count() == 1


def test_api_lists_creates_and_patches_with_masking(
    personas: dict[str, User], regions: dict[str, str], client: Client
) -> None:
    client.force_login(personas["county_staff"])
    number = make_id_number()
    created = client.post("/api/v1/persons", {"name": "接口", "id_number": number,
                                              "region_code": regions["village_a"],
                                              "category": 2, "grade": 4},
                          content_type="application/json")
    assert created.status_code == 201
    body = created.json()
    assert body["id_number_masked"].startswith(number[:6]) and number not in str(body)
    bad = client.patch(f"/api/v1/persons/{body['id']}", {"grade": 7},
                       content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "grade"
    ok = client.patch(f"/api/v1/persons/{body['id']}", {"address": "新地址"},
                      content_type="application/json")
    assert ok.status_code == 200 and ok.json()["address"] == "新地址"
    listing = client.get("/api/v1/persons", {"q": "jk"}).json()
    assert listing["count"] == 1 and listing["items"][0]["name"] == "接口"


def test_ethnicity_education_and_employment_are_edited_on_the_form_and_by_the_api(
    personas: dict[str, User], regions: dict[str, str], client: Client
) -> None:
    person = make_person(region_code=regions["village_a"], name="编辑人")
    client.force_login(personas["county_staff"])
    data = {k: ("" if v is None else v) for k, v in person_initial(person).items()}
    data.pop("components")
    data.update(ethnicity="仡佬族", education="初中", employment_status="灵活就业")
    page = client.get(reverse("registry:person_edit", args=[person.pk]))
    assert {"ethnicity", "education", "employment_status"} <= set(page.context["form"].fields)
    response = client.post(reverse("registry:person_edit", args=[person.pk]), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.ethnicity, person.education, person.employment_status) == (
        "仡佬族", "初中", "灵活就业")

    bad = client.patch(f"/api/v1/persons/{person.pk}", {"education": "幼儿园"},
                       content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "education"
    ok = client.patch(f"/api/v1/persons/{person.pk}", {"employment_status": "未就业"},
                      content_type="application/json")
    assert ok.status_code == 200
    assert (ok.json()["employment_status"], ok.json()["ethnicity"]) == ("未就业", "仡佬族")
    detail = client.get(reverse("registry:person_detail", args=[person.pk]))
    [latest] = detail.context["history"][:1]
    assert latest["changes"] == [{"field": "就业状况", "old": "灵活就业", "new": "未就业"}]


def test_result_pages_follow_the_list_order_without_gaps_or_repeats(
    personas: dict[str, User], regions: dict[str, str]
) -> None:
    for i, village in enumerate([regions["village_a2"], regions["village_a"]] * 4):
        make_person(region_code=village, name=f"张{'一二三四五六七八'[i]}", category=4, grade=3)
    results = persons_for(actor=personas["township_staff"], filters=PersonFilter(q="z"))
    whole = [p.pk for p in results.iterator(chunk_size=100)]
    assert len(whole) == 8
    assert [p.pk for p in results[0:3]] + [p.pk for p in results[3:8]] == whole
    assert [p.region.name for p in results[0:2]] == [results.first().region.name] * 2
