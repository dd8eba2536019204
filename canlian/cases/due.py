"""Who is due a visit (遍访一次、每季度再回访一次, seed 001; special-hardship households on their
own shorter schedule, seed 004) — one set-based query over the registry.

For each living disabled person, with `today` fixed:
- the current census round is the latest `VisitRound` started by today whose area covers the
  person; until the person has a visit in it, they are `census` due by the round's due date,
  `census_overdue` after it. A person registered after the round's due date has a census due
  date of their own: NEW_PERSON_CENSUS_DAYS after registration (docs/visits.md);
- after that, their schedule is the shortest-interval active `VisitSchedule` whose area covers
  them and whose conditions they meet (default: every quarter). Periods are calendar periods
  of that many months (quarters: Jan–Mar, Apr–Jun, …). With L the date of the last visit and
  P0 / P-1 the starts of the current / previous period: L ≥ P0 → `done`; L ≥ P-1 → `due` by the
  end of the current period; otherwise (a whole period missed) → `overdue`. A person never
  visited and registered in the previous or current period is `due`, not overdue.

One statement per question, whatever the number of persons: the person queryset (scoped by
the actor's jurisdiction and any filters) is annotated with each expensive input once (the
schedule's interval with its hardship conditions, the current round, the last visit, whether
the round's visit happened) and materialized in a CTE; the state is a CASE over those columns
and constants computed here. Written as one ORM expression, Django would repeat every
correlated subquery at each reference (67 subqueries a row); the CTE runs each once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    DateField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as CaseWhen
from django.db.models.functions import TruncDate

from canlian.cases.models import ScheduleCondition, Visit, VisitRound, VisitSchedule
from canlian.registry.models import (
    HouseholdStatus,
    HouseholdStatusKind,
    LivingStatus,
    Person,
    disabled_condition,
)
from canlian.registry.selectors import hardship_conditions

DEFAULT_INTERVAL_MONTHS = 3  # 每季度再回访一次 (seed 001)
# A person registered after a census round's due date is visited within this many days of
# registration (the county's service rule, docs/visits.md "新登记人员的遍访期限"): one quarter,
# the follow-up cadence of seed 001, so nobody is shown a due date already past on the day
# they enter the registry (issue #16 §11).
NEW_PERSON_CENSUS_DAYS = 90


class DueState:
    CENSUS = "census"
    CENSUS_OVERDUE = "census_overdue"
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"

    LABELS = {
        CENSUS: "待遍访",
        CENSUS_OVERDUE: "遍访逾期",
        DUE: "本期待回访",
        OVERDUE: "回访逾期",
        DONE: "本期已走访",
    }
    OPEN = (CENSUS_OVERDUE, OVERDUE, CENSUS, DUE)  # the order a list shows them in
    OVERDUE_STATES = (CENSUS_OVERDUE, OVERDUE)


def period_start(day: date, months: int) -> date:
    """Start of the calendar period of `months` months containing `day` (months divides 12)."""
    return date(day.year, (day.month - 1) // months * months + 1, 1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_end(day: date, months: int) -> date:
    return add_months(period_start(day, months), months) - timedelta(days=1)


def _condition(key: str, today: date, hardship: dict[str, Q]) -> Q:
    if key in hardship:
        return hardship[key]
    if key == ScheduleCondition.ALONE:
        others = Person.objects.filter(household=OuterRef("household"),
                                       living_status=LivingStatus.ALIVE).exclude(pk=OuterRef("pk"))
        return Q(household__isnull=True) | ~Q(Exists(others))
    kind = {ScheduleCondition.DIBAO: HouseholdStatusKind.DIBAO,
            ScheduleCondition.TEKUN: HouseholdStatusKind.TEKUN}[key]
    active = HouseholdStatus.objects.filter(household=OuterRef("household"),
                                            kind=kind).active_in_month(today)
    return Q(Exists(active))


def schedule_condition(schedule: VisitSchedule, today: date) -> Q:
    condition = Q(region__code__startswith=schedule.region.prefix)
    hardship = hardship_conditions(today) if schedule.conditions else {}
    for key in schedule.conditions:
        condition &= _condition(key, today, hardship)
    return condition


@dataclass(frozen=True)
class Plan:
    """The constants of one computation: rounds and schedules in force on `today`."""

    today: date
    rounds: list[VisitRound]
    schedules: list[VisitSchedule]

    @property
    def intervals(self) -> list[int]:
        return sorted({s.interval_months for s in self.schedules} | {DEFAULT_INTERVAL_MONTHS})


def plan_for(county_prefix: str, today: date) -> Plan:
    """Rounds and schedules of the county (two queries)."""
    rounds = list(VisitRound.objects.filter(region__code__startswith=county_prefix[:6],
                                            started_on__lte=today)
                  .select_related("region").order_by("-started_on", "-id"))
    schedules = list(VisitSchedule.objects.filter(region__code__startswith=county_prefix[:6],
                                                  is_active=True).select_related("region"))
    return Plan(today=today, rounds=rounds, schedules=schedules)


def _interval_expression(plan: Plan) -> Any:
    # Conditions first (shortest interval first), then the plain follow-up schedules, most
    # specific area first; none: the quarterly default.
    special = sorted((s for s in plan.schedules if s.conditions),
                     key=lambda s: (s.interval_months, -len(s.region.prefix)))
    plain = sorted((s for s in plan.schedules if not s.conditions),
                   key=lambda s: (-len(s.region.prefix), s.interval_months))
    whens = [When(schedule_condition(s, plan.today), then=Value(s.interval_months))
             for s in [*special, *plain]]
    if not whens:
        return Value(DEFAULT_INTERVAL_MONTHS, output_field=IntegerField())
    return CaseWhen(*whens, default=Value(DEFAULT_INTERVAL_MONTHS),
                    output_field=IntegerField())


def _round_expression(plan: Plan) -> Any:
    whens = [When(region__code__startswith=r.region.prefix, then=Value(r.pk))
             for r in plan.rounds]
    if not whens:
        return Value(None, output_field=IntegerField())
    return CaseWhen(*whens, default=Value(None), output_field=IntegerField())


def _inner(persons: QuerySet[Person], plan: Plan) -> QuerySet[Any]:
    """Per person, each expensive input once: the schedule interval (hardship conditions), the
    current round, the last visit and whether the round's visit happened."""
    last = Visit.objects.filter(person=OuterRef("pk")).order_by("-visited_on").values(
        "visited_on")[:1]
    # Visits are to disabled persons, not to their household members (issue 16 §6).
    annotated = persons.filter(disabled_condition(),
                               living_status=LivingStatus.ALIVE).order_by().annotate(
        due_interval=_interval_expression(plan),
        due_round=_round_expression(plan),
        due_last_visit=Subquery(last, output_field=DateField()),
        due_created_on=TruncDate("created_at"),
    )
    if plan.rounds:
        census_done: Any = Exists(Visit.objects.filter(person=OuterRef("pk"),
                                                       round_id=OuterRef("due_round")))
    else:
        census_done = Value(True, output_field=BooleanField())
    return annotated.annotate(due_census_done=census_done).values(
        "due_interval", "due_round", "due_last_visit", "due_created_on", "due_census_done",
        due_pid=F("pk"), due_region=F("region_id"), due_initials=F("name_initials"))


