"""Jurisdiction-matrix samples for the benefits API (see
canlian/tests/test_jurisdiction_matrix.py): what "inside" and "outside" mean per persona.

Inside is the persona's own village (or village A for county and township roles); outside is
汉阴县 (another county), whose rows no persona of 桐梓县 may see.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from canlian.core.models import User

Kwargs = dict[str, Any]
OTHER_VILLAGE = "610921100000"
OTHER_COUNTY = "610921000000"


def _village(actor: User, p: dict[str, User]) -> str:
    return actor.region_id if actor.region.level == "village" else p["village_liaison"].region_id


def _catalog() -> Any:
    from canlian.benefits.tests.helpers import load_catalog

    return load_catalog()


def _other_county_policy() -> Any:
    from canlian.benefits.models import Policy, PolicyRuleVersion, Rate

    policy, created = Policy.objects.get_or_create(
        code="hy_living", defaults={"name": "汉阴县生活补助", "level": "county",
                                    "category": "living", "region_id": OTHER_COUNTY})
    if created:
        PolicyRuleVersion.objects.create(policy=policy, number=1, text="enrolable")
        Rate.objects.create(policy=policy, label="标准", amount=50,
                            effective_from=date(2024, 1, 1))
    return policy


def _policy(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    _catalog()
    _other_county_policy()
    return {"code": "care_subsidy"}, {"code": "hy_living"}


def _run(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.benefits.models import EligibilityRun

    inside = EligibilityRun.objects.create(month=date(2026, 3, 1), started_by=p["county_staff"],
                                           region_id=p["county_staff"].region_id)
    outside = EligibilityRun.objects.create(month=date(2026, 3, 1),
                                            started_by=p["other_county_admin"],
                                            region_id=OTHER_COUNTY)
    return {"run_id": inside.pk}, {"run_id": outside.pk}


def _pending(person: Any, policy: Any, applicant: User, step: str = "township") -> Any:
    from canlian.benefits.models import Enrolment

    return Enrolment.objects.create(person=person, policy=policy, region_id=person.region_id,
                                    applied_month=date(2026, 1, 1), next_step=step,
                                    applied_by=applicant)


def _enrolment(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.benefits.tests.helpers import holder

    care = _catalog()["care_subsidy"]
    # Waiting at the step the actor's role decides, recorded by someone else (不相容岗位分离).
    step = "county" if actor.role == "county_staff" else "township"
    inside = _pending(holder(_village(actor, p), grade=1, care=True), care, p["liaison_b"], step)
    outside = _pending(holder(OTHER_VILLAGE, grade=1, care=True), _other_county_policy(),
                       p["other_county_admin"])
    return {"enrolment_id": inside.pk}, {"enrolment_id": outside.pk}


def _review(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    body = {"approve": True, "note": "材料齐全", "version": 0}
    inside, outside = _enrolment(actor, p)
    return {**inside, "_body": body}, {**outside, "_body": body}  # type: ignore[dict-item]


def _apply(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.benefits.months import this_month
    from canlian.benefits.tests.helpers import holder

    _catalog()
    month = f"{this_month():%Y-%m}"
    inside = holder(_village(actor, p), grade=1, care=True)
    outside = holder(OTHER_VILLAGE, grade=1, care=True)
    return ({"_body": {"person_id": inside.pk, "policy": "care_subsidy",
                       "applied_month": month}},
            {"_body": {"person_id": outside.pk, "policy": "care_subsidy",
                       "applied_month": month}})


def _batch(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.benefits.models import PayrollBatch

    care = _catalog()["care_subsidy"]
    inside = PayrollBatch.objects.create(policy=care, region_id=p["county_staff"].region_id,
                                         period_start=date(2026, 3, 1),
                                         period_end=date(2026, 3, 1), rule_version=1,
                                         generated_by=p["county_staff"])
    outside = PayrollBatch.objects.create(policy=_other_county_policy(), region_id=OTHER_COUNTY,
                                          period_start=date(2026, 3, 1),
                                          period_end=date(2026, 3, 1), rule_version=1,
                                          generated_by=p["other_county_admin"])
    return {"batch_id": inside.pk}, {"batch_id": outside.pk}


def _once(sample: Any) -> Any:
    """Batches are unique per policy, region and period: reuse the rows already made."""
    def make(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
        from canlian.benefits.models import PayrollBatch

        existing = list(PayrollBatch.objects.filter(period_start=date(2026, 3, 1),
                                                    policy__code__in=["care_subsidy",
                                                                      "hy_living"])
                        .order_by("policy__code").values_list("pk", flat=True))
        if len(existing) == 2:
            return {"batch_id": existing[0]}, {"batch_id": existing[1]}
        return sample(actor, p)  # type: ignore[no-any-return]

    return make


SAMPLES = {
    "api:benefit_policy_detail": _policy,
    "api:eligibility_gaps": _run,
    "api:enrolment_detail": _enrolment,
    "api:enrolment_review": _review,
    "api:enrolment_apply": _apply,
    "api:payroll_batch_detail": _once(_batch),
    "api:payroll_lines": _once(_batch),
}
