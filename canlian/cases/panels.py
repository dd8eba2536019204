"""What cases adds to other pages: the visits and cases panel of the person 360° page
(canlian.core.panels) and the home page's 待办 (canlian.core.workbench)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from canlian.cases import due, reminders, selectors
from canlian.cases.models import OPEN_CASE_STATUSES, Case
from canlian.cases.permissions import HANDLER_ROLES, READ_ROLES, VISIT_ROLES
from canlian.core.models import User
from canlian.core.panels import Panel
from canlian.core.roles import Role
from canlian.core.workbench import Todo
from canlian.registry.models import Person

# Whose home page shows the visit list: the officers who visit a village or a township. A
# county's whole list is one page away (the due list), not computed on every home page view.
VISIT_WAITING_ROLES = frozenset({Role.VILLAGE_LIAISON, Role.TOWNSHIP_STAFF})


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
    todos: list[Todo] = []
    if actor.role in VISIT_WAITING_ROLES:
        summary = selectors.due_summary_for(actor=actor)
        waiting = sum(summary[state] for state in due.DueState.OPEN)
        overdue = sum(summary[state] for state in due.DueState.OVERDUE_STATES)
        todos.append(Todo(label="应走访的残疾人", count=waiting, overdue=overdue, unit="人",
                          url=reverse("cases:due_list"), module="走访与诉求"))
    if actor.role in HANDLER_ROLES | {Role.VILLAGE_LIAISON}:
        counts = (Case.objects.visible_to(actor).filter(status__in=OPEN_CASE_STATUSES)
                  .aggregate(count=Count("pk"), overdue=Count(
                      "pk", filter=Q(reminders.overdue_condition(timezone.localdate())))))
        label = "本村尚未办结的诉求" if actor.role == Role.VILLAGE_LIAISON else "尚未办结的诉求"
        todos.append(Todo(label=label, count=counts["count"], overdue=counts["overdue"],
                          url=f"{reverse('cases:case_list')}?status=open", module="走访与诉求"))
    return todos
