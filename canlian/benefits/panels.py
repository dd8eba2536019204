"""The benefits panel of the person 360° page: every policy 符合 / 不符合 with the reason."""

from __future__ import annotations

from typing import Any

from canlian.benefits import eligibility, selectors
from canlian.benefits.months import this_month
from canlian.benefits.permissions import VIEW_ROLES, can_apply
from canlian.core.models import User
from canlian.core.panels import Panel


def benefits_panel(actor: User, person: Any) -> Panel | None:
    if actor.role not in VIEW_ROLES:
        return None
    month = this_month()
    return Panel(key="benefits", title="政策与补贴", template="benefits/includes/person_panel.html",
                 context={"checks": eligibility.person_self_check(person, month),
                          "month": month, "can_apply": can_apply(actor),
                          "enrolments": selectors.enrolments_for(actor=actor, person=person)})
