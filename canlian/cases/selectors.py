"""Reads of visits and cases, always scoped by the actor (`visible_to`); outside → 404."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from canlian.cases import due, permissions, reminders
from canlian.cases.models import (
    OPEN_CASE_STATUSES,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseStatus,
    Visit,
    VisitDraft,
    VisitNeed,
    VisitRound,
    VisitSchedule,
)
from canlian.core.managers import jurisdiction_prefix
from canlian.core.models import Region, RegionLevel, User
from canlian.core.params import query_int
from canlian.core.roles import Role
from canlian.organizations.models import OrgUnit
from canlian.organizations.selectors import liaison_officers_by_village
from canlian.registry.models import Person
from canlian.registry.selectors import search_condition

# ------------------------------------------------------------------ persons and visits


def person_for_visit(*, actor: User, person_id: int) -> Person:
    """A person the actor may visit (inside their jurisdiction), else 404."""
    try:
        return Person.objects.visible_to(actor).select_related("region__parent").get(
            pk=person_id)
    except Person.DoesNotExist:
        raise Http404("没有找到该人员。") from None


@dataclass(frozen=True)
class VisitFilter:
    q: str = ""
    region: str = ""
    mode: str = ""
    purpose: str = ""
    date_from: date | None = None
    date_to: date | None = None
    mine: bool = False


def visits_for(*, actor: User, filters: VisitFilter = VisitFilter()) -> QuerySet[Visit]:
    visits = Visit.objects.visible_to(actor).select_related("person", "visitor", "region__parent")
    if filters.q:
        visits = visits.filter(person__in=Person.objects.filter(search_condition(filters.q)))
    if filters.region:
        visits = visits.filter(region__code__startswith=_prefix(filters.region))
    if filters.mode:
        visits = visits.filter(mode=filters.mode)
    if filters.purpose:
        visits = visits.filter(purpose=filters.purpose)
    if filters.date_from:
        visits = visits.filter(visited_on__gte=filters.date_from)
    if filters.date_to:
        visits = visits.filter(visited_on__lte=filters.date_to)
    if filters.mine:
        visits = visits.filter(visitor=actor)
    return visits.order_by("-visited_on", "-id")


def visit_get_for(*, actor: User, visit_id: int) -> Visit:
    try:
        return Visit.objects.visible_to(actor).select_related(
            "person", "visitor", "region__parent", "round").get(pk=visit_id)
    except Visit.DoesNotExist:
        raise Http404("没有找到该走访记录。") from None


def needs_of(visit: Visit) -> list[VisitNeed]:
    return list(visit.needs.select_related("case").order_by("id"))


def need_get_for(*, actor: User, need_id: int) -> VisitNeed:
    try:
        return VisitNeed.objects.visible_to(actor).select_related("person", "visit").get(
            pk=need_id)
    except VisitNeed.DoesNotExist:
        raise Http404("没有找到该需求。") from None


def needs_for(*, actor: User, outcome: str = "", kind: str = "") -> QuerySet[VisitNeed]:
    """The 需求清单: needs found on visits, pending ones first."""
    needs = VisitNeed.objects.visible_to(actor).select_related("person", "visit", "region",
                                                               "case")
    if outcome:
        needs = needs.filter(outcome=outcome)
    if kind:
        needs = needs.filter(kind=kind)
    return needs.order_by("-visit__visited_on", "-id")


def draft_get(*, actor: User, person: Person) -> VisitDraft | None:
    return VisitDraft.objects.filter(owner=actor, person=person).first()


def _prefix(code: str) -> str:
    region = Region.objects.filter(code=code).first()
    return region.prefix if region else code


# ------------------------------------------------------------------ due lists


def _scoped_persons(actor: User) -> QuerySet[Person]:
    if actor.role not in permissions.READ_ROLES:
        return Person.objects.none()
    return Person.objects.visible_to(actor)


def due_list_for(*, actor: User, state: str = "", q: str = "", region: str = "",
                 today: date | None = None) -> tuple[due.DueList, due.Plan]:
    """People due a visit in the actor's area (a liaison officer: their village), most urgent
    first. Iterate the page through :func:`due_rows` for the dates to show."""
    today = today or timezone.localdate()
    plan = due.plan_for(actor.region_id, today)
    persons = _scoped_persons(actor)
    if q:
        persons = persons.filter(search_condition(q))
    if region:
        persons = persons.filter(region__code__startswith=_prefix(region))
    states = [state] if state in due.DueState.LABELS else list(due.DueState.OPEN)
    return due.DueList(persons, plan, states), plan


def due_rows(page: Any, plan: due.Plan) -> list[dict[str, Any]]:
    rounds = {r.pk: r for r in plan.rounds}
    return [{
        "person": p, "state": p.due_state, "state_label": due.DueState.LABELS[p.due_state],
        "is_overdue": p.due_state in due.DueState.OVERDUE_STATES, "last_visit": p.due_last_visit,
        "interval": p.due_interval,
        "due_on": due.due_on_of(p.due_state, p.due_interval, p.due_last_visit,
                                rounds.get(p.due_round), plan.today,
                                registered_on=timezone.localdate(p.created_at)),
    } for p in page]


def due_summary_for(*, actor: User, today: date | None = None,
                    plan: due.Plan | None = None) -> dict[str, int]:
    """How many people are in each state (one grouped query)."""
    plan = plan or due.plan_for(actor.region_id, today or timezone.localdate())
    counts = dict.fromkeys(due.DueState.LABELS, 0)
    counts.update({state: n for _, state, n in due.due_counts(_scoped_persons(actor), plan)})
    return counts


def due_by_village(*, actor: User, today: date | None = None) -> list[dict[str, Any]]:
    """Every village's list at once, as counts per state, with its liaison officers: what the
    township or county sees of all the officers' lists (three queries)."""
    today = today or timezone.localdate()
    plan = due.plan_for(actor.region_id, today)
    by_village: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(due.DueState.LABELS,
                                                                            0))
    for code, state, n in due.due_counts(_scoped_persons(actor), plan, by_region=True):
        by_village[code][state] = n
    regions = Region.objects.in_bulk(list(by_village)) if by_village else {}
    # Who serves each village: the 专职委员 posts of 组织体系, the one source (issue #16 §12).
    officers = {code: [o.name for o in found] for code, found in
                liaison_officers_by_village(region_codes=by_village, on=today).items()}
    result = []
    for code in sorted(by_village):
        counts = by_village[code]
        total = sum(counts.values())
        region = regions.get(code)
        result.append({
            "code": code, "name": region.name if region else code, "counts": counts,
            "total": total, "officers": officers.get(code, []),
            "overdue": counts[due.DueState.OVERDUE] + counts[due.DueState.CENSUS_OVERDUE],
            "open": sum(counts[s] for s in due.DueState.OPEN),
        })
    return result


