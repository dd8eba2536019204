"""KPI inputs of every liaison officer of a county for one quarter, set-based: a fixed number of
queries whatever the number of officers or persons (see `quarter_inputs`).

Who is appraised (the roster): each 专职委员 post holder of a village association whose term
overlaps the quarter (organizations.liaison_holdings, the one source of who serves a village),
with their system account when the member is linked to one. A village-liaison account without a
recorded post is not appraised: 组织体系 shows its village as 缺专职委员 until the post is
recorded (issue #16 §12). A member who changed villages in the quarter is appraised in the
village of the latest term.

Definitions (numbers frozen on each result; rules.py turns them into points):
- Visits are counted per village over its persons: living disabled persons (a category or a
  certificate; not their household members, registry.models.disabled_condition) whose 户籍 is
  the village and who were known before the quarter began — entered in the
  registry, or holding a certificate issued, before its first day (a record imported later
  counts from its certificate date, as the cases demo does); someone newly registered during
  the quarter is given until the next one, as canlian.cases.due does. Each
  person's visit schedule is the one canlian.cases.due applies on the quarter's last day
  (quarterly by default, shorter for special-hardship households, longer where a county says
  so). The schedule's calendar periods that end inside the quarter are the visits due:
  * 走访覆盖率: persons with at least one such period (due) / of them, those with a visit by
    anyone inside those periods (visited);
  * 按期回访率: such periods over all persons / of them, those with a visit inside the period.
- Cases are counted per village (`Case.region`): cases whose conclusion deadline (`due_on`, with
  any extension) falls in the quarter, returned ones left out / of them, those concluded
  (`concluded_at`, Asia/Shanghai date) on or before the deadline.
- Registry updates are counted per officer account: distinct persons whose record the account
  changed directly in the quarter (a history row of simple-history by that user: created or
  changed), plus persons of the account's change requests approved in the quarter (the history
  row of those names the approver). Officers without an account have none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.utils import timezone

from canlian.appraisals.rules import KpiInputs, Quarter, schedule_periods
from canlian.cases import due
from canlian.cases.models import Case as CaseRecord
from canlian.cases.models import CaseStatus, Visit
from canlian.core.models import Region, User
from canlian.core.roles import Role
from canlian.organizations.selectors import liaison_holdings
from canlian.registry.models import ChangeStatus, LivingStatus, Person, PersonChangeRequest


@dataclass(frozen=True)
class Officer:
    region_id: str
    name: str
    member_id: int | None
    user_id: int | None

    @property
    def key(self) -> tuple[str, int]:
        return ("member", self.member_id) if self.member_id else ("user", self.user_id or 0)


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def roster(county: Region, quarter: Quarter) -> list[Officer]:
    """The officers appraised for the quarter, by village then name (one query): whoever held
    a village's 专职委员 post during the quarter (organizations.liaison_holdings, the one source
    of who serves a village, issue #16 §12). A liaison account counts through the member it is
    linked to; an account with no recorded post is not an officer of any village."""
    holdings = (liaison_holdings(start=quarter.start, end=quarter.end)
                .filter(unit__region__code__startswith=county.prefix)
                .select_related("member", "unit")
                .order_by("started_on", "pk"))
    by_member: dict[int, Officer] = {}
    for holding in holdings:  # the latest term wins
        member = holding.member
        by_member[member.pk] = Officer(region_id=holding.unit.region_id, name=member.name,
                                       member_id=member.pk, user_id=member.user_id)
    return sorted(by_member.values(),
                  key=lambda o: (o.region_id, o.name, o.member_id or 0, o.user_id or 0))


def interval_expression(plan: due.Plan) -> Any:
    """Each person's visit interval in months, decided as canlian.cases.due decides it for the
    due lists: the special schedules whose conditions the person meets, shortest first, then
    the plain schedules, most specific area first; none: the quarterly default. (A test holds
    this to the due list's own answer.)"""
    special = sorted((s for s in plan.schedules if s.conditions),
                     key=lambda s: (s.interval_months, -len(s.region.prefix)))
    plain = sorted((s for s in plan.schedules if not s.conditions),
                   key=lambda s: (-len(s.region.prefix), s.interval_months))
    whens = [When(due.schedule_condition(s, plan.today), then=Value(s.interval_months))
             for s in [*special, *plain]]
    return Case(*whens, default=Value(due.DEFAULT_INTERVAL_MONTHS),
                output_field=IntegerField())


def _seen(start: date, end: date) -> Q:
    return Q(Exists(Visit.objects.filter(person=OuterRef("pk"), visited_on__gte=start,
                                         visited_on__lte=end)))


VISIT_KEYS = ("persons_due", "persons_visited", "periods_due", "periods_on_time")


def visit_counts(county: Region, quarter: Quarter) -> dict[str, dict[str, int]]:
    """Per village: persons due and visited, periods due and on time. Two queries for the
    plan, then one per visit interval in use that has a period ending in the quarter (at most
    six: 1, 2, 3, 4, 6, 12 months), each grouping the county's persons by village; the
    interval is computed once per person (in the WHERE), the visit checks are EXISTS over
    constant dates on the (person, visited_on) index."""
    plan = due.plan_for(county.code, quarter.end)
    known = Q(created_at__lt=_moment(quarter.start)) | Q(
        certificate_issued_on__lt=quarter.start)
    persons = Person.objects.disabled().filter(known, region__code__startswith=county.prefix,
                                               living_status=LivingStatus.ALIVE)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(VISIT_KEYS, 0))
    for months in plan.intervals:
        periods = schedule_periods(months, quarter)
        if not periods:
            continue
        chosen = (persons.alias(kpi_interval=interval_expression(plan))
                  .filter(kpi_interval=months)) if plan.schedules else persons
        aggregates: dict[str, Any] = {
            f"p{k}": Count("pk", filter=_seen(start, end))
            for k, (start, end) in enumerate(periods)}
        if len(periods) > 1:
            aggregates["visited"] = Count("pk", filter=_seen(periods[0][0], periods[-1][1]))
        rows = chosen.values("region_id").annotate(due=Count("pk"), **aggregates).order_by()
        for row in rows:
            village = counts[row["region_id"]]
            village["persons_due"] += row["due"]
            village["persons_visited"] += row.get("visited", row["p0"])
            village["periods_due"] += row["due"] * len(periods)
            village["periods_on_time"] += sum(row[f"p{k}"] for k in range(len(periods)))
    return dict(counts)