class _Sql:
    """Parameters collected while writing the outer SQL."""

    def __init__(self) -> None:
        self.params: list[Any] = []

    def date(self, value: date) -> str:
        self.params.append(connection.ops.adapt_datefield_value(value))
        return "%s"

    def by_interval(self, plan: Plan, start_of: Any) -> str:
        whens = " ".join(f"WHEN {m} THEN {self.date(start_of(m))}" for m in plan.intervals)
        return f"(CASE b.due_interval {whens} END)"


def _state_sql(plan: Plan, sql: _Sql) -> str:
    """The state from the inner columns and the plan's constants (no subquery repeated)."""
    today = plan.today
    late = [r for r in plan.rounds if today > r.due_on]
    census = "'census'"
    if late:
        # Overdue: registered by the round's due date, or after it but more than
        # NEW_PERSON_CENSUS_DAYS before today (census_due_on).
        cutoff = today - timedelta(days=NEW_PERSON_CENSUS_DAYS)
        whens = " ".join(f"WHEN b.due_round = {r.pk} AND (b.due_created_on <= "
                         f"{sql.date(r.due_on)} OR b.due_created_on < {sql.date(cutoff)})"
                         f" THEN '{DueState.CENSUS_OVERDUE}'" for r in late)
        census = f"(CASE {whens} ELSE '{DueState.CENSUS}' END)"
    p0 = sql.by_interval(plan, lambda m: period_start(today, m))
    pm1 = sql.by_interval(plan, lambda m: add_months(period_start(today, m), -m))
    pm1_again = sql.by_interval(plan, lambda m: add_months(period_start(today, m), -m))
    return (f"CASE WHEN b.due_round IS NOT NULL AND NOT b.due_census_done THEN {census} "
            f"WHEN b.due_last_visit >= {p0} THEN '{DueState.DONE}' "
            f"WHEN b.due_last_visit >= {pm1} THEN '{DueState.DUE}' "
            f"WHEN b.due_last_visit IS NULL AND b.due_created_on >= {pm1_again} "
            f"THEN '{DueState.DUE}' ELSE '{DueState.OVERDUE}' END")


def _materialized() -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return "MATERIALIZED " if sqlite3.sqlite_version_info >= (3, 35) else ""
    return "MATERIALIZED "