def rounds_for(*, actor: User) -> QuerySet[VisitRound]:
    county = actor.region_id[:6]
    return VisitRound.objects.filter(region__code__startswith=county).select_related(
        "region").order_by("-started_on", "-id")


def schedules_for(*, actor: User) -> QuerySet[VisitSchedule]:
    county = actor.region_id[:6]
    return VisitSchedule.objects.filter(region__code__startswith=county).select_related(
        "region").order_by("-is_active", "interval_months", "id")


# ------------------------------------------------------------------ cases


@dataclass(frozen=True)
class CaseFilter:
    q: str = ""
    status: str = ""
    source: str = ""
    category: str = ""
    region: str = ""
    overdue: bool = False
    unit: int | None = None
    mine: bool = False  # only those the actor may handle (permissions.can_handle)


def handled_by_condition(actor: User) -> Q:
    """permissions.unit_in_reach as a query: county staff handle any case of the county,
    township staff those without a responsible unit or with one inside their township."""
    if actor.role == Role.COUNTY_STAFF:
        return Q()
    return (Q(responsible_unit__isnull=True)
            | Q(responsible_unit__region__code__startswith=actor.region.prefix))


def cases_for(*, actor: User, filters: CaseFilter = CaseFilter(),
              today: date | None = None) -> QuerySet[Case]:
    today = today or timezone.localdate()
    cases = Case.objects.visible_to(actor).select_related("region__parent", "responsible_unit",
                                                          "person")
    if filters.q:
        text = filters.q.strip()
        reference = text.upper().removeprefix("SQ")
        number = query_int({"n": reference[4:]}, "n") if reference.isdigit() else None
        by_ref = Q(pk=number) if len(reference) > 4 and number is not None else Q()
        cases = cases.filter(Q(title__contains=text) | by_ref
                             | Q(person__in=Person.objects.filter(search_condition(text))))
    if filters.status == "open":
        cases = cases.filter(status__in=OPEN_CASE_STATUSES)
    elif filters.status:
        cases = cases.filter(status=filters.status)
    if filters.source:
        cases = cases.filter(source=filters.source)
    if filters.category:
        cases = cases.filter(category=filters.category)
    if filters.region:
        cases = cases.filter(region__code__startswith=_prefix(filters.region))
    if filters.overdue:
        cases = cases.filter(reminders.overdue_condition(today))
    if filters.unit:
        cases = cases.filter(responsible_unit_id=filters.unit)
    if filters.mine and actor.role in permissions.HANDLER_ROLES:
        cases = cases.filter(handled_by_condition(actor))
    return cases.order_by("-registered_at", "-id")


