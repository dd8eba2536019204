"""Reads for benefits pages and the API, always scoped by the actor's jurisdiction.

Runs and payroll batches belong to the area of whoever started them (a county run covers every
township); a township officer sees the county's runs and batches, but only their own people's
rows inside them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from canlian.benefits.amounts import amount_expression
from canlian.benefits.models import (
    EligibilityGap,
    EligibilityRun,
    Enrolment,
    EnrolmentStatus,
    LineStatus,
    Overpayment,
    PaymentAccount,
    PayrollBatch,
    PayrollLine,
    Policy,
)
from canlian.core.managers import jurisdiction_prefix
from canlian.core.models import User
from canlian.organizations.selectors import LiaisonOfficer, liaison_officers_by_village
from canlian.registry.models import Person


def _prefix(actor: User) -> str:
    prefix = jurisdiction_prefix(actor)
    if prefix is None:
        raise Http404
    return prefix


def _enclosing_codes(code: str) -> list[str]:
    """The region itself and every region above it (province, city, county, township)."""
    return [code[:n].ljust(12, "0") for n in (2, 4, 6, 9, 12)]


def _area_q(actor: User) -> Q:
    """Rows owned by an area that is inside the actor's, or that contains it."""
    return (Q(region__code__startswith=_prefix(actor))
            | Q(region_id__in=_enclosing_codes(actor.region_id)))


def policies_for(actor: User) -> QuerySet[Policy]:
    """The catalog of the actor's area: policies of an area inside theirs or containing it
    (another county's local policies are not theirs to see)."""
    prefix = _prefix(actor)
    enrolled = Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED,
                                             enrolments__region__code__startswith=prefix))
    return (Policy.objects.filter(_area_q(actor)).select_related("region")
            .prefetch_related("rates", "rule_versions")
            .annotate(enrolled=enrolled).order_by("level", "code"))


def policy_get(*, actor: User, code: str) -> Policy:
    policy = (Policy.objects.filter(_area_q(actor)).select_related("region")
              .prefetch_related("rates", "budgets", "rule_versions__created_by")
              .filter(code=code).first())
    if policy is None:
        raise Http404
    return policy


def policy_for_person(*, person: Person, code: str) -> Policy:
    """A policy whose area contains the person's hukou (a resident applying online)."""
    policy = (Policy.objects.filter(region_id__in=_enclosing_codes(person.region_id), code=code)
              .select_related("region").first())
    if policy is None:
        raise Http404
    return policy


def runs_for(actor: User) -> QuerySet[EligibilityRun]:
    return (EligibilityRun.objects.filter(_area_q(actor))
            .select_related("started_by", "region", "task_run").order_by("-started_at"))


def run_get_for(*, actor: User, run_id: int) -> EligibilityRun:
    run = runs_for(actor).filter(pk=run_id).first()
    if run is None:
        raise Http404
    return run


def gaps_for(*, actor: User, run: EligibilityRun, kind: str,
             policy: Policy | None = None) -> QuerySet[EligibilityGap]:
    gaps = (EligibilityGap.objects.filter(run=run, kind=kind)
            .filter(region__code__startswith=_prefix(actor))
            .select_related("person", "region__parent", "policy")
            .order_by("region_id", "person__name_initials", "pk"))
    return gaps.filter(policy=policy) if policy else gaps


def gap_counts_for(*, actor: User, run: EligibilityRun) -> dict[tuple[int, str], int]:
    rows = (EligibilityGap.objects.filter(run=run, region__code__startswith=_prefix(actor))
            .values("policy_id", "kind").annotate(n=Count("pk")).order_by())
    return {(r["policy_id"], r["kind"]): r["n"] for r in rows}


def liaisons_for_villages(codes: set[str]) -> dict[str, list[LiaisonOfficer]]:
    """Who to contact in each village: its 专职委员 of 组织体系 today, the one source of who
    serves a village (issue #16 §12; one query)."""
    return liaison_officers_by_village(region_codes=codes)