def case_counts(county: Region, quarter: Quarter) -> dict[str, dict[str, int]]:
    """Per village: cases falling due in the quarter and those concluded in time (one query)."""
    rows = (CaseRecord.objects
            .filter(region__code__startswith=county.prefix,
                    due_on__gte=quarter.start, due_on__lte=quarter.end)
            .exclude(status=CaseStatus.RETURNED)
            .values("region_id")
            .annotate(cases_due=Count("pk"),
                      cases_on_time=Count("pk", filter=Q(concluded_at__isnull=False,
                                                         concluded_at__date__lte=F("due_on"))))
            .order_by())
    return {row["region_id"]: {"cases_due": row["cases_due"],
                               "cases_on_time": row["cases_on_time"]} for row in rows}


def registry_updates(county: Region, quarter: Quarter) -> dict[int, int]:
    """Per officer account: distinct persons updated in the quarter (two queries)."""
    start, end = _moment(quarter.start), _moment(quarter.end + timedelta(days=1))
    officers = Q(role=Role.VILLAGE_LIAISON, region__code__startswith=county.prefix)
    accounts = User.objects.filter(officers).values("pk")
    history = Person.history.model.objects.filter(  # type: ignore[attr-defined]
        history_user__in=accounts, history_type__in=["+", "~"],
        history_date__gte=start, history_date__lt=end,
    ).order_by().values_list("history_user_id", "id").distinct()
    approved = PersonChangeRequest.objects.filter(
        requested_by__in=accounts, status=ChangeStatus.APPROVED, person__isnull=False,
        decided_at__gte=start, decided_at__lt=end,
    ).order_by().values_list("requested_by_id", "person_id").distinct()
    persons: dict[int, set[int]] = defaultdict(set)
    for user_id, person_id in [*history, *approved]:
        persons[user_id].add(person_id)
    return {user_id: len(ids) for user_id, ids in persons.items()}


def quarter_inputs(county: Region, quarter: Quarter) -> list[tuple[Officer, KpiInputs]]:
    """Every officer of the county with the KPI inputs of the quarter: two queries for the
    roster, at most eight for visits, one for cases, two for registry updates."""
    officers = roster(county, quarter)
    if not officers:
        return []
    visits = visit_counts(county, quarter)
    cases = case_counts(county, quarter)
    updates = registry_updates(county, quarter)
    return [(officer, KpiInputs(**visits.get(officer.region_id, {}),
                                **cases.get(officer.region_id, {}),
                                registry_updates=updates.get(officer.user_id or 0, 0)))
            for officer in officers]
