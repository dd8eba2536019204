"""The cross-check JSON API (issue #8): the same scope, roles, masking and services as the
pages — outside the jurisdiction is 404, a role that may not act is 403, a finding already
decided is 409, a dismissal without a reason is 422."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from canlian.core.idnumbers import mask_id_number
from canlian.core.models import AuditEvent, User
from canlian.crosscheck.models import (
    CandidateStatus,
    Dataset,
    Finding,
    FindingKind,
    FindingStatus,
    MatchCandidate,
)
from canlian.crosscheck.tests.helpers import import_list, mistype
from canlian.registry.models import Person
from canlian.registry.tests.factories import make_person

pytestmark = pytest.mark.django_db
JSON = "application/json"


def _deaths(staff: User, village: str, n: int, prefix: str = "甲") -> list[Person]:
    people = [make_person(region_code=village, name=f"{prefix}{i}") for i in range(n)]
    import_list(staff, "deaths", [[p.name, p.id_number, "2026-01-15", "县医院"] for p in people])
    return people


def _finding_of(person: Person) -> Finding:
    return Finding.objects.get(person=person, kind=FindingKind.DECEASED_ALIVE)


def test_township_staff_list_and_open_only_their_townships_findings(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    staff = personas["county_staff"]
    in_a = _deaths(staff, regions["village_a"], 2, "甲")
    in_b = _deaths(staff, regions["village_b"], 1, "乙")
    county = login(staff).get("/api/v1/crosscheck/findings").json()
    assert county["count"] == 3
    township = login(personas["township_staff"])  # 楚米镇: village A, not B (松坎镇)
    listed = township.get("/api/v1/crosscheck/findings").json()
    assert listed["count"] == 2
    assert {f["person_id"] for f in listed["items"]} == {p.pk for p in in_a}
    # Asking for another township's findings finds nothing rather than leaking them.
    other = township.get("/api/v1/crosscheck/findings",
                         {"township": regions["township_b"]}).json()
    assert other == {"items": [], "count": 0}
    detail = township.get(f"/api/v1/crosscheck/findings/{_finding_of(in_a[0]).pk}")
    assert detail.status_code == 200 and detail.json()["kind"] == "deceased_alive"
    assert detail.json()["evidence"][0].startswith("数据：死亡人员（县民政局）")
    hidden = township.get(f"/api/v1/crosscheck/findings/{_finding_of(in_b[0]).pk}")
    assert hidden.status_code == 404


def test_findings_filter_by_kind_status_dataset_and_township(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    staff = personas["county_staff"]
    _deaths(staff, regions["village_a"], 2, "甲")
    _deaths(staff, regions["village_b"], 1, "乙")
    first = Finding.objects.filter(region_code=regions["village_a"]).order_by("pk").first()
    assert first is not None
    first.status = FindingStatus.DISMISSED
    first.save(update_fields=["status"])
    client = login(staff)
    url = "/api/v1/crosscheck/findings"
    assert client.get(url).json()["count"] == 2  # open ones by default, as the page
    assert client.get(url, {"status": ""}).json()["count"] == 3
    assert client.get(url, {"status": "dismissed"}).json()["items"][0]["id"] == first.pk
    assert client.get(url, {"township": regions["township_b"][:9]}).json()["count"] == 1
    assert client.get(url, {"kind": "moved_out"}).json()["count"] == 0
    dataset = Dataset.objects.order_by("pk").last()
    assert dataset is not None
    assert client.get(url, {"dataset": dataset.pk}).json()["count"] == 1
    assert client.get(url, {"kind": "no_such_kind"}).status_code == 422


def test_finding_list_has_a_fixed_number_of_queries(
        personas: dict[str, User], regions: dict[str, str], login: Callable[[User], Client],
        django_assert_max_num_queries: Any) -> None:
    _deaths(personas["county_staff"], regions["village_a"], 30)
    client = login(personas["county_staff"])
    with django_assert_max_num_queries(8):
        listed = client.get("/api/v1/crosscheck/findings").json()
    assert listed["count"] == 30 and len(listed["items"]) == 30


def test_id_numbers_are_masked_as_on_the_pages(personas: dict[str, User],
                                               regions: dict[str, str],
                                               login: Callable[[User], Client]) -> None:
    staff = personas["county_staff"]
    person = _deaths(staff, regions["village_a"], 1)[0]
    typo = make_person(region_code=regions["village_a"], name="王五")
    import_list(staff, "deaths", [["王五", mistype(typo.id_number, 12), "2026-01-15", ""]])
    client = login(staff)
    for url in ("/api/v1/crosscheck/findings",
                f"/api/v1/crosscheck/findings/{_finding_of(person).pk}"):
        body = client.get(url).content.decode()
        assert person.id_number not in body and mask_id_number(person.id_number) in body
    candidates = client.get("/api/v1/crosscheck/candidates")
    body = candidates.content.decode()
    candidate = candidates.json()["items"][0]
    assert typo.id_number not in body and mistype(typo.id_number, 12) not in body
    assert candidate["person_id_number_masked"] == mask_id_number(typo.id_number)
    assert candidate["list_id_number_masked"] == mask_id_number(mistype(typo.id_number, 12))


def test_confirm_applies_the_change_and_audits(personas: dict[str, User],
                                               regions: dict[str, str],
                                               login: Callable[[User], Client]) -> None:
    staff = personas["county_staff"]
    person = _deaths(staff, regions["village_a"], 1)[0]
    finding = _finding_of(person)
    client = login(staff)
    url = f"/api/v1/crosscheck/findings/{finding.pk}/confirm"
    confirmed = client.post(url, {"note": "已电话核实"}, content_type=JSON)
    assert confirmed.status_code == 200
    out = confirmed.json()
    assert out["status"] == "confirmed" and out["decided_by_name"] == staff.name
    assert out["decision_note"].endswith("已电话核实")
    person.refresh_from_db()
    assert (person.living_status, person.living_status_on) == ("deceased", date(2026, 1, 15))
    assert person.history.first().history_user == staff
    assert AuditEvent.objects.filter(object_type="crosscheck.finding", object_id=str(finding.pk),
                                     summary__startswith="确认比对发现").count() == 1
    assert AuditEvent.objects.filter(object_type="registry.person",
                                     object_id=str(person.pk)).count() == 1
    again = client.post(url, "", content_type=JSON)  # the note is optional: no body at all
    assert again.status_code == 409 and "已处理" in again.json()["detail"]


def test_dismiss_needs_a_reason_and_changes_nothing_else(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    staff = personas["county_staff"]
    person = _deaths(staff, regions["village_a"], 1)[0]
    finding = _finding_of(person)
    client = login(staff)
    url = f"/api/v1/crosscheck/findings/{finding.pk}/dismiss"
    assert client.post(url, {}, content_type=JSON).status_code == 422
    blank = client.post(url, {"reason": "  "}, content_type=JSON)
    assert blank.status_code == 422 and blank.json()["detail"] == "排除须填写理由。"
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.OPEN
    dismissed = client.post(url, {"reason": "民政数据有误，已核实本人健在"}, content_type=JSON)
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    assert Person.objects.get(pk=person.pk).living_status == "alive"
    assert AuditEvent.objects.filter(summary__startswith="排除比对发现").count() == 1


def test_roles_that_may_not_decide_get_403_and_change_nothing(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    person = _deaths(personas["county_staff"], regions["village_a"], 1)[0]
    finding = _finding_of(person)
    for role in ("leader", "township_staff"):  # they read findings, county staff decide
        client = login(personas[role])
        assert client.get(f"/api/v1/crosscheck/findings/{finding.pk}").status_code == 200
        confirm = client.post(f"/api/v1/crosscheck/findings/{finding.pk}/confirm", {},
                              content_type=JSON)
        assert confirm.status_code == 403
    liaison = login(personas["village_liaison"])  # a village's part is the survey only
    assert liaison.get("/api/v1/crosscheck/findings").status_code == 403
    township = login(personas["township_staff"])  # lists are imported for the whole county
    assert township.get("/api/v1/crosscheck/datasets").status_code == 403
    assert Person.objects.get(pk=person.pk).living_status == "alive"
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.OPEN


def test_dataset_history_and_detail_inside_the_county_only(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    _deaths(personas["county_staff"], regions["village_a"], 2)
    ours = Dataset.objects.get()
    theirs = Dataset.objects.create(kind="deaths", source="汉阴县民政局", filename="d.xlsx",
                                    reference_month=date(2026, 3, 1),
                                    region_id=regions["other_county"],
                                    imported_by=personas["other_county_admin"])
    client = login(personas["leader"])
    listed = client.get("/api/v1/crosscheck/datasets").json()
    assert [d["id"] for d in listed["items"]] == [ours.pk] and listed["count"] == 1
    detail = client.get(f"/api/v1/crosscheck/datasets/{ours.pk}").json()
    assert (detail["row_count"], detail["matched_count"]) == (2, 2)
    assert detail["imported_by_name"] == personas["county_staff"].name
    assert detail["findings"] == [{"kind": "deceased_alive", "kind_label": "已死亡但基础库未标记",
                                   "by_status": {"open": 2}}]
    assert client.get(f"/api/v1/crosscheck/datasets/{theirs.pk}").status_code == 404


def test_candidate_accept_matches_the_row_and_reject_closes_it(
        personas: dict[str, User], regions: dict[str, str],
        login: Callable[[User], Client]) -> None:
    staff = personas["county_staff"]
    first = make_person(region_code=regions["village_a"], name="王五")
    second = make_person(region_code=regions["village_b"], name="李四")
    import_list(staff, "deaths", [["王五", mistype(first.id_number, 12), "2026-01-15", ""],
                                  ["李四", mistype(second.id_number, 12), "2026-01-16", ""]])
    mine = MatchCandidate.objects.get(person=first)
    theirs = MatchCandidate.objects.get(person=second)
    township = login(personas["township_staff"])
    assert [c["id"] for c in township.get("/api/v1/crosscheck/candidates").json()["items"]] == [
        mine.pk]
    assert township.post(f"/api/v1/crosscheck/candidates/{mine.pk}/accept").status_code == 403
    client = login(staff)
    accepted = client.post(f"/api/v1/crosscheck/candidates/{mine.pk}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert Finding.objects.filter(person=first, kind=FindingKind.DECEASED_ALIVE).exists()
    assert client.post(f"/api/v1/crosscheck/candidates/{mine.pk}/reject").status_code == 409
    rejected = client.post(f"/api/v1/crosscheck/candidates/{theirs.pk}/reject")
    assert rejected.status_code == 200
    assert MatchCandidate.objects.get(pk=theirs.pk).status == CandidateStatus.REJECTED
    assert not Finding.objects.filter(person=second).exists()
    assert client.get("/api/v1/crosscheck/candidates").json()["count"] == 0


def test_another_countys_candidate_is_404(personas: dict[str, User], regions: dict[str, str],
                                          login: Callable[[User], Client],
                                          make_user: Callable[..., User]) -> None:
    person = make_person(region_code=regions["village_a"], name="王五")
    import_list(personas["county_staff"], "deaths",
                [["王五", mistype(person.id_number, 12), "2026-01-15", ""]])
    candidate = MatchCandidate.objects.get()
    client = login(make_user("county_staff", regions["other_county"], username="hy_staff"))
    assert client.post(f"/api/v1/crosscheck/candidates/{candidate.pk}/accept").status_code == 404
    assert MatchCandidate.objects.get().status == CandidateStatus.OPEN
