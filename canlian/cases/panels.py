"""The visits and cases panel of the person 360° page (canlian.core.panels)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from canlian.cases import due, selectors
from canlian.cases.permissions import READ_ROLES, VISIT_ROLES
from canlian.core.models import User
from canlian.core.panels import Panel
from canlian.registry.models import Person


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
