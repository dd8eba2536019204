"""Reads of the registry, always through `Person.objects.visible_to(actor)`."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.db.models.query import ModelIterable
from django.http import Http404
from django.utils import timezone

from canlian.core.crypto import blind_index
from canlian.core.models import Region, User
from canlian.core.roles import Role
from canlian.registry.models import (
    Category,
    CertificateStatus,
    Household,
    HouseholdStatus,
    HouseholdStatusKind,
    LivingStatus,
    Person,
    PersonChangeRequest,
    PersonQuerySet,
    disabled_condition,
)

EXPIRING_DAYS = 90


class Hardship:
    """Special-hardship household types (濮阳县残联改革方案, seed 004), always derived."""

    MULTI_DISABLED = "multi_disabled"  # 一户多残
    ELDERLY_DISABLED = "elderly_disabled"  # 老残一体
    ORPHAN_DISABLED = "orphan_disabled"  # 孤残
    SEVERE = "severe"  # 重残
    MULTIPLE = "multiple"  # 多重残疾

    LABELS = {
        MULTI_DISABLED: "一户多残",
        ELDERLY_DISABLED: "老残一体",
        ORPHAN_DISABLED: "孤残",
        SEVERE: "重残",
        MULTIPLE: "多重残疾",
    }


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def hardship_conditions(today: date) -> dict[str, Q]:
    """One Q per hardship type, over Person rows, each a set-based EXISTS on the household."""
    members = Person.objects.filter(household=OuterRef("household"),
                                    living_status=LivingStatus.ALIVE)
    disabled = members.disabled()
    adult_from, elderly_from = _years_ago(today, 18), _years_ago(today, 60)
    multi = disabled.values("household").annotate(n=Count("id")).filter(n__gte=2)
    elderly = members.filter(birth_date__lte=elderly_from)
    working_age_able = members.household_members_only().filter(
        birth_date__gt=elderly_from, birth_date__lte=adult_from)
    adults = members.filter(birth_date__lte=adult_from)
    orphan_guarantee = HouseholdStatus.objects.filter(
        household=OuterRef("household"), kind=HouseholdStatusKind.ORPHAN
    ).active_in_month(today)
    return {
        Hardship.MULTI_DISABLED: Q(Exists(multi)),
        Hardship.ELDERLY_DISABLED: Q(Exists(disabled)) & Q(Exists(elderly))
        & ~Q(Exists(working_age_able)),
        # A disabled minor with no living adult recorded in the household, or under the
        # orphan basic-living guarantee.
        Hardship.ORPHAN_DISABLED: disabled_condition() & Q(birth_date__gt=adult_from)
        & (~Q(Exists(adults)) | Q(Exists(orphan_guarantee))),
        Hardship.SEVERE: Q(grade__in=[1, 2]),
        Hardship.MULTIPLE: Q(category=Category.MULTIPLE),
    }


def hardships_of(person: Person, *, today: date | None = None) -> list[str]:
    """The hardship labels that apply to one person (one query)."""
    today = today or timezone.localdate()
    conditions = hardship_conditions(today)
    flags = Person.objects.filter(pk=person.pk).values(
        **{key: _as_flag(q) for key, q in conditions.items()}
    ).get()
    return [Hardship.LABELS[key] for key in Hardship.LABELS if flags[key]]


def _as_flag(condition: Q) -> Any:
    return ExpressionWrapper(condition, output_field=BooleanField())


@dataclass(frozen=True)
class PersonFilter:
    q: str = ""
    region: str = ""
    category: int | None = None
    grade: int | None = None
    certificate_status: str = ""
    expiring: bool = False
    hardship: str = ""
    household_status: str = ""
    age_min: int | None = None
    age_max: int | None = None
    living_status: str = ""
    # 残疾人 by default; with household members (户内成员, no disability) only when asked.
    members: bool = False


def is_identifier_query(q: str) -> bool:
    """Whether a search text holds an identifier (an ID or certificate number, a phone number,
    or most of one: 11 or more digits in a row). Such a search travels in a POST body, never in
    a URL, where access logs and browser history would keep it (issue 17 §9)."""
    return re.search(r"\d{11,}", re.sub(r"\s+", "", q)) is not None


def search_condition(q: str) -> Q:
    """What the search box accepts (issue #3): a name, pinyin initials, a full ID number, its
    last four characters, an 8-digit birth date, or a certificate number."""
    text = re.sub(r"\s+", "", q)
    if not text:
        return Q()
    upper = text.upper()
    if re.fullmatch(r"\d{17}[\dX]", upper):
        return Q(id_number_index=blind_index(upper))
    if re.fullmatch(r"\d{17}[\dX][1-7][1-4](B[1-9])?", upper):
        return Q(certificate_index=blind_index(upper))
    if re.fullmatch(r"\d{3}[\dX]", upper):
        return Q(id_tail_index=blind_index(upper))
    if re.fullmatch(r"(19|20)\d{6}", upper):
        try:
            return Q(birth_date=date(int(upper[:4]), int(upper[4:6]), int(upper[6:])))
        except ValueError:
            return Q(pk__in=[])
    if re.fullmatch(r"[A-Za-z]+", text):
        return Q(name_initials__startswith=text.lower())
    # A name is typed from its start (surname first): a prefix match is what people mean, and
    # unlike "contains" it can use an index (migration 0003).
    return Q(name__startswith=text)


class PersonResults(PersonQuerySet):
    """What persons_for returns. A slice of it (a list page, an API page) first selects the
    page's ids and then loads those rows: on PostgreSQL the ids come from an index-only scan of
    the search indexes (migration 0006), so a common name or pinyin prefix reads its 50 rows
    from the table instead of every row it matches before sorting (bench/registry.py, at
    1,000,000 persons). A slice is a list; everything else is an ordinary queryset."""

    def __getitem__(self, k: Any) -> Any:
        if (not isinstance(k, slice) or k.step is not None or self._result_cache is not None
                or self._iterable_class is not ModelIterable):
            return super().__getitem__(k)
        ids = list(self.values_list("pk", flat=True)[k])
        rows = {person.pk: person for person in self.filter(pk__in=ids).order_by()}
        return [rows[pk] for pk in ids if pk in rows]


def persons_for(*, actor: User, filters: PersonFilter, today: date | None = None
                ) -> QuerySet[Person]:
    today = today or timezone.localdate()
    # The region names come in a second query for the page's rows: joining core_region here
    # lets PostgreSQL pick a nested loop over every region for a common pinyin prefix
    # (bench/registry.py at 1,000,000 persons: 120 ms instead of 12 ms).
    persons = PersonResults(Person).visible_to(actor).prefetch_related("region")
    if not filters.members:
        persons = persons.disabled()
    if filters.q:
        persons = persons.filter(search_condition(filters.q))
    if filters.region:
        # A 12-digit code stands for its whole area; anything else is taken as a prefix.
        region = Region.objects.filter(code=filters.region).first()
        prefix = region.prefix if region else filters.region
        persons = persons.filter(region__code__startswith=prefix)
    if filters.category:
        persons = persons.filter(category=filters.category)
    if filters.grade:
        persons = persons.filter(grade=filters.grade)
    if filters.certificate_status:
        persons = persons.filter(certificate_status=filters.certificate_status)
    if filters.expiring:
        persons = persons.filter(certificate_status=CertificateStatus.VALID,
                                 certificate_valid_until__gte=today,
                                 certificate_valid_until__lte=today + timedelta(EXPIRING_DAYS))
    if filters.hardship:
        persons = persons.filter(hardship_conditions(today)[filters.hardship])
    if filters.household_status:
        active = HouseholdStatus.objects.filter(
            household=OuterRef("household"), kind=filters.household_status
        ).active_in_month(today)
        persons = persons.filter(Exists(active))
    if filters.age_min is not None:
        persons = persons.filter(birth_date__lte=_years_ago(today, filters.age_min))
    if filters.age_max is not None:
        persons = persons.filter(birth_date__gt=_years_ago(today, filters.age_max + 1))
    if filters.living_status:
        persons = persons.filter(living_status=filters.living_status)
    return persons.order_by("region_id", "name_initials", "id")


def members_matching(*, actor: User, filters: PersonFilter) -> int:
    """How many household members (户内成员) the same search finds: for an empty list of
    disabled persons, so a search by a member's name or ID number says where they are."""
    return persons_for(actor=actor, filters=replace(filters, members=True)).order_by().exclude(
        disabled_condition()).count()


def person_get_for(*, actor: User, person_id: int) -> Person:
    try:
        return Person.objects.visible_to(actor).select_related(
            "region__parent", "household__region").get(pk=person_id)
    except Person.DoesNotExist:
        raise Http404("没有找到该人员。") from None


def household_members(*, actor: User, person: Person) -> list[Person]:
    """The members of the person's household the actor may see: a household that spans
    jurisdictions (a member moved, a head registered elsewhere) shows only the actor's side."""
    if person.household_id is None:
        return [person]
    return list(Person.objects.visible_to(actor).filter(household_id=person.household_id)
                .order_by("birth_date", "id"))


def household_get_for(*, actor: User, household_id: int) -> tuple[Household, list[Person]]:
    """A household and its members the actor may see; 404 unless at least one is visible."""
    members = list(Person.objects.visible_to(actor).filter(household_id=household_id)
                   .select_related("household").order_by("birth_date", "id"))
    if not members:
        raise Http404("没有找到该家庭户。")
    return members[0].household, members  # type: ignore[return-value]


def household_statuses(person: Person) -> list[HouseholdStatus]:
    if person.household_id is None:
        return []
    return list(HouseholdStatus.objects.filter(household_id=person.household_id)
                .order_by("-start_month"))


def person_history(person: Person, *, limit: int = 50) -> list[dict[str, Any]]:
    """The person's changes, newest first: who, when, and each field's old → new."""
    from canlian.core.audit import MASKED_FIELDS

    records = list(person.history.select_related("history_user").order_by("-history_id")
                   [: limit + 1])
    entries = []
    for newer, older in zip(records, [*records[1:], None], strict=False):
        changes = []
        if older is not None:
            for change in newer.diff_against(older).changes:
                mask = MASKED_FIELDS.get(change.field)
                old, new = change.old, change.new
                field = Person._meta.get_field(change.field)
                if mask:
                    old, new = mask(old), mask(new)
                elif field.choices:  # 4 → 肢体残疾, alive → 正常
                    labels = dict(field.flatchoices)
                    old, new = labels.get(old, old), labels.get(new, new)
                changes.append({"field": field.verbose_name, "old": old, "new": new})
        entries.append({
            "at": newer.history_date,
            "by": newer.history_user.name if newer.history_user else "系统导入",
            "type": {"+": "新建", "~": "修改", "-": "删除"}[newer.history_type],
            "changes": changes,
        })
    return entries[:limit]


def change_requests_for(*, actor: User, status: str = "") -> QuerySet[PersonChangeRequest]:
    """Approvers see their jurisdiction's requests; a liaison officer sees their own."""
    requests = PersonChangeRequest.objects.visible_to(actor).select_related(
        "region", "requested_by", "person")
    if actor.role == Role.VILLAGE_LIAISON:
        requests = requests.filter(requested_by=actor)
    if status:
        requests = requests.filter(status=status)
    return requests.order_by("-requested_at")


def change_request_get_for(*, actor: User, change_id: int) -> PersonChangeRequest:
    try:
        return change_requests_for(actor=actor).get(pk=change_id)
    except PersonChangeRequest.DoesNotExist:
        raise Http404("没有找到该申请。") from None