def enrolments_for(*, actor: User, status: str = "", policy: str = "", step: str = "",
                   person: Person | None = None) -> QuerySet[Enrolment]:
    enrolments = (Enrolment.objects.visible_to(actor)
                  .select_related("person", "policy", "region").order_by("-created_at", "-pk"))
    if status:
        enrolments = enrolments.filter(status=status)
    if policy:
        enrolments = enrolments.filter(policy__code=policy)
    if step:
        enrolments = enrolments.filter(status=EnrolmentStatus.PENDING, next_step=step)
    if person is not None:
        enrolments = enrolments.filter(person=person)
    return enrolments


def enrolment_get_for(*, actor: User, enrolment_id: int) -> Enrolment:
    enrolment = (Enrolment.objects.visible_to(actor)
                 .select_related("person", "policy", "region", "applied_by")
                 .prefetch_related(Prefetch("steps__actor")).filter(pk=enrolment_id).first())
    if enrolment is None:
        raise Http404
    return enrolment


def notice_for(*, actor: User, month: date) -> QuerySet[Enrolment]:
    """公示: enrolled (审定纳入) in the month, whatever happened to them since; the notice shows
    only the masked name, village, policy and amount (canlian.benefits.notice)."""
    return (Enrolment.objects.visible_to(actor)
            .filter(decided_at__year=month.year, decided_at__month=month.month,
                    status__in=(EnrolmentStatus.ENROLLED, EnrolmentStatus.SUSPENDED,
                                EnrolmentStatus.TERMINATED))
            .select_related("person", "policy", "region__parent")
            .order_by("region_id", "policy__code", "pk"))


def amounts_of(enrolments: list[Enrolment], month: date) -> dict[int, Decimal | None]:
    """Each enrolment's amount in `month`: one query per policy, not per person."""
    by_policy: dict[int, list[Enrolment]] = {}
    for enrolment in enrolments:
        by_policy.setdefault(enrolment.policy_id, []).append(enrolment)
    found: dict[int, Decimal | None] = {}
    for items in by_policy.values():
        policy = Policy.objects.prefetch_related("rates").get(pk=items[0].policy_id)
        amounts = dict(Person.objects.filter(pk__in=[e.person_id for e in items])
                       .annotate(amount=amount_expression(policy, month))
                       .values_list("pk", "amount"))
        found.update({e.pk: amounts.get(e.person_id) for e in items})
    return found


def batches_for(actor: User) -> QuerySet[PayrollBatch]:
    return (PayrollBatch.objects.filter(_area_q(actor))
            .select_related("policy", "region", "generated_by", "approved_by")
            .order_by("-period_start", "policy__code"))


def batch_get_for(*, actor: User, batch_id: int) -> PayrollBatch:
    batch = batches_for(actor).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


BLOCKED = "blocked"


def lines_for(*, actor: User, batch: PayrollBatch, status: str = "") -> QuerySet[PayrollLine]:
    """`status` is a line status, or BLOCKED (阻断: to pay, but no payee account)."""
    lines = (batch.lines.filter(region__code__startswith=_prefix(actor))
             .select_related("region").order_by("region_id", "name", "period", "pk")
             .annotate(has_account=Exists(PaymentAccount.objects.filter(
                 person_id=OuterRef("person_id")).exclude(account_number=""))))
    if status == BLOCKED:
        return lines.filter(status=LineStatus.PENDING, has_account=False)
    return lines.filter(status=status) if status else lines


def overpayments_for(actor: User) -> QuerySet[Overpayment]:
    return (Overpayment.objects.visible_to(actor)
            .select_related("person", "region", "line__policy").order_by("-created_at", "-pk"))


def person_get_for(*, actor: User, person_id: int) -> Person:
    person = Person.objects.visible_to(actor).select_related("region").filter(
        pk=person_id).first()
    if person is None:
        raise Http404
    return person


def household_for_resident(resident: User) -> QuerySet[Person]:
    """The resident and the people of their household (the registry's resident scope)."""
    return Person.objects.visible_to(resident).select_related("region").order_by("birth_date")
