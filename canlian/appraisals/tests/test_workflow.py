"""The quarterly workflow through the services: scheme versions, compute and recompute, manual
scores, finalisation, appeals and their outcome — each refusal a Chinese message naming the
field, each step audited."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from canlian.appraisals import services
from canlian.appraisals.models import AppealStatus, AppraisalResult, QuarterStatus
from canlian.appraisals.rules import DEFAULT_RULES, ManualItem, Quarter, Tier
from canlian.appraisals.tests import helpers as h
from canlian.core.errors import DomainError
from canlian.core.models import AuditEvent, User

pytestmark = pytest.mark.django_db
MANUAL = {"政策宣传与需求收集": "10", "工作纪律与台账资料": "10"}


@pytest.fixture
def county(personas: dict[str, User], regions: dict[str, str]) -> dict[str, User]:
    """One scheme; liaison_a a post holder of village A with one person, visited in Q1
    (KPIs 30 + 20 + 15 (no case due) + 0 (no registry update) = 65); liaison_b the post holder
    of village B with an account (nobody due, no case: 65 as well)."""
    staff, liaison = personas["county_staff"], personas["village_liaison"]
    h.scheme(staff)
    h.officer(regions["village_a"], liaison.name, user=liaison)
    h.visit(h.person(regions["village_a"]), liaison, date(2026, 2, 1))
    h.officer(regions["village_b"], personas["liaison_b"].name, user=personas["liaison_b"])
    return personas


def _mine(liaison: User) -> AppraisalResult:
    return AppraisalResult.objects.get(user=liaison)


def _finalized(p: dict[str, User]) -> AppraisalResult:
    """Both officers get full manual scores (85 → 良好, 351 yuan each), then it is finalised."""
    quarter = h.compute(p["county_staff"])
    for result in quarter.results.all():
        services.manual_scores_save(actor=p["county_staff"], result=result, scores=MANUAL)
    with h.on(date(2026, 4, 13)):  # a Monday; not the scorer (不相容岗位分离)
        services.quarter_finalize(actor=p["county_staff_2"], quarter=quarter)
    return _mine(p["village_liaison"])


# ------------------------------------------------------------------ scheme


def test_scheme_points_must_total_100_and_the_message_names_the_field(
        personas: dict[str, User]) -> None:
    rules = replace(DEFAULT_RULES, manual_items=(ManualItem("政策宣传", 10),))
    with pytest.raises(DomainError) as refused:
        h.scheme(personas["county_staff"], rules)
    assert refused.value.field == "weight_visit_coverage"
    assert "合计须为 100 分，现为 90 分" in refused.value.message


def test_scheme_tiers_must_descend_and_end_at_zero(personas: dict[str, User]) -> None:
    rules = replace(DEFAULT_RULES, tiers=(Tier(Decimal(90), "优秀", 100),
                                          Tier(Decimal(60), "合格", 70)))
    with pytest.raises(DomainError) as refused:
        h.scheme(personas["county_staff"], rules)
    assert refused.value.field == "tier_2_min" and "最低分须为 0" in refused.value.message


def test_only_county_staff_set_the_scheme(personas: dict[str, User]) -> None:
    for role in ("township_staff", "leader", "village_liaison", "county_admin"):
        with pytest.raises(DomainError):
            h.scheme(personas[role])


def test_a_new_scheme_cannot_start_in_a_finalized_quarter(county: dict[str, User]) -> None:
    _finalized(county)
    with pytest.raises(DomainError) as refused:
        h.scheme(county["county_staff"], starts=Quarter(2026, 1))
    assert refused.value.field == "effective_from"
    h.scheme(county["county_staff"], starts=Quarter(2026, 2))  # the next quarter is fine


# ------------------------------------------------------------------ compute


def test_a_quarter_is_computed_only_once_it_has_ended(county: dict[str, User]) -> None:
    with pytest.raises(DomainError) as refused:
        h.compute(county["county_staff"], today=date(2026, 3, 31))
    assert refused.value.code == "not_ended" and "尚未结束" in refused.value.message


def test_computing_needs_a_scheme_in_force(personas: dict[str, User]) -> None:
    with pytest.raises(DomainError) as refused:
        h.compute(personas["county_staff"], period=Quarter(2025, 4))
    assert refused.value.code == "no_scheme"


def test_recomputing_a_draft_refreshes_kpis_and_keeps_ids_and_manual_scores(
        county: dict[str, User], regions: dict[str, str]) -> None:
    staff, liaison = county["county_staff"], county["village_liaison"]
    h.compute(staff)
    first = _mine(liaison)
    services.manual_scores_save(actor=county["township_staff"], result=first, scores=MANUAL)
    assert (first.persons_due, first.persons_visited) == (1, 1)
    h.person(regions["village_a"], name="新发现")  # a record entered late, backdated
    quarter = h.compute(staff)
    again = _mine(liaison)
    assert again.pk == first.pk
    assert again.manual_scores == {"政策宣传与需求收集": "10.00", "工作纪律与台账资料": "10.00"}
    assert (again.persons_due, again.persons_visited) == (2, 1)
    # 15 + 10 + 15 + 0 + 20 manual = 60 → 合格, 70 % of 390; liaison_b 65 → 合格 as well.
    assert again.points["visit_coverage"] == "15.00" and again.score == Decimal("60.00")
    assert quarter.total_amount == Decimal("546.00")
    assert AuditEvent.objects.filter(object_type="appraisals.appraisalquarter",
                                     summary__startswith="重新计算").count() == 1


def test_recomputing_a_draft_uses_the_scheme_saved_since(county: dict[str, User]) -> None:
    staff = county["county_staff"]
    h.compute(staff)
    h.scheme(staff, replace(DEFAULT_RULES, quarterly_amount=Decimal("500.00")))
    quarter = h.compute(staff)
    assert quarter.frozen_rules.quarterly_amount == Decimal("500.00")


def test_finalized_quarter_is_frozen_against_recompute_scores_and_scheme_changes(
        county: dict[str, User]) -> None:
    staff = county["county_staff"]
    result = _finalized(county)
    with pytest.raises(DomainError) as refused:
        h.compute(staff)
    assert refused.value.code == "finalized"
    with pytest.raises(DomainError):
        services.manual_scores_save(actor=county["township_staff"], result=result,
                                    scores=MANUAL)
    h.scheme(staff, replace(DEFAULT_RULES, quarterly_amount=Decimal("999.00")),
             starts=Quarter(2026, 2))
    result.refresh_from_db()
    assert result.quarter.frozen_rules.quarterly_amount == Decimal("390.00")
    assert result.amount == Decimal("351.00")


def test_finalizing_waits_for_every_manual_score(county: dict[str, User]) -> None:
    quarter = h.compute(county["county_staff"])
    with pytest.raises(DomainError) as refused:
        services.quarter_finalize(actor=county["county_staff"], quarter=quarter)
    assert "尚有 2 名专职委员未录入人工评分" in refused.value.message
    quarter.refresh_from_db()
    assert quarter.status == QuarterStatus.DRAFT


# ------------------------------------------------------------------ manual scores


@pytest.mark.parametrize(("value", "message"), [
    ("", "请填写“工作纪律与台账资料”的得分。"),
    ("11", "须在 0 到 10 分之间"),
    ("8.555", "最多保留两位小数"),
    ("八分", "须为数字"),
])
def test_manual_scores_are_checked_and_the_message_names_the_item(
        county: dict[str, User], value: str, message: str) -> None:
    h.compute(county["county_staff"])
    with pytest.raises(DomainError) as refused:
        services.manual_scores_save(
            actor=county["township_staff"], result=_mine(county["village_liaison"]),
            scores={"政策宣传与需求收集": "5", "工作纪律与台账资料": value})
    assert message in refused.value.message and refused.value.field == "item_2"


def test_township_staff_score_only_their_own_officers(county: dict[str, User],
                                                      make_user: object) -> None:
    h.compute(county["county_staff"])
    songkan = make_user("township_staff", "520322103000", username="songkan")  # type: ignore[operator]
    with pytest.raises(DomainError) as refused:
        services.manual_scores_save(actor=songkan, result=_mine(county["village_liaison"]),
                                    scores=MANUAL)
    assert refused.value.code == "forbidden"


# ------------------------------------------------------------------ appeals


def test_officer_appeals_own_finalized_result_once_within_the_working_days(
        county: dict[str, User]) -> None:
    liaison = county["village_liaison"]
    result = _finalized(county)
    with pytest.raises(DomainError):
        services.appeal_file(actor=county["liaison_b"], result=result, reason="不是我的")
    # Finalised Monday 2026-04-13; 10 working days later is Monday 4/27.
    with pytest.raises(DomainError) as late:
        services.appeal_file(actor=liaison, result=result, reason="漏算走访",
                             today=date(2026, 4, 28))
    assert "2026年04月27日前" in late.value.message
    appeal = services.appeal_file(actor=liaison, result=result, reason="漏算走访",
                                  today=date(2026, 4, 27))
    assert appeal.status == AppealStatus.OPEN
    with pytest.raises(DomainError) as again:
        services.appeal_file(actor=liaison, result=result, reason="再申诉",
                             today=date(2026, 4, 27))
    assert again.value.code == "already"


def test_no_appeal_before_the_quarter_is_finalized(county: dict[str, User]) -> None:
    h.compute(county["county_staff"])
    with pytest.raises(DomainError) as refused:
        services.appeal_file(actor=county["village_liaison"],
                             result=_mine(county["village_liaison"]), reason="有异议")
    assert refused.value.code == "not_finalized"


def test_upheld_appeal_adjusts_score_tier_amount_and_total_with_an_audit_row(
        county: dict[str, User]) -> None:
    result = _finalized(county)
    assert (result.score, result.amount) == (Decimal("85.00"), Decimal("351.00"))
    appeal = services.appeal_file(actor=county["village_liaison"], result=result,
                                  reason="不服", today=date(2026, 4, 14))
    with pytest.raises(DomainError) as refused:
        services.appeal_decide(actor=county["county_staff"], appeal=appeal, upheld=True,
                               reason="核实", adjusted_score="")
    assert refused.value.field == "adjusted_score"
    decided = services.appeal_decide(actor=county["county_staff"], appeal=appeal, upheld=True,
                                     reason="核实后走访记录有误，调整得分", adjusted_score="95")
    result.refresh_from_db()
    assert (decided.status, decided.score_before, decided.score_after) == (
        AppealStatus.UPHELD, Decimal("85.00"), Decimal("95.00"))
    assert (result.score, result.tier_label, result.amount, result.is_adjusted) == (
        Decimal("95.00"), "优秀", Decimal("390.00"), True)
    assert result.computed_score == Decimal("85.00")
    assert result.quarter.total_amount == Decimal("741.00")  # 390 + liaison_b's 351
    event = AuditEvent.objects.get(object_type="appraisals.appraisalappeal",
                                   summary__contains="申诉成立")
    assert event.changes["score"] == ["85.00", "95.00"]
    with pytest.raises(DomainError) as twice:
        services.appeal_decide(actor=county["county_staff"], appeal=appeal, upheld=False,
                               reason="再次处理")
    assert twice.value.code == "decided"


def test_rejected_appeal_keeps_the_result_and_needs_a_reason(county: dict[str, User]) -> None:
    result = _finalized(county)
    appeal = services.appeal_file(actor=county["village_liaison"], result=result,
                                  reason="不服", today=date(2026, 4, 14))
    for role in ("township_staff", "leader"):
        with pytest.raises(DomainError):
            services.appeal_decide(actor=county[role], appeal=appeal, upheld=False, reason="x")
    with pytest.raises(DomainError) as refused:
        services.appeal_decide(actor=county["county_staff"], appeal=appeal, upheld=False,
                               reason=" ")
    assert refused.value.field == "decision_reason"
    decided = services.appeal_decide(actor=county["county_staff"], appeal=appeal,
                                     upheld=False, reason="经核实，走访记录完整无误")
    result.refresh_from_db()
    assert decided.status == AppealStatus.REJECTED and result.score == Decimal("85.00")
    assert not result.is_adjusted
