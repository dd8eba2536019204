"""Demo appraisals for 桐梓县 (520322), for `manage.py seed_demo --persons N`.

Runs after the organisations' demo (the village associations and their 专职委员, with the demo
accounts liaison1 and liaison2 linked to theirs) and the cases' demo (visits and cases of this
year): INSTALLED_APPS lists appraisals last, and seed_demo calls the apps in that order.

- the scheme (rules.DEFAULT_RULES) from the quarter before the last finished one;
- that quarter computed, scored by the townships, finalised; liaison2 appealed and the county
  upheld it with an adjusted score;
- the last finished quarter computed and scored by every township except 楚米镇, so chumi has
  scores to enter and county staff a quarter to finalise.

Everything goes through the services, as the people would do it (audited under their names).
Deterministic (fixed seed); nothing happens when the county already has a scheme.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from canlian.appraisals import services
from canlian.appraisals.models import AppraisalQuarter, AppraisalResult, AppraisalScheme
from canlian.appraisals.rules import DEFAULT_RULES, Quarter
from canlian.cases.models import Visit
from canlian.core.models import Region, User
from canlian.core.roles import Role

COUNTY_CODE = "520322000000"
LATE_TOWNSHIP = "520322101"  # 楚米镇: its scores of the last quarter are still to be entered
DEDUCTIONS = (0, 0, 0, Decimal("0.5"), 1, 1, Decimal("1.5"), 2, 3, 4)


def seed_demo(*, persons: int, stdout: TextIO) -> None:
    county = Region.objects.filter(code=COUNTY_CODE).first()
    if county is None or persons <= 0:
        return
    staff = User.objects.filter(role=Role.COUNTY_STAFF, region=county,
                                is_active=True).order_by("pk").first()
    if staff is None:
        return
    # 不相容岗位分离: `staff` enters the scores of townships without their own account, so
    # another county staff account finalises (the demo's county2).
    finalizer = User.objects.filter(role=Role.COUNTY_STAFF, region=county,
                                    is_active=True).exclude(pk=staff.pk).order_by("pk").first()
    if AppraisalScheme.objects.filter(county=county).exists():
        stdout.write("演示专职委员考核：已存在，不再生成\n")
        return
    if not Visit.objects.filter(region__code__startswith=county.prefix).exists():
        stdout.write("演示专职委员考核：没有走访数据（走访与诉求演示数据未生成），跳过\n")
        return
    last = Quarter.last_finished(timezone.localdate())
    with transaction.atomic():
        services.scheme_save(actor=staff, starts=last.previous(), rules=DEFAULT_RULES,
                             note="演示方案：指标 80 分，乡镇人工评分 20 分")
        rng = random.Random(2026)
        earlier = services.quarter_compute(actor=staff, period=last.previous())
        _score(earlier, staff, rng)
        if finalizer is not None:
            earlier = services.quarter_finalize(actor=finalizer, quarter=earlier)
        appealed = _appeal(earlier, staff) if earlier.is_finalized else False
        latest = services.quarter_compute(actor=staff, period=last)
        _score(latest, staff, rng, skip=LATE_TOWNSHIP)
    earlier.refresh_from_db()
    latest.refresh_from_db()
    stdout.write(f"演示专职委员考核：{earlier.period.label}{earlier.get_status_display()}"
                 f"（{earlier.officer_count} 人，"
                 f"补贴 {earlier.total_amount} 元{'，申诉 1 件' if appealed else ''}）；"
                 f"{latest.period.label}待定稿（楚米镇待录入人工评分）\n")


def _scorers() -> dict[str, User]:
    """Township staff by township prefix: they score their own officers."""
    return {u.region_id[:9]: u for u in User.objects.filter(
        role=Role.TOWNSHIP_STAFF, is_active=True, region__code__startswith=COUNTY_CODE[:6])}


def _score(quarter: AppraisalQuarter, staff: User, rng: random.Random, skip: str = "") -> None:
    items = quarter.frozen_rules.manual_items
    scorers = _scorers()
    for result in quarter.results.order_by("region_id", "pk"):
        if skip and result.region_id.startswith(skip):
            continue
        scores = {item.name: str(max(Decimal(0), item.max_score - rng.choice(DEDUCTIONS)))
                  for item in items}
        services.manual_scores_save(actor=scorers.get(result.region_id[:9], staff),
                                    result=result, scores=scores)


def _appeal(quarter: AppraisalQuarter, staff: User) -> bool:
    result = AppraisalResult.objects.filter(quarter=quarter, user__username="liaison2").first()
    if result is None:
        return False
    appeal = services.appeal_file(actor=result.user, result=result,  # type: ignore[arg-type]
                                  reason="本季度有 3 次入户走访因网络原因补录在下一季度，"
                                         "请按走访台账核实。")
    adjusted = min(Decimal(100), result.score + 5)
    if adjusted == result.score:
        services.appeal_decide(actor=staff, appeal=appeal, upheld=False,
                               reason="已为满分，无需调整。")
    else:
        services.appeal_decide(actor=staff, appeal=appeal, upheld=True,
                               reason="经核对纸质走访台账，补计走访，得分调整。",
                               adjusted_score=adjusted)
    return True