def due_sql(persons: QuerySet[Person], plan: Plan) -> tuple[str, list[Any]]:
    """`WITH b AS (inner), s AS (… due_state, due_rank …)`: the prefix every due query starts
    with; the inner query is materialized so each person's subqueries run once."""
    inner = _inner(persons, plan)
    inner_sql, inner_params = inner.query.get_compiler(using=inner.db).as_sql()
    sql = _Sql()
    state = _state_sql(plan, sql)
    rank = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(DueState.OPEN))
    # Only Django-compiled SQL and code constants are interpolated; values are parameters.
    text = (f"WITH b AS {_materialized()}({inner_sql}), "  # noqa: S608
            f"s AS (SELECT b.due_pid, b.due_region, b.due_initials, b.due_interval, "
            f"b.due_round, b.due_last_visit, {state} AS due_state FROM b), "
            f"r AS (SELECT s.*, CASE s.due_state {rank} ELSE {len(DueState.OPEN)} END "
            f"AS due_rank FROM s) ")
    return text, [*inner_params, *sql.params]


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def due_counts(persons: QuerySet[Person], plan: Plan, *, by_region: bool = False
               ) -> list[tuple[str, str, int]]:
    """(region code or "", state, persons) — one grouped query."""
    prefix, params = due_sql(persons, plan)
    column, group = ("r.due_region", "r.due_region, ") if by_region else ("''", "")
    with connection.cursor() as cursor:
        query = (f"{prefix} SELECT {column}, r.due_state, COUNT(*) FROM r "  # noqa: S608
                 f"GROUP BY {group}r.due_state")
        cursor.execute(query, params)
        return [(str(a), str(b), int(c)) for a, b, c in cursor.fetchall()]


def due_states(persons: QuerySet[Person], plan: Plan) -> Any:
    """Every person's (id, state), streamed: every list in full in one query."""
    prefix, params = due_sql(persons, plan)
    with connection.cursor() as cursor:
        cursor.execute(f"{prefix} SELECT r.due_pid, r.due_state FROM r", params)  # noqa: S608
        while rows := cursor.fetchmany(5000):
            yield from rows


class DueList:
    """The people of a due list in the order to visit them (most urgent first), for
    Paginator and API slicing: `count()` and `[a:b]` are one query each, and a page's persons
    are loaded with their region in one more (the states are attached to them)."""

    def __init__(self, persons: QuerySet[Person], plan: Plan, states: Sequence[str]) -> None:
        self.persons, self.plan, self.states = persons, plan, list(states)
        self._count: int | None = None

    def count_from(self, counts: dict[str, int]) -> None:
        """Take the count from per-state counts already made on the same persons."""
        self._count = sum(counts.get(state, 0) for state in self.states)

    def _where(self) -> str:
        return "r.due_state IN (" + ", ".join(f"'{s}'" for s in self.states) + ")"

    def count(self) -> int:
        if self._count is None:
            prefix, params = due_sql(self.persons, self.plan)
            with connection.cursor() as cursor:
                query = f"{prefix} SELECT COUNT(*) FROM r WHERE {self._where()}"  # noqa: S608
                cursor.execute(query, params)
                self._count = int(cursor.fetchone()[0])
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Person]:
        return iter(self._fetch(0, None))

    def __getitem__(self, index: slice) -> list[Person]:
        if not isinstance(index, slice):
            raise TypeError("DueList supports slices only")
        start = index.start or 0
        limit = None if index.stop is None else max(index.stop - start, 0)
        return self._fetch(start, limit)

    def _fetch(self, offset: int, limit: int | None) -> list[Person]:
        if not self.states or limit == 0:
            return []
        prefix, params = due_sql(self.persons, self.plan)
        tail = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
        with connection.cursor() as cursor:
            query = (f"{prefix} SELECT r.due_pid, r.due_state, r.due_interval, "  # noqa: S608
                     f"r.due_round, r.due_last_visit FROM r WHERE {self._where()} ORDER BY "
                     f"r.due_rank, r.due_region, r.due_initials, r.due_pid{tail}")
            cursor.execute(query, params)
            rows = cursor.fetchall()
        people = Person.objects.select_related("region").in_bulk([row[0] for row in rows])
        found = []
        for pid, state, interval, round_id, last in rows:
            person = people[pid]
            person.due_state, person.due_interval = state, interval
            person.due_round, person.due_last_visit = round_id, _as_date(last)
            found.append(person)
        return found


def census_due_on(round_: VisitRound, registered_on: date | None) -> date:
    """The census visit's due date: the round's, or NEW_PERSON_CENSUS_DAYS after registration
    for a person registered after it."""
    if registered_on is not None and registered_on > round_.due_on:
        return registered_on + timedelta(days=NEW_PERSON_CENSUS_DAYS)
    return round_.due_on


def due_on_of(state: str, interval: int, last_visit: date | None, round_: VisitRound | None,
              today: date, registered_on: date | None = None) -> date | None:
    """The date a person's visit is (or was) due, for display."""
    if state in (DueState.CENSUS, DueState.CENSUS_OVERDUE):
        return census_due_on(round_, registered_on) if round_ is not None else None
    if state == DueState.DUE or last_visit is None:
        return period_end(today, interval) if state != DueState.OVERDUE else \
            period_start(today, interval) - timedelta(days=1)
    # Overdue: the end of the period after the one of the last visit.
    return period_end(add_months(period_start(last_visit, interval), interval), interval)
