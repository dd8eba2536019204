"""Jurisdiction-matrix samples for the benefits pages (merged into matrix_samples.SAMPLES)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from canlian.benefits.models import (
    Overpayment,
    PayrollBatch,
    PayrollLine,
    Policy,
)
from canlian.benefits.months import add_months
from canlian.benefits.tests.helpers import enrol, make_policy
from canlian.benefits.tests.matrix_samples import _run
from canlian.core.models import User
from canlian.registry.tests.matrix_samples import _person

Kwargs = dict[str, Any]
OTHER_COUNTY = "610921000000"


def _policy(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    policy = Policy.objects.filter(code="test_care").first() or make_policy()
    return {"code": policy.code}, None


def _gaps(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = _run(actor, p)
    return {**inside, "kind": "to_enrol"}, {**outside, "kind": "to_enrol"}  # type: ignore[dict-item]


def _enrolment(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.registry.models import Person

    policy = Policy.objects.filter(code="test_care").first() or make_policy()
    inside, outside = _person(actor, p)
    people = Person.objects.in_bulk([inside["person_id"], outside["person_id"]])
    staff = p["county_staff"]
    return ({"enrolment_id": enrol(people[inside["person_id"]], policy, date(2026, 1, 1),
                                   staff).pk},
            {"enrolment_id": enrol(people[outside["person_id"]], policy, date(2026, 1, 1),
                                   staff).pk})


def _batch(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    policy = Policy.objects.filter(code="test_care").first() or make_policy()
    batches = []
    for region, generator in ((p["county_staff"].region_id, p["county_staff"]),
                              (OTHER_COUNTY, p["other_county_admin"])):
        # Each call needs a period of its own (one batch per policy, area and period).
        period = add_months(date(2020, 1, 1), PayrollBatch.objects.count())
        batches.append(PayrollBatch.objects.create(
            policy=policy, region_id=region, period_start=period, period_end=period,
            rule_version=1, generated_by=generator))
    return {"batch_id": batches[0].pk}, {"batch_id": batches[1].pk}


def _line(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    from canlian.registry.models import Person

    inside_batch, outside_batch = _batch(actor, p)
    inside, outside = _person(actor, p)
    people = Person.objects.in_bulk([inside["person_id"], outside["person_id"]])
    result = []
    for kwargs, person_id in ((inside_batch, inside["person_id"]),
                              (outside_batch, outside["person_id"])):
        batch = PayrollBatch.objects.get(pk=kwargs["batch_id"])
        person = people[person_id]
        line = PayrollLine.objects.create(
            batch=batch, person=person, policy=batch.policy, region_id=person.region_id,
            period=batch.period_start, name=person.name, amount=Decimal("100.00"),
            rule_version=1, facts={}, status="failed", failure_reason="测试")
        result.append({"batch_id": batch.pk, "line_id": line.pk})
    return result[0], result[1]


def _overpayment(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    inside, outside = _line(actor, p)
    ids = []
    for kwargs in (inside, outside):
        line = PayrollLine.objects.get(pk=kwargs["line_id"])
        ids.append(Overpayment.objects.create(line=line, person=line.person,
                                              region_id=line.region_id, amount=line.amount,
                                              reason="测试", created_by=p["county_staff"]).pk)
    return {"overpayment_id": ids[0]}, {"overpayment_id": ids[1]}


def _notice_file(actor: User, p: dict[str, User]) -> tuple[Kwargs, Kwargs | None]:
    return {"fmt": "xlsx"}, None  # the list is the viewer's own area: there is no "outside"


SAMPLES = {
    "benefits:policy_detail": _policy,
    "benefits:policy_rule_edit": _policy,
    "benefits:run_detail": _run,
    "benefits:gap_list": _gaps,
    "benefits:gap_export": _gaps,
    "benefits:enrolment_detail": _enrolment,
    "benefits:enrolment_create": _person,
    "benefits:person_benefits": _person,
    "benefits:batch_detail": _batch,
    "benefits:batch_approve": _batch,
    "benefits:batch_set_aside": _batch,
    "benefits:batch_bank_file": _batch,
    "benefits:line_reissue": _line,
    "benefits:overpayment_settle": _overpayment,
    "benefits:notice_export": _notice_file,
}