def case_get_for(*, actor: User, case_id: int) -> Case:
    try:
        return Case.objects.visible_to(actor).select_related(
            "region__parent", "responsible_unit", "person", "submitted_by", "escalated_to",
            "accepted_by", "concluded_by", "closed_by").get(pk=case_id)
    except Case.DoesNotExist:
        raise Http404("没有找到该诉求。") from None


def case_events(case: Case) -> list[CaseEvent]:
    return list(case.events.select_related("actor", "unit").order_by("at", "id"))


def case_attachments(case: Case) -> list[CaseAttachment]:
    return list(case.attachments.order_by("uploaded_at", "id"))


def attachment_get_for(*, actor: User, case_id: int, attachment_id: int) -> CaseAttachment:
    case = case_get_for(actor=actor, case_id=case_id)
    try:
        return case.attachments.get(pk=attachment_id)
    except CaseAttachment.DoesNotExist:
        raise Http404("没有找到该附件。") from None


def is_overdue(case: Case, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    if case.status == CaseStatus.REGISTERED:
        return bool(case.accept_due_on and case.accept_due_on < today)
    return case.is_open and bool(case.due_on and case.due_on < today)


def case_deadlines_for(*, actor: User, today: date | None = None,
                       limit: int = 50) -> dict[str, list[Case]]:
    """Open cases the actor handles that are overdue or due within two working days."""
    today = today or timezone.localdate()
    if actor.role not in permissions.READ_ROLES:
        return {"overdue": [], "due_soon": []}
    cases = Case.objects.visible_to(actor).select_related("region", "responsible_unit")
    return {
        "overdue": list(cases.filter(reminders.overdue_condition(today))
                        .order_by("due_on", "accept_due_on", "id")[:limit]),
        "due_soon": list(cases.filter(reminders.due_soon_condition(today))
                         .order_by("due_on", "accept_due_on", "id")[:limit]),
    }


def units_for(*, actor: User) -> QuerySet[OrgUnit]:
    """Units a case of the actor's county can be assigned to."""
    return OrgUnit.objects.filter(is_active=True, region__code__startswith=actor.region_id[:6],
                                  kind__in=["county_federation", "department",
                                            "township_federation", "special_association"]
                                  ).order_by("region_id", "kind", "name")


# ------------------------------------------------------------------ 问题清单 board


def _period(year: int | None) -> Q:
    if year is None:
        return Q()
    tz = timezone.get_current_timezone()
    start = datetime.combine(date(year, 1, 1), time.min, tzinfo=tz)
    end = datetime.combine(date(year + 1, 1, 1), time.min, tzinfo=tz)
    return Q(registered_at__gte=start, registered_at__lt=end)


def board_for(*, actor: User, year: int | None = None,
              today: date | None = None) -> dict[str, Any]:
    """Found vs closed by township and village, open, overdue and average days to conclude:
    one grouped query over the cases (set-based, any size) plus one for the region names."""
    today = today or timezone.localdate()
    closed = Q(status__in=(CaseStatus.CONCLUDED, CaseStatus.CONFIRMED))
    rows = (Case.objects.visible_to(actor).filter(_period(year)).values("region_id")
            .annotate(found=Count("id"), closed=Count("id", filter=closed),
                      confirmed=Count("id", filter=Q(status=CaseStatus.CONFIRMED)),
                      returned=Count("id", filter=Q(status=CaseStatus.RETURNED)),
                      open=Count("id", filter=Q(status__in=OPEN_CASE_STATUSES)),
                      overdue=Count("id", filter=reminders.overdue_condition(today)),
                      days_count_in_row=Count("days_to_conclude"),
                      avg_days=Avg("days_to_conclude"))
            .order_by())
    rows = list(rows)
    codes = {r["region_id"] for r in rows}
    townships = {code[:9].ljust(12, "0") for code in codes}
    names = dict(Region.objects.filter(code__in=codes | townships).values_list("code", "name"))
    keys = ("found", "closed", "confirmed", "returned", "open", "overdue")

    def blank() -> dict[str, Any]:
        return {**dict.fromkeys(keys, 0), "days_total": 0.0, "days_count": 0}

    groups: dict[str, dict[str, Any]] = {}
    total = blank()
    for row in sorted(rows, key=lambda r: r["region_id"]):
        township = row["region_id"][:9].ljust(12, "0")
        group = groups.setdefault(township, {
            "code": township, "name": names.get(township, township), "villages": [],
            **blank()})
        line = {"code": row["region_id"], "name": names.get(row["region_id"], row["region_id"]),
                **{k: row[k] for k in keys}, "avg_days": row["avg_days"]}
        group["villages"].append(line)
        for target in (group, total):
            for k in keys:
                target[k] += row[k]
            if row["avg_days"] is not None:
                target["days_total"] += row["avg_days"] * row["days_count_in_row"]
                target["days_count"] += row["days_count_in_row"]
    for target in [*groups.values(), total]:
        target["avg_days"] = (target["days_total"] / target["days_count"]
                              if target["days_count"] else None)
        target["rate"] = target["closed"] * 100 / target["found"] if target["found"] else None
    for group in groups.values():
        for line in group["villages"]:
            line["rate"] = line["closed"] * 100 / line["found"] if line["found"] else None
    return {"townships": list(groups.values()), "total": total, "year": year, "today": today}


def board_rows(board: dict[str, Any]) -> list[list[Any]]:
    """The board as spreadsheet rows: each township, then its villages."""
    def fmt(value: float | None) -> str:
        return "" if value is None else f"{value:.1f}"

    out = []
    for group in board["townships"]:
        for line in [group, *group["villages"]]:
            level = "乡镇（街道）" if line is group else "村（社区）"
            out.append([line["name"], level, line["found"], line["closed"], line["confirmed"],
                        line["open"], line["overdue"], line["returned"], fmt(line["rate"]),
                        fmt(line["avg_days"])])
    total = board["total"]
    out.append(["合计", "", total["found"], total["closed"], total["confirmed"], total["open"],
                total["overdue"], total["returned"], fmt(total["rate"]), fmt(total["avg_days"])])
    return out


BOARD_HEADERS = ("区域", "层级", "发现问题（件）", "已办结（件）", "已销号（件）", "办理中（件）",
                 "逾期（件）", "退回（件）", "办结率（%）", "平均办结用时（天）")


# ------------------------------------------------------------------ the person 360° panel


def person_visits(*, actor: User, person: Person, limit: int = 10) -> list[Visit]:
    return list(Visit.objects.visible_to(actor).filter(person=person)
                .select_related("visitor").order_by("-visited_on", "-id")[:limit])


def person_cases(*, actor: User, person: Person, limit: int = 20) -> list[Case]:
    return list(Case.objects.visible_to(actor).filter(person=person)
                .select_related("responsible_unit").order_by("-registered_at", "-id")[:limit])


def resident_cases(*, actor: User) -> QuerySet[Case]:
    return Case.objects.visible_to(actor).select_related("responsible_unit").order_by(
        "-registered_at", "-id")


def townships_for(actor: User) -> QuerySet[Region]:
    prefix = jurisdiction_prefix(actor) or "-"
    return Region.objects.filter(code__startswith=prefix, level=RegionLevel.TOWNSHIP).order_by(
        "code")


def year_choices(today: date | None = None) -> list[int]:
    today = today or timezone.localdate()
    return [today.year - i for i in range(5)]


def overdue_days(case: Case, today: date | None = None) -> int:
    today = today or timezone.localdate()
    deadline = case.accept_due_on if case.status == CaseStatus.REGISTERED else case.due_on
    return max((today - deadline).days, 0) if deadline else 0

