"""Who is a disabled person (残疾人) and who is a household member (户内成员), issue 16 §6.

DESIGN.md "Data": a disabled person has a disability category or a certificate; household
members without one are registered for the household's sake and are never counted as 残疾人.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from canlian.core.models import TaskRun, User
from canlian.registry.models import CertificateStatus, Person
from canlian.registry.selectors import hardships_of
from canlian.registry.tests.factories import make_family, make_person


def test_disabled_person_has_a_category_or_a_certificate(regions: dict[str, str]) -> None:
    village = regions["village_a"]
    head = make_person(region_code=village, name="户主", category=4, grade=2)
    household = head.household
    make_person(region_code=village, name="配偶", household=household, head=False)
    make_person(region_code=village, name="子女", household=household, head=False,
                birth=date(2010, 1, 1))
    # A certificate on record (here cancelled) without a category still makes a 残疾人.
    holder = make_person(region_code=village, name="持证")
    Person.objects.filter(pk=holder.pk).update(certificate_status=CertificateStatus.CANCELLED)

    assert set(Person.objects.disabled().values_list("name", flat=True)) == {"户主", "持证"}
    assert set(Person.objects.household_members_only().values_list("name", flat=True)) == {
        "配偶", "子女"}
    # The row-level property agrees with the set-based condition for every row.
    for person in Person.objects.all():
        assert person.is_disabled == Person.objects.disabled().filter(pk=person.pk).exists()


def test_registry_list_counts_disabled_persons_and_includes_members_on_request(
    personas: dict[str, User], regions: dict[str, str], client: Client,
    django_assert_max_num_queries: Any,
) -> None:
    make_family(region_code=regions["village_a"])
    client.force_login(personas["county_staff"])
    plain = client.get(reverse("registry:person_list"))
    assert plain.context["page"].paginator.count == 1
    assert "残疾人名单（共 1 人" in plain.content.decode()
    with django_assert_max_num_queries(11):
        both = client.get(reverse("registry:person_list"), {"members": "on"})
    assert both.context["page"].paginator.count == 3
    html = both.content.decode()
    assert "残疾人及户内成员名单（共 3 人" in html and "户内成员（无残疾）" in html
    # The API says the same, with the same switch.
    assert client.get("/api/v1/persons").json()["count"] == 1
    assert client.get("/api/v1/persons", {"members": "true"}).json()["count"] == 3


def test_registry_export_holds_the_population_its_title_names(
    personas: dict[str, User], regions: dict[str, str], client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_family(region_code=regions["village_a"])
    client.force_login(personas["county_staff"])
    for data, title, count in (({}, "残疾人名单", 1), ({"members": "on"}, "残疾人及户内成员名单", 3)):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("registry:person_export"), data)
        run = TaskRun.objects.order_by("-created_at").first()
        rows = CalamineWorkbook.from_path(run.result_file).get_sheet_by_index(0).to_python()
        assert rows[0][0].startswith(title)
        assert len([r for r in rows[3:] if r[0]]) == count


def test_hardship_types_count_disabled_persons_not_household_members(
    regions: dict[str, str],
) -> None:
    # Two members without a disability do not make a 一户多残 household; the working-age
    # spouse means the household is not 老残一体.
    head, _ = make_family(region_code=regions["village_a"])
    assert hardships_of(head) == ["重残"]


def test_person_page_says_when_someone_is_a_household_member_not_a_disabled_person(
    personas: dict[str, User], regions: dict[str, str], client: Client,
) -> None:
    head, (spouse, _) = make_family(region_code=regions["village_a"])
    client.force_login(personas["county_staff"])
    member_page = client.get(reverse("registry:person_detail", args=[spouse.pk])).content.decode()
    assert "户内成员（无残疾，不计入残疾人）" in member_page
    head_page = client.get(reverse("registry:person_detail", args=[head.pk])).content.decode()
    assert "不计入残疾人" not in head_page and head_page.count("无（户内成员）") == 2


def test_a_search_finding_only_a_household_member_says_so_and_links_to_them(
    personas: dict[str, User], regions: dict[str, str], client: Client,
) -> None:
    _, (spouse, _) = make_family(region_code=regions["village_a"])
    client.force_login(personas["county_staff"])
    # An ID search posts and lands on a tokenised URL (the number stays out of URLs).
    empty = client.post(reverse("registry:person_list"), {"q": spouse.id_number}, follow=True)
    html = empty.content.decode()
    assert empty.context["page"].paginator.count == 0
    assert "没有符合条件的残疾人。另有 1 名户内成员（无残疾）符合条件" in html
    link = re.search(r'href="([^"]*members=on)"', html)
    assert link is not None and spouse.id_number not in link.group(1)
    found = client.get(link.group(1).replace("&amp;", "&"))
    assert [p.pk for p in found.context["page"]] == [spouse.pk]
