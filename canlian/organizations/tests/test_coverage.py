"""Coverage (横到边、纵到底, seed 000; seed 004 二(二)3): every township a federation with a
理事长 and a 专职委员, every village an association with a 主席 and a 专职委员.

Crafted data, hand-computed: 楚米镇 (520322101) has 7 villages in the shipped regions.
- 楚米镇 federation: 理事长 + 专职委员 → complete.
- village A: association, 主席, 专职委员 → complete.
- village A2: association, 主席, no 专职委员 → "缺专职委员".
- third village: association, 专职委员, a 主席 whose term ended yesterday and a successor who
  starts tomorrow → "缺主席".
- fourth village: an association that was dissolved (is_active False), staffed → "未建".
- the other three: nothing → "未建村（社区）残协".
Township officer of 楚米镇: required 1 + 7 = 8, fulfilled 1 + 1 = 2 → 25.0 %.
County: 25 townships + 232 villages = 257 required; plus 松坎镇: federation with a 理事长 only
(缺专职委员) and village B complete → fulfilled 2 + 1 = 3 → 3 / 257 = 1.167 % → 1.2 %.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from canlian.core.models import AuditAction, AuditEvent, Region, TaskRun, User
from canlian.organizations.models import Post, UnitKind
from canlian.organizations.selectors import coverage_for
from canlian.organizations.tests.factories import make_holding, make_member, make_unit


def _staff(unit: Any, region: str, *posts: str, **dates: Any) -> None:
    for post in posts:
        make_holding(unit=unit, member=make_member(region_code=region), post=post, **dates)


@pytest.fixture
def crafted(regions: dict[str, str]) -> list[str]:
    today = timezone.localdate()
    villages = list(Region.objects.filter(code__startswith="520322101", level="village")
                    .order_by("code").values_list("code", flat=True))
    assert len(villages) == 7 and villages[:2] == [regions["village_a"], regions["village_a2"]]
    township = make_unit(region_code=regions["township_a"], kind=UnitKind.TOWNSHIP_FEDERATION)
    _staff(township, regions["township_a"], Post.EXECUTIVE_CHAIR, Post.LIAISON_OFFICER)
    _staff(make_unit(region_code=villages[0]), villages[0], Post.CHAIR, Post.LIAISON_OFFICER)
    _staff(make_unit(region_code=villages[1]), villages[1], Post.CHAIR, Post.COMMITTEE_MEMBER)
    third = make_unit(region_code=villages[2])
    _staff(third, villages[2], Post.LIAISON_OFFICER)
    _staff(third, villages[2], Post.CHAIR, ended_on=today - timedelta(days=1))
    _staff(third, villages[2], Post.CHAIR, started_on=today + timedelta(days=1))
    dissolved = make_unit(region_code=villages[3], is_active=False)
    _staff(dissolved, villages[3], Post.CHAIR, Post.LIAISON_OFFICER)
    songkan = make_unit(region_code=regions["township_b"], kind=UnitKind.TOWNSHIP_FEDERATION)
    _staff(songkan, regions["township_b"], Post.EXECUTIVE_CHAIR)
    _staff(make_unit(region_code=regions["village_b"]), regions["village_b"], Post.CHAIR,
           Post.LIAISON_OFFICER)
    return villages


def test_township_coverage_lists_each_gap_and_the_percentage(
    personas: dict[str, User], crafted: list[str]
) -> None:
    coverage = coverage_for(actor=personas["township_staff"])
    assert [t.name for t in coverage.townships] == ["楚米镇"]
    chumi = coverage.townships[0]
    assert chumi.complete and chumi.missing == []
    missing = {v.code: v.missing for v in chumi.villages}
    assert missing == {
        crafted[0]: [], crafted[1]: ["缺专职委员"], crafted[2]: ["缺主席"],
        crafted[3]: ["未建村（社区）残协"], crafted[4]: ["未建村（社区）残协"],
        crafted[5]: ["未建村（社区）残协"], crafted[6]: ["未建村（社区）残协"],
    }
    assert (chumi.required, chumi.fulfilled, chumi.percent) == (8, 2, Decimal("25.0"))
    assert chumi.villages_with_unit == 3


def test_county_coverage_over_all_townships_in_two_queries(
    personas: dict[str, User], crafted: list[str], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(2):
        coverage = coverage_for(actor=personas["county_staff"])
    assert len(coverage.townships) == 25 and coverage.village_count == 232
    assert (coverage.required, coverage.fulfilled, coverage.percent) == (257, 3,
                                                                         Decimal("1.2"))
    songkan = next(t for t in coverage.townships if t.name == "松坎镇")
    assert songkan.missing == ["缺专职委员"]
    assert next(t for t in coverage.townships if t.name == "新站镇").missing == [
        "未建乡镇（街道）残联"]


def test_village_liaison_sees_their_own_village_only(personas: dict[str, User],
                                                     crafted: list[str]) -> None:
    coverage = coverage_for(actor=personas["village_liaison"])
    assert [v.code for t in coverage.townships for v in t.villages] == [crafted[0]]
    assert (coverage.required, coverage.fulfilled) == (1, 1)


def test_coverage_as_of_an_earlier_date(personas: dict[str, User], crafted: list[str]) -> None:
    """Terms started 2024-01-01; on 2023-12-31 no one held a post, units still existed."""
    coverage = coverage_for(actor=personas["township_staff"], on=date(2023, 12, 31))
    assert coverage.fulfilled == 0
    assert coverage.townships[0].missing == ["缺理事长", "缺专职委员"]


def test_coverage_page_and_export_are_audited(personas: dict[str, User], crafted: list[str],
                                              client: Any,
                                              django_capture_on_commit_callbacks: Any) -> None:
    from python_calamine import CalamineWorkbook

    client.force_login(personas["township_staff"])
    page = client.get(reverse("organizations:coverage")).content.decode()
    assert "25.0" in page and "缺专职委员" in page and "缺主席" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("organizations:coverage_export"), {"on": ""})
    run = TaskRun.objects.get()
    rows = CalamineWorkbook.from_path(run.result_file).get_sheet_by_index(0).to_python()
    assert "导出人：" in rows[1][0]
    assert len(rows) == 3 + 8  # title, watermark, header; the township and its 7 villages
    assert rows[3][6] == "齐全" and {r[6] for r in rows[4:]} >= {"缺专职委员", "缺主席"}
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT,
                                     object_type="organizations.coverage").count() == 1
