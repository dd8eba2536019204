"""Findings from a matched list, set-based (issue #8 §3).

Each kind is one queryset over the dataset's staging rows joined to the registry (and to
enrolments or payroll lines where the kind needs them), copied into Finding by INSERT … SELECT.
The unique (kind, subject, evidence key) — the subject being the person's ID blind index — means
a re-run, or next month's list with the same facts, adds nothing twice. On a re-run, open
findings of the dataset that no longer hold become 已不成立, and such ones that hold again reopen.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date
from functools import reduce
from typing import Any

from django.db.models import (
    CharField,
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, JSONObject, NullIf
from django.utils import timezone

from canlian.benefits.models import (
    EnrolmentStatus,
    LineStatus,
    Overpayment,
    PayrollLine,
)
from canlian.core.bulk import insert_from_select
from canlian.crosscheck.models import (
    Dataset,
    DatasetKind,
    DatasetRow,
    Finding,
    FindingKind,
    FindingStatus,
    MatchQuality,
    StatusKind,
)
from canlian.crosscheck.policies import StatusPolicies, status_policies
from canlian.registry.models import CertificateStatus, HouseholdStatus, LivingStatus

TEXT = CharField()
PAYING = (EnrolmentStatus.ENROLLED, EnrolmentStatus.SUSPENDED)
EXCLUDING = (StatusKind.TEKUN, StatusKind.ORPHAN, StatusKind.WORK_INJURY_CARE)


def _text(expression: Any) -> Any:
    return Cast(expression, TEXT)


def _key(*parts: Any) -> Concat:
    return Concat(*[Value(p) if isinstance(p, str) else _text(p) for p in parts],
                  output_field=TEXT)


def _matched(dataset: Dataset) -> QuerySet[DatasetRow]:
    return DatasetRow.objects.filter(dataset=dataset, person__isnull=False)


def _person_detail(**extra: Any) -> JSONObject:
    return JSONObject(row=F("row_number"), list_name=F("name"), registry_name=F("person__name"),
                      **extra)


def _enrolled_after(event_field: str) -> Q:
    """An open enrolment still paying for a month after the event (stop: the month after)."""
    return (Q(person__enrolments__status__in=PAYING)
            & (Q(person__enrolments__end_month__isnull=True)
               | Q(person__enrolments__end_month__gt=F(event_field))))


def _event_enrolled(dataset: Dataset, prefix: str) -> QuerySet[Any]:
    rows = _matched(dataset).filter(_enrolled_after("event_on"))
    return rows.annotate(
        _key=_key("enrolment:", F("person__enrolments__id"), f":{prefix}:", F("event_on")),
        _detail=_person_detail(event_on=F("event_on"), place=F("place"),
                               enrolment=F("person__enrolments__id"),
                               policy=F("person__enrolments__policy__name"),
                               enrolment_status=F("person__enrolments__status")))


def deceased_alive(dataset: Dataset, _: StatusPolicies) -> QuerySet[Any]:
    return (_matched(dataset).exclude(person__living_status=LivingStatus.DECEASED)
            .annotate(_key=_key("died:", F("event_on")),
                      _detail=_person_detail(event_on=F("event_on"), place=F("place"),
                                             living_status=F("person__living_status"))))


def deceased_enrolled(dataset: Dataset, _: StatusPolicies) -> QuerySet[Any]:
    return _event_enrolled(dataset, "died")


def paid_after_death(dataset: Dataset, _: StatusPolicies) -> QuerySet[Any]:
    lines = (PayrollLine.objects.filter(person=OuterRef("person_id"), status=LineStatus.PAID,
                                        period__gt=OuterRef("event_on"))
             .exclude(Exists(Overpayment.objects.filter(line=OuterRef("pk"))))
             .order_by().values("person"))
    money = DecimalField(max_digits=12, decimal_places=2)
    return (_matched(dataset)
            .annotate(_amount=Subquery(lines.annotate(s=Sum("amount")).values("s"),
                                       output_field=money),
                      _months=Subquery(lines.annotate(n=Count("pk")).values("n")))
            .filter(_amount__gt=0)
            .annotate(_key=_key("died:", F("event_on")),
                      _detail=_person_detail(event_on=F("event_on"), place=F("place"),
                                             amount=_text(F("_amount")),
                                             lines=F("_months"))))


def moved_out(dataset: Dataset, _: StatusPolicies) -> QuerySet[Any]:
    return (_matched(dataset).filter(person__living_status=LivingStatus.ALIVE)
            .annotate(_key=_key("moved:", F("event_on")),
                      _detail=_person_detail(event_on=F("event_on"), place=F("place"),
                                             living_status=F("person__living_status"))))


def moved_enrolled(dataset: Dataset, _: StatusPolicies) -> QuerySet[Any]:
    return _event_enrolled(dataset, "moved")


def _active_in(month: date) -> Q:
    return Q(start_month__lte=month) & (Q(end_month__isnull=True) | Q(end_month__gte=month))


def _registry_status(month: date) -> QuerySet[HouseholdStatus]:
    return HouseholdStatus.objects.active_in_month(month).filter(
        household_id=OuterRef("person__household_id"), kind=OuterRef("status_kind"))


def _period_detail(**extra: Any) -> JSONObject:
    return _person_detail(status=F("status_kind"), area=F("dibao_area"),
                          start_month=F("start_month"), end_month=F("end_month"),
                          household=F("person__household_id"), **extra)


def status_start(dataset: Dataset, _: StatusPolicies) -> QuerySet[Any]:
    month = dataset.reference_month
    return (_matched(dataset).filter(_active_in(month))
            .exclude(Exists(_registry_status(month)))
            .annotate(_key=_key(F("status_kind"), ":start:", F("start_month")),
                      _detail=_period_detail()))


def status_end(dataset: Dataset, _: StatusPolicies) -> QuerySet[Any]:
    month = dataset.reference_month
    return (_matched(dataset).filter(end_month__isnull=False, end_month__lt=month)
            .filter(Exists(_registry_status(month).filter(start_month__lte=OuterRef(
                "end_month"))))
            .annotate(_key=_key(F("status_kind"), ":end:", F("end_month")),
                      _detail=_period_detail()))


def status_excludes(dataset: Dataset, policies: StatusPolicies) -> QuerySet[Any] | None:
    month = dataset.reference_month
    parts = [Q(status_kind=status, person__enrolments__policy_id__in=sorted(ids))
             for status in EXCLUDING if (ids := policies.excludes.get(status))]
    if not parts:
        return None  # no active policy excludes any of these statuses
    excluded = reduce(operator.or_, parts)
    enrolled = (Q(person__enrolments__status=EnrolmentStatus.ENROLLED)
                & Q(person__enrolments__start_month__lte=month)
                & (Q(person__enrolments__end_month__isnull=True)
                   | Q(person__enrolments__end_month__gte=month)))
    return (_matched(dataset).filter(_active_in(month)).filter(excluded & enrolled)
            .annotate(_key=_key(F("status_kind"), ":enrolment:", F("person__enrolments__id")),
                      _detail=_period_detail(enrolment=F("person__enrolments__id"),
                                             policy=F("person__enrolments__policy__name"))))


def mental_uncertified(dataset: Dataset, _: StatusPolicies) -> QuerySet[Any]:
    return (DatasetRow.objects.filter(dataset=dataset)
            .filter(Q(person__isnull=True)
                    | ~Q(person__certificate_status=CertificateStatus.VALID))
            .annotate(_key=Value("mental", output_field=TEXT),
                      _detail=JSONObject(row=F("row_number"), list_name=F("name"),
                                         registry_name=F("person__name"),
                                         diagnosis=F("place"), area=F("region_code"),
                                         certificate_status=F("person__certificate_status"))))


def name_mismatch(dataset: Dataset, _: StatusPolicies) -> QuerySet[Any]:
    earlier = DatasetRow.objects.filter(dataset=dataset, person=OuterRef("person"),
                                        name=OuterRef("name"), pk__lt=OuterRef("pk"))
    return (_matched(dataset).filter(match=MatchQuality.NAME_DIFFERS).exclude(Exists(earlier))
            .annotate(_key=_key("name:", F("name")), _detail=_person_detail()))


Builder = Callable[[Dataset, StatusPolicies], QuerySet[Any] | None]
BUILDERS: dict[str, tuple[tuple[str, Builder], ...]] = {
    DatasetKind.DEATHS: ((FindingKind.DECEASED_ALIVE, deceased_alive),
                         (FindingKind.DECEASED_ENROLLED, deceased_enrolled),
                         (FindingKind.PAID_AFTER_DEATH, paid_after_death)),
    DatasetKind.MOVES: ((FindingKind.MOVED_OUT, moved_out),
                        (FindingKind.MOVED_ENROLLED, moved_enrolled)),
    DatasetKind.DIBAO: ((FindingKind.STATUS_START, status_start),
                        (FindingKind.STATUS_END, status_end),
                        (FindingKind.STATUS_EXCLUDES, status_excludes)),
    DatasetKind.ORPHANS: ((FindingKind.STATUS_START, status_start),
                          (FindingKind.STATUS_END, status_end),
                          (FindingKind.STATUS_EXCLUDES, status_excludes)),
    DatasetKind.INJURY: ((FindingKind.STATUS_START, status_start),
                         (FindingKind.STATUS_END, status_end),
                         (FindingKind.STATUS_EXCLUDES, status_excludes)),
    DatasetKind.MENTAL: ((FindingKind.MENTAL_UNCERTIFIED, mental_uncertified),),
}


def _with_subject(current: QuerySet[Any], dataset: Dataset) -> QuerySet[Any]:
    return current.annotate(
        _subject=Coalesce(F("person__id_number_index"), F("id_index")),
        _region=Coalesce(F("person__region_id"), NullIf(F("region_code"), Value("")),
                         Value(dataset.region_id), output_field=TEXT))


def _refresh(kind: str, dataset: Dataset, current: QuerySet[Any]) -> int:
    """Obsolete what no longer holds, reopen what holds again, insert what is new."""
    holds = Exists(current.filter(pk=OuterRef("row_id"), _key=OuterRef("evidence_key")))
    mine = Finding.objects.filter(dataset=dataset, kind=kind)
    now = timezone.now()
    mine.filter(status=FindingStatus.OPEN).exclude(holds).update(
        status=FindingStatus.OBSOLETE, decided_at=now, decision_note="重新比对时已不成立")
    mine.filter(status=FindingStatus.OBSOLETE).filter(holds).update(
        status=FindingStatus.OPEN, decided_at=None, decision_note="")
    # What the unique (kind, subject, evidence) key already holds — from this list or an
    # earlier one — is skipped by the insert itself.
    return insert_from_select(Finding, current.order_by(), {
        "kind": Value(kind), "dataset": Value(dataset.pk), "row": F("pk"),
        "person": F("person_id"), "region_code": F("_region"), "subject_index": F("_subject"),
        "evidence_key": F("_key"), "match": F("match"), "detail": F("_detail"),
        "status": Value(FindingStatus.OPEN), "created_at": Value(now),
        "decision_note": Value(""),
    }, ignore_conflicts=True)


def findings_refresh(dataset: Dataset) -> dict[str, int]:
    """New findings per kind for the dataset (after matching)."""
    policies = status_policies()
    added: dict[str, int] = {}
    builders = (*BUILDERS[dataset.kind], (FindingKind.NAME_MISMATCH, name_mismatch))
    for kind, build in builders:
        found = build(dataset, policies)
        if found is not None:
            added[kind] = _refresh(kind, dataset, _with_subject(found, dataset))
    return added


def findings_supported_by(dataset: Dataset) -> QuerySet[Finding]:
    """Every finding the dataset's rows support today — those it added and those an earlier
    list had already found (the same kind, person and evidence)."""
    policies = status_policies()
    supported = Q(pk__in=[])
    builders = (*BUILDERS[dataset.kind], (FindingKind.NAME_MISMATCH, name_mismatch))
    for kind, build in builders:
        found = build(dataset, policies)
        if found is None:
            continue
        current = _with_subject(found, dataset)
        supported |= Q(Exists(current.filter(_subject=OuterRef("subject_index"),
                                             _key=OuterRef("evidence_key"))), kind=kind)
    return Finding.objects.filter(supported)
