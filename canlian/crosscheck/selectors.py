"""Reads of cross-checks for a user: scoped by the region code prefix (outside → 404)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404

from canlian.core.models import Region, User
from canlian.crosscheck.models import (
    CandidateStatus,
    Dataset,
    Finding,
    FindingKind,
    FindingStatus,
    MatchCandidate,
)


@dataclass(frozen=True)
class FindingFilter:
    kind: str = ""
    status: str = FindingStatus.OPEN
    township: str = ""  # 9-digit prefix
    dataset: int | None = None

    def as_params(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> FindingFilter:
        return cls(**{k: v for k, v in params.items() if k in cls.__dataclass_fields__})


def findings_for(*, actor: User, filters: FindingFilter) -> QuerySet[Finding]:
    findings = Finding.objects.visible_to(actor).select_related("dataset", "person", "row")
    if filters.kind in FindingKind.values:
        findings = findings.filter(kind=filters.kind)
    if filters.status in FindingStatus.values:
        findings = findings.filter(status=filters.status)
    if filters.township:
        findings = findings.filter(region_code__startswith=filters.township[:9])
    if filters.dataset:
        findings = findings.filter(dataset_id=filters.dataset)
    return findings.order_by("region_code", "kind", "pk")


def finding_get_for(*, actor: User, finding_id: int) -> Finding:
    return get_object_or_404(
        Finding.objects.visible_to(actor).select_related("dataset", "person", "row",
                                                         "decided_by"), pk=finding_id)


@dataclass
class CountRow:
    code: str
    name: str
    counts: dict[str, int]
    total: int


def finding_counts_for(*, actor: User, status: str = FindingStatus.OPEN) -> list[CountRow]:
    """Counts by township × kind: one grouped query plus one for the township names."""
    rows = (Finding.objects.visible_to(actor).filter(status=status)
            .annotate(township=Substr("region_code", 1, 9))
            .values("township", "kind").annotate(n=Count("pk")).order_by("township"))
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        table.setdefault(row["township"], {})[row["kind"]] = row["n"]
    names = dict(Region.objects.filter(code__in=[f"{t}000" for t in table])
                 .values_list("code", "name"))
    return [CountRow(code=t, name=names.get(f"{t}000", t), counts=c, total=sum(c.values()))
            for t, c in sorted(table.items())]


def datasets_for(actor: User) -> QuerySet[Dataset]:
    return Dataset.objects.visible_to(actor).select_related("imported_by", "region")


def dataset_get_for(*, actor: User, dataset_id: int) -> Dataset:
    return get_object_or_404(datasets_for(actor), pk=dataset_id)


def candidates_for(actor: User) -> QuerySet[MatchCandidate]:
    return (MatchCandidate.objects.visible_to(actor).filter(status=CandidateStatus.OPEN)
            .select_related("row__dataset", "person"))


def candidate_get_for(*, actor: User, candidate_id: int) -> MatchCandidate:
    return get_object_or_404(MatchCandidate.objects.visible_to(actor)
                             .select_related("row__dataset", "person"), pk=candidate_id)


def township_choices(actor: User) -> list[tuple[str, str]]:
    prefix = actor.region.prefix
    return [(code[:9], name) for code, name in Region.objects.filter(
        level="township", code__startswith=prefix).values_list("code", "name")]


@dataclass
class KindCount:
    kind: str
    label: str
    by_status: dict[str, int]


def dataset_counts(*, actor: User, dataset: Dataset) -> list[KindCount]:
    """The dataset's findings inside the actor's jurisdiction, by kind and status."""
    table: dict[str, dict[str, int]] = {}
    for kind, status, n in (Finding.objects.visible_to(actor).filter(dataset=dataset)
                            .values_list("kind", "status").annotate(n=Count("pk"))
                            .order_by("kind")):
        table.setdefault(kind, {})[status] = n
    return [KindCount(kind, FindingKind(kind).label, counts) for kind, counts in table.items()]
