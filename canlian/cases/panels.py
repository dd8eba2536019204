"""What cases adds to other pages: the visits and cases panel of the person 360° page
(canlian.core.panels) and the home page's 待办 (canlian.core.workbench)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from canlian.cases import due, reminders, selectors
from canlian.cases.models import OPEN_CASE_STATUSES, Case, CaseStatus
from canlian.cases.permissions import HANDLER_ROLES, RATE_ROLES, READ_ROLES, VISIT_ROLES
from canlian.core.models import User
from canlian.core.panels import Panel
from canlian.core.roles import Role
from canlian.core.workbench import Todo
from canlian.registry.models import Person

# Staff who record a resident's rating on the return visit (回访); residents rate their own
# cases in the portal.
STAFF_RATE_ROLES = RATE_ROLES - {Role.RESIDENT}

def visits_cases_panel(actor: User, person: Any) -> Panel | None:
    if actor.role not in READ_ROLES:
        return None
    today = timezone.localdate()
    plan = due.plan_for(person.region_id, today)
    states = due.DueList(Person.objects.filter(pk=person.pk), plan, list(due.DueState.LABELS))
    rows = selectors.due_rows(states[0:1], plan)
    return Panel(key="cases", title="走访与诉求", template="cases/includes/person_panel.html",
                 context={"visits": selectors.person_visits(actor=actor, person=person),
                          "cases": selectors.person_cases(actor=actor, person=person),
                          "due": rows[0] if rows else None,
                          "can_visit": actor.role in VISIT_ROLES})


def cases_todos(actor: User) -> list[Todo]:
    """Visits due for the officers who may record them (can_record_visit: their jurisdiction),
    open cases the actor may handle (can_handle), concluded cases waiting for the return visit
    the actor may record (can_rate); a liaison officer follows the village's open cases."""
    todos: list[Todo] = []
    if actor.role in VISIT_ROLES:
        summary = selectors.due_summary_for(actor=actor)
        waiting = sum(summary[state] for state in due.DueState.OPEN)
        overdue = sum(summary[state] for state in due.DueState.OVERDUE_STATES)
        todos.append(Todo(label="应走访的残疾人", count=waiting, overdue=overdue, unit="人",
                          url=reverse("cases:due_list"), module="走访与诉求"))
    cases_url = reverse("cases:case_list")
    today = timezone.localdate()
    scoped = Case.objects.visible_to(actor)
    if actor.role in HANDLER_ROLES:
        counts = scoped.filter(selectors.handled_by_condition(actor),
                               status__in=OPEN_CASE_STATUSES).aggregate(
            count=Count("pk"), overdue=Count("pk", filter=Q(
                reminders.overdue_condition(today))))
        todos.append(Todo(label="待您办理的诉求", count=counts["count"],
                          overdue=counts["overdue"], url=f"{cases_url}?status=open&mine=on",
                          module="走访与诉求"))
    if actor.role in STAFF_RATE_ROLES:
        # Not the cases the actor concluded (permissions.closure_conflict).
        count = scoped.filter(status=CaseStatus.CONCLUDED, satisfaction="").exclude(
            concluded_by=actor).count()
        todos.append(Todo(label="已办结待回访的诉求", count=count,
                          url=f"{cases_url}?status={CaseStatus.CONCLUDED}",
                          module="走访与诉求"))
    if actor.role == Role.VILLAGE_LIAISON:
        counts = scoped.filter(status__in=OPEN_CASE_STATUSES).aggregate(
            count=Count("pk"), overdue=Count("pk", filter=Q(
                reminders.overdue_condition(today))))
        todos.append(Todo(label="本村尚未办结的诉求", count=counts["count"],
                          overdue=counts["overdue"], url=f"{cases_url}?status=open",
                          module="走访与诉求", follow=True))
    return todos
